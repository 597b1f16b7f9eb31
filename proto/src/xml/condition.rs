//! RFC 6120 §4.9.3 stream error conditions and the `<stream:error/>` element built from them.

use super::element::Element;
use super::names::{STREAM_ERRORS_NS, STREAMS_NS};

macro_rules! conditions {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A defined stream error condition (RFC 6120 §4.9.3); every framer error maps to one so
        /// the server can answer with it and the suite can check a peer answered with it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum StreamErrorCondition {
            $(#[doc = $doc] $variant,)*
        }

        impl StreamErrorCondition {
            /// Every condition, in RFC order, for exhaustive tests and reports.
            pub const ALL: &'static [StreamErrorCondition] = &[$(Self::$variant,)*];

            /// The element name used on the wire, e.g. `not-well-formed`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// Parses a wire element name back into a condition (`None` for unknown names).
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

conditions! {
    BadFormat => "bad-format", "XML that cannot be processed (§4.9.3.1).";
    BadNamespacePrefix => "bad-namespace-prefix", "Unsupported or missing namespace prefix (§4.9.3.2).";
    Conflict => "conflict", "A new stream conflicts with this one (§4.9.3.3).";
    ConnectionTimeout => "connection-timeout", "The peer has not sent anything for too long (§4.9.3.4).";
    HostGone => "host-gone", "The `to` host is no longer serviced (§4.9.3.5).";
    HostUnknown => "host-unknown", "The `to` host is not serviced (§4.9.3.6).";
    ImproperAddressing => "improper-addressing", "Missing `to`/`from` between servers (§4.9.3.7).";
    InternalServerError => "internal-server-error", "A misconfiguration or internal error (§4.9.3.8).";
    InvalidFrom => "invalid-from", "The `from` address is not authorised (§4.9.3.9).";
    InvalidNamespace => "invalid-namespace", "Wrong stream or content namespace (§4.9.3.10).";
    InvalidXml => "invalid-xml", "XML invalid against a schema (§4.9.3.11).";
    NotAuthorized => "not-authorized", "Data sent before the stream was authenticated (§4.9.3.12).";
    NotWellFormed => "not-well-formed", "XML that is not well-formed, namespaces included (§4.9.3.13).";
    PolicyViolation => "policy-violation", "A local policy such as a size limit was violated (§4.9.3.14).";
    RemoteConnectionFailed => "remote-connection-failed", "A remote server could not be reached (§4.9.3.15).";
    Reset => "reset", "The stream must be reset, e.g. after a key change (§4.9.3.16).";
    ResourceConstraint => "resource-constraint", "The server lacks resources to serve the stream (§4.9.3.17).";
    RestrictedXml => "restricted-xml", "Comments, PIs, DTDs or entity references (§4.9.3.18, §11.1).";
    SeeOtherHost => "see-other-host", "Redirect to another host (§4.9.3.19).";
    SystemShutdown => "system-shutdown", "The server is shutting down (§4.9.3.20).";
    UndefinedCondition => "undefined-condition", "No other condition applies (§4.9.3.21).";
    UnsupportedEncoding => "unsupported-encoding", "Not UTF-8, or malformed UTF-8 (§4.9.3.22, §11.6).";
    UnsupportedFeature => "unsupported-feature", "A mandatory feature is not supported (§4.9.3.23).";
    UnsupportedStanzaType => "unsupported-stanza-type", "An unknown top-level element (§4.9.3.24).";
    UnsupportedVersion => "unsupported-version", "Unsupported stream `version` (§4.9.3.25).";
}

impl std::fmt::Display for StreamErrorCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Builds `<stream:error><COND xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>[<text/>]</stream:error>`
/// as an [`Element`], so servers and tests send exactly one shape.
pub fn stream_error(condition: StreamErrorCondition, text: Option<&str>) -> Element {
    let mut error = Element::new("error", STREAMS_NS)
        .with_child(Element::new(condition.as_str(), STREAM_ERRORS_NS));
    if let Some(text) = text {
        error = error.with_child(Element::new("text", STREAM_ERRORS_NS).with_text(text));
    }
    error
}

/// Serialises a stream error with the conventional `stream:` prefix, ready to write on a
/// stream whose header bound that prefix.
pub fn stream_error_xml(condition: StreamErrorCondition, text: Option<&str>) -> String {
    let mut out = String::from("<stream:error>");
    for child in stream_error(condition, text).elements() {
        child.write_xml(&mut out, STREAMS_NS);
    }
    out.push_str("</stream:error>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(StreamErrorCondition::ALL.len(), 25);
        for c in StreamErrorCondition::ALL {
            assert_eq!(StreamErrorCondition::from_name(c.as_str()), Some(*c));
        }
        assert_eq!(StreamErrorCondition::from_name("xml-not-well-formed"), None);
    }

    #[test]
    fn error_element_shape() {
        let e = stream_error(StreamErrorCondition::PolicyViolation, Some("too big"));
        assert_eq!(e.name, "error");
        assert_eq!(e.ns, STREAMS_NS);
        assert!(e.child("policy-violation", STREAM_ERRORS_NS).is_some());
        assert_eq!(
            e.child("text", STREAM_ERRORS_NS).map(|t| t.text()),
            Some("too big".into())
        );
        assert_eq!(
            stream_error_xml(StreamErrorCondition::NotWellFormed, None),
            "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
        );
    }
}
