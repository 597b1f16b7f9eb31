//! HT mechanism: digest §2.4.3 derived vectors, the three draft formats, bad input conditions and
//! proptests for agreement/disagreement and panic freedom.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use gatecheck_proto::sasl::ht::*;
use gatecheck_proto::sasl::{ChannelBindingType, Mechanism, SaslCondition};
use proptest::prelude::*;

const TOKEN: &[u8] = b"WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZm";
const NONE256: HtMechanism = HtMechanism {
    hash: HtHash::Sha256,
    binding: None,
};
const EXPR256: HtMechanism = HtMechanism {
    hash: HtHash::Sha256,
    binding: Some(ChannelBindingType::TlsExporter),
};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn cb32() -> Vec<u8> {
    (0u8..32).collect()
}

#[test]
fn derived_hmac_vectors() {
    assert_eq!(
        hex(&ht_hmac(HtHash::Sha256, TOKEN, b"Initiator", b"", b"")),
        "9097787461a184e0fa84ec00c1381190b6c4d16a8ec4453c7b2ac5e7fcf935ed"
    );
    assert_eq!(
        hex(&ht_hmac(HtHash::Sha256, TOKEN, b"Responder", b"", b"")),
        "4e513409631474863b986c9f3e8c1e27ca29d1d7ab9ed4097e7afd6007bf9c62"
    );
    assert_eq!(
        hex(&ht_hmac(HtHash::Sha256, TOKEN, b"Initiator", &cb32(), b"")),
        "0c5745576afeea711960549186a31a65c9f328205ee38b66825b3d4c872b395c"
    );
    assert_eq!(
        hex(&ht_hmac(HtHash::Sha256, TOKEN, b"Responder", &cb32(), b"")),
        "1260579b34d55aeba4e43062a412db609a0a7153abd218b0f148445c4e83529f"
    );
    assert_eq!(
        hex(&ht_hmac(HtHash::Sha512, TOKEN, b"Initiator", b"", b"")),
        "9af06d375557c568be9af234647f0fa742ebd929396ac27cf49341d11d7a8e4f1ea89da47068e21b41e7e354a597dca2af786c4cc37d6b2ab9226824446177fc"
    );
}

#[test]
fn derived_wire_vectors() {
    let init09 = initiator_message(NONE256, HtDraft::Schmaus09, "user", TOKEN, b"", b"").unwrap();
    assert_eq!(
        B64.encode(&init09),
        "dXNlcgCQl3h0YaGE4PqE7ADBOBGQtsTRao7ERTx7KsXn/Pk17Q=="
    );
    let init00 = initiator_message(NONE256, HtDraft::Ietf00, "user", TOKEN, b"", b"").unwrap();
    assert_eq!(init00, init09);
    let init01 = initiator_message(NONE256, HtDraft::Ietf01, "user", TOKEN, b"", b"").unwrap();
    assert_eq!(
        B64.encode(&init01),
        "dXNlcgAAkJd4dGGhhOD6hOwAwTgRkLbE0WqOxEU8eyrF5/z5Ne0="
    );
    let cases = [
        (
            HtDraft::Schmaus09,
            "TlE0CWMUdIY7mGyfPoweJ8op0derntQJfnr9YAe/nGI=",
        ),
        (
            HtDraft::Ietf00,
            "AE5RNAljFHSGO5hsnz6MHifKKdHXq57UCX56/WAHv5xi",
        ),
        (
            HtDraft::Ietf01,
            "AABOUTQJYxR0hjuYbJ8+jB4nyinR16ue1Al+ev1gB7+cYg==",
        ),
    ];
    for (draft, b64) in cases {
        let resp = responder_message(NONE256, draft, TOKEN, b"", b"").unwrap();
        assert_eq!(B64.encode(&resp), b64, "{draft:?}");
        assert_eq!(
            verify_responder(NONE256, draft, TOKEN, b"", &resp),
            Ok(vec![])
        );
    }
}

