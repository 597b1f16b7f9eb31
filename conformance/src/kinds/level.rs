//! Requirement strength and observability, as the digest marks them.

use serde::{Deserialize, Serialize};

/// How strong a requirement is; decides whether a violation fails or warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// Absolute requirement: violation is a failure.
    #[serde(rename = "MUST")]
    Must,
    /// Absolute prohibition: violation is a failure.
    #[serde(rename = "MUST NOT")]
    MustNot,
    /// Recommended: violation is a warning.
    #[serde(rename = "SHOULD")]
    Should,
    /// Recommended against: violation is a warning.
    #[serde(rename = "SHOULD NOT")]
    ShouldNot,
    /// RFC 2119 RECOMMENDED (same weight as SHOULD).
    #[serde(rename = "RECOMMENDED")]
    Recommended,
    /// Optional: absence is `unsupported`, never a failure.
    #[serde(rename = "MAY")]
    May,
    /// A rule for clients, listed so the suite's client behaves; not checked against servers.
    #[serde(rename = "CLIENT")]
    Client,
    /// A definition the spec states without a keyword.
    #[serde(rename = "defn")]
    Defn,
    /// Implied by the spec text or required for consistency.
    #[serde(rename = "implied")]
    Implied,
    /// Derived by the digest from other rules or common implementation practice.
    #[serde(rename = "derived")]
    Derived,
}

impl Level {
    /// MUST or MUST NOT: a violation fails the case.
    pub fn is_must(self) -> bool {
        matches!(self, Level::Must | Level::MustNot)
    }

    /// SHOULD, SHOULD NOT or RECOMMENDED: a violation warns (fails under `--strict`).
    pub fn is_should(self) -> bool {
        matches!(self, Level::Should | Level::ShouldNot | Level::Recommended)
    }

    /// Rank used to pick a case's level from the requirements it cites: lower is stronger.
    pub fn strength(self) -> u8 {
        match self {
            Level::Must | Level::MustNot => 0,
            Level::Should | Level::ShouldNot | Level::Recommended => 1,
            Level::Defn | Level::Implied | Level::Derived => 2,
            Level::May => 3,
            Level::Client => 4,
        }
    }

    /// The label used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::MustNot => "MUST NOT",
            Level::Should => "SHOULD",
            Level::ShouldNot => "SHOULD NOT",
            Level::Recommended => "RECOMMENDED",
            Level::May => "MAY",
            Level::Client => "CLIENT",
            Level::Defn => "defn",
            Level::Implied => "implied",
            Level::Derived => "derived",
        }
    }

    /// The score bucket a level belongs to in summaries: `MUST`, `SHOULD` or `OTHER`.
    pub fn bucket(self) -> &'static str {
        if self.is_must() {
            "MUST"
        } else if self.is_should() {
            "SHOULD"
        } else {
            "OTHER"
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a requirement can be observed (digest §0.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Testability {
    /// Black-box over a c2s connection.
    #[serde(rename = "BB")]
    Bb,
    /// Black-box with a particular server configuration.
    #[serde(rename = "BB-cfg")]
    BbCfg,
    /// Black-box after waiting for an expiry.
    #[serde(rename = "BB-time")]
    BbTime,
    /// Black-box with TLS 1.3 early data.
    #[serde(rename = "BB-0RTT")]
    Bb0Rtt,
    /// Black-box over HTTPS.
    #[serde(rename = "BB-HTTP")]
    BbHttp,
    /// Only partly observable.
    #[serde(rename = "PART")]
    Part,
    /// White-box only: code review or unit tests.
    #[serde(rename = "WB")]
    Wb,
    /// A client-side rule.
    #[serde(rename = "CLIENT")]
    Client,
}

impl Testability {
    /// Whether a case over the wire can check (at least a symptom of) the requirement.
    pub fn is_black_box(self) -> bool {
        !matches!(self, Testability::Wb | Testability::Client)
    }

    /// The digest's tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Testability::Bb => "BB",
            Testability::BbCfg => "BB-cfg",
            Testability::BbTime => "BB-time",
            Testability::Bb0Rtt => "BB-0RTT",
            Testability::BbHttp => "BB-HTTP",
            Testability::Part => "PART",
            Testability::Wb => "WB",
            Testability::Client => "CLIENT",
        }
    }
}
