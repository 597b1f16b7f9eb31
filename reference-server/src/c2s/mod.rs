//! Client-to-server connections. The sans-IO part: the core interface ([`core::SessionCore`]),
//! the default session core ([`session::C2sSession`]: stream open/restart, STARTTLS, features,
//! SASL sequencing over the modules' profiles, stanza dispatch to the modules) and stream framing
//! duties. The shell part (feature `shell`): the tokio accept loops and connection tasks, admission
//! limits and the in-process router.

mod auth_flow;
pub mod budget;
pub mod core;
#[cfg(test)]
mod deterministic_tests;
mod dispatch;
pub mod features;
#[cfg(feature = "shell")]
pub mod limits;
#[cfg(feature = "shell")]
pub mod router;
pub mod services;
pub mod session;
#[cfg(test)]
mod session_tests;
#[cfg(feature = "shell")]
pub(crate) mod shell;
pub mod stream;
