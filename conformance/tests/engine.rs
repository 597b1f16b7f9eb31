//! The runner end to end with synthetic cases: verdicts, timeouts, capabilities, strict, baseline.

mod support;

use gatecheck::baseline::{Baseline, BaselineError};
use gatecheck::case::{Case, Module};
use gatecheck::catalog::Catalog;
use gatecheck::coverage::uncovered_musts;
use gatecheck::status::Status;
use support::*;

fn status_of(rec: &gatecheck::event::RunRecord, id: &str) -> Status {
    rec.results
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.status)
        .unwrap_or_else(|| panic!("{id} missing"))
}

#[test]
fn verdicts_timeouts_and_exit_code() {
    let rec = run(&synthetic_cases(), config(), None);
    assert_eq!(rec.results.len(), 7);
    assert_eq!(status_of(&rec, "sasl2.synthetic.pass"), Status::Pass);
    assert_eq!(status_of(&rec, "sasl2.synthetic.fail"), Status::Fail);
    assert_eq!(status_of(&rec, "sasl2.synthetic.warn"), Status::Warn);
    assert_eq!(status_of(&rec, "fast.synthetic.skip"), Status::Skip);
    assert_eq!(status_of(&rec, "fast.synthetic.needs-two"), Status::Skip);
    assert_eq!(status_of(&rec, "invites.synthetic.timeout"), Status::Error);
    assert_eq!(status_of(&rec, "oauth2.synthetic.panic"), Status::Error);
    let find = |id: &str| rec.results.iter().find(|r| r.id == id).expect("present");
    let t = find("invites.synthetic.timeout");
    let msg = t.outcome.message.as_deref().unwrap_or("");
    assert!(
        msg.contains("timed out after 3") && msg.contains("waiting for the preauth result"),
        "{msg}"
    );
    assert!(
        find("fast.synthetic.needs-two")
            .outcome
            .message
            .as_deref()
            .is_some_and(|m| m.contains("second --account"))
    );
    assert!(
        find("oauth2.synthetic.panic")
            .outcome
            .message
            .as_deref()
            .is_some_and(|m| m.contains("synthetic panic"))
    );
    // Level comes from the cited requirement.
    assert_eq!(find("sasl2.synthetic.warn").level.as_str(), "SHOULD");
    assert_eq!(find("sasl2.synthetic.fail").level.as_str(), "MUST");
    // Transcript recorded and redacted; timestamps present.
    let f = find("sasl2.synthetic.fail");
    assert!(
        f.transcript
            .iter()
            .any(|e| e.text == "<x>[redacted:token]</x>")
    );
    assert!(!f.transcript.iter().any(|e| e.text.contains(SECRET)));
    assert_eq!(
        f.outcome.actual.as_deref(),
        Some("<success/> after sending [redacted:token]")
    );
    assert_eq!(rec.summary.exit_code, 1);
    assert_eq!(rec.summary.count(Status::Error), 2);
    assert_eq!(
        (rec.summary.must_passed, rec.summary.must_applicable),
        (1, 2)
    );
    assert_eq!(
        (rec.summary.should_passed, rec.summary.should_applicable),
        (0, 1)
    );
    assert_eq!(rec.meta.seed, 42);
    assert_eq!(
        f.seed,
        gatecheck::ctx::case_seed(42, "sasl2.synthetic.fail")
    );
}

#[test]
fn no_redact_keeps_secrets() {
    let mut c = config();
    c.redact = false;
    c.only = vec!["sasl2.synthetic.fail".into()];
    let rec = run(&synthetic_cases(), c, None);
    assert_eq!(rec.results.len(), 1);
    assert!(
        rec.results[0]
            .transcript
            .iter()
            .any(|e| e.text.contains(SECRET))
    );
}

#[test]
fn passing_selection_exits_zero_and_records_not_selected() {
    let mut c = config();
    c.only = vec!["sasl2.*".into(), "fast".into()];
    c.skip = vec!["*.fail".into()];
    let rec = run(&synthetic_cases(), c, None);
    let ids: Vec<_> = rec.results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "sasl2.synthetic.pass",
            "sasl2.synthetic.warn",
            "fast.synthetic.needs-two",
            "fast.synthetic.skip"
        ]
    );
    assert_eq!(rec.summary.exit_code, 0, "warn and skip do not fail a run");
    assert_eq!(rec.meta.not_selected.len(), 3);
    assert!(
        rec.meta
            .not_selected
            .iter()
            .any(|n| n.id == "sasl2.synthetic.fail" && n.reason.contains("--skip"))
    );
}

