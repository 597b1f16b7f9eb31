//! Client verification (digest §5.8): the client_id is checked as an HS256 JWS under the per-host
//! key (and its `exp`), the secret recomputed and compared in constant time. Client
//! authentication at the token and revocation endpoints: `client_secret_basic` (RFC 6749 §2.3.1,
//! form-urlencoded before base64) or `client_secret_post`, never both; public clients
//! (`token_endpoint_auth_method: none`) send only `client_id`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::wire::{Form, percent_decode};
use super::{HttpRequest, HttpResponse, OAuth2Http, register, sha256_hex};
use crate::breaks::Break;

/// A verified client.
#[derive(Debug, Clone)]
pub struct Client {
    /// The client_id as presented.
    pub client_id: String,
    /// Its signed metadata.
    pub metadata: Map<String, Value>,
    /// SHA-256 of the client_id (hex): what tokens and codes are bound to.
    pub client_hash: String,
}

impl Client {
    /// The registered redirect URIs.
    pub fn redirect_uris(&self) -> Vec<&str> {
        self.metadata
            .get("redirect_uris")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The registered token endpoint authentication method.
    pub fn auth_method(&self) -> &str {
        self.metadata
            .get("token_endpoint_auth_method")
            .and_then(Value::as_str)
            .unwrap_or("client_secret_basic")
    }

    /// Whether the client registered grant type `g`.
    pub fn has_grant(&self, g: &str) -> bool {
        self.metadata
            .get("grant_types")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(g)))
    }

    /// The display name (client_name, else client_uri, else "an application").
    pub fn display_name(&self) -> &str {
        ["client_name", "client_uri"]
            .iter()
            .find_map(|k| self.metadata.get(*k).and_then(Value::as_str))
            .unwrap_or("an application")
    }
}

/// Verifies a client_id alone (authorization endpoint, public clients).
pub fn verify_client_id(core: &OAuth2Http, client_id: &str) -> Option<Client> {
    let key = core.per_host_key?;
    let metadata = match gatecheck_proto::dcr::verify_client_id(&key, client_id, core.now()) {
        Ok(m) => m,
        Err(gatecheck_proto::dcr::DcrError::Jws(e)) => unverified(core, client_id, &e)?,
        Err(_) => return None,
    };
    Some(Client {
        client_id: client_id.to_owned(),
        metadata,
        client_hash: sha256_hex(client_id.as_bytes()),
    })
}

/// The payload of a client_id that did not verify, if a broken build accepts it anyway.
fn unverified(
    core: &OAuth2Http,
    client_id: &str,
    e: &gatecheck_proto::jose::JwsError,
) -> Option<Map<String, Value>> {
    use gatecheck_proto::jose::JwsError;
    let accept = match e {
        JwsError::BadSignature => core.breaks.has(Break::Dcr62TamperedClientIdAccepted),
        JwsError::AlgNotAllowed(a) => {
            a == "\"none\"" && core.breaks.has(Break::Dcr62AlgNoneAccepted)
        }
        _ => false,
    };
    if !accept {
        return None;
    }
    let payload = client_id.split('.').nth(1)?;
    let bytes = gatecheck_proto::jose::b64url_decode(payload)?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// How a token-endpoint request failed client authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// `invalid_client`; `basic` when the client used the Authorization header.
    InvalidClient {
        /// Whether HTTP Basic was used (RFC 6749 §5.2: then 401 + WWW-Authenticate).
        basic: bool,
    },
    /// `invalid_request` (two methods at once, a malformed header).
    InvalidRequest(&'static str),
}

impl AuthFailure {
    /// The RFC 6749 §5.2 response.
    pub fn response(&self, core: &OAuth2Http) -> HttpResponse {
        match self {
            AuthFailure::InvalidRequest(t) => HttpResponse::error(400, "invalid_request", t),
            AuthFailure::InvalidClient { basic } => {
                if *basic && core.breaks.has(Break::Dcr34NoWwwAuthenticate) {
                    return HttpResponse::error(
                        400,
                        "invalid_client",
                        "client authentication failed",
                    );
                }
                // A 401 always carries a challenge (RFC 9110 §15.5.2); over Basic it is mandatory.
                HttpResponse::error(401, "invalid_client", "client authentication failed")
                    .with_header(
                        "www-authenticate",
                        &format!("Basic realm=\"{}\"", core.settings.host),
                    )
            }
        }
    }
}

/// Authenticates the client of a token or revocation request.
pub fn authenticate(
    core: &OAuth2Http,
    req: &HttpRequest,
    form: &Form,
) -> Result<Client, AuthFailure> {
    let basic = match req.header("authorization") {
        Some(h) => Some(parse_basic(h).ok_or(AuthFailure::InvalidClient { basic: true })?),
        None => None,
    };
    if req.header_count("authorization") > 1 {
        return Err(AuthFailure::InvalidRequest(
            "more than one Authorization header",
        ));
    }
    let post_secret = form.get("client_secret");
    let (client_id, secret, used_basic) = match (basic, post_secret) {
        (Some(_), Some(_)) => {
            return Err(AuthFailure::InvalidRequest(
                "use one client authentication method, not two",
            ));
        }
        (Some((id, secret)), None) => {
            if form.get("client_id").is_some_and(|f| f != id) {
                return Err(AuthFailure::InvalidRequest(
                    "client_id differs from the Authorization header",
                ));
            }
            (id, Some(secret), true)
        }
        (None, secret) => {
            let Some(id) = form.get("client_id") else {
                return Err(AuthFailure::InvalidClient { basic: false });
            };
            (id.to_owned(), secret.map(str::to_owned), false)
        }
    };
    let fail = AuthFailure::InvalidClient { basic: used_basic };
    let client = verify_client_id(core, &client_id).ok_or(fail.clone())?;
    match (client.auth_method() == "none", secret) {
        (true, None) => Ok(client),
        (false, Some(s)) if secret_matches(core, &client_id, &s) => Ok(client),
        _ => Err(fail),
    }
}

/// Whether `presented` is the client_secret of `client_id`, compared in constant time.
pub fn secret_matches(core: &OAuth2Http, client_id: &str, presented: &str) -> bool {
    let Some(key) = core.per_host_key else {
        return false;
    };
    let expected = register::issue_secret(core, &key, client_id);
    bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` → (id, secret).
fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = STANDARD.decode(rest.trim()).ok()?;
    let i = raw.iter().position(|&b| b == b':')?;
    let id = percent_decode(&raw[..i], true)?;
    let secret = percent_decode(&raw[i + 1..], true)?;
    (!id.is_empty()).then_some((id, secret))
}