#[test]
fn server_parses_and_verifies_vectors() {
    let m09 = B64
        .decode("dXNlcgCQl3h0YaGE4PqE7ADBOBGQtsTRao7ERTx7KsXn/Pk17Q==")
        .unwrap();
    let p = parse_initiator(NONE256, &m09).unwrap();
    assert_eq!(p.authcid, "user");
    assert_eq!(p.extras, None);
    assert_eq!(p.reply_draft(), HtDraft::Schmaus09);
    assert_eq!(p.verify(NONE256, TOKEN, b""), Ok(()));
    assert_eq!(
        p.verify(NONE256, b"other", b"").unwrap_err().condition(),
        SaslCondition::NotAuthorized
    );

    let m01 = B64
        .decode("dXNlcgAAkJd4dGGhhOD6hOwAwTgRkLbE0WqOxEU8eyrF5/z5Ne0=")
        .unwrap();
    let p = parse_initiator(NONE256, &m01).unwrap();
    assert_eq!(p.extras, Some(vec![]));
    assert_eq!(p.reply_draft(), HtDraft::Ietf01);
    assert_eq!(p.verify(NONE256, TOKEN, b""), Ok(()));
}

#[test]
fn ietf01_extras_enter_the_mac() {
    let msg = initiator_message(
        EXPR256,
        HtDraft::Ietf01,
        "alice",
        TOKEN,
        &cb32(),
        b"a=b,c=d",
    )
    .unwrap();
    let p = parse_initiator(EXPR256, &msg).unwrap();
    assert_eq!(p.extras.as_deref(), Some(&b"a=b,c=d"[..]));
    p.verify(EXPR256, TOKEN, &cb32()).unwrap();
    let mut tampered = p.clone();
    tampered.extras = Some(b"a=b".to_vec());
    assert_eq!(
        tampered.verify(EXPR256, TOKEN, &cb32()),
        Err(HtError::TokenMismatch)
    );
    let resp = responder_message(EXPR256, HtDraft::Ietf01, TOKEN, &cb32(), b"x=y").unwrap();
    assert_eq!(
        verify_responder(EXPR256, HtDraft::Ietf01, TOKEN, &cb32(), &resp),
        Ok(b"x=y".to_vec())
    );
    assert_eq!(
        initiator_message(EXPR256, HtDraft::Ietf01, "a", TOKEN, b"", b"a=,b"),
        Err(HtError::BadExtras)
    );
}

#[test]
fn bad_initiator_messages_are_malformed() {
    let mac = [7u8; 32];
    let mut long = vec![b'a'; MAX_AUTHCID_LEN + 1];
    long.push(0);
    long.extend_from_slice(&mac);
    let mut ok255 = vec![b'a'; 255];
    ok255.push(0);
    ok255.extend_from_slice(&mac);
    assert_eq!(parse_initiator(NONE256, &ok255).unwrap().authcid.len(), 255);
    let mut nul_only = vec![0u8];
    nul_only.extend_from_slice(&mac);
    let mut bad_utf8 = vec![0xff, 0];
    bad_utf8.extend_from_slice(&mac);
    let mut short = b"user\0".to_vec();
    short.extend_from_slice(&mac[..31]);
    let mut bad01 = b"user\0a=b\x01".to_vec();
    bad01.extend_from_slice(&mac);
    let mut badkv = b"user\0a b\0".to_vec();
    badkv.extend_from_slice(&mac);
    let cases: [(&[u8], HtError); 8] = [
        (b"", HtError::Empty),
        (b"user", HtError::MissingSeparator),
        (&nul_only, HtError::EmptyAuthcid),
        (&long, HtError::AuthcidTooLong),
        (&bad_utf8, HtError::AuthcidNotUtf8),
        (&short, HtError::BadLength("SHA-256")),
        (&bad01, HtError::BadLength("SHA-256")),
        (&badkv, HtError::BadExtras),
    ];
    for (msg, err) in cases {
        let got = parse_initiator(NONE256, msg).unwrap_err();
        assert_eq!(got, err);
        assert_eq!(got.condition(), SaslCondition::MalformedRequest);
    }
    assert_eq!(
        initiator_message(NONE256, HtDraft::Schmaus09, "a\0b", TOKEN, b"", b""),
        Err(HtError::AuthcidContainsNul)
    );
}

