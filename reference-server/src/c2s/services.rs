//! Shared, per-server state every c2s session core uses: policy settings derived from the
//! configuration, the account store, the SASL mechanism provider, the module registry, and the
//! clock and RNG. Built once by the composition root ([`crate::root`]).

use std::sync::Arc;

use gatecheck_proto::xml::Limits;

use super::budget::FailureBudget;
use crate::env::Env;
use crate::module::ModuleRegistry;
use crate::sasl::mechanism::MechanismProvider;
use crate::store::Store;

/// The c2s policy knobs, copied out of [`crate::Config`] so cores do not depend on its shape.
#[derive(Debug, Clone)]
pub struct C2sSettings {
    /// Our domain (lower-case).
    pub domain: String,
    /// `c2s_require_encryption`: nothing but STARTTLS before TLS.
    pub require_encryption: bool,
    /// Authentication attempts per stream: the first plus `c2s_max_auth_retries` retries
    /// (RFC 6120 §6.4.5 allows 2..=5 retries, so 3..=6 attempts). The stream closes once this many
    /// attempts have failed.
    pub max_auth_attempts: u32,
    /// Framer limits; `max_element_bytes` is `c2s_stanza_size_limit`.
    pub limits: Limits,
}

impl C2sSettings {
    /// Settings from the server configuration.
    pub fn from_config(c: &crate::Config) -> Self {
        Self {
            domain: c.domain.to_ascii_lowercase(),
            require_encryption: c.c2s_require_encryption,
            max_auth_attempts: c.c2s_max_auth_retries + 1,
            limits: Limits {
                max_element_bytes: c.c2s_stanza_size_limit,
                ..Limits::default()
            },
        }
    }
}

/// Everything a session core shares with the others.
#[derive(Clone)]
pub struct Services {
    /// Policy.
    pub settings: C2sSettings,
    /// Accounts, credentials and rosters.
    pub store: Arc<dyn Store>,
    /// Which SASL mechanisms exist and how they run.
    pub mechanisms: Arc<dyn MechanismProvider>,
    /// The modules, in registration order.
    pub modules: ModuleRegistry,
    /// Time and randomness.
    pub env: Env,
    /// Authentication failures per address and per account, shared by every session.
    pub budget: Arc<FailureBudget>,
}
