//! A target without SASL2 (the embedded reference server with `modules_disabled = ["sasl2"]`,
//! via `gatecheck run --embedded-disable sasl2`), as issue 15 describes a stock server that
//! offers only RFC 6120 SASL: the capability table says so, the SASL2 cases are one "not
//! offered" line, scores with nothing applicable read n/a, and only `--require sasl2` fails
//! the run (exit 3).

use std::process::{Command, Output};

fn gatecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn sasl2_cases_are_one_not_offered_line_with_na_scores_and_exit_0() {
    // Selection by module name would include cases that judge more than SASL2; the failure
    // cases are SASL2 exchanges through and through.
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("run.json");
    let report = format!("json={}", json.display());
    let o = gatecheck(&[
        "run",
        "--embedded-disable",
        "sasl2",
        // The SASL2 exchange cases: each needs SASL2 itself (a features case may also judge
        // the RFC 6120 list, so it can apply to this target).
        "--only",
        "sasl2.failure.*",
        "--report",
        &report,
    ]);
    let text = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // The capability table comes before the verdicts and shows RFC 6120 SASL without SASL2.
    let caps_at = text.find("Capabilities:").expect("capability table");
    let module_at = text.find("\nmodule ").expect("module table");
    assert!(caps_at < module_at, "{text}");
    let row = |label: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row in {text}"))
            .to_owned()
    };
    assert!(row("SASL (RFC 6120)").contains("SCRAM-SHA-256"), "{text}");
    assert_eq!(
        row("SASL2").split_whitespace().collect::<Vec<_>>(),
        ["SASL2", "-", "same"],
        "{text}"
    );

    // Said once, with what is offered instead.
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("sasl2: not offered"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(
        lines[0].contains("(offered: ") && lines[0].contains("SCRAM-SHA-256-PLUS"),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with("cases not applicable"), "{}", lines[0]);
    assert!(text.contains("MUST score:   0/0 (n/a)"), "{text}");
    assert!(text.contains("SHOULD score: 0/0 (n/a)"), "{text}");
    assert!(text.contains("NOTHING EXERCISED"), "{text}");

    // JSON keeps one entry per case, and the capabilities object.
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("report")).expect("json");
    let cases = run["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for c in cases {
        assert_eq!(c["status"], "unsupported", "{c}");
        assert_eq!(c["outcome"]["message"], "sasl2: not offered", "{c}");
    }
    for v in ["tls1.2", "tls1.3"] {
        let t = &run["capabilities"]["tls"][v];
        assert_eq!(t["accepted"], true, "{v}");
        assert!(t["sasl2"].is_null(), "{v}: {t}");
        assert!(t["sasl"].as_array().is_some_and(|m| !m.is_empty()), "{v}");
    }
    assert_eq!(run["summary"]["exercised"], 0);
    assert_eq!(run["summary"]["mustApplicable"], 0);
}

#[test]
fn require_sasl2_against_a_target_without_it_exits_3() {
    let o = gatecheck(&["run", "--embedded-disable", "sasl2", "--require", "sasl2"]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{text}");
    let first = text.lines().next().unwrap_or("");
    assert!(
        first.starts_with("REQUIRED MODULE MISSING: --require sasl2"),
        "{text}"
    );
    assert!(text.contains("REQUIREMENT NOT MET (exit 3)"), "{text}");
    // The same target with SASL2 on meets the requirement.
    let o = gatecheck(&[
        "run",
        "--require",
        "sasl2",
        "--only",
        "sasl2.features.no-plain*",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // An unknown server module is a start error, not a silently running module.
    let o = gatecheck(&["run", "--embedded-disable", "sasl3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown module \"sasl3\""),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
