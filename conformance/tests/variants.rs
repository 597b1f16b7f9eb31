//! Case variants against the embedded server: a per-TLS case runs once per accepted version
//! with every connection of the shared helpers pinned to it, a per-profile case runs once per
//! offered profile, `--tls` pins every case, and a profile the target lacks produces no variant.

use gatecheck::case::{Case, Module};
use gatecheck::cases::common;
use gatecheck::config::{RunConfig, TlsChoice};
use gatecheck::embedded::Embedded;
use gatecheck::event::{Collector, RunRecord};
use gatecheck::status::Status;
use gatecheck::{CaseCtx, Offer, Outcome, Profile, error, fail, pass};
use std::sync::Arc;

/// Passes when the TLS session `common::tls_session` opens uses the pinned version (or, with
/// none pinned, any version) and the context's capabilities agree it offers SASL2.
async fn check_pinned(ctx: CaseCtx) -> Outcome {
    let (c, _f) = match common::tls_session(&ctx, "c1").await {
        Ok(x) => x,
        Err(e) => return error(format!("tls session: {e}")),
    };
    let got = c.tls().map(|b| b.version);
    match (ctx.tls_version(), got) {
        (Some(want), Some(got)) if want == got && ctx.caps().offers_on(Offer::Sasl2, want) => {
            pass()
        }
        (None, Some(_)) => pass(),
        (want, got) => fail("SASL2-24", format!("{want:?}"), format!("{got:?}")),
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case::new("sasl2.variant.pinned", Module::Sasl2, "pinned per version")
            .cites(&["SASL2-24"])
            .offers(&[Offer::Sasl2])
            .per_tls()
            .body(check_pinned),
        Case::new("sasl2.variant.once", Module::Sasl2, "runs once")
            .cites(&["SASL2-24"])
            .offers(&[Offer::Sasl2])
            .body(check_pinned),
        Case::new("scram.variant.profiles", Module::Scram, "per profile")
            .cites(&["SASL2-24"])
            .profiles(&[Profile::Sasl, Profile::Sasl2])
            .body(|ctx| async move {
                let want = if ctx.case_id.ends_with("@sasl") {
                    Profile::Sasl
                } else {
                    Profile::Sasl2
                };
                if ctx.profile() == want {
                    pass()
                } else {
                    fail("SASL2-24", want.as_str(), ctx.profile().as_str())
                }
            }),
    ]
}

async fn run_against(disabled: &[String], tls: TlsChoice) -> RunRecord {
    let (server, accounts) = Embedded::start_without(disabled)
        .await
        .expect("embedded server starts");
    let mut config = RunConfig {
        jobs: 2,
        seed: 5,
        tls,
        ..RunConfig::default()
    };
    server.configure(&mut config, accounts).expect("configure");
    let mut col = Collector::default();
    let mut sink = |ev: &gatecheck::event::Event| col.push(ev);
    gatecheck::runner::run(&cases(), Arc::new(config), None, &mut sink).await;
    drop(server);
    col.record().expect("record")
}

fn ids_and_statuses(rec: &RunRecord) -> Vec<(String, Status)> {
    rec.results
        .iter()
        .map(|r| (r.id.clone(), r.status))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variants_follow_the_offer_and_the_tls_choice() {
    let rec = run_against(&[], TlsChoice::Both).await;
    let pass = |id: &str| (id.to_owned(), Status::Pass);
    assert_eq!(
        ids_and_statuses(&rec),
        [
            pass("sasl2.variant.once"),
            pass("sasl2.variant.pinned@tls1.2"),
            pass("sasl2.variant.pinned@tls1.3"),
            pass("scram.variant.profiles@sasl"),
            pass("scram.variant.profiles@sasl2"),
        ],
        "{:#?}",
        rec.results.iter().map(|r| &r.outcome).collect::<Vec<_>>()
    );
    let r = &rec.results[1];
    assert_eq!(
        (r.base_id.as_str(), r.tls.as_deref()),
        ("sasl2.variant.pinned", Some("tls1.2"))
    );

    // --tls 1.2: one variant, and the case without per_tls is pinned too.
    let rec = run_against(&[], TlsChoice::Tls12).await;
    let ids: Vec<_> = rec.results.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.contains(&"sasl2.variant.pinned@tls1.2"));
    assert!(!ids.contains(&"sasl2.variant.pinned@tls1.3"));
    assert!(rec.results.iter().all(|r| r.status == Status::Pass));
    let once = rec
        .results
        .iter()
        .find(|r| r.id == "sasl2.variant.once")
        .expect("once");
    assert!(
        once.transcript.iter().any(|e| e.text.contains("TLSv1_2")),
        "the unversioned case was pinned to TLS 1.2 by --tls"
    );
    assert_eq!(rec.meta.tls_versions, ["tls1.2"]);

    // Without SASL2: no @sasl2 variant, the SASL2 cases said once as not offered.
    let rec = run_against(&["sasl2".to_owned()], TlsChoice::Both).await;
    let ids: Vec<_> = rec.results.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.contains(&"scram.variant.profiles@sasl"));
    assert!(!ids.iter().any(|i| i.ends_with("@sasl2")));
    for r in rec.results.iter().filter(|r| r.module == Module::Sasl2) {
        assert_eq!(r.status, Status::Unsupported, "{}", r.id);
        assert_eq!(r.outcome.message.as_deref(), Some("sasl2: not offered"));
    }
}
