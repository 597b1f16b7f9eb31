//! End-to-end tests of the c2s shell over real sockets on 127.0.0.1 with a tiny test-only core.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gatecheck_proto::sasl::{ChannelBindings, TlsVersion};
use gatecheck_server::route::StanzaRouter;
use gatecheck_server::tls::{EXPORTER_LABEL, EXPORTER_LEN};
use gatecheck_server::{
    Action, Config, ConnectionContext, RunningServer, Server, SessionCore, root,
};
use rustls::pki_types::ServerName;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

#[path = "support/tls.rs"]
mod tls_support;

const STEP: Duration = Duration::from_secs(5);

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn describe(info: &ChannelBindings) -> Vec<u8> {
    format!(
        "<tls version='{:?}' exporter='{}' endpoint='{}' unique='{}'/>",
        info.version,
        info.tls_exporter.as_deref().map(hex).unwrap_or_default(),
        info.tls_server_end_point
            .as_deref()
            .map(hex)
            .unwrap_or_default(),
        info.tls_unique.is_some()
    )
    .into_bytes()
}

/// Answers any bytes with `<hello/>`, `<starttls` with `<proceed/>` + upgrade, reports TLS data,
/// and understands `auth`, `bind:JID` and `send:JID:TEXT` for limit and router tests.
struct TestCore {
    router: Arc<dyn StanzaRouter>,
}

impl SessionCore for TestCore {
    fn on_connect(&mut self, _: SocketAddr, secure: Option<&ChannelBindings>) -> Vec<Action> {
        secure
            .map(|i| vec![Action::Send(describe(i))])
            .unwrap_or_default()
    }
    fn on_bytes(&mut self, data: &[u8]) -> Vec<Action> {
        let text = String::from_utf8_lossy(data);
        if text.contains("<starttls") {
            return vec![Action::Send(b"<proceed/>".to_vec()), Action::StartTls];
        }
        if text.starts_with("auth") {
            return vec![Action::Authenticated, Action::Send(b"<authed/>".to_vec())];
        }
        if let Some(jid) = text.strip_prefix("bind:") {
            return vec![
                Action::Bind(jid.trim().to_owned()),
                Action::Send(b"<bound/>".to_vec()),
            ];
        }
        if let Some((jid, msg)) = text.strip_prefix("send:").and_then(|r| r.split_once(':')) {
            let ok = self
                .router
                .route(jid, msg.trim().as_bytes().to_vec())
                .is_ok();
            return vec![Action::Send(format!("<sent ok='{ok}'/>").into_bytes())];
        }
        if let Some((jid, count)) = text.strip_prefix("flood:").and_then(|r| r.split_once(':')) {
            // Routes `count` 4 KiB stanzas at once, as a busy contact's presence would.
            let count: usize = count.trim().parse().unwrap_or(0);
            let refused = (0..count)
                .filter(|_| self.router.route(jid, vec![b'x'; 4096]).is_err())
                .count();
            return vec![Action::Send(
                format!("<flooded refused='{refused}'/>").into_bytes(),
            )];
        }
        if text.starts_with("block") {
            // A slow store call (issue 13, problem 5).
            std::thread::sleep(Duration::from_millis(800));
            return vec![Action::Send(b"<unblocked/>".to_vec())];
        }
        if text.starts_with("quit") {
            return vec![Action::Send(b"<bye/>".to_vec()), Action::Close];
        }
        vec![Action::Send(b"<hello/>".to_vec())]
    }
    fn on_tls_established(&mut self, info: &ChannelBindings) -> Vec<Action> {
        vec![Action::Send(describe(info))]
    }
    fn on_idle_timeout(&mut self) -> Vec<Action> {
        vec![
            Action::Send(b"<connection-timeout/>".to_vec()),
            Action::Close,
        ]
    }
    fn on_routed(&mut self, stanza: Vec<u8>) -> Vec<Action> {
        let mut out = b"<routed>".to_vec();
        out.extend(stanza);
        out.extend(b"</routed>");
        vec![Action::Send(out)]
    }
    fn on_send_overflow(&mut self) -> Vec<Action> {
        vec![
            Action::Send(b"<resource-constraint/>".to_vec()),
            Action::Close,
        ]
    }
    fn on_shutdown(&mut self) -> Vec<Action> {
        vec![Action::Send(b"</stream:stream>".to_vec())]
    }
}

