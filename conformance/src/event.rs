//! The event stream every report is built from: run started, case started, case finished, run finished.

use crate::baseline::Known;
use crate::capabilities::Capabilities;
use crate::kinds::{Level, Module, Profile};
use crate::outcome::Outcome;
use crate::status::Status;
use crate::transcript::RenderedEntry;
use serde::Serialize;
use std::collections::BTreeMap;

/// Metadata of a run, recorded in every report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunMeta {
    /// gatecheck version.
    pub suite_version: String,
    /// The target as given (or "embedded reference server").
    pub target: String,
    /// XMPP domain in use.
    pub domain: Option<String>,
    /// Run seed (a string in JSON: 64-bit values exceed JavaScript's safe integers).
    #[serde(serialize_with = "u64_as_string")]
    pub seed: u64,
    /// Whether `--strict` was on.
    pub strict: bool,
    /// Whether secrets are redacted.
    pub redacted: bool,
    /// Spec revision per requirement set.
    pub spec_revisions: BTreeMap<String, String>,
    /// Wall-clock start, RFC 3339 UTC.
    pub started: String,
    /// Number of cases selected to run.
    pub selected: usize,
    /// Cases left out by `--only` / `--skip`, with the reason.
    pub not_selected: Vec<NotSelected>,
    /// The longest wait for one reply (`--reply-timeout`), in milliseconds.
    pub reply_timeout_ms: u64,
    /// The target's FAST token lifetime (`--fast-ttl`) in seconds, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fast_ttl_s: Option<u64>,
    /// The target's FAST rotation threshold (`--fast-min-ttl`) in seconds, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fast_min_ttl_s: Option<u64>,
    /// Whether the run can change a password (`--passwd-cmd`, or the embedded server's store);
    /// not the command itself.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub passwd_cmd: bool,
    /// The `--tls` choice: `both`, `1.2` or `1.3`.
    pub tls: String,
    /// The TLS versions the run used (selected and accepted by the target), e.g. `tls1.3`.
    pub tls_versions: Vec<String>,
    /// Modules the target was required to offer (`--require`).
    pub required: Vec<String>,
    /// The modules that have cases in this build (the HTML module filter lists these).
    pub modules: Vec<Module>,
    /// What capability discovery learnt; the JSON report writes it as the top-level
    /// `capabilities` object, every other report renders it first.
    #[serde(skip)]
    pub capabilities: std::sync::Arc<Capabilities>,
    /// The bytes of capability discovery (redacted unless `--no-redact`), so a failed or
    /// surprising probe can be read; the JSON report writes it as `capabilities.transcript`.
    #[serde(skip)]
    pub discovery: Vec<RenderedEntry>,
}

/// A case that was not run because of the selection.
#[derive(Debug, Clone, Serialize)]
pub struct NotSelected {
    /// Case id.
    pub id: String,
    /// Why it was left out.
    pub reason: String,
}

/// The record of one finished case.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseResult {
    /// Result id: the case id plus the variant suffix (`scram.nonce@sasl@tls1.2`).
    pub id: String,
    /// The case id without the variant suffix.
    pub base_id: String,
    /// The profile this variant ran over, when the case runs per profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// The TLS version this variant ran under (`tls1.2`/`tls1.3`), when the case runs per version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<String>,
    /// Module.
    pub module: Module,
    /// Set on results of the advisory security group (a fail/warn there is a finding).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub advisory: bool,
    /// Title.
    pub title: String,
    /// Level of the case.
    pub level: Level,
    /// Requirement ids cited.
    pub requirements: Vec<String>,
    /// What the spec requires.
    pub requires: String,
    /// Accepted alternatives.
    pub accepts: Vec<String>,
    /// The outcome the body returned (or the runner made: timeout, panic, missing capability).
    pub outcome: Outcome,
    /// Status after `--strict` and the baseline.
    pub status: Status,
    /// The baseline entry, if listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Known>,
    /// Per-case seed (a string in JSON).
    #[serde(serialize_with = "u64_as_string")]
    pub seed: u64,
    /// Wall-clock start, RFC 3339 UTC.
    pub started: String,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// The transcript, redacted unless `--no-redact`.
    pub transcript: Vec<RenderedEntry>,
}

/// Totals and scores of a finished run.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// Wall-clock end, RFC 3339 UTC.
    pub finished: String,
    /// Duration in milliseconds.
    pub duration_ms: u64,
    /// Count of cases per status label.
    pub counts: BTreeMap<String, usize>,
    /// MUST-level cases that passed (known failures count as not passed).
    pub must_passed: usize,
    /// MUST-level cases that ran to a verdict.
    pub must_applicable: usize,
    /// SHOULD-level cases that passed.
    pub should_passed: usize,
    /// SHOULD-level cases that ran to a verdict.
    pub should_applicable: usize,
    /// Cases that ran to a verdict about the target (pass, fail, warn, known failure, stale).
    pub exercised: usize,
    /// Set when the liveness oracle failed: after which case (or module) the target stopped
    /// serving. The text summary's first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Modules given to `--require` that the target does not offer.
    pub required_missing: Vec<String>,
    /// Process exit code for this run.
    pub exit_code: i32,
    /// The advisory security group (`--security`), when it ran: counted here and nowhere else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<AdvisorySummary>,
}

