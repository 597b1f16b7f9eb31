//! XEP-0474 vectors through `proto::sasl::ssdp`: valid tests must hash to `value` (and `hashInput`
//! must be what hashes to it); an invalid `value` must not equal what proto computes, i.e. a
//! client comparing hashes would reject it.

use crate::model::{Expect, impl_meta};
use crate::report::Observed;
use gatecheck_proto::sasl::ScramHash;
use gatecheck_proto::sasl::scram::primitives;
use gatecheck_proto::sasl::ssdp;
use serde::Deserialize;

/// One (form, hash) group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsdpGroup {
    /// Always `SsdpHash`.
    #[serde(rename = "type")]
    pub kind: SsdpType,
    /// `h` (current) or `d` (legacy, pre-0.4).
    pub form: Form,
    /// The hash.
    pub hash: Hash,
    /// The tests.
    pub tests: Vec<SsdpTest>,
}

/// The group `type` tag.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum SsdpType {
    /// The only value.
    SsdpHash,
}

/// XEP-0474 value forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Form {
    /// `h=`: 0x1E between items, 0x1F between lists.
    #[serde(rename = "h")]
    Current,
    /// `d=`: `,` between items, `|` between lists.
    #[serde(rename = "d")]
    Legacy,
}

/// SCRAM hashes as spelt in the vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Hash {
    /// SHA-1.
    #[serde(rename = "SHA-1")]
    Sha1,
    /// SHA-256.
    #[serde(rename = "SHA-256")]
    Sha256,
    /// SHA-512.
    #[serde(rename = "SHA-512")]
    Sha512,
}

impl Hash {
    /// proto's equivalent.
    pub fn scram(self) -> ScramHash {
        match self {
            Self::Sha1 => ScramHash::Sha1,
            Self::Sha256 => ScramHash::Sha256,
            Self::Sha512 => ScramHash::Sha512,
        }
    }
}

/// One XEP-0474 test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SsdpTest {
    /// Test id.
    pub tc_id: u64,
    /// What the test is.
    pub comment: String,
    /// Advertised mechanisms, in advertised order.
    pub mechanisms: Vec<String>,
    /// Advertised channel-binding types (empty without XEP-0440).
    pub cb_types: Vec<String>,
    /// The exact hash input (valid tests).
    pub hash_input: Option<String>,
    /// base64 of the hash.
    pub value: String,
    /// Expected result.
    pub result: Expect,
    /// Flags.
    pub flags: Vec<String>,
}
impl_meta!(SsdpTest);

impl super::Group for SsdpGroup {
    type Test = SsdpTest;
    fn tests(&self) -> &[SsdpTest] {
        &self.tests
    }
    fn observe<'a>(&self, t: &'a SsdpTest) -> (Option<&'a str>, Observed) {
        let h = self.hash.scram();
        let computed = match self.form {
            Form::Current => ssdp::downgrade_hash(h, &t.mechanisms, &t.cb_types),
            Form::Legacy => ssdp::legacy_downgrade_hash(h, &t.mechanisms, &t.cb_types),
        };
        if computed != t.value {
            return (None, Observed::Rejected("hash-mismatch".to_owned()));
        }
        let outputs = match &t.hash_input {
            None if t.result == Expect::Valid => Err("valid test lacks hashInput".to_owned()),
            None => Ok(()),
            Some(input) => super::hex("hashInput", input).and_then(|bytes| {
                let of_input = gatecheck_proto::sasl::base64::encode(&primitives::hash(h, &bytes));
                super::same("hash of hashInput", of_input.as_str(), t.value.as_str())
            }),
        };
        (None, Observed::Accepted(outputs))
    }
}
