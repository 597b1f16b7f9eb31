//! XEP-0388 SASL2 wire elements: parsing `<authenticate/>` into a checked request and rendering
//! `<challenge/>`, `<success/>` and `<failure/>`. The state machine that sequences them lives in
//! the session core; this module only knows the element shapes.

use gatecheck_proto::sasl::{Mechanism, SaslCondition};
use gatecheck_proto::xml::Element;

use super::{payload, sasl_common};
use crate::c2s::mechanism::MechanismFailure;
use crate::c2s::ns;

/// A syntactically valid `<authenticate/>` naming an advertised mechanism.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticateRequest {
    /// The mechanism to run.
    pub mechanism: Mechanism,
    /// Decoded `<initial-response/>`: `None` when absent, empty when the element is empty (SASL2-15).
    pub initial_response: Option<Vec<u8>>,
    /// `<user-agent id>`, validated as a UUID v4 and lower-cased.
    pub user_agent_id: Option<String>,
    /// Foreign-namespace children: inline feature requests, processed only after success.
    pub inline_requests: Vec<Element>,
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
) -> Result<AuthenticateRequest, MechanismFailure> {
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
    Ok(AuthenticateRequest {
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

    fn parse(xml: &str) -> Result<AuthenticateRequest, MechanismFailure> {
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
