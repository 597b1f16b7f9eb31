//! `<stream:features/>` framing (RFC 6120 §4.3.2) and the one feature the session itself owns,
//! STARTTLS. Everything else inside the element comes from the modules
//! ([`crate::module::Module::stream_features`]).

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

/// Wraps children in `<stream:features>` using the `stream:` prefix our header declared.
pub fn features_xml(children: &[Element]) -> String {
    if children.is_empty() {
        return "<stream:features/>".to_owned();
    }
    let mut out = String::from("<stream:features>");
    for c in children {
        c.write_xml(&mut out, ns::CLIENT);
    }
    out.push_str("</stream:features>");
    out
}

/// RFC 6120 §5.3.1: `<starttls/>`, with `<required/>` when policy forbids plaintext auth.
pub fn starttls(required: bool) -> Element {
    let mut e = Element::new("starttls", ns::TLS);
    if required {
        e = e.with_child(Element::new("required", ns::TLS));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(features_xml(&[]), "<stream:features/>");
        let expected = format!(
            "<stream:features><starttls xmlns='{}'><required/></starttls></stream:features>",
            ns::TLS
        );
        assert_eq!(features_xml(&[starttls(true)]), expected);
    }
}
