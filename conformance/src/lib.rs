//! gatecheck: a conformance suite for XMPP authentication (SASL2, FAST, invite-based registration,
//! OAuth2 dynamic client registration). This crate is the suite engine: the requirement catalogue,
//! the case model, the runner and the reports; cases and the network client plug into it.

pub mod baseline;
pub mod case;
pub mod cases;
pub mod catalog;
pub mod cli;
pub mod client;
pub mod config;
pub mod ctx;
pub mod embedded;
pub mod event;
pub mod outcome;
pub mod report;
pub mod runner;
pub mod select;
pub mod status;
pub mod timefmt;
pub mod transcript;

pub use case::{Capability, Case, Module};
pub use config::RunConfig;
pub use ctx::CaseCtx;
pub use outcome::{Outcome, Verdict, error, fail, pass, skip, unsupported, warn};
pub use transcript::{SecretKind, Transcript};
