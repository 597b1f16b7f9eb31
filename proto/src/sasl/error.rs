//! The typed failure of every mechanism step, and its mapping onto RFC 6120 conditions and SCRAM `e=` values.
//!
//! Mapping choices (digest §3.3.5, following Prosody where the RFCs are silent): wrong proof and unknown user are
//! both `not-authorized` (no enumeration); every syntax, nonce, `c=`, flag and channel-binding-type problem is
//! `malformed-request`; a strict base64 failure is `incorrect-encoding`; a bad authzid is `invalid-authzid`.

use super::SaslCondition;

/// Why a SASL mechanism step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MechanismError {
    /// The message was empty where content is required.
    #[error("empty message")]
    Empty,
    /// The message exceeded the explicit size limit.
    #[error("message of {len} bytes exceeds the limit of {limit}")]
    TooLong {
        /// Actual length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Base64 that is not strictly canonical (whitespace, bad padding, bad alphabet).
    #[error("invalid base64")]
    InvalidBase64,
    /// The message is not UTF-8.
    #[error("message is not UTF-8")]
    NotUtf8,
    /// The message does not follow the mechanism's grammar.
    #[error("malformed message: {0}")]
    Syntax(&'static str),
    /// A saslname contained `=` not followed by `2C` or `3D` (RFC 5802 §5.1).
    #[error("invalid saslname escaping")]
    InvalidUsernameEncoding,
    /// SASLprep rejected a string, or it mapped to the empty string.
    #[error("SASLprep failed: {0}")]
    Saslprep(String),
    /// The reserved `m=` attribute was present (RFC 5802 §5.1 requires failure).
    #[error("reserved m= extension present")]
    ReservedMext,
    /// The gs2 flag named a channel-binding type we do not know or the connection cannot provide.
    #[error("unsupported channel-binding type {0:?}")]
    UnsupportedChannelBindingType(String),
    /// The client sent flag `y` although the server supports channel binding (possible downgrade).
    #[error("client sent y but the server supports channel binding")]
    ServerDoesSupportChannelBinding,
    /// A -PLUS mechanism was selected without `p=`, or a non-PLUS one with `p=`.
    #[error("channel-binding flag inconsistent with the selected mechanism")]
    ChannelBindingFlagMismatch,
    /// The client-final nonce differs from the combined nonce.
    #[error("nonce mismatch")]
    NonceMismatch,
    /// The rebuilt `c=` value differs from the client's (wrong gs2 header or wrong cb data).
    #[error("channel bindings don't match")]
    ChannelBindingMismatch,
    /// The client proof did not verify (also returned for unknown users, at the same step).
    #[error("invalid proof")]
    InvalidProof,
    /// PLAIN: the password did not match the stored credentials (or the user is unknown).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The authorization identity is syntactically unusable.
    #[error("invalid authzid")]
    InvalidAuthzid,
    /// The iteration count is below the configured floor.
    #[error("iteration count {got} below minimum {min}")]
    IterationsTooLow {
        /// What the server sent.
        got: u32,
        /// The configured floor.
        min: u32,
    },
    /// The server's nonce does not start with the client's nonce, or adds nothing.
    #[error("server nonce does not extend the client nonce")]
    ServerNoncePrefix,
    /// The server-final `v=` did not match: the server does not know the password (or a MITM).
    #[error("invalid server signature")]
    InvalidServerSignature,
    /// The server answered with `e=`.
    #[error("server error: {0}")]
    ServerError(String),
    /// XEP-0474: the server's `h=` differs from what the client computed (downgrade attack).
    #[error("SSDP downgrade-protection hash mismatch")]
    DowngradeDetected,
    /// XEP-0474: the client expected `h=` but the server sent none.
    #[error("SSDP hash missing from server-first")]
    DowngradeHashMissing,
    /// The caller supplied credentials for a different hash than the mechanism's (server misconfiguration).
    #[error("stored credentials are for another hash")]
    CredentialHashMismatch,
    /// A step was called in the wrong state (caller bug or a replayed message).
    #[error("step called out of order")]
    OutOfOrder,
}

impl MechanismError {
    /// The RFC 6120 §6.5 condition to put in `<failure/>`.
    pub fn condition(&self) -> SaslCondition {
        match self {
            Self::InvalidBase64 => SaslCondition::IncorrectEncoding,
            Self::InvalidProof | Self::InvalidCredentials => SaslCondition::NotAuthorized,
            Self::InvalidAuthzid => SaslCondition::InvalidAuthzid,
            Self::CredentialHashMismatch => SaslCondition::TemporaryAuthFailure,
            Self::IterationsTooLow { .. } => SaslCondition::MechanismTooWeak,
            Self::ServerError(_)
            | Self::InvalidServerSignature
            | Self::DowngradeDetected
            | Self::DowngradeHashMissing => SaslCondition::Aborted,
            Self::Empty
            | Self::TooLong { .. }
            | Self::NotUtf8
            | Self::Syntax(_)
            | Self::InvalidUsernameEncoding
            | Self::Saslprep(_)
            | Self::ReservedMext
            | Self::UnsupportedChannelBindingType(_)
            | Self::ServerDoesSupportChannelBinding
            | Self::ChannelBindingFlagMismatch
            | Self::NonceMismatch
            | Self::ChannelBindingMismatch
            | Self::ServerNoncePrefix
            | Self::OutOfOrder => SaslCondition::MalformedRequest,
        }
    }

    /// The RFC 5802 §7 `server-error-value` a SCRAM server would send in `e=`, where one applies.
    pub fn scram_server_error(&self) -> Option<&'static str> {
        Some(match self {
            Self::InvalidBase64
            | Self::NotUtf8
            | Self::Syntax(_)
            | Self::Empty
            | Self::TooLong { .. } => "invalid-encoding",
            Self::ReservedMext => "extensions-not-supported",
            Self::InvalidProof => "invalid-proof",
            Self::ChannelBindingMismatch => "channel-bindings-dont-match",
            Self::ServerDoesSupportChannelBinding => "server-does-support-channel-binding",
            Self::ChannelBindingFlagMismatch => "channel-binding-not-supported",
            Self::UnsupportedChannelBindingType(_) => "unsupported-channel-binding-type",
            Self::InvalidUsernameEncoding | Self::Saslprep(_) => "invalid-username-encoding",
            Self::NonceMismatch | Self::OutOfOrder => "other-error",
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_mapping() {
        assert_eq!(
            MechanismError::InvalidProof.condition(),
            SaslCondition::NotAuthorized
        );
        assert_eq!(
            MechanismError::NonceMismatch.condition(),
            SaslCondition::MalformedRequest
        );
        assert_eq!(
            MechanismError::InvalidBase64.condition(),
            SaslCondition::IncorrectEncoding
        );
        assert_eq!(
            MechanismError::ServerDoesSupportChannelBinding.scram_server_error(),
            Some("server-does-support-channel-binding")
        );
        assert_eq!(MechanismError::DowngradeDetected.scram_server_error(), None);
    }
}
