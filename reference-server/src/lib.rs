//! gatecheck's reference XMPP server: a deliberately simple, correct c2s server (STARTTLS and direct
//! TLS, SASL2, FAST, invites, OAuth2) that implementers compare against and that the conformance
//! suite embeds on ephemeral ports. This crate holds the infrastructure: configuration, storage,
//! TLS, and the tokio network shell that drives a sans-IO session core.

pub mod c2s;
pub mod config;
pub mod credentials;
pub mod modules;
pub mod server;
pub mod store;
pub mod tls;

pub use c2s::core::{Action, ConnectionContext, CoreFactory, ListenerKind, SessionCore};
pub use config::{Config, ConfigError, Overrides};
pub use server::{RunningServer, Server, ServerError, ShutdownHandle};
pub use store::{SqliteStore, Store, StoreError};
pub use tls::{TlsIdentity, TlsInfo, TlsVersion};
