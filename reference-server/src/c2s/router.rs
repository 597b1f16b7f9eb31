//! The shell's delivery between sessions: a registry from bound full JID to the owning
//! connection's tokio inbox. Cores use it through [`StanzaRouter`] (injected in
//! [`super::core::ConnectionContext`]); the shell registers and unregisters connections.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, mpsc};

pub use crate::route::{RouteError, StanzaRouter};

/// Capacity of each connection's inbox; a session that falls this far behind gets
/// [`RouteError::Backpressure`] on further deliveries rather than unbounded memory growth.
pub const INBOX_CAPACITY: usize = 256;

/// Bytes routed to one connection and not yet written to its socket, against
/// `max_send_buffer_size` (issue 13, problem 5): a client that stops reading must not make the
/// server hold an unbounded amount of other sessions' stanzas for it. Crossing the bound refuses
/// the stanza and wakes the connection, which then ends the stream.
#[derive(Debug)]
pub struct SendQueue {
    queued: AtomicUsize,
    limit: usize,
    overflowed: Notify,
}

impl SendQueue {
    /// An empty queue holding at most `limit` bytes.
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(SendQueue {
            queued: AtomicUsize::new(0),
            limit,
            overflowed: Notify::new(),
        })
    }

    /// Reserves `len` bytes; `false` (and the connection is told) when that would cross the limit.
    fn reserve(&self, len: usize) -> bool {
        let reserved = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                q.checked_add(len).filter(|&total| total <= self.limit)
            })
            .is_ok();
        if !reserved {
            self.overflowed.notify_one();
        }
        reserved
    }

    /// Gives back `len` bytes once they were written to the socket (or dropped).
    pub fn release(&self, len: usize) {
        let _ = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                Some(q.saturating_sub(len))
            });
    }

    /// Bytes reserved now.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// The bound, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Resolves once a delivery was refused for crossing the bound (at once if that already
    /// happened and nobody was waiting).
    pub async fn overflowed(&self) {
        self.overflowed.notified().await;
    }
}

struct Entry {
    conn_id: u64,
    inbox: mpsc::Sender<Vec<u8>>,
    queue: Arc<SendQueue>,
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
    /// Deliveries reserve their size in `queue`, which the connection releases as it writes.
    pub fn register(
        &self,
        full_jid: &str,
        conn_id: u64,
        inbox: mpsc::Sender<Vec<u8>>,
        queue: Arc<SendQueue>,
    ) {
        self.lock().insert(
            full_jid.to_owned(),
            Entry {
                conn_id,
                inbox,
                queue,
            },
        );
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
        let len = stanza.len();
        if !e.queue.reserve(len) {
            return Err(RouteError::Backpressure(full_jid.to_owned()));
        }
        e.inbox.try_send(stanza).map_err(|err| {
            e.queue.release(len);
            match err {
                mpsc::error::TrySendError::Full(_) => RouteError::Backpressure(full_jid.to_owned()),
                mpsc::error::TrySendError::Closed(_) => {
                    RouteError::NotConnected(full_jid.to_owned())
                }
            }
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
        let (q1, q2) = (SendQueue::new(1024), SendQueue::new(1024));
        r.register("a@x/1", 1, tx1.clone(), q1.clone());
        r.register("a@x/2", 2, tx2.clone(), q2.clone());
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
        r.register("a@x/1", 2, tx2, q2);
        r.unregister_connection(1);
        r.route("a@x/1", b"x".to_vec()).unwrap();
        assert_eq!(rx2.try_recv().unwrap(), b"x");
        r.unregister_connection(2);
        assert!(r.is_empty());
        drop(tx1);
    }

    #[tokio::test]
    async fn bytes_past_the_send_bound_are_refused_and_wake_the_connection() {
        let r = Router::new();
        let (tx, mut rx) = mpsc::channel(16);
        let queue = SendQueue::new(10);
        r.register("a@x/1", 1, tx, queue.clone());
        r.route("a@x/1", b"123456".to_vec()).unwrap();
        assert_eq!(queue.queued(), 6);
        assert_eq!(
            r.route("a@x/1", b"12345".to_vec()),
            Err(RouteError::Backpressure("a@x/1".into()))
        );
        // The refusal left a wake-up for the connection, even though nobody was waiting yet.
        tokio::time::timeout(std::time::Duration::from_secs(1), queue.overflowed())
            .await
            .expect("the connection is told about the overflow");
        // Writing what was queued frees the room again.
        let written = rx.try_recv().unwrap();
        queue.release(written.len());
        r.route("a@x/1", b"1234".to_vec()).unwrap();
        assert_eq!(queue.queued(), 4);
    }
}
