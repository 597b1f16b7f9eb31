//! The SCRAM client half (proto) on fuzzed server-first and server-final messages: the suite's
//! own client must not be fooled by a server that does not know the password.
//! Input: one control byte, then server-first, `\n`, server-final. Control bits choose the hash
//! and whether the target replaces server-final by the correct `v=` for "pencil" (then flipping
//! one bit of it or not). Server-first with more than 64 iterations is skipped (PBKDF2 time is not
//! under test; the limit itself is checked by proto's unit tests).
//! Oracles: no panic; server-first is accepted only with a nonce that extends the client's and an
//! iteration count at the floor; server-final is accepted only if it is exactly the signature a
//! holder of the password computes, so a flipped bit never verifies and the right one always does.
#![no_main]

use gatecheck_proto::sasl::ScramHash;
use gatecheck_proto::sasl::base64::encode;
use gatecheck_proto::sasl::scram::{ClientBinding, ScramClient, messages, primitives};
use libfuzzer_sys::fuzz_target;

const PASSWORD: &str = "pencil";
const CLIENT_NONCE: &str = "fyko+d2lbbFgONRv9qkxdawL";
const MIN_ITERATIONS: u32 = 2;

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let hash = ScramHash::ALL[usize::from(control & 3) % 3];
    let resign = control & 4 != 0;
    let flip = control & 8 != 0;
    let flip_at = usize::from(control >> 4);
    let (first, last) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    if messages::parse_server_first(first).is_ok_and(|sf| sf.iterations > 64) {
        return;
    }
    let mut client = ScramClient::new(
        hash,
        "user",
        PASSWORD,
        None,
        ClientBinding::Unsupported,
        CLIENT_NONCE,
    )
    .expect("fixed client")
    .with_min_iterations(MIN_ITERATIONS);
    let client_first = client.client_first().expect("first step");
    let bare = String::from_utf8(client_first).expect("ASCII")["n,,".len()..].to_owned();
    let Ok(client_final) = client.server_first(first) else {
        return;
    };
    let sf = messages::parse_server_first(first).expect("accepted server-first parses");
    assert!(sf.nonce.starts_with(CLIENT_NONCE) && sf.nonce.len() > CLIENT_NONCE.len());
    assert!(sf.iterations >= MIN_ITERATIONS);

    // What a server holding the password sends.
    let client_final = String::from_utf8(client_final).expect("ASCII");
    let (without_proof, _) = client_final
        .rsplit_once(",p=")
        .expect("client-final has p=");
    let first_str = std::str::from_utf8(first).expect("accepted server-first is UTF-8");
    let auth = primitives::auth_message(&bare, first_str, without_proof);
    let salted = primitives::salted_password(hash, PASSWORD, &sf.salt, sf.iterations).expect("ok");
    let v = primitives::server_signature(
        hash,
        &primitives::server_key(hash, &salted),
        auth.as_bytes(),
    );

    let server_final = if resign {
        let mut sig = v.clone();
        if flip {
            let i = flip_at % sig.len();
            sig[i] ^= 1;
        }
        format!("v={}", encode(&sig)).into_bytes()
    } else {
        last.to_vec()
    };
    let outcome = client.server_final(&server_final);
    if outcome.is_ok() {
        assert_eq!(
            messages::parse_server_final(&server_final),
            Ok(messages::ServerFinalMessage::Verifier(v)),
            "accepted a server signature the password does not give"
        );
    }
    if resign {
        assert_eq!(
            outcome.is_ok(),
            !flip,
            "right signature refused or flipped one accepted"
        );
    }
});
