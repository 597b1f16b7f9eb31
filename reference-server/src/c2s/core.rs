//! The boundary between the tokio shell and the sans-IO session core, in quinn-proto's
//! handle/poll style collapsed to one call: each `on_*` method is an input event (bytes, a TLS
//! handshake's channel-binding data, a timer, a routed stanza, shutdown) and returns every
//! [`Action`] it caused, in order. The core never touches a socket, the system clock or the OS
//! RNG: time and randomness come from the [`crate::env::Env`] it was built with, so it can be
//! fuzzed and compared byte for byte in-process. The shell owns sockets, TLS, limits and timers.

use std::net::SocketAddr;
use std::sync::Arc;

use gatecheck_proto::sasl::ChannelBindings;

pub use crate::action::Action;
use crate::route::StanzaRouter;

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

/// A per-connection sans-IO protocol engine. Every method returns the actions to perform, in
/// order; the shell performs them before feeding the next event. No method blocks or fails: bad
/// input becomes a stream error and [`Action::Close`].
pub trait SessionCore: Send {
    /// The connection is open; `secure` is `Some` on direct-TLS listeners (after the handshake).
    fn on_connect(&mut self, peer: SocketAddr, secure: Option<&ChannelBindings>) -> Vec<Action>;
    /// Bytes arrived from the client (any split; the core does its own framing).
    fn on_bytes(&mut self, data: &[u8]) -> Vec<Action>;
    /// A STARTTLS handshake the core asked for has completed; the core restarts the stream.
    fn on_tls_established(&mut self, info: &ChannelBindings) -> Vec<Action>;
    /// The unauthenticated idle timeout expired; the core should send `<connection-timeout/>` and
    /// [`Action::Close`]. The shell closes the connection afterwards regardless.
    fn on_idle_timeout(&mut self) -> Vec<Action>;
    /// The client stopped reading and other sessions' stanzas for it crossed
    /// `max_send_buffer_size`; the core should send a `<resource-constraint/>` stream error and
    /// [`Action::Close`]. The shell writes that best-effort and closes regardless.
    fn on_send_overflow(&mut self) -> Vec<Action>;
    /// Another session routed these bytes (a serialized stanza) to this connection's bound JID.
    fn on_routed(&mut self, stanza: Vec<u8>) -> Vec<Action>;
    /// The server is shutting down; the core should send `</stream:stream>` (or a
    /// `<system-shutdown/>` stream error). The shell flushes and closes afterwards.
    fn on_shutdown(&mut self) -> Vec<Action>;
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
