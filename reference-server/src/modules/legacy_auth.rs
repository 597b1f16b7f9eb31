//! RFC 6120 §6 SASL wire elements (the "legacy" profile ordinary clients use): `<auth/>`
//! parsing and `<challenge/>`/`<success/>`/`<failure/>` rendering, all in
//! `urn:ietf:params:xml:ns:xmpp-sasl`. Sequencing lives in the session core.

use gatecheck_proto::sasl::Mechanism;
use gatecheck_proto::xml::Element;

use super::{payload, sasl_common};
use crate::c2s::mechanism::MechanismFailure;
use crate::c2s::ns;

/// A checked `<auth/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// The mechanism to run.
    pub mechanism: Mechanism,
    /// `None` for no initial response (empty element), `Some(empty)` for `=` (RFC 6120 §6.4.2).
    pub initial_response: Option<Vec<u8>>,
}

/// Decodes a legacy payload: `=` is the zero-length payload, empty text is "no data".
pub fn decode_optional(text: &str) -> Result<Option<Vec<u8>>, MechanismFailure> {
    match text.trim_matches([' ', '\t', '\r', '\n']) {
        "" => Ok(None),
        "=" => Ok(Some(Vec::new())),
        t => payload::decode(t).map(Some),
    }
}

/// Checks `<auth/>` against the legacy mechanisms advertised (RFC 6120 §6.4.2, §6.5.7, §6.5.8).
pub fn parse_auth(el: &Element, advertised: &[Mechanism]) -> Result<AuthRequest, MechanismFailure> {
    let mechanism = sasl_common::requested_mechanism(el, advertised, None)?;
    Ok(AuthRequest {
        mechanism,
        initial_response: decode_optional(&el.text())?,
    })
}

/// `<challenge/>`; a zero-length challenge is written as `=`.
pub fn challenge(data: &[u8]) -> Element {
    Element::new("challenge", ns::SASL).with_text(if data.is_empty() {
        "=".to_owned()
    } else {
        payload::encode(data)
    })
}

/// `<success/>` with the additional data, if any (RFC 6120 §6.4.6).
pub fn success(additional: Option<&[u8]>) -> Element {
    let e = Element::new("success", ns::SASL);
    match additional {
        Some(d) if !d.is_empty() => e.with_text(payload::encode(d)),
        Some(_) => e.with_text("="),
        None => e,
    }
}

/// `<failure/>` with one condition and optional text (RFC 6120 §6.4.5).
pub fn failure(f: &MechanismFailure) -> Element {
    sasl_common::failure_in(ns::SASL, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::sasl::SaslCondition;
    use gatecheck_proto::xml::{Limits, parse_element};

    fn parse(xml: &str) -> Result<AuthRequest, MechanismFailure> {
        parse_auth(
            &parse_element(xml, &Limits::default()).unwrap(),
            &[Mechanism::Plain],
        )
    }

    #[test]
    fn auth_forms() {
        let ns = "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'";
        assert_eq!(
            parse(&format!("<auth {ns} mechanism='PLAIN'/>"))
                .unwrap()
                .initial_response,
            None
        );
        assert_eq!(
            parse(&format!("<auth {ns} mechanism='PLAIN'>=</auth>"))
                .unwrap()
                .initial_response,
            Some(vec![])
        );
        assert_eq!(
            parse(&format!("<auth {ns} mechanism='PLAIN'>cGVuY2ls</auth>"))
                .unwrap()
                .initial_response,
            Some(b"pencil".to_vec())
        );
        assert_eq!(
            parse(&format!("<auth {ns}/>")).unwrap_err().condition,
            SaslCondition::MalformedRequest
        );
        assert_eq!(
            parse(&format!("<auth {ns} mechanism='X'/>"))
                .unwrap_err()
                .condition,
            SaslCondition::InvalidMechanism
        );
        assert_eq!(
            parse(&format!("<auth {ns} mechanism='PLAIN'>*</auth>"))
                .unwrap_err()
                .condition,
            SaslCondition::IncorrectEncoding
        );
    }

    #[test]
    fn renders() {
        assert_eq!(
            challenge(b"").to_xml(),
            "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</challenge>"
        );
        assert_eq!(
            success(None).to_xml(),
            "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
        );
        assert_eq!(
            failure(&MechanismFailure::new(SaslCondition::Aborted)).to_xml(),
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>"
        );
    }
}
