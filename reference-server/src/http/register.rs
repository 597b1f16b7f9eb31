//! `POST /oauth2/register` (RFC 7591): strict metadata validation, then the stateless
//! construction (`proto::dcr`): the filtered metadata, a fresh nonce, `iat` (and `exp` with
//! `oauth2_registration_ttl`) signed as the client_id with the per-host key; the secret is an
//! HMAC of the client_id. Nothing is written to storage.

use serde_json::{Map, Value, json};

use super::uri::{UriError, check_info_url, check_redirect_uri};
use super::{HttpRequest, HttpResponse, OAuth2Http};
use crate::breaks::Break;

/// RFC 7591 §3.2.2 error codes this endpoint uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// `invalid_redirect_uri`.
    #[error("invalid_redirect_uri: {0}")]
    RedirectUri(String),
    /// `invalid_client_metadata`.
    #[error("invalid_client_metadata: {0}")]
    Metadata(String),
}

impl RegistrationError {
    /// The RFC 7591 `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RedirectUri(_) => "invalid_redirect_uri",
            Self::Metadata(_) => "invalid_client_metadata",
        }
    }

    fn response(&self) -> HttpResponse {
        let text = match self {
            Self::RedirectUri(t) | Self::Metadata(t) => t,
        };
        HttpResponse::error(400, self.code(), text)
    }
}

fn meta(text: impl Into<String>) -> RegistrationError {
    RegistrationError::Metadata(text.into())
}

/// Token endpoint authentication methods a client may register.
pub const AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];
/// Grant types a client may register.
pub const GRANT_TYPES: [&str; 2] = ["authorization_code", "refresh_token"];

/// Longest string member accepted (names, versions, scope).
const MAX_STRING: usize = 1024;
/// Most entries in an array member.
const MAX_ARRAY: usize = 16;

/// Validates client metadata and returns what gets signed: the known members, type-checked and
/// with defaults filled (RFC 7591 §2), unknown members dropped.
pub fn validate(
    input: &Value,
    breaks: crate::breaks::BreakSet,
) -> Result<Map<String, Value>, RegistrationError> {
    let Value::Object(input) = input else {
        return Err(meta("the body must be a JSON object"));
    };
    let mut out = Map::new();

    // redirect_uris: required, non-empty array of unique, valid URIs.
    let uris = match input.get("redirect_uris") {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= MAX_ARRAY => a,
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(RegistrationError::RedirectUri(
                "redirect_uris must not be empty".into(),
            ));
        }
        Some(Value::Array(_)) => {
            return Err(RegistrationError::RedirectUri(format!(
                "at most {MAX_ARRAY} redirect_uris"
            )));
        }
        Some(_) => {
            return Err(RegistrationError::RedirectUri(
                "redirect_uris must be an array of strings".into(),
            ));
        }
        None => {
            return Err(RegistrationError::RedirectUri(
                "redirect_uris is required".into(),
            ));
        }
    };
    let mut seen: Vec<&str> = Vec::new();
    for u in uris {
        let Value::String(u) = u else {
            return Err(RegistrationError::RedirectUri(
                "redirect_uris must be an array of strings".into(),
            ));
        };
        check_redirect_uri(u, breaks)
            .map_err(|e: UriError| RegistrationError::RedirectUri(format!("{u:?}: {e}")))?;
        if seen.contains(&u.as_str()) {
            return Err(RegistrationError::RedirectUri(format!(
                "{u:?} listed twice"
            )));
        }
        seen.push(u);
    }
    out.insert("redirect_uris".into(), Value::Array(uris.clone()));

    // token_endpoint_auth_method
    let method = match input.get("token_endpoint_auth_method") {
        None => "client_secret_basic",
        Some(Value::String(m)) if AUTH_METHODS.contains(&m.as_str()) => m.as_str(),
        Some(_) => {
            return Err(meta(format!(
                "token_endpoint_auth_method must be one of {AUTH_METHODS:?}"
            )));
        }
    };
    out.insert("token_endpoint_auth_method".into(), json!(method));

    // grant_types / response_types, consistent with each other (RFC 7591 §2.1).
    let grants = string_set(input, "grant_types", &GRANT_TYPES, &["authorization_code"])?;
    let responses = string_set(input, "response_types", &["code"], &["code"])?;
    let has_code_grant = grants.iter().any(|g| g == "authorization_code");
    let has_code_response = responses.iter().any(|r| r == "code");
    if has_code_grant != has_code_response {
        return Err(meta(
            "grant_types authorization_code and response_types code go together",
        ));
    }
    out.insert("grant_types".into(), json!(grants));
    out.insert("response_types".into(), json!(responses));

    // Human-readable strings.
    for key in ["client_name", "scope", "software_id", "software_version"] {
        match input.get(key) {
            None => {}
            Some(Value::String(s)) if s.len() <= MAX_STRING => {
                out.insert(key.into(), json!(s));
            }
            Some(_) => {
                return Err(meta(format!(
                    "{key} must be a string of at most {MAX_STRING} bytes"
                )));
            }
        }
    }
    // Informational URLs.
    for key in ["client_uri", "logo_uri", "tos_uri", "policy_uri"] {
        match input.get(key) {
            None => {}
            Some(Value::String(s)) if check_info_url(s) => {
                out.insert(key.into(), json!(s));
            }
            Some(_) => return Err(meta(format!("{key} must be an absolute http(s) URL"))),
        }
    }
    // contacts: array of strings.
    match input.get("contacts") {
        None => {}
        Some(Value::Array(a))
            if a.len() <= MAX_ARRAY
                && a.iter()
                    .all(|c| c.as_str().is_some_and(|s| s.len() <= MAX_STRING)) =>
        {
            out.insert("contacts".into(), Value::Array(a.clone()));
        }
        Some(_) => return Err(meta("contacts must be an array of strings")),
    }
    // jwks and jwks_uri are mutually exclusive (RFC 7591 §2); neither is used by this server.
    if input.contains_key("jwks") && input.contains_key("jwks_uri") {
        return Err(meta("jwks and jwks_uri must not both be present"));
    }
    Ok(out)
}

