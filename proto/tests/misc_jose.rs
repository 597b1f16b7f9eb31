//! HS256 JWS: RFC 4231 HMAC vectors, the RFC 7515 A.1 vector, algorithm pinning, strict base64url
//! and a proptest that any single-byte change breaks verification.

use gatecheck_proto::jose::*;
use proptest::prelude::*;
use serde_json::json;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const A1_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const A1_KEY_B64: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

fn a1_key() -> Vec<u8> {
    b64url_decode(A1_KEY_B64).unwrap()
}

#[test]
fn rfc4231_vectors() {
    let tc7 = b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";
    let key4: Vec<u8> = (1u8..=0x19).collect();
    let cases: [(&[u8], &[u8], &str); 6] = [
        (
            &[0x0b; 20],
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            b"Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            &[0xaa; 20],
            &[0xdd; 50],
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        ),
        (
            &key4,
            &[0xcd; 50],
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        ),
        (
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
        (
            &[0xaa; 131],
            tc7,
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ];
    for (key, data, mac) in cases {
        assert_eq!(hex(&hmac_sha256(key, data)), mac);
    }
    let tc5 = hmac_sha256(&[0x0c; 20], b"Test With Truncation");
    assert_eq!(hex(&tc5[..16]), "a3b6167473100ee06e0c796c2955552b");
}

#[test]
fn rfc7515_a1_vector() {
    let key = a1_key();
    assert_eq!(
        hex(&key),
        "0323354b2b0fa5bc837e0665777ba68f5ab328e6f054c928a90f84b2d2502ebfd3fb5a92d20647ef968ab4c377623d223d2e2172052e4f08c0cd9af567d080a3"
    );
    let header = b"{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
    let payload =
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
    assert_eq!(sign(header, payload, &key), A1_TOKEN);
    let v = verify(A1_TOKEN, &key, &JwsLimits::default()).unwrap();
    assert_eq!(v.payload["iss"], "joe");
    assert_eq!(v.payload["exp"], 1300819380);
    assert_eq!(v.header["typ"], "JWT");
}

#[test]
fn sign_claims_uses_fixed_header_and_round_trips() {
    let key = [9u8; 32];
    let t = sign_claims(&json!({"sub": "x"}), &key);
    assert!(t.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
    let v = verify(&t, &key, &JwsLimits::default()).unwrap();
    assert_eq!(v.payload, json!({"sub": "x"}));
    assert_eq!(v.header, json!({"alg": "HS256", "typ": "JWT"}));
    assert_eq!(
        verify(&t, &[8u8; 32], &JwsLimits::default()).unwrap_err(),
        JwsError::BadSignature
    );
}

#[test]
fn algorithm_pinning() {
    let key = [1u8; 32];
    let none = format!(
        "{}.{}.",
        b64url_encode(br#"{"alg":"none"}"#),
        b64url_encode(b"{}")
    );
    assert_eq!(
        verify(&none, &key, &JwsLimits::default()).unwrap_err(),
        JwsError::AlgNotAllowed("\"none\"".into())
    );
    for header in [
        &br#"{"alg":"HS512"}"#[..],
        br#"{"alg":"RS256"}"#,
        br#"{"typ":"JWT"}"#,
        br#"{"alg":1}"#,
    ] {
        let t = sign(header, b"{}", &key);
        assert!(matches!(
            verify(&t, &key, &JwsLimits::default()),
            Err(JwsError::AlgNotAllowed(_))
        ));
    }
    let crit = sign(
        br#"{"alg":"HS256","crit":["b64"],"b64":false}"#,
        b"{}",
        &key,
    );
    assert_eq!(
        verify(&crit, &key, &JwsLimits::default()).unwrap_err(),
        JwsError::CritPresent
    );
    let arr = sign(b"[1]", b"{}", &key);
    assert_eq!(
        verify(&arr, &key, &JwsLimits::default()).unwrap_err(),
        JwsError::BadHeader
    );
}

#[test]
fn structural_rejections() {
    let key = a1_key();
    let l = JwsLimits::default();
    assert_eq!(
        verify("a.b", &key, &l).unwrap_err(),
        JwsError::WrongPartCount
    );
    assert_eq!(
        verify(&format!("{A1_TOKEN}.x"), &key, &l).unwrap_err(),
        JwsError::WrongPartCount
    );
    let padded = format!("{A1_TOKEN}=");
    assert_eq!(verify(&padded, &key, &l).unwrap_err(), JwsError::Base64(2));
    let spaced = A1_TOKEN.replacen('.', " .", 1);
    assert_eq!(verify(&spaced, &key, &l).unwrap_err(), JwsError::Base64(0));
    let small = JwsLimits {
        max_token_len: 10,
        ..l
    };
    assert_eq!(
        verify(A1_TOKEN, &key, &small).unwrap_err(),
        JwsError::TooLong(10)
    );
    assert_eq!(
        verify(A1_TOKEN, &key[..31], &l).unwrap_err(),
        JwsError::KeyTooShort(32)
    );
    let not_json = sign(br#"{"alg":"HS256"}"#, b"nope", &key);
    assert_eq!(
        verify(&not_json, &key, &l).unwrap_err(),
        JwsError::BadPayload
    );
}

proptest! {
    #[test]
    fn any_byte_flip_fails(idx in any::<prop::sample::Index>(), repl in any::<u8>()) {
        let key = a1_key();
        let mut bytes = A1_TOKEN.as_bytes().to_vec();
        let i = idx.index(bytes.len());
        prop_assume!(bytes[i] != repl);
        bytes[i] = repl;
        let tampered = String::from_utf8_lossy(&bytes).into_owned();
        prop_assert!(verify(&tampered, &key, &JwsLimits::default()).is_err());
    }

    #[test]
    fn verify_never_panics(s in ".{0,300}") {
        let _ = verify(&s, &[0u8; 32], &JwsLimits::default());
    }
}
