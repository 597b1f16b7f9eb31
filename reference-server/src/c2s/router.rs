//! The shell's delivery between sessions: a registry from bound full JID to the owning
//! connection's tokio inbox. Cores use it through [`StanzaRouter`] (injected in
//! [`super::core::ConnectionContext`]); the shell registers and unregisters connections.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::mpsc;

pub use crate::route::{RouteError, StanzaRouter};

/// Capacity of each connection's inbox; a session that falls this far behind gets
/// [`RouteError::Backpressure`] on further deliveries rather than unbounded memory growth.
pub const INBOX_CAPACITY: usize = 256;

struct Entry {
    conn_id: u64,
    inbox: mpsc::Sender<Vec<u8>>,
}

/// The in-process [`StanzaRouter`].
#[derive(Default)]
pub struct Router {
    sessions: Mutex<HashMap<String, Entry>>,
}

impl Router {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Binds `full_jid` to a connection; a previous binding of the same JID is replaced.
    pub fn register(&self, full_jid: &str, conn_id: u64, inbox: mpsc::Sender<Vec<u8>>) {
        self.lock()
            .insert(full_jid.to_owned(), Entry { conn_id, inbox });
    }

    /// Removes every binding owned by `conn_id` (and only those: a newer connection that took over
    /// a JID keeps it).
    pub fn unregister_connection(&self, conn_id: u64) {
        self.lock().retain(|_, e| e.conn_id != conn_id);
    }

    /// Number of bound JIDs.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no JID is bound.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The bare part of a full JID (everything before the first `/`).
fn bare_of(jid: &str) -> &str {
    jid.split_once('/').map_or(jid, |(b, _)| b)
}

impl StanzaRouter for Router {
    fn route(&self, full_jid: &str, stanza: Vec<u8>) -> Result<(), RouteError> {
        let g = self.lock();
        let e = g
            .get(full_jid)
            .ok_or_else(|| RouteError::NotConnected(full_jid.to_owned()))?;
        e.inbox.try_send(stanza).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => RouteError::Backpressure(full_jid.to_owned()),
            mpsc::error::TrySendError::Closed(_) => RouteError::NotConnected(full_jid.to_owned()),
        })
    }

    fn resources_of(&self, bare_jid: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .lock()
            .keys()
            .filter(|k| k.contains('/') && bare_of(k) == bare_jid)
            .cloned()
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_replaces_and_unregisters() {
        let r = Router::new();
        let (tx1, mut rx1) = mpsc::channel(1);
        let (tx2, mut rx2) = mpsc::channel(4);
        r.register("a@x/1", 1, tx1.clone());
        r.register("a@x/2", 2, tx2.clone());
        assert_eq!(r.resources_of("a@x"), vec!["a@x/1", "a@x/2"]);
        assert!(r.resources_of("a@y").is_empty());
        r.route("a@x/1", b"hi".to_vec()).unwrap();
        assert_eq!(rx1.try_recv().unwrap(), b"hi");
        r.route("a@x/1", b"1".to_vec()).unwrap();
        assert_eq!(
            r.route("a@x/1", b"2".to_vec()),
            Err(RouteError::Backpressure("a@x/1".into()))
        );
        assert_eq!(
            r.route("b@x/1", vec![]),
            Err(RouteError::NotConnected("b@x/1".into()))
        );
        // Connection 2 takes over a@x/1; connection 1 leaving must not remove it.
        r.register("a@x/1", 2, tx2);
        r.unregister_connection(1);
        r.route("a@x/1", b"x".to_vec()).unwrap();
        assert_eq!(rx2.try_recv().unwrap(), b"x");
        r.unregister_connection(2);
        assert!(r.is_empty());
        drop(tx1);
    }
}
