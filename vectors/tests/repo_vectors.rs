//! The repository's vectors all pass through proto, no family is silently skipped, the embedded
//! copy equals the checkout, and the documented disagreements are exactly the ones that occur.

mod common;

use gatecheck_vectors::known::KNOWN_DISAGREEMENTS;
use gatecheck_vectors::{Algorithm, check_dir};

#[test]
fn every_vector_passes_and_every_family_ran() {
    let report = check_dir(&common::dir()).expect("read vectors/");
    let failures: Vec<String> = report.failed.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    let minimum = [
        (Algorithm::ScramSha1, 30),
        (Algorithm::ScramSha256, 30),
        (Algorithm::ScramSha512, 30),
        (Algorithm::Ht, 30),
        (Algorithm::Xep0474, 10),
        (Algorithm::StatelessDcr, 10),
        (Algorithm::Saslprep, 15),
        (Algorithm::Nodeprep, 10),
        (Algorithm::Xep0082, 25),
        (Algorithm::InviteUri, 20),
    ];
    for (family, min) in minimum {
        let got = report.passed_by_family.get(&family).copied().unwrap_or(0);
        assert!(
            got >= min,
            "{family:?}: only {got} tests passed, expected at least {min}"
        );
    }
    assert!(report.passed >= 240, "{}", report.summary());

    // The documented disagreements are exactly the ones that occur: a fixed one must be removed
    // from the list, a new one must be investigated.
    let mut got: Vec<(String, u64)> = report
        .known
        .iter()
        .map(|f| (f.file.clone(), f.tc_id.unwrap_or(0)))
        .collect();
    got.sort();
    let mut want: Vec<(String, u64)> = KNOWN_DISAGREEMENTS
        .iter()
        .map(|k| (k.file.to_owned(), k.tc_id))
        .collect();
    want.sort();
    assert_eq!(
        got, want,
        "a listed disagreement was fixed (remove it) or a new one appeared"
    );
}

#[test]
fn embedded_vectors_are_the_checkout() {
    let mut on_disk: Vec<String> = std::fs::read_dir(common::dir())
        .expect("list vectors/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && n != "schema.json")
        .collect();
    on_disk.sort();
    let embedded: Vec<&str> = gatecheck_vectors::EMBEDDED
        .iter()
        .map(|(n, _)| *n)
        .collect();
    assert_eq!(on_disk, embedded, "a vector file is missing from EMBEDDED");
    for (name, text) in gatecheck_vectors::EMBEDDED {
        let on_disk = std::fs::read_to_string(common::dir().join(name)).expect("read");
        assert_eq!(&on_disk, text, "{name} changed since build");
    }
}

#[test]
fn acceptable_end_of_day_passes_though_proto_rejects_it() {
    // xep-0082.json tcId 21 (24:00:00) is `acceptable`; proto rejects hour 24 and that must still pass.
    assert!(gatecheck_proto::datetime::parse_datetime("1969-07-21T24:00:00Z").is_err());
    let (_, doc) = common::files()
        .into_iter()
        .find(|(n, _)| n == "xep-0082.json")
        .expect("xep-0082.json");
    let end_of_day = &doc["testGroups"][0]["tests"][20];
    assert_eq!(end_of_day["tcId"], 21);
    assert_eq!(end_of_day["result"], "acceptable");
    assert_eq!(end_of_day["input"], "1969-07-21T24:00:00Z");
    let report = gatecheck_vectors::check_str("xep-0082.json", &doc.to_string());
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(Some(report.passed as u64), doc["numberOfTests"].as_u64());
}

#[test]
fn ambiguous_zero_width_space_accepts_exactly_the_listed_outputs() {
    // saslprep.json tcId 8 is `acceptable` with two outputs; proto gives "pass word" in both
    // modes, check.py "password". Dropping proto's alternative, or misusing the field, must fail.
    let (_, doc) = common::files()
        .into_iter()
        .find(|(n, _)| n == "saslprep.json")
        .expect("saslprep.json");
    let run = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        edit(&mut d["testGroups"][0]["tests"][7]);
        gatecheck_vectors::check_str("saslprep.json", &d.to_string())
    };
    let zwsp = &doc["testGroups"][0]["tests"][7];
    assert_eq!(zwsp["tcId"], 8);
    assert_eq!(zwsp["result"], "acceptable");
    assert!(run(&|_| {}).failed.is_empty());
    let only_python =
        run(&|t| t["acceptableOutputs"] = serde_json::json!(["password", "pass\u{a0}word"]));
    assert!(
        only_python.failed.iter().any(|f| f.tc_id == Some(8)),
        "{only_python:?}"
    );
    let as_valid = run(&|t| t["result"] = "valid".into());
    assert!(
        as_valid.failed.iter().any(|f| f.tc_id == Some(8)),
        "{as_valid:?}"
    );
}
