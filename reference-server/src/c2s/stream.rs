//! Stream-level framing duties of the c2s core (RFC 6120 §4): validating the client's opening
//! header, writing ours, and rendering stream errors. Kept apart from the session state machine so
//! the header rules can be tested on their own.

use gatecheck_proto::ns;
use gatecheck_proto::xml::{STREAM_CLOSE, StreamErrorCondition, StreamHeader, stream_error_xml};

use crate::env::Env;
use crate::module::domain_of;

/// Why a client's stream header cannot be accepted; each maps to the RFC 6120 §4.9.3 condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The content namespace is not `jabber:client` (§4.8.2, §4.9.3.10).
    #[error("content namespace must be jabber:client, got {0:?}")]
    Namespace(String),
    /// `to` is missing or names a domain we do not serve (§4.7.2, §4.9.3.6).
    #[error("host {0:?} is not served here")]
    HostUnknown(Option<String>),
    /// `version` is absent or not 1.x (§4.7.5, §4.9.3.25). Pre-1.0 streams lack features, so
    /// SASL2 is impossible on them; we refuse rather than fall back to XEP-0078.
    #[error("unsupported stream version {0:?}")]
    Version(Option<String>),
    /// `from` names a JID of another domain (XEP-0388 §2.1 SHOULD, RFC 6120 §4.9.3.9).
    #[error("stream from {0:?} does not belong to this domain")]
    InvalidFrom(String),
}

impl HeaderError {
    /// The stream error condition to send.
    pub fn condition(&self) -> StreamErrorCondition {
        match self {
            HeaderError::Namespace(_) => StreamErrorCondition::InvalidNamespace,
            HeaderError::HostUnknown(_) => StreamErrorCondition::HostUnknown,
            HeaderError::Version(_) => StreamErrorCondition::UnsupportedVersion,
            HeaderError::InvalidFrom(_) => StreamErrorCondition::InvalidFrom,
        }
    }
}

/// Checks a client header against RFC 6120 §4.7 for a server of `domain`. Returns the validated
/// `from` hint (a bare JID string) if the client sent one.
pub fn validate_header(h: &StreamHeader, domain: &str) -> Result<Option<String>, HeaderError> {
    if h.default_ns != ns::CLIENT {
        return Err(HeaderError::Namespace(h.default_ns.clone()));
    }
    match &h.to {
        Some(to) if domain_of(to) == domain.to_ascii_lowercase() && !to.contains(['@', '/']) => {}
        other => return Err(HeaderError::HostUnknown(other.clone())),
    }
    match h.version.as_deref() {
        Some(v) if v.split('.').next() == Some("1") && v.split('.').count() == 2 => {}
        other => return Err(HeaderError::Version(other.map(str::to_owned))),
    }
    match &h.from {
        Some(from) if !from.is_empty() => {
            if domain_of(from) != domain.to_ascii_lowercase() {
                return Err(HeaderError::InvalidFrom(from.clone()));
            }
            Ok(Some(
                from.split_once('/')
                    .map_or(from.as_str(), |(b, _)| b)
                    .to_owned(),
            ))
        }
        _ => Ok(None),
    }
}

/// Our response header: fresh `id`, `from` = our domain, `to` echoing the client's `from` when it
/// sent one (RFC 6120 §4.7.2), version 1.0.
pub fn response_header(domain: &str, id: &str, client_from: Option<&str>) -> String {
    let mut h = StreamHeader::new(ns::CLIENT);
    h.from = Some(domain.to_owned());
    h.id = Some(id.to_owned());
    h.to = client_from.map(str::to_owned);
    h.lang = Some("en".to_owned());
    h.to_opening_xml(true)
}

/// A fresh stream id: 16 bytes from the injected RNG, hex. RFC 6120 §4.7.3 wants it
/// unpredictable, which the shell's OS RNG provides; tests pass a seeded one.
pub fn new_stream_id(env: &Env) -> String {
    env.random_hex(16)
}

/// A stream error followed by the closing tag, rendered with proto's one stream-error shape.
/// `header_id` is `Some(fresh id)` when our header has not been sent yet: it is written first, as
/// RFC 6120 §4.9.1.1 requires even when the client's header was the problem. The shell's own
/// refusals (connection limits) use this too.
pub fn stream_error_bytes(
    domain: &str,
    header_id: Option<&str>,
    condition: StreamErrorCondition,
    text: Option<&str>,
) -> Vec<u8> {
    let mut out = String::new();
    if let Some(id) = header_id {
        out.push_str(&response_header(domain, id, None));
    }
    out.push_str(&stream_error_xml(condition, text));
    out.push_str(STREAM_CLOSE);
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(to: Option<&str>, version: Option<&str>, from: Option<&str>) -> StreamHeader {
        let mut h = StreamHeader::new(ns::CLIENT);
        h.to = to.map(Into::into);
        h.version = version.map(Into::into);
        h.from = from.map(Into::into);
        h
    }

    #[test]
    fn accepts_a_normal_header() {
        let h = header(Some("Example.org"), Some("1.0"), Some("a@example.org/r"));
        assert_eq!(
            validate_header(&h, "example.org"),
            Ok(Some("a@example.org".into()))
        );
        assert_eq!(
            validate_header(
                &header(Some("example.org"), Some("1.0"), None),
                "example.org"
            ),
            Ok(None)
        );
    }

    #[test]
    fn rejects_with_the_right_condition() {
        let cases = [
            (
                header(Some("other"), Some("1.0"), None),
                StreamErrorCondition::HostUnknown,
            ),
            (
                header(None, Some("1.0"), None),
                StreamErrorCondition::HostUnknown,
            ),
            (
                header(Some("example.org"), None, None),
                StreamErrorCondition::UnsupportedVersion,
            ),
            (
                header(Some("example.org"), Some("2.0"), None),
                StreamErrorCondition::UnsupportedVersion,
            ),
            (
                header(Some("example.org"), Some("1.0"), Some("a@evil")),
                StreamErrorCondition::InvalidFrom,
            ),
        ];
        for (h, cond) in cases {
            assert_eq!(
                validate_header(&h, "example.org").unwrap_err().condition(),
                cond
            );
        }
        let mut h = header(Some("example.org"), Some("1.0"), None);
        h.default_ns = ns::SERVER.into();
        assert_eq!(
            validate_header(&h, "example.org").unwrap_err().condition(),
            StreamErrorCondition::InvalidNamespace
        );
    }

    #[test]
    fn error_bytes_carry_header_when_needed() {
        let s = String::from_utf8(stream_error_bytes(
            "example.org",
            Some("1"),
            StreamErrorCondition::HostUnknown,
            None,
        ))
        .unwrap();
        assert!(s.starts_with("<?xml"));
        assert!(s.contains("from='example.org'"));
        assert!(s.contains(&format!("<host-unknown xmlns='{}'/>", ns::STREAM_ERRORS)));
        assert!(s.ends_with("</stream:stream>"));
    }
}
