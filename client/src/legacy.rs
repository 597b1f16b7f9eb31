//! The RFC 6120 §6 SASL profile ("legacy" SASL: `<auth/>`, `<challenge/>`, `<response/>`,
//! `<success/>`, `<failure/>`, `<abort/>` in `urn:ietf:params:xml:ns:xmpp-sasl`) next to XEP-0388
//! SASL2, behind one [`AuthProfile`] switch, so every SCRAM exchange (see
//! [`crate::login::scram_exchange_in`]) runs over either profile with the same script.
//!
//! What differs on the wire (RFC 6120 §6.4 vs XEP-0388 §2):
//! * a zero-length initial response is `=` in `<auth/>` and an empty `<initial-response/>` in
//!   SASL2; no initial response is an empty `<auth/>` and an absent `<initial-response/>`;
//! * success data is the text of `<success/>` (`=` when zero-length, §6.4.6) instead of
//!   `<additional-data/>`, and after it the client restarts the stream (SASL2 sends features at
//!   once);
//! * an empty challenge is accepted both as `<challenge/>` and as `<challenge>=</challenge>`:
//!   RFC 6120 §6.4.3 defines `=` only for the initial response and success data, so a server that
//!   writes it is not judged here;
//! * `<text/>` in a legacy `<failure/>` is in the SASL namespace, so it is not a condition.

use crate::conn::Conn;
use crate::error::ClientError;
use crate::features::Features;
use crate::sasl2::{Sasl2Reply, decode_b64, encode_b64, has_whitespace};
use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

/// The SASL profile an exchange runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthProfile {
    /// RFC 6120 §6 SASL (`<mechanisms/>`, `<auth/>`).
    Sasl,
    /// XEP-0388 Extensible SASL Profile (`<authentication/>`, `<authenticate/>`).
    Sasl2,
}

impl AuthProfile {
    /// Both profiles, RFC 6120 first.
    pub const BOTH: [AuthProfile; 2] = [AuthProfile::Sasl, AuthProfile::Sasl2];

    /// The namespace of the profile's elements.
    pub fn ns(self) -> &'static str {
        match self {
            AuthProfile::Sasl => ns::SASL,
            AuthProfile::Sasl2 => ns::SASL2,
        }
    }

    /// `sasl` or `sasl2`, as in case-id variants.
    pub fn label(self) -> &'static str {
        match self {
            AuthProfile::Sasl => "sasl",
            AuthProfile::Sasl2 => "sasl2",
        }
    }

    /// A readable name for messages.
    pub fn title(self) -> &'static str {
        match self {
            AuthProfile::Sasl => "RFC 6120 SASL",
            AuthProfile::Sasl2 => "SASL2",
        }
    }

    /// Whether `features` offer this profile.
    pub fn offered(self, features: &Features) -> bool {
        match self {
            AuthProfile::Sasl => features.legacy_mechanisms.is_some(),
            AuthProfile::Sasl2 => features.sasl2.is_some(),
        }
    }

    /// The mechanisms this profile advertises in `features` (trimmed; empty when not offered).
    pub fn mechanisms(self, features: &Features) -> &[String] {
        match self {
            AuthProfile::Sasl => features.legacy_mechanisms.as_deref().unwrap_or(&[]),
            AuthProfile::Sasl2 => features.mechanisms(),
        }
    }

    /// Whether this profile advertises `mechanism` in `features`.
    pub fn offers(self, features: &Features, mechanism: &str) -> bool {
        self.mechanisms(features).iter().any(|m| m == mechanism)
    }
}