fn test_config() -> Config {
    Config {
        c2s_address: "127.0.0.1:0".parse().unwrap(),
        c2s_tls_address: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    }
}

async fn start(config: Config) -> RunningServer {
    let factory = |ctx: &ConnectionContext| -> Box<dyn SessionCore> {
        Box::new(TestCore {
            router: ctx.router.clone(),
        })
    };
    Server::start(&config, &root::listeners(&config), Arc::new(factory))
        .await
        .unwrap()
}

fn connector(version: &'static rustls::SupportedProtocolVersion) -> TlsConnector {
    tls_support::accept_all_connector(&[version])
}

async fn tls_connect(
    tcp: TcpStream,
    version: &'static rustls::SupportedProtocolVersion,
) -> TlsStream<TcpStream> {
    let name = ServerName::try_from("localhost").unwrap();
    tokio::time::timeout(STEP, connector(version).connect(name, tcp))
        .await
        .unwrap()
        .unwrap()
}

/// Reads until the received text contains `needle`; returns everything read.
async fn read_until<S: AsyncRead + Unpin>(s: &mut S, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(STEP, s.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("timeout waiting for {needle}; got {got:?}"))
            .unwrap();
        assert!(
            n > 0,
            "EOF before {needle}; got {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if text.contains(needle) {
            return text.into_owned();
        }
    }
}

/// Asserts the peer closes: EOF (or reset) within the step timeout.
async fn expect_eof<S: AsyncRead + Unpin>(s: &mut S) {
    let mut buf = [0u8; 256];
    loop {
        match tokio::time::timeout(STEP, s.read(&mut buf)).await {
            Err(_) => panic!("connection was not closed"),
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(_)) => {}
        }
    }
}

async fn send<S: AsyncWrite + Unpin>(s: &mut S, data: &str) {
    s.write_all(data.as_bytes()).await.unwrap();
    s.flush().await.unwrap();
}

/// Checks the server's reported channel-binding data against what the client computes itself.
fn assert_binding(report: &str, conn: &rustls::ClientConnection, expect_version: TlsVersion) {
    let mut ekm = [0u8; EXPORTER_LEN];
    conn.export_keying_material(&mut ekm, EXPORTER_LABEL, Some(&[]))
        .unwrap();
    let leaf = &conn.peer_certificates().unwrap()[0];
    let end_point = Sha256::digest(leaf.as_ref());
    assert!(
        report.contains(&format!("version='{expect_version:?}'")),
        "{report}"
    );
    assert!(
        report.contains(&format!("exporter='{}'", hex(&ekm))),
        "{report}"
    );
    assert!(
        report.contains(&format!("endpoint='{}'", hex(&end_point))),
        "{report}"
    );
    assert!(report.contains("unique='false'"), "{report}");
}

#[tokio::test]
async fn starttls_upgrade_with_matching_channel_binding() {
    let server = start(test_config()).await;
    let mut tcp = TcpStream::connect(server.c2s_addr).await.unwrap();
    send(&mut tcp, "<stream:stream>").await;
    read_until(&mut tcp, "<hello/>").await;
    send(
        &mut tcp,
        &format!("<starttls xmlns='{}'/>", gatecheck_proto::ns::TLS),
    )
    .await;
    read_until(&mut tcp, "<proceed/>").await;
    let mut tls = tls_connect(tcp, &rustls::version::TLS13).await;
    let report = read_until(&mut tls, "/>").await;
    assert_binding(&report, tls.get_ref().1, TlsVersion::Tls13);
    // The end-point hash also equals the hash of the certificate the server says it uses.
    let own = hex(server.tls.end_point.as_deref().unwrap());
    assert!(report.contains(&own));
    send(&mut tls, "again").await;
    read_until(&mut tls, "<hello/>").await;
    // STARTTLS inside TLS is refused by closing.
    send(&mut tls, "<starttls/>").await;
    expect_eof(&mut tls).await;
    assert!(server.shutdown(STEP).await);
}

