//! `gatecheck fuzz` end to end against the embedded reference server: a correct build gives no
//! findings; a build that keeps an invalidated FAST token usable is caught, the finding is
//! minimised, and replaying the file reproduces it there and not on a correct build.

use clap::Parser;
use gatecheck::cli::{Cli, Command};
use gatecheck::embedded::FuzzServer;
use gatecheck::fuzz::exec::{self, ExecTarget};
use gatecheck::fuzz::finding::Finding;
use gatecheck::fuzz::oracle::Oracle;
use gatecheck::fuzz::{self, FuzzArgs};
use gatecheck_client::Transcript;
use gatecheck_proto::script::{Credential, Mechanism, Piece, Script, Step};
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

/// A target that accepts connections, reads everything and never writes.
async fn silent_target() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                use tokio::io::AsyncReadExt;
                while matches!(sock.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    (port, task)
}

fn silent_exec_target(port: u16, reply_timeout: Duration) -> ExecTarget {
    ExecTarget {
        endpoint: exec::endpoint(
            "127.0.0.1",
            port,
            gatecheck_client::TlsMode::StartTls,
            "example.org",
            &gatecheck_client::TlsTrust::insecure(),
        )
        .unwrap(),
        reply_timeout,
        quiet: Duration::from_millis(3),
        account: None,
        http: None,
        minter: None,
    }
}

fn send(text: &str) -> Step {
    Step::Send {
        pieces: vec![Piece::Text(text.into())],
        chunks: 1,
    }
}

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>";

/// Silence after a well-formed stream header is a finding, found after the reply timeout; after
/// malformed bytes the server may rightly wait for more, so the session does not wait the reply
/// timeout for it (which kept `gatecheck fuzz` near 300 sessions/s) and reports nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_is_judged_on_clean_connections_and_not_waited_out_on_broken_ones() {
    let (port, server) = silent_target().await;

    let clean = Script {
        steps: vec![send(HEADER), Step::Await],
    };
    let t = silent_exec_target(port, Duration::from_millis(800));
    let report = exec::run(&t, &clean, Transcript::new()).await;
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.oracle == Oracle::Silence),
        "{:?}",
        report.violations
    );
    assert!(report.elapsed >= Duration::from_millis(800), "{report:?}");

    let broken = Script {
        steps: vec![
            send(&format!("{HEADER}<message></iq>")),
            Step::Await,
            send("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            Step::Await,
        ],
    };
    let t = silent_exec_target(port, Duration::from_secs(5));
    let report = exec::run(&t, &broken, Transcript::new()).await;
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert!(report.elapsed < Duration::from_secs(2), "{report:?}");
    server.abort();
}
