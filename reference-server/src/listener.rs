//! The sockets the server listens on, as data: the composition root lists them from the config
//! and the shell binds them, so neither imports the other for this type.

use crate::c2s::core::ListenerKind;
use std::net::SocketAddr;

/// One listening socket the server opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// A c2s listener of the given kind.
    C2s {
        /// STARTTLS or direct TLS.
        kind: ListenerKind,
        /// Where to listen (port 0: ephemeral).
        address: SocketAddr,
    },
    /// The OAuth2 HTTPS listener (`http/`: the core, and the axum shell in `http/shell.rs`).
    Http {
        /// Where to listen (port 0: ephemeral).
        address: SocketAddr,
    },
}
