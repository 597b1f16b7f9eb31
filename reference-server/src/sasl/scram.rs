//! SCRAM-SHA-1/256/512 and their -PLUS forms as [`ServerMechanism`]s over proto's
//! [`ScramServer`], with credentials from the store, XEP-0474 `h=` over what this stream
//! advertised, and stable fake credentials for unknown users so the exchange looks the same until
//! the proof fails (`not-authorized` either way, with no text, so the failures are byte-identical).

use std::sync::Arc;

use gatecheck_proto::sasl::scram::{
    FakeCredentialSeed, ScramCredentials, ScramServer, ScramServerConfig,
};
use gatecheck_proto::sasl::{ChannelBindingType, MechanismError, SaslCondition, ScramHash, ssdp};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::mechanism::{MechanismContext, MechanismFailure, MechanismStep, ServerMechanism};
use crate::env::Env;
use crate::store::Store;

/// Per-server inputs shared by every SCRAM attempt.
pub struct ScramShared {
    /// Account storage.
    pub store: Arc<dyn Store>,
    /// Secret keying the fake salts of unknown users (stable across restarts when persisted).
    pub fake_secret: Vec<u8>,
    /// Iteration count presented for unknown users (the configured count for new accounts).
    pub iterations: u32,
}

impl ScramShared {
    /// Salt for an unknown `username`: HMAC-SHA-256(secret, hash-name ‖ 0 ‖ username), 16 bytes.
    pub fn fake_seed(&self, hash: ScramHash, username: &str) -> FakeCredentialSeed {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.fake_secret).unwrap_or_else(|_| {
                <Hmac<Sha256> as KeyInit>::new_from_slice(b"-").expect("HMAC takes any key")
            });
        mac.update(hash.name().as_bytes());
        mac.update(&[0]);
        mac.update(username.as_bytes());
        let salt = mac
            .finalize()
            .into_bytes()
            .iter()
            .take(16)
            .copied()
            .collect();
        FakeCredentialSeed {
            salt,
            iterations: self.iterations,
        }
    }
}

/// Maps a mechanism error to the `<failure/>` to send. Proof failures carry no text so an unknown
/// user and a wrong password are indistinguishable on the wire.
pub fn failure_of(e: &MechanismError) -> MechanismFailure {
    match e {
        MechanismError::InvalidProof => MechanismFailure::new(SaslCondition::NotAuthorized),
        other => MechanismFailure::with_text(other.condition(), &other.to_string()),
    }
}

/// 24 bytes from the injected RNG, base64: the server's half of the SCRAM nonce.
fn fresh_nonce(env: &Env) -> String {
    let mut b = [0u8; 24];
    env.rng.fill(&mut b);
    gatecheck_proto::sasl::base64::encode(&b)
}

enum Phase {
    First,
    Final,
    Done,
}

/// One SCRAM attempt.
pub struct ScramMechanism {
    shared: Arc<ScramShared>,
    hash: ScramHash,
    server: ScramServer,
    phase: Phase,
    env: Env,
}

impl ScramMechanism {
    /// Starts `SCRAM-<hash>[-PLUS]` on a stream described by `ctx`.
    pub fn new(
        shared: Arc<ScramShared>,
        hash: ScramHash,
        plus: bool,
        ctx: &MechanismContext,
    ) -> Self {
        let channel_bindings = ctx
            .tls
            .as_ref()
            .map(|t| {
                ChannelBindingType::ALL
                    .into_iter()
                    .filter_map(|cb| t.data(cb).map(|d| (cb, d.to_vec())))
                    .collect()
            })
            .unwrap_or_default();
        let config = ScramServerConfig {
            plus,
            supports_channel_binding: !ctx.cb_types.is_empty(),
            channel_bindings,
            ssdp_h: Some(ssdp::downgrade_hash(hash, &ctx.advertised, &ctx.cb_types)),
            min_iterations: crate::config::MIN_SCRAM_ITERATIONS,
        };
        Self {
            shared,
            hash,
            server: ScramServer::new(hash, config),
            phase: Phase::First,
            env: ctx.env.clone(),
        }
    }

    fn lookup(&self, username: &str) -> Result<Option<ScramCredentials>, MechanismFailure> {
        let account = self
            .shared
            .store
            .get_account(username)
            .map_err(|_| MechanismFailure::new(SaslCondition::TemporaryAuthFailure))?;
        let want = self.hash;
        Ok(account
            .and_then(|a| a.credentials.into_iter().find(|c| c.hash == want))
            .map(|c| ScramCredentials {
                hash: self.hash,
                salt: c.salt,
                iterations: c.iterations,
                stored_key: c.stored_key,
                server_key: c.server_key,
            }))
    }
}

impl ServerMechanism for ScramMechanism {
    fn step(&mut self, input: Option<&[u8]>) -> Result<MechanismStep, MechanismFailure> {
        match self.phase {
            // RFC 4422 §3.3: without an initial response, an empty challenge asks for client-first.
            Phase::First if input.is_none() => Ok(MechanismStep::Challenge(Vec::new())),
            Phase::First => {
                self.phase = Phase::Done;
                let first = self
                    .server
                    .client_first(input.unwrap_or_default())
                    .map_err(|e| failure_of(&e))?;
                let username = first.username.to_lowercase();
                let creds = self.lookup(&username)?;
                let fake = self.shared.fake_seed(self.hash, &username);
                let msg = self
                    .server
                    .server_first(creds.as_ref(), fake, &fresh_nonce(&self.env))
                    .map_err(|e| failure_of(&e))?;
                self.phase = Phase::Final;
                Ok(MechanismStep::Challenge(msg))
            }
            Phase::Final => {
                self.phase = Phase::Done;
                let fin = self
                    .server
                    .client_final(input.unwrap_or_default())
                    .map_err(|e| failure_of(&e))?;
                Ok(MechanismStep::Success {
                    username: fin.username.to_lowercase(),
                    authzid: fin.authzid.filter(|a| !a.is_empty()),
                    additional_data: Some(fin.message),
                })
            }
            Phase::Done => Err(MechanismFailure::with_text(
                SaslCondition::MalformedRequest,
                "exchange already finished",
            )),
        }
    }
}