#[tokio::test]
async fn direct_tls_on_both_versions() {
    let server = start(test_config()).await;
    for (version, expect) in [
        (&rustls::version::TLS13, TlsVersion::Tls13),
        (&rustls::version::TLS12, TlsVersion::Tls12),
    ] {
        let tcp = TcpStream::connect(server.c2s_tls_addr).await.unwrap();
        let mut tls = tls_connect(tcp, version).await;
        let report = read_until(&mut tls, "/>").await;
        assert_binding(&report, tls.get_ref().1, expect);
        send(&mut tls, "quit").await;
        read_until(&mut tls, "<bye/>").await;
        expect_eof(&mut tls).await;
    }
    assert!(server.shutdown(STEP).await);
}

#[tokio::test]
async fn connection_limit_refuses_with_policy_violation() {
    let server = start(Config {
        c2s_max_connections_per_ip: 1,
        ..test_config()
    })
    .await;
    let mut first = TcpStream::connect(server.c2s_addr).await.unwrap();
    send(&mut first, "x").await;
    read_until(&mut first, "<hello/>").await;
    let mut second = TcpStream::connect(server.c2s_addr).await.unwrap();
    let refusal = read_until(&mut second, "</stream:stream>").await;
    assert!(refusal.contains("<policy-violation"), "{refusal}");
    expect_eof(&mut second).await;
    // Over the limit on the direct-TLS port: closed without a handshake.
    let mut third = TcpStream::connect(server.c2s_tls_addr).await.unwrap();
    expect_eof(&mut third).await;
    // Freeing the slot admits a new connection.
    drop(first);
    let mut admitted = None;
    for _ in 0..50 {
        let mut c = TcpStream::connect(server.c2s_addr).await.unwrap();
        send(&mut c, "x").await;
        let mut buf = [0u8; 512];
        let n = tokio::time::timeout(STEP, c.read(&mut buf))
            .await
            .unwrap()
            .unwrap_or(0);
        if String::from_utf8_lossy(&buf[..n]).contains("<hello/>") {
            admitted = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(admitted.is_some(), "slot was never released");
    drop(admitted);
    assert!(server.shutdown(STEP).await);
}

#[tokio::test]
async fn idle_timeout_closes_silent_unauthenticated_connection() {
    let server = start(Config {
        c2s_timeout: 1,
        ..test_config()
    })
    .await;
    let mut silent = TcpStream::connect(server.c2s_addr).await.unwrap();
    let mut authed = TcpStream::connect(server.c2s_addr).await.unwrap();
    send(&mut authed, "auth").await;
    read_until(&mut authed, "<authed/>").await;
    let started = std::time::Instant::now();
    read_until(&mut silent, "<connection-timeout/>").await;
    expect_eof(&mut silent).await;
    assert!(started.elapsed() >= Duration::from_millis(500));
    // The authenticated connection outlives the unauthenticated timeout.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    send(&mut authed, "ping").await;
    read_until(&mut authed, "<hello/>").await;
    assert!(server.shutdown(STEP).await);
}

/// Issue 13, problem 3 (slowloris): `c2s_timeout` is a deadline from connect for an
/// unauthenticated stream, whatever it sends; one byte every 200 ms does not keep it open.
#[tokio::test]
async fn trickling_unauthenticated_connection_is_cut_at_c2s_timeout() {
    let server = start(Config {
        c2s_timeout: 1,
        ..test_config()
    })
    .await;
    let started = std::time::Instant::now();
    let (mut rd, mut wr) = TcpStream::connect(server.c2s_addr)
        .await
        .unwrap()
        .into_split();
    let trickle = tokio::spawn(async move {
        while wr.write_all(b" ").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    read_until(&mut rd, "<connection-timeout/>").await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "cut after {elapsed:?}"
    );
    trickle.abort();
    assert!(server.shutdown(STEP).await);
}

/// Issue 13, problem 5: a core call that blocks (a slow SQLite write) runs on the blocking pool,
/// so on this single-threaded runtime another connection is still served meanwhile.
#[tokio::test]
async fn blocking_core_call_does_not_stall_other_connections() {
    let server = start(test_config()).await;
    let mut slow = TcpStream::connect(server.c2s_addr).await.unwrap();
    let mut other = TcpStream::connect(server.c2s_addr).await.unwrap();
    send(&mut slow, "block").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    send(&mut other, "ping").await;
    read_until(&mut other, "<hello/>").await;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "served after {:?}",
        started.elapsed()
    );
    read_until(&mut slow, "<unblocked/>").await;
    assert!(server.shutdown(STEP).await);
}

#[tokio::test]
async fn graceful_shutdown_sends_core_goodbye_and_stops_accepting() {
    let server = start(test_config()).await;
    let addr = server.c2s_addr;
    let mut plain = TcpStream::connect(addr).await.unwrap();
    send(&mut plain, "x").await;
    read_until(&mut plain, "<hello/>").await;
    let tcp = TcpStream::connect(server.c2s_tls_addr).await.unwrap();
    let mut tls = tls_connect(tcp, &rustls::version::TLS13).await;
    read_until(&mut tls, "/>").await;
    let done = tokio::spawn(server.shutdown(STEP));
    read_until(&mut plain, "</stream:stream>").await;
    expect_eof(&mut plain).await;
    read_until(&mut tls, "</stream:stream>").await;
    expect_eof(&mut tls).await;
    assert!(done.await.unwrap(), "connections did not finish");
    // The listener is gone: connecting fails or is closed at once.
    if let Ok(mut late) = TcpStream::connect(addr).await {
        let _ = late.write_all(b"x").await;
        expect_eof(&mut late).await;
    }
}

#[tokio::test]
async fn router_delivers_between_sessions() {
    let server = start(test_config()).await;
    let mut a = TcpStream::connect(server.c2s_addr).await.unwrap();
    let mut b = TcpStream::connect(server.c2s_addr).await.unwrap();
    send(&mut b, "bind:bob@localhost/phone").await;
    read_until(&mut b, "<bound/>").await;
    send(&mut a, "send:bob@localhost/phone:<message/>").await;
    read_until(&mut a, "<sent ok='true'/>").await;
    read_until(&mut b, "<routed><message/></routed>").await;
    send(&mut a, "send:carol@localhost/x:<message/>").await;
    read_until(&mut a, "<sent ok='false'/>").await;
    drop(b);
    // Once bob's connection ends its binding disappears.
    let mut gone = false;
    for _ in 0..50 {
        if server.router.is_empty() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone);
    assert!(server.shutdown(STEP).await);
}

/// Issue 13, problem 5: a bound client that stops reading is cut once other sessions' stanzas
/// queued for it pass `max_send_buffer_size`, instead of the server holding them until the write
/// timeout (`c2s_timeout`, 300 s here).
#[tokio::test]
async fn client_that_stops_reading_is_cut_at_the_send_bound() {
    let server = start(Config {
        max_send_buffer_size: 256 * 1024,
        ..test_config()
    })
    .await;
    // A tiny receive window, so the kernel stops taking bytes for the reader early.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut reader = socket.connect(server.c2s_addr).await.unwrap();
    send(&mut reader, "bind:bob@localhost/stuck").await;
    read_until(&mut reader, "<bound/>").await;
    let mut sender = TcpStream::connect(server.c2s_addr).await.unwrap();
    let mut refused_total = 0usize;
    let mut cut = false;
    for _ in 0..40 {
        send(&mut sender, "flood:bob@localhost/stuck:512").await;
        let reply = read_until(&mut sender, "'/>").await;
        refused_total += reply
            .split("refused='")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        if server.router.resources_of("bob@localhost").is_empty() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused_total > 0, "no delivery was refused");
    for _ in 0..100 {
        if cut || server.router.resources_of("bob@localhost").is_empty() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(cut, "the non-reading connection is still bound");
    // The sender's own session is untouched.
    send(&mut sender, "ping").await;
    read_until(&mut sender, "<hello/>").await;
    drop(reader);
    assert!(server.shutdown(STEP).await);
}