/// A set of allowed strings (`default` when absent); an empty array, a repeat, a non-string or an
/// unsupported value is `invalid_client_metadata`.
fn string_set(
    input: &Map<String, Value>,
    key: &str,
    allowed: &[&str],
    default: &[&str],
) -> Result<Vec<String>, RegistrationError> {
    let Some(v) = input.get(key) else {
        return Ok(default.iter().map(|s| (*s).to_owned()).collect());
    };
    let Value::Array(a) = v else {
        return Err(meta(format!("{key} must be an array of strings")));
    };
    if a.is_empty() {
        return Err(meta(format!("{key} must not be empty")));
    }
    let mut out: Vec<String> = Vec::new();
    for x in a {
        let Some(s) = x.as_str() else {
            return Err(meta(format!("{key} must be an array of strings")));
        };
        if !allowed.contains(&s) {
            return Err(meta(format!("{key}: {s:?} is not supported ({allowed:?})")));
        }
        if out.iter().any(|o| o == s) {
            return Err(meta(format!("{key}: {s:?} listed twice")));
        }
        out.push(s.to_owned());
    }
    Ok(out)
}

/// The handler.
pub fn handle(core: &OAuth2Http, req: &HttpRequest) -> HttpResponse {
    let Some(key) = core.per_host_key else {
        return HttpResponse::error(404, "not_found", "dynamic client registration is disabled");
    };
    if !req.content_type_is("application/json") {
        return HttpResponse::error(
            415,
            "invalid_client_metadata",
            "the body must be application/json",
        );
    }
    // serde_json refuses nesting deeper than 128 and the body is bounded by MAX_BODY.
    let input: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(_) => return meta("the body is not valid JSON").response(),
    };
    if core.breaks.has(Break::Dcr15ServerErrorOnMissingField)
        && input.get("redirect_uris").is_none()
    {
        return HttpResponse::error(500, "server_error", "missing field");
    }
    let metadata = match validate(&input, core.breaks) {
        Ok(m) => m,
        Err(e) => return e.response(),
    };
    let iat = core.now();
    // The break signs only the metadata and the day: identical registrations collide whenever
    // they fall on the same day, not only within one second (so the suite sees it every run).
    let iat = if core.breaks.has(Break::Dcr19SameIdForSameMetadata) {
        iat - iat % 86_400
    } else {
        iat
    };
    let exp = core
        .settings
        .registration_ttl
        .map(|t| iat.saturating_add(t));
    let nonce = core.random_token();
    let nonce = (!core.breaks.has(Break::Dcr19SameIdForSameMetadata)).then_some(nonce.as_str());
    let client_id = gatecheck_proto::dcr::issue_client_id(&key, &metadata, nonce, iat, exp);
    if client_id.len() > gatecheck_proto::jose::JwsLimits::default().max_token_len {
        return meta("the client metadata is too large to sign into a client_id").response();
    }
    let mut body = metadata.clone();
    body.insert("client_id".into(), json!(client_id));
    if metadata.get("token_endpoint_auth_method") != Some(&json!("none")) {
        body.insert(
            "client_secret".into(),
            json!(issue_secret(core, &key, &client_id)),
        );
        body.insert("client_secret_expires_at".into(), json!(exp.unwrap_or(0)));
    }
    body.insert("client_id_issued_at".into(), json!(iat));
    HttpResponse::json(201, &Value::Object(body)).no_store()
}

/// The client_secret for `client_id`: `HMAC-SHA-256(per_host_key, client_id)` in hex.
pub fn issue_secret(core: &OAuth2Http, per_host_key: &[u8; 32], client_id: &str) -> String {
    if core.breaks.has(Break::Dcr70SecretNotHostBound) {
        let raw = core
            .settings
            .registration_key
            .as_deref()
            .unwrap_or_default();
        return gatecheck_proto::jose::hmac_sha256(raw, client_id.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    }
    gatecheck_proto::dcr::client_secret(per_host_key, client_id)
}
