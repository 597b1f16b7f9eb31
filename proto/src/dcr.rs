//! Stateless RFC 7591 dynamic client registration primitives (digest §5.8): the client_id *is*
//! the registered metadata, signed as an HS256 JWS with a per-host key, and the client_secret is
//! an HMAC of the client_id, so the server stores nothing and still checks both in constant time.

use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::jose::{self, JwsError, JwsLimits};

/// Members the server sets itself; any client-supplied values are dropped before signing so a
/// client cannot smuggle its own nonce or lifetime into its client_id.
pub const RESERVED_CLAIMS: [&str; 3] = ["nonce", "iat", "exp"];

/// Why a client_id or client_secret was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DcrError {
    /// The client_id is not a valid JWS under this host's key.
    #[error("client_id does not verify: {0}")]
    Jws(#[from] JwsError),
    /// The signed payload is not a JSON object.
    #[error("client_id payload is not a JSON object")]
    NotAnObject,
    /// `iat` or `exp` is present but not a non-negative integer.
    #[error("client_id claim {0} is not a NumericDate")]
    BadClaim(&'static str),
    /// `now` is at or after the client_id's `exp`.
    #[error("client_id expired")]
    Expired,
    /// The client_secret does not match the client_id.
    #[error("client_secret does not match")]
    BadSecret,
}

/// `HMAC-SHA-256(registration_key, host)`: separates virtual hosts, so a client registered on one
/// host cannot authenticate on another.
pub fn per_host_key(registration_key: &[u8], host: &str) -> [u8; 32] {
    jose::hmac_sha256(registration_key, host.as_bytes())
}

/// `lowercase_hex(HMAC-SHA-256(per_host_key, client_id))`: unique per client_id because the nonce
/// makes every client_id distinct.
pub fn client_secret(per_host_key: &[u8; 32], client_id: &str) -> String {
    jose::hmac_sha256(per_host_key, client_id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Signs a client_id. The payload is `metadata` (serialised in the map's order, reserved members
/// removed) followed by `nonce` (when given), `iat` and `exp` (when given), compactly.
pub fn issue_client_id(
    per_host_key: &[u8; 32],
    metadata: &Map<String, Value>,
    nonce: Option<&str>,
    iat: u64,
    exp: Option<u64>,
) -> String {
    let mut payload = String::from("{");
    let mut push = |k: &str, v: &Value| {
        if payload.len() > 1 {
            payload.push(',');
        }
        payload.push_str(&Value::from(k).to_string());
        payload.push(':');
        payload.push_str(&v.to_string());
    };
    for (k, v) in metadata {
        if !RESERVED_CLAIMS.contains(&k.as_str()) {
            push(k, v);
        }
    }
    if let Some(n) = nonce {
        push("nonce", &Value::from(n));
    }
    push("iat", &Value::from(iat));
    if let Some(e) = exp {
        push("exp", &Value::from(e));
    }
    payload.push('}');
    jose::sign(
        jose::HS256_HEADER.as_bytes(),
        payload.as_bytes(),
        per_host_key,
    )
}

/// Verifies a client_id and returns its signed metadata (including `nonce`/`iat`/`exp`). An
/// `exp` claim is enforced (`now >= exp` fails); without one the client_id never expires.
pub fn verify_client_id(
    per_host_key: &[u8; 32],
    client_id: &str,
    now: u64,
) -> Result<Map<String, Value>, DcrError> {
    let verified = jose::verify(client_id, per_host_key, &JwsLimits::default())?;
    let Value::Object(payload) = verified.payload else {
        return Err(DcrError::NotAnObject);
    };
    if let Some(iat) = payload.get("iat") {
        iat.as_u64().ok_or(DcrError::BadClaim("iat"))?;
    }
    if let Some(exp) = payload.get("exp") {
        let exp = exp.as_u64().ok_or(DcrError::BadClaim("exp"))?;
        if now >= exp {
            return Err(DcrError::Expired);
        }
    }
    Ok(payload)
}

/// Checks a presented client_secret against the one derived from `client_id`, in constant time.
/// Callers verify the client_id itself with [`verify_client_id`] first.
pub fn verify_client_secret(
    per_host_key: &[u8; 32],
    client_id: &str,
    presented: &str,
) -> Result<(), DcrError> {
    let expected = client_secret(per_host_key, client_id);
    if bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) {
        Ok(())
    } else {
        Err(DcrError::BadSecret)
    }
}
