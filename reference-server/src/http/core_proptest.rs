//! Property tests: random client metadata and random form bodies never panic, never get a 5xx,
//! and registration errors are only RFC 7591 §3.2.2 codes.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::harness::*;
use crate::breaks::BreakSet;

const KEYS: &[&str] = &[
    "redirect_uris",
    "token_endpoint_auth_method",
    "grant_types",
    "response_types",
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "contacts",
    "scope",
    "software_id",
    "software_version",
    "jwks",
    "jwks_uri",
    "nonce",
    "iat",
    "exp",
    "x",
];

const STRINGS: &[&str] = &[
    "https://app.example/cb",
    "http://127.0.0.1/cb",
    "org.example.app:/cb",
    "/cb",
    "https://a.example/#f",
    "http://a.example/",
    "code",
    "token",
    "authorization_code",
    "refresh_token",
    "implicit",
    "none",
    "client_secret_basic",
    "client_secret_post",
    "",
    "\u{0}",
    "é",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        proptest::sample::select(STRINGS).prop_map(Value::from),
        ".{0,40}".prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(KEYS), inner), 0..8).prop_map(
                |kv| {
                    Value::Object(
                        kv.into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

/// Metadata objects: mostly known keys with plausible-or-wrong values.
fn metadata() -> impl Strategy<Value = Value> {
    proptest::collection::vec((proptest::sample::select(KEYS), json()), 0..10)
        .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

/// One core for every case (building one derives credentials).
fn shared() -> &'static H {
    static H_: std::sync::OnceLock<H> = std::sync::OnceLock::new();
    H_.get_or_init(|| H::new(BreakSet::NONE))
}

fn shared_client() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| shared().client().0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn registration_never_fails_badly(m in prop_oneof![metadata(), json()]) {
        let h = shared();
        let r = h.register(&m);
        let v: Value = serde_json::from_slice(&r.body).expect("JSON body");
        match r.status {
            201 => {
                let id = v["client_id"].as_str().unwrap();
                let phk = gatecheck_proto::dcr::per_host_key(KEY.as_bytes(), "localhost");
                let claims = gatecheck_proto::dcr::verify_client_id(&phk, id, 1_800_000_000).unwrap();
                prop_assert!(claims["redirect_uris"].as_array().is_some_and(|a| !a.is_empty()));
                prop_assert_eq!(&claims["redirect_uris"], &m["redirect_uris"]);
            }
            400 => {
                let code = v["error"].as_str().unwrap();
                prop_assert!(code == "invalid_redirect_uri" || code == "invalid_client_metadata", "{}", code);
            }
            s => prop_assert!(false, "status {}", s),
        }
    }

    #[test]
    fn raw_bodies_never_5xx(body in proptest::collection::vec(any::<u8>(), 0..512),
                            path in proptest::sample::select(&["/oauth2/register", "/oauth2/token", "/oauth2/revoke", "/oauth2/authorize"][..]),
                            ct in proptest::sample::select(&["application/json", "application/x-www-form-urlencoded", "text/plain"][..])) {
        let h = shared();
        let r = h.send("POST", path, &[("content-type", ct)], &body);
        prop_assert!((400..500).contains(&r.status) || r.status == 303, "{} {}", path, r.status);
    }

    #[test]
    fn random_forms_never_5xx(pairs in proptest::collection::vec(
            (proptest::sample::select(&["grant_type", "code", "client_id", "client_secret", "redirect_uri",
                "code_verifier", "refresh_token", "token", "response_type", "state", "code_challenge",
                "code_challenge_method", "username", "password", "scope"][..]),
             prop_oneof![proptest::sample::select(STRINGS).prop_map(str::to_owned), ".{0,60}"]), 0..10)) {
        let h = shared();
        let id = shared_client();
        let mut pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.push(("client_id", id));
        let body = encode(&pairs);
        for path in ["/oauth2/token", "/oauth2/revoke", "/oauth2/authorize"] {
            let r = h.send("POST", path, &[("content-type", "application/x-www-form-urlencoded")], body.as_bytes());
            prop_assert!(r.status < 500, "{} {}", path, r.status);
            let r = h.authorize_get(&body);
            prop_assert!(r.status < 500);
        }
    }
}
