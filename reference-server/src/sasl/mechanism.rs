//! The seam between the SASL profiles (SASL2 and legacy RFC 6120 SASL) and the SASL mechanisms:
//! the profiles only move base64 payloads and outcomes; a [`ServerMechanism`] does the cryptography.
//! This keeps XEP-0388 element handling independent of SCRAM/PLAIN/HT and lets tests drive the
//! profiles with a scripted mechanism.

use gatecheck_proto::sasl::{ChannelBindingType, ChannelBindings, Mechanism, SaslCondition};
use gatecheck_proto::xml::Element;

use crate::breaks::BreakSet;
use crate::env::Env;

/// Which SASL profile carries the exchange; XEP-0474 hashes the list that profile advertised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// XEP-0388 `<authenticate xmlns='urn:xmpp:sasl:2'>`.
    Sasl2,
    /// RFC 6120 §6 `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>`.
    Legacy,
}

/// What a mechanism may know about the stream it runs on and the attempt it serves.
#[derive(Clone)]
pub struct MechanismContext {
    /// Our domain, to build and compare JIDs.
    pub domain: String,
    /// Channel-binding data of the TLS session; `None` on a plaintext stream.
    pub tls: Option<ChannelBindings>,
    /// The mechanism names advertised on the profile in use, in wire order (XEP-0474 `h=` input).
    pub advertised: Vec<String>,
    /// Channel-binding type names advertised via XEP-0440, in wire order (XEP-0474 `h=` input).
    pub cb_types: Vec<String>,
    /// Which profile carries the exchange.
    pub profile: Profile,
    /// The SASL2 `<user-agent id>` (validated UUID v4, lower-case); FAST binds tokens to it.
    pub user_agent_id: Option<String>,
    /// The SASL2 inline requests of this attempt (processed only after success, SASL2-26); a
    /// mechanism may inspect them (FAST's `<fast/>` marks a token-authentication attempt).
    pub inline_requests: Vec<Element>,
    /// Clock and RNG: nonces come from here, never from the OS directly.
    pub env: Env,
    /// Deliberately injected bugs (empty except in `break-builds` test runs).
    pub breaks: BreakSet,
}

/// One successful step of a mechanism.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MechanismStep {
    /// Send this challenge and wait for a response.
    Challenge(Vec<u8>),
    /// Authentication succeeded.
    Success {
        /// The authenticated account's local part (already SASLprepped / normalised).
        username: String,
        /// A non-empty authorization identity the client asked for, as sent.
        authzid: Option<String>,
        /// Final server data (SCRAM `v=`), carried in SASL2 `<additional-data>` or legacy `<success>`.
        additional_data: Option<Vec<u8>>,
        /// The credential used is short-lived and due for renewal (FAST token rotation).
        renewal_due: bool,
    },
}

/// A failed attempt: the RFC 6120 §6.5 condition and optional human-readable text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{condition}")]
pub struct MechanismFailure {
    /// The condition to put in `<failure>`.
    pub condition: SaslCondition,
    /// Optional `<text>`.
    pub text: Option<String>,
}

impl MechanismFailure {
    /// A failure without text.
    pub fn new(condition: SaslCondition) -> Self {
        Self {
            condition,
            text: None,
        }
    }

    /// A failure with explanatory text.
    pub fn with_text(condition: SaslCondition, text: &str) -> Self {
        Self {
            condition,
            text: Some(text.to_owned()),
        }
    }
}

/// A server-side mechanism instance for one attempt.
pub trait ServerMechanism: Send {
    /// Feeds the initial response (`None` when absent) on the first call, then each response.
    fn step(&mut self, input: Option<&[u8]>) -> Result<MechanismStep, MechanismFailure>;
}

/// Decides which mechanisms a stream offers and instantiates them.
pub trait MechanismProvider: Send + Sync {
    /// Mechanisms offered on a stream with these TLS facts, in a stable order (SASL2-7). Must not
    /// depend on the claimed identity (SASL2-34).
    fn offered(&self, tls: Option<&ChannelBindings>, profile: Profile) -> Vec<Mechanism>;
    /// Starts `mechanism` (already checked to be offered).
    fn start(&self, mechanism: Mechanism, ctx: &MechanismContext) -> Box<dyn ServerMechanism>;
}

/// The channel-binding types a connection advertises (XEP-0440), in the server's wire order:
/// `tls-server-end-point`, `tls-exporter`, then `tls-unique` (which rustls never provides). The
/// order feeds XEP-0474's downgrade hash, so it must not change between streams.
pub fn advertised_bindings(tls: &ChannelBindings) -> Vec<ChannelBindingType> {
    [
        ChannelBindingType::TlsServerEndPoint,
        ChannelBindingType::TlsExporter,
        ChannelBindingType::TlsUnique,
    ]
    .into_iter()
    .filter(|&t| tls.data(t).is_some())
    .collect()
}
