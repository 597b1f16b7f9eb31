//! Helpers shared by the integration tests: the repository's vector directory and the same
//! one-byte mutation `test_check.py` applies, so both checkers are tested on identical input.

#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;

/// `vectors/` in this checkout (the crate's own directory).
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Per algorithm: the path (inside a valid test) to one expected output, as in test_check.py.
pub fn expected_path(algorithm: &str) -> &'static [&'static str] {
    match algorithm {
        "SCRAM-SHA-1" => &["intermediates", "serverSignature"],
        "SCRAM-SHA-256" => &["intermediates", "clientProof"],
        "SCRAM-SHA-512" => &["intermediates", "storedKey"],
        "HT" => &["initiatorHmac"],
        "XEP-0474" => &["value"],
        "StatelessDcr" => &["clientSecret"],
        "InviteUri" => &["expected", "jid"],
        "SASLprep" | "Nodeprep" => &["output"],
        "XEP-0082" => &["epochSeconds"],
        other => panic!("no expected path for {other}"),
    }
}

/// Changes exactly one character of a string (or adds one to a number), like test_check.py.
pub fn mutate(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::from(n.as_i64().expect("integer") + 1),
        Value::String(s) => {
            let mut chars: Vec<char> = s.chars().collect();
            let len = chars.len();
            if s.ends_with('=') && !s.ends_with("==") {
                chars[len - 2] = if chars[len - 2] != 'A' { 'A' } else { 'B' };
            } else {
                let last = chars[len - 1];
                chars[len - 1] = match last {
                    '0' => '1',
                    'A' => 'B',
                    'a' => 'b',
                    '=' => 'A',
                    _ => '0',
                };
            }
            Value::String(chars.into_iter().collect())
        }
        other => panic!("cannot mutate {other}"),
    }
}

/// Mutates the expected output of the first valid test; returns the new document and its tcId.
pub fn mutate_first_valid(doc: &Value) -> (Value, u64) {
    let mut doc = doc.clone();
    let path = expected_path(doc["algorithm"].as_str().expect("algorithm"));
    let groups = doc["testGroups"].as_array_mut().expect("groups");
    let test = groups
        .iter_mut()
        .flat_map(|g| g["tests"].as_array_mut().expect("tests").iter_mut())
        .find(|t| t["result"] == "valid")
        .expect("a valid test");
    let tc_id = test["tcId"].as_u64().expect("tcId");
    let mut holder = &mut *test;
    for k in &path[..path.len() - 1] {
        holder = &mut holder[*k];
    }
    let last = path[path.len() - 1];
    holder[last] = mutate(&holder[last]);
    (doc, tc_id)
}

/// Every vector file as (name, parsed JSON).
pub fn files() -> Vec<(String, Value)> {
    gatecheck_vectors::EMBEDDED
        .iter()
        .map(|(n, t)| ((*n).to_owned(), serde_json::from_str(t).expect("JSON")))
        .collect()
}
