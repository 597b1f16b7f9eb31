//! Element comparison that ignores what carries no meaning in XMPP (the order of attributes and
//! children, indentation), so tests compare whole elements instead of substrings without becoming
//! flaky when a server reorders its output.

use gatecheck_proto::xml::{Element, Node};

/// An order-insensitive canonical string of an element: attributes and child elements sorted, text
/// trimmed, so two trees differing only in order (or indentation) compare equal.
pub fn canonical(el: &Element) -> String {
    let mut attrs: Vec<String> = el
        .attrs
        .iter()
        .map(|a| format!("{{{}}}{}={:?}", a.ns, a.name, a.value))
        .collect();
    attrs.sort();
    let mut kids: Vec<String> = el
        .children
        .iter()
        .filter_map(|n| match n {
            Node::Element(e) => Some(canonical(e)),
            Node::Text(t) if t.trim().is_empty() => None,
            Node::Text(t) => Some(format!("{:?}", t.trim())),
        })
        .collect();
    kids.sort();
    format!(
        "<{{{}}}{} {}>[{}]",
        el.ns,
        el.name,
        attrs.join(" "),
        kids.join(",")
    )
}

/// Whether `a` and `b` are the same element up to the order of attributes and children and
/// whitespace-only text.
pub fn same_element(a: &Element, b: &Element) -> bool {
    canonical(a) == canonical(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::ns;

    #[test]
    fn order_and_indentation_do_not_matter() {
        let a = Element::new("x", ns::SASL2)
            .with_attr("a", "1")
            .with_attr("b", "2")
            .with_child(Element::new("p", ns::SASL2))
            .with_child(Element::new("q", ns::SASL2).with_text(" t "));
        let b = Element::new("x", ns::SASL2)
            .with_attr("b", "2")
            .with_attr("a", "1")
            .with_child(Element::new("q", ns::SASL2).with_text("t"))
            .with_child(Element::new("p", ns::SASL2));
        assert!(same_element(&a, &b));
        assert!(!same_element(&a, &Element::new("x", ns::SASL2)));
    }
}
