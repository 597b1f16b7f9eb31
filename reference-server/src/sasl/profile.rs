//! The seam between the session's SASL sequencing and the two SASL profiles' wire elements
//! (XEP-0388 SASL2 and RFC 6120 §6 SASL). The session owns the state machine (attempt, responses,
//! abort, failure count, success); a [`SaslProfile`], contributed by a module, only parses and
//! renders elements of its namespace.

use gatecheck_proto::sasl::Mechanism;
use gatecheck_proto::xml::Element;

use super::mechanism::{MechanismFailure, Profile};

/// A checked start element (`<authenticate/>` or `<auth/>`).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthStart {
    /// The mechanism to run (one of those advertised).
    pub mechanism: Mechanism,
    /// The decoded initial response: `None` when absent, empty when zero-length.
    pub initial_response: Option<Vec<u8>>,
    /// SASL2 `<user-agent id>`, validated; always `None` in the legacy profile.
    pub user_agent_id: Option<String>,
    /// SASL2 inline requests (foreign-namespace children); empty in the legacy profile.
    pub inline_requests: Vec<Element>,
}

/// One SASL profile's wire shapes.
pub trait SaslProfile: Send + Sync {
    /// Which profile this is (mechanism policy and the success behaviour depend on it).
    fn kind(&self) -> Profile;
    /// The namespace of every element of the profile.
    fn namespace(&self) -> &'static str;
    /// The local name of the element that starts an attempt.
    fn start_name(&self) -> &'static str;
    /// Checks a start element against the mechanisms advertised on this stream.
    fn parse_start(
        &self,
        el: &Element,
        advertised: &[Mechanism],
    ) -> Result<AuthStart, MechanismFailure>;
    /// Decodes a `<response/>` payload: `None` is "no data" where the profile distinguishes it.
    fn decode_response(&self, text: &str) -> Result<Option<Vec<u8>>, MechanismFailure>;
    /// `<challenge/>` carrying `data`.
    fn challenge(&self, data: &[u8]) -> Element;
    /// `<success/>`: SASL2 carries the authorization identifier and inline results; the legacy
    /// profile ignores both.
    fn success(&self, additional: Option<&[u8]>, authzid: &str, inline: Vec<Element>) -> Element;
    /// `<failure/>` with one condition and optional text.
    fn failure(&self, f: &MechanismFailure) -> Element;
}
