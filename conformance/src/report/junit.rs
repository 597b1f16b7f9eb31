//! JUnit XML: one testsuite per module, one testcase per case, requirement ids as properties, the
//! transcript as system-out. Validated against `conformance/schema/junit.xsd` in the tests.

use super::ReportError;
use crate::event::{CaseResult, RunRecord};
use crate::kinds::Module;
use crate::status::Status;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The published XSD the output conforms to.
pub const XSD: &str = include_str!("../../schema/junit.xsd");

/// The failure text: requirement, expected, actual and any message, one per line.
pub fn failure_text(r: &CaseResult) -> String {
    let o = &r.outcome;
    let mut lines = Vec::new();
    if let Some(req) = &o.requirement {
        lines.push(format!("requirement: {req}"));
    }
    if !r.requires.is_empty() {
        lines.push(format!("spec requires: {}", r.requires));
    }
    if let Some(e) = &o.expected {
        lines.push(format!("expected: {e}"));
    }
    if let Some(a) = &o.actual {
        lines.push(format!("actual: {a}"));
    }
    if let Some(m) = &o.message {
        lines.push(format!("note: {m}"));
    }
    if let Some(k) = &r.baseline {
        lines.push(format!(
            "baseline: {}{}",
            k.reason,
            k.link
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default()
        ));
    }
    lines.join("\n")
}

/// The transcript as plain text for system-out.
pub fn transcript_text(r: &CaseResult) -> String {
    let mut out = String::new();
    for e in &r.transcript {
        let arrow = match e.dir {
            crate::transcript::Direction::Sent => "->",
            crate::transcript::Direction::Received => "<-",
            crate::transcript::Direction::Note => "--",
        };
        out.push_str(&format!(
            "[{:>7} ms] {arrow} {} {}\n",
            e.t_ms, e.conn, e.text
        ));
    }
    out
}

/// XML 1.0 cannot carry most control characters even escaped; replace them so the file stays valid.
fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}') {
                c
            } else {
                '\u{FFFD}'
            }
        })
        .collect()
}

fn test_case(r: &CaseResult, strict_security: bool) -> TestCase {
    let summary = xml_safe(
        &r.outcome
            .message
            .clone()
            .unwrap_or_else(|| r.status.as_str().to_owned()),
    );
    let advisory_skip = r.is_advisory()
        && !(strict_security && r.is_finding())
        && !matches!(r.status, Status::Pass);
    let status = match r.status {
        _ if advisory_skip => {
            let mut s = TestCaseStatus::skipped();
            let (kind, msg) = if r.is_finding() {
                (
                    "finding",
                    format!(
                        "advisory finding ({}): {}",
                        r.outcome.requirement.as_deref().unwrap_or("-"),
                        failure_text(r)
                    ),
                )
            } else {
                ("undecided", format!("{}: {summary}", r.status.as_str()))
            };
            s.set_message(xml_safe(&msg)).set_type(kind);
            s
        }
        Status::Pass | Status::Warn => TestCaseStatus::success(),
        Status::Fail | Status::Stale => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let msg = match (r.status, &r.outcome.requirement) {
                (Status::Stale, _) => {
                    "stale baseline entry: the case now passes; remove it from the baseline"
                        .to_owned()
                }
                (_, Some(req)) => format!("{req} violated"),
                (_, None) => summary.clone(),
            };
            s.set_message(xml_safe(&msg))
                .set_type(r.status.as_str())
                .set_description(xml_safe(&failure_text(r)));
            s
        }
        Status::Error => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(summary.clone())
                .set_type("error")
                .set_description(xml_safe(&failure_text(r)));
            s
        }
        Status::Skip | Status::Unsupported | Status::KnownFailure | Status::NotRun => {
            let mut s = TestCaseStatus::skipped();
            let msg = match r.status {
                Status::KnownFailure => format!("known failure: {}", failure_text(r)),
                _ => format!("{}: {summary}", r.status.as_str()),
            };
            s.set_message(xml_safe(&msg)).set_type(r.status.as_str());
            s
        }
    };
    let mut tc = TestCase::new(r.id.clone(), status);
    tc.set_classname(r.module.as_str());
    tc.set_time(Duration::from_millis(r.duration_ms));
    for req in &r.requirements {
        tc.add_property(Property::new("requirement", req.as_str()));
    }
    if let Some(p) = r.profile {
        tc.add_property(Property::new("profile", p.as_str()));
    }
    if let Some(t) = &r.tls {
        tc.add_property(Property::new("tls", t.as_str()));
    }
    tc.add_property(Property::new("level", r.level.as_str()));
    tc.add_property(Property::new("status", r.status.as_str()));
    tc.add_property(Property::new("seed", r.seed.to_string()));
    if r.status == Status::Warn {
        tc.add_property(Property::new("warning", xml_safe(&failure_text(r))));
    }
    tc.set_system_out(xml_safe(&transcript_text(r)));
    tc
}

/// The run-level properties every testsuite carries: the settings, the capability table
/// (`cap.tls1.3.sasl2=…`) and the run-level headlines (stopped target, `--require`).
fn run_properties(rec: &RunRecord) -> Vec<(String, String)> {
    let m = &rec.meta;
    let mut out = vec![
        (
            "reply-timeout-ms".to_owned(),
            m.reply_timeout_ms.to_string(),
        ),
        ("tls".to_owned(), m.tls.clone()),
        ("tls-versions".to_owned(), m.tls_versions.join(" ")),
    ];
    if let Some(t) = m.fast_ttl_s {
        out.push(("fast-ttl-s".to_owned(), t.to_string()));
    }
    if let Some(t) = m.fast_min_ttl_s {
        out.push(("fast-min-ttl-s".to_owned(), t.to_string()));
    }
    out.extend(super::capabilities::properties(&m.capabilities));
    for (i, h) in super::headline::headlines(rec).into_iter().enumerate() {
        out.push((format!("headline.{i}"), h));
    }
    out
}

/// Render the run as JUnit XML.
pub fn render(rec: &RunRecord) -> Result<String, ReportError> {
    let mut report = Report::new("gatecheck");
    report.set_time(Duration::from_millis(rec.summary.duration_ms));
    for m in Module::ALL {
        let cases: Vec<&CaseResult> = rec.results.iter().filter(|r| r.module == m).collect();
        if cases.is_empty() {
            continue;
        }
        // The advisory group is its own testsuite, named so CI dashboards do not read its
        // findings as conformance failures; findings are `<skipped type="finding">` unless
        // --strict-security made them fail the run.
        let name = if m.is_advisory() {
            format!("{} (advisory)", m.as_str())
        } else {
            m.as_str().to_owned()
        };
        let mut suite = TestSuite::new(name);
        suite.set_time(Duration::from_millis(
            cases.iter().map(|r| r.duration_ms).sum(),
        ));
        suite.add_property(Property::new("target", xml_safe(&rec.meta.target)));
        suite.add_property(Property::new("seed", rec.meta.seed.to_string()));
        suite.add_property(Property::new(
            "suite-version",
            rec.meta.suite_version.as_str(),
        ));
        for (k, v) in run_properties(rec) {
            suite.add_property(Property::new(k, xml_safe(&v)));
        }
        for r in cases {
            let strict = rec.summary.advisory.as_ref().is_some_and(|a| a.strict);
            suite.add_test_case(test_case(r, strict));
        }
        report.add_test_suite(suite);
    }
    report.to_string().map_err(|e| ReportError::Serialise {
        kind: "junit",
        detail: e.to_string(),
    })
}
