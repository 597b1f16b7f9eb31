//! Oracle (c): every byte the server writes is read back through proto's stream framer, as a
//! client reads it. A framing error is a finding, and so is anything after `<stream:error/>`
//! other than the closing tag, or anything at all after the closing tag.

use gatecheck_proto::ns;
use gatecheck_proto::xml::{Element, JABBER_CLIENT_NS, Limits, StreamEvent, StreamParser};

use super::Violation;

/// The client's view of the server's side of one connection.
pub struct OutputCheck {
    parser: StreamParser,
    stream_error: bool,
    closed: bool,
    /// Bytes written so far.
    pub bytes: usize,
}

impl Default for OutputCheck {
    fn default() -> Self {
        Self {
            parser: StreamParser::new(Limits::default())
                .expecting_content_namespace(JABBER_CLIENT_NS),
            stream_error: false,
            closed: false,
            bytes: 0,
        }
    }
}

impl OutputCheck {
    /// Reads one write of the server; returns the complete top-level elements it finished.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Element>, Violation> {
        self.bytes = self.bytes.saturating_add(bytes.len());
        if bytes.is_empty() {
            return Ok(Vec::new());
        }
        if self.closed {
            return Err(Violation::MalformedOutput(format!(
                "{} bytes after </stream:stream>: {:?}",
                bytes.len(),
                String::from_utf8_lossy(bytes)
            )));
        }
        self.parser.input_pause();
        self.parser.feed(bytes);
        let mut elements = Vec::new();
        loop {
            let event = self.parser.next_event().map_err(|e| {
                Violation::MalformedOutput(format!(
                    "{e} in a write of {:?}",
                    String::from_utf8_lossy(bytes)
                ))
            })?;
            let Some(event) = event else { break };
            match event {
                StreamEvent::Close => self.closed = true,
                _ if self.stream_error => {
                    return Err(Violation::MalformedOutput(format!(
                        "{event:?} after <stream:error/>"
                    )));
                }
                StreamEvent::Header(_) | StreamEvent::Text(_) => {}
                StreamEvent::Element(e) => {
                    if e.is("error", ns::STREAMS) {
                        self.stream_error = true;
                    }
                    // The server's next bytes open a new stream (after TLS, or after the client
                    // restarts following RFC 6120 SASL success).
                    if e.is("proceed", ns::TLS) || e.is("success", ns::SASL) {
                        self.parser.reset_keep_buffered();
                    }
                    elements.push(e);
                }
            }
        }
        Ok(elements)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &[u8] = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
        xmlns:stream='http://etherx.jabber.org/streams' from='example.org' id='1' version='1.0'>";

    #[test]
    fn accepts_a_stream_and_fires_on_each_kind_of_bad_output() {
        let mut ok = OutputCheck::default();
        ok.feed(HEADER).unwrap();
        let els = ok.feed(b"<stream:features/>").unwrap();
        assert_eq!(els.len(), 1);
        ok.feed(b"<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>")
            .unwrap();

        let mut bad = OutputCheck::default();
        bad.feed(HEADER).unwrap();
        assert!(matches!(
            bad.feed(b"<a></b>"),
            Err(Violation::MalformedOutput(_))
        ));

        let mut after_error = OutputCheck::default();
        after_error.feed(HEADER).unwrap();
        let r = after_error.feed(b"<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error><message/>");
        assert!(matches!(r, Err(Violation::MalformedOutput(_))), "{r:?}");

        let mut after_close = OutputCheck::default();
        after_close.feed(HEADER).unwrap();
        after_close.feed(b"</stream:stream>").unwrap();
        assert!(after_close.feed(b" ").is_err());
    }
}
