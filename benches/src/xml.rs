//! The two XML workloads the `xml_framer` bench compares, shared with the `xml_profile` callgrind
//! driver so instruction counts are taken of exactly the code the bench times.

use std::hint::black_box;

use gatecheck_proto::xml::{Limits, StreamEvent, StreamParser};
use quick_xml::NsReader;
use quick_xml::events::Event;

/// gatecheck's stream framer fed in 4 KiB chunks, building element trees; returns the number of
/// top-level elements. Panics on invalid input: bench inputs are generated and known valid.
pub fn framer(input: &[u8]) -> usize {
    let mut parser = StreamParser::new(Limits::default());
    let mut elements = 0;
    for chunk in input.chunks(4096) {
        parser.feed(chunk);
        while let Some(event) = parser.next_event().expect("bench input is valid") {
            if let StreamEvent::Element(e) = event {
                elements += 1;
                black_box(e);
            }
        }
    }
    elements
}

/// quick-xml's own `NsReader` event loop over the same bytes (the baseline); returns the number of
/// events before EOF. Panics on invalid input, as [`framer`] does.
pub fn raw_quick_xml(input: &[u8]) -> usize {
    let text = std::str::from_utf8(input).expect("bench input is UTF-8");
    let mut reader = NsReader::from_str(text);
    let mut events = 0;
    loop {
        match reader.read_resolved_event() {
            Ok((ns, Event::Eof)) => {
                black_box(ns);
                break;
            }
            Ok((ns, event)) => {
                black_box((ns, event));
                events += 1;
            }
            Err(e) => panic!("quick-xml rejected bench input: {e}"),
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realistic_stream;

    #[test]
    fn both_workloads_see_the_stanzas() {
        let input = realistic_stream(16 * 1024);
        let elements = framer(&input);
        assert!(elements > 10, "{elements}");
        // Every element is at least a start and an end event in quick-xml.
        assert!(raw_quick_xml(&input) >= 2 * elements);
    }
}
