//! SASL mechanisms as sans-IO state machines, client and server halves.
//!
//! Nothing here performs I/O, reads the clock or draws randomness on its own: nonces and salts are
//! passed in by the caller. That keeps the mechanisms deterministic under test vectors and lets the
//! conformance suite drive deliberately wrong exchanges through the same code the server trusts.

pub mod base64;
pub mod bindings;
pub mod channel_binding;
mod condition;
mod error;
pub mod ht;
mod mechanism;
pub mod plain;
pub mod saslprep;
pub mod scram;
pub mod ssdp;

pub use bindings::{ChannelBindings, TlsVersion};
pub use condition::SaslCondition;
pub use error::MechanismError;
pub use mechanism::{ChannelBindingType, Mechanism, ScramHash};
pub use saslprep::{PrepMode, saslprep};
