//! HS256 compact JWS verification (proto::jose) as used for stateless client_ids (proto::dcr).
//! Input: one control byte, then either a token (raw mode) or JSON claims that the target signs
//! as a client_id and then mutates at a fuzzer-chosen position (forge mode).
//! Oracles: no panic; a token that verifies is exactly the signature under the key of its own
//! decoded header and payload (so only the key holder can have made it) with `alg` HS256 and no
//! `crit`; a mutated client_id verifies only if the mutation left the bytes unchanged.
#![no_main]

use gatecheck_proto::{dcr, jose};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
const NOW: u64 = 1_780_000_000;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let limits = jose::JwsLimits::default();
    if control & 1 == 0 {
        let Ok(token) = std::str::from_utf8(rest) else {
            return;
        };
        let Ok(verified) = jose::verify(token, KEY, &limits) else {
            return;
        };
        let mut parts = token.split('.');
        let header = jose::b64url_decode(parts.next().unwrap_or_default()).expect("verified");
        let payload = jose::b64url_decode(parts.next().unwrap_or_default()).expect("verified");
        assert_eq!(
            jose::sign(&header, &payload, KEY),
            token,
            "verified but not our signature"
        );
        assert_eq!(verified.header.get("alg"), Some(&Value::from("HS256")));
        assert!(verified.header.get("crit").is_none());
        // The same token under another key never verifies.
        assert!(jose::verify(token, b"fedcba9876543210fedcba9876543210", &limits).is_err());
        return;
    }
    // Forge mode: claims, then two bytes choosing a position and an xor value.
    let (claims, tweak) = rest.split_at(rest.len().saturating_sub(2));
    let metadata: Map<String, Value> = match serde_json::from_slice(claims) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let key: [u8; 32] = KEY.try_into().expect("32 bytes");
    let client_id = dcr::issue_client_id(&key, &metadata, Some("n"), NOW, Some(NOW + 60));
    let (at, xor) = match tweak {
        [a, x] => (usize::from(*a) * 131 + usize::from(control >> 1), *x),
        _ => (usize::from(control >> 1), 1),
    };
    let mut bytes = client_id.clone().into_bytes();
    let i = at % bytes.len();
    bytes[i] ^= xor;
    let Ok(mutated) = String::from_utf8(bytes) else {
        return;
    };
    let ok = dcr::verify_client_id(&key, &mutated, NOW).is_ok();
    assert_eq!(
        ok,
        mutated == client_id,
        "mutated client_id {mutated:?} verified={ok}"
    );
});
