//! XEP-0388 SASL2 as a module: the `<authentication/>` feature (with every module's inline
//! advertisements), parsing `<authenticate/>` into a checked
//! request, and rendering `<challenge/>`, `<success/>` and `<failure/>`. The state machine that
//! sequences them lives in the session core; this module only knows the element shapes.

use gatecheck_proto::ns;
use gatecheck_proto::sasl::{Mechanism, SaslCondition};
use gatecheck_proto::xml::Element;

use super::{payload, sasl_common};
use crate::breaks::Break;
use crate::module::{FeatureContext, Module, StreamPhase};
use crate::sasl::mechanism::{MechanismFailure, Profile};
use crate::sasl::profile::{AuthStart, SaslProfile};

/// The SASL2 module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sasl2;

impl Module for Sasl2 {
    fn name(&self) -> &'static str {
        "sasl2"
    }

    fn stream_features(&self, cx: &FeatureContext<'_>) -> Vec<Element> {
        if matches!(cx.phase, StreamPhase::PostAuth { .. }) {
            return Vec::new();
        }
        let brk = cx.breaks;
        let mut auth = authentication(cx.sasl2_mechanisms, cx.inline);
        if brk.has(Break::R2EmptyAuthentication) {
            auth = Some(Element::new("authentication", ns::SASL2));
        }
        if brk.has(Break::R3MechanismNameTooLong) {
            let long = Element::new("mechanism", ns::SASL2).with_text("X-OAUTH2-BEARER-TOKEN");
            auth = auth.map(|a| a.with_child(long));
        }
        auth.into_iter().collect()
    }

    fn sasl_profile(&self) -> Option<&dyn SaslProfile> {
        Some(self)
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::SASL2]
    }
}

impl SaslProfile for Sasl2 {
    fn kind(&self) -> Profile {
        Profile::Sasl2
    }

    fn namespace(&self) -> &'static str {
        ns::SASL2
    }

    fn start_name(&self) -> &'static str {
        "authenticate"
    }

    fn parse_start(
        &self,
        el: &Element,
        advertised: &[Mechanism],
    ) -> Result<AuthStart, MechanismFailure> {
        parse_authenticate(el, advertised)
    }

    fn decode_response(&self, text: &str) -> Result<Option<Vec<u8>>, MechanismFailure> {
        payload::decode(text).map(Some)
    }

    fn challenge(&self, data: &[u8]) -> Element {
        challenge(data)
    }

    fn success(&self, additional: Option<&[u8]>, authzid: &str, inline: Vec<Element>) -> Element {
        success(additional, authzid, inline)
    }

    fn failure(&self, f: &MechanismFailure) -> Element {
        failure(f)
    }
}

/// XEP-0388 §2.1 `<authentication/>` listing `mechs`, with the inline features.
/// Returns `None` when no mechanism is usable: an empty list must never be advertised (SASL2-2).
pub fn authentication(mechs: &[Mechanism], inline: &[Element]) -> Option<Element> {
    if mechs.is_empty() {
        return None;
    }
    let mut e = Element::new("authentication", ns::SASL2);
    // HT-* (FAST) are listed only inside <fast/> (XEP-0484 §3.1; Prosody and MongooseIM too).
    for m in mechs.iter().filter(|m| !m.is_ht()) {
        e = e.with_child(Element::new("mechanism", ns::SASL2).with_text(m.name()));
    }
    if !inline.is_empty() {
        let mut i = Element::new("inline", ns::SASL2);
        for c in inline {
            i = i.with_child(c.clone());
        }
        e = e.with_child(i);
    }
    Some(e)
}

/// Whether `s` is a UUID v4 in 8-4-4-4-12 hex form (case-insensitive), as XEP-0388 §2.3 requires.
pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
        && b.get(14) == Some(&b'4')
        && matches!(b.get(19), Some(b'8' | b'9' | b'a' | b'b' | b'A' | b'B'))
}

/// Checks an `<authenticate/>` (already known to be in the SASL2 namespace) against the
/// mechanisms advertised on this stream.
///
/// Decisions: a missing `mechanism` attribute is `malformed-request` (XEP-0388 §2.3 prose makes it
/// mandatory); a name not advertised is `invalid-mechanism` (SASL2-9); a present but non-UUID-v4
/// `user-agent id` is `malformed-request`, because the XEP says it MUST be one and FAST/Bind 2
/// key state on it; more than one `<initial-response/>` is `malformed-request`.
pub fn parse_authenticate(
    el: &Element,
    advertised: &[Mechanism],
) -> Result<AuthStart, MechanismFailure> {
    let mechanism =
        sasl_common::requested_mechanism(el, advertised, Some("mechanism not offered"))?;
    let mut irs = el.children_named("initial-response", ns::SASL2);
    let initial_response = irs.next().map(|e| payload::decode(&e.text())).transpose()?;
    if irs.next().is_some() {
        return Err(MechanismFailure::with_text(
            SaslCondition::MalformedRequest,
            "more than one initial-response",
        ));
    }
    let user_agent_id = match el.child("user-agent", ns::SASL2).and_then(|u| u.attr("id")) {
        Some(id) if is_uuid_v4(id) => Some(id.to_ascii_lowercase()),
        Some(_) => {
            return Err(MechanismFailure::with_text(
                SaslCondition::MalformedRequest,
                "user-agent id must be a UUID v4",
            ));
        }
        None => None,
    };
    let inline_requests = el
        .elements()
        .filter(|c| c.ns != ns::SASL2)
        .cloned()
        .collect();
    Ok(AuthStart {
        mechanism,
        initial_response,
        user_agent_id,
        inline_requests,
    })
}

