//! Feeds fuzzer bytes to the XMPP stream framer split at fuzzer-chosen points.
//! Oracle: no panic; every element produced re-serialises and re-parses equal; chunking does
//! not change the outcome (events with top-level text merged, or the error).
#![no_main]

use gatecheck_proto::xml::{
    JABBER_CLIENT_NS, Limits, StreamEvent, StreamParser, XmlError, parse_element_in,
};
use libfuzzer_sys::fuzz_target;

fn drain(parser: &mut StreamParser, chunks: &[&[u8]]) -> (Vec<StreamEvent>, Option<XmlError>) {
    let mut out: Vec<StreamEvent> = Vec::new();
    for chunk in chunks {
        parser.feed(chunk);
        loop {
            match parser.next_event() {
                Ok(Some(StreamEvent::Text(t))) => match out.last_mut() {
                    Some(StreamEvent::Text(prev)) => prev.push_str(&t),
                    _ => out.push(StreamEvent::Text(t)),
                },
                Ok(Some(event)) => out.push(event),
                Ok(None) => break,
                Err(e) => return (out, Some(e)),
            }
        }
    }
    let end = parser.finish().err();
    (out, end)
}

fn parser(fragments: bool, limits: Limits) -> StreamParser {
    if fragments {
        StreamParser::for_fragments(limits, JABBER_CLIENT_NS)
    } else {
        StreamParser::new(limits).expecting_content_namespace(JABBER_CLIENT_NS)
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&control, rest)) = input.split_first() else {
        return;
    };
    let fragments = control & 0x80 != 0;
    let cut_count = usize::from(control & 0x07);
    let (cut_bytes, data) = rest.split_at((cut_count * 2).min(rest.len()));
    let mut cuts: Vec<usize> = cut_bytes
        .chunks(2)
        .map(|c| {
            usize::from(u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)])) % (data.len() + 1)
        })
        .collect();
    cuts.sort_unstable();
    let mut chunks = Vec::new();
    let mut last = 0;
    for cut in cuts {
        chunks.push(&data[last..cut]);
        last = cut;
    }
    chunks.push(&data[last..]);

    // Small limits so the fuzzer reaches them.
    let limits = Limits {
        max_element_bytes: 4096,
        max_depth: 16,
        max_attributes: 8,
        max_namespace_declarations: 4,
        max_header_bytes: 1024,
        max_top_level_text: 256,
    };
    let (chunked, chunked_err) = drain(&mut parser(fragments, limits), &chunks);
    let (whole, whole_err) = drain(&mut parser(fragments, limits), &[data]);
    assert_eq!(chunked, whole, "chunking changed the events");
    assert_eq!(
        chunked_err.as_ref().map(XmlError::condition),
        whole_err.as_ref().map(XmlError::condition),
        "chunking changed the outcome: {chunked_err:?} vs {whole_err:?}"
    );

    let roomy = Limits {
        max_element_bytes: 1 << 20,
        max_attributes: 64,
        ..limits
    };
    for event in &whole {
        if let StreamEvent::Element(e) = event {
            let xml = e.to_xml_in(JABBER_CLIENT_NS);
            let again = parse_element_in(&xml, JABBER_CLIENT_NS, &roomy);
            assert_eq!(again.as_ref(), Ok(e), "re-parse of {xml}");
        }
    }
});
