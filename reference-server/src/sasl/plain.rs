//! PLAIN (RFC 4616) as a [`ServerMechanism`], verified against the stored SCRAM-SHA-256
//! credentials with proto's constant-time check, so the server never stores passwords.
//! Offered only where [`super::provider::DefaultMechanisms`] policy allows it.
//!
//! An unknown user (or an account without SCRAM-SHA-256 credentials) is verified against a fake
//! credential with the same salt length and the configured iteration count, so it costs the same
//! PBKDF2 run as a wrong password and fails with the same `not-authorized` (RFC 6120 §13.9,
//! issue 13: no user enumeration through timing).

use std::sync::Arc;

use gatecheck_proto::sasl::scram::ScramCredentials;
use gatecheck_proto::sasl::{MechanismError, SaslCondition, ScramHash, plain};

use super::mechanism::{MechanismFailure, MechanismStep, ServerMechanism};
use super::scram::{ScramShared, failure_of};
use crate::store;

/// One PLAIN attempt.
pub struct PlainMechanism {
    shared: Arc<ScramShared>,
    done: bool,
}

impl PlainMechanism {
    /// A fresh attempt against the accounts of `shared` (its fake-salt secret and iteration count
    /// stand in for unknown users).
    pub fn new(shared: Arc<ScramShared>) -> Self {
        Self {
            shared,
            done: false,
        }
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
            .shared
            .store
            .get_account(&username)
            .map_err(|_| MechanismFailure::new(SaslCondition::TemporaryAuthFailure))?;
        let real = account
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
        let known = real.is_some();
        // Same work for an unknown user: PBKDF2 over the fake salt at the configured count, then
        // the constant-time comparison against keys no password is known to produce.
        let creds = real.unwrap_or_else(|| {
            let seed = self.shared.fake_seed(ScramHash::Sha256, &username);
            ScramCredentials {
                hash: ScramHash::Sha256,
                salt: seed.salt,
                iterations: seed.iterations,
                stored_key: vec![0; 32],
                server_key: vec![0; 32],
            }
        });
        let verdict = plain::verify(&m.password, Some(&creds));
        let refused = MechanismFailure::new(SaslCondition::NotAuthorized);
        match verdict {
            Ok(()) if known => {}
            Ok(()) | Err(MechanismError::InvalidCredentials) => return Err(refused),
            Err(other) => return Err(failure_of(&other)),
        }
        Ok(MechanismStep::Success {
            username,
            authzid: m.authzid,
            additional_data: None,
            renewal_due: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::store::{Account, MemoryStore, Store};

    fn shared() -> Arc<ScramShared> {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        store
            .create_account(&Account {
                username: "alice".into(),
                created_at: 0,
                credentials: crate::credentials::derive_all("right", 4096).unwrap(),
            })
            .unwrap();
        Arc::new(ScramShared {
            store,
            fake_secret: vec![7; 32],
            iterations: 4096,
            min_iterations: crate::config::MIN_SCRAM_ITERATIONS,
        })
    }

    fn attempt(shared: &Arc<ScramShared>, user: &str, pw: &str) -> Result<(), MechanismFailure> {
        let msg = plain::build(None, user, pw);
        PlainMechanism::new(shared.clone())
            .step(Some(&msg))
            .map(|_| ())
    }

    fn median(mut v: Vec<u128>) -> f64 {
        v.sort_unstable();
        v[v.len() / 2] as f64
    }

    /// Issue 13, problem 1: an unknown user costs the same PBKDF2 run as a wrong password and gets
    /// the same answer. Interleaved attempts, medians of 200 each, a generous 0.7–1.4 window (the
    /// old code answered unknown users about four times faster).
    #[test]
    fn plain_unknown_user_costs_the_same_as_a_wrong_password() {
        let s = shared();
        assert!(attempt(&s, "alice", "right").is_ok());
        let wrong = attempt(&s, "alice", "wrong").unwrap_err();
        let unknown = attempt(&s, "mallory", "wrong").unwrap_err();
        assert_eq!(wrong, unknown);
        assert_eq!(wrong.condition, SaslCondition::NotAuthorized);
        let (mut known_ns, mut unknown_ns) = (Vec::new(), Vec::new());
        for i in 0..200 {
            let t = Instant::now();
            let _ = attempt(&s, "alice", "wrong");
            known_ns.push(t.elapsed().as_nanos());
            let t = Instant::now();
            let _ = attempt(&s, &format!("ghost{i}"), "wrong");
            unknown_ns.push(t.elapsed().as_nanos());
        }
        let ratio = median(unknown_ns) / median(known_ns);
        assert!(
            (0.7..=1.4).contains(&ratio),
            "unknown/wrong-password median ratio {ratio:.2}"
        );
    }
}
