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
}

impl Status {
    /// All statuses in report order.
    pub const ALL: [Status; 8] = [
        Status::Pass,
        Status::Fail,
        Status::Error,
        Status::Stale,
        Status::Warn,
        Status::KnownFailure,
        Status::Unsupported,
        Status::Skip,
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
        }
    }

    /// Whether this status makes the run exit with 1.
    pub fn fails_run(self) -> bool {
        matches!(self, Status::Fail | Status::Error | Status::Stale)
    }

    /// Whether the case ran to a verdict about the target (counts towards MUST/SHOULD scores).
    pub fn is_applicable(self) -> bool {
        !matches!(self, Status::Unsupported | Status::Skip | Status::Error)
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
    }
}

/// Process exit code for a finished run: 0 when nothing failed, 1 when a case failed, errored or a
/// baseline entry is stale.
pub fn exit_code(statuses: impl IntoIterator<Item = Status>) -> i32 {
    if statuses.into_iter().any(Status::fails_run) {
        1
    } else {
        0
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
    }
}
