//! gatecheck: a conformance suite for XMPP authentication (SASL2, FAST, invite-based registration,
//! OAuth2 dynamic client registration). This crate is the suite engine: the requirement catalogue,
//! the case model, the runner and the reports; the cases plug into it and speak to the target
//! through the client kit (`gatecheck-client`).

pub mod baseline;
pub mod capabilities;
pub mod case;
pub mod cases;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod ctx;
pub mod embedded;
pub mod event;
pub mod fuzz;
pub mod kinds;
pub mod liveness;
pub mod mint;
pub mod outcome;
pub mod plan;
pub mod report;
pub mod runner;
pub mod select;
pub mod start;
pub mod status;
pub mod timefmt;

/// The kit's transcript recorder, which the engine stores and the reports render.
pub use gatecheck_client::transcript;

pub use capabilities::Capabilities;
pub use case::{Capability, Case, Module, Offer, Profile, Spec, Variant};
pub use config::RunConfig;
pub use ctx::CaseCtx;
pub use outcome::{Flow, Outcome, Verdict, error, fail, pass, skip, unsupported, warn};
pub use transcript::{SecretKind, Transcript};