/// Totals of the advisory security group: findings are not conformance verdicts, so they have
/// their own counts, apart from `counts`, the scores and (unless `--strict-security`) the exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvisorySummary {
    /// Advisory cases that ran.
    pub cases: usize,
    /// Cases that found a weakness (status `fail` or `warn`).
    pub findings: usize,
    /// Cases that found none (`pass`).
    pub passed: usize,
    /// Cases that could not decide (error, skip, unsupported, not run).
    pub undecided: usize,
    /// Whether `--strict-security` made findings fail the run.
    pub strict: bool,
}

impl CaseResult {
    /// Whether the result belongs to the advisory security group.
    pub fn is_advisory(&self) -> bool {
        self.module.is_advisory()
    }

    /// Whether an advisory result is a finding (the body returned `fail` or `warn`).
    pub fn is_finding(&self) -> bool {
        self.is_advisory() && matches!(self.status, Status::Fail | Status::Warn)
    }
}

impl RunSummary {
    /// Build totals from case results.
    pub fn from_results(results: &[CaseResult], finished: String, duration_ms: u64) -> RunSummary {
        let mut s = RunSummary {
            finished,
            duration_ms,
            ..RunSummary::default()
        };
        for st in crate::status::Status::ALL {
            s.counts.insert(st.as_str().to_owned(), 0);
        }
        let advisory: Vec<&CaseResult> = results.iter().filter(|r| r.is_advisory()).collect();
        if !advisory.is_empty() {
            s.advisory = Some(AdvisorySummary {
                cases: advisory.len(),
                findings: advisory.iter().filter(|r| r.is_finding()).count(),
                passed: advisory.iter().filter(|r| r.status == Status::Pass).count(),
                undecided: advisory
                    .iter()
                    .filter(|r| !r.is_finding() && r.status != Status::Pass)
                    .count(),
                strict: false,
            });
        }
        for r in results.iter().filter(|r| !r.is_advisory()) {
            *s.counts.entry(r.status.as_str().to_owned()).or_insert(0) += 1;
            if !r.status.is_applicable() {
                continue;
            }
            let passed = matches!(r.status, Status::Pass);
            if r.level.is_must() {
                s.must_applicable += 1;
                s.must_passed += usize::from(passed);
            } else if r.level.is_should() {
                s.should_applicable += 1;
                s.should_passed += usize::from(passed);
            }
        }
        s.exercised = results
            .iter()
            .filter(|r| !r.is_advisory() && r.status.is_applicable())
            .count();
        s.exit_code = crate::status::exit_code(conformance_statuses(results));
        s
    }

    /// Apply the run-level facts (stopped target, `--require`) and recompute the exit code.
    pub fn with_facts(
        mut self,
        results: &[CaseResult],
        stopped: Option<String>,
        required: bool,
        required_missing: Vec<String>,
    ) -> RunSummary {
        let facts = crate::status::RunFacts {
            stopped: stopped.is_some(),
            required,
            missing_required: required_missing.clone(),
            exercised: self.exercised,
        };
        self.exit_code = crate::status::run_exit_code(conformance_statuses(results), &facts);
        self.stopped = stopped;
        self.required_missing = required_missing;
        self
    }

    /// `--strict-security`: any advisory finding makes the exit code at least 1.
    pub fn with_strict_security(mut self, strict: bool) -> RunSummary {
        if let Some(a) = &mut self.advisory {
            a.strict = strict;
            if strict && a.findings > 0 && self.exit_code == crate::status::EXIT_OK {
                self.exit_code = crate::status::EXIT_FAILED;
            }
        }
        self
    }

    /// Count for one status.
    pub fn count(&self, st: Status) -> usize {
        self.counts.get(st.as_str()).copied().unwrap_or(0)
    }
}

/// One event of a run.
#[derive(Debug, Clone)]
pub enum Event {
    /// The run starts.
    RunStarted(RunMeta),
    /// A case starts.
    CaseStarted {
        /// Case id.
        id: String,
    },
    /// A case finished.
    CaseFinished(Box<CaseResult>),
    /// The run finished.
    RunFinished(RunSummary),
}

/// Everything about a run, collected from its events; what file reports render.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// Metadata.
    pub meta: RunMeta,
    /// Results sorted by module then id, so reports are stable whatever the parallelism.
    pub results: Vec<CaseResult>,
    /// Totals.
    pub summary: RunSummary,
}

/// Collects events into a [`RunRecord`].
#[derive(Debug, Default)]
pub struct Collector {
    meta: Option<RunMeta>,
    results: Vec<CaseResult>,
    summary: Option<RunSummary>,
}

impl Collector {
    /// Feed one event.
    pub fn push(&mut self, ev: &Event) {
        match ev {
            Event::RunStarted(m) => self.meta = Some(m.clone()),
            Event::CaseStarted { .. } => {}
            Event::CaseFinished(r) => self.results.push((**r).clone()),
            Event::RunFinished(s) => self.summary = Some(s.clone()),
        }
    }

    /// The record, once both the start and finish events were seen.
    pub fn record(&self) -> Option<RunRecord> {
        let mut results = self.results.clone();
        results.sort_by(|a, b| (a.module, &a.id).cmp(&(b.module, &b.id)));
        Some(RunRecord {
            meta: self.meta.clone()?,
            results,
            summary: self.summary.clone()?,
        })
    }
}

/// The statuses that decide the exit code: every result but the advisory ones.
fn conformance_statuses(results: &[CaseResult]) -> impl Iterator<Item = Status> + '_ {
    results
        .iter()
        .filter(|r| !r.is_advisory())
        .map(|r| r.status)
}

fn u64_as_string<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}
