//! What the sans-IO core asks its shell to do. A leaf module, so the session, the module hooks and
//! the shell all speak the same output vocabulary without importing each other.

/// What the shell should do next, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Flush, then run a TLS server handshake on the same socket (the core has already queued
    /// `<proceed/>` before this). On success the shell calls
    /// [`crate::SessionCore::on_tls_established`]; on failure it closes the connection.
    StartTls,
    /// The stream is authenticated: the shell lifts the unauthenticated idle timeout (`c2s_timeout`).
    Authenticated,
    /// Register this connection in the router under a bound full JID, so other sessions can push
    /// stanzas to it. A newer bind of the same JID replaces the older one.
    Bind(String),
    /// Flush pending output and close the connection.
    Close,
}
