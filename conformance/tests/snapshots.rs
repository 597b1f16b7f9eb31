//! Self-test against the embedded reference server: every MUST case passes, and each case's transcript
//! (normalised so it is deterministic) matches its committed snapshot.

#[path = "transcript_normalise/mod.rs"]
mod normalise;

use gatecheck::config::RunConfig;
use gatecheck::embedded::Embedded;
use gatecheck::event::{Collector, RunRecord};
use gatecheck::status::Status;
use std::sync::Arc;

/// Seed fixed so case-level randomness (and therefore the transcripts) repeats run to run.
const SEED: u64 = 0x6761_7465;

async fn embedded_run() -> RunRecord {
    let (server, accounts) = Embedded::start().await.expect("embedded server starts");
    let mut config = RunConfig {
        jobs: 4,
        seed: SEED,
        ..RunConfig::default()
    };
    server.configure(&mut config, accounts).expect("configure");
    let mut collector = Collector::default();
    let mut sink = |ev: &gatecheck::event::Event| collector.push(ev);
    let cases = gatecheck::cases::all();
    gatecheck::runner::run(&cases, Arc::new(config), None, &mut sink).await;
    drop(server);
    collector.record().expect("run produced a complete record")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_run_passes_every_must() {
    let record = embedded_run().await;
    assert_eq!(record.results.len(), gatecheck::cases::all().len());
    let mut bad = Vec::new();
    for r in &record.results {
        let broken = matches!(r.status, Status::Fail | Status::Error);
        let must_not_passed = r.level.is_must() && r.status != Status::Pass;
        if broken || must_not_passed {
            bad.push(format!(
                "{} [{} {}]: {}",
                r.id,
                r.level,
                r.status.as_str(),
                r.outcome.message.as_deref().unwrap_or("-")
            ));
        }
    }
    assert!(bad.is_empty(), "non-passing cases:\n{}", bad.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_match_snapshots() {
    let record = embedded_run().await;
    let target = record.meta.target.clone();
    for r in &record.results {
        let text = normalise::render(&r.transcript, &target);
        insta::assert_snapshot!(r.id.as_str(), text);
    }
}
