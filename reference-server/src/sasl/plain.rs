//! PLAIN (RFC 4616) as a [`ServerMechanism`], verified against the stored SCRAM-SHA-256
//! credentials with proto's constant-time check, so the server never stores passwords.
//! Offered only where [`super::provider::DefaultMechanisms`] policy allows it.

use std::sync::Arc;

use gatecheck_proto::sasl::scram::ScramCredentials;
use gatecheck_proto::sasl::{MechanismError, SaslCondition, ScramHash, plain};

use super::mechanism::{MechanismFailure, MechanismStep, ServerMechanism};
use super::scram::failure_of;
use crate::store::{self, Store};

/// One PLAIN attempt.
pub struct PlainMechanism {
    store: Arc<dyn Store>,
    done: bool,
}

impl PlainMechanism {
    /// A fresh attempt against `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, done: false }
    }
}

impl ServerMechanism for PlainMechanism {
    fn step(&mut self, input: Option<&[u8]>) -> Result<MechanismStep, MechanismFailure> {
        let Some(msg) = input else {
            // RFC 4616 §2: the client sends its message after an empty challenge.
            return if self.done {
                Err(MechanismFailure::new(SaslCondition::MalformedRequest))
            } else {
                Ok(MechanismStep::Challenge(Vec::new()))
            };
        };
        self.done = true;
        let m = plain::parse(msg).map_err(|e| failure_of(&e))?;
        let username = m.authcid.to_lowercase();
        let account = self
            .store
            .get_account(&username)
            .map_err(|_| MechanismFailure::new(SaslCondition::TemporaryAuthFailure))?;
        let creds = account
            .and_then(|a| {
                a.credentials
                    .into_iter()
                    .find(|c| c.hash == store::ScramHash::Sha256)
            })
            .map(|c| ScramCredentials {
                hash: ScramHash::Sha256,
                salt: c.salt,
                iterations: c.iterations,
                stored_key: c.stored_key,
                server_key: c.server_key,
            });
        plain::verify(&m.password, creds.as_ref()).map_err(|e| match e {
            MechanismError::InvalidCredentials => {
                MechanismFailure::new(SaslCondition::NotAuthorized)
            }
            other => failure_of(&other),
        })?;
        Ok(MechanismStep::Success {
            username,
            authzid: m.authzid,
            additional_data: None,
            renewal_due: false,
        })
    }
}
