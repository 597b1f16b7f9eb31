//! SASL2 (XEP-0388) steps on a [`Conn`]: send `<authenticate/>`, `<response/>`, `<abort/>`, and
//! read the server's reply classified as challenge, success, failure or continue, keeping the raw
//! text so cases can check encoding rules (no whitespace in base64) themselves.

use crate::conn::Conn;
use crate::error::ClientError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

pub use crate::build::USER_AGENT_ID;

/// A server reply during SASL2 authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sasl2Reply {
    /// `<challenge/>`: raw text and its decoding (`None` if the text is not valid base64).
    Challenge {
        /// The element text as received.
        raw: String,
        /// Decoded payload (XML whitespace inside the base64 is tolerated, see [`decode_b64`]).
        data: Option<Vec<u8>>,
        /// Whether the text contained whitespace (SASL2-14 judges it; nothing else does).
        had_whitespace: bool,
    },
    /// `<success/>`, with the element for inline results.
    Success(Element),
    /// `<failure/>`: every child in the RFC 6120 SASL namespace (exactly one is required).
    Failure {
        /// Names of the condition children.
        conditions: Vec<String>,
        /// The element.
        element: Element,
    },
    /// `<continue/>` (tasks).
    Continue(Element),
}

impl Sasl2Reply {
    /// Short description for `actual` fields.
    pub fn describe(&self) -> String {
        match self {
            Sasl2Reply::Challenge { raw, .. } => format!("<challenge>{raw}</challenge>"),
            Sasl2Reply::Success(e) | Sasl2Reply::Continue(e) => e.to_xml(),
            Sasl2Reply::Failure { element, .. } => element.to_xml(),
        }
    }

    /// The single failure condition, if this is a failure with exactly one.
    pub fn failure_condition(&self) -> Option<&str> {
        match self {
            Sasl2Reply::Failure { conditions, .. } if conditions.len() == 1 => {
                conditions.first().map(String::as_str)
            }
            _ => None,
        }
    }
}

/// Decode SASL base64 as a receiver should: XML whitespace (SP, HT, CR, LF) is removed first,
/// because XEP-0388's own examples line-wrap base64 and sending it is only a SHOULD NOT
/// (SASL2-14, judged by its own case), then the standard alphabet with padding is required.
/// `None` on any other deviation.
pub fn decode_b64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !is_xml_space(*c)).collect();
    decode_b64_strict(&compact)
}

