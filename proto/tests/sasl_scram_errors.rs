//! Bad SCRAM inputs and the condition each maps to (digest §3.6 SASL2-101..114).

use gatecheck_proto::sasl::scram::messages as m;
use gatecheck_proto::sasl::scram::{
    FakeCredentialSeed, ScramCredentials, ScramServer, ScramServerConfig,
};
use gatecheck_proto::sasl::{ChannelBindingType, MechanismError, SaslCondition, ScramHash};

const CB: &[u8] = &[7u8; 32];

fn server(plus: bool) -> ScramServer {
    ScramServer::new(
        ScramHash::Sha256,
        ScramServerConfig {
            plus,
            channel_bindings: vec![(ChannelBindingType::TlsExporter, CB.to_vec())],
            supports_channel_binding: true,
            ssdp_h: None,
            min_iterations: 4096,
        },
    )
}

fn fake() -> FakeCredentialSeed {
    FakeCredentialSeed {
        salt: b"fake".to_vec(),
        iterations: 4096,
    }
}

fn first_err(plus: bool, msg: &str) -> MechanismError {
    server(plus).client_first(msg.as_bytes()).unwrap_err()
}

#[test]
fn client_first_rejections() {
    let e = first_err(false, "n,,n=us=41er,r=abc");
    assert_eq!(e, MechanismError::InvalidUsernameEncoding);
    assert_eq!(e.condition(), SaslCondition::MalformedRequest);
    assert_eq!(
        first_err(false, "n,,m=ext,n=user,r=abc"),
        MechanismError::ReservedMext
    );
    assert_eq!(
        first_err(false, "y,,n=user,r=abc"),
        MechanismError::ServerDoesSupportChannelBinding
    );
    assert_eq!(
        first_err(true, "p=bogus,,n=user,r=abc"),
        MechanismError::UnsupportedChannelBindingType("bogus".into())
    );
    assert_eq!(
        first_err(true, "p=tls-unique,,n=user,r=abc"),
        MechanismError::UnsupportedChannelBindingType("tls-unique".into())
    );
    assert_eq!(
        first_err(true, "n,,n=user,r=abc"),
        MechanismError::ChannelBindingFlagMismatch
    );
    assert_eq!(
        first_err(false, "p=tls-exporter,,n=user,r=abc"),
        MechanismError::ChannelBindingFlagMismatch
    );
    assert_eq!(
        first_err(false, "n,,n=\u{7},r=abc").condition(),
        SaslCondition::MalformedRequest
    );
    assert_eq!(first_err(false, ""), MechanismError::Empty);
    let big = format!("n,,n={},r=abc", "u".repeat(m::MAX_MESSAGE_LEN));
    assert!(matches!(
        first_err(false, &big),
        MechanismError::TooLong { .. }
    ));
    for e in [
        first_err(true, "p=bogus,,n=user,r=abc"),
        first_err(false, ""),
    ] {
        assert_eq!(e.condition(), SaslCondition::MalformedRequest);
    }
    // y is fine when the server has no channel binding at all.
    let mut s = ScramServer::new(ScramHash::Sha256, ScramServerConfig::default());
    assert!(s.client_first(b"y,,n=user,r=abc").is_ok());
}

/// Runs a -PLUS or plain exchange up to client-final, letting `tweak` alter the honest client-final pieces.
fn final_with(
    plus: bool,
    creds: Option<&ScramCredentials>,
    cf: impl Fn(&str, &str) -> String,
) -> Result<(), MechanismError> {
    let mut s = server(plus);
    let gs2 = if plus { "p=tls-exporter,," } else { "n,," };
    s.client_first(format!("{gs2}n=user,r=abc").as_bytes())?;
    let sf = String::from_utf8(s.server_first(creds, fake(), "xyz")?).unwrap();
    s.client_final(cf(gs2, &sf).as_bytes()).map(|_| ())
}

