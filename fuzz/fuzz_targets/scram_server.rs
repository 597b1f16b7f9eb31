//! The SCRAM server half (proto) on fuzzed client-first and client-final messages.
//! Input: one control byte, then client-first, `\n`, client-final. Control bits choose the hash,
//! whether the exchange is -PLUS (tls-exporter data) and whether the server advertised channel
//! binding, and whether the target re-signs client-final with the correct proof for "pencil"
//! (and then flips one proof bit or not).
//! Oracles: no panic; success only for the known user `user`, and only with the proof a holder of
//! the password computes for exactly this AuthMessage; a re-signed client-final whose nonce and
//! `c=` are right always succeeds (completeness), and with one proof bit flipped never does.
#![no_main]

use gatecheck_proto::sasl::scram::messages::{self, Gs2Flag};
use gatecheck_proto::sasl::scram::{
    FakeCredentialSeed, ScramCredentials, ScramServer, ScramServerConfig, primitives,
};
use gatecheck_proto::sasl::{ChannelBindingType, ScramHash};
use libfuzzer_sys::fuzz_target;

const PASSWORD: &str = "pencil";
const SALT: &[u8] = b"fuzz-salt";
/// One iteration keeps executions fast; the count is not what is under test.
const ITERATIONS: u32 = 1;
const SERVER_NONCE: &str = "3rfcNHYJY1ZVvWVs7j";
const EXPORTER: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let hash = ScramHash::ALL[usize::from(control & 3) % 3];
    let plus = control & 4 != 0;
    let resign = control & 8 != 0;
    let flip = control & 16 != 0;
    let flip_at = usize::from(control >> 5);
    let (first, last) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let config = ScramServerConfig {
        plus,
        channel_bindings: vec![(ChannelBindingType::TlsExporter, EXPORTER.to_vec())],
        supports_channel_binding: control & 0x20 != 0,
        ssdp_h: None,
        min_iterations: 1,
    };
    let mut server = ScramServer::new(hash, config);
    let Ok(cf) = server.client_first(first) else {
        return;
    };
    let creds =
        ScramCredentials::derive(hash, PASSWORD, SALT, ITERATIONS).expect("fixed credentials");
    let known = cf.username == "user";
    let fake = FakeCredentialSeed {
        salt: SALT.to_vec(),
        iterations: ITERATIONS,
    };
    let server_first = server
        .server_first(known.then_some(&creds), fake, SERVER_NONCE)
        .expect("server-first after a good client-first");
    let server_first = String::from_utf8(server_first).expect("server-first is ASCII");
    let parsed_first = messages::parse_client_first(first).expect("the server parsed it");

    // The proof a password holder computes for a given client-final-without-proof.
    let salted = primitives::salted_password(hash, PASSWORD, SALT, ITERATIONS).expect("fixed");
    let proof_for = |without_proof: &str| {
        let auth = primitives::auth_message(&parsed_first.bare, &server_first, without_proof);
        primitives::client_proof(
            hash,
            &primitives::client_key(hash, &salted),
            auth.as_bytes(),
        )
    };

    let (client_final, flipped) = if resign {
        // `last` is taken as client-final-without-proof.
        let Ok(without_proof) = std::str::from_utf8(last) else {
            return;
        };
        let mut proof = proof_for(without_proof);
        let i = flip_at % proof.len();
        if flip {
            proof[i] ^= 1;
        }
        (
            messages::client_final(without_proof, &proof).into_bytes(),
            flip,
        )
    } else {
        (last.to_vec(), false)
    };
    let outcome = server.client_final(&client_final);
    let parsed_final = messages::parse_client_final(&client_final);
    if let Ok(done) = &outcome {
        assert!(known, "an unknown user authenticated");
        assert!(!flipped, "a flipped proof verified");
        let fin = parsed_final.as_ref().expect("accepted client-final parses");
        assert_eq!(
            fin.proof,
            proof_for(&fin.without_proof),
            "accepted a wrong proof"
        );
        assert_eq!(done.username, "user");
        // The server signature is the one the client expects.
        let auth = primitives::auth_message(&parsed_first.bare, &server_first, &fin.without_proof);
        let v = primitives::server_signature(
            hash,
            &primitives::server_key(hash, &salted),
            auth.as_bytes(),
        );
        assert_eq!(
            messages::parse_server_final(&done.message),
            Ok(messages::ServerFinalMessage::Verifier(v))
        );
    }
    // Completeness: a correctly re-signed client-final for a known user with the right nonce and
    // channel-binding input succeeds.
    if let (true, Ok(fin)) = (resign && !flipped && known, &parsed_final) {
        let cb = match &parsed_first.gs2.flag {
            Gs2Flag::Binding(name) if name == "tls-exporter" => Some(&EXPORTER[..]),
            _ => None,
        };
        let nonce_ok = fin.nonce == format!("{}{SERVER_NONCE}", parsed_first.nonce);
        let cb_ok = fin.cbind_input == messages::cbind_input(&parsed_first.gs2_raw, cb);
        if nonce_ok && cb_ok {
            assert!(outcome.is_ok(), "a correct proof was refused: {outcome:?}");
        }
    }
});
