//! The SCRAM server half as a sans-IO state machine.
//!
//! Flow: [`ScramServer::client_first`] → caller looks the user up → [`ScramServer::server_first`] (with
//! `None` for an unknown user plus a caller-derived fake salt/count, so unknown users look like known ones
//! until the proof fails) → [`ScramServer::client_final`]. Any error ends the exchange.

use subtle::ConstantTimeEq;

use super::lax::ScramLax;
use super::messages::{self, ClientFirstMessage, Gs2Flag, Gs2Header};
use super::primitives::{self, ScramCredentials};
use crate::sasl::base64::encode;
use crate::sasl::saslprep::{PrepMode, saslprep};
use crate::sasl::{ChannelBindingType, MechanismError, ScramHash};

/// Per-connection policy for one SCRAM exchange.
#[derive(Debug, Clone, Default)]
pub struct ScramServerConfig {
    /// Whether the client selected the `-PLUS` variant.
    pub plus: bool,
    /// The channel-binding types this connection can provide, with their data.
    pub channel_bindings: Vec<(ChannelBindingType, Vec<u8>)>,
    /// Whether the server advertised channel binding (a `y` flag is then a downgrade and fails).
    pub supports_channel_binding: bool,
    /// XEP-0474 `h=` value to append to server-first (see [`crate::sasl::ssdp::downgrade_hash`]).
    pub ssdp_h: Option<String>,
    /// Refuse to run with stored (or fake) iteration counts below this.
    pub min_iterations: u32,
}

/// Salt and iteration count to present for an unknown user; derive it stably from the username
/// (e.g. HMAC of a server secret) so repeated probes see the same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeCredentialSeed {
    /// The fake salt.
    pub salt: Vec<u8>,
    /// The fake iteration count (use the same as real accounts).
    pub iterations: u32,
}

/// What the caller needs after client-first to look up credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFirst {
    /// The username, unescaped and SASLprep'd (query rules).
    pub username: String,
    /// The requested authorization identity, if any.
    pub authzid: Option<String>,
    /// The decoded gs2 header.
    pub gs2: Gs2Header,
}

/// A successful end of the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFinal {
    /// The server-final message (`v=...`) to send as additional data.
    pub message: Vec<u8>,
    /// The authenticated username.
    pub username: String,
    /// The authorization identity the client asked for; the caller checks it is permitted.
    pub authzid: Option<String>,
}

#[derive(Debug)]
enum State {
    Initial,
    GotFirst {
        first: ClientFirstMessage,
        username: String,
        cb_data: Option<Vec<u8>>,
    },
    SentFirst {
        first: ClientFirstMessage,
        username: String,
        cb_data: Option<Vec<u8>>,
        server_first: String,
        nonce: String,
        creds: Option<ScramCredentials>,
    },
    Done,
}

/// A SCRAM server exchange for one mechanism and one connection.
#[derive(Debug)]
pub struct ScramServer {
    hash: ScramHash,
    config: ScramServerConfig,
    state: State,
    /// Deliberately broken checks; always all-off without the `break-builds` feature.
    lax: ScramLax,
}

impl ScramServer {
    /// Starts an exchange for `SCRAM-<hash>[-PLUS]` under the given policy.
    pub fn new(hash: ScramHash, config: ScramServerConfig) -> Self {
        Self {
            hash,
            config,
            state: State::Initial,
            lax: ScramLax::default(),
        }
    }

    /// Breaks the checks `lax` names (gatecheck-server's broken builds only).
    #[cfg(feature = "break-builds")]
    pub fn set_lax(&mut self, lax: ScramLax) {
        self.lax = lax;
    }

    /// Parses client-first and applies the channel-binding policy.
    pub fn client_first(&mut self, msg: &[u8]) -> Result<ClientFirst, MechanismError> {
        if !matches!(self.state, State::Initial) {
            return Err(MechanismError::OutOfOrder);
        }
        self.state = State::Done;
        let first = messages::parse_client_first_with(msg, &self.lax)?;
        let cb_data = self.check_flag(&first.gs2.flag)?;
        let username = if self.lax.skip_saslprep {
            first.username.clone()
        } else {
            saslprep(&first.username, PrepMode::Query)?.into_owned()
        };
        let out = ClientFirst {
            username: username.clone(),
            authzid: first.gs2.authzid.clone(),
            gs2: first.gs2.clone(),
        };
        self.state = State::GotFirst {
            first,
            username,
            cb_data,
        };
        Ok(out)
    }

    fn check_flag(&self, flag: &Gs2Flag) -> Result<Option<Vec<u8>>, MechanismError> {
        match flag {
            Gs2Flag::NotSupported | Gs2Flag::ClientSupports if self.config.plus => {
                Err(MechanismError::ChannelBindingFlagMismatch)
            }
            Gs2Flag::NotSupported => Ok(None),
            Gs2Flag::ClientSupports
                if self.config.supports_channel_binding && !self.lax.accept_flag_y =>
            {
                Err(MechanismError::ServerDoesSupportChannelBinding)
            }
            Gs2Flag::ClientSupports => Ok(None),
            Gs2Flag::Binding(_) if !self.config.plus => {
                Err(MechanismError::ChannelBindingFlagMismatch)
            }
            Gs2Flag::Binding(name) => {
                let unsupported = || MechanismError::UnsupportedChannelBindingType(name.clone());
                let ty = match ChannelBindingType::from_name(name) {
                    Some(ty) => ty,
                    None if self.lax.unknown_cb_uses_first => {
                        let first = self.config.channel_bindings.first();
                        return first.map(|(_, d)| Some(d.clone())).ok_or_else(unsupported);
                    }
                    None => return Err(unsupported()),
                };
                self.config
                    .channel_bindings
                    .iter()
                    .find(|(t, _)| *t == ty)
                    .map(|(_, data)| Some(data.clone()))
                    .ok_or_else(unsupported)
            }
        }
    }

