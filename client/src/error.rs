//! The client's error type: cases map each variant to a verdict, so the ways a server can end or
//! refuse an exchange are kept apart (closed, stream error, silence, malformed output).

use gatecheck_proto::ns;
use gatecheck_proto::xml::{Element, XmlError};

/// What went wrong on a scripted connection.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server closed the TCP connection (or TLS session) without `</stream:stream>`.
    #[error("server closed the connection")]
    Closed,
    /// The server sent `</stream:stream>`.
    #[error("server closed the stream")]
    StreamClosed,
    /// The server sent `<stream:error/>`; `condition` is the first child in the streams-errors
    /// namespace (empty if none, which is itself a protocol violation).
    #[error("stream error <{condition}>")]
    StreamError {
        /// The defined condition's element name.
        condition: String,
        /// The optional `<text/>`.
        text: Option<String>,
    },
    /// Nothing arrived within the wait.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The server's bytes are not a well-formed XMPP stream.
    #[error("server sent a malformed stream: {0}")]
    NotWellFormed(#[from] XmlError),
    /// The server sent something other than what the script expected.
    #[error("expected {expected}, got {got}")]
    Unexpected {
        /// What the script waited for.
        expected: String,
        /// What arrived, serialised.
        got: String,
    },
    /// A socket error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS configuration could not be built or the handshake failed.
    #[error("TLS: {0}")]
    Tls(String),
    /// The caller's configuration is unusable (no target, no domain).
    #[error("configuration: {0}")]
    Config(String),
}

impl ClientError {
    /// An `Unexpected` naming what was wanted and showing the element received.
    pub fn unexpected(expected: &str, got: &Element) -> ClientError {
        ClientError::Unexpected {
            expected: expected.to_owned(),
            got: got.to_xml(),
        }
    }

    /// Whether the server ended the conversation (closed, stream closed, or a stream error).
    pub fn is_termination(&self) -> bool {
        matches!(
            self,
            ClientError::Closed | ClientError::StreamClosed | ClientError::StreamError { .. }
        )
    }

    /// The stream error condition, if this is one.
    pub fn stream_condition(&self) -> Option<&str> {
        match self {
            ClientError::StreamError { condition, .. } => Some(condition),
            _ => None,
        }
    }
}

/// Read the condition and text out of a `<stream:error/>` element.
pub fn stream_error_of(el: &Element) -> ClientError {
    let condition = el
        .elements()
        .find(|c| c.ns == ns::STREAM_ERRORS && c.name != "text")
        .map(|c| c.name.to_string())
        .unwrap_or_default();
    let text = el.child("text", ns::STREAM_ERRORS).map(Element::text);
    ClientError::StreamError { condition, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::xml::{StreamErrorCondition, stream_error};

    #[test]
    fn maps_stream_errors_and_terminations() {
        let e = stream_error_of(&stream_error(
            StreamErrorCondition::PolicyViolation,
            Some("too fast"),
        ));
        assert_eq!(e.stream_condition(), Some("policy-violation"));
        assert!(matches!(&e, ClientError::StreamError { text: Some(t), .. } if t == "too fast"));
        assert!(e.is_termination());
        assert!(ClientError::Closed.is_termination());
        assert!(ClientError::StreamClosed.is_termination());
        assert!(!ClientError::Timeout("x".into()).is_termination());
        assert_eq!(ClientError::Timeout("x".into()).stream_condition(), None);
        let empty = Element::new("error", ns::STREAMS);
        assert_eq!(stream_error_of(&empty).stream_condition(), Some(""));
    }
}
