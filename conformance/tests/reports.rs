//! The JSON, JUnit and HTML reports from one synthetic run: schema-valid, escaped, complete.

mod support;

use gatecheck::capabilities::{Capabilities, TlsCaps, TlsProbe};
use gatecheck::report::{html, json, junit};
use gatecheck_proto::sasl::TlsVersion;
use gatecheck_proto::xml::{Limits, parse_element};
use serde_json::Value;
use std::sync::Arc;
use support::*;

/// The synthetic run with a capability record as discovery would have made it: SASL2 with
/// Bind 2 on TLS 1.3, TLS 1.2 refused.
fn run_with_capabilities() -> gatecheck::event::RunRecord {
    let mut rec = run(&synthetic_cases(), config(), None);
    let features = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
        <authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256</mechanism>\
        <inline><bind xmlns='urn:xmpp:bind:0'/></inline></authentication>\
        <sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/>\
        </sasl-channel-binding></stream:features>";
    let el = parse_element(features, &Limits::default()).expect("xml");
    let mut caps = Capabilities::default();
    caps.tls.insert(
        TlsVersion::Tls13,
        TlsProbe::Offered(Box::new(TlsCaps::parse(&el))),
    );
    caps.tls.insert(
        TlsVersion::Tls12,
        TlsProbe::Refused("handshake failure <alert>".into()),
    );
    rec.meta.capabilities = Arc::new(caps);
    rec
}

/// A small JSON Schema validator covering the keywords our published schema uses: type, const,
/// enum, required, properties, additionalProperties, items, minimum and local `$ref`s.
fn validate(schema: &Value, root: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = r
            .strip_prefix("#/")
            .map(|p| p.split('/').fold(root, |acc, k| &acc[k]));
        match target {
            Some(t) if !t.is_null() => validate(t, root, v, path, errs),
            _ => errs.push(format!("{path}: unresolvable $ref {r}")),
        }
        return;
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errs.push(format!("{path}: expected {types:?}, got {v}"));
            return;
        }
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        errs.push(format!("{path}: expected const {c}, got {v}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{path}: {v} not in enum"));
    }
    if let Some(m) = schema.get("minimum").and_then(Value::as_f64)
        && v.as_f64().is_some_and(|x| x < m)
    {
        errs.push(format!("{path}: below minimum"));
    }
    if let Some(obj) = v.as_object() {
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(k) = req.as_str()
                && !obj.contains_key(k)
            {
                errs.push(format!("{path}: missing {k}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(s, root, val, &format!("{path}.{k}"), errs),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errs.push(format!("{path}: unexpected property {k}"))
                    }
                    Some(s @ Value::Object(_)) => {
                        validate(s, root, val, &format!("{path}.{k}"), errs)
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, it) in arr.iter().enumerate() {
            validate(items, root, it, &format!("{path}[{i}]"), errs);
        }
    }
}

#[test]
fn json_report_matches_the_published_schema() {
    let schema: Value = serde_json::from_str(json::SCHEMA).expect("schema is JSON");
    assert_eq!(schema["properties"]["schemaVersion"]["const"], 2);
    let rec = run_with_capabilities();
    let report = json::render(&rec);
    assert_eq!(report["schemaVersion"], 2);
    let mut errs = Vec::new();
    validate(&schema, &schema, &report, "$", &mut errs);
    assert!(errs.is_empty(), "{errs:#?}");
    assert_eq!(report["cases"].as_array().map(Vec::len), Some(7));
    assert_eq!(
        report["capabilities"]["tls"]["tls1.3"]["sasl2"]["bind2"],
        serde_json::json!([])
    );
    assert_eq!(report["capabilities"]["tls"]["tls1.2"]["accepted"], false);
    assert!(
        report["run"]["specRevisions"]["FAST"]
            .as_str()
            .is_some_and(|s| s.contains("XEP-0484 0.2.0"))
    );
    // The validator itself rejects a broken report.
    let mut bad = report.clone();
    bad["cases"][0]["status"] = Value::from("green");
    bad["summary"].as_object_mut().map(|o| o.remove("exitCode"));
    let mut errs = Vec::new();
    validate(&schema, &schema, &bad, "$", &mut errs);
    assert_eq!(errs.len(), 2, "{errs:?}");
}

#[test]
fn junit_report_validates_with_xmllint() {
    let rec = run_with_capabilities();
    let xml = junit::render(&rec).expect("renders");
    assert!(
        xml.contains("<property name=\"cap.tls1.3.sasl2\" value=\"SCRAM-SHA-256\"/>"),
        "{xml}"
    );
    assert!(xml.contains(
        "name=\"cap.tls1.2.handshake\" value=\"refused: handshake failure &lt;alert&gt;\""
    ));
    assert!(xml.contains("<property name=\"reply-timeout-ms\" value=\"5000\"/>"));
    assert!(xml.contains("classname=\"sasl2\""));
    assert!(xml.contains("<property name=\"requirement\" value=\"SASL2-9\"/>"));
    assert!(xml.contains("requirement: SASL2-9"));
    assert!(xml.contains("expected: &lt;failure/&gt; with &lt;invalid-mechanism/&gt;"));
    assert!(!xml.contains(SECRET));
    let dir = std::env::temp_dir().join(format!("gatecheck-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let xml_path = dir.join("junit.xml");
    let xsd_path = dir.join("junit.xsd");
    std::fs::write(&xml_path, &xml).expect("write xml");
    std::fs::write(&xsd_path, junit::XSD).expect("write xsd");
    let out = match std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd_path)
        .arg(&xml_path)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "xmllint is needed to validate the JUnit report ({e}); install it with `apt-get install -y libxml2-utils` (Debian/Ubuntu) and re-run"
        ),
    };
    assert!(
        out.status.success(),
        "xmllint rejected the JUnit report:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The schema is strict enough to reject a testcase without a classname.
    let broken = xml.replacen("classname=\"sasl2\"", "", 1);
    std::fs::write(&xml_path, broken).expect("write xml");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd_path)
        .arg(&xml_path)
        .output()
        .expect("xmllint ran before");
    assert!(
        !out.status.success(),
        "the XSD must reject a testcase without classname"
    );
    // Known failures and stale entries also validate, as skipped and failure.
    let b = gatecheck::baseline::Baseline::parse(
        "[[known]]\ncase = \"sasl2.synthetic.fail\"\nreason = \"bug\"\n[[known]]\ncase = \"sasl2.synthetic.pass\"\nreason = \"was broken\"\n",
        "b.toml",
    )
    .expect("baseline");
    let rec = run(&synthetic_cases(), config(), Some(&b));
    let xml = junit::render(&rec).expect("renders");
    assert!(xml.contains("known failure"));
    assert!(xml.contains("stale baseline entry"));
    std::fs::write(&xml_path, &xml).expect("write xml");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd_path)
        .arg(&xml_path)
        .output()
        .expect("xmllint");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn html_report_lists_every_case_and_escapes_transcripts() {
    let rec = run_with_capabilities();
    let page = html::render(&rec);
    // The capability table comes before the case table, escaped.
    let caps_at = page
        .find("<table id=capabilities>")
        .expect("capability table");
    assert!(caps_at < page.find("<table id=cases>").expect("case table"));
    assert!(page.contains("<td class=mono>refused: handshake failure &lt;alert&gt;</td>"));
    assert!(page.contains("<td class=mono>tls-exporter</td>"));
    // The module filter offers the modules that have cases, no others.
    for m in ["sasl2", "fast", "invites", "oauth2"] {
        assert!(page.contains(&format!("<option>{m}</option>")), "{m}");
    }
    for m in ["sasl", "scram"] {
        assert!(!page.contains(&format!("<option>{m}</option>")), "{m}");
    }
    // Developer aid: GATECHECK_HTML_OUT=/tmp/r.html writes the page for a look in a browser.
    if let Ok(out) = std::env::var("GATECHECK_HTML_OUT") {
        std::fs::write(out, &page).expect("write sample page");
    }
    for r in &rec.results {
        assert!(
            page.contains(&format!("<td class=mono>{}</td>", r.id)),
            "{} missing",
            r.id
        );
    }
    assert!(
        !page.contains("</script><script>alert"),
        "transcript broke out of its context"
    );
    assert!(
        page.contains(
            "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;"
        )
    );
    assert_eq!(
        page.matches("<script>").count(),
        1,
        "only the report's own script"
    );
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("src="),
        "no external fetches"
    );
    assert!(!page.contains(SECRET));
    assert!(page.contains("MUST score"));
}

