//! Client-to-server connections: the sans-IO core interface, the tokio shell that drives it,
//! admission limits, the router that lets sessions push stanzas to each other, and the default
//! session core ([`session::C2sSession`], built by [`provider::default_factory`]): stream
//! open/restart, STARTTLS, features, SASL2 and legacy SASL over pluggable
//! [`mechanism::ServerMechanism`]s, and inline features ([`inline::InlineFeature`]).

pub mod auth_flow;
pub mod core;
pub mod features;
pub mod inline;
pub mod limits;
pub mod mechanism;
pub mod ns;
pub mod plain_mech;
pub mod provider;
pub mod router;
pub mod scram_mech;
pub mod services;
pub mod session;
#[cfg(test)]
mod session_tests;
pub(crate) mod shell;
pub mod stanza;
pub mod stream;
pub mod stream_error;
