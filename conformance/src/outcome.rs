//! Verdicts and the outcome a case body returns, with helpers so bodies end in one readable line.

use serde::Serialize;

/// The verdict of one case (see `gatecheck requirements` and the README for what each means).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The target behaved as required (or in an accepted alternative way).
    Pass,
    /// A MUST / MUST NOT was violated.
    Fail,
    /// A SHOULD / SHOULD NOT was violated; `--strict` counts it as a failure.
    Warn,
    /// The target does not offer the optional feature under test.
    Unsupported,
    /// A precondition the user controls is missing (no account, no invite command, ...).
    Skip,
    /// The suite could not run the case (connection refused, timeout before the step under test).
    Error,
    /// Not run: the target stopped serving earlier in the run (the liveness oracle).
    NotRun,
}

impl Verdict {
    /// Lowercase label.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Unsupported => "unsupported",
            Verdict::Skip => "skip",
            Verdict::Error => "error",
            Verdict::NotRun => "not-run",
        }
    }
}

/// What a case body returns: the verdict and, for non-passes, the requirement and what was expected and seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// The requirement id violated (for fail / warn).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// What the spec requires to be seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What was actually seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Free-text explanation (why unsupported / skipped / errored, why only a warning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Outcome {
    fn bare(verdict: Verdict) -> Outcome {
        Outcome {
            verdict,
            requirement: None,
            expected: None,
            actual: None,
            message: None,
        }
    }

    /// Attach a free-text note to any outcome.
    pub fn with_message(mut self, msg: impl Into<String>) -> Outcome {
        self.message = Some(msg.into());
        self
    }
}

/// What a case body (and every helper a body calls) returns: `Ok` is the verdict reached at the
/// end, `Err` a verdict reached early, so helpers end the case with `?` (an `unsupported` when a
/// feature is missing, an `error` when a setup step failed, a `fail` found on the way). Both
/// sides are outcomes; the engine takes whichever arrives.
pub type Flow<T = Outcome> = Result<T, Outcome>;

/// The target behaved as required.
pub fn pass() -> Outcome {
    Outcome::bare(Verdict::Pass)
}

/// A MUST was violated: `req` is the requirement id, then what was expected and what was seen.
pub fn fail(req: &str, expected: impl Into<String>, actual: impl Into<String>) -> Outcome {
    Outcome {
        verdict: Verdict::Fail,
        requirement: Some(req.to_owned()),
        expected: Some(expected.into()),
        actual: Some(actual.into()),
        message: None,
    }
}

/// A SHOULD was violated; `why` says why it is only a warning or what the consequence is.
pub fn warn(
    req: &str,
    expected: impl Into<String>,
    actual: impl Into<String>,
    why: impl Into<String>,
) -> Outcome {
    Outcome {
        verdict: Verdict::Warn,
        requirement: Some(req.to_owned()),
        expected: Some(expected.into()),
        actual: Some(actual.into()),
        message: Some(why.into()),
    }
}

/// The optional feature under test is not offered by the target.
pub fn unsupported(why: impl Into<String>) -> Outcome {
    Outcome::bare(Verdict::Unsupported).with_message(why)
}

/// A precondition is missing.
pub fn skip(why: impl Into<String>) -> Outcome {
    Outcome::bare(Verdict::Skip).with_message(why)
}

/// The case could not be run.
pub fn error(why: impl Into<String>) -> Outcome {
    Outcome::bare(Verdict::Error).with_message(why)
}

/// The case was not run because the target stopped serving earlier in the run.
pub fn not_run(why: impl Into<String>) -> Outcome {
    Outcome::bare(Verdict::NotRun).with_message(why)
}
