//! The liveness oracle end to end (issue 9), against a stand-in target that serves stream
//! features until a case switches it off: the case after which it went quiet fails with the
//! dedicated reason, the summary leads with it, and every later case is `not-run`.

use gatecheck::case::{Case, Module};
use gatecheck::config::RunConfig;
use gatecheck::event::{Collector, RunRecord};
use gatecheck::liveness::{STOPPED, stopped_requirement};
use gatecheck::status::Status;
use gatecheck::{catalog::Catalog, pass};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const FEATURES: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0'>\
    <stream:features/>";

/// A target that answers every stream header with empty features while `alive`, and with
/// silence after (connections are still accepted: the silent kind of dead).
async fn stand_in(alive: Arc<AtomicBool>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let alive = alive.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut seen = Vec::new();
                while let Ok(n) = sock.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    let header = String::from_utf8_lossy(&seen).contains("<stream:stream");
                    if header && alive.load(Ordering::SeqCst) {
                        let _ = sock.write_all(FEATURES.as_bytes()).await;
                        seen.clear();
                    }
                }
            });
        }
    });
    format!("xmpp://{addr}")
}

fn config(target: &str) -> RunConfig {
    RunConfig {
        target: Some(target.parse().expect("target")),
        domain: Some("localhost".into()),
        reply_timeout: Duration::from_millis(300),
        timeout: Duration::from_secs(3),
        jobs: 2,
        seed: 9,
        ..RunConfig::default()
    }
}

async fn run(cases: &[Case], config: RunConfig) -> RunRecord {
    let mut col = Collector::default();
    let mut sink = |ev: &gatecheck::event::Event| col.push(ev);
    gatecheck::runner::run(cases, Arc::new(config), None, &mut sink).await;
    col.record().expect("complete record")
}

fn find<'a>(rec: &'a RunRecord, id: &str) -> &'a gatecheck::event::CaseResult {
    rec.results
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

/// A case that switches the stand-in off (and itself finds nothing wrong).
fn killer(id: &str, module: Module, alive: &Arc<AtomicBool>) -> Case {
    let alive = alive.clone();
    Case::new(id, module, "switches the target off")
        .cites(&["SASL2-9", "SASL2-24"])
        .body(move |_ctx| {
            let alive = alive.clone();
            async move {
                alive.store(false, Ordering::SeqCst);
                pass()
            }
        })
}

fn ok(id: &str, module: Module) -> Case {
    Case::new(id, module, "passes")
        .cites(&["SASL2-24"])
        .body(|_ctx| async { pass() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_negative_case_after_which_the_target_goes_quiet_fails_and_the_rest_do_not_run() {
    let alive = Arc::new(AtomicBool::new(true));
    let target = stand_in(alive.clone()).await;
    let cases = vec![
        ok("sasl2.live.first", Module::Sasl2),
        ok("sasl2.live.harmless", Module::Sasl2).negative(),
        killer("sasl2.live.kill", Module::Sasl2, &alive).negative(),
        ok("sasl2.live.after", Module::Sasl2).negative(),
        ok("fast.live.other", Module::Fast),
        ok("fast.live.no-account", Module::Fast).needs(&[gatecheck::Capability::Account]),
    ];
    let rec = run(&cases, config(&target)).await;
    // Decided before it would start: keeps its own verdict, it never needed the target.
    assert_eq!(find(&rec, "fast.live.no-account").status, Status::Skip);

    assert_eq!(find(&rec, "sasl2.live.first").status, Status::Pass);
    let harmless = find(&rec, "sasl2.live.harmless");
    assert_eq!(harmless.status, Status::Pass);
    assert!(
        harmless.transcript.iter().any(|e| e.conn == "liveness"),
        "the oracle's connection is in the case transcript"
    );

    let kill = find(&rec, "sasl2.live.kill");
    assert_eq!(kill.status, Status::Fail, "{:?}", kill.outcome);
    let msg = kill.outcome.message.as_deref().unwrap_or("");
    assert!(msg.starts_with(STOPPED), "{msg}");
    let cited = stopped_requirement(Module::Sasl2, &kill.requirements, Catalog::global());
    assert_eq!(kill.outcome.requirement, cited);
    assert!(cited.is_some_and(|r| r == "SASL2-126" || r == "SASL2-9"));

    for id in ["sasl2.live.after", "fast.live.other"] {
        assert_eq!(find(&rec, id).status, Status::NotRun, "{id}");
    }
    let s = &rec.summary;
    assert_eq!(s.count(Status::NotRun), 2);
    assert_eq!(s.count(Status::Error), 0, "no cascade of errors");
    assert!(
        s.stopped
            .as_deref()
            .is_some_and(|w| w.contains("after sasl2.live.kill")),
        "{:?}",
        s.stopped
    );
    assert_eq!(s.exit_code, 1);
    let text = gatecheck::report::terminal::summary_text(&rec);
    assert!(
        text.lines().next().is_some_and(
            |l| l.starts_with("TARGET STOPPED SERVING") && l.contains("2 case(s) not run")
        ),
        "{text}"
    );
    assert!(text.contains("reply timeout 0.3 s"), "{text}");
    // The stand-in never offers STARTTLS: discovery learnt nothing, and the summary says so.
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("DISCOVERY FAILED") && l.contains("tls1.3: ")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_dies_during_a_module_stops_the_run_at_the_module_end() {
    let alive = Arc::new(AtomicBool::new(true));
    let target = stand_in(alive.clone()).await;
    let cases = vec![
        killer("sasl2.live.kill", Module::Sasl2, &alive),
        ok("fast.live.other", Module::Fast),
    ];
    let rec = run(&cases, config(&target)).await;
    // Not negative: the case keeps its own verdict; the run stops at the module boundary.
    assert_eq!(find(&rec, "sasl2.live.kill").status, Status::Pass);
    assert_eq!(find(&rec, "fast.live.other").status, Status::NotRun);
    assert!(
        rec.summary
            .stopped
            .as_deref()
            .is_some_and(|w| w.contains("during the sasl2 cases")),
        "{:?}",
        rec.summary.stopped
    );
    assert_eq!(
        rec.summary.exit_code, 1,
        "a target that stopped fails the run"
    );
}