#[test]
fn terminal_summary_groups_and_explains() {
    let rec = run(&synthetic_cases(), config(), None);
    let text = gatecheck::report::terminal::summary_text(&rec);
    if std::env::var_os("GATECHECK_SHOW_SUMMARY").is_some() {
        println!("{text}");
    }
    assert!(text.contains("MUST score:   1/2 (50.0%)"), "{text}");
    assert!(text.contains("SHOULD score: 0/1 (0.0%)"), "{text}");
    assert!(text.contains("FAIL sasl2.synthetic.fail [MUST] A failing case"));
    assert!(text.contains("requirement: SASL2-9"));
    assert!(text.contains("actual:   <success/> after sending [redacted:token]"));
    assert!(text.contains("ERROR invites.synthetic.timeout"));
    assert!(text.contains("Did not run:"));
    assert!(
        text.contains("MUST    level: 5 case(s), 1 passed, 1 not passed, 3 did not run"),
        "{text}"
    );
    assert!(text.contains("skip fast.synthetic.needs-two: needs a second account"));
    assert!(text.contains("FAILED (exit 1)"));
    let sasl2_row = text
        .lines()
        .find(|l| l.starts_with("sasl2 "))
        .expect("module row");
    assert_eq!(
        sasl2_row.split_whitespace().collect::<Vec<_>>(),
        ["sasl2", "1", "1", "1", "0", "0", "0", "0", "0", "0"]
    );
}
