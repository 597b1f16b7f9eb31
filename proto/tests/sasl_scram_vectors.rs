//! RFC 5802 / RFC 7677 / XEP-0474 SCRAM vectors (digest §3.5) with every intermediate value, driven through
//! the primitives, the server and the client with the published nonces.

use gatecheck_proto::sasl::base64::{decode_strict, encode};
use gatecheck_proto::sasl::scram::primitives as p;
use gatecheck_proto::sasl::scram::{
    ClientBinding, FakeCredentialSeed, ScramClient, ScramCredentials, ScramServer,
    ScramServerConfig,
};
use gatecheck_proto::sasl::{ChannelBindingType, ScramHash};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Vector {
    hash: ScramHash,
    client_nonce: &'static str,
    server_nonce: &'static str,
    salt_b64: &'static str,
    salt_hex: &'static str,
    salted: &'static str,
    client_key: &'static str,
    stored_key: &'static str,
    server_key: &'static str,
    client_signature: &'static str,
    proof_b64: &'static str,
    server_sig_b64: &'static str,
}

const RFC5802: Vector = Vector {
    hash: ScramHash::Sha1,
    client_nonce: "fyko+d2lbbFgONRv9qkxdawL",
    server_nonce: "3rfcNHYJY1ZVvWVs7j",
    salt_b64: "QSXCR+Q6sek8bf92",
    salt_hex: "4125c247e43ab1e93c6dff76",
    salted: "1d96ee3a529b5a5f9e47c01f229a2cb8a6e15f7d",
    client_key: "e234c47bf6c36696dd6d852b99aaa2ba26555728",
    stored_key: "e9d94660c39d65c38fbad91c358f14da0eef2bd6",
    server_key: "0fe09258b3ac852ba502cc62ba903eaacdbf7d31",
    client_signature: "5d7138c486b0bfabdf49e3e2da8bd6e5c79db613",
    proof_b64: "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    server_sig_b64: "rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

const RFC7677: Vector = Vector {
    hash: ScramHash::Sha256,
    client_nonce: "rOprNGfwEbeRWgbNEkqO",
    server_nonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    salt_b64: "W22ZaJ0SNY7soEsUEjb6gQ==",
    salt_hex: "5b6d99689d12358eeca04b141236fa81",
    salted: "c4a49510323ab4f952cac1fa99441939e78ea74d6be81ddf7096e87513dc615d",
    client_key: "a60fc923d67e8644a92d16b96eda5ef4656b0c725c484374be25535576996e8b",
    stored_key: "586e5df283e6dceb5c3e791d8b8528ec191e664045ce971792e2e6b5bb13e2a6",
    server_key: "c1f3cbc1c13a9d35a14c0990eed97629ea225863e566a4314ab99f3f00e5d9d5",
    client_signature: "d27312467c28a40a8a7f05c73c0de33eb3cbfb4a83783b58144cf19ac6be1bdf",
    proof_b64: "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    server_sig_b64: "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

fn check(v: &Vector) {
    let h = v.hash;
    let salt = decode_strict(v.salt_b64.as_bytes()).unwrap();
    assert_eq!(hex(&salt), v.salt_hex);
    let salted = p::salted_password(h, "pencil", &salt, 4096).unwrap();
    assert_eq!(hex(&salted), v.salted);
    let ck = p::client_key(h, &salted);
    assert_eq!(hex(&ck), v.client_key);
    assert_eq!(hex(&p::hash(h, &ck)), v.stored_key);
    assert_eq!(hex(&p::server_key(h, &salted)), v.server_key);
    let creds = ScramCredentials::derive(h, "pencil", &salt, 4096).unwrap();
    assert_eq!(hex(&creds.stored_key), v.stored_key);
    assert_eq!(hex(&creds.server_key), v.server_key);

    let nonce = format!("{}{}", v.client_nonce, v.server_nonce);
    let first = format!("n,,n=user,r={}", v.client_nonce);
    let server_first = format!("r={nonce},s={},i=4096", v.salt_b64);
    let client_final = format!("c=biws,r={nonce},p={}", v.proof_b64);
    let server_final = format!("v={}", v.server_sig_b64);
    let auth = p::auth_message(
        &format!("n=user,r={}", v.client_nonce),
        &server_first,
        &format!("c=biws,r={nonce}"),
    );
    assert_eq!(
        p::client_signature(h, &creds.stored_key, auth.as_bytes()),
        p::xor(&ck, &decode_strict(v.proof_b64.as_bytes()).unwrap())
    );
    assert_eq!(
        hex(&p::client_signature(h, &creds.stored_key, auth.as_bytes())),
        v.client_signature
    );
    assert_eq!(
        encode(&p::client_proof(h, &ck, auth.as_bytes())),
        v.proof_b64
    );
    assert_eq!(
        encode(&p::server_signature(h, &creds.server_key, auth.as_bytes())),
        v.server_sig_b64
    );

    // Server half with the fixed server nonce.
    let mut server = ScramServer::new(
        h,
        ScramServerConfig {
            min_iterations: 4096,
            ..Default::default()
        },
    );
    let cf = server.client_first(first.as_bytes()).unwrap();
    assert_eq!(cf.username, "user");
    let fake = FakeCredentialSeed {
        salt: vec![],
        iterations: 4096,
    };
    assert_eq!(
        server
            .server_first(Some(&creds), fake, v.server_nonce)
            .unwrap(),
        server_first.as_bytes()
    );
    let fin = server.client_final(client_final.as_bytes()).unwrap();
    assert_eq!(fin.message, server_final.as_bytes());

    // Client half with the fixed client nonce.
    let mut client = ScramClient::new(
        h,
        "user",
        "pencil",
        None,
        ClientBinding::Unsupported,
        v.client_nonce,
    )
    .unwrap();
    assert_eq!(client.client_first().unwrap(), first.as_bytes());
    assert_eq!(
        client.server_first(server_first.as_bytes()).unwrap(),
        client_final.as_bytes()
    );
    client.server_final(server_final.as_bytes()).unwrap();
}

#[test]
fn rfc5802_sha1() {
    check(&RFC5802);
    let auth = "n=user,r=fyko+d2lbbFgONRv9qkxdawL,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";
    assert_eq!(
        p::auth_message(
            "n=user,r=fyko+d2lbbFgONRv9qkxdawL",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j"
        ),
        auth
    );
}

#[test]
fn rfc7677_sha256() {
    check(&RFC7677);
}

const XEP0474_FIRST: &str = "p=tls-exporter,,n=user,r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6";
const XEP0474_SF: &str = "r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,s=QSXCR+Q6sek8bf92,i=4096,h=G6k/rBLDqgOhRRaCuuatSDFkJ08=";
const XEP0474_CF: &str = "c=cD10bHMtZXhwb3J0ZXIsLFRISVMgSVMgRkFLRSBDQiBEQVRB,r=12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6a09117a6-ac50-4f2f-93f1-93799c2bddf6,x=19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3,p=M/SIDjT+dfcxUh89jZEypRvFxB4=";
const CB: &[u8] = b"THIS IS FAKE CB DATA";

#[test]
fn xep0474_example_with_h_and_x() {
    let salt = decode_strict(b"QSXCR+Q6sek8bf92").unwrap();
    let creds = ScramCredentials::derive(ScramHash::Sha1, "pencil", &salt, 4096).unwrap();
    let h = gatecheck_proto::sasl::ssdp::downgrade_hash(
        ScramHash::Sha1,
        &["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"],
        &["tls-server-end-point", "tls-exporter"],
    );
    let config = ScramServerConfig {
        plus: true,
        channel_bindings: vec![(ChannelBindingType::TlsExporter, CB.to_vec())],
        supports_channel_binding: true,
        ssdp_h: Some(h.clone()),
        min_iterations: 4096,
    };
    let mut server = ScramServer::new(ScramHash::Sha1, config);
    server.client_first(XEP0474_FIRST.as_bytes()).unwrap();
    let fake = FakeCredentialSeed {
        salt: vec![1],
        iterations: 4096,
    };
    let sf = server
        .server_first(Some(&creds), fake, "a09117a6-ac50-4f2f-93f1-93799c2bddf6")
        .unwrap();
    assert_eq!(sf, XEP0474_SF.as_bytes());
    let fin = server.client_final(XEP0474_CF.as_bytes()).unwrap();
    assert_eq!(fin.message, b"v=MQrMPvv7yv4x4Cq4W4Ih25EqS2c=");

    let binding = ClientBinding::Bound(ChannelBindingType::TlsExporter, CB.to_vec());
    let mut client = ScramClient::new(
        ScramHash::Sha1,
        "user",
        "pencil",
        None,
        binding,
        "12C4CD5C-E38E-4A98-8F6D-15C38F51CCC6",
    )
    .unwrap()
    .with_expected_ssdp(h)
    .with_final_extensions(vec![('x', "19C6532F-1CF4-4A27-A18D-DC9CEA41BBB3".into())]);
    assert_eq!(client.client_first().unwrap(), XEP0474_FIRST.as_bytes());
    assert_eq!(
        client.server_first(XEP0474_SF.as_bytes()).unwrap(),
        XEP0474_CF.as_bytes()
    );
    client
        .server_final(b"v=MQrMPvv7yv4x4Cq4W4Ih25EqS2c=")
        .unwrap();
}

#[test]
fn sha512_round_trip() {
    let creds = ScramCredentials::derive(ScramHash::Sha512, "pencil", b"salty", 4096).unwrap();
    let mut server = ScramServer::new(
        ScramHash::Sha512,
        ScramServerConfig {
            min_iterations: 4096,
            ..Default::default()
        },
    );
    let mut client = ScramClient::new(
        ScramHash::Sha512,
        "user",
        "pencil",
        None,
        ClientBinding::Unsupported,
        "abc",
    )
    .unwrap();
    server
        .client_first(&client.client_first().unwrap())
        .unwrap();
    let fake = FakeCredentialSeed {
        salt: vec![],
        iterations: 4096,
    };
    let sf = server.server_first(Some(&creds), fake, "def").unwrap();
    let cf = client.server_first(&sf).unwrap();
    let fin = server.client_final(&cf).unwrap();
    assert_eq!(fin.username, "user");
    client.server_final(&fin.message).unwrap();
    // The v= is a SHA-512 HMAC: 64 bytes.
    assert_eq!(decode_strict(&fin.message[2..]).unwrap().len(), 64);
}
