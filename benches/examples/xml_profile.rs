//! Callgrind driver: `xml_profile framer|raw [iterations]` runs one side of the `xml_framer`
//! bench over the same 1 MiB input, so instruction counts can be compared without noise.

use std::hint::black_box;

use gatecheck_benches::realistic_stream;
use gatecheck_benches::xml::{framer, raw_quick_xml};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "framer".into());
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let input = realistic_stream(1024 * 1024);
    let mut total = 0;
    for _ in 0..iterations {
        total += match which.as_str() {
            "raw" => raw_quick_xml(black_box(&input)),
            _ => framer(black_box(&input)),
        };
    }
    println!("{which}: {total}");
}
