//! SCRAM-SHA-1/256/512 and their -PLUS forms as [`ServerMechanism`]s over proto's
//! [`ScramServer`], with credentials from the store, XEP-0474 `h=` over what this stream
//! advertised, and stable fake credentials for unknown users so the exchange looks the same until
//! the proof fails (`not-authorized` either way, with no text, so the failures are byte-identical).

use std::sync::Arc;

use gatecheck_proto::sasl::scram::{
    FakeCredentialSeed, ScramCredentials, ScramServer, ScramServerConfig,
};
use gatecheck_proto::sasl::{
    ChannelBindingType, MechanismError, SaslCondition, ScramHash, TlsVersion, ssdp,
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::mechanism::{MechanismContext, MechanismFailure, MechanismStep, ServerMechanism};
use crate::breaks::{Break, BreakSet, inject};
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
    /// Lowest stored iteration count a login may use (RFC 7677 §4's 4096 on a real server; the
    /// whole-session fuzzer lowers it so a SCRAM login costs microseconds).
    pub min_iterations: u32,
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
fn fresh_nonce(env: &Env, breaks: BreakSet) -> String {
    if breaks.has(Break::R104StaticServerNonce) {
        return "c3RhdGljLXNlcnZlci1ub25jZQ".to_owned();
    }
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
    breaks: BreakSet,
}

impl ScramMechanism {
    /// Starts `SCRAM-<hash>[-PLUS]` on a stream described by `ctx`.
    pub fn new(
        shared: Arc<ScramShared>,
        hash: ScramHash,
        plus: bool,
        ctx: &MechanismContext,
    ) -> Self {
        let brk = ctx.breaks;
        let mut channel_bindings: Vec<_> = ctx
            .tls
            .as_ref()
            .map(|t| {
                ChannelBindingType::ALL
                    .into_iter()
                    .filter_map(|cb| t.data(cb).map(|d| (cb, d.to_vec())))
                    .collect()
            })
            .unwrap_or_default();
        let tls13 = ctx
            .tls
            .as_ref()
            .is_some_and(|t| t.version == TlsVersion::Tls13);
        if brk.has(Break::R121AdvertisedCbTypeRefused) {
            channel_bindings.clear();
        }
        if brk.has(Break::R110TlsUniqueAcceptedOnTls13) && tls13 {
            let exporter = ctx.tls.as_ref().and_then(|t| t.tls_exporter.clone());
            channel_bindings.extend(exporter.map(|d| (ChannelBindingType::TlsUnique, d)));
        }
        if brk.has(Break::R130TlsExporterRefusedOnTls13) && tls13 {
            channel_bindings.retain(|(t, _)| *t != ChannelBindingType::TlsExporter);
        }
        let hashed_cb: &[String] = if brk.has(Break::R122SsdpWithoutCbTypes) {
            &[]
        } else {
            &ctx.cb_types
        };
        let config = ScramServerConfig {
            plus,
            supports_channel_binding: !ctx.cb_types.is_empty(),
            channel_bindings,
            ssdp_h: Some(ssdp::downgrade_hash(hash, &ctx.advertised, hashed_cb)),
            min_iterations: if brk.has(Break::R107LowIterations) {
                0
            } else {
                shared.min_iterations
            },
        };
        #[allow(unused_mut)]
        let mut server = ScramServer::new(hash, config);
        #[cfg(feature = "break-builds")]
        server.set_lax(brk.scram_lax(hash, ctx.profile == super::mechanism::Profile::Legacy));
        Self {
            shared,
            hash,
            server,
            phase: Phase::First,
            env: ctx.env.clone(),
            breaks: brk,
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
                    .server_first(creds.as_ref(), fake, &fresh_nonce(&self.env, self.breaks))
                    .map_err(|e| failure_of(&e))?;
                self.phase = Phase::Final;
                Ok(MechanismStep::Challenge(msg))
            }
            Phase::Final => {
                self.phase = Phase::Done;
                let mut fin = self
                    .server
                    .client_final(input.unwrap_or_default())
                    .map_err(|e| failure_of(&e))?;
                if self.breaks.has(Break::R113WrongServerSignature) {
                    inject::flip_server_signature(&mut fin.message);
                }
                Ok(MechanismStep::Success {
                    username: fin.username.to_lowercase(),
                    authzid: fin.authzid.filter(|a| !a.is_empty()),
                    additional_data: Some(fin.message),
                    renewal_due: false,
                })
            }
            Phase::Done => Err(MechanismFailure::with_text(
                SaslCondition::MalformedRequest,
                "exchange already finished",
            )),
        }
    }
}
