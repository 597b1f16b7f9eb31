//! Which SASL profile an exchange runs over: RFC 6120 §6 SASL or XEP-0388 SASL2. A leaf, so
//! the SASL2 steps and the RFC 6120 steps can both name it without importing each other.

use crate::features::Features;
use gatecheck_proto::ns;

/// The SASL profile an exchange runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthProfile {
    /// RFC 6120 §6 SASL (`<mechanisms/>`, `<auth/>`).
    Sasl,
    /// XEP-0388 Extensible SASL Profile (`<authentication/>`, `<authenticate/>`).
    Sasl2,
}

impl AuthProfile {
    /// Both profiles, RFC 6120 first.
    pub const BOTH: [AuthProfile; 2] = [AuthProfile::Sasl, AuthProfile::Sasl2];

    /// The namespace of the profile's elements.
    pub fn ns(self) -> &'static str {
        match self {
            AuthProfile::Sasl => ns::SASL,
            AuthProfile::Sasl2 => ns::SASL2,
        }
    }

    /// `sasl` or `sasl2`, as in case-id variants.
    pub fn label(self) -> &'static str {
        match self {
            AuthProfile::Sasl => "sasl",
            AuthProfile::Sasl2 => "sasl2",
        }
    }

    /// A readable name for messages.
    pub fn title(self) -> &'static str {
        match self {
            AuthProfile::Sasl => "RFC 6120 SASL",
            AuthProfile::Sasl2 => "SASL2",
        }
    }

    /// Whether `features` offer this profile.
    pub fn offered(self, features: &Features) -> bool {
        match self {
            AuthProfile::Sasl => features.legacy_mechanisms.is_some(),
            AuthProfile::Sasl2 => features.sasl2.is_some(),
        }
    }

    /// The mechanisms this profile advertises in `features` (trimmed; empty when not offered).
    pub fn mechanisms(self, features: &Features) -> &[String] {
        match self {
            AuthProfile::Sasl => features.legacy_mechanisms.as_deref().unwrap_or(&[]),
            AuthProfile::Sasl2 => features.mechanisms(),
        }
    }

    /// Whether this profile advertises `mechanism` in `features`.
    pub fn offers(self, features: &Features, mechanism: &str) -> bool {
        self.mechanisms(features).iter().any(|m| m == mechanism)
    }
}