impl std::fmt::Display for AuthProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='…'/>`: `None` sends no initial
/// response (empty element), `Some(b"")` sends `=` (RFC 6120 §6.4.2).
pub fn auth_element(mechanism: &str, initial_response: Option<&[u8]>) -> Element {
    let text = match initial_response {
        None => String::new(),
        Some([]) => "=".to_owned(),
        Some(d) => encode_b64(d),
    };
    auth_text(Some(mechanism), &text)
}

/// `<auth/>` with the text verbatim and the mechanism attribute only when given.
pub fn auth_text(mechanism: Option<&str>, text: &str) -> Element {
    let mut e = Element::new("auth", ns::SASL);
    if let Some(m) = mechanism {
        e = e.with_attr("mechanism", m);
    }
    if text.is_empty() {
        e
    } else {
        e.with_text(text)
    }
}

/// A `<response/>` of `profile` carrying `data` (an empty element when `data` is empty).
pub fn response_element(profile: AuthProfile, data: &[u8]) -> Element {
    let e = Element::new("response", profile.ns());
    if data.is_empty() {
        e
    } else {
        e.with_text(encode_b64(data))
    }
}

/// Classify a received element as a reply of `profile`: anything else (another namespace, an
/// unknown name) is [`ClientError::Unexpected`], which cases judge against SASL2-17.
pub fn classify_in(profile: AuthProfile, e: Element) -> Result<Sasl2Reply, ClientError> {
    let expected = match profile {
        AuthProfile::Sasl => "an RFC 6120 SASL reply",
        AuthProfile::Sasl2 => "a SASL2 reply",
    };
    if e.ns != profile.ns() {
        return Err(ClientError::unexpected(expected, &e));
    }
    match e.name.as_str() {
        "challenge" => {
            let raw = e.text();
            // X8: `=` as an empty challenge is tolerated (RFC 6120 defines it only for §6.4.2
            // and §6.4.6, so the suite does not judge it).
            let data = if profile == AuthProfile::Sasl && raw.trim() == "=" {
                Some(Vec::new())
            } else {
                decode_b64(&raw)
            };
            let had_whitespace = has_whitespace(&raw);
            Ok(Sasl2Reply::Challenge {
                raw,
                data,
                had_whitespace,
            })
        }
        "success" => Ok(Sasl2Reply::Success(e)),
        "continue" if profile == AuthProfile::Sasl2 => Ok(Sasl2Reply::Continue(e)),
        "failure" => Ok(Sasl2Reply::Failure {
            conditions: e
                .elements()
                .filter(|c| c.ns == ns::SASL && c.name != "text")
                .map(|c| c.name.to_string())
                .collect(),
            element: e,
        }),
        _ => Err(ClientError::unexpected(expected, &e)),
    }
}

/// The success data of a `<success/>` of `profile`: `None` when there is none, `Some(None)` when
/// it is not base64, `Some(Some(bytes))` otherwise (legacy `=` is zero-length data).
pub fn success_data(profile: AuthProfile, success: &Element) -> Option<Option<Vec<u8>>> {
    match profile {
        AuthProfile::Sasl2 => crate::sasl2::additional_data(success),
        AuthProfile::Sasl => {
            let text = success.text();
            match text.trim() {
                "" => None,
                "=" => Some(Some(Vec::new())),
                t => Some(decode_b64(t)),
            }
        }
    }
}

impl Conn {
    /// Start an exchange over `profile` and read the first reply. SASL2 sends `<authenticate/>`
    /// with the kit's `<user-agent/>` and `extra` inline requests; RFC 6120 SASL sends `<auth/>`
    /// and has no inline requests (`extra` must be empty there).
    pub async fn start_auth(
        &mut self,
        profile: AuthProfile,
        mechanism: &str,
        initial_response: Option<&[u8]>,
        extra: &[Element],
    ) -> Result<Sasl2Reply, ClientError> {
        match profile {
            AuthProfile::Sasl2 => self.authenticate(mechanism, initial_response, extra).await,
            AuthProfile::Sasl => {
                debug_assert!(extra.is_empty(), "RFC 6120 SASL has no inline requests");
                self.send(&auth_element(mechanism, initial_response))
                    .await?;
                self.reply_in(profile).await
            }
        }
    }

    /// Send a `<response/>` of `profile` with `data` and read the next reply.
    pub async fn respond_in(
        &mut self,
        profile: AuthProfile,
        data: &[u8],
    ) -> Result<Sasl2Reply, ClientError> {
        self.send(&response_element(profile, data)).await?;
        self.reply_in(profile).await
    }

    /// Send `<abort/>` of `profile` and read the reply.
    pub async fn abort_in(&mut self, profile: AuthProfile) -> Result<Sasl2Reply, ClientError> {
        self.send(&Element::new("abort", profile.ns())).await?;
        self.reply_in(profile).await
    }

    /// Read the next element as a reply of `profile`.
    pub async fn reply_in(&mut self, profile: AuthProfile) -> Result<Sasl2Reply, ClientError> {
        classify_in(profile, self.recv().await?)
    }

    /// What follows `<success/>`: SASL2 sends `<stream:features/>` at once (SASL2-22); RFC 6120
    /// SASL needs a stream restart by the client (§6.4.6), after which features arrive.
    pub async fn after_success(&mut self, profile: AuthProfile) -> Result<Features, ClientError> {
        let e = match profile {
            AuthProfile::Sasl2 => self.post_auth_features().await?,
            AuthProfile::Sasl => {
                self.open_stream(None).await?;
                self.features_element().await?
            }
        };
        Ok(Features::parse(&e))
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
    fn builds_auth_with_absent_empty_and_data() {
        assert_eq!(auth_element("PLAIN", None).text(), "");
        assert_eq!(auth_element("PLAIN", Some(b"")).text(), "=");
        assert_eq!(auth_element("PLAIN", Some(b"n,,")).text(), "biws");
        assert_eq!(auth_element("PLAIN", None).attr("mechanism"), Some("PLAIN"));
        assert_eq!(auth_text(None, "x").attr("mechanism"), None);
        assert_eq!(response_element(AuthProfile::Sasl, b"").text(), "");
        assert_eq!(response_element(AuthProfile::Sasl, b"c=").ns, ns::SASL);
    }

    #[test]
    fn classifies_legacy_replies() {
        let sa = "urn:ietf:params:xml:ns:xmpp-sasl";
        for empty in [
            format!("<challenge xmlns='{sa}'/>"),
            format!("<challenge xmlns='{sa}'>=</challenge>"),
        ] {
            let c = classify_in(AuthProfile::Sasl, el(&empty)).expect("challenge");
            assert!(matches!(&c, Sasl2Reply::Challenge { data: Some(d), .. } if d.is_empty()));
        }
        let f = classify_in(
            AuthProfile::Sasl,
            el(&format!(
                "<failure xmlns='{sa}'><aborted/><text xml:lang='en'>x</text></failure>"
            )),
        )
        .expect("failure");
        assert_eq!(f.failure_condition(), Some("aborted"));
        assert!(classify_in(AuthProfile::Sasl, el("<success xmlns='urn:xmpp:sasl:2'/>")).is_err());
        assert!(classify_in(AuthProfile::Sasl, el(&format!("<continue xmlns='{sa}'/>"))).is_err());
        let s = el(&format!("<success xmlns='{sa}'>dj1h</success>"));
        assert_eq!(
            success_data(AuthProfile::Sasl, &s),
            Some(Some(b"v=a".to_vec()))
        );
        let s = el(&format!("<success xmlns='{sa}'>=</success>"));
        assert_eq!(success_data(AuthProfile::Sasl, &s), Some(Some(Vec::new())));
        let s = el(&format!("<success xmlns='{sa}'/>"));
        assert_eq!(success_data(AuthProfile::Sasl, &s), None);
    }
}
