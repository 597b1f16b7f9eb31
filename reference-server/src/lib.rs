//! gatecheck's reference XMPP server: a deliberately simple, correct c2s server (STARTTLS and
//! direct TLS, SASL2 with Bind 2, legacy SASL and resource binding, roster, presence, disco, ping)
//! that implementers compare against and that the conformance suite embeds on ephemeral ports.
//! FAST (XEP-0484), invitations with in-band registration (XEP-0401/0445/0379/0077) and OAuth2
//! (HTTP endpoints in `http`, OAUTHBEARER in `modules::oauth2`) are modules on the same seams.
//!
//! Layout (see the root `ARCHITECTURE.md`): a sans-IO core (`c2s` session, `sasl` mechanisms,
//! `module` hooks and `modules`, `store` with the in-memory store, `env` clock and RNG) that builds
//! without tokio, rustls and SQLite; and, behind the default `shell` feature, the tokio network
//! shell, TLS, the SQLite store and the server start-up. [`root`] is the one composition root.

pub mod action;
pub mod breaks;
pub mod c2s;
pub mod config;
pub mod credentials;
pub mod env;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod http;
pub mod listener;
pub mod module;
pub mod modules;
pub mod root;
pub mod route;
pub mod sasl;
#[cfg(feature = "shell")]
pub mod server;
pub mod store;
#[cfg(feature = "shell")]
pub mod tls;

pub use action::Action;
pub use c2s::core::{ConnectionContext, CoreFactory, ListenerKind, SessionCore};
pub use config::{Config, ConfigError, Overrides};
pub use env::Env;
/// Invitations: [`invites::create_invite`] mints one (the CLI and the suite's embedded runner
/// call it).
pub use modules::invites;
#[cfg(feature = "shell")]
pub use root::StartError;
#[cfg(feature = "shell")]
pub use server::{RunningServer, Server, ServerError, ShutdownHandle};
#[cfg(feature = "shell")]
pub use store::SqliteStore;
pub use store::{Store, StoreError};
#[cfg(feature = "shell")]
pub use tls::TlsIdentity;
