//! The format is closed: an unknown field at any level, an undeclared flag, a wrong test count
//! or a non-increasing tcId is a failure, never ignored.

mod common;

use gatecheck_vectors::check_str;
use serde_json::Value;

fn invite() -> Value {
    common::files()
        .into_iter()
        .find(|(n, _)| n == "invite-uri.json")
        .map(|(_, d)| d)
        .expect("invite-uri.json")
}

fn file_level_failure(doc: &Value) -> String {
    let report = check_str("invite-uri.json", &doc.to_string());
    assert!(!report.is_ok(), "accepted: {}", report.summary());
    report
        .failed
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn unmodified_file_passes() {
    let report = check_str("invite-uri.json", &invite().to_string());
    assert!(report.is_ok(), "{:?}", report.failed);
}

#[test]
fn unknown_fields_are_rejected_at_every_level() {
    let mut top = invite();
    top["extra"] = Value::from(1);
    assert!(file_level_failure(&top).contains("unknown field"));

    let mut group = invite();
    group["testGroups"][0]["hash"] = Value::from("SHA-256");
    assert!(file_level_failure(&group).contains("unknown field"));

    let mut test = invite();
    test["testGroups"][0]["tests"][0]["expectd"] = Value::from("x");
    assert!(file_level_failure(&test).contains("unknown field"));

    let mut nested = invite();
    nested["testGroups"][0]["tests"][0]["expected"]["domain"] = Value::from("x");
    assert!(file_level_failure(&nested).contains("unknown field"));
}

#[test]
fn undeclared_flag_is_rejected() {
    let mut doc = invite();
    doc["testGroups"][0]["tests"][0]["flags"] = serde_json::json!(["NoSuchFlag"]);
    assert!(file_level_failure(&doc).contains("NoSuchFlag"));
}

#[test]
fn unknown_result_and_algorithm_are_rejected() {
    let mut doc = invite();
    doc["testGroups"][0]["tests"][0]["result"] = Value::from("maybe");
    assert!(file_level_failure(&doc).contains("unknown variant"));
    let mut alg = invite();
    alg["algorithm"] = Value::from("SCRAM-MD5");
    assert!(file_level_failure(&alg).contains("unknown variant"));
}

#[test]
fn count_and_order_are_enforced() {
    let mut count = invite();
    count["numberOfTests"] = Value::from(99);
    assert!(file_level_failure(&count).contains("numberOfTests"));
    let mut order = invite();
    order["testGroups"][0]["tests"][1]["tcId"] = Value::from(1);
    assert!(file_level_failure(&order).contains("increasing"));
}

#[test]
fn a_directory_without_vectors_is_an_error() {
    let empty = std::env::temp_dir().join(format!("gatecheck-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("temp dir");
    let result = gatecheck_vectors::check_dir(&empty);
    std::fs::remove_dir_all(&empty).expect("clean up");
    assert!(matches!(
        result,
        Err(gatecheck_vectors::CheckError::NoVectors(_))
    ));
}
