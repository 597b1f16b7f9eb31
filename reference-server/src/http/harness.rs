//! Test harness for the HTTP core: an in-memory store with one account, a manual clock, a seeded
//! RNG, and helpers for each step of the flow.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Value, json};

use super::wire::{Form, percent_encode};
use super::{HttpRequest, HttpResponse, OAuth2Http, OAuth2Settings};
use crate::breaks::BreakSet;
use crate::env::{Env, ManualClock, SeededRng};
use crate::store::{Account, MemoryStore, Store};

pub const KEY: &str = "0123456789abcdef0123456789abcdef";
pub const ISSUER: &str = "https://localhost:5280";
pub const REDIRECT: &str = "https://app.example/cb";
pub const PASSWORD: &str = "correct horse";
/// A valid PKCE verifier (43 characters) and its S256 challenge.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub struct H {
    pub core: OAuth2Http,
    pub clock: Arc<ManualClock>,
    pub store: Arc<MemoryStore>,
}

pub fn settings() -> OAuth2Settings {
    OAuth2Settings {
        host: "localhost".into(),
        registration_key: Some(KEY.as_bytes().to_vec()),
        registration_ttl: None,
        require_code_challenge: true,
        access_token_ttl: 3600,
        refresh_token_ttl: 86_400,
    }
}

impl H {
    pub fn new(breaks: BreakSet) -> H {
        Self::with_settings(settings(), breaks)
    }

    pub fn with_settings(settings: OAuth2Settings, breaks: BreakSet) -> H {
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        ));
        let store = Arc::new(MemoryStore::new());
        store
            .create_account(&Account {
                username: "alice".into(),
                created_at: 0,
                credentials: crate::credentials::derive_all(PASSWORD, 16).unwrap(),
            })
            .unwrap();
        let env = Env {
            clock: clock.clone(),
            rng: Arc::new(SeededRng::new(7)),
        };
        let core = OAuth2Http::new(settings, ISSUER.into(), store.clone(), env, breaks);
        H { core, clock, store }
    }

    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        self.core.handle(&HttpRequest {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_vec(),
        })
    }

    pub fn register(&self, metadata: &Value) -> HttpResponse {
        self.send(
            "POST",
            "/oauth2/register",
            &[("content-type", "application/json")],
            metadata.to_string().as_bytes(),
        )
    }

    /// Registers a confidential client with both grants; (client_id, client_secret).
    pub fn client(&self) -> (String, String) {
        let r = self.register(&json!({
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "client_name": "Test <App>",
        }));
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let v = body(&r);
        (
            v["client_id"].as_str().unwrap().into(),
            v["client_secret"].as_str().unwrap().into(),
        )
    }

    pub fn authorize_query(&self, client_id: &str, extra: &[(&str, &str)]) -> String {
        let mut q = vec![
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("state", "st&te"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in extra {
            q.retain(|(n, _)| n != k);
            if !v.is_empty() {
                q.push((k, v));
            }
        }
        encode(&q)
    }

    pub fn authorize_get(&self, query: &str) -> HttpResponse {
        self.send("GET", &format!("/oauth2/authorize?{query}"), &[], b"")
    }

    pub fn authorize_post(&self, query: &str, user: &str, password: &str) -> HttpResponse {
        let body = format!(
            "{query}&{}",
            encode(&[("username", user), ("password", password)])
        );
        self.send(
            "POST",
            "/oauth2/authorize",
            &[("content-type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
    }

    /// Logs alice in and returns the code.
    pub fn code(&self, client_id: &str) -> String {
        let r = self.authorize_post(&self.authorize_query(client_id, &[]), "alice", PASSWORD);
        assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
        redirect_params(&r).get("code").unwrap().to_owned()
    }

    pub fn token(&self, params: &[(&str, &str)], basic: Option<(&str, &str)>) -> HttpResponse {
        let auth = basic.map(|(id, secret)| {
            use base64::Engine;
            let raw = format!("{}:{}", percent_encode(id), percent_encode(secret));
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            )
        });
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(a) = &auth {
            headers.push(("authorization", a.as_str()));
        }
        self.send("POST", "/oauth2/token", &headers, encode(params).as_bytes())
    }

    /// Code exchange with Basic auth.
    pub fn exchange(&self, id: &str, secret: &str, code: &str) -> HttpResponse {
        self.token(
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
            Some((id, secret)),
        )
    }

    pub fn revoke(&self, id: &str, secret: &str, token: &str) -> HttpResponse {
        let body = encode(&[
            ("token", token),
            ("client_id", id),
            ("client_secret", secret),
        ]);
        self.send(
            "POST",
            "/oauth2/revoke",
            &[("content-type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
    }
}

pub fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn body(r: &HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// The query parameters of a redirect's Location.
pub fn redirect_params(r: &HttpResponse) -> Form {
    let loc = r.header("location").expect("a Location header");
    let q = loc.split_once('?').map_or("", |(_, q)| q);
    Form::parse(q.as_bytes()).unwrap()
}
