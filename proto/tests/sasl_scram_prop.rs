//! Property tests: client and server agree for arbitrary credentials and cb data, disagree for wrong ones,
//! and no parser or server step panics on arbitrary bytes.

use gatecheck_proto::sasl::plain;
use gatecheck_proto::sasl::scram::{
    ClientBinding, FakeCredentialSeed, ScramClient, ScramCredentials, ScramServer,
    ScramServerConfig,
};
use gatecheck_proto::sasl::{ChannelBindingType, MechanismError, SaslCondition, ScramHash};
use proptest::prelude::*;

// Low iteration counts keep the suite fast; the count does not change the protocol logic.
const ITER: u32 = 2;

fn hash() -> impl Strategy<Value = ScramHash> {
    prop_oneof![
        Just(ScramHash::Sha1),
        Just(ScramHash::Sha256),
        Just(ScramHash::Sha512)
    ]
}

fn nonce() -> impl Strategy<Value = String> {
    "[!-+\\--~]{1,24}"
}

/// Runs a full exchange; `server_pw`/`server_cb` are what the server holds.
fn run(
    h: ScramHash,
    user: &str,
    client_pw: &str,
    server_pw: &str,
    client_cb: Option<Vec<u8>>,
    server_cb: &[u8],
    nonces: (&str, &str),
) -> Result<(), MechanismError> {
    let plus = client_cb.is_some();
    let creds = ScramCredentials::derive(h, server_pw, b"salt", ITER)?;
    let config = ScramServerConfig {
        plus,
        channel_bindings: vec![(ChannelBindingType::TlsServerEndPoint, server_cb.to_vec())],
        supports_channel_binding: true,
        ssdp_h: None,
        min_iterations: 1,
    };
    let binding = match client_cb {
        Some(d) => ClientBinding::Bound(ChannelBindingType::TlsServerEndPoint, d),
        None => ClientBinding::Unsupported,
    };
    let mut server = ScramServer::new(h, config);
    let mut client =
        ScramClient::new(h, user, client_pw, None, binding, nonces.0)?.with_min_iterations(1);
    let cf = server.client_first(&client.client_first()?)?;
    let fake = FakeCredentialSeed {
        salt: b"x".to_vec(),
        iterations: ITER,
    };
    let sf = server.server_first(Some(&creds), fake, nonces.1)?;
    let fin = client.server_first(&sf)?;
    let done = server.client_final(&fin)?;
    assert_eq!(done.username, cf.username);
    client.server_final(&done.message)
}

fn prepable(s: &str) -> bool {
    gatecheck_proto::sasl::saslprep(s, gatecheck_proto::sasl::PrepMode::Stored).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn agree_and_disagree(
        h in hash(),
        user in "[a-zA-Z0-9,=@.\u{e9}]{1,16}",
        pw in "\\PC{1,16}",
        cb in proptest::collection::vec(any::<u8>(), 0..48),
        use_cb in any::<bool>(),
        n in (nonce(), nonce()),
    ) {
        prop_assume!(prepable(&pw));
        let client_cb = use_cb.then(|| cb.clone());
        prop_assert_eq!(run(h, &user, &pw, &pw, client_cb.clone(), &cb, (&n.0, &n.1)), Ok(()));
        let wrong_pw = format!("{pw}{pw}"); // stays SASLprep-valid (bidi rules), unlike appending an ASCII letter
        let e = run(h, &user, &wrong_pw, &pw, client_cb, &cb, (&n.0, &n.1)).unwrap_err();
        prop_assert_eq!(e.condition(), SaslCondition::NotAuthorized);
        if use_cb {
            let mut other = cb.clone();
            other.push(1);
            let e = run(h, &user, &pw, &pw, Some(other), &cb, (&n.0, &n.1)).unwrap_err();
            prop_assert_eq!(e, MechanismError::ChannelBindingMismatch);
        }
    }

    #[test]
    fn server_never_panics(
        h in hash(),
        first in proptest::collection::vec(any::<u8>(), 0..200),
        last in proptest::collection::vec(any::<u8>(), 0..200),
        plus in any::<bool>(),
        known in any::<bool>(),
    ) {
        let creds = ScramCredentials::derive(h, "pw", b"salt", ITER).unwrap();
        let config = ScramServerConfig {
            plus,
            channel_bindings: vec![(ChannelBindingType::TlsExporter, vec![1; 32])],
            supports_channel_binding: true,
            ssdp_h: Some("h".into()),
            min_iterations: 1,
        };
        let mut s = ScramServer::new(h, config.clone());
        let _ = s.client_first(&first);
        // Also drive a valid first step so the arbitrary bytes reach client-final.
        let mut s = ScramServer::new(h, config);
        let gs2 = if plus { "p=tls-exporter,," } else { "n,," };
        s.client_first(format!("{gs2}n=user,r=abc").as_bytes()).unwrap();
        let fake = FakeCredentialSeed { salt: b"x".to_vec(), iterations: ITER };
        s.server_first(known.then_some(&creds), fake, "srv").unwrap();
        let mut msg = b"c=biws,r=abcsrv,".to_vec();
        msg.extend_from_slice(&last);
        prop_assert!(s.client_final(&msg).is_err());
        prop_assert_eq!(s.client_final(&last).unwrap_err(), MechanismError::OutOfOrder);
    }

    #[test]
    fn client_never_panics(sf in proptest::collection::vec(any::<u8>(), 0..200), fin in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut c = ScramClient::new(ScramHash::Sha256, "user", "pw", None, ClientBinding::Unsupported, "abc").unwrap();
        c.client_first().unwrap();
        let _ = c.server_first(&sf);
        let _ = c.server_final(&fin);
    }

    #[test]
    fn plain_parse_never_panics(msg in proptest::collection::vec(any::<u8>(), 0..800)) {
        if let Ok(m) = plain::parse(&msg) {
            prop_assert!(!m.authcid.is_empty() && !m.password.is_empty());
        }
    }
}