/// Decode base64 strictly (standard alphabet, padded, no whitespace), as inside SCRAM messages.
pub fn decode_b64_strict(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// XML whitespace (XML 1.0 `S`: SP, HT, CR, LF).
pub fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Whether `text` contains XML whitespace.
pub fn has_whitespace(text: &str) -> bool {
    text.chars().any(is_xml_space)
}

/// Encode SASL data for the wire.
pub fn encode_b64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Classify a received element as a SASL2 reply.
pub fn classify(e: Element) -> Result<Sasl2Reply, ClientError> {
    crate::legacy::classify_in(crate::legacy::AuthProfile::Sasl2, e)
}

/// Build `<authenticate/>`: `initial_response` `None` omits the element, `Some(b"")` sends it
/// empty; the kit's `<user-agent/>` is always included, then `extra` inline requests. The builder
/// form is [`crate::build::authenticate`].
pub fn authenticate_element(
    mechanism: &str,
    initial_response: Option<&[u8]>,
    extra: &[Element],
) -> Element {
    let mut b = crate::build::authenticate(mechanism);
    if let Some(ir) = initial_response {
        b = b.initial_response(ir);
    }
    b.inline(extra.iter().cloned()).into()
}

/// The authorization identifier of a success element (trimmed), if present.
pub fn authorization_identifier(success: &Element) -> Option<String> {
    success
        .child("authorization-identifier", ns::SASL2)
        .map(|a| a.text().trim().to_owned())
}

/// The decoded `<additional-data/>` of a success element: `None` if absent, `Some(None)` if not
/// base64.
pub fn additional_data(success: &Element) -> Option<Option<Vec<u8>>> {
    success
        .child("additional-data", ns::SASL2)
        .map(|a| decode_b64(&a.text()))
}

impl Conn {
    /// Send `<authenticate/>` (see [`authenticate_element`]) and read the first reply.
    pub async fn authenticate(
        &mut self,
        mechanism: &str,
        initial_response: Option<&[u8]>,
        extra: &[Element],
    ) -> Result<Sasl2Reply, ClientError> {
        self.send(&authenticate_element(mechanism, initial_response, extra))
            .await?;
        self.sasl2_reply().await
    }

    /// Send `<response/>` with `data` and read the next reply.
    pub async fn respond(&mut self, data: &[u8]) -> Result<Sasl2Reply, ClientError> {
        self.send(&Element::new("response", ns::SASL2).with_text(encode_b64(data)))
            .await?;
        self.sasl2_reply().await
    }

    /// Send `<abort/>` and read the reply.
    pub async fn abort(&mut self) -> Result<Sasl2Reply, ClientError> {
        self.send(&Element::new("abort", ns::SASL2)).await?;
        self.sasl2_reply().await
    }

    /// Read the next element as a SASL2 reply.
    pub async fn sasl2_reply(&mut self) -> Result<Sasl2Reply, ClientError> {
        classify(self.recv().await?)
    }

    /// After `<success/>`: the next element must be `<stream:features/>` (no restart).
    pub async fn post_auth_features(&mut self) -> Result<Element, ClientError> {
        let e = self.recv().await?;
        if e.is("features", ns::STREAMS) {
            Ok(e)
        } else {
            Err(ClientError::unexpected(
                "<stream:features/> after <success/>",
                &e,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::xml::{Limits, parse_element};

    fn el(s: &str) -> Element {
        parse_element(s, &Limits::default()).expect("xml")
    }

    #[test]
    fn classifies_replies() {
        let c = classify(el("<challenge xmlns='urn:xmpp:sasl:2'>cj1h</challenge>")).expect("ok");
        assert!(matches!(&c, Sasl2Reply::Challenge { data: Some(d), .. } if d == b"r=a"));
        let c = classify(el("<challenge xmlns='urn:xmpp:sasl:2'>cj1\nh</challenge>")).expect("ok");
        assert!(
            matches!(&c, Sasl2Reply::Challenge { data: Some(d), had_whitespace: true, .. } if d == b"r=a")
        );
        let c = classify(el("<challenge xmlns='urn:xmpp:sasl:2'>cj1*h</challenge>")).expect("ok");
        assert!(matches!(c, Sasl2Reply::Challenge { data: None, .. }));
        let f = classify(el("<failure xmlns='urn:xmpp:sasl:2'><not-authorized \
             xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><text>no</text></failure>"))
        .expect("ok");
        assert_eq!(f.failure_condition(), Some("not-authorized"));
        let two = classify(el("<failure xmlns='urn:xmpp:sasl:2'><aborted \
             xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><not-authorized \
             xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></failure>"))
        .expect("ok");
        assert_eq!(two.failure_condition(), None);
        assert!(classify(el("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")).is_err());
        assert!(classify(el("<iq xmlns='jabber:client'/>")).is_err());
    }

    #[test]
    fn builds_authenticate_with_empty_absent_ir() {
        let a = authenticate_element("PLAIN", None, &[]);
        assert!(a.child("initial-response", ns::SASL2).is_none());
        let a = authenticate_element("PLAIN", Some(b""), &[]);
        assert_eq!(
            a.child("initial-response", ns::SASL2)
                .map(Element::text)
                .as_deref(),
            Some("")
        );
        let a = authenticate_element("X", Some(b"n,,"), &[Element::new("bind", ns::BIND2)]);
        assert_eq!(
            a.child("initial-response", ns::SASL2)
                .map(Element::text)
                .as_deref(),
            Some("biws")
        );
        assert!(a.child("bind", ns::BIND2).is_some());
        assert_eq!(
            a.child("user-agent", ns::SASL2).and_then(|u| u.attr("id")),
            Some(USER_AGENT_ID)
        );
    }

    #[test]
    fn reads_success_parts() {
        let s = el(
            "<success xmlns='urn:xmpp:sasl:2'><additional-data>dj1h</additional-data>\
             <authorization-identifier> a@b/c </authorization-identifier></success>",
        );
        assert_eq!(authorization_identifier(&s).as_deref(), Some("a@b/c"));
        assert_eq!(additional_data(&s), Some(Some(b"v=a".to_vec())));
    }
}
