//! SASLprep and Nodeprep vectors: SASLprep through `proto::sasl::saslprep` (stored vs query mode),
//! Nodeprep through `proto::jid::prepare_localpart` (stored) and `prepare_localpart_query` (query).

use crate::errors::{nodeprep_code, saslprep_code};
use crate::model::{Expect, impl_meta};
use crate::report::Observed;
use gatecheck_proto::jid;
use gatecheck_proto::sasl::{PrepMode, saslprep};
use serde::Deserialize;

/// One (profile, string type) group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PrepGroup {
    /// Always `Stringprep`.
    #[serde(rename = "type")]
    pub kind: PrepType,
    /// Which profile.
    pub profile: Profile,
    /// RFC 3454 §7: `stored` prohibits unassigned code points, `query` allows them.
    pub string_type: StringType,
    /// The tests.
    pub tests: Vec<PrepTest>,
}

/// The group `type` tag.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum PrepType {
    /// The only value.
    Stringprep,
}

/// Stringprep profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Profile {
    /// RFC 4013.
    #[serde(rename = "SASLprep")]
    Saslprep,
    /// RFC 6122 appendix A.
    Nodeprep,
}

/// RFC 3454 §7 string types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StringType {
    /// Unassigned code points prohibited.
    Stored,
    /// Unassigned code points allowed.
    Query,
}

/// One stringprep test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepTest {
    /// Test id.
    #[serde(rename = "tcId")]
    pub tc_id: u64,
    /// What the test is.
    pub comment: String,
    /// The input string.
    pub input: String,
    /// The prepared string (valid tests).
    pub output: Option<String>,
    /// Every conforming output of an `acceptable` test whose spec is ambiguous (RFC 4013's
    /// overlapping B.1 / C.1.2 mapping of U+200B): preparation must succeed with one of these.
    #[serde(rename = "acceptableOutputs")]
    pub acceptable_outputs: Option<Vec<String>>,
    /// `prohibited`, `bidi`, `unassigned` or `empty` (invalid tests).
    pub error: Option<String>,
    /// Expected result.
    pub result: Expect,
    /// Flags.
    pub flags: Vec<String>,
}
impl_meta!(PrepTest);

impl super::Group for PrepGroup {
    type Test = PrepTest;
    fn tests(&self) -> &[PrepTest] {
        &self.tests
    }
    fn observe<'a>(&self, t: &'a PrepTest) -> (Option<&'a str>, Observed) {
        let prepared = match (self.profile, self.string_type) {
            (Profile::Saslprep, st) => {
                let mode = match st {
                    StringType::Stored => PrepMode::Stored,
                    StringType::Query => PrepMode::Query,
                };
                saslprep(&t.input, mode)
                    .map(|s| s.into_owned())
                    .map_err(|e| saslprep_code(&e))
            }
            (Profile::Nodeprep, StringType::Stored) => {
                jid::prepare_localpart(&t.input).map_err(|e| nodeprep_code(&t.input, &e))
            }
            (Profile::Nodeprep, StringType::Query) => {
                jid::prepare_localpart_query(&t.input).map_err(|e| nodeprep_code(&t.input, &e))
            }
        };
        let observed = match (&t.acceptable_outputs, prepared) {
            (Some(_), _) if t.result != Expect::Acceptable => Observed::Accepted(Err(
                "acceptableOutputs is only allowed on acceptable tests".to_owned(),
            )),
            (Some(alts), _) if alts.len() < 2 || t.output.is_some() || t.error.is_some() => {
                Observed::Accepted(Err(
                    "acceptableOutputs needs two or more outputs and no output/error".to_owned(),
                ))
            }
            // Both readings of the spec prepare the string; a rejection conforms to neither.
            (Some(alts), Err(code)) => {
                Observed::Accepted(Err(format!("rejected ({code}); expected one of {alts:?}")))
            }
            (Some(alts), Ok(out)) => Observed::Accepted(if alts.contains(&out) {
                Ok(())
            } else {
                Err(format!("output is {out:?}, not one of {alts:?}"))
            }),
            (None, Err(code)) => Observed::Rejected(code),
            (None, Ok(out)) => Observed::Accepted(match &t.output {
                Some(want) => super::same("output", out.as_str(), want.as_str()),
                None if t.result == Expect::Valid => Err("valid test lacks output".to_owned()),
                None => Ok(()),
            }),
        };
        (t.error.as_deref(), observed)
    }
}