fn honest(gs2: &str, sf: &str, cb: Option<&[u8]>, nonce: &str, password: &str) -> String {
    let parsed = m::parse_server_first(sf.as_bytes()).unwrap();
    let salted = gatecheck_proto::sasl::scram::primitives::salted_password(
        ScramHash::Sha256,
        password,
        &parsed.salt,
        parsed.iterations,
    )
    .unwrap();
    let wp = m::client_final_without_proof(&m::cbind_input(gs2, cb), nonce, &[]);
    let auth = format!("n=user,r=abc,{sf},{wp}");
    let ck = gatecheck_proto::sasl::scram::primitives::client_key(ScramHash::Sha256, &salted);
    m::client_final(
        &wp,
        &gatecheck_proto::sasl::scram::primitives::client_proof(
            ScramHash::Sha256,
            &ck,
            auth.as_bytes(),
        ),
    )
}

#[test]
fn client_final_rejections() {
    let creds = ScramCredentials::derive(ScramHash::Sha256, "pencil", b"salt", 4096).unwrap();
    let c = Some(&creds);
    assert_eq!(
        final_with(true, c, |g, sf| honest(g, sf, Some(CB), "abcxyz", "pencil")),
        Ok(())
    );
    assert_eq!(
        final_with(false, c, |g, sf| honest(g, sf, None, "abcxyz", "pencil")),
        Ok(())
    );
    let e = final_with(false, c, |g, sf| honest(g, sf, None, "abcxyZ", "pencil")).unwrap_err();
    assert_eq!(
        (e.clone(), e.condition()),
        (
            MechanismError::NonceMismatch,
            SaslCondition::MalformedRequest
        )
    );
    // c= from another gs2 header (eSws = "y,,").
    let e = final_with(false, c, |_, sf| {
        honest("y,,", sf, None, "abcxyz", "pencil")
    })
    .unwrap_err();
    assert_eq!(
        (e.clone(), e.condition()),
        (
            MechanismError::ChannelBindingMismatch,
            SaslCondition::MalformedRequest
        )
    );
    let e = final_with(true, c, |g, sf| {
        honest(g, sf, Some(&[9u8; 32]), "abcxyz", "pencil")
    })
    .unwrap_err();
    assert_eq!(e, MechanismError::ChannelBindingMismatch);
    let e = final_with(false, c, |g, sf| honest(g, sf, None, "abcxyz", "pencil2")).unwrap_err();
    assert_eq!(
        (e.clone(), e.condition()),
        (MechanismError::InvalidProof, SaslCondition::NotAuthorized)
    );
    // Unknown user: server-first succeeds with the fake salt, failure only at the proof.
    let e = final_with(false, None, |g, sf| {
        assert!(sf.contains(",s=ZmFrZQ==,i=4096"));
        honest(g, sf, None, "abcxyz", "pencil")
    })
    .unwrap_err();
    assert_eq!(e.condition(), SaslCondition::NotAuthorized);
    let e = final_with(false, c, |_, _| "c=bi ws,r=abcxyz,p=AAAA".into()).unwrap_err();
    assert_eq!(e.condition(), SaslCondition::IncorrectEncoding);
    assert_eq!(
        final_with(false, c, |_, _| String::new()).unwrap_err(),
        MechanismError::Empty
    );
}

#[test]
fn out_of_order_and_policy() {
    let mut s = server(false);
    assert_eq!(
        s.client_final(b"c=biws,r=a,p=AA==").unwrap_err(),
        MechanismError::OutOfOrder
    );
    let mut s = server(false);
    s.client_first(b"n,,n=user,r=abc").unwrap();
    let weak = FakeCredentialSeed {
        salt: vec![1],
        iterations: 1000,
    };
    let e = s.server_first(None, weak, "x").unwrap_err();
    assert_eq!(e.condition(), SaslCondition::MechanismTooWeak);
    let mut s = server(false);
    s.client_first(b"n,,n=user,r=abc").unwrap();
    let sha1 = ScramCredentials::derive(ScramHash::Sha1, "p", b"s", 4096).unwrap();
    assert_eq!(
        s.server_first(Some(&sha1), fake(), "x").unwrap_err(),
        MechanismError::CredentialHashMismatch
    );
}
