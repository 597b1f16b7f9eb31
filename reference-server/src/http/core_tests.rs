//! Unit tests of the HTTP core, one per contract rule (`notes/oauth2-contract.md`).

use serde_json::{Value, json};

use super::harness::*;
use crate::breaks::BreakSet;

fn h() -> H {
    H::new(BreakSet::NONE)
}

#[test]
fn metadata_lists_what_is_implemented() {
    let h = h();
    let r = h.send("GET", "/.well-known/oauth-authorization-server", &[], b"");
    assert_eq!(r.status, 200);
    let v = body(&r);
    assert_eq!(v["issuer"], ISSUER);
    assert_eq!(
        v["registration_endpoint"],
        format!("{ISSUER}/oauth2/register")
    );
    assert_eq!(v["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(v["response_types_supported"], json!(["code"]));
    assert!(v.get("scopes_supported").is_none());
    let mut s = settings();
    s.registration_key = None;
    let h2 = H::with_settings(s, BreakSet::NONE);
    let v = body(&h2.send("GET", "/.well-known/oauth-authorization-server", &[], b""));
    assert!(v.get("registration_endpoint").is_none());
    let r = h2.register(&json!({"redirect_uris": [REDIRECT]}));
    assert_eq!(r.status, 404);
    assert_eq!(
        h.send("POST", "/.well-known/oauth-authorization-server", &[], b"")
            .status,
        405
    );
    assert_eq!(h.send("GET", "/nope", &[], b"").status, 404);
}

#[test]
fn registration_success_shape() {
    let h = h();
    let r = h.register(&json!({"redirect_uris": [REDIRECT], "client_name": "X", "unknown": 1}));
    assert_eq!(r.status, 201);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("pragma"), Some("no-cache"));
    let v = body(&r);
    assert_eq!(v["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(v["grant_types"], json!(["authorization_code"]));
    assert_eq!(v["response_types"], json!(["code"]));
    assert_eq!(v["client_secret_expires_at"], 0);
    assert_eq!(v["client_id_issued_at"], 1_800_000_000u64);
    assert!(v.get("unknown").is_none());
    // The secret is the construction, recomputed from proto.
    let id = v["client_id"].as_str().unwrap();
    let phk = gatecheck_proto::dcr::per_host_key(KEY.as_bytes(), "localhost");
    assert_eq!(
        v["client_secret"],
        gatecheck_proto::dcr::client_secret(&phk, id)
    );
    let claims = gatecheck_proto::dcr::verify_client_id(&phk, id, 1_800_000_001).unwrap();
    assert_eq!(claims["iat"], 1_800_000_000u64);
    assert!(claims["nonce"].as_str().unwrap().len() >= 22);
    assert_eq!(claims["client_name"], "X");
    // Identical metadata: different id and secret (DCR-19).
    let v2 =
        body(&h.register(&json!({"redirect_uris": [REDIRECT], "client_name": "X", "unknown": 1})));
    assert_ne!(v2["client_id"], v["client_id"]);
    assert_ne!(v2["client_secret"], v["client_secret"]);
    // Public clients get no secret.
    let v3 = body(
        &h.register(&json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"})),
    );
    assert!(v3.get("client_secret").is_none());
    // Nothing was stored (the store only holds alice).
    use crate::store::Store;
    assert!(h.store.kv_list("oauth2", 0).unwrap().is_empty());
}

#[test]
fn registration_ttl_sets_exp() {
    let mut s = settings();
    s.registration_ttl = Some(60);
    let h = H::with_settings(s, BreakSet::NONE);
    let v = body(&h.register(&json!({"redirect_uris": [REDIRECT]})));
    assert_eq!(v["client_secret_expires_at"], 1_800_000_060u64);
    let id = v["client_id"].as_str().unwrap().to_owned();
    assert_eq!(h.authorize_get(&h.authorize_query(&id, &[])).status, 200);
    h.advance(60);
    assert_eq!(h.authorize_get(&h.authorize_query(&id, &[])).status, 400);
}

/// Every invalid metadata class with its RFC 7591 §3.2.2 error.
#[test]
fn registration_validation_table() {
    let h = h();
    let bad_uri = "invalid_redirect_uri";
    let bad_meta = "invalid_client_metadata";
    let table: &[(Value, &str)] = &[
        (json!({}), bad_uri),
        (json!({"redirect_uris": []}), bad_uri),
        (json!({"redirect_uris": "https://a.example/cb"}), bad_uri),
        (json!({"redirect_uris": [1]}), bad_uri),
        (json!({"redirect_uris": [REDIRECT, REDIRECT]}), bad_uri),
        (
            json!({"redirect_uris": ["https://a.example/cb#frag"]}),
            bad_uri,
        ),
        (json!({"redirect_uris": ["/cb"]}), bad_uri),
        (json!({"redirect_uris": ["http://a.example/cb"]}), bad_uri),
        (json!({"redirect_uris": ["myapp:/cb"]}), bad_uri),
        (
            json!({"redirect_uris": [REDIRECT], "client_name": 5}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "client_uri": "not a url"}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "logo_uri": 1}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "tos_uri": "ftp://x/"}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "policy_uri": []}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "contacts": "a@b"}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "contacts": [1]}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "scope": ["a"]}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "software_id": 1}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "software_version": true}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["implicit"]}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": "authorization_code"}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": []}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["refresh_token"]}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "response_types": ["token"]}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["authorization_code"], "response_types": ["code", "code"]}),
            bad_meta,
        ),
        (
            json!({"redirect_uris": [REDIRECT], "jwks": {"keys": []}, "jwks_uri": "https://a.example/j"}),
            bad_meta,
        ),
        (json!([1, 2]), bad_meta),
        (json!("x"), bad_meta),
    ];
    for (input, code) in table {
        let r = h.register(input);
        assert_eq!(r.status, 400, "{input}");
        assert_eq!(body(&r)["error"], *code, "{input}");
    }
    // Accepted variants.
    for ok in [
        json!({"redirect_uris": ["http://127.0.0.1:9/cb", "http://[::1]/cb", "http://localhost/cb", "org.example.app:/cb"]}),
        json!({"redirect_uris": [REDIRECT], "grant_types": ["authorization_code", "refresh_token"], "contacts": ["a@b.example"], "jwks_uri": "https://a.example/j"}),
    ] {
        assert_eq!(h.register(&ok).status, 201, "{ok}");
    }
}

