//! gatecheck's stream framer (fed in 4 KiB chunks, building element trees) against quick-xml's
//! own `NsReader` event loop over the same 1 MiB of realistic stanzas.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

fn raw_quick_xml(input: &[u8]) -> usize {
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

fn bench(c: &mut Criterion) {
    let input = realistic_stream(1024 * 1024);
    assert!(framer(&input) > 1000);
    assert!(raw_quick_xml(&input) > 1000);
    let mut group = c.benchmark_group("xml_framer");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("gatecheck_stream_parser_4k_chunks", |b| {
        b.iter(|| framer(black_box(&input)))
    });
    group.bench_function("quick_xml_ns_reader", |b| {
        b.iter(|| raw_quick_xml(black_box(&input)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
