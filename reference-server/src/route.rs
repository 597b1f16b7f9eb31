//! Delivery between sessions as the core sees it: a trait the shell implements (the tokio
//! `c2s::router::Router`) and a [`NullRouter`] for tests and fuzz targets, so the core needs no
//! async runtime.

/// Why a stanza could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// No session has bound this full JID (RFC 6121 §8.5.3: treat as unavailable resource).
    #[error("no session bound to {0}")]
    NotConnected(String),
    /// The recipient's inbox is full.
    #[error("inbox of {0} is full")]
    Backpressure(String),
}

/// What a session core may do with other sessions. Never blocks.
pub trait StanzaRouter: Send + Sync {
    /// Queues serialized stanza bytes for the session bound to `full_jid`.
    fn route(&self, full_jid: &str, stanza: Vec<u8>) -> Result<(), RouteError>;
    /// Full JIDs currently bound whose bare part is `bare_jid` (for roster pushes to all resources).
    fn resources_of(&self, bare_jid: &str) -> Vec<String>;
}

/// A router with no other sessions: every delivery is [`RouteError::NotConnected`]. For driving
/// one session core on its own (unit tests, whole-session fuzzing).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullRouter;

impl StanzaRouter for NullRouter {
    fn route(&self, full_jid: &str, _: Vec<u8>) -> Result<(), RouteError> {
        Err(RouteError::NotConnected(full_jid.to_owned()))
    }

    fn resources_of(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
}
