//! The owned element tree that the framer produces and the suite and server build.

use super::names::XML_NS;
use super::xmlstr::XmlStr;

/// One attribute: local name, namespace (empty for the usual unqualified attribute) and the
/// unescaped value. `xml:lang` is `{ name: "lang", ns: XML_NS }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// Local name (no prefix); interned, so repeated names share one allocation.
    pub name: XmlStr,
    /// Namespace name; empty when the attribute had no prefix.
    pub ns: XmlStr,
    /// Value with entity and character references resolved.
    pub value: String,
}

/// A child of an element. Adjacent text is always merged and empty text dropped, so two trees
/// with the same content compare equal however the bytes were chunked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data, unescaped.
    Text(String),
}

/// An XML element with its namespace resolved: prefixes are a serialisation detail.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name; interned by the parser, so cloning it is cheap.
    pub name: XmlStr,
    /// Namespace name (empty for none); interned by the parser.
    pub ns: XmlStr,
    /// Attributes in document order (namespace declarations excluded).
    pub attrs: Vec<Attr>,
    /// Children in document order.
    pub children: Vec<Node>,
}

/// Splits a builder/accessor key: `xml:lang` addresses the XML namespace, anything else is an
/// unqualified attribute name.
fn attr_key(key: &str) -> (&str, &str) {
    match key.strip_prefix("xml:") {
        Some(local) => (local, XML_NS),
        None => (key, ""),
    }
}

impl Element {
    /// A new empty element. Names are not validated here; use XML names.
    pub fn new(name: impl Into<XmlStr>, ns: impl Into<XmlStr>) -> Self {
        Self {
            name: name.into(),
            ns: ns.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Sets an attribute (replacing one of the same name). `xml:lang`-style keys go to the XML
    /// namespace; for other namespaced attributes use [`Element::with_attr_ns`].
    pub fn with_attr(self, key: &str, value: impl Into<String>) -> Self {
        let (name, ns) = attr_key(key);
        self.with_attr_ns(name, ns, value)
    }

    /// Sets a namespaced attribute (replacing one with the same expanded name).
    pub fn with_attr_ns(mut self, name: &str, ns: &str, value: impl Into<String>) -> Self {
        self.set_attr_ns(name, ns, value);
        self
    }

    /// In-place form of [`Element::with_attr_ns`].
    pub fn set_attr_ns(&mut self, name: &str, ns: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|a| a.name == name && a.ns == ns) {
            Some(attr) => attr.value = value,
            None => self.attrs.push(Attr {
                name: name.into(),
                ns: ns.into(),
                value,
            }),
        }
    }

    /// Appends a child element.
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Appends text, merging with a preceding text node; empty text is ignored.
    pub fn with_text(mut self, text: impl AsRef<str>) -> Self {
        self.push_text(text.as_ref());
        self
    }

    /// In-place form of [`Element::with_text`].
    pub fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.children.last_mut() {
            Some(Node::Text(prev)) => prev.push_str(text),
            _ => self.children.push(Node::Text(text.to_owned())),
        }
    }

    /// Value of an unqualified attribute, or of `xml:NAME` in the XML namespace.
    pub fn attr(&self, key: &str) -> Option<&str> {
        let (name, ns) = attr_key(key);
        self.attr_ns(name, ns)
    }

    /// Value of the attribute with this expanded name.
    pub fn attr_ns(&self, name: &str, ns: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name && a.ns == ns)
            .map(|a| a.value.as_str())
    }

    /// First child element with this name and namespace.
    pub fn child(&self, name: &str, ns: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name && e.ns == ns)
    }

    /// All child elements with this name and namespace.
    pub fn children_named<'a>(
        &'a self,
        name: &'a str,
        ns: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements()
            .filter(move |e| e.name == name && e.ns == ns)
    }

    /// Child elements, skipping text.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Concatenated direct text children (not descendants).
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// True if the element has this name and namespace, the usual dispatch test.
    pub fn is(&self, name: &str, ns: &str) -> bool {
        self.name == name && self.ns == ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_and_accessors() {
        let e = Element::new("message", "jabber:client")
            .with_attr("to", "a@b")
            .with_attr("xml:lang", "en")
            .with_text("x")
            .with_text("")
            .with_text("y")
            .with_child(Element::new("body", "jabber:client").with_text("hi"))
            .with_child(Element::new("body", "jabber:client").with_text("again"));
        assert_eq!(e.attr("to"), Some("a@b"));
        assert_eq!(e.attr("xml:lang"), Some("en"));
        assert_eq!(e.attr_ns("lang", XML_NS), Some("en"));
        assert_eq!(e.attr("lang"), None);
        assert_eq!(e.text(), "xy");
        assert_eq!(e.children.len(), 3);
        assert_eq!(e.children_named("body", "jabber:client").count(), 2);
        assert_eq!(
            e.child("body", "jabber:client").map(Element::text),
            Some("hi".into())
        );
        assert!(e.child("body", "other").is_none());
        let replaced = e.clone().with_attr("to", "c@d");
        assert_eq!(replaced.attrs.len(), 2);
        assert_eq!(replaced.attr("to"), Some("c@d"));
    }
}
