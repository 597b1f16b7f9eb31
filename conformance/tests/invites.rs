//! The invitation cases against the embedded reference server (issue 11): `gatecheck run --only
//! 'invites.*'` passes with no options (the embedded run mints in process and passes its admin
//! as `--admin`), and a target without in-band registration (`--embedded-disable
//! register,invites`) passes IBR-4's case instead of skipping it.

use std::process::{Command, Output};

fn gatecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn invites_cases_pass_against_the_embedded_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("run.json");
    let report = format!("json={}", json.display());
    let o = gatecheck(&[
        "run",
        "--only",
        "invites.*",
        "--jobs",
        "4",
        "--report",
        &report,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parses");
    let cases = v["cases"].as_array().expect("cases");
    assert!(cases.len() >= 40, "{}", cases.len());
    for c in cases {
        let id = c["id"].as_str().unwrap_or_default();
        let status = c["status"].as_str().unwrap_or_default();
        // IBR-4 is about servers without in-band registration (see the test below).
        let expected = if id == "invites.ibr.not-supported" {
            "skip"
        } else {
            "pass"
        };
        assert_eq!(status, expected, "{id}: {c}");
    }
}

#[test]
fn a_target_without_registration_says_so() {
    let o = gatecheck(&[
        "run",
        "--embedded-disable",
        "register,invites",
        "--only",
        "invites.ibr.not-supported",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("registration     -"), "{t}");
}

#[test]
fn a_malformed_minted_uri_is_no_crash() {
    // The template prints an `xmpp:` URI without a token: the suite reports why it could not use
    // it and falls back to XEP-0050 #create-account as the embedded admin.
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("run.json");
    let report = format!("json={}", json.display());
    let o = gatecheck(&[
        "run",
        "--invite-cmd",
        "echo 'xmpp:localhost?register;preauth='",
        "--only",
        "invites.register.valid-token",
        "--report",
        &report,
        "--no-redact",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let raw = std::fs::read_to_string(&json).expect("json");
    assert!(
        raw.contains("--invite-cmd gave"),
        "the parse failure is recorded"
    );
    assert!(
        raw.contains("minted via XEP-0050"),
        "then the ad-hoc fallback"
    );
}