#[test]
fn registration_bad_bodies() {
    let h = h();
    let r = h.send(
        "POST",
        "/oauth2/register",
        &[("content-type", "text/plain")],
        b"{}",
    );
    assert_eq!(r.status, 415);
    assert!(body(&r)["error"].is_string());
    let r = h.send("POST", "/oauth2/register", &[], b"{}");
    assert_eq!(r.status, 415);
    let r = h.send(
        "POST",
        "/oauth2/register",
        &[("content-type", "application/json")],
        b"{not json",
    );
    assert_eq!(
        (r.status, body(&r)["error"].as_str()),
        (400, Some("invalid_client_metadata"))
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let r = h.send(
        "POST",
        "/oauth2/register",
        &[("content-type", "application/json")],
        deep.as_bytes(),
    );
    assert_eq!(r.status, 400);
    let big = vec![b' '; super::wire::MAX_BODY + 1];
    let r = h.send(
        "POST",
        "/oauth2/register",
        &[("content-type", "application/json")],
        &big,
    );
    assert_eq!(r.status, 413);
    assert!(body(&r)["error"].is_string());
    // Metadata too large to sign into a client_id that still verifies.
    let r = h.register(&json!({"redirect_uris": [REDIRECT], "client_name": "x".repeat(1000), "software_id": "y".repeat(1000),
        "software_version": "z".repeat(1000), "scope": "s".repeat(1000), "contacts": vec!["c".repeat(1000); 16]}));
    assert_eq!(
        (r.status, body(&r)["error"].as_str()),
        (400, Some("invalid_client_metadata"))
    );
}

/// The digest §5.8 construction recomputed from `proto::dcr` against `vectors/stateless-dcr.json`.
#[test]
fn construction_matches_the_vector() {
    let text = include_str!("../../../vectors/stateless-dcr.json");
    let v: Value = serde_json::from_str(text).unwrap();
    let group = &v["testGroups"][0];
    let t = &group["tests"][0];
    let phk = gatecheck_proto::dcr::per_host_key(
        group["registrationKey"].as_str().unwrap().as_bytes(),
        group["host"].as_str().unwrap(),
    );
    let hex: String = phk.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, t["perHostKey"].as_str().unwrap());
    let payload: serde_json::Map<String, Value> =
        serde_json::from_str(t["payload"].as_str().unwrap()).unwrap();
    // The vector's payload order is the JSON text's; rebuild with serde_json's sorted map and
    // check the server-side construction reproduces signature and secret for the same bytes.
    let id = gatecheck_proto::jose::sign(
        t["header"].as_str().unwrap().as_bytes(),
        t["payload"].as_str().unwrap().as_bytes(),
        &phk,
    );
    assert_eq!(id, t["clientId"].as_str().unwrap());
    assert_eq!(
        gatecheck_proto::dcr::client_secret(&phk, &id),
        t["clientSecret"].as_str().unwrap()
    );
    let mut meta = payload.clone();
    for k in ["nonce", "iat"] {
        meta.remove(k);
    }
    let issued =
        gatecheck_proto::dcr::issue_client_id(&phk, &meta, Some("abc123"), 1_700_000_000, None);
    let claims = gatecheck_proto::dcr::verify_client_id(&phk, &issued, 1_700_000_001).unwrap();
    assert_eq!(
        Value::Object(claims.clone()),
        Value::Object({
            let mut p = payload;
            p.sort_keys();
            p
        })
    );
}

