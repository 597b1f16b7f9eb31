//! HS256 JWS compact serialisation (RFC 7515 / RFC 7518 §3.2), just enough for OAuth2 stateless
//! client registration (digest §5.6, §5.8). The algorithm is pinned: `none`, any other `alg` and
//! any `crit` header are rejected (RFC 8725), base64url is strict (no padding, no whitespace) and
//! the MAC is compared in constant time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The exact header `sign_claims` emits (Prosody emits the same bytes).
pub const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// HMAC-SHA-256 (RFC 2104 / RFC 4231): the one MAC behind HS256 and the registration keys.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; the fallback (all zero) is unreachable in practice and
    // would never verify a real MAC.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// base64url without padding (RFC 7515 §2).
pub fn b64url_encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Strict base64url decoding: rejects padding, whitespace, `+`/`/` and non-canonical trailing bits.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Why a token did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    /// The token is longer than [`JwsLimits::max_token_len`].
    #[error("token longer than {0} bytes")]
    TooLong(usize),
    /// The token does not have exactly three dot-separated parts.
    #[error("token does not have exactly three parts")]
    WrongPartCount,
    /// A part is not strict base64url (the part index, 0 = header).
    #[error("part {0} is not strict base64url")]
    Base64(usize),
    /// The header is not a JSON object.
    #[error("header is not a JSON object")]
    BadHeader,
    /// The header names an algorithm other than HS256 (including `none`) or none at all.
    #[error("algorithm not allowed: {0}")]
    AlgNotAllowed(String),
    /// The header carries `crit`, whose extensions we do not understand (RFC 7515 §4.1.11).
    #[error("crit header present")]
    CritPresent,
    /// The verification key is shorter than [`JwsLimits::min_key_len`].
    #[error("key shorter than {0} bytes")]
    KeyTooShort(usize),
    /// The MAC does not match.
    #[error("signature does not verify")]
    BadSignature,
    /// The payload is not JSON.
    #[error("payload is not JSON")]
    BadPayload,
}

/// Input limits for [`verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwsLimits {
    /// Longest token accepted, in bytes.
    pub max_token_len: usize,
    /// Shortest key accepted: RFC 7518 §3.2 requires 32 bytes (256 bits) for HS256.
    pub min_key_len: usize,
}

impl Default for JwsLimits {
    fn default() -> Self {
        Self {
            max_token_len: 8192,
            min_key_len: 32,
        }
    }
}

/// A verified token's decoded header and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The JOSE header.
    pub header: Value,
    /// The payload (claims for a JWT).
    pub payload: Value,
}

/// Signs arbitrary header and payload bytes as an HS256 compact JWS. The bytes are encoded as
/// given, so callers (and the suite) control serialisation exactly.
pub fn sign(header_json: &[u8], payload_json: &[u8], key: &[u8]) -> String {
    let mut out = b64url_encode(header_json);
    out.push('.');
    out.push_str(&b64url_encode(payload_json));
    let mac = hmac_sha256(key, out.as_bytes());
    out.push('.');
    out.push_str(&b64url_encode(&mac));
    out
}

/// Signs JSON claims (compact serialisation) with the header [`HS256_HEADER`].
pub fn sign_claims(claims: &Value, key: &[u8]) -> String {
    sign(HS256_HEADER.as_bytes(), claims.to_string().as_bytes(), key)
}

/// Verifies an HS256 compact JWS. JSON objects with duplicate member names keep the last value
/// (serde_json's behaviour, allowed by RFC 7519 §4).
pub fn verify(token: &str, key: &[u8], limits: &JwsLimits) -> Result<Verified, JwsError> {
    if token.len() > limits.max_token_len {
        return Err(JwsError::TooLong(limits.max_token_len));
    }
    if key.len() < limits.min_key_len {
        return Err(JwsError::KeyTooShort(limits.min_key_len));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::WrongPartCount);
    };
    let header_bytes = b64url_decode(h).ok_or(JwsError::Base64(0))?;
    let payload_bytes = b64url_decode(p).ok_or(JwsError::Base64(1))?;
    let sig = b64url_decode(s).ok_or(JwsError::Base64(2))?;
    let header: Value = serde_json::from_slice(&header_bytes).map_err(|_| JwsError::BadHeader)?;
    let obj = header.as_object().ok_or(JwsError::BadHeader)?;
    match obj.get("alg") {
        Some(Value::String(a)) if a == "HS256" => {}
        Some(other) => return Err(JwsError::AlgNotAllowed(other.to_string())),
        None => return Err(JwsError::AlgNotAllowed(String::new())),
    }
    if obj.contains_key("crit") {
        return Err(JwsError::CritPresent);
    }
    let signing_input_len = h.len() + 1 + p.len();
    let signing_input = token
        .get(..signing_input_len)
        .ok_or(JwsError::WrongPartCount)?;
    let expected = hmac_sha256(key, signing_input.as_bytes());
    if !bool::from(expected[..].ct_eq(&sig)) {
        return Err(JwsError::BadSignature);
    }
    let payload = serde_json::from_slice(&payload_bytes).map_err(|_| JwsError::BadPayload)?;
    Ok(Verified { header, payload })
}
