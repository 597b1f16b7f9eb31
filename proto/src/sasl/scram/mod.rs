//! SCRAM (RFC 5802, RFC 7677, SHA-512 draft) with erratum 2651: primitives, message codecs, server and client.

pub mod client;
mod lax;
pub mod messages;
pub mod primitives;
pub mod server;

pub use client::{ClientBinding, ScramClient};
#[cfg(feature = "break-builds")]
pub use lax::ScramLax;
pub use primitives::ScramCredentials;
pub use server::{ClientFirst, FakeCredentialSeed, ScramServer, ScramServerConfig, ServerFinal};
