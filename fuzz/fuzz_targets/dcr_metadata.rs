//! RFC 7591 client metadata JSON as the reference server validates it before signing it into a
//! stateless client_id (`http::register::validate`, then proto's `dcr::issue_client_id`).
//! Oracles: no panic; validation is idempotent (validated metadata validates to itself); the
//! client_id issued for it verifies under the same host key and carries every validated member
//! unchanged; the client_secret derived for it verifies and a different one does not.
#![no_main]

use gatecheck_proto::dcr;
use gatecheck_server::breaks::BreakSet;
use gatecheck_server::http::register;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const REGISTRATION_KEY: &[u8] = b"fuzz registration key, 32 bytes or more";
const NOW: u64 = 1_780_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(meta) = register::validate(&input, BreakSet::default()) else {
        return;
    };
    let again = register::validate(&Value::Object(meta.clone()), BreakSet::default());
    assert_eq!(
        again.as_ref().ok(),
        Some(&meta),
        "validation is not idempotent"
    );

    let key = dcr::per_host_key(REGISTRATION_KEY, "example.org");
    let client_id = dcr::issue_client_id(&key, &meta, Some("n0nce"), NOW, Some(NOW + 3600));
    let claims = dcr::verify_client_id(&key, &client_id, NOW).expect("own client_id verifies");
    for (k, v) in &meta {
        if !dcr::RESERVED_CLAIMS.contains(&k.as_str()) {
            assert_eq!(
                claims.get(k),
                Some(v),
                "member {k} changed in the client_id"
            );
        }
    }
    let other_host = dcr::per_host_key(REGISTRATION_KEY, "example.net");
    assert!(dcr::verify_client_id(&other_host, &client_id, NOW).is_err());
    assert_eq!(
        dcr::verify_client_id(&key, &client_id, NOW + 3600),
        Err(dcr::DcrError::Expired)
    );
    let secret = dcr::client_secret(&key, &client_id);
    assert!(dcr::verify_client_secret(&key, &client_id, &secret).is_ok());
    assert!(dcr::verify_client_secret(&key, &client_id, &secret[1..]).is_err());
});
