//! A vector changed by one byte makes the Rust checker fail on that test (every family), and
//! makes `check.py` fail too: both checkers see the identical mutated document.

mod common;

use gatecheck_vectors::check_str;
use std::process::Command;

#[test]
fn one_byte_change_of_an_expected_value_fails_each_family() {
    for (name, doc) in common::files() {
        let (mutated, tc_id) = common::mutate_first_valid(&doc);
        let report = check_str(&name, &mutated.to_string());
        assert!(
            report.failed.iter().any(|f| f.tc_id == Some(tc_id)),
            "{name}: mutating tcId {tc_id} went unnoticed ({})",
            report.summary()
        );
    }
}

#[test]
fn changed_error_code_fails() {
    for (name, mut doc) in common::files() {
        let groups = doc["testGroups"].as_array_mut().expect("groups");
        let Some(test) = groups
            .iter_mut()
            .flat_map(|g| g["tests"].as_array_mut().expect("tests").iter_mut())
            .find(|t| t.get("error").is_some())
        else {
            continue;
        };
        let tc_id = test["tcId"].as_u64().expect("tcId");
        test["error"] = if test["error"] == "other-error" {
            "invalid-proof"
        } else {
            "other-error"
        }
        .into();
        let report = check_str(&name, &doc.to_string());
        assert!(
            report.failed.iter().any(|f| f.tc_id == Some(tc_id)),
            "{name}: a wrong error code on tcId {tc_id} went unnoticed"
        );
    }
}

#[test]
fn python_checker_fails_on_the_same_mutation() {
    let dir = std::env::temp_dir().join(format!("gatecheck-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, doc) in common::files() {
        // SCRAM files take the Python checker seconds each; one SCRAM family is enough here.
        if name.starts_with("scram-sha-1") || name.starts_with("scram-sha-512") {
            continue;
        }
        let (mutated, tc_id) = common::mutate_first_valid(&doc);
        let path = dir.join(&name);
        std::fs::write(&path, mutated.to_string()).expect("write");
        let out = Command::new("python3")
            .arg(common::dir().join("check.py"))
            .arg(&path)
            .output()
            .expect("python3 must be installed to cross-check vectors");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !out.status.success(),
            "{name}: check.py passed a mutated file"
        );
        assert!(
            stdout.contains(&format!("tcId {tc_id} ")),
            "{name}: {stdout}"
        );
        let rust = check_str(&name, &mutated.to_string());
        assert!(!rust.is_ok(), "{name}: the Rust checker passed it");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
