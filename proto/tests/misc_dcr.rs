//! Stateless client registration: the digest §5.8 derived vector, expiry, reserved claims and
//! cross-host isolation.

use gatecheck_proto::dcr::*;
use gatecheck_proto::jose::{self, JwsError};
use serde_json::{Map, Value, json};

const CLIENT_ID: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjbGllbnRfbmFtZSI6IlRlc3QiLCJjbGllbnRfdXJpIjoiaHR0cHM6Ly9hcHAuZXhhbXBsZS5jb20vIiwicmVkaXJlY3RfdXJpcyI6WyJodHRwczovL2FwcC5leGFtcGxlLmNvbS9jYiJdLCJub25jZSI6ImFiYzEyMyIsImlhdCI6MTcwMDAwMDAwMH0.4_gV3V7_Z1x7bttWQhhdfIw-p2asyFKK1ug3iIXSObo";
const SECRET: &str = "b5bf8b3e04f609dda4f8754625a3ee3b9d6cc52c8231d73eed350cfd76de1c6d";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn metadata() -> Map<String, Value> {
    let Value::Object(m) = json!({
        "client_name": "Test",
        "client_uri": "https://app.example.com/",
        "redirect_uris": ["https://app.example.com/cb"],
    }) else {
        unreachable!()
    };
    m
}

fn key() -> [u8; 32] {
    per_host_key(b"test-registration-key", "example.com")
}

#[test]
fn digest_vector() {
    let k = key();
    assert_eq!(
        hex(&k),
        "08d6664d34d8d615a771e6f21042d985b6fb34c20d1e6a76b7d0f4a2db5f9a22"
    );
    let id = issue_client_id(&k, &metadata(), Some("abc123"), 1_700_000_000, None);
    assert_eq!(id, CLIENT_ID);
    assert_eq!(client_secret(&k, &id), SECRET);
    let payload = verify_client_id(&k, &id, u64::MAX).unwrap();
    assert_eq!(payload["client_name"], "Test");
    assert_eq!(payload["nonce"], "abc123");
    assert_eq!(verify_client_secret(&k, &id, SECRET), Ok(()));
    assert_eq!(
        verify_client_secret(&k, &id, &SECRET[1..]),
        Err(DcrError::BadSecret)
    );
    assert_eq!(
        verify_client_secret(&k, &id, &SECRET.to_uppercase()),
        Err(DcrError::BadSecret)
    );
}

#[test]
fn prosody_style_vector_signed_with_raw_key() {
    // Prosody signs the client_id with the raw registration key; the payload part is identical.
    let payload_part = CLIENT_ID.split('.').nth(1).unwrap();
    let signing_input = format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload_part}");
    let sig = jose::hmac_sha256(b"test-registration-key", signing_input.as_bytes());
    assert_eq!(
        jose::b64url_encode(&sig),
        "TFbt3vdrXluHTbJjEmILTOhAneEHwPVoC33oKe_TgIA"
    );
    let id = format!("{signing_input}.{}", jose::b64url_encode(&sig));
    assert_eq!(
        client_secret(&key(), &id),
        "20f80627124992c9b84584573a58319366a8473a3ceef9f88545cd24cccaf1f2"
    );
}

#[test]
fn expiry_is_enforced_when_present() {
    let k = key();
    let id = issue_client_id(&k, &metadata(), None, 100, Some(200));
    assert_eq!(verify_client_id(&k, &id, 199).unwrap()["exp"], 200);
    assert_eq!(verify_client_id(&k, &id, 200), Err(DcrError::Expired));
    assert_eq!(verify_client_id(&k, &id, 10_000), Err(DcrError::Expired));
}

#[test]
fn reserved_claims_are_server_controlled() {
    let k = key();
    let mut m = metadata();
    m.insert("exp".into(), json!(1));
    m.insert("nonce".into(), json!("client-chosen"));
    m.insert("iat".into(), json!("bogus"));
    let id = issue_client_id(&k, &m, Some("srv"), 5, None);
    let p = verify_client_id(&k, &id, 1_000_000).unwrap();
    assert_eq!(p["nonce"], "srv");
    assert_eq!(p["iat"], 5);
    assert!(!p.contains_key("exp"));
}

#[test]
fn other_host_and_bad_claims_rejected() {
    let other = per_host_key(b"test-registration-key", "example.org");
    assert!(matches!(
        verify_client_id(&other, CLIENT_ID, 0),
        Err(DcrError::Jws(JwsError::BadSignature))
    ));
    assert_ne!(client_secret(&other, CLIENT_ID), SECRET);
    let k = key();
    let bad_exp = jose::sign(jose::HS256_HEADER.as_bytes(), br#"{"exp":"soon"}"#, &k);
    assert_eq!(
        verify_client_id(&k, &bad_exp, 0),
        Err(DcrError::BadClaim("exp"))
    );
    let array = jose::sign(jose::HS256_HEADER.as_bytes(), b"[]", &k);
    assert_eq!(verify_client_id(&k, &array, 0), Err(DcrError::NotAnObject));
}
