//! Synthetic cases (never shipped) that drive the runner end to end.

use gatecheck::baseline::Baseline;
use gatecheck::case::{Capability, Case, Module};
use gatecheck::config::RunConfig;
use gatecheck::event::{Collector, Event, RunRecord};
use gatecheck::{SecretKind, fail, pass, skip, warn};
use gatecheck_client::build;
use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;
use std::sync::Arc;
use std::time::Duration;

pub const SECRET: &str = "correct-horse-battery";

pub fn synthetic_cases() -> Vec<Case> {
    vec![
        Case::new("sasl2.synthetic.pass", Module::Sasl2, "A passing case")
            .cites(&["SASL2-24"])
            .requires("failure holds exactly one defined condition")
            .body(|ctx| async move {
                ctx.step("authenticate");
                let auth = build::authenticate("PLAIN").without_user_agent();
                let auth: Element = auth.into();
                ctx.transcript.sent("c1", auth.to_xml().as_bytes());
                let failure = Element::new("failure", ns::SASL2)
                    .with_child(Element::new("not-authorized", ns::SASL2));
                ctx.transcript.received("c1", failure.to_xml().as_bytes());
                pass()
            }),
        Case::new("sasl2.synthetic.fail", Module::Sasl2, "A failing case")
            .cites(&["SASL2-9"])
            .requires("an unadvertised mechanism is refused")
            .body(|ctx| async move {
                ctx.secret(SecretKind::Token, SECRET);
                ctx.transcript
                    .sent("c1", format!("<x>{SECRET}</x>").as_bytes());
                ctx.transcript
                    .received("c1", b"</script><script>alert(1)</script> & \"quoted\"");
                fail(
                    "SASL2-9",
                    "<failure/> with <invalid-mechanism/>",
                    format!("<success/> after sending {SECRET}"),
                )
            }),
        Case::new("sasl2.synthetic.warn", Module::Sasl2, "A warning case")
            .cites(&["SASL2-27"])
            .body(|_ctx| async move {
                warn(
                    "SASL2-27",
                    "stream usable after failure",
                    "stream closed",
                    "retry is a SHOULD",
                )
            }),
        Case::new("fast.synthetic.skip", Module::Fast, "A skipped case")
            .cites(&["FAST-9"])
            .body(|_ctx| async move { skip("no FAST token available") }),
        Case::new(
            "fast.synthetic.needs-two",
            Module::Fast,
            "Needs a second account",
        )
        .cites(&["FAST-29"])
        .needs(&[Capability::Account, Capability::SecondAccount])
        .body(|_ctx| async move { pass() }),
        Case::new("invites.synthetic.timeout", Module::Invites, "Hangs")
            .cites(&["INV-21"])
            .body(|ctx| async move {
                ctx.step("waiting for the preauth result");
                tokio::time::sleep(Duration::from_secs(60)).await;
                pass()
            }),
        Case::new("oauth2.synthetic.panic", Module::Oauth2, "Panics")
            .cites(&["DCR-9"])
            .body(|_ctx| async move {
                let v: Vec<u8> = Vec::new();
                if v.is_empty() {
                    panic!("synthetic panic");
                }
                pass()
            }),
    ]
}

pub fn config() -> RunConfig {
    RunConfig {
        // Generous enough that a panicking case finishes unwinding (symbolising a backtrace under
        // RUST_BACKTRACE=1 takes a while in a large test binary) before the timeout case fires.
        timeout: Duration::from_secs(3),
        jobs: 3,
        seed: 42,
        accounts: vec!["alice@example.org:alicepass".parse().expect("account")],
        ..RunConfig::default()
    }
}

pub fn run(cases: &[Case], config: RunConfig, baseline: Option<&Baseline>) -> RunRecord {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut col = Collector::default();
    let mut events = Vec::new();
    let mut sink = |ev: &Event| {
        events.push(match ev {
            Event::RunStarted(_) => "run-started".to_owned(),
            Event::CaseStarted { id } => format!("started {id}"),
            Event::CaseFinished(r) => format!("finished {}", r.id),
            Event::RunFinished(_) => "run-finished".to_owned(),
        });
        col.push(ev);
    };
    rt.block_on(gatecheck::runner::run(
        cases,
        Arc::new(config),
        baseline,
        &mut sink,
    ));
    assert_eq!(events.first().map(String::as_str), Some("run-started"));
    assert_eq!(events.last().map(String::as_str), Some("run-finished"));
    col.record().expect("complete record")
}
