//! The oracles: what makes a session a finding. The executor asks these functions about what it
//! sent and what came back; liveness (the target stopped serving) is checked by the run loop with
//! `crate::liveness`.

use gatecheck_proto::ns;
use gatecheck_proto::xml::{Element, Limits, StreamEvent, StreamParser};
use serde::{Deserialize, Serialize};

/// The kinds of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Oracle {
    /// A fresh connection got no stream features after the session (crash or hang).
    Stopped,
    /// No answer where one is required, within the reply timeout.
    Silence,
    /// The server's bytes are not a well-formed XMPP stream.
    MalformedReply,
    /// Authentication succeeded with a credential other than the valid one (wrong password,
    /// unknown user, spent or made-up token).
    BadCredentialAccepted,
    /// A FAST token was sent inside a failure.
    TokenOnFailure,
    /// A spent invitation passed preauth.
    SpentInviteAccepted,
    /// An HTTP endpoint answered 5xx.
    Http5xx,
}

impl Oracle {
    /// The name used in file names and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Oracle::Stopped => "stopped",
            Oracle::Silence => "silence",
            Oracle::MalformedReply => "malformed-reply",
            Oracle::BadCredentialAccepted => "bad-credential-accepted",
            Oracle::TokenOnFailure => "token-on-failure",
            Oracle::SpentInviteAccepted => "spent-invite-accepted",
            Oracle::Http5xx => "http-5xx",
        }
    }
}

/// One violation seen in a session: the oracle, a signature for deduplication (what kind of
/// input, not the exact bytes), and what was observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub oracle: Oracle,
    pub signature: String,
    pub detail: String,
}

impl Violation {
    /// A violation.
    pub fn new(oracle: Oracle, signature: impl Into<String>, detail: impl Into<String>) -> Self {
        Violation {
            oracle,
            signature: signature.into(),
            detail: detail.into(),
        }
    }
}

/// What a write asks of the server: `None` when the bytes are not well-formed framing (the
/// server may then wait for more, so its silence proves nothing); `Some(true)` when they end in
/// something the server must answer (a stream header, a SASL or STARTTLS element, an IQ
/// get/set); `Some(false)` otherwise.
pub fn requires_answer(bytes: &[u8]) -> Option<bool> {
    let header = bytes.windows(14).any(|w| w == b"<stream:stream");
    let mut p = if header {
        StreamParser::new(Limits::default())
    } else {
        StreamParser::for_fragments(Limits::default(), ns::CLIENT)
    };
    p.feed(bytes);
    let mut required = false;
    let mut any = false;
    loop {
        match p.next_event() {
            Ok(Some(StreamEvent::Header(_))) => {
                required = true;
                any = true;
            }
            Ok(Some(StreamEvent::Element(e))) => {
                required = answered(&e);
                any = true;
            }
            Ok(Some(StreamEvent::Text(_))) => {}
            Ok(Some(StreamEvent::Close)) => {
                required = false;
                any = true;
            }
            Ok(None) => break,
            Err(_) => return None,
        }
    }
    if !header && p.finish().is_err() {
        return None;
    }
    any.then_some(required)
}

fn answered(e: &Element) -> bool {
    let sasl = &*e.ns == ns::SASL || &*e.ns == ns::SASL2;
    (sasl && matches!(&*e.name, "auth" | "authenticate" | "response" | "abort"))
        || e.is("starttls", ns::TLS)
        || (&*e.ns == ns::CLIENT
            && &*e.name == "iq"
            && matches!(e.attr("type"), Some("get" | "set")))
}

/// Checks everything the server sent on one connection: well-formed XML and XMPP framing. A
/// server restarts its stream (after STARTTLS and after authentication) with a new header, so
/// the bytes are split before every `<?xml` / `<stream:stream` (markup, never character data:
/// there `<` is escaped) and each part must frame as the start of a stream. A part cut short is
/// not judged (the connection may have been dropped by the client). `None` when well-formed.
pub fn malformed_server_bytes(bytes: &[u8]) -> Option<String> {
    let mut starts: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"<?xml") {
            starts.push(i);
            // The header that follows the declaration belongs to the same part.
            i += rest
                .windows(2)
                .position(|w| w == b"?>")
                .map_or(rest.len(), |p| p + 2);
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if bytes[i..].starts_with(b"<stream:stream") {
                i += 1;
            }
            continue;
        }
        if rest.starts_with(b"<stream:stream") {
            starts.push(i);
        }
        i += 1;
    }
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    starts.push(bytes.len());
    for w in starts.windows(2) {
        let part = &bytes[w[0]..w[1]];
        if part.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut p = StreamParser::new(Limits::default());
        p.feed(part);
        loop {
            match p.next_event() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    let shown = String::from_utf8_lossy(&part[..part.len().min(300)]).into_owned();
                    return Some(format!("{e} in {shown:?}"));
                }
            }
        }
    }
    None
}

/// Violations visible in one element the server sent.
pub fn judge_element(e: &Element) -> Vec<Violation> {
    let mut v = Vec::new();
    if &*e.name == "failure"
        && (&*e.ns == ns::SASL2 || &*e.ns == ns::SASL)
        && e.child("token", ns::FAST).is_some()
    {
        v.push(Violation::new(
            Oracle::TokenOnFailure,
            "failure-with-token",
            format!("a FAST token inside a failure: {}", e.to_xml()),
        ));
    }
    if &*e.name == "iq"
        && e.attr("type") == Some("result")
        && e.attr("id").is_some_and(|id| id.starts_with("spent-"))
    {
        v.push(Violation::new(
            Oracle::SpentInviteAccepted,
            "preauth-with-spent-invite",
            format!("preauth with a spent invitation answered {}", e.to_xml()),
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_needs_an_answer() {
        assert_eq!(
            requires_answer(b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='h' version='1.0'>"),
            Some(true)
        );
        assert_eq!(
            requires_answer(b"<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            Some(true)
        );
        assert_eq!(requires_answer(b"<presence/>"), Some(false));
        assert_eq!(requires_answer(b"<iq type='get' id='1'><ping"), None);
        assert_eq!(requires_answer(b"<a b='1' b='2'/>"), None);
    }

    #[test]
    fn server_restarts_are_not_malformed() {
        let h = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='1' version='1.0'>";
        let ok = format!(
            "{h}<stream:features/><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>{h}<stream:features/></stream:stream>"
        );
        assert_eq!(malformed_server_bytes(ok.as_bytes()), None);
        assert_eq!(
            malformed_server_bytes(format!("{h}<a>&lt;stream:stream</a>").as_bytes()),
            None
        );
        assert!(
            malformed_server_bytes(format!("{h}<stream:features/><b></c>").as_bytes()).is_some()
        );
        assert!(malformed_server_bytes(format!("{h}<x a='1' a='2'/>").as_bytes()).is_some());
        assert_eq!(
            malformed_server_bytes(format!("{h}<stream:features><mech").as_bytes()),
            None
        );
    }

    #[test]
    fn spent_invites_and_tokens_in_failures_are_violations() {
        let ok = Element::new("iq", ns::CLIENT)
            .with_attr("type", "result")
            .with_attr("id", "spent-preauth");
        assert_eq!(judge_element(&ok)[0].oracle, Oracle::SpentInviteAccepted);
        let err = Element::new("iq", ns::CLIENT)
            .with_attr("type", "error")
            .with_attr("id", "spent-preauth");
        assert!(judge_element(&err).is_empty());
        let f = Element::new("failure", ns::SASL2).with_child(Element::new("token", ns::FAST));
        assert_eq!(judge_element(&f)[0].oracle, Oracle::TokenOnFailure);
    }
}
