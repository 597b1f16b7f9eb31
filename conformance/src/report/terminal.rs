//! The terminal view: a progress bar on a TTY, then a summary grouped by module and level that lists
//! every non-pass with its requirement, expected and actual, and says what did not run and why.

use super::{capabilities, headline};
use crate::event::{Collector, Event, RunRecord};
use crate::kinds::Module;
use crate::status::Status;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::IsTerminal;

/// Terminal reporter: progress while running, summary at the end.
#[derive(Debug, Default)]
pub struct Terminal {
    bar: Option<ProgressBar>,
    collector: Collector,
}

impl Terminal {
    /// A reporter that draws a progress bar only when stderr is a terminal.
    pub fn new() -> Terminal {
        Terminal::default()
    }

    /// Feed one event.
    pub fn event(&mut self, ev: &Event) {
        self.collector.push(ev);
        match ev {
            Event::RunStarted(meta) if std::io::stderr().is_terminal() => {
                let bar = ProgressBar::new(meta.selected as u64);
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
                ) {
                    bar.set_style(style);
                }
                self.bar = Some(bar);
            }
            Event::CaseStarted { id } => {
                if let Some(b) = &self.bar {
                    b.set_message(id.clone());
                }
            }
            Event::CaseFinished(r) => {
                if let Some(b) = &self.bar {
                    b.inc(1);
                    if r.status.fails_run() {
                        b.println(format!("{:<13} {}", r.status.as_str().to_uppercase(), r.id));
                    }
                }
            }
            Event::RunFinished(_) => {
                if let Some(b) = self.bar.take() {
                    b.finish_and_clear();
                }
            }
            Event::RunStarted(_) => {}
        }
    }

    /// The summary text, once the run finished.
    pub fn summary(&self) -> Option<String> {
        self.collector.record().map(|r| summary_text(&r))
    }
}

