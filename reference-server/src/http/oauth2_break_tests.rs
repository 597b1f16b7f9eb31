//! Each OAuth2 broken build (`breaks.rs`, names from the contract) visible at the core level:
//! the same request that the correct core refuses (see `core_tests.rs`) succeeds, or the answer
//! changes in the way the break describes.

use serde_json::json;

use super::harness::*;
use crate::breaks::{Break, BreakSet};

fn with(b: Break) -> H {
    H::new(BreakSet::NONE.with(b))
}

#[test]
fn dcr_16_fragment_and_relative_redirects_register() {
    let h = with(Break::Dcr16FragmentRedirectAccepted);
    assert_eq!(
        h.register(&json!({"redirect_uris": ["https://a.example/cb#f"]}))
            .status,
        201
    );
    let h = with(Break::Dcr16RelativeRedirectAccepted);
    assert_eq!(h.register(&json!({"redirect_uris": ["/cb"]})).status, 201);
}

#[test]
fn dcr_70_secret_keyed_by_the_raw_key() {
    let h = with(Break::Dcr70SecretNotHostBound);
    let (id, secret) = h.client();
    let phk = gatecheck_proto::dcr::per_host_key(KEY.as_bytes(), "localhost");
    assert_ne!(secret, gatecheck_proto::dcr::client_secret(&phk, &id));
    let raw: String = gatecheck_proto::jose::hmac_sha256(KEY.as_bytes(), id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(secret, raw);
    // Self-consistent: the broken server still accepts its own secret.
    assert_eq!(h.exchange(&id, &secret, &h.code(&id)).status, 200);
}

fn tampered(id: &str) -> String {
    let parts: Vec<&str> = id.split('.').collect();
    let mut p: serde_json::Value =
        serde_json::from_slice(&gatecheck_proto::jose::b64url_decode(parts[1]).unwrap()).unwrap();
    p["redirect_uris"] = json!(["https://evil.example/cb"]);
    format!(
        "{}.{}.{}",
        parts[0],
        gatecheck_proto::jose::b64url_encode(p.to_string().as_bytes()),
        parts[2]
    )
}

#[test]
fn dcr_62_tampered_and_alg_none_client_ids_accepted() {
    let h = with(Break::Dcr62TamperedClientIdAccepted);
    let (id, _) = h.client();
    let bad = tampered(&id);
    let q = h.authorize_query(&bad, &[("redirect_uri", "https://evil.example/cb")]);
    assert_eq!(h.authorize_get(&q).status, 200);

    let h = with(Break::Dcr62AlgNoneAccepted);
    let (id, _) = h.client();
    let payload = id.split('.').nth(1).unwrap();
    let none = format!(
        "{}.{payload}.",
        gatecheck_proto::jose::b64url_encode(br#"{"alg":"none","typ":"JWT"}"#)
    );
    assert_eq!(h.authorize_get(&h.authorize_query(&none, &[])).status, 200);
    // The tampered-signature break alone does not accept alg none, and vice versa.
    assert_eq!(
        h.authorize_get(&h.authorize_query(&tampered(&id), &[]))
            .status,
        400
    );
}

#[test]
fn dcr_37_code_reusable() {
    let h = with(Break::Dcr37CodeReusable);
    let (id, secret) = h.client();
    let code = h.code(&id);
    assert_eq!(h.exchange(&id, &secret, &code).status, 200);
    assert_eq!(h.exchange(&id, &secret, &code).status, 200);
}

#[test]
fn dcr_41_unknown_redirect_redirected() {
    let h = with(Break::Dcr41UnknownRedirectRedirected);
    let (id, _) = h.client();
    let r =
        h.authorize_get(&h.authorize_query(&id, &[("redirect_uri", "https://evil.example/cb")]));
    assert_eq!(r.status, 303);
    assert!(
        r.header("location")
            .unwrap()
            .starts_with("https://evil.example/cb")
    );
}

#[test]
fn dcr_52_pkce_not_required() {
    let h = with(Break::Dcr52PkceNotRequired);
    let (id, _) = h.client();
    let q = h.authorize_query(
        &id,
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    assert_eq!(h.authorize_get(&q).status, 200);
}

#[test]
fn dcr_53_verifier_not_checked() {
    let h = with(Break::Dcr53VerifierNotChecked);
    let (id, secret) = h.client();
    let code = h.code(&id);
    let wrong = "w".repeat(43);
    let r = h.token(
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &wrong),
        ],
        Some((&id, &secret)),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn dcr_refresh_not_rotated() {
    let h = with(Break::DcrRefreshNotRotated);
    let (id, secret) = h.client();
    let v = body(&h.exchange(&id, &secret, &h.code(&id)));
    let refresh = v["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let r = h.token(
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some((&id, &secret)),
        );
        assert_eq!(r.status, 200);
    }
}

#[test]
fn dcr_revoked_token_logs_in() {
    use crate::store::TokenKind;
    let h =
        crate::modules::oauth2_tests::harness(BreakSet::NONE.with(Break::DcrRevokedTokenLogsIn));
    crate::modules::oauth2_tests::put(&h, "revoked", TokenKind::Access, u64::MAX / 2, true);
    assert!(crate::modules::oauth2_tests::login(&h, "", "revoked").ok());
}

#[test]
fn dcr_15_500_on_missing_field() {
    let h = with(Break::Dcr15ServerErrorOnMissingField);
    assert_eq!(h.register(&json!({"client_name": "x"})).status, 500);
}

#[test]
fn dcr_35_no_store_missing() {
    let h = with(Break::Dcr35NoStoreMissing);
    let (id, secret) = h.client();
    let r = h.exchange(&id, &secret, &h.code(&id));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), None);
    assert_eq!(r.header("pragma"), None);
}

#[test]
fn dcr_19_same_id_for_same_metadata() {
    let h = with(Break::Dcr19SameIdForSameMetadata);
    let m = json!({"redirect_uris": [REDIRECT]});
    let (a, b) = (body(&h.register(&m)), body(&h.register(&m)));
    assert_eq!(a["client_id"], b["client_id"]);
    assert_eq!(a["client_secret"], b["client_secret"]);
}

#[test]
fn dcr_34_no_www_authenticate() {
    let h = with(Break::Dcr34NoWwwAuthenticate);
    let (id, _) = h.client();
    let r = h.token(
        &[("grant_type", "authorization_code"), ("code", "x")],
        Some((&id, "bad")),
    );
    assert_eq!(r.status, 400);
    assert_eq!(body(&r)["error"], "invalid_client");
    assert_eq!(r.header("www-authenticate"), None);
}

#[test]
fn dcr_40_state_dropped() {
    let h = with(Break::Dcr40StateDropped);
    let (id, _) = h.client();
    let r = h.authorize_post(&h.authorize_query(&id, &[]), "alice", PASSWORD);
    assert_eq!(r.status, 303);
    let p = redirect_params(&r);
    assert!(p.get("code").is_some());
    assert_eq!(p.get("state"), None);
}

/// Every OAuth2 break has a test above (names from the contract's table).
#[test]
fn every_dcr_break_is_covered() {
    let dcr: Vec<&str> = Break::ALL
        .iter()
        .map(|b| b.info().name)
        .filter(|n| n.starts_with("dcr-"))
        .collect();
    assert_eq!(dcr.len(), 16);
}
