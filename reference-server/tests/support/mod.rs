//! Test client for the c2s integration tests: real sockets on 127.0.0.1, proto's framer to read
//! the server, proto's SCRAM client half to log in, tokio-rustls with an accept-any verifier.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gatecheck_proto::ns;
use gatecheck_proto::sasl::scram::{ClientBinding, ScramClient};
use gatecheck_proto::sasl::{ChannelBindingType, ScramHash, base64};
use gatecheck_proto::xml::{Element, Limits, StreamEvent, StreamParser};
use gatecheck_server::store::{Account, SqliteStore, Store};
use gatecheck_server::tls::{EXPORTER_LABEL, EXPORTER_LEN};
use gatecheck_server::{Config, RunningServer, credentials, root};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub mod tls;

/// Per-step timeout.
pub const STEP: Duration = Duration::from_secs(10);
/// Test domain.
pub const DOMAIN: &str = "example.test";
/// A fixed user-agent id (UUID v4).
pub const UA: &str = "d4565fa7-4d72-4749-b3d3-740edbf87770";

/// A fresh data directory.
pub fn tempdir(tag: &str) -> PathBuf {
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd).unwrap();
    let d = std::env::temp_dir().join(format!("gatecheck-c2s-{tag}-{}", u64::from_le_bytes(rnd)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Config on ephemeral ports in `dir`.
pub fn config(dir: &std::path::Path) -> Config {
    Config {
        domain: DOMAIN.into(),
        c2s_address: "127.0.0.1:0".parse().unwrap(),
        c2s_tls_address: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        ..Config::default()
    }
}

/// Starts the real server with the default core; creates `alice`/`pencil` unless it exists.
pub async fn start(config: &Config) -> RunningServer {
    let store = Arc::new(SqliteStore::open(&config.database_path()).unwrap());
    if store.get_account("alice").unwrap().is_none() {
        store
            .create_account(&Account {
                username: "alice".into(),
                created_at: 0,
                credentials: credentials::derive_all("pencil", 4096).unwrap(),
            })
            .unwrap();
    }
    root::start(config, store).await.unwrap()
}

fn connector() -> TlsConnector {
    tls::accept_all_connector(rustls::DEFAULT_VERSIONS)
}

enum Io {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    Gone,
}

/// What the server sent next.
#[derive(Debug)]
pub enum Got {
    /// A top-level element.
    El(Element),
    /// `</stream:stream>` or EOF.
    Closed,
}

/// One client connection.
pub struct Client {
    io: Io,
    parser: StreamParser,
    /// tls-exporter bytes once TLS is up.
    pub exporter: Option<Vec<u8>>,
    /// tls-server-end-point bytes (RFC 5929 §4.1) once TLS is up.
    pub end_point: Option<Vec<u8>>,
    /// The negotiated TLS version once TLS is up.
    pub version: Option<rustls::ProtocolVersion>,
    /// How long one read waits before the test fails ([`STEP`] unless [`Client::patient`]).
    step: Duration,
}

impl Client {
    /// Plain TCP to the STARTTLS port.
    pub async fn connect(s: &RunningServer) -> Client {
        let tcp = TcpStream::connect(s.c2s_addr).await.unwrap();
        Client {
            io: Io::Plain(tcp),
            parser: StreamParser::new(Limits::default()),
            exporter: None,
            end_point: None,
            version: None,
            step: STEP,
        }
    }

    /// Direct TLS (XEP-0368).
    pub async fn connect_tls(s: &RunningServer) -> Client {
        Self::connect_tls_versions(s, rustls::DEFAULT_VERSIONS).await
    }

    /// Direct TLS offering only `versions`.
    pub async fn connect_tls_versions(
        s: &RunningServer,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Client {
        let mut c = Self::connect_to(s.c2s_tls_addr).await;
        c.upgrade_with(tls::accept_all_connector(versions)).await;
        c
    }

    /// Waits up to `step` per read: for tests that load the server on purpose (races), where
    /// slowness on a busy two-core machine is not what is under test.
    pub fn patient(mut self, step: Duration) -> Client {
        self.step = step;
        self
    }

    async fn connect_to(addr: std::net::SocketAddr) -> Client {
        let tcp = TcpStream::connect(addr).await.unwrap();
        Client {
            io: Io::Plain(tcp),
            parser: StreamParser::new(Limits::default()),
            exporter: None,
            end_point: None,
            version: None,
            step: STEP,
        }
    }

    async fn upgrade(&mut self) {
        self.upgrade_with(connector()).await;
    }

    async fn upgrade_with(&mut self, connector: TlsConnector) {
        let Io::Plain(tcp) = std::mem::replace(&mut self.io, Io::Gone) else {
            panic!("not plain")
        };
        let name = ServerName::try_from("localhost").unwrap();
        let tls = tokio::time::timeout(STEP, connector.connect(name, tcp))
            .await
            .unwrap()
            .unwrap();
        let mut out = [0u8; EXPORTER_LEN];
        let out = tls
            .get_ref()
            .1
            .export_keying_material(&mut out, EXPORTER_LABEL, Some(&[]))
            .unwrap()
            .to_vec();
        self.exporter = Some(out);
        let conn = tls.get_ref().1;
        self.version = conn.protocol_version();
        self.end_point = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|leaf| gatecheck_server::tls::end_point_hash_for(leaf.as_ref()));
        self.io = Io::Tls(Box::new(tls));
        self.parser = StreamParser::new(Limits::default());
    }

    /// Writes raw text.
    pub async fn send(&mut self, s: &str) {
        let r = match &mut self.io {
            Io::Plain(t) => t.write_all(s.as_bytes()).await,
            Io::Tls(t) => {
                async {
                    t.write_all(s.as_bytes()).await?;
                    t.flush().await
                }
                .await
            }
            Io::Gone => panic!("no transport"),
        };
        r.unwrap();
    }

    async fn read(&mut self, buf: &mut [u8]) -> usize {
        let r = match &mut self.io {
            Io::Plain(t) => tokio::time::timeout(self.step, t.read(buf)).await,
            Io::Tls(t) => tokio::time::timeout(self.step, t.read(buf)).await,
            Io::Gone => panic!("no transport"),
        };
        r.expect("timed out waiting for the server").unwrap_or(0)
    }

    /// The next element (headers are skipped), or `Closed`.
    pub async fn next(&mut self) -> Got {
        let mut buf = vec![0u8; 8192];
        loop {
            match self.parser.next_event().expect("server sent bad XML") {
                Some(StreamEvent::Element(e)) => return Got::El(e),
                Some(StreamEvent::Close) => return Got::Closed,
                Some(_) => continue,
                None => {}
            }
            let n = self.read(&mut buf).await;
            if n == 0 {
                return Got::Closed;
            }
            self.parser.feed(&buf[..n]);
        }
    }

    /// The next element, which must exist.
    pub async fn el(&mut self) -> Element {
        match self.next().await {
            Got::El(e) => e,
            Got::Closed => panic!("stream closed unexpectedly"),
        }
    }

    /// Asserts a stream error with `condition` follows, then the close.
    pub async fn expect_stream_error(&mut self, condition: &str) {
        let e = self.el().await;
        assert!(
            e.name == "error"
                && e.child(condition, "urn:ietf:params:xml:ns:xmpp-streams")
                    .is_some(),
            "{}",
            e.to_xml()
        );
        assert!(matches!(self.next().await, Got::Closed));
    }

    /// Sends our header and returns the features.
    pub async fn open(&mut self) -> Element {
        self.send(&format!(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' to='{DOMAIN}' version='1.0'>"
        ))
        .await;
        let f = self.el().await;
        assert_eq!(f.name, "features", "{}", f.to_xml());
        f
    }

    /// STARTTLS, then the new stream's features.
    pub async fn starttls(&mut self) -> Element {
        self.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            .await;
        assert_eq!(self.el().await.name, "proceed");
        self.upgrade().await;
        self.open().await
    }

    /// Resets the framer for a restarted stream (after legacy SASL success).
    pub fn restart(&mut self) {
        self.parser = StreamParser::new(Limits::default());
    }
}

/// The SASL2 mechanisms in `features`.
pub fn sasl2_mechs(features: &Element) -> Vec<String> {
    features
        .child("authentication", "urn:xmpp:sasl:2")
        .map(|a| {
            a.children_named("mechanism", "urn:xmpp:sasl:2")
                .map(|m| m.text())
                .collect()
        })
        .unwrap_or_default()
}

/// A SCRAM client for alice with a fixed nonce and the right binding for `plus`.
pub fn scram(c: &Client, hash: ScramHash, plus: bool, password: &str, user: &str) -> ScramClient {
    let binding = if plus {
        ClientBinding::Bound(ChannelBindingType::TlsExporter, c.exporter.clone().unwrap())
    } else {
        ClientBinding::Unsupported
    };
    ScramClient::new(
        hash,
        user,
        password,
        None,
        binding,
        "fyko+d2lbbFgONRv9qkxdawL",
    )
    .unwrap()
}

/// Base64 of `b`.
pub fn b64(b: &[u8]) -> String {
    base64::encode(b)
}

/// Decodes element text.
pub fn unb64(e: &Element) -> Vec<u8> {
    base64::decode_strict(e.text().as_bytes()).unwrap()
}

/// Direct TLS + SASL2 SCRAM-SHA-256 with Bind 2 as `user`; returns the client (post-auth
/// features consumed) and its full JID.
pub async fn login_bound(s: &RunningServer, user: &str, password: &str) -> (Client, String) {
    let mut c = Client::connect_tls(s).await;
    c.open().await;
    let mut scram = scram(&c, ScramHash::Sha256, false, password, user);
    c.send(&format!(
        "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'><initial-response>{}\
         </initial-response><bind xmlns='urn:xmpp:bind:0'><tag>t</tag></bind></authenticate>",
        b64(&scram.client_first().unwrap())
    ))
    .await;
    let ch = c.el().await;
    let fin = scram.server_first(&unb64(&ch)).unwrap();
    c.send(&format!(
        "<response xmlns='urn:xmpp:sasl:2'>{}</response>",
        b64(&fin)
    ))
    .await;
    let ok = c.el().await;
    assert_eq!(ok.name, "success", "{}", ok.to_xml());
    let jid = ok
        .child("authorization-identifier", "urn:xmpp:sasl:2")
        .unwrap()
        .text();
    assert_eq!(c.el().await.name, "features");
    (c, jid)
}

/// Creates an account with `password` in the server's data directory before `start`.
pub fn add_account(config: &Config, user: &str, password: &str) {
    let store = SqliteStore::open(&config.database_path()).unwrap();
    store
        .create_account(&Account {
            username: user.into(),
            created_at: 0,
            credentials: credentials::derive_all(password, 4096).unwrap(),
        })
        .unwrap();
}

/// Runs a SASL2 SCRAM exchange (with the tests' `<user-agent/>` and `extra` inline requests) to
/// the outcome, verifying the server signature on success; returns the final element (success or failure).
pub async fn sasl2_scram(c: &mut Client, mut s: ScramClient, mech: &str, extra: &str) -> Element {
    let first = s.client_first().unwrap();
    c.send(&format!(
        "<authenticate xmlns='{}' mechanism='{mech}'><initial-response>{}</initial-response>\
         <user-agent id='{UA}'><software>test</software></user-agent>{extra}</authenticate>",
        ns::SASL2,
        b64(&first)
    ))
    .await;
    let ch = c.el().await;
    if ch.name != "challenge" {
        return ch;
    }
    let fin = s.server_first(&unb64(&ch)).unwrap();
    c.send(&format!(
        "<response xmlns='{}'>{}</response>",
        ns::SASL2,
        b64(&fin)
    ))
    .await;
    let out = c.el().await;
    if out.name == "success" {
        let add = out
            .child("additional-data", ns::SASL2)
            .expect("additional-data");
        s.server_final(&unb64(add))
            .expect("server signature verifies");
    }
    out
}