#[test]
fn forged_client_ids_are_invalid_client() {
    let h = h();
    let (id, secret) = h.client();
    let forge = |f: &dyn Fn(&str) -> String| f(&id);
    let parts: Vec<&str> = id.split('.').collect();
    let tampered = {
        let mut p: Value =
            serde_json::from_slice(&gatecheck_proto::jose::b64url_decode(parts[1]).unwrap())
                .unwrap();
        p["redirect_uris"] = json!(["https://evil.example/cb"]);
        format!(
            "{}.{}.{}",
            parts[0],
            gatecheck_proto::jose::b64url_encode(p.to_string().as_bytes()),
            parts[2]
        )
    };
    let alg_none = format!(
        "{}.{}.",
        gatecheck_proto::jose::b64url_encode(br#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let other_host = {
        let phk = gatecheck_proto::dcr::per_host_key(KEY.as_bytes(), "other.example");
        let claims = gatecheck_proto::dcr::verify_client_id(
            &gatecheck_proto::dcr::per_host_key(KEY.as_bytes(), "localhost"),
            &id,
            0,
        )
        .unwrap();
        gatecheck_proto::dcr::issue_client_id(&phk, &claims, None, 1_800_000_000, None)
    };
    let long = "a".repeat(100 * 1024);
    for bad in [
        tampered,
        alg_none,
        other_host,
        forge(&|s| format!("{s}x")),
        long,
    ] {
        let secret_for = gatecheck_proto::dcr::client_secret(
            &gatecheck_proto::dcr::per_host_key(KEY.as_bytes(), "localhost"),
            &bad,
        );
        let r = h.token(
            &[("grant_type", "authorization_code"), ("code", "x")],
            Some((&bad, &secret_for)),
        );
        assert_eq!(r.status, 401, "{bad:.40}");
        assert_eq!(body(&r)["error"], "invalid_client");
        assert!(
            r.header("www-authenticate")
                .unwrap()
                .starts_with("Basic realm=")
        );
        // At the authorization endpoint: an error page, never a redirect.
        let r = h.authorize_get(&h.authorize_query(&bad, &[]));
        assert!(matches!(r.status, 400 | 414), "{}", r.status);
        assert!(r.header("location").is_none());
    }
    // Wrong secret, over Basic and over POST.
    let r = h.token(
        &[("grant_type", "authorization_code"), ("code", "x")],
        Some((&id, "00")),
    );
    assert_eq!(
        (r.status, body(&r)["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let r = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", &id),
            ("client_secret", "00"),
        ],
        None,
    );
    assert_eq!(
        (r.status, body(&r)["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // Both methods at once.
    let r = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_secret", &secret),
        ],
        Some((&id, &secret)),
    );
    assert_eq!(
        (r.status, body(&r)["error"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[test]
fn code_flow_pkce_and_replay() {
    let h = h();
    let (id, secret) = h.client();
    let page = h.authorize_get(&h.authorize_query(&id, &[]));
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(html.contains("Test &lt;App&gt;"), "escaped client name");
    assert!(html.contains("name=\"state\" value=\"st&amp;te\""));
    assert!(!html.contains("<script"));
    // Wrong password: the form again.
    let r = h.authorize_post(&h.authorize_query(&id, &[]), "alice", "wrong");
    assert_eq!(r.status, 401);
    assert!(String::from_utf8_lossy(&r.body).contains("Wrong username or password"));
    let r = h.authorize_post(&h.authorize_query(&id, &[]), "mallory", "wrong");
    assert_eq!(r.status, 401);
    // Login: 303 with code, state, iss.
    let r = h.authorize_post(&h.authorize_query(&id, &[]), "alice@localhost", PASSWORD);
    assert_eq!(r.status, 303);
    let p = redirect_params(&r);
    assert_eq!(p.get("state"), Some("st&te"));
    assert_eq!(p.get("iss"), Some(ISSUER));
    assert!(r.header("location").unwrap().starts_with(REDIRECT));
    let code = p.get("code").unwrap().to_owned();
    // Wrong verifier, then right: the code is single use either way.
    let code2 = h.code(&id);
    let r = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code2),
            ("code_verifier", &"x".repeat(43)),
        ],
        Some((&id, &secret)),
    );
    assert_eq!(body(&r)["error"], "invalid_grant");
    let r = h.exchange(&id, &secret, &code2);
    assert_eq!(body(&r)["error"], "invalid_grant");
    let r = h.exchange(&id, &secret, &code);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("pragma"), Some("no-cache"));
    let v = body(&r);
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert!(v["access_token"].as_str().unwrap().len() >= 43);
    assert!(v["refresh_token"].is_string());
    // Replay.
    let r = h.exchange(&id, &secret, &code);
    assert_eq!(
        (r.status, body(&r)["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Missing verifier.
    let code3 = h.code(&id);
    let r = h.token(
        &[("grant_type", "authorization_code"), ("code", &code3)],
        Some((&id, &secret)),
    );
    assert_eq!(body(&r)["error"], "invalid_grant");
    // Redirect mismatch at the token endpoint.
    let code4 = h.code(&id);
    let r = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code4),
            ("redirect_uri", "https://app.example/other"),
            ("code_verifier", VERIFIER),
        ],
        Some((&id, &secret)),
    );
    assert_eq!(body(&r)["error"], "invalid_grant");
    // Another client cannot redeem a code.
    let (id2, secret2) = h.client();
    let code5 = h.code(&id);
    assert_eq!(
        body(&h.exchange(&id2, &secret2, &code5))["error"],
        "invalid_grant"
    );
    // Expiry.
    let code6 = h.code(&id);
    h.advance(super::CODE_TTL);
    assert_eq!(
        body(&h.exchange(&id, &secret, &code6))["error"],
        "invalid_grant"
    );
    // Tokens are stored hashed.
    use crate::store::Store;
    let access = v["access_token"].as_str().unwrap();
    assert!(h.store.oauth2_token_get(access).unwrap().is_none());
    assert!(
        h.store
            .oauth2_token_get(&super::sha256_hex(access.as_bytes()))
            .unwrap()
            .is_some()
    );
}

#[test]
fn authorization_errors() {
    let h = h();
    let (id, _) = h.client();
    // PKCE required; plain not offered; bad challenge.
    for extra in [
        &[("code_challenge", ""), ("code_challenge_method", "")][..],
        &[("code_challenge_method", "plain")][..],
        &[("code_challenge_method", "")][..],
        &[("code_challenge", "short")][..],
    ] {
        let r = h.authorize_get(&h.authorize_query(&id, extra));
        assert_eq!(r.status, 303, "{extra:?}");
        let p = redirect_params(&r);
        assert_eq!(p.get("error"), Some("invalid_request"));
        assert_eq!(p.get("state"), Some("st&te"));
        assert_eq!(p.get("iss"), Some(ISSUER));
    }
    let r = h.authorize_get(&h.authorize_query(&id, &[("response_type", "token")]));
    assert_eq!(
        redirect_params(&r).get("error"),
        Some("unsupported_response_type")
    );
    // Unregistered redirect: a page, never a redirect (DCR-41).
    for uri in [
        "https://evil.example/cb",
        "https://app.example/cb/",
        "https://app.example/cb?x=1",
    ] {
        let r = h.authorize_get(&h.authorize_query(&id, &[("redirect_uri", uri)]));
        assert_eq!(r.status, 400, "{uri}");
        assert!(r.header("location").is_none());
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
    }
    // Missing client_id / repeated parameters.
    assert_eq!(h.authorize_get("response_type=code").status, 400);
    let q = format!("{}&state=again", h.authorize_query(&id, &[]));
    assert_eq!(h.authorize_get(&q).status, 400);
    // Deny.
    let body = format!("{}&consent=deny", h.authorize_query(&id, &[]));
    let r = h.send(
        "POST",
        "/oauth2/authorize",
        &[("content-type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    );
    assert_eq!(redirect_params(&r).get("error"), Some("access_denied"));
    // redirect_uri may be omitted when exactly one is registered.
    let r = h.authorize_get(&h.authorize_query(&id, &[("redirect_uri", "")]));
    assert_eq!(r.status, 200);
    // PKCE optional when configured so.
    let mut s = settings();
    s.require_code_challenge = false;
    let h2 = H::with_settings(s, BreakSet::NONE);
    let (id2, _) = h2.client();
    let r = h2.authorize_get(&h2.authorize_query(
        &id2,
        &[("code_challenge", ""), ("code_challenge_method", "")],
    ));
    assert_eq!(r.status, 200);
}

#[test]
fn token_endpoint_errors() {
    let h = h();
    let (id, secret) = h.client();
    let r = h.token(&[("code", "x")], Some((&id, &secret)));
    assert_eq!(body(&r)["error"], "invalid_request");
    let r = h.token(&[("grant_type", "password")], Some((&id, &secret)));
    assert_eq!(body(&r)["error"], "unsupported_grant_type");
    let r = h.send(
        "POST",
        "/oauth2/token",
        &[("content-type", "application/x-www-form-urlencoded")],
        b"grant_type=a&grant_type=b",
    );
    assert_eq!(
        (r.status, body(&r)["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let r = h.send(
        "POST",
        "/oauth2/token",
        &[("content-type", "application/json")],
        b"{}",
    );
    assert_eq!(body(&r)["error"], "invalid_request");
    let r = h.token(&[("grant_type", "authorization_code")], None);
    assert_eq!(body(&r)["error"], "invalid_client");
    let r = h.send(
        "POST",
        "/oauth2/token",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", "Basic !!!"),
        ],
        b"grant_type=authorization_code",
    );
    assert_eq!(
        (r.status, body(&r)["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // client_secret_post works.
    let code = h.code(&id);
    let r = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
        None,
    );
    assert_eq!(r.status, 200);
}

#[test]
fn refresh_rotation_and_revocation() {
    let h = h();
    let (id, secret) = h.client();
    let v = body(&h.exchange(&id, &secret, &h.code(&id)));
    let refresh = v["refresh_token"].as_str().unwrap().to_owned();
    let access = v["access_token"].as_str().unwrap().to_owned();
    let r = h.token(
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        Some((&id, &secret)),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let v2 = body(&r);
    let refresh2 = v2["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh2, refresh);
    // The old refresh token is dead.
    let r = h.token(
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        Some((&id, &secret)),
    );
    assert_eq!(body(&r)["error"], "invalid_grant");
    // Another client cannot use it.
    let (id2, secret2) = h.client();
    let r = h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
        ],
        Some((&id2, &secret2)),
    );
    assert_eq!(body(&r)["error"], "invalid_grant");
    // Revocation: 200 for unknown, and the access token dies.
    use crate::store::Store;
    let hash = super::sha256_hex(access.as_bytes());
    assert_eq!(h.revoke(&id, &secret, "unknown").status, 200);
    assert_eq!(h.revoke(&id2, &secret2, &access).status, 200);
    assert!(
        !h.store.oauth2_token_get(&hash).unwrap().unwrap().revoked,
        "other client cannot revoke"
    );
    assert_eq!(h.revoke(&id, &secret, &access).status, 200);
    assert!(h.store.oauth2_token_get(&hash).unwrap().unwrap().revoked);
    // Revoking the refresh token revokes the grant.
    assert_eq!(h.revoke(&id, &secret, &refresh2).status, 200);
    let a2 = super::sha256_hex(v2["access_token"].as_str().unwrap().as_bytes());
    assert!(h.store.oauth2_token_get(&a2).unwrap().unwrap().revoked);
    let r = h.token(
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
        ],
        Some((&id, &secret)),
    );
    assert_eq!(body(&r)["error"], "invalid_grant");
    assert_eq!(h.revoke(&id, "bad", &access).status, 401);
    // Clients without the refresh grant get no refresh token.
    let c = body(&h.register(&json!({"redirect_uris": [REDIRECT]})));
    let (cid, cs) = (
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    );
    let v = body(&h.exchange(cid, cs, &h.code(cid)));
    assert!(v.get("refresh_token").is_none());
}