/// Render the end-of-run summary: run-level headlines first (a target that stopped serving,
/// `--require` not met, nothing exercised), then the header, the capability table, counts per
/// module, scores, every non-pass, and what did not run (the "not offered" cases one line per
/// reason).
pub fn summary_text(rec: &RunRecord) -> String {
    let s = &rec.summary;
    let mut out = String::new();
    for h in headline::headlines(rec) {
        let _ = writeln!(out, "{h}");
    }
    let _ = writeln!(
        out,
        "gatecheck {} against {} (seed {})",
        rec.meta.suite_version, rec.meta.target, rec.meta.seed
    );
    let _ = writeln!(out, "{}", headline::settings(rec));
    let _ = writeln!(out, "\nCapabilities:");
    for l in capabilities::text(&rec.meta.capabilities) {
        let _ = writeln!(out, "{l}");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<10} {:>5} {:>5} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6} {:>7}",
        "module", "pass", "fail", "warn", "error", "known", "stale", "unsup", "skip", "not-run"
    );
    for m in Module::ALL.into_iter().filter(|m| !m.is_advisory()) {
        let rs: Vec<_> = rec.results.iter().filter(|r| r.module == m).collect();
        if rs.is_empty() {
            continue;
        }
        let c = |st: Status| rs.iter().filter(|r| r.status == st).count();
        let _ = writeln!(
            out,
            "{:<10} {:>5} {:>5} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6} {:>7}",
            m.as_str(),
            c(Status::Pass),
            c(Status::Fail),
            c(Status::Warn),
            c(Status::Error),
            c(Status::KnownFailure),
            c(Status::Stale),
            c(Status::Unsupported),
            c(Status::Skip),
            c(Status::NotRun)
        );
    }
    let _ = writeln!(out);
    for bucket in ["MUST", "SHOULD", "OTHER"] {
        let rs: Vec<_> = rec
            .results
            .iter()
            .filter(|r| !r.is_advisory() && r.level.bucket() == bucket)
            .collect();
        if rs.is_empty() {
            continue;
        }
        let passed = rs.iter().filter(|r| r.status == Status::Pass).count();
        let not_run = rs.iter().filter(|r| !r.status.is_applicable()).count();
        let _ = writeln!(
            out,
            "{bucket:<7} level: {} case(s), {passed} passed, {} not passed, {not_run} did not run",
            rs.len(),
            rs.len() - passed - not_run
        );
    }
    let _ = writeln!(
        out,
        "MUST score:   {}/{} ({})",
        s.must_passed,
        s.must_applicable,
        headline::score(s.must_passed, s.must_applicable, 1)
    );
    let _ = writeln!(
        out,
        "SHOULD score: {}/{} ({})",
        s.should_passed,
        s.should_applicable,
        headline::score(s.should_passed, s.should_applicable, 1)
    );

    let problems: Vec<_> = rec
        .results
        .iter()
        .filter(|r| !r.is_advisory())
        .filter(|r| {
            !matches!(
                r.status,
                Status::Pass | Status::Skip | Status::Unsupported | Status::NotRun
            )
        })
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "\nNot passed:");
        for r in problems {
            let _ = writeln!(
                out,
                "  {} {} [{}] {}",
                r.status.as_str().to_uppercase(),
                r.id,
                r.level,
                r.title
            );
            let o = &r.outcome;
            if let Some(req) = &o.requirement {
                let _ = writeln!(out, "      requirement: {req}");
            }
            if !r.requires.is_empty() {
                let _ = writeln!(out, "      spec requires: {}", r.requires);
            }
            if let Some(e) = &o.expected {
                let _ = writeln!(out, "      expected: {e}");
            }
            if let Some(a) = &o.actual {
                let _ = writeln!(out, "      actual:   {a}");
            }
            if let Some(m) = &o.message {
                let _ = writeln!(out, "      note: {m}");
            }
            if let Some(k) = &r.baseline {
                let _ = writeln!(out, "      baseline: {}", k.reason);
            }
            if r.status == Status::Stale {
                let _ = writeln!(
                    out,
                    "      the case passes now: remove it from the baseline"
                );
            }
        }
    }
    advisory_text(rec, &mut out);
    let groups = headline::not_offered_groups(rec);
    let not_run: Vec<_> = rec
        .results
        .iter()
        .filter(|r| !r.is_advisory())
        .filter(|r| matches!(r.status, Status::Skip | Status::Unsupported))
        .filter(|r| !headline::is_not_offered(r))
        .collect();
    let stopped = s.count(Status::NotRun);
    if !groups.is_empty() || !not_run.is_empty() || stopped > 0 || !rec.meta.not_selected.is_empty()
    {
        let _ = writeln!(out, "\nDid not run:");
        for g in &groups {
            let _ = writeln!(out, "  {}", g.line);
        }
        for r in not_run {
            let why = r.outcome.message.as_deref().unwrap_or("no reason given");
            let _ = writeln!(out, "  {} {}: {why}", r.status.as_str(), r.id);
        }
        if stopped > 0 {
            let _ = writeln!(
                out,
                "  {stopped} case(s) not run: the target stopped serving"
            );
        }
        if !rec.meta.not_selected.is_empty() {
            let _ = writeln!(
                out,
                "  {} case(s) not selected (--only/--skip)",
                rec.meta.not_selected.len()
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{} case(s){} in {:.1}s, {} exercised the target: {}",
        rec.results.iter().filter(|r| !r.is_advisory()).count(),
        s.advisory
            .as_ref()
            .map(|a| format!(" and {} advisory security case(s)", a.cases))
            .unwrap_or_default(),
        s.duration_ms as f64 / 1000.0,
        s.exercised,
        headline::exit_label(s.exit_code)
    );
    out
}

/// The advisory security group, apart from the verdicts: one line per case (FINDING, ok, or why
/// it could not decide), the section it comes from, and what it measured.
fn advisory_text(rec: &RunRecord, out: &mut String) {
    let Some(a) = &rec.summary.advisory else {
        return;
    };
    let _ = writeln!(
        out,
        "\nSecurity (advisory, not scored{}): {} case(s), {} finding(s), {} without finding, {} undecided",
        if a.strict {
            "; --strict-security: findings fail the run"
        } else {
            "; never changes the exit code"
        },
        a.cases,
        a.findings,
        a.passed,
        a.undecided
    );
    for r in rec.results.iter().filter(|r| r.is_advisory()) {
        let label = if r.is_finding() {
            "FINDING".to_owned()
        } else if r.status == Status::Pass {
            "ok".to_owned()
        } else {
            r.status.as_str().to_owned()
        };
        let _ = writeln!(out, "  {label} {} {}", r.id, r.title);
        let o = &r.outcome;
        let _ = writeln!(out, "      from: {}", r.requirements.join(", "));
        if let Some(e) = o.expected.as_ref().filter(|_| r.is_finding()) {
            let _ = writeln!(out, "      expected: {e}");
        }
        if let Some(x) = &o.actual {
            let _ = writeln!(out, "      observed: {x}");
        }
        if let Some(m) = &o.message {
            let _ = writeln!(out, "      note: {m}");
        }
    }
}
