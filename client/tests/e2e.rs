//! The kit's client against a tiny in-test server (tokio + rustls, rcgen certificate): STARTTLS and
//! direct TLS work, every byte lands in the transcript under the connection label, and the
//! channel-binding data the client computes equals the server side's.

use gatecheck_client::{
    ClientError, Conn, Connect, Endpoint, Features, TlsMode, TlsTrust, client_config,
};
use gatecheck_proto::sasl::TlsVersion;

use gatecheck_client::transcript::{Direction, Transcript};
use sha2::Digest;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, ServerConfig};

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' version='1.0'>";
const TLS_FEATURES: &str = "<stream:features><authentication xmlns='urn:xmpp:sasl:2'>\
    <mechanism>SCRAM-SHA-256</mechanism></authentication><sasl-channel-binding \
    xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/></sasl-channel-binding>\
    </stream:features>";

struct Fake {
    acceptor: TlsAcceptor,
    cert_der: Vec<u8>,
}

fn fake() -> Fake {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let der = cert.der().clone();
    let pk = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).expect("pk");
    let cfg =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![der.clone()], pk)
            .expect("server config");
    Fake {
        acceptor: TlsAcceptor::from(Arc::new(cfg)),
        cert_der: der.to_vec(),
    }
}

/// Read until `needle` has arrived (the fake server does not parse XML).
async fn read_until<S: AsyncReadExt + Unpin>(s: &mut S, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(needle) {
        let n = s.read(&mut buf).await.expect("read");
        assert!(
            n > 0,
            "client closed early; got {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(buf.get(..n).expect("n"));
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Serve one connection; returns the server's tls-exporter value.
async fn serve(listener: TcpListener, f: Fake, starttls: bool) -> Vec<u8> {
    let (mut tcp, _) = listener.accept().await.expect("accept");
    if starttls {
        read_until(&mut tcp, "<stream:stream").await;
        tcp.write_all(HEADER.as_bytes()).await.expect("w");
        tcp.write_all(b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>").await.expect("w");
        read_until(&mut tcp, "<starttls").await;
        tcp.write_all(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            .await
            .expect("w");
    }
    let mut tls = f.acceptor.accept(tcp).await.expect("tls");
    let mut exporter = [0u8; 32];
    tls.get_ref()
        .1
        .export_keying_material(&mut exporter, b"EXPORTER-Channel-Binding", Some(&[]))
        .expect("exporter");
    read_until(&mut tls, "<stream:stream").await;
    tls.write_all(HEADER.as_bytes()).await.expect("w");
    tls.write_all(TLS_FEATURES.as_bytes()).await.expect("w");
    read_until(&mut tls, "<iq").await;
    tls.write_all(b"<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>").await.expect("w");
    tls.shutdown().await.expect("shutdown");
    exporter.to_vec()
}

async fn run(mode: TlsMode) {
    let f = fake();
    let cert = f.cert_der.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(serve(listener, f, mode == TlsMode::StartTls));
    let t = Transcript::new();
    let mut c = Connect::host("127.0.0.1", port)
        .domain("localhost")
        .tls(mode)
        .insecure_tls()
        .transcript(t.clone())
        .wait(Duration::from_secs(5))
        .connect()
        .await
        .expect("connect");
    c.open_stream(None).await.expect("header");
    let mut feats = Features::parse(&c.features_element().await.expect("features"));
    if mode == TlsMode::StartTls {
        assert_eq!(feats.starttls, Some(true));
        assert!(c.tls().is_none());
        c.starttls().await.expect("starttls");
        feats = Features::parse(&c.features_element().await.expect("features"));
    }
    assert_eq!(feats.mechanisms(), ["SCRAM-SHA-256"]);
    assert_eq!(feats.cb_types(), ["tls-exporter"]);
    let tls = c.tls().cloned().expect("tls info");
    assert_eq!(tls.version, TlsVersion::Tls13);
    assert_eq!(
        tls.tls_server_end_point,
        Some(sha2::Sha256::digest(&cert).to_vec())
    );
    c.send_raw(b"<iq type='get' id='1'/>").await.expect("send");
    let err = c.expect_stream_error().await.expect("stream error");
    assert_eq!(err, "policy-violation");
    assert!(matches!(c.expect_closed().await, Ok(())));
    assert!(matches!(
        c.recv().await,
        Err(ClientError::Closed | ClientError::StreamClosed)
    ));
    let server_exporter = server.await.expect("server");
    assert_eq!(tls.tls_exporter, Some(server_exporter));
    let entries = t.entries();
    let text = |d: Direction| -> String {
        entries
            .iter()
            .filter(|e| e.dir == d && e.conn == "c1")
            .map(|e| String::from_utf8_lossy(&e.data).into_owned())
            .collect()
    };
    assert!(text(Direction::Sent).contains("<iq type='get' id='1'/>"));
    assert!(text(Direction::Sent).contains("to='localhost'"));
    assert!(text(Direction::Received).contains("policy-violation"));
    assert_eq!(
        text(Direction::Sent).contains("<starttls"),
        mode == TlsMode::StartTls
    );
}

#[tokio::test]
async fn starttls_transcript_and_channel_binding() {
    run(TlsMode::StartTls).await;
}

#[tokio::test]
async fn direct_tls_transcript_and_channel_binding() {
    run(TlsMode::Direct).await;
}

#[tokio::test]
async fn silence_is_a_timeout_and_a_refused_port_an_io_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let ep = Endpoint {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::StartTls,
        domain: "localhost".into(),
        tls_config: client_config(&TlsTrust::insecure()).expect("cfg"),
    };
    let mut c = Conn::connect(
        ep.clone(),
        Transcript::new(),
        "c1",
        Duration::from_millis(200),
    )
    .await
    .expect("connect");
    let _held = listener.accept().await.expect("accept");
    assert!(matches!(
        c.open_stream(None).await,
        Err(ClientError::Timeout(_))
    ));
    drop(listener);
    drop(_held);
    let closed = Conn::connect(ep, Transcript::new(), "c2", Duration::from_millis(500)).await;
    assert!(
        matches!(closed, Err(ClientError::Io(_))),
        "{:?}",
        closed.err()
    );
}
