//! The tokio network shell: accepts c2s connections on the STARTTLS and direct-TLS listeners,
//! enforces connection limits and timeouts, performs TLS, and drives one [`SessionCore`] per
//! connection. It knows nothing about XMPP beyond rendering a refusal.

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use gatecheck_proto::sasl::ChannelBindings;
use gatecheck_proto::xml::StreamErrorCondition;

use super::core::{Action, ConnectionContext, CoreFactory, ListenerKind, SessionCore};
use super::limits::{ConnectionLimiter, ConnectionPermit};
use super::router::{INBOX_CAPACITY, Router, SendQueue};
use super::stream::{new_stream_id, stream_error_bytes};
use crate::env::Env;
use crate::tls;

/// How long the shell tries to deliver a refusal or final bytes before dropping the socket.
pub const FAREWELL_TIMEOUT: Duration = Duration::from_secs(2);

/// Everything connection tasks share.
pub(crate) struct Shared {
    pub factory: Arc<dyn CoreFactory>,
    pub acceptor: TlsAcceptor,
    pub end_point: Option<Vec<u8>>,
    pub limiter: ConnectionLimiter,
    pub router: Arc<Router>,
    pub domain: Arc<str>,
    pub idle_timeout: Duration,
    pub handshake_timeout: Duration,
    pub read_size: usize,
    /// `max_send_buffer_size`: bytes other sessions may queue for one connection.
    pub send_buffer_limit: usize,
    pub next_id: AtomicU64,
    pub shutdown: watch::Receiver<bool>,
}

/// How a connection ended; logged once per connection.
#[derive(Debug)]
enum Outcome {
    PeerClosed,
    CoreClosed,
    IdleTimeout,
    Shutdown,
    HandshakeTimeout,
    HandshakeFailed(String),
    WriteTimeout,
    /// Other sessions queued more than `max_send_buffer_size` bytes for a client not reading.
    SendBufferFull(usize),
    StartTlsOnTls,
    Io(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::PeerClosed => f.write_str("closed by peer"),
            Outcome::CoreClosed => f.write_str("closed by session"),
            Outcome::IdleTimeout => f.write_str("unauthenticated idle timeout"),
            Outcome::Shutdown => f.write_str("server shutdown"),
            Outcome::HandshakeTimeout => f.write_str("TLS handshake timeout"),
            Outcome::HandshakeFailed(e) => write!(f, "TLS handshake failed: {e}"),
            Outcome::WriteTimeout => f.write_str("write timeout"),
            Outcome::SendBufferFull(limit) => write!(
                f,
                "send buffer full: the client stopped reading and more than {limit} bytes were \
                 queued for it (max_send_buffer_size)"
            ),
            Outcome::StartTlsOnTls => f.write_str("STARTTLS requested on a TLS stream"),
            Outcome::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Transport {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Transport::Plain(s) => s.read(buf).await,
            Transport::Tls(s) => s.read(buf).await,
        }
    }

    async fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Transport::Plain(s) => {
                s.write_all(data).await?;
                s.flush().await
            }
            Transport::Tls(s) => {
                s.write_all(data).await?;
                s.flush().await
            }
        }
    }

    async fn close(&mut self) {
        let _ = match self {
            Transport::Plain(s) => timeout(FAREWELL_TIMEOUT, s.shutdown()).await,
            Transport::Tls(s) => timeout(FAREWELL_TIMEOUT, s.shutdown()).await,
        };
    }
}

