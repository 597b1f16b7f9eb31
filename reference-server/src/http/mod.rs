//! The OAuth2 authorization server (issue 12) as a sans-IO HTTP core: every endpoint is a plain
//! function from an [`HttpRequest`] to an [`HttpResponse`], over the [`Store`] and the [`Env`]
//! (clock and RNG), so it is tested and fuzzed without sockets. The axum shell (`shell.rs`,
//! feature `shell`) only moves bytes.
//!
//! Endpoints (the contract in `notes/oauth2-contract.md`): RFC 8414 metadata, RFC 7591 stateless
//! dynamic client registration (the client_id *is* the signed metadata, see `proto::dcr`; nothing
//! is stored), the authorization-code grant with PKCE S256 and a small HTML login page, the token
//! endpoint (authorization_code, refresh_token with rotation) and RFC 7009 revocation. Access
//! tokens log in to XMPP over SASL OAUTHBEARER (`modules/oauth2.rs`).
//!
//! Every client error is a 4xx with a JSON body (HTML only on the browser-facing authorize page);
//! a store failure is the only 5xx.

pub mod authorize;
pub mod client_auth;
pub mod metadata;
pub mod register;
pub mod revoke;
#[cfg(feature = "shell")]
pub mod shell;
pub mod token;
pub mod uri;
pub mod wire;

#[cfg(test)]
mod core_proptest;
#[cfg(test)]
mod core_tests;
#[cfg(test)]
pub(crate) mod harness;
#[cfg(all(test, feature = "break-builds"))]
mod oauth2_break_tests;

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use crate::breaks::BreakSet;
use crate::config::Config;
use crate::env::Env;
use crate::store::Store;
pub use wire::{HttpRequest, HttpResponse};

/// Paths served.
pub mod paths {
    /// RFC 8414 metadata.
    pub const METADATA: &str = "/.well-known/oauth-authorization-server";
    /// RFC 7591 registration.
    pub const REGISTER: &str = "/oauth2/register";
    /// RFC 6749 §3.1 authorization endpoint.
    pub const AUTHORIZE: &str = "/oauth2/authorize";
    /// RFC 6749 §3.2 token endpoint.
    pub const TOKEN: &str = "/oauth2/token";
    /// RFC 7009 revocation endpoint.
    pub const REVOKE: &str = "/oauth2/revoke";
}

/// Lifetime of an authorization code in seconds (RFC 6749 §4.1.2: at most 10 minutes).
pub const CODE_TTL: u64 = 120;

/// The OAuth2 settings from the config (Prosody's mod_http_oauth2 option names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Settings {
    /// The host name clients register for (the XMPP domain); `per_host_key` is keyed by it.
    pub host: String,
    /// `oauth2_registration_key`: registration is disabled without it.
    pub registration_key: Option<Vec<u8>>,
    /// `oauth2_registration_ttl`: client_id lifetime in seconds; `None` never expires.
    pub registration_ttl: Option<u64>,
    /// `oauth2_require_code_challenge` (default true): PKCE S256 required.
    pub require_code_challenge: bool,
    /// `oauth2_access_token_ttl` in seconds (default 3600).
    pub access_token_ttl: u64,
    /// `oauth2_refresh_token_ttl` in seconds (default 604800).
    pub refresh_token_ttl: u64,
}

impl OAuth2Settings {
    /// The settings `config` gives.
    pub fn from_config(config: &Config) -> Self {
        Self {
            host: config.domain.clone(),
            registration_key: config
                .oauth2_registration_key
                .as_ref()
                .map(|k| k.as_bytes().to_vec()),
            registration_ttl: config.oauth2_registration_ttl,
            require_code_challenge: config.oauth2_require_code_challenge,
            access_token_ttl: config.oauth2_access_token_ttl,
            refresh_token_ttl: config.oauth2_refresh_token_ttl,
        }
    }
}

/// The OAuth2 HTTP core: one per listener, shared by every request.
pub struct OAuth2Http {
    pub(crate) settings: OAuth2Settings,
    /// `HMAC-SHA-256(oauth2_registration_key, host)`, when registration is enabled.
    pub(crate) per_host_key: Option<[u8; 32]>,
    /// `https://HOST[:PORT]` as served (RFC 8414 §2 `issuer`, RFC 9207 `iss`).
    pub(crate) issuer: String,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) env: Env,
    pub(crate) breaks: BreakSet,
}

impl OAuth2Http {
    /// A core serving `issuer` with `settings` over `store`.
    pub fn new(
        settings: OAuth2Settings,
        issuer: String,
        store: Arc<dyn Store>,
        env: Env,
        breaks: BreakSet,
    ) -> Self {
        let per_host_key = settings
            .registration_key
            .as_deref()
            .map(|k| gatecheck_proto::dcr::per_host_key(k, &settings.host));
        Self {
            settings,
            per_host_key,
            issuer,
            store,
            env,
            breaks,
        }
    }

    /// The issuer identifier.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Answers one request. Never panics on client input; client errors are 4xx.
    pub fn handle(&self, req: &HttpRequest) -> HttpResponse {
        if req.body.len() > wire::MAX_BODY {
            return HttpResponse::error(413, "invalid_request", "request body too large");
        }
        match req.path.as_str() {
            paths::METADATA => only(req, "GET", || metadata::handle(self)),
            paths::REGISTER => only(req, "POST", || register::handle(self, req)),
            paths::AUTHORIZE => match req.method.as_str() {
                "GET" => authorize::handle_get(self, req),
                "POST" => authorize::handle_post(self, req),
                _ => method_not_allowed("GET, POST"),
            },
            paths::TOKEN => only(req, "POST", || token::handle(self, req)),
            paths::REVOKE => only(req, "POST", || revoke::handle(self, req)),
            _ => HttpResponse::error(404, "not_found", "no such endpoint"),
        }
    }

    /// The current time in UNIX seconds from the injected clock.
    pub(crate) fn now(&self) -> u64 {
        self.env
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// A fresh opaque secret: 32 CSPRNG bytes, base64url (256 bits).
    pub(crate) fn random_token(&self) -> String {
        let mut b = [0u8; 32];
        self.env.rng.fill(&mut b);
        gatecheck_proto::jose::b64url_encode(&b)
    }
}

fn only(req: &HttpRequest, method: &str, f: impl FnOnce() -> HttpResponse) -> HttpResponse {
    if req.method == method {
        f()
    } else {
        method_not_allowed(method)
    }
}

fn method_not_allowed(allow: &str) -> HttpResponse {
    HttpResponse::error(405, "invalid_request", "method not allowed").with_header("allow", allow)
}

/// Lower-case hex SHA-256: how codes, tokens and client_ids are keyed in the store.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
