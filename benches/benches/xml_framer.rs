//! gatecheck's stream framer (fed in 4 KiB chunks, building element trees) against quick-xml's
//! own `NsReader` event loop over the same 1 MiB of realistic stanzas.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatecheck_benches::realistic_stream;
use gatecheck_benches::xml::{framer, raw_quick_xml};

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