/// `<challenge>` carrying `data`.
pub fn challenge(data: &[u8]) -> Element {
    Element::new("challenge", ns::SASL2).with_text(payload::encode(data))
}

/// `<success>` with optional `<additional-data>`, the authorization identifier and the inline
/// results, in that order.
pub fn success(additional: Option<&[u8]>, authzid: &str, results: Vec<Element>) -> Element {
    let mut e = Element::new("success", ns::SASL2);
    if let Some(d) = additional {
        e = e.with_child(Element::new("additional-data", ns::SASL2).with_text(payload::encode(d)));
    }
    e = e.with_child(Element::new("authorization-identifier", ns::SASL2).with_text(authzid));
    for r in results {
        e = e.with_child(r);
    }
    e
}

/// `<failure>` with exactly one RFC 6120 §6.5 condition (SASL2-24) and optional `<text>`.
pub fn failure(f: &MechanismFailure) -> Element {
    sasl_common::failure_in(ns::SASL2, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::sasl::ScramHash;
    use gatecheck_proto::xml::{Limits, parse_element};

    const S256: Mechanism = Mechanism::Scram {
        hash: ScramHash::Sha256,
        plus: false,
    };

    fn parse(xml: &str) -> Result<AuthStart, MechanismFailure> {
        parse_authenticate(&parse_element(xml, &Limits::default()).unwrap(), &[S256])
    }

    #[test]
    fn parses_full_request() {
        let r = parse(
            "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'>\
             <initial-response>cGVuY2ls</initial-response>\
             <user-agent id='D4565FA7-4d72-4749-b3d3-740edbf87770'><software>x</software></user-agent>\
             <bind xmlns='urn:xmpp:bind:0'><tag>t</tag></bind></authenticate>",
        )
        .unwrap();
        assert_eq!(r.initial_response.as_deref(), Some(&b"pencil"[..]));
        assert_eq!(
            r.user_agent_id.as_deref(),
            Some("d4565fa7-4d72-4749-b3d3-740edbf87770")
        );
        assert_eq!(r.inline_requests.len(), 1);
        let r = parse("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'><initial-response/></authenticate>").unwrap();
        assert_eq!(r.initial_response, Some(Vec::new()));
        let r = parse("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'/>").unwrap();
        assert_eq!(r.initial_response, None);
    }

    #[test]
    fn maps_errors() {
        let cond = |x: &str| parse(x).unwrap_err().condition;
        assert_eq!(
            cond("<authenticate xmlns='urn:xmpp:sasl:2'/>"),
            SaslCondition::MalformedRequest
        );
        assert_eq!(
            cond("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'/>"),
            SaslCondition::InvalidMechanism
        );
        assert_eq!(
            cond("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='X'/>"),
            SaslCondition::InvalidMechanism
        );
        assert_eq!(
            cond(
                "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'><initial-response>!!</initial-response></authenticate>"
            ),
            SaslCondition::IncorrectEncoding
        );
        assert_eq!(
            cond(
                "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'><user-agent id='d4565fa7-4d72-1749-b3d3-740edbf87770'/></authenticate>"
            ),
            SaslCondition::MalformedRequest
        );
    }

    #[test]
    fn renders() {
        let f = failure(&MechanismFailure::with_text(
            SaslCondition::NotAuthorized,
            "no",
        ));
        assert_eq!(
            f.to_xml(),
            "<failure xmlns='urn:xmpp:sasl:2'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\
             <text xml:lang='en'>no</text></failure>"
        );
        let s = success(
            Some(b"v=x"),
            "a@b/c",
            vec![Element::new("bound", ns::BIND2)],
        );
        assert_eq!(
            s.to_xml(),
            "<success xmlns='urn:xmpp:sasl:2'><additional-data>dj14</additional-data>\
             <authorization-identifier>a@b/c</authorization-identifier><bound xmlns='urn:xmpp:bind:0'/></success>"
        );
        assert!(is_uuid_v4("d4565fa7-4d72-4749-b3d3-740edbf87770"));
        assert!(!is_uuid_v4("d4565fa7-4d72-4749-c3d3-740edbf87770"));
    }
}