#[test]
fn strict_turns_the_warning_into_a_failure() {
    let mut c = config();
    c.only = vec!["sasl2.synthetic.warn".into()];
    c.strict = true;
    let rec = run(&synthetic_cases(), c, None);
    assert_eq!(rec.results[0].status, Status::Fail);
    assert_eq!(rec.summary.exit_code, 1);
}

#[test]
fn baseline_known_failure_and_stale() {
    let cases = synthetic_cases();
    let known = Baseline::parse(
        "[[known]]\ncase = \"sasl2.synthetic.fail\"\nreason = \"server bug #12\"\nlink = \"https://example.org/12\"\n",
        "b.toml",
    )
    .expect("parses");
    known.check_ids(&cases).expect("ids exist");
    let mut c = config();
    c.only = vec!["sasl2.synthetic.fail".into(), "sasl2.synthetic.pass".into()];
    let rec = run(&cases, c.clone(), Some(&known));
    assert_eq!(
        status_of(&rec, "sasl2.synthetic.fail"),
        Status::KnownFailure
    );
    assert_eq!(
        rec.summary.exit_code, 0,
        "a known failure does not fail the run"
    );

    let stale = Baseline::parse(
        "[[known]]\ncase = \"sasl2.synthetic.pass\"\nreason = \"was broken\"\n",
        "b.toml",
    )
    .expect("parses");
    let rec = run(&cases, c, Some(&stale));
    assert_eq!(status_of(&rec, "sasl2.synthetic.pass"), Status::Stale);
    assert_eq!(rec.summary.exit_code, 1, "a stale entry fails the run");
}

#[test]
fn baseline_rejects_unknown_ids_and_missing_reasons() {
    let cases = synthetic_cases();
    let b = Baseline::parse(
        "[[known]]\ncase = \"sasl2.no-such-case\"\nreason = \"typo\"\n",
        "b.toml",
    )
    .expect("parses");
    assert!(
        matches!(b.check_ids(&cases), Err(BaselineError::UnknownCases(ids)) if ids == ["sasl2.no-such-case"])
    );
    assert!(matches!(
        Baseline::parse(
            "[[known]]\ncase = \"sasl2.synthetic.fail\"\nreason = \" \"\n",
            "b.toml"
        ),
        Err(BaselineError::NoReason(_))
    ));
    assert!(matches!(
        Baseline::parse("[[known]]\ncase = \"x\"\n", "b.toml"),
        Err(BaselineError::Parse { .. })
    ));
    assert!(matches!(
        Baseline::parse(
            "[[known]]\ncase = \"x\"\nreason = \"r\"\n[[known]]\ncase = \"x\"\nreason = \"r\"\n",
            "b.toml"
        ),
        Err(BaselineError::Duplicate(_))
    ));
    assert!(matches!(
        Baseline::load(std::path::Path::new("/nonexistent/baseline.toml")),
        Err(BaselineError::Read { .. })
    ));
}

#[test]
fn coverage_check_reports_an_uncovered_must() {
    let cat = Catalog::global();
    // A module with one case that covers only SASL2-9: every other black-box SASL2 MUST is uncovered.
    let cases = vec![Case::new("sasl2.only-one", Module::Sasl2, "x").cites(&["SASL2-9"])];
    let missing = uncovered_musts(cat, &cases);
    assert!(missing.contains(&"SASL2-1".to_owned()));
    assert!(missing.contains(&"SASL2-16".to_owned()));
    assert!(!missing.contains(&"SASL2-9".to_owned()), "covered");
    assert!(
        !missing.contains(&"SASL2-27".to_owned()),
        "SHOULD is not held to it"
    );
    assert!(
        !missing.iter().any(|id| id.starts_with("FAST-")),
        "modules without cases are not checked yet"
    );
    assert!(!missing.contains(&"FAST-21".to_owned()), "WB is waived");
    // With no cases at all nothing is checked.
    assert!(uncovered_musts(cat, &[]).is_empty());
}