#[test]
fn responder_failures_and_wrong_formats() {
    let fail = failure_message("invalid-token");
    let err = verify_responder(NONE256, HtDraft::Ietf00, TOKEN, b"", &fail).unwrap_err();
    assert_eq!(err, HtError::ServerFailure("invalid-token".into()));
    assert_eq!(err.condition(), SaslCondition::NotAuthorized);
    // An ietf-00 responder is not a valid -09 one (one byte too long) and vice versa.
    let r00 = responder_message(NONE256, HtDraft::Ietf00, TOKEN, b"", b"").unwrap();
    let r09 = responder_message(NONE256, HtDraft::Schmaus09, TOKEN, b"", b"").unwrap();
    assert!(verify_responder(NONE256, HtDraft::Schmaus09, TOKEN, b"", &r00).is_err());
    assert!(verify_responder(NONE256, HtDraft::Ietf00, TOKEN, b"", &r09).is_err());
    assert_eq!(
        verify_responder(NONE256, HtDraft::Schmaus09, b"wrong", b"", &r09),
        Err(HtError::ResponderMismatch)
    );
}

#[test]
fn names_and_mechanism_mapping() {
    for m in Mechanism::ALL.into_iter().filter(|m| m.is_ht()) {
        let ht = HtMechanism::from_mechanism(m).unwrap();
        assert_eq!(ht.name(), m.name());
        assert_eq!(HtMechanism::from_name(m.name()), Some(ht));
        assert_eq!(ht.to_mechanism(), Some(m));
    }
    let m512 = HtMechanism::from_name("HT-SHA-512-ENDP").unwrap();
    assert_eq!(m512.binding, Some(ChannelBindingType::TlsServerEndPoint));
    assert_eq!(m512.to_mechanism(), None);
    assert_eq!(HtMechanism::from_name("HT-SHA-256-FOO"), None);
    // SHA3-256 is implemented under its registry name only; other SHA3 sizes are not.
    assert!(HtMechanism::from_name("HT-SHA3-256-NONE").is_some());
    assert_eq!(HtMechanism::from_name("HT-SHA-3-256-NONE"), None);
    assert_eq!(HtMechanism::from_name("HT-SHA3-512-NONE"), None);
    assert_eq!(HtMechanism::from_mechanism(Mechanism::Plain), None);
}

fn draft() -> impl Strategy<Value = HtDraft> {
    prop_oneof![
        Just(HtDraft::Schmaus09),
        Just(HtDraft::Ietf00),
        Just(HtDraft::Ietf01)
    ]
}

proptest! {
    #[test]
    fn initiator_and_responder_agree(
        authcid in "[^\u{0}]{1,40}",
        token in proptest::collection::vec(any::<u8>(), 0..80),
        cb in proptest::collection::vec(any::<u8>(), 0..64),
        draft in draft(),
        sha512 in any::<bool>(),
    ) {
        let mech = HtMechanism {
            hash: if sha512 { HtHash::Sha512 } else { HtHash::Sha256 },
            binding: Some(ChannelBindingType::TlsExporter),
        };
        let msg = initiator_message(mech, draft, &authcid, &token, &cb, b"k=v").unwrap();
        let parsed = parse_initiator(mech, &msg).unwrap();
        prop_assert_eq!(&parsed.authcid, &authcid);
        prop_assert!(parsed.verify(mech, &token, &cb).is_ok());
        let reply = if draft == HtDraft::Ietf00 { HtDraft::Ietf00 } else { parsed.reply_draft() };
        let resp = responder_message(mech, reply, &token, &cb, b"").unwrap();
        prop_assert!(verify_responder(mech, reply, &token, &cb, &resp).is_ok());

        let mut wrong_token = token.clone();
        wrong_token.push(b'x');
        prop_assert_eq!(parsed.verify(mech, &wrong_token, &cb), Err(HtError::TokenMismatch));
        let mut wrong_cb = cb.clone();
        wrong_cb.push(1);
        prop_assert_eq!(parsed.verify(mech, &token, &wrong_cb), Err(HtError::TokenMismatch));
        prop_assert!(verify_responder(mech, reply, &wrong_token, &cb, &resp).is_err());
        prop_assert!(verify_responder(mech, reply, &token, &wrong_cb, &resp).is_err());
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), draft in draft()) {
        for mech in [NONE256, HtMechanism { hash: HtHash::Sha512, binding: None }] {
            if let Ok(p) = parse_initiator(mech, &bytes) {
                prop_assert!(!p.authcid.is_empty());
                prop_assert_eq!(p.mac.len(), mech.hash.output_len());
            }
            let _ = verify_responder(mech, draft, TOKEN, b"", &bytes);
        }
    }
}
