//! The session core driven with a fixed clock and a seeded RNG, through the real composition root
//! (modules, SCRAM, in-memory store), compared as whole byte strings: the exact stream header with
//! its deterministic id, the exact features, and a complete SASL2 SCRAM-SHA-256 login with Bind 2
//! whose challenge, success and post-auth features are fixed by the seed. No sockets, no tokio.

use std::sync::Arc;
use std::time::SystemTime;

use gatecheck_proto::ns;
use gatecheck_proto::sasl::scram::{ClientBinding, ScramClient};
use gatecheck_proto::sasl::{ChannelBindings, ScramHash, TlsVersion, base64};

use super::core::{Action, SessionCore};
use super::session::C2sSession;
use crate::config::Config;
use crate::credentials;
use crate::env::Env;
use crate::route::NullRouter;
use crate::store::{Account, MemoryStore, ScramHash as StoredHash, Store};

const SEED: u64 = 0x6a7e_c0de;

fn tls() -> ChannelBindings {
    let mut t = ChannelBindings::none(TlsVersion::Tls13);
    t.tls_exporter = Some(vec![7; 32]);
    t.tls_server_end_point = Some(vec![1; 32]);
    t
}

/// A session over the composition root's services: alice/pencil with a fixed salt per hash.
fn session() -> C2sSession {
    let store = Arc::new(MemoryStore::new());
    let credentials = [StoredHash::Sha1, StoredHash::Sha256, StoredHash::Sha512]
        .into_iter()
        .map(|h| credentials::derive(h, "pencil", b"fixed-salt-16byt", 4096).unwrap())
        .collect();
    store
        .create_account(&Account {
            username: "alice".into(),
            created_at: 0,
            credentials,
        })
        .unwrap();
    let config = Config {
        domain: "example.org".into(),
        ..Config::default()
    };
    let env = Env::deterministic(SystemTime::UNIX_EPOCH, SEED);
    let svc = crate::root::services(&config, store, env).unwrap();
    C2sSession::new(Arc::new(svc), Arc::new(NullRouter))
}

/// Every action, with `Send` bytes as text so a mismatch reads as a diff of the exchange.
fn run(core: &mut C2sSession, input: &str) -> Vec<String> {
    core.on_bytes(input.as_bytes())
        .into_iter()
        .map(|a| match a {
            Action::Send(b) => String::from_utf8(b).unwrap(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn whole_header_features_and_sasl2_login_are_deterministic() {
    let mut core = session();
    assert!(
        core.on_connect("127.0.0.1:1".parse().unwrap(), Some(&tls()))
            .is_empty()
    );
    let header = format!(
        "<stream:stream xmlns='{}' xmlns:stream='{}' to='example.org' version='1.0'>",
        ns::CLIENT,
        ns::STREAMS
    );
    let opened = run(&mut core, &header);
    let mechs = [
        "SCRAM-SHA-512-PLUS",
        "SCRAM-SHA-512",
        "SCRAM-SHA-256-PLUS",
        "SCRAM-SHA-256",
        "SCRAM-SHA-1-PLUS",
        "SCRAM-SHA-1",
    ];
    let sasl2_mechs: String = mechs
        .iter()
        .map(|m| format!("<mechanism>{m}</mechanism>"))
        .collect();
    let legacy_mechs = sasl2_mechs.clone() + "<mechanism>PLAIN</mechanism>";
    assert_eq!(
        opened,
        [
            format!(
                "<?xml version='1.0'?><stream:stream xmlns='{}' xmlns:stream='{}' \
                 from='example.org' id='94c599e70587081f0702d748ef6ef282' version='1.0' \
                 xml:lang='en'>",
                ns::CLIENT,
                ns::STREAMS
            ),
            format!(
                "<stream:features><authentication xmlns='{sasl2}'>{sasl2_mechs}<inline>\
                 <bind xmlns='{bind2}'><inline/></bind></inline></authentication>\
                 <sasl-channel-binding xmlns='{cb}'><channel-binding type='tls-server-end-point'/>\
                 <channel-binding type='tls-exporter'/></sasl-channel-binding>\
                 <mechanisms xmlns='{sasl}'>{legacy_mechs}</mechanisms>\
                 <register xmlns='{ibr_token}'/><register xmlns='{invite}'/>\
                 <register xmlns='{iq_register}'/></stream:features>",
                ibr_token = ns::IBR_TOKEN,
                invite = ns::INVITE,
                iq_register = ns::REGISTER_FEATURE,
                sasl2 = ns::SASL2,
                bind2 = ns::BIND2,
                cb = ns::SASL_CB,
                sasl = ns::SASL,
            ),
        ]
    );

    let mut client = ScramClient::new(
        ScramHash::Sha256,
        "alice",
        "pencil",
        None,
        ClientBinding::Unsupported,
        "fyko+d2lbbFgONRv9qkxdawL",
    )
    .unwrap();
    let first = base64::encode(&client.client_first().unwrap());
    let authenticate = format!(
        "<authenticate xmlns='{}' mechanism='SCRAM-SHA-256'><initial-response>{first}\
         </initial-response><user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'/>\
         <bind xmlns='{}'><tag>App</tag></bind></authenticate>",
        ns::SASL2,
        ns::BIND2
    );
    let challenge = run(&mut core, &authenticate);
    // Client nonce + 24 seeded bytes, the fixed salt, and XEP-0474 `h=` over what was advertised.
    let server_first = "r=fyko+d2lbbFgONRv9qkxdawLwbmjrAbXVbVb2cbg61/P+0lrxWKlyFnm,\
                        s=Zml4ZWQtc2FsdC0xNmJ5dA==,i=4096,\
                        h=GEmOQY8kp7oSkkYObjsuaBrgl6Fw4Qx5S26oKBC50sg=";
    assert_eq!(
        challenge,
        [format!(
            "<challenge xmlns='{}'>{}</challenge>",
            ns::SASL2,
            base64::encode(server_first.as_bytes())
        )]
    );
    let fin = client.server_first(server_first.as_bytes()).unwrap();
    let response = format!(
        "<response xmlns='{}'>{}</response>",
        ns::SASL2,
        base64::encode(&fin)
    );
    let done = run(&mut core, &response);
    // The server signature checks out on the client side, so the pinned bytes are a real login.
    let v = "v=W1AexZiCkzURF2twJSYOhv3uRl4iGE+V6phPSNRlzdI=";
    client.server_final(v.as_bytes()).unwrap();
    let jid = "alice@example.org/App.50bca56688ada9c3";
    assert_eq!(
        done,
        [
            "Authenticated".to_owned(),
            format!(
                "<success xmlns='{sasl2}'><additional-data>{}</additional-data>\
                 <authorization-identifier>{jid}</authorization-identifier>\
                 <bound xmlns='{bind2}'/></success>",
                base64::encode(v.as_bytes()),
                sasl2 = ns::SASL2,
                bind2 = ns::BIND2,
            ),
            format!("Bind({jid:?})"),
            "<stream:features/>".to_owned(),
        ]
    );
}

#[test]
fn same_seed_same_bytes_other_seed_other_id() {
    let header = format!(
        "<stream:stream xmlns='{}' xmlns:stream='{}' to='example.org' version='1.0'>",
        ns::CLIENT,
        ns::STREAMS
    );
    let a = run(&mut session(), &header);
    let b = run(&mut session(), &header);
    assert_eq!(a, b);
}
