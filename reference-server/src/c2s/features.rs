//! `<stream:features/>` for each phase of a c2s stream (RFC 6120 §4.3.2): before TLS, after TLS
//! before authentication, and after authentication. Pure functions of the stream state, so the
//! content is stable for identical state (SASL2-7) and never depends on the claimed identity
//! (SASL2-34).

use gatecheck_proto::sasl::Mechanism;
use gatecheck_proto::xml::{Element, JABBER_CLIENT_NS};

use super::inline::InlineRegistry;
use super::ns;

/// Wraps children in `<stream:features>` using the `stream:` prefix our header declared.
pub fn features_xml(children: &[Element]) -> String {
    if children.is_empty() {
        return "<stream:features/>".to_owned();
    }
    let mut out = String::from("<stream:features>");
    for c in children {
        c.write_xml(&mut out, JABBER_CLIENT_NS);
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

/// XEP-0388 §2.1 `<authentication/>` listing `mechs`, with the inline features.
/// Returns `None` when no mechanism is usable: an empty list must never be advertised (SASL2-2).
pub fn sasl2_authentication(mechs: &[Mechanism], inline: &InlineRegistry) -> Option<Element> {
    if mechs.is_empty() {
        return None;
    }
    let mut e = Element::new("authentication", ns::SASL2);
    for m in mechs {
        e = e.with_child(Element::new("mechanism", ns::SASL2).with_text(m.name()));
    }
    let inline_children = inline.advertise();
    if !inline_children.is_empty() {
        let mut i = Element::new("inline", ns::SASL2);
        for c in inline_children {
            i = i.with_child(c);
        }
        e = e.with_child(i);
    }
    Some(e)
}

/// XEP-0440 `<sasl-channel-binding/>` listing the channel-binding types this connection supports.
pub fn channel_binding(types: &[String]) -> Option<Element> {
    if types.is_empty() {
        return None;
    }
    let mut e = Element::new("sasl-channel-binding", ns::SASL_CB);
    for t in types {
        e = e
            .with_child(Element::new("channel-binding", ns::SASL_CB).with_attr("type", t.as_str()));
    }
    Some(e)
}

/// RFC 6120 §6.4.1 `<mechanisms/>` for the legacy SASL profile.
pub fn legacy_mechanisms(mechs: &[Mechanism]) -> Option<Element> {
    if mechs.is_empty() {
        return None;
    }
    let mut e = Element::new("mechanisms", ns::SASL);
    for m in mechs {
        e = e.with_child(Element::new("mechanism", ns::SASL).with_text(m.name()));
    }
    Some(e)
}

/// Features of an authenticated stream: RFC 6120 §7 `<bind/>` and the RFC 3921 `<session/>`
/// (marked `<optional/>`, RFC 6121 Appendix E) until a resource is bound; nothing afterwards,
/// because everything else we serve is discovered with disco#info.
pub fn authenticated(bound: bool) -> Vec<Element> {
    if bound {
        return Vec::new();
    }
    vec![
        Element::new("bind", ns::BIND),
        Element::new("session", ns::SESSION).with_child(Element::new("optional", ns::SESSION)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::sasl::ScramHash;

    #[test]
    fn no_empty_authentication() {
        assert!(sasl2_authentication(&[], &InlineRegistry::new()).is_none());
        assert!(legacy_mechanisms(&[]).is_none());
        assert!(channel_binding(&[]).is_none());
    }

    #[test]
    fn shapes() {
        let m = [Mechanism::Scram {
            hash: ScramHash::Sha256,
            plus: false,
        }];
        let a = sasl2_authentication(&m, &InlineRegistry::new()).unwrap();
        let xml = features_xml(&[a, starttls(true)]);
        assert_eq!(
            xml,
            "<stream:features><authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256\
             </mechanism></authentication><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>\
             <required/></starttls></stream:features>"
        );
        assert_eq!(features_xml(&authenticated(true)), "<stream:features/>");
        assert!(features_xml(&authenticated(false)).contains("<optional/>"));
    }
}
