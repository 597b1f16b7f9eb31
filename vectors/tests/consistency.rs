//! Every non-valid SCRAM vector is wrong in exactly the flagged respect (README "Result
//! semantics"): a stale proof, or a flagged defect that is not there, fails the Rust checker, and
//! `check.py` (test_check.py's `ConsistencyTests`) fails the same edits.

mod common;

use gatecheck_vectors::check_str;
use serde_json::Value;

fn scram256() -> Value {
    common::files()
        .into_iter()
        .find(|(n, _)| n == "scram-sha-256.json")
        .map(|(_, d)| d)
        .expect("scram-sha-256.json")
}

/// The first test carrying `flag`, mutably.
fn with_flag<'a>(doc: &'a mut Value, flag: &str) -> &'a mut Value {
    doc["testGroups"][0]["tests"]
        .as_array_mut()
        .expect("tests")
        .iter_mut()
        .find(|t| {
            t["flags"]
                .as_array()
                .is_some_and(|f| f.iter().any(|x| x == flag))
        })
        .expect("a test with the flag")
}

fn failures(doc: &Value) -> String {
    let report = check_str("scram-sha-256.json", &doc.to_string());
    report
        .failed
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn committed_file_is_consistent() {
    assert_eq!(failures(&scram256()), "");
}

#[test]
fn stale_proof_is_a_second_defect() {
    // What tcId 11 looked like before issue 17: the base exchange's proof under another client nonce.
    let mut doc = scram256();
    let t = with_flag(&mut doc, "NonceNotExtended");
    let cf = t["clientFirst"].as_str().expect("clientFirst").to_owned();
    t["clientFirst"] = Value::from(cf.replace("otherClientNonce", "otherClientNonce2"));
    let why = failures(&doc);
    assert!(
        why.contains("otherwise inconsistent: proof, serverFinal"),
        "{why}"
    );
}

#[test]
fn an_unflagged_defect_fails() {
    // A c= mismatch relabelled as a wrong proof: the real defect is no longer the flagged one.
    let mut doc = scram256();
    let t = with_flag(&mut doc, "ChannelBindingMismatch");
    t["flags"] = serde_json::json!(["WrongProof", "ChannelBinding"]);
    let why = failures(&doc);
    assert!(why.contains("otherwise inconsistent: cbind"), "{why}");
}

#[test]
fn the_named_defect_must_be_present() {
    // Flag y against a channel-binding server, also claiming a wrong proof it does not have.
    let mut doc = scram256();
    let t = with_flag(&mut doc, "FlagYWithServerCb");
    t["flags"] = serde_json::json!(["FlagYWithServerCb", "WrongProof"]);
    let why = failures(&doc);
    assert!(
        why.contains("named defect (proof, serverFinal) is not present"),
        "{why}"
    );
}
