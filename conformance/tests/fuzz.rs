//! `gatecheck fuzz` end to end against the embedded reference server: a correct build gives no
//! findings; a build that keeps an invalidated FAST token usable is caught, the finding is
//! minimised, and replaying the file reproduces it there and not on a correct build.

use clap::Parser;
use gatecheck::cli::{Cli, Command};
use gatecheck::embedded::FuzzServer;
use gatecheck::fuzz::finding::Finding;
use gatecheck::fuzz::oracle::Oracle;
use gatecheck::fuzz::{self, FuzzArgs};
use gatecheck_proto::script::{Credential, Mechanism, Step};
use gatecheck_server::breaks::BreakSet;
use std::time::Duration;

fn fuzz_args(extra: &[&str]) -> FuzzArgs {
    let mut argv = vec!["gatecheck", "fuzz"];
    argv.extend_from_slice(extra);
    match Cli::parse_from(argv).command {
        Command::Fuzz(a) => *a,
        _ => unreachable!("parsed as fuzz"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_server_gives_no_findings() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let args = fuzz_args(&[
        "--max-sessions",
        "300",
        "--seed",
        "11",
        "--jobs",
        "8",
        "--reply-timeout",
        "3",
        "--out",
        dir,
    ]);
    let summary = fuzz::fuzz_with(args, FuzzServer::default()).await.unwrap();
    assert_eq!(summary.sessions, 300);
    assert!(summary.findings.is_empty(), "{:?}", summary.findings);
    assert_eq!(
        std::fs::read_dir(out.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_build_is_found_minimised_and_replayed() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let broken = FuzzServer {
        breaks: BreakSet::parse("fast-17-invalidate-ignored").unwrap(),
        ..FuzzServer::default()
    };
    let args = fuzz_args(&[
        "--max-sessions",
        "200",
        "--seed",
        "11",
        "--jobs",
        "8",
        "--reply-timeout",
        "3",
        "--minimise-budget",
        "150",
        "--out",
        dir,
    ]);
    let summary = fuzz::fuzz_with(args, broken).await.unwrap();
    let findings: Vec<Finding> = summary
        .findings
        .iter()
        .map(|p| Finding::read(p).unwrap())
        .collect();
    let spent = findings
        .iter()
        .find(|f| {
            f.oracle == Oracle::BadCredentialAccepted && f.signature == "Sasl2/HtSha256None/Spent"
        })
        .unwrap_or_else(|| panic!("the spent FAST token was not found: {findings:?}"));
    assert!(spent.minimised);
    assert!(spent.steps_after < spent.steps_before, "{spent:?}");
    // The essentials survive: a password login (the token), a valid HT use (spends it), the
    // spent token accepted.
    let auths: Vec<(Mechanism, Credential)> = spent
        .script
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Authenticate {
                mechanism,
                credential,
                ..
            } => Some((*mechanism, *credential)),
            _ => None,
        })
        .collect();
    assert_eq!(
        auths.last(),
        Some(&(Mechanism::HtSha256None, Credential::Spent)),
        "{auths:?}"
    );
    assert!(auths.contains(&(Mechanism::HtSha256None, Credential::Valid)));

    // Replay: the broken build reproduces it, a correct one does not.
    for (opts, expected) in [(broken, true), (FuzzServer::default(), false)] {
        let common = fuzz_args(&["--reply-timeout", "3"]).common;
        let (config, _server) = fuzz::prepare_with(common, opts).await.unwrap();
        let target =
            fuzz::exec_target(&config, Duration::from_millis(fuzz::DEFAULT_QUIET_MS)).unwrap();
        assert_eq!(fuzz::replay::replay_finding(&target, spent).await, expected);
    }
}

#[test]
fn replay_of_a_missing_file_cannot_start() {
    let bin = env!("CARGO_BIN_EXE_gatecheck");
    let out = std::process::Command::new(bin)
        .args(["replay", "/nonexistent/finding.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