#[test]
fn real_registry_covers_every_testable_must_of_its_modules() {
    let cases = gatecheck::cases::all();
    let missing = uncovered_musts(Catalog::global(), &cases);
    assert!(
        missing.is_empty(),
        "black-box MUSTs with neither a case nor a waiver: {missing:?}"
    );
    let mut ids: Vec<_> = cases.iter().map(|c| c.id.as_str()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "case ids are unique");
    for c in &cases {
        assert!(
            gatecheck::case::valid_id(&c.id, c.module),
            "bad case id {}",
            c.id
        );
        for r in &c.requirements {
            if c.module.is_advisory() {
                // Advisory findings cite the RFC/XEP section itself, not a catalogue id.
                assert!(
                    (r.starts_with("RFC ") || r.starts_with("XEP-")) && r.contains(" §"),
                    "{} cites {r:?}: expected \"RFC NNNN §x\" or \"XEP-NNNN §x\"",
                    c.id
                );
                continue;
            }
            assert!(
                Catalog::global().get(r).is_some(),
                "{} cites unknown {r}",
                c.id
            );
        }
    }
}

#[test]
fn outcomes_are_held_to_the_catalogue() {
    use gatecheck::outcome::Verdict;
    use gatecheck::runner::normalise;
    let cat = Catalog::global();
    let o = normalise(gatecheck::fail("SASL2-27", "usable", "closed"), cat);
    assert_eq!(o.verdict, Verdict::Warn, "a SHOULD is never a failure");
    assert!(o.message.as_deref().is_some_and(|m| m.contains("SHOULD")));
    assert_eq!(
        normalise(gatecheck::fail("SASL2-9", "a", "b"), cat).verdict,
        Verdict::Fail
    );
    assert_eq!(
        normalise(gatecheck::fail("SASL2-999", "a", "b"), cat).verdict,
        Verdict::Error
    );
    assert_eq!(normalise(gatecheck::pass(), cat).verdict, Verdict::Pass);
}

#[test]
fn case_ids_are_checked() {
    use gatecheck::case::valid_id;
    assert!(valid_id("sasl2.failure.retry-same-stream", Module::Sasl2));
    assert!(!valid_id("sasl2", Module::Sasl2));
    assert!(!valid_id("fast.token", Module::Sasl2));
    assert!(!valid_id("sasl2..x", Module::Sasl2));
    assert!(!valid_id("sasl2.Upper", Module::Sasl2));
}

/// Issue 13: the advisory group is opt-in, its findings are counted apart from the verdicts and
/// change the exit code only under --strict-security; a finding must cite one of its own sections.
#[test]
fn advisory_findings_are_opt_in_unscored_and_strict_only_with_strict_security() {
    let finding = Case::new("security.synthetic.finding", Module::Security, "finding")
        .cites(&["RFC 6120 §13.12"])
        .body(|_| async { gatecheck::fail("RFC 6120 §13.12", "cut", "still open") });
    let typo = Case::new("security.synthetic.typo", Module::Security, "typo")
        .cites(&["RFC 6120 §13.12"])
        .body(|_| async { gatecheck::fail("RFC 6120 §13.99", "x", "y") });
    let mut cases = synthetic_cases();
    cases.push(finding);
    cases.push(typo);
    // A plain run: the group is not part of it at all.
    let plain = run(&cases, config(), None);
    assert!(plain.results.iter().all(|r| !r.is_advisory()));
    assert!(plain.summary.advisory.is_none());
    assert!(
        plain
            .meta
            .not_selected
            .iter()
            .all(|n| !n.id.starts_with("security."))
    );
    // Selected: reported, not counted.
    let mut c = config();
    c.only = vec!["security.*".into(), "sasl2.synthetic.pass".into()];
    let rec = run(&cases, c.clone(), None);
    assert_eq!(status_of(&rec, "security.synthetic.finding"), Status::Fail);
    assert_eq!(status_of(&rec, "security.synthetic.typo"), Status::Error);
    let a = rec.summary.advisory.clone().expect("advisory totals");
    assert_eq!((a.cases, a.findings, a.undecided), (2, 1, 1));
    assert_eq!(rec.summary.count(Status::Fail), 0);
    assert_eq!(rec.summary.count(Status::Error), 0);
    assert_eq!(rec.summary.exercised, 1);
    assert_eq!(rec.summary.exit_code, 0, "findings never fail a normal run");
    let text = gatecheck::report::terminal::summary_text(&rec);
    assert!(
        text.contains("FINDING security.synthetic.finding"),
        "{text}"
    );
    c.strict_security = true;
    let strict = run(&cases, c, None);
    assert_eq!(strict.summary.exit_code, 1);
}
