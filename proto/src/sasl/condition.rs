//! RFC 6120 §6.5 SASL failure conditions, the vocabulary every mechanism error maps onto.

use std::fmt;
use std::str::FromStr;

/// The defined conditions of RFC 6120 §6.5, carried in `urn:ietf:params:xml:ns:xmpp-sasl` inside both
/// legacy `<failure/>` and SASL2 `<failure/>` (XEP-0388 §2.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SaslCondition {
    /// §6.5.1: the exchange was aborted by either side.
    Aborted,
    /// §6.5.2: the account is disabled.
    AccountDisabled,
    /// §6.5.3: credentials (or a FAST token) are no longer valid.
    CredentialsExpired,
    /// §6.5.4: the mechanism requires an encrypted stream.
    EncryptionRequired,
    /// §6.5.5: base64 decoding failed.
    IncorrectEncoding,
    /// §6.5.6: the authorization identity is invalid or does not match.
    InvalidAuthzid,
    /// §6.5.7: the mechanism is not offered or not supported.
    InvalidMechanism,
    /// §6.5.8: the request is syntactically wrong.
    MalformedRequest,
    /// §6.5.9: policy requires a stronger mechanism.
    MechanismTooWeak,
    /// §6.5.10: the credentials are wrong (also used for unknown users, to avoid enumeration).
    NotAuthorized,
    /// §6.5.11: a temporary server-side problem.
    TemporaryAuthFailure,
}

impl SaslCondition {
    /// Every condition, in RFC order.
    pub const ALL: [SaslCondition; 11] = [
        Self::Aborted,
        Self::AccountDisabled,
        Self::CredentialsExpired,
        Self::EncryptionRequired,
        Self::IncorrectEncoding,
        Self::InvalidAuthzid,
        Self::InvalidMechanism,
        Self::MalformedRequest,
        Self::MechanismTooWeak,
        Self::NotAuthorized,
        Self::TemporaryAuthFailure,
    ];

    /// The element name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aborted => "aborted",
            Self::AccountDisabled => "account-disabled",
            Self::CredentialsExpired => "credentials-expired",
            Self::EncryptionRequired => "encryption-required",
            Self::IncorrectEncoding => "incorrect-encoding",
            Self::InvalidAuthzid => "invalid-authzid",
            Self::InvalidMechanism => "invalid-mechanism",
            Self::MalformedRequest => "malformed-request",
            Self::MechanismTooWeak => "mechanism-too-weak",
            Self::NotAuthorized => "not-authorized",
            Self::TemporaryAuthFailure => "temporary-auth-failure",
        }
    }
}

impl fmt::Display for SaslCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of the RFC 6120 §6.5 conditions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 6120 SASL condition: {0:?}")]
pub struct UnknownCondition(pub String);

impl FromStr for SaslCondition {
    type Err = UnknownCondition;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCondition(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in SaslCondition::ALL {
            assert_eq!(c.as_str().parse::<SaslCondition>(), Ok(c));
        }
        assert!("bogus".parse::<SaslCondition>().is_err());
    }
}
