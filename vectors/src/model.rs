//! Typed serde models of the vector file format, mirroring `schema.json`. Every object is
//! `deny_unknown_fields`, so a misspelt or unexpected field is a load error rather than a
//! silently ignored input, exactly as the schema's closed objects demand.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The envelope every vector file shares. Groups stay raw JSON here because their shape depends
/// on `algorithm`; [`crate::family`] parses them into the family's typed group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VectorFile {
    /// Selects the family (and so the group/test shape).
    pub algorithm: Algorithm,
    /// `"2"` (version 1 required `error` on every non-valid SCRAM/DCR/invite test); checked so
    /// another format is not misread.
    pub schema_version: String,
    /// Citations for published vectors and the generator.
    pub source: Vec<String>,
    /// Every flag a test uses, with one sentence of meaning.
    pub notes: BTreeMap<String, String>,
    /// Declared test count; must equal the tests present.
    pub number_of_tests: usize,
    /// Family-specific groups, parsed later.
    pub test_groups: Vec<serde_json::Value>,
}

/// The `algorithm` values of schema.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum Algorithm {
    /// SCRAM-SHA-1 exchanges (RFC 5802).
    #[serde(rename = "SCRAM-SHA-1")]
    ScramSha1,
    /// SCRAM-SHA-256 exchanges (RFC 7677).
    #[serde(rename = "SCRAM-SHA-256")]
    ScramSha256,
    /// SCRAM-SHA-512 exchanges.
    #[serde(rename = "SCRAM-SHA-512")]
    ScramSha512,
    /// HT-* token mechanisms (XEP-0484).
    #[serde(rename = "HT")]
    Ht,
    /// XEP-0474 downgrade-protection hashes.
    #[serde(rename = "XEP-0474")]
    Xep0474,
    /// Stateless RFC 7591 client registration.
    #[serde(rename = "StatelessDcr")]
    StatelessDcr,
    /// RFC 4013 SASLprep.
    #[serde(rename = "SASLprep")]
    Saslprep,
    /// RFC 6122 Nodeprep.
    #[serde(rename = "Nodeprep")]
    Nodeprep,
    /// XEP-0082 dates and times.
    #[serde(rename = "XEP-0082")]
    Xep0082,
    /// XEP-0401/0379 invitation URIs.
    #[serde(rename = "InviteUri")]
    InviteUri,
}

/// What an implementation must do with a test (README "Result semantics").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// Must accept and produce exactly the stated outputs.
    Valid,
    /// Must reject (for the stated reason, where given).
    Invalid,
    /// Either behaviour conforms; a checker must not fail on either.
    Acceptable,
}

/// The fields every test carries, extracted by each family for reporting and flag checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestMeta {
    /// Unique, increasing test id within the file.
    pub tc_id: u64,
    /// The expected result.
    pub result: Expect,
    /// Flags naming what the test exercises; each must be declared in `notes`.
    pub flags: Vec<String>,
}

/// Implemented by every family's test type so structure checks are written once.
pub trait HasMeta {
    /// The common test fields.
    fn meta(&self) -> TestMeta;
}

/// Implements [`HasMeta`] for test structs that have `tc_id`, `result` and `flags` fields.
macro_rules! impl_meta {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::model::HasMeta for $t {
            fn meta(&self) -> $crate::model::TestMeta {
                $crate::model::TestMeta {
                    tc_id: self.tc_id,
                    result: self.result,
                    flags: self.flags.clone(),
                }
            }
        }
    )*};
}
pub(crate) use impl_meta;
