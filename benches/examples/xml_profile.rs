//! Callgrind driver: `xml_profile framer|raw [iterations]` runs one side of the `xml_framer`
//! bench over the same 1 MiB input, so instruction counts can be compared without noise.

use std::hint::black_box;

use gatecheck_benches::realistic_stream;
use gatecheck_proto::xml::{Limits, StreamEvent, StreamParser};
use quick_xml::NsReader;
use quick_xml::events::Event;

fn framer(input: &[u8]) -> usize {
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

fn raw(input: &[u8]) -> usize {
    let text = std::str::from_utf8(input).expect("bench input is UTF-8");
    let mut reader = NsReader::from_str(text);
    let mut events = 0;
    loop {
        match reader.read_resolved_event() {
            Ok((_, Event::Eof)) => break,
            Ok(pair) => {
                black_box(pair);
                events += 1;
            }
            Err(e) => panic!("quick-xml rejected bench input: {e}"),
        }
    }
    events
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "framer".into());
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let input = realistic_stream(1024 * 1024);
    let mut total = 0;
    for _ in 0..iterations {
        total += match which.as_str() {
            "raw" => raw(black_box(&input)),
            _ => framer(black_box(&input)),
        };
    }
    println!("{which}: {total}");
}
