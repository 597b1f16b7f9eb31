//! Every committed seed script runs clean through the executor and its oracles, and each oracle
//! fires: on a broken build (feature `break-builds`) running a seed, or on bad input directly.

use std::path::{Path, PathBuf};

use gatecheck_proto::script::Script;

use super::{CountingAlloc, MAX_SESSION_HEAP, PeakGuard, Violation, World, run, run_with};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn seed_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target)
}

fn seeds(target: &str) -> Vec<(String, Script)> {
    let mut v: Vec<(String, Script)> = std::fs::read_dir(seed_dir(target))
        .expect("seed directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read(&p).expect("seed file");
            let script = serde_json::from_slice(&text)
                .unwrap_or_else(|e| panic!("{} is not a script: {e}", p.display()));
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                script,
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn seed(target: &str, name: &str) -> Script {
    seeds(target)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no seed {name}"))
        .1
}

#[test]
fn every_seed_runs_clean_and_valid_credentials_log_in() {
    for target in ["c2s_session", "http_session"] {
        let all = seeds(target);
        assert!(all.len() >= 8, "{target}: only {} seeds", all.len());
        for (name, script) in all {
            let outcome = run(&script).unwrap_or_else(|v| panic!("{target}/{name}: {v}"));
            let should_login = name.starts_with("auth-")
                && name.ends_with("-valid")
                && !name.contains("rfc6120-ht-");
            if should_login || name == "invite-register-login" || name == "revoke-access-token" {
                // revoke-access-token revokes first, so its login must fail.
                let expect = name != "revoke-access-token";
                assert_eq!(
                    outcome.authenticated, expect,
                    "{target}/{name}: {outcome:?}"
                );
            }
            if name.ends_with("-wrong") || name.ends_with("-spent") || name.ends_with("_user") {
                assert!(!outcome.authenticated, "{target}/{name}");
            }
        }
    }
}

#[test]
fn reused_servers_answer_like_fresh_ones() {
    // Runs recycle the previous run's services (store restored, RNG reseeded, budget renewed): a
    // run after any other must write exactly what a run on a new world writes.
    let fresh = World::new(Default::default()).unwrap();
    let key = |o: super::Outcome| (o.authenticated, o.output_bytes, o.http_statuses);
    let scripts = seeds("c2s_session");
    for (name, script) in &scripts {
        let first = key(run_with(&fresh, script).unwrap());
        let other = &scripts[(name.len() * 7) % scripts.len()].1;
        run_with(&fresh, other).unwrap();
        assert_eq!(key(run_with(&fresh, script).unwrap()), first, "{name}");
    }
}

#[test]
fn runs_are_reproducible() {
    let script = seed("c2s_session", "post-auth-admin-disco-register");
    let a = run(&script).unwrap();
    assert!(a.output_bytes > 1000, "{a:?}");
    assert_eq!(run(&script).unwrap().output_bytes, a.output_bytes);
    let http = seed("http_session", "authorize-post-password");
    assert_eq!(run(&http).unwrap().http_statuses, vec![303]);
}

#[test]
fn the_memory_oracle_sees_a_large_allocation() {
    let guard = PeakGuard::start();
    let big = vec![1u8; MAX_SESSION_HEAP + 1];
    std::hint::black_box(&big);
    drop(big);
    assert!(guard.peak() > MAX_SESSION_HEAP, "{}", guard.peak());
    // And a seeded session stays well below it.
    let outcome = run(&seed("c2s_session", "deep-nesting")).unwrap();
    assert!(
        outcome.peak_heap > 0 && outcome.peak_heap < MAX_SESSION_HEAP,
        "{outcome:?}"
    );
}

#[test]
fn the_authentication_oracle_fires_on_a_login_without_credential() {
    // A world whose "wrong" password is the real one stands in for a server accepting a wrong
    // password without a break build: the oracle only knows what the script presented.
    let mut world = World::new(Default::default()).unwrap();
    world.values.wrong_password = world.values.password.clone();
    let r = run_with(
        &world,
        &seed("c2s_session", "auth-sasl2-scram-sha256-wrong"),
    );
    assert!(
        matches!(r, Err(Violation::AuthWithoutCredential(_))),
        "{r:?}"
    );
}

#[test]
fn the_store_oracle_fires_on_a_registration_with_an_undeclared_invite() {
    // The spent fixture resolving to the live invitation: the script registers with a token it
    // did not present as valid, which the oracle must report.
    let mut world = World::new(Default::default()).unwrap();
    world.values.spent_invite_token = world.values.invite_token.clone();
    let r = run_with(&world, &seed("c2s_session", "invite-spent-register"));
    assert!(matches!(r, Err(Violation::StoreChange(_))), "{r:?}");
}

#[cfg(feature = "break-builds")]
mod broken {
    use super::*;
    use crate::breaks::{Break, BreakSet};

    fn fires(b: Break, target: &str, name: &str) -> Violation {
        let world = World::new(BreakSet::default().with(b)).unwrap();
        let clean = run(&seed(target, name));
        assert!(clean.is_ok(), "unbroken {name}: {clean:?}");
        run_with(&world, &seed(target, name))
            .err()
            .unwrap_or_else(|| panic!("{b:?} not seen by {name}"))
    }

    #[test]
    fn accepting_a_wrong_scram_proof_is_an_authentication_finding() {
        let v = fires(
            Break::R112ProofNotChecked,
            "c2s_session",
            "auth-sasl2-scram-sha256-wrong",
        );
        assert!(matches!(v, Violation::AuthWithoutCredential(_)), "{v}");
    }

    #[test]
    fn accepting_an_invalidated_fast_token_is_an_authentication_finding() {
        let v = fires(
            Break::Fast17InvalidateIgnored,
            "c2s_session",
            "auth-sasl2-ht-sha256-none-spent",
        );
        assert!(matches!(v, Violation::AuthWithoutCredential(_)), "{v}");
    }

    #[test]
    fn accepting_a_revoked_access_token_is_an_authentication_finding() {
        let v = fires(
            Break::DcrRevokedTokenLogsIn,
            "c2s_session",
            "auth-sasl2-oauthbearer-spent",
        );
        assert!(matches!(v, Violation::AuthWithoutCredential(_)), "{v}");
    }

    #[test]
    fn a_registration_that_does_not_spend_the_invite_is_a_store_finding() {
        let v = fires(
            Break::Inv26TokenReusable,
            "c2s_session",
            "invite-register-login",
        );
        assert!(matches!(v, Violation::StoreChange(_)), "{v}");
    }

    #[test]
    fn a_token_minted_on_failure_is_a_store_finding() {
        let v = fires(
            Break::Fast8TokenOnFailure,
            "c2s_session",
            "raw-sasl2-plain-wrong-request-token",
        );
        assert!(matches!(v, Violation::StoreChange(_)), "{v}");
    }

    #[test]
    fn a_server_error_is_an_http_finding() {
        let v = fires(
            Break::Dcr15ServerErrorOnMissingField,
            "http_session",
            "register-without-redirect",
        );
        assert!(matches!(v, Violation::Http(_)), "{v}");
    }
}
