//! From a case's verdict to its status in the run, applying `--strict` and the baseline, and from the
//! statuses to the exit code.

use crate::outcome::Verdict;
use serde::Serialize;

/// The status of a case in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed (a MUST, an error, or a warning under `--strict`).
    Fail,
    /// SHOULD violated (not strict).
    Warn,
    /// Feature not offered.
    Unsupported,
    /// Precondition missing.
    Skip,
    /// The suite could not run the case.
    Error,
    /// Failed, but listed in the baseline: does not fail the run.
    KnownFailure,
    /// Listed in the baseline but passed: the entry is stale and fails the run.
    Stale,
    /// Not run: the target stopped serving before the case's turn (see the run summary).
    NotRun,
}

impl Status {
    /// All statuses in report order.
    pub const ALL: [Status; 9] = [
        Status::Pass,
        Status::Fail,
        Status::Error,
        Status::Stale,
        Status::Warn,
        Status::KnownFailure,
        Status::Unsupported,
        Status::Skip,
        Status::NotRun,
    ];

    /// Label used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Unsupported => "unsupported",
            Status::Skip => "skip",
            Status::Error => "error",
            Status::KnownFailure => "known-failure",
            Status::Stale => "stale",
            Status::NotRun => "not-run",
        }
    }

    /// Whether this status makes the run exit with 1.
    pub fn fails_run(self) -> bool {
        matches!(self, Status::Fail | Status::Error | Status::Stale)
    }

    /// Whether the case ran to a verdict about the target (counts towards MUST/SHOULD scores).
    pub fn is_applicable(self) -> bool {
        !matches!(
            self,
            Status::Unsupported | Status::Skip | Status::Error | Status::NotRun
        )
    }
}

/// Combine a verdict with `--strict` and whether the case is in the baseline.
///
/// A failing verdict is fail, error, or warn under `--strict`. A baselined case that fails is a known
/// failure; a baselined case that passes (or only warns without `--strict`) is stale; skip and
/// unsupported are left as they are, since they say nothing about whether the bug is fixed.
pub fn resolve(verdict: Verdict, strict: bool, baselined: bool) -> Status {
    let failing = match verdict {
        Verdict::Fail | Verdict::Error => true,
        Verdict::Warn => strict,
        _ => false,
    };
    match (verdict, baselined, failing) {
        (_, true, true) => Status::KnownFailure,
        (Verdict::Pass | Verdict::Warn, true, false) => Status::Stale,
        (Verdict::Pass, _, _) => Status::Pass,
        (Verdict::Fail, _, _) => Status::Fail,
        (Verdict::Warn, _, true) => Status::Fail,
        (Verdict::Warn, _, false) => Status::Warn,
        (Verdict::Unsupported, _, _) => Status::Unsupported,
        (Verdict::Skip, _, _) => Status::Skip,
        (Verdict::Error, _, _) => Status::Error,
        (Verdict::NotRun, _, _) => Status::NotRun,
    }
}

/// Exit status: the run finished and nothing failed.
pub const EXIT_OK: i32 = 0;
/// Exit status: a case failed or errored, a baseline entry is stale, or the target stopped
/// serving during the run.
pub const EXIT_FAILED: i32 = 1;
/// Exit status: the run could not start (bad arguments, unreachable target, bad baseline).
pub const EXIT_CANNOT_START: i32 = 2;
/// Exit status: `--require` was not met — a required module is not offered by the target, or
/// no case exercised the target at all. Takes precedence over [`EXIT_FAILED`], because the
/// verdicts of a run against the wrong target are not the point.
pub const EXIT_REQUIRE_UNMET: i32 = 3;

/// Process exit code for a finished run from its case statuses alone: 0 when nothing failed, 1
/// when a case failed, errored or a baseline entry is stale.
pub fn exit_code(statuses: impl IntoIterator<Item = Status>) -> i32 {
    if statuses.into_iter().any(Status::fails_run) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// Run-level facts that decide the exit code beside the case statuses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFacts {
    /// The target stopped serving (the liveness oracle failed).
    pub stopped: bool,
    /// `--require` was given.
    pub required: bool,
    /// Required modules the target does not offer.
    pub missing_required: Vec<String>,
    /// Cases that ran to a verdict about the target.
    pub exercised: usize,
}

/// The exit code of a run: [`EXIT_REQUIRE_UNMET`] when `--require` is unmet (a required module
/// missing, or nothing exercised), else [`EXIT_FAILED`] when a case failed or the target
/// stopped serving, else [`EXIT_OK`].
pub fn run_exit_code(statuses: impl IntoIterator<Item = Status>, facts: &RunFacts) -> i32 {
    if !facts.missing_required.is_empty() || (facts.required && facts.exercised == 0) {
        EXIT_REQUIRE_UNMET
    } else if facts.stopped {
        EXIT_FAILED
    } else {
        exit_code(statuses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_turns_warn_into_fail() {
        assert_eq!(resolve(Verdict::Warn, false, false), Status::Warn);
        assert_eq!(resolve(Verdict::Warn, true, false), Status::Fail);
    }

    #[test]
    fn baseline_logic() {
        assert_eq!(resolve(Verdict::Fail, false, true), Status::KnownFailure);
        assert_eq!(resolve(Verdict::Error, false, true), Status::KnownFailure);
        assert_eq!(resolve(Verdict::Pass, false, true), Status::Stale);
        assert_eq!(resolve(Verdict::Warn, false, true), Status::Stale);
        assert_eq!(resolve(Verdict::Warn, true, true), Status::KnownFailure);
        assert_eq!(resolve(Verdict::Skip, false, true), Status::Skip);
        assert_eq!(
            resolve(Verdict::Unsupported, true, true),
            Status::Unsupported
        );
        assert_eq!(resolve(Verdict::NotRun, false, true), Status::NotRun);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(
            exit_code([
                Status::Pass,
                Status::Warn,
                Status::Skip,
                Status::Unsupported
            ]),
            0
        );
        assert_eq!(exit_code([Status::Pass, Status::KnownFailure]), 0);
        assert_eq!(exit_code([Status::Pass, Status::Fail]), 1);
        assert_eq!(exit_code([Status::Stale]), 1);
        assert_eq!(exit_code([Status::Error]), 1);
        assert_eq!(exit_code([]), 0);
        assert_eq!(exit_code([Status::NotRun, Status::Pass]), 0);
    }

    #[test]
    fn run_level_exit_codes() {
        let ok = RunFacts {
            exercised: 1,
            ..RunFacts::default()
        };
        assert_eq!(run_exit_code([Status::Pass], &ok), EXIT_OK);
        let stopped = RunFacts {
            stopped: true,
            ..ok.clone()
        };
        assert_eq!(run_exit_code([Status::Pass], &stopped), EXIT_FAILED);
        let missing = RunFacts {
            required: true,
            missing_required: vec!["sasl2".into()],
            ..ok.clone()
        };
        assert_eq!(run_exit_code([Status::Fail], &missing), EXIT_REQUIRE_UNMET);
        let idle = RunFacts {
            required: true,
            exercised: 0,
            ..RunFacts::default()
        };
        assert_eq!(
            run_exit_code([Status::Unsupported], &idle),
            EXIT_REQUIRE_UNMET
        );
        let idle_free = RunFacts::default();
        assert_eq!(run_exit_code([Status::Unsupported], &idle_free), EXIT_OK);
    }
}