/// Resolves once shutdown is triggered (or the server handle is gone). Wrapped so the watch
/// guard is dropped before the select arm's body runs.
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Accepts on one listener until shutdown. `alive` is cloned into every connection task so the
/// server can wait for all of them to finish.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    kind: ListenerKind,
    shared: Arc<Shared>,
    alive: mpsc::Sender<()>,
) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        tokio::select! {
            _ = stopped(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match shared.limiter.try_acquire(peer.ip()) {
                    Ok(permit) => {
                        tokio::spawn(connection(stream, peer, kind, shared.clone(), permit, alive.clone()));
                    }
                    Err(limit) => {
                        tracing::info!(%peer, listener = ?kind, outcome = %limit, "c2s connection refused");
                        tokio::spawn(refuse(stream, kind, shared.domain.clone()));
                    }
                },
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

/// Refuses an over-limit connection: on the STARTTLS port with a `<policy-violation/>` stream
/// error; on the direct-TLS port by closing, because no XMPP can be spoken before a TLS handshake
/// and handshaking would spend the resources the limit protects.
async fn refuse(mut stream: TcpStream, kind: ListenerKind, domain: Arc<str>) {
    if kind == ListenerKind::StartTls {
        let id = new_stream_id(&Env::system());
        let bytes = stream_error_bytes(
            &domain,
            Some(&id),
            StreamErrorCondition::PolicyViolation,
            Some("Too many connections"),
        );
        let _ = timeout(FAREWELL_TIMEOUT, async {
            stream.write_all(&bytes).await?;
            stream.shutdown().await
        })
        .await;
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    kind: ListenerKind,
    shared: Arc<Shared>,
    _permit: ConnectionPermit,
    _alive: mpsc::Sender<()>,
) {
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let outcome = run(stream, peer, kind, id, &shared).await;
    shared.router.unregister_connection(id);
    tracing::info!(conn = id, %peer, listener = ?kind, outcome = %outcome, "c2s connection ended");
}

async fn handshake(
    stream: TcpStream,
    shared: &Shared,
) -> Result<(Box<TlsStream<TcpStream>>, ChannelBindings), Outcome> {
    let tls = match timeout(shared.handshake_timeout, shared.acceptor.accept(stream)).await {
        Err(_) => return Err(Outcome::HandshakeTimeout),
        Ok(Err(e)) => return Err(Outcome::HandshakeFailed(e.to_string())),
        Ok(Ok(t)) => t,
    };
    let info = tls::channel_bindings(tls.get_ref().1, shared.end_point.as_deref())
        .ok_or_else(|| Outcome::HandshakeFailed("no protocol version negotiated".into()))?;
    Ok((Box::new(tls), info))
}

struct Conn<'a> {
    transport: Option<Transport>,
    shared: &'a Shared,
    id: u64,
    inbox: mpsc::Sender<Vec<u8>>,
    queue: Arc<SendQueue>,
    authenticated: bool,
}

/// Whether action processing asked to stop.
enum Flow {
    Continue,
    Closed,
}

impl Conn<'_> {
    async fn write(&mut self, data: &[u8]) -> Result<(), Outcome> {
        let t = self
            .transport
            .as_mut()
            .ok_or_else(|| Outcome::Io("transport lost".into()))?;
        // A write blocked by a client that does not read ends as soon as other sessions'
        // stanzas for it cross the send bound, not only at the write timeout.
        tokio::select! {
            written = timeout(self.shared.idle_timeout, t.write(data)) => match written {
                Err(_) => Err(Outcome::WriteTimeout),
                Ok(Err(e)) => Err(Outcome::Io(e.to_string())),
                Ok(Ok(())) => Ok(()),
            },
            () = self.queue.overflowed() => Err(Outcome::SendBufferFull(self.queue.limit())),
        }
    }

    async fn close(&mut self) {
        if let Some(t) = self.transport.as_mut() {
            t.close().await;
        }
    }

    /// Performs actions in order; `StartTls` feeds the core's reaction back into the queue.
    ///
    /// Bytes are gathered and written once per batch (before a STARTTLS upgrade or a close, and at the
    /// end): fewer syscalls and TLS records, and a peer that reads `<success/>` also has the
    /// `<stream:features/>` sent with it, whatever bookkeeping actions the core put between them.
    async fn process(
        &mut self,
        core: &mut dyn SessionCore,
        mut pending: VecDeque<Action>,
    ) -> Result<Flow, Outcome> {
        let mut out = Vec::new();
        while let Some(action) = pending.pop_front() {
            match action {
                Action::Send(bytes) => out.extend_from_slice(&bytes),
                Action::Authenticated => self.authenticated = true,
                Action::Bind(jid) => self.shared.router.register(
                    &jid,
                    self.id,
                    self.inbox.clone(),
                    self.queue.clone(),
                ),
                Action::Close => {
                    self.write_batch(&mut out).await?;
                    return Ok(Flow::Closed);
                }
                Action::StartTls => {
                    self.write_batch(&mut out).await?;
                    let Some(Transport::Plain(tcp)) = self.transport.take() else {
                        return Err(Outcome::StartTlsOnTls);
                    };
                    let (tls, info) = handshake(tcp, self.shared).await?;
                    self.transport = Some(Transport::Tls(tls));
                    pending.extend(core.on_tls_established(&info));
                }
            }
        }
        self.write_batch(&mut out).await?;
        Ok(Flow::Continue)
    }

    /// Writes and empties a gathered batch; nothing to do for an empty one.
    async fn write_batch(&mut self, out: &mut Vec<u8>) -> Result<(), Outcome> {
        if out.is_empty() {
            return Ok(());
        }
        let result = self.write(out).await;
        out.clear();
        result
    }

    /// Sends the core's last words (ignoring further STARTTLS), then closes.
    async fn finish(&mut self, actions: Vec<Action>, outcome: Outcome) -> Outcome {
        for a in actions {
            match a {
                Action::Send(b) => {
                    if timeout(FAREWELL_TIMEOUT, self.write(&b)).await.is_err() {
                        break;
                    }
                }
                Action::Close => break,
                Action::StartTls | Action::Authenticated | Action::Bind(_) => {}
            }
        }
        self.close().await;
        outcome
    }
}

/// Feeds `data` to the core on tokio's blocking pool: the core calls the synchronous store
/// (SQLite; roster writes, credential lookups) and PBKDF2, which must not stall the async worker
/// threads every other connection shares (issue 13, problem 5). The core stays synchronous; it is
/// moved to the pool and back.
async fn off_worker(
    mut core: Box<dyn SessionCore>,
    data: Vec<u8>,
) -> Result<(Box<dyn SessionCore>, Vec<Action>), Outcome> {
    tokio::task::spawn_blocking(move || {
        let actions = core.on_bytes(&data);
        (core, actions)
    })
    .await
    .map_err(|e| Outcome::Io(format!("session core failed: {e}")))
}

async fn run(
    stream: TcpStream,
    peer: SocketAddr,
    kind: ListenerKind,
    id: u64,
    shared: &Shared,
) -> Outcome {
    let local = stream.local_addr().unwrap_or(peer);
    let (transport, info) = match kind {
        ListenerKind::StartTls => (Transport::Plain(stream), None),
        ListenerKind::DirectTls => match handshake(stream, shared).await {
            Ok((tls, info)) => (Transport::Tls(tls), Some(info)),
            Err(o) => return o,
        },
    };
    let ctx = ConnectionContext {
        id,
        peer,
        local,
        listener: kind,
        domain: shared.domain.clone(),
        router: shared.router.clone(),
    };
    let mut core = shared.factory.create(&ctx);
    let (inbox, mut routed) = mpsc::channel(INBOX_CAPACITY);
    let mut conn = Conn {
        transport: Some(transport),
        shared,
        id,
        inbox,
        queue: SendQueue::new(shared.send_buffer_limit),
        authenticated: false,
    };
    // Routed bytes taken from the inbox whose reply has not been written yet.
    let mut routed_unwritten = 0usize;
    let mut shutdown = shared.shutdown.clone();
    let mut buf = vec![0u8; shared.read_size];
    let deadline = Instant::now() + shared.idle_timeout;
    let mut pending: VecDeque<Action> = core.on_connect(peer, info.as_ref()).into();
    loop {
        let processed = conn
            .process(core.as_mut(), std::mem::take(&mut pending))
            .await;
        conn.queue.release(std::mem::take(&mut routed_unwritten));
        match processed {
            Ok(Flow::Continue) => {}
            Ok(Flow::Closed) => {
                conn.close().await;
                return Outcome::CoreClosed;
            }
            Err(o @ Outcome::SendBufferFull(_)) => {
                let last = core.on_send_overflow();
                return conn.finish(last, o).await;
            }
            Err(o) => {
                conn.close().await;
                return o;
            }
        }
        let Some(transport) = conn.transport.as_mut() else {
            return Outcome::Io("transport lost".into());
        };
        tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => {
                let last = core.on_shutdown();
                return conn.finish(last, Outcome::Shutdown).await;
            }
            _ = sleep_until(deadline), if !conn.authenticated => {
                let last = core.on_idle_timeout();
                return conn.finish(last, Outcome::IdleTimeout).await;
            }
            read = transport.read(&mut buf) => match read {
                Ok(0) => return Outcome::PeerClosed,
                Ok(n) => {
                    // `c2s_timeout` is a deadline from connect, not an idle timer: a client
                    // trickling bytes is cut all the same (slowloris, issue 13 problem 3).
                    let data = buf.get(..n).unwrap_or_default().to_vec();
                    let (back, actions) = match off_worker(core, data).await {
                        Ok(r) => r,
                        Err(o) => return o,
                    };
                    core = back;
                    pending.extend(actions);
                }
                Err(e) => return Outcome::Io(e.to_string()),
            },
            () = conn.queue.overflowed() => {
                let last = core.on_send_overflow();
                return conn.finish(last, Outcome::SendBufferFull(conn.queue.limit())).await;
            }
            Some(stanza) = routed.recv() => {
                routed_unwritten += stanza.len();
                pending.extend(core.on_routed(stanza));
            }
        }
    }
}
