//! End-to-end logins against the real server and default core over 127.0.0.1.

mod support;

use gatecheck_proto::sasl::ScramHash;
use gatecheck_proto::sasl::scram::ScramClient;
use gatecheck_proto::xml::Element;
use support::*;

const SASL2: &str = "urn:xmpp:sasl:2";
const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";

fn mech_name(hash: ScramHash, plus: bool) -> String {
    format!("SCRAM-{}{}", hash.name(), if plus { "-PLUS" } else { "" })
}

/// SASL2 SCRAM login as `user` with `password`.
async fn login(
    c: &mut Client,
    hash: ScramHash,
    plus: bool,
    password: &str,
    user: &str,
    extra: &str,
) -> Element {
    let s = scram(c, hash, plus, password, user);
    sasl2_scram(c, s, &mech_name(hash, plus), extra).await
}

fn authzid(success: &Element) -> String {
    success
        .child("authorization-identifier", SASL2)
        .unwrap()
        .text()
}

fn condition(failure: &Element) -> String {
    assert_eq!(failure.name, "failure", "{}", failure.to_xml());
    let conds: Vec<_> = failure.elements().filter(|e| e.ns == SASL).collect();
    assert_eq!(
        conds.len(),
        1,
        "exactly one condition: {}",
        failure.to_xml()
    );
    conds[0].name.to_string()
}

#[tokio::test]
async fn starttls_then_sasl2_scram_variants() {
    let dir = tempdir("variants");
    let server = start(&config(&dir)).await;
    let mut c = Client::connect(&server).await;
    let f = c.open().await;
    assert!(
        f.child("starttls", "urn:ietf:params:xml:ns:xmpp-tls")
            .is_some()
    );
    assert!(
        sasl2_mechs(&f).is_empty(),
        "SASL2 before TLS: {}",
        f.to_xml()
    );
    let f = c.starttls().await;
    let mechs = sasl2_mechs(&f);
    assert_eq!(
        mechs.first().map(String::as_str),
        Some("SCRAM-SHA-512-PLUS")
    );
    assert!(!mechs.contains(&"PLAIN".to_string()), "SASL2-33");
    assert!(
        f.child("sasl-channel-binding", "urn:xmpp:sasl-cb:0")
            .is_some()
    );
    let ok = login(&mut c, ScramHash::Sha256, false, "pencil", "alice", "").await;
    assert_eq!(authzid(&ok), "alice@example.test");
    assert_eq!(
        c.el().await.name,
        "features",
        "features right after success"
    );
    for (hash, plus) in [
        (ScramHash::Sha256, true),
        (ScramHash::Sha1, false),
        (ScramHash::Sha512, false),
        (ScramHash::Sha512, true),
    ] {
        let mut c = Client::connect_tls(&server).await;
        c.open().await;
        let out = login(&mut c, hash, plus, "pencil", "alice", "").await;
        assert_eq!(
            out.name,
            "success",
            "{}: {}",
            mech_name(hash, plus),
            out.to_xml()
        );
    }
    server.shutdown(STEP).await;
}

#[tokio::test]
async fn failures_retry_abort_and_indistinguishable_unknown_user() {
    let server = start(&config(&tempdir("fail"))).await;
    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    let bad = login(
        &mut c,
        ScramHash::Sha256,
        false,
        "wrong",
        "alice",
        "<bind xmlns='urn:xmpp:bind:0'/>",
    )
    .await;
    assert_eq!(condition(&bad), "not-authorized");
    let unknown = login(&mut c, ScramHash::Sha256, false, "pencil", "nobody", "").await;
    assert_eq!(
        bad.to_xml(),
        unknown.to_xml(),
        "unknown user must look like a wrong password"
    );
    let ok = login(&mut c, ScramHash::Sha256, false, "pencil", "alice", "").await;
    assert_eq!(
        authzid(&ok),
        "alice@example.test",
        "retry on the same stream"
    );

    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    c.send(&format!(
        "<authenticate xmlns='{SASL2}' mechanism='SCRAM-SHA-256'/>"
    ))
    .await;
    assert_eq!(c.el().await.name, "challenge", "no IR: empty challenge");
    c.send(&format!("<abort xmlns='{SASL2}'/>")).await;
    assert_eq!(condition(&c.el().await), "aborted");
    let ok = login(&mut c, ScramHash::Sha256, false, "pencil", "alice", "").await;
    assert_eq!(ok.name, "success");
    server.shutdown(STEP).await;
}

