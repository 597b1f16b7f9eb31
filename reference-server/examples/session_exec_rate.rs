//! Runs every script in a corpus directory through the in-process session executor, without
//! libFuzzer or coverage instrumentation, and prints executions per second: the ceiling the
//! `c2s_session` / `http_session` fuzz targets' rate is measured against (BENCHMARKS.md,
//! "Fuzzing (in-process)").
//!
//! `cargo run --release -p gatecheck-server --features fuzzing --example session_exec_rate -- DIR [SECONDS]`

use std::time::{Duration, Instant};

use gatecheck_proto::script::{Script, from_corpus_bytes};
use gatecheck_server::fuzzing::run;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: session_exec_rate DIR [SECONDS]");
        std::process::exit(2);
    };
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let mut scripts: Vec<Script> = Vec::new();
    let mut unreadable = 0usize;
    for entry in std::fs::read_dir(&dir).expect("corpus directory") {
        let path = entry.expect("directory entry").path();
        match std::fs::read(&path)
            .ok()
            .and_then(|b| from_corpus_bytes(&b))
        {
            Some(s) => scripts.push(s),
            None => unreadable += 1,
        }
    }
    assert!(!scripts.is_empty(), "no script in {dir}");
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let (mut runs, mut violations) = (0u64, 0u64);
    while start.elapsed() < budget {
        for s in &scripts {
            if run(s).is_err() {
                violations += 1;
            }
            runs += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} scripts ({unreadable} undecodable), {runs} runs in {secs:.1} s: {:.0} exec/s, {violations} violations",
        scripts.len(),
        runs as f64 / secs
    );
}
