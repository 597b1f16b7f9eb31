//! In-process whole-session fuzzing: runs a [`gatecheck_proto::script::Script`] against the
//! sans-IO c2s core and the OAuth2 HTTP core over a seeded in-memory store, checking the security
//! oracles after every step.
//!
//! Used by the `c2s_session` and `http_session` cargo-fuzz targets (feature `fuzzing`) and by this
//! crate's own tests (every committed seed script is a regression test). Everything is
//! deterministic: `Env::deterministic` (fixed clock, seeded RNG, hence a fixed fake-salt secret
//! and fixed nonces and tokens), a FAST seal key from a seeded RNG, and a store seeded once and
//! forked per run, so a finding replays byte for byte.

mod alloc;
mod auth;
mod conn;
mod executor;
mod http;
mod invariants;
mod output;
#[cfg(test)]
mod tests;
pub mod transcript;
mod violation;
mod world;

pub use alloc::{CountingAlloc, MAX_SESSION_HEAP, PeakGuard};
pub use executor::{Outcome, run, run_with};
pub use violation::Violation;
pub use world::{World, WorldValues};