#[tokio::test]
async fn stream_errors_mid_auth_and_after_success() {
    let server = start(&config(&tempdir("mid"))).await;
    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    let mut s = scram(&c, ScramHash::Sha256, false, "pencil", "alice");
    let first = s.client_first().unwrap();
    c.send(&format!("<authenticate xmlns='{SASL2}' mechanism='SCRAM-SHA-256'><initial-response>{}</initial-response></authenticate>", b64(&first))).await;
    assert_eq!(c.el().await.name, "challenge");
    c.send("<iq type='get' id='x'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await;
    c.expect_stream_error("policy-violation").await;

    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    let ok = login(&mut c, ScramHash::Sha256, false, "pencil", "alice", "").await;
    assert_eq!(ok.name, "success");
    c.el().await;
    c.send(&format!(
        "<authenticate xmlns='{SASL2}' mechanism='SCRAM-SHA-256'/>"
    ))
    .await;
    c.expect_stream_error("policy-violation").await;
    server.shutdown(STEP).await;
}

#[tokio::test]
async fn bind2_tag_gives_full_jid_and_services_answer() {
    let server = start(&config(&tempdir("bind2"))).await;
    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    let ok = login(
        &mut c,
        ScramHash::Sha256,
        false,
        "pencil",
        "alice",
        "<bind xmlns='urn:xmpp:bind:0'><tag>Tester</tag></bind>",
    )
    .await;
    let jid = authzid(&ok);
    assert!(jid.starts_with("alice@example.test/Tester."), "{jid}");
    assert!(!jid.contains(UA), "SASL2-39");
    assert!(ok.child("bound", "urn:xmpp:bind:0").is_some());
    c.el().await;
    c.send("<iq type='get' id='d'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        .await;
    let d = c.el().await;
    assert_eq!(d.attr("type"), Some("result"), "{}", d.to_xml());
    let q = d
        .child("query", "http://jabber.org/protocol/disco#info")
        .unwrap();
    assert_eq!(
        q.child("identity", "http://jabber.org/protocol/disco#info")
            .unwrap()
            .attr("category"),
        Some("server")
    );
    c.send("<iq type='set' id='r'><query xmlns='jabber:iq:roster'><item jid='bob@example.test' name='Bob'/></query></iq>").await;
    let mut got = [c.el().await, c.el().await];
    got.sort_by_key(|e| e.attr("id").map(str::to_owned));
    assert_eq!(got[1].attr("id"), Some("r"));
    assert_eq!(got[1].attr("type"), Some("result"));
    assert_eq!(
        got[0].attr("type"),
        Some("set"),
        "roster push: {}",
        got[0].to_xml()
    );
    c.send("<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>")
        .await;
    let g = c.el().await;
    let item = g
        .child("query", "jabber:iq:roster")
        .unwrap()
        .child("item", "jabber:iq:roster")
        .unwrap();
    assert_eq!(
        (
            item.attr("jid"),
            item.attr("name"),
            item.attr("subscription")
        ),
        (Some("bob@example.test"), Some("Bob"), Some("none"))
    );
    server.shutdown(STEP).await;
}

#[tokio::test]
async fn legacy_sasl_bind_session_and_restart_persistence() {
    let dir = tempdir("legacy");
    let server = start(&config(&dir)).await;
    let mut c = Client::connect_tls(&server).await;
    let f = c.open().await;
    let legacy: Vec<String> = f
        .child("mechanisms", SASL)
        .unwrap()
        .children_named("mechanism", SASL)
        .map(|m| m.text())
        .collect();
    assert!(
        legacy.contains(&"PLAIN".to_string()) && legacy.contains(&"SCRAM-SHA-1".to_string()),
        "{legacy:?}"
    );
    let mut s = scram(&c, ScramHash::Sha1, false, "pencil", "alice");
    c.send(&format!(
        "<auth xmlns='{SASL}' mechanism='SCRAM-SHA-1'>{}</auth>",
        b64(&s.client_first().unwrap())
    ))
    .await;
    let ch = c.el().await;
    let fin = s.server_first(&unb64(&ch)).unwrap();
    c.send(&format!(
        "<response xmlns='{SASL}'>{}</response>",
        b64(&fin)
    ))
    .await;
    let ok = c.el().await;
    assert_eq!(ok.name, "success", "{}", ok.to_xml());
    s.server_final(&unb64(&ok)).unwrap();
    c.restart();
    let f = c.open().await;
    assert!(
        f.child("bind", "urn:ietf:params:xml:ns:xmpp-bind")
            .is_some()
    );
    c.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>desk</resource></bind></iq>").await;
    let b = c.el().await;
    assert_eq!(
        b.child("bind", "urn:ietf:params:xml:ns:xmpp-bind")
            .unwrap()
            .child("jid", "urn:ietf:params:xml:ns:xmpp-bind")
            .unwrap()
            .text(),
        "alice@example.test/desk"
    );
    c.send("<iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
        .await;
    assert_eq!(c.el().await.attr("type"), Some("result"));
    server.shutdown(STEP).await;

    let server = start(&config(&dir)).await;
    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    let ok = login(&mut c, ScramHash::Sha256, false, "pencil", "alice", "").await;
    assert_eq!(ok.name, "success", "account survives a restart");
    server.shutdown(STEP).await;
}

#[tokio::test]
async fn bad_inputs_get_defined_answers() {
    let server = start(&config(&tempdir("bad"))).await;
    let big = "A".repeat(12 * 1024);
    let cases: Vec<(String, &str)> = vec![
        (
            format!("<authenticate xmlns='{SASL2}'/>"),
            "malformed-request",
        ),
        (
            format!("<authenticate xmlns='{SASL2}' mechanism='X-BOGUS'/>"),
            "invalid-mechanism",
        ),
        (
            format!("<authenticate xmlns='{SASL2}' mechanism='PLAIN'/>"),
            "invalid-mechanism",
        ),
        (
            format!(
                "<authenticate xmlns='{SASL2}' mechanism='SCRAM-SHA-256'><initial-response>!!</initial-response></authenticate>"
            ),
            "incorrect-encoding",
        ),
        (
            format!(
                "<authenticate xmlns='{SASL2}' mechanism='SCRAM-SHA-256'><initial-response/></authenticate>"
            ),
            "malformed-request",
        ),
        (
            format!(
                "<authenticate xmlns='{SASL2}' mechanism='SCRAM-SHA-256'><initial-response>{big}</initial-response></authenticate>"
            ),
            "malformed-request",
        ),
        // Client-final as the first message: SCRAM out of order.
        (
            format!(
                "<authenticate xmlns='{SASL2}' mechanism='SCRAM-SHA-256'><initial-response>{}</initial-response></authenticate>",
                b64(b"c=biws,r=abc,p=AAAA")
            ),
            "malformed-request",
        ),
    ];
    for (input, want) in cases {
        let mut c = Client::connect_tls(&server).await;
        c.open().await;
        c.send(&input).await;
        assert_eq!(condition(&c.el().await), want, "{input:.120}");
        // The stream is still usable.
        let ok = login(&mut c, ScramHash::Sha256, false, "pencil", "alice", "").await;
        assert_eq!(ok.name, "success");
    }
    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    c.send("<authenticate xmlns='urn:xmpp:sasl:1' mechanism='SCRAM-SHA-256'/>")
        .await;
    c.expect_stream_error("unsupported-stanza-type").await;

    // Wrong nonce in client-final.
    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    let mut s = scram(&c, ScramHash::Sha256, false, "pencil", "alice");
    c.send(&format!("<authenticate xmlns='{SASL2}' mechanism='SCRAM-SHA-256'><initial-response>{}</initial-response></authenticate>", b64(&s.client_first().unwrap()))).await;
    let ch = c.el().await;
    s.server_first(&unb64(&ch)).unwrap();
    let forged = format!("c=biws,r=wrongnonce,p={}", b64(&[0u8; 32]));
    c.send(&format!(
        "<response xmlns='{SASL2}'>{}</response>",
        b64(forged.as_bytes())
    ))
    .await;
    assert_eq!(c.el().await.name, "failure");

    // -PLUS with wrong channel-binding data, and flag y while the server offers binding.
    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    c.exporter = Some(vec![0; 32]);
    let out = login(&mut c, ScramHash::Sha256, true, "pencil", "alice", "").await;
    assert_eq!(out.name, "failure", "cb mismatch: {}", out.to_xml());
    let s = ScramClient::new(
        ScramHash::Sha256,
        "alice",
        "pencil",
        None,
        gatecheck_proto::sasl::scram::ClientBinding::NotOffered,
        "abcdef",
    )
    .unwrap();
    let out = sasl2_scram(&mut c, s, "SCRAM-SHA-256", "").await;
    assert_eq!(out.name, "failure", "flag y: {}", out.to_xml());
    server.shutdown(STEP).await;
}
