//! The SCRAM client half: builds client-first and client-final, and authenticates the server via `v=`.
//!
//! Used by the conformance suite as the "well-behaved client"; for deliberately broken messages use the
//! builders in [`super::messages`] and [`super::primitives`] directly.

use subtle::ConstantTimeEq;

use super::messages::{self, Extension, Gs2Flag, Gs2Header, ServerFinalMessage};
use super::primitives;
use crate::sasl::saslprep::{PrepMode, saslprep};
use crate::sasl::{ChannelBindingType, MechanismError, ScramHash};

/// Default floor on the server's iteration count (RFC 5802 §5.1, RFC 7677 §4).
pub const DEFAULT_MIN_ITERATIONS: u32 = 4096;

/// The client's channel-binding stance, which fixes the gs2 flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientBinding {
    /// `n`: the client does not do channel binding.
    Unsupported,
    /// `y`: the client could bind but the server seemed not to offer it.
    NotOffered,
    /// `p=<type>` with the connection's binding data (use with a `-PLUS` mechanism).
    Bound(ChannelBindingType, Vec<u8>),
}

#[derive(Debug)]
enum State {
    Initial,
    SentFirst,
    SentFinal { server_signature: Vec<u8> },
    Done,
}

/// One SCRAM client exchange.
pub struct ScramClient {
    hash: ScramHash,
    password: String,
    gs2: Gs2Header,
    cb_data: Option<Vec<u8>>,
    bare: String,
    nonce: String,
    min_iterations: u32,
    expected_ssdp: Option<String>,
    final_extensions: Vec<Extension>,
    state: State,
}

impl std::fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password stays out of logs.
        f.debug_struct("ScramClient")
            .field("hash", &self.hash)
            .field("bare", &self.bare)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl ScramClient {
    /// Prepares an exchange; the username is SASLprep'd (query rules) and `client_nonce` must be printable.
    pub fn new(
        hash: ScramHash,
        username: &str,
        password: &str,
        authzid: Option<&str>,
        binding: ClientBinding,
        client_nonce: &str,
    ) -> Result<Self, MechanismError> {
        if client_nonce.is_empty()
            || !client_nonce
                .bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
        {
            return Err(MechanismError::Syntax(
                "client nonce must be non-empty printable ASCII",
            ));
        }
        let username = saslprep(username, PrepMode::Query)?;
        let (flag, cb_data) = match binding {
            ClientBinding::Unsupported => (Gs2Flag::NotSupported, None),
            ClientBinding::NotOffered => (Gs2Flag::ClientSupports, None),
            ClientBinding::Bound(t, d) => (Gs2Flag::Binding(t.name().to_owned()), Some(d)),
        };
        Ok(Self {
            hash,
            password: password.to_owned(),
            gs2: Gs2Header {
                flag,
                authzid: authzid.map(str::to_owned),
            },
            cb_data,
            bare: messages::client_first_bare(&username, client_nonce, &[]),
            nonce: client_nonce.to_owned(),
            min_iterations: DEFAULT_MIN_ITERATIONS,
            expected_ssdp: None,
            final_extensions: Vec::new(),
            state: State::Initial,
        })
    }

    /// Changes the iteration floor (default [`DEFAULT_MIN_ITERATIONS`]).
    pub fn with_min_iterations(mut self, min: u32) -> Self {
        self.min_iterations = min;
        self
    }

    /// Requires XEP-0474 `h=` in server-first to equal this value (from [`crate::sasl::ssdp::downgrade_hash`]).
    pub fn with_expected_ssdp(mut self, h: String) -> Self {
        self.expected_ssdp = Some(h);
        self
    }

    /// Adds extension attributes to client-final (placed before `p=`, included in AuthMessage).
    pub fn with_final_extensions(mut self, ext: Vec<Extension>) -> Self {
        self.final_extensions = ext;
        self
    }

    /// The client-first message (gs2 header + bare).
    pub fn client_first(&mut self) -> Result<Vec<u8>, MechanismError> {
        if !matches!(self.state, State::Initial) {
            return Err(MechanismError::OutOfOrder);
        }
        self.state = State::SentFirst;
        Ok(format!("{}{}", self.gs2.build(), self.bare).into_bytes())
    }

    /// Checks server-first (nonce prefix, iteration floor, SSDP) and returns client-final.
    pub fn server_first(&mut self, msg: &[u8]) -> Result<Vec<u8>, MechanismError> {
        if !matches!(self.state, State::SentFirst) {
            return Err(MechanismError::OutOfOrder);
        }
        self.state = State::Done;
        let sf = messages::parse_server_first(msg)?;
        if sf.nonce.len() <= self.nonce.len() || !sf.nonce.starts_with(&self.nonce) {
            return Err(MechanismError::ServerNoncePrefix);
        }
        if sf.iterations < self.min_iterations {
            return Err(MechanismError::IterationsTooLow {
                got: sf.iterations,
                min: self.min_iterations,
            });
        }
        if let Some(expected) = &self.expected_ssdp {
            let got = sf
                .extension('h')
                .ok_or(MechanismError::DowngradeHashMissing)?;
            if !bool::from(got.as_bytes().ct_eq(expected.as_bytes())) {
                return Err(MechanismError::DowngradeDetected);
            }
        }
        let h = self.hash;
        let salted = primitives::salted_password(h, &self.password, &sf.salt, sf.iterations)?;
        let cbind = messages::cbind_input(&self.gs2.build(), self.cb_data.as_deref());
        let without_proof =
            messages::client_final_without_proof(&cbind, &sf.nonce, &self.final_extensions);
        // `msg` parsed as UTF-8 above, so this is lossless.
        let server_first = String::from_utf8_lossy(msg);
        let auth = primitives::auth_message(&self.bare, &server_first, &without_proof);
        let proof =
            primitives::client_proof(h, &primitives::client_key(h, &salted), auth.as_bytes());
        let server_signature =
            primitives::server_signature(h, &primitives::server_key(h, &salted), auth.as_bytes());
        self.state = State::SentFinal { server_signature };
        Ok(messages::client_final(&without_proof, &proof).into_bytes())
    }

    /// Verifies server-final `v=` in constant time; `e=` becomes [`MechanismError::ServerError`].
    pub fn server_final(&mut self, msg: &[u8]) -> Result<(), MechanismError> {
        let State::SentFinal { server_signature } = std::mem::replace(&mut self.state, State::Done)
        else {
            return Err(MechanismError::OutOfOrder);
        };
        match messages::parse_server_final(msg)? {
            ServerFinalMessage::Error(e) => Err(MechanismError::ServerError(e)),
            ServerFinalMessage::Verifier(v) if bool::from(v.ct_eq(&server_signature)) => Ok(()),
            ServerFinalMessage::Verifier(_) => Err(MechanismError::InvalidServerSignature),
        }
    }
}
