//! The boundary between the tokio shell and the sans-IO session core. The core sees bytes, TLS
//! facts and time, and answers with [`Action`]s; it never touches a socket, so it can be fuzzed and
//! snapshot-tested in-process. The shell owns sockets, TLS, limits and timers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use super::router::StanzaRouter;
use crate::tls::TlsInfo;

/// What the shell should do next, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Flush, then run a TLS server handshake on the same socket (the core has already queued
    /// `<proceed/>` before this). On success the shell calls [`SessionCore::on_tls_established`];
    /// on failure it closes the connection.
    StartTls,
    /// The stream is authenticated: the shell lifts the unauthenticated idle timeout (`c2s_timeout`).
    Authenticated,
    /// Register this connection in the router under a bound full JID, so other sessions can push
    /// stanzas to it. A newer bind of the same JID replaces the older one.
    Bind(String),
    /// Flush pending output and close the connection.
    Close,
}

/// Which listener accepted the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// Plain TCP, upgraded with STARTTLS (RFC 6120 §5).
    StartTls,
    /// TLS from the first byte (XEP-0368).
    DirectTls,
}

/// Facts about a new connection, given to the factory.
#[derive(Clone)]
pub struct ConnectionContext {
    /// Unique per server run; also the router's key for this connection.
    pub id: u64,
    /// The client's address.
    pub peer: SocketAddr,
    /// Our address.
    pub local: SocketAddr,
    /// How the connection arrived.
    pub listener: ListenerKind,
    /// The server domain (`Config::domain`).
    pub domain: Arc<str>,
    /// For pushing stanzas to other sessions (roster pushes, messages).
    pub router: Arc<dyn StanzaRouter>,
}

/// A per-connection sans-IO protocol engine. Every method returns the actions to perform, in order.
/// `now` is wall-clock time, passed in so tests and fuzzers control it.
pub trait SessionCore: Send {
    /// The connection is open; `secure` is `Some` on direct-TLS listeners (after the handshake).
    fn on_connect(
        &mut self,
        peer: SocketAddr,
        secure: Option<&TlsInfo>,
        now: SystemTime,
    ) -> Vec<Action>;
    /// Bytes arrived from the client (any split; the core does its own framing).
    fn on_bytes(&mut self, data: &[u8], now: SystemTime) -> Vec<Action>;
    /// A STARTTLS handshake the core asked for has completed; the core restarts the stream.
    fn on_tls_established(&mut self, info: &TlsInfo, now: SystemTime) -> Vec<Action>;
    /// The unauthenticated idle timeout expired; the core should send `<connection-timeout/>` and
    /// [`Action::Close`]. The shell closes the connection afterwards regardless.
    fn on_idle_timeout(&mut self, now: SystemTime) -> Vec<Action>;
    /// Another session routed these bytes (a serialized stanza) to this connection's bound JID.
    fn on_routed(&mut self, stanza: Vec<u8>, now: SystemTime) -> Vec<Action>;
    /// The server is shutting down; the core should send `</stream:stream>` (or a
    /// `<system-shutdown/>` stream error). The shell flushes and closes afterwards.
    fn on_shutdown(&mut self, now: SystemTime) -> Vec<Action>;
}

/// Creates one [`SessionCore`] per accepted connection; the factory holds shared state (store,
/// config) and hands it to each core.
pub trait CoreFactory: Send + Sync + 'static {
    /// A fresh core for the connection described by `ctx`.
    fn create(&self, ctx: &ConnectionContext) -> Box<dyn SessionCore>;
}

impl<F> CoreFactory for F
where
    F: Fn(&ConnectionContext) -> Box<dyn SessionCore> + Send + Sync + 'static,
{
    fn create(&self, ctx: &ConnectionContext) -> Box<dyn SessionCore> {
        self(ctx)
    }
}
