//! Minimal stream-error rendering for the shell's own refusals (before any core exists) and for the
//! interim core. RFC 6120 §4.9.1.1: the server sends its stream header first, then the error, then
//! closes the stream.

/// Stream error conditions the infrastructure itself raises (RFC 6120 §4.9.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamCondition {
    /// §4.9.3.14: a local policy (here, a connection limit) was violated.
    PolicyViolation,
    /// §4.9.3.4: the entity has not generated traffic within the configured time.
    ConnectionTimeout,
    /// §4.9.3.21: the server is being shut down.
    SystemShutdown,
    /// §4.9.3.19: the server cannot provide service to the client.
    ServiceUnavailable,
}

impl StreamCondition {
    /// The element name of the condition.
    pub fn name(self) -> &'static str {
        match self {
            StreamCondition::PolicyViolation => "policy-violation",
            StreamCondition::ConnectionTimeout => "connection-timeout",
            StreamCondition::SystemShutdown => "system-shutdown",
            StreamCondition::ServiceUnavailable => "service-unavailable",
        }
    }
}

/// A fresh stream id: 16 random bytes, hex. RFC 6120 §4.7.3 wants it unpredictable.
pub fn new_stream_id() -> String {
    let mut b = [0u8; 16];
    // Should the OS RNG fail, a zero id is still a syntactically valid id and this stream ends at once.
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Renders header + `<stream:error>` + `</stream:stream>` for `domain`. `domain` must already be
/// free of XML metacharacters (the config validator guarantees it); `text` is escaped here.
pub fn render_refusal(domain: &str, condition: StreamCondition, text: &str) -> Vec<u8> {
    let text = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
         xmlns:stream='http://etherx.jabber.org/streams' from='{domain}' id='{id}' \
         version='1.0' xml:lang='en'><stream:error><{cond} \
         xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text \
         xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>{text}</text>\
         </stream:error></stream:stream>",
        id = new_stream_id(),
        cond = condition.name(),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_condition_and_escapes_text() {
        let s = String::from_utf8(render_refusal(
            "localhost",
            StreamCondition::PolicyViolation,
            "a<b",
        ))
        .unwrap();
        assert!(s.contains("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"));
        assert!(s.contains("a&lt;b"));
        assert!(s.ends_with("</stream:stream>"));
        assert_ne!(new_stream_id(), new_stream_id());
    }
}
