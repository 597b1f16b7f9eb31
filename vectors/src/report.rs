//! Verdicts and the run report. A family checker reports what proto *did* with a test
//! ([`Observed`]); [`judge`] compares that with what the vector *expects*, once, for all families,
//! so `valid` / `invalid` / `acceptable` are handled identically everywhere.

use crate::model::{Algorithm, Expect};
use std::collections::BTreeMap;

/// What proto did with one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// Proto accepted the input; `Err` says which produced output differs from the vector.
    Accepted(Result<(), String>),
    /// Proto rejected the input; the reason in the vector's error vocabulary (see [`crate::errors`]).
    Rejected(String),
}

/// Decides whether an observation satisfies the vector: `Err` carries the reason it does not.
pub fn judge(expect: Expect, error: Option<&str>, observed: &Observed) -> Result<(), String> {
    match (expect, observed) {
        (Expect::Valid | Expect::Acceptable, Observed::Accepted(Err(why))) => {
            Err(format!("accepted but {why}"))
        }
        (Expect::Valid, Observed::Accepted(Ok(()))) => Ok(()),
        (Expect::Valid, Observed::Rejected(code)) => Err(format!("valid test rejected: {code}")),
        (Expect::Invalid, Observed::Accepted(_)) => Err("invalid test accepted".to_owned()),
        (Expect::Invalid, Observed::Rejected(code)) => match error {
            Some(want) if want != code => {
                Err(format!("rejected with {code}, vector expects {want}"))
            }
            _ => Ok(()),
        },
        (Expect::Acceptable, Observed::Accepted(Ok(())) | Observed::Rejected(_)) => Ok(()),
    }
}

/// One test (or one file, when `tc_id` is `None`) that did not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// File name the test came from.
    pub file: String,
    /// The test's `tcId`; `None` for file-level problems (bad JSON, count mismatch, ...).
    pub tc_id: Option<u64>,
    /// Human-readable reason.
    pub why: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.tc_id {
            Some(id) => write!(f, "{} tcId {}: {}", self.file, id, self.why),
            None => write!(f, "{}: {}", self.file, self.why),
        }
    }
}

/// The outcome of checking one or more files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Tests that passed.
    pub passed: usize,
    /// Everything that failed, in file and test order.
    pub failed: Vec<Failure>,
    /// Failures excused by [`crate::known::KNOWN_DISAGREEMENTS`] (reported, not counted as passed).
    pub known: Vec<Failure>,
    /// Tests passed per family, so callers can insist no family was silently skipped.
    pub passed_by_family: BTreeMap<Algorithm, usize>,
}

impl Report {
    /// Folds another report into this one.
    pub fn merge(&mut self, other: Report) {
        self.passed += other.passed;
        self.failed.extend(other.failed);
        self.known.extend(other.known);
        for (k, v) in other.passed_by_family {
            *self.passed_by_family.entry(k).or_default() += v;
        }
    }

    /// True when nothing failed.
    pub fn is_ok(&self) -> bool {
        self.failed.is_empty()
    }

    /// The one-line summary both checkers print: `N passed, N failed`, plus the number of
    /// documented disagreements when there are any.
    pub fn summary(&self) -> String {
        let mut s = format!("{} passed, {} failed", self.passed, self.failed.len());
        if !self.known.is_empty() {
            s.push_str(&format!(" ({} known disagreements)", self.known.len()));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceptable_passes_either_way_but_not_wrong_output() {
        let ok = Observed::Accepted(Ok(()));
        let rej = Observed::Rejected("x".into());
        let bad = Observed::Accepted(Err("fraction differs".into()));
        assert!(judge(Expect::Acceptable, None, &ok).is_ok());
        assert!(judge(Expect::Acceptable, None, &rej).is_ok());
        assert!(judge(Expect::Acceptable, None, &bad).is_err());
    }

    #[test]
    fn invalid_needs_the_stated_reason() {
        let rej = Observed::Rejected("invalid-proof".into());
        assert!(judge(Expect::Invalid, Some("invalid-proof"), &rej).is_ok());
        assert!(judge(Expect::Invalid, Some("nonce-mismatch"), &rej).is_err());
        assert!(judge(Expect::Invalid, None, &rej).is_ok());
        assert!(judge(Expect::Invalid, None, &Observed::Accepted(Ok(()))).is_err());
    }

    #[test]
    fn valid_needs_acceptance_and_outputs() {
        assert!(judge(Expect::Valid, None, &Observed::Accepted(Ok(()))).is_ok());
        assert!(judge(Expect::Valid, None, &Observed::Rejected("x".into())).is_err());
        assert!(judge(Expect::Valid, None, &Observed::Accepted(Err("y".into()))).is_err());
    }
}
