//! One checker per vector family, each driving proto's real API. [`run`] picks the family by
//! `algorithm`, parses its groups with the family's closed (`deny_unknown_fields`) types and
//! returns one verdict per test, in file order.

pub mod datetime;
pub mod dcr;
pub mod ht;
pub mod invite;
pub mod prep;
pub mod scram;
pub mod scram_audit;
pub mod scram_run;
pub mod ssdp;

use crate::model::{Algorithm, HasMeta, TestMeta, VectorFile};
use crate::report::{Observed, judge};
use serde::de::DeserializeOwned;

/// A test's common fields with its verdict (`Err` = why it failed).
pub type Outcome = (TestMeta, Result<(), String>);

/// A family's group: its tests plus the per-group parameters each test is checked under.
pub trait Group: DeserializeOwned {
    /// The family's test type.
    type Test: HasMeta;
    /// The group's tests, in order.
    fn tests(&self) -> &[Self::Test];
    /// Drives one test through proto; returns the vector's expected `error` and what proto did.
    fn observe<'a>(&self, test: &'a Self::Test) -> (Option<&'a str>, Observed);
    /// Checks a test's own consistency beyond what proto observes (SCRAM: a non-valid exchange is
    /// wrong only where its flags say). `Err` fails the test even when the verdict passes.
    fn audit(&self, _test: &Self::Test) -> Result<(), String> {
        Ok(())
    }
}

/// Parses and checks a file's groups with the family selected by `algorithm`.
pub fn run(file: &VectorFile) -> Result<Vec<Outcome>, serde_json::Error> {
    match file.algorithm {
        Algorithm::Xep0082 => run_groups::<datetime::DtGroup>(&file.test_groups),
        Algorithm::InviteUri => run_groups::<invite::InviteGroup>(&file.test_groups),
        Algorithm::ScramSha1 | Algorithm::ScramSha256 | Algorithm::ScramSha512 => {
            run_groups::<scram::ScramGroup>(&file.test_groups)
        }
        Algorithm::StatelessDcr => run_groups::<dcr::DcrGroup>(&file.test_groups),
        Algorithm::Ht => run_groups::<ht::HtGroup>(&file.test_groups),
        Algorithm::Xep0474 => run_groups::<ssdp::SsdpGroup>(&file.test_groups),
        Algorithm::Saslprep | Algorithm::Nodeprep => {
            run_groups::<prep::PrepGroup>(&file.test_groups)
        }
    }
}

fn run_groups<G: Group>(groups: &[serde_json::Value]) -> Result<Vec<Outcome>, serde_json::Error> {
    let mut out = Vec::new();
    for raw in groups {
        let group = G::deserialize(raw)?;
        for test in group.tests() {
            let meta = test.meta();
            let (error, observed) = group.observe(test);
            let verdict = judge(meta.result, error, &observed).and_then(|()| group.audit(test));
            out.push((meta, verdict));
        }
    }
    Ok(out)
}

/// Compares one produced value with the vector's, naming the field on mismatch.
pub(crate) fn same<T: PartialEq + std::fmt::Debug>(
    field: &str,
    got: T,
    want: T,
) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{field} is {got:?}, vector says {want:?}"))
    }
}

/// Decodes lowercase hex from a vector (the schema allows nothing else).
pub(crate) fn hex(field: &str, s: &str) -> Result<Vec<u8>, String> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(format!("{field} is not lowercase hex"));
    }
    bytes
        .chunks_exact(2)
        .map(|p| match p {
            [hi, lo] => digit(*hi).zip(digit(*lo)).map(|(h, l)| h << 4 | l),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| format!("{field} is not lowercase hex"))
}

/// Lowercase hex of produced bytes, for comparison with a vector field.
pub(crate) fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Strict standard base64 from a vector, via proto's decoder.
pub(crate) fn b64(field: &str, s: &str) -> Result<Vec<u8>, String> {
    gatecheck_proto::sasl::base64::decode_strict(s.as_bytes())
        .map_err(|e| format!("{field} is not strict base64: {e}"))
}