    /// Emits server-first. `creds` is `None` for an unknown user; `fake` then supplies salt and count.
    /// `server_nonce` must be non-empty printable ASCII without `,` (fresh per attempt).
    pub fn server_first(
        &mut self,
        creds: Option<&ScramCredentials>,
        fake: FakeCredentialSeed,
        server_nonce: &str,
    ) -> Result<Vec<u8>, MechanismError> {
        let State::GotFirst {
            first,
            username,
            cb_data,
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(MechanismError::OutOfOrder);
        };
        if server_nonce.is_empty()
            || !server_nonce
                .bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
        {
            return Err(MechanismError::Syntax(
                "server nonce must be non-empty printable ASCII",
            ));
        }
        if creds.is_some_and(|c| c.hash != self.hash) {
            return Err(MechanismError::CredentialHashMismatch);
        }
        let (salt, iterations) = match creds {
            Some(c) => (c.salt.as_slice(), c.iterations),
            None => (fake.salt.as_slice(), fake.iterations),
        };
        if iterations < self.config.min_iterations.max(1) {
            return Err(MechanismError::IterationsTooLow {
                got: iterations,
                min: self.config.min_iterations,
            });
        }
        let nonce = format!("{}{server_nonce}", first.nonce);
        let ext: Vec<_> = self
            .config
            .ssdp_h
            .iter()
            .map(|h| ('h', h.clone()))
            .collect();
        let server_first = messages::server_first(&nonce, salt, iterations, &ext);
        let out = server_first.clone().into_bytes();
        self.state = State::SentFirst {
            first,
            username,
            cb_data,
            server_first,
            nonce,
            creds: creds.cloned(),
        };
        Ok(out)
    }

    /// Verifies client-final: nonce, rebuilt `c=`, then the proof in constant time.
    pub fn client_final(&mut self, msg: &[u8]) -> Result<ServerFinal, MechanismError> {
        let State::SentFirst {
            first,
            username,
            cb_data,
            server_first,
            nonce,
            creds,
        } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(MechanismError::OutOfOrder);
        };
        let fin = messages::parse_client_final_with(msg, &self.lax)?;
        if fin.nonce != nonce && !self.lax_nonce_ok(&fin.nonce, &first.nonce) {
            return Err(MechanismError::NonceMismatch);
        }
        let expected_cb = messages::cbind_input(&first.gs2_raw, cb_data.as_deref());
        if !bool::from(expected_cb.ct_eq(&fin.cbind_input))
            && !self.lax_cbind_ok(&first, &fin.cbind_input)
        {
            return Err(MechanismError::ChannelBindingMismatch);
        }
        let auth = primitives::auth_message(&first.bare, &server_first, &fin.without_proof);
        let h = self.hash;
        // Unknown users run the same computation against zero keys, then fail like a wrong password.
        let zero = vec![0u8; h.output_len()];
        let stored = creds
            .as_ref()
            .map_or(zero.as_slice(), |c| c.stored_key.as_slice());
        let signature = primitives::client_signature(h, stored, auth.as_bytes());
        let client_key = primitives::xor(&fin.proof, &signature);
        let ok = (fin.proof.len() == h.output_len()
            && creds
                .as_ref()
                .is_some_and(|c| c.verify_client_key(&client_key)))
            || (self.lax.skip_proof && creds.is_some());
        let Some(c) = creds.filter(|_| ok) else {
            return Err(MechanismError::InvalidProof);
        };
        let v = primitives::server_signature(h, &c.server_key, auth.as_bytes());
        Ok(ServerFinal {
            message: format!("v={}", encode(&v)).into_bytes(),
            username,
            authzid: first.gs2.authzid,
        })
    }

    /// A nonce the broken builds accept although it differs from the combined nonce.
    fn lax_nonce_ok(&self, got: &str, client_nonce: &str) -> bool {
        self.lax.skip_nonce_check
            || (self.lax.nonce_client_part_only && got.starts_with(client_nonce))
    }

    /// A `c=` the broken builds accept although it differs from the expected one.
    fn lax_cbind_ok(&self, first: &ClientFirstMessage, got: &[u8]) -> bool {
        if self.lax.skip_cbind_compare {
            return true;
        }
        let end_point = matches!(&first.gs2.flag, Gs2Flag::Binding(n) if n == ChannelBindingType::TlsServerEndPoint.name());
        if self.lax.skip_end_point_data_check && end_point {
            return true;
        }
        self.lax.any_known_binding
            && self
                .config
                .channel_bindings
                .iter()
                .any(|(_, d)| messages::cbind_input(&first.gs2_raw, Some(d)) == got)
    }
}
