//! RFC 6120 §6 SASL (the "legacy" profile ordinary clients use) as a module: the `<mechanisms/>`
//! feature, `<auth/>` parsing and `<challenge/>`/`<success/>`/`<failure/>` rendering, all in
//! `urn:ietf:params:xml:ns:xmpp-sasl`. Sequencing lives in the session core.

use gatecheck_proto::ns;
use gatecheck_proto::sasl::Mechanism;
use gatecheck_proto::xml::Element;

use super::{payload, sasl_common};
use crate::module::{FeatureContext, Module, StreamPhase};
use crate::sasl::mechanism::{MechanismFailure, Profile};
use crate::sasl::profile::{AuthStart, SaslProfile};

/// The legacy SASL module.
#[derive(Debug, Default, Clone, Copy)]
pub struct LegacyAuth;

impl Module for LegacyAuth {
    fn name(&self) -> &'static str {
        "legacy-sasl"
    }

    fn stream_features(&self, cx: &FeatureContext<'_>) -> Vec<Element> {
        if matches!(cx.phase, StreamPhase::PostAuth { .. }) {
            return Vec::new();
        }
        mechanisms(cx.legacy_mechanisms).into_iter().collect()
    }

    fn sasl_profile(&self) -> Option<&dyn SaslProfile> {
        Some(self)
    }
}

impl SaslProfile for LegacyAuth {
    fn kind(&self) -> Profile {
        Profile::Legacy
    }

    fn namespace(&self) -> &'static str {
        ns::SASL
    }

    fn start_name(&self) -> &'static str {
        "auth"
    }

    fn parse_start(
        &self,
        el: &Element,
        advertised: &[Mechanism],
    ) -> Result<AuthStart, MechanismFailure> {
        parse_auth(el, advertised).map(|r| AuthStart {
            mechanism: r.mechanism,
            initial_response: r.initial_response,
            user_agent_id: None,
            inline_requests: Vec::new(),
        })
    }

    fn decode_response(&self, text: &str) -> Result<Option<Vec<u8>>, MechanismFailure> {
        decode_optional(text)
    }

    fn challenge(&self, data: &[u8]) -> Element {
        challenge(data)
    }

    fn success(&self, additional: Option<&[u8]>, _: &str, _: Vec<Element>) -> Element {
        success(additional)
    }

    fn failure(&self, f: &MechanismFailure) -> Element {
        failure(f)
    }
}

/// RFC 6120 §6.4.1 `<mechanisms/>`; `None` when no mechanism is usable (never an empty list).
pub fn mechanisms(mechs: &[Mechanism]) -> Option<Element> {
    if mechs.is_empty() {
        return None;
    }
    let mut e = Element::new("mechanisms", ns::SASL);
    for m in mechs {
        e = e.with_child(Element::new("mechanism", ns::SASL).with_text(m.name()));
    }
    Some(e)
}

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

/// `<challenge/>`; a zero-length challenge is the empty element. RFC 6120 defines `=` only for a
/// zero-length initial response (§6.4.2) and zero-length success data (§6.4.6), not for
/// challenges (§6.4.3), so we do not write it there.
pub fn challenge(data: &[u8]) -> Element {
    let e = Element::new("challenge", ns::SASL);
    if data.is_empty() {
        e
    } else {
        e.with_text(payload::encode(data))
    }
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
        let ns = format!("xmlns='{}'", ns::SASL);
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
            format!("<challenge xmlns='{}'/>", ns::SASL)
        );
        assert_eq!(
            success(Some(b"")).to_xml(),
            format!("<success xmlns='{}'>=</success>", ns::SASL)
        );
        assert_eq!(
            success(None).to_xml(),
            format!("<success xmlns='{}'/>", ns::SASL)
        );
        assert_eq!(
            failure(&MechanismFailure::new(SaslCondition::Aborted)).to_xml(),
            format!("<failure xmlns='{}'><aborted/></failure>", ns::SASL)
        );
    }
}
