//! Strict standard base64 (RFC 4648 §4, padded) for SASL payloads and SCRAM attributes.
//!
//! RFC 6120 §6.4.2 and RFC 5802 §7 admit no whitespace or non-canonical padding; accepting them would let a
//! fuzzer-visible difference between our parser and a peer's slip through, so anything non-canonical is
//! `incorrect-encoding`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::MechanismError;

/// Upper bound on decoded input we accept, so a hostile peer cannot make us allocate without limit.
pub const MAX_BASE64_INPUT: usize = 64 * 1024;

/// Decodes canonical padded base64; whitespace, missing padding or non-zero trailing bits are rejected.
pub fn decode_strict(input: &[u8]) -> Result<Vec<u8>, MechanismError> {
    if input.len() > MAX_BASE64_INPUT {
        return Err(MechanismError::TooLong {
            len: input.len(),
            limit: MAX_BASE64_INPUT,
        });
    }
    // The STANDARD engine already rejects whitespace, bad padding and non-canonical trailing bits.
    STANDARD
        .decode(input)
        .map_err(|_| MechanismError::InvalidBase64)
}

/// Encodes with standard padded base64, the only form SCRAM and XMPP SASL use.
pub fn encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict() {
        assert_eq!(decode_strict(b"biws").unwrap(), b"n,,");
        assert_eq!(decode_strict(b"").unwrap(), b"");
        assert_eq!(decode_strict(b"bi ws"), Err(MechanismError::InvalidBase64));
        assert_eq!(decode_strict(b"biws\n"), Err(MechanismError::InvalidBase64));
        assert_eq!(decode_strict(b"YQ"), Err(MechanismError::InvalidBase64));
        assert_eq!(decode_strict(b"YR=="), Err(MechanismError::InvalidBase64));
        assert_eq!(decode_strict(b"Y-=="), Err(MechanismError::InvalidBase64));
        assert_eq!(encode(b"y,,"), "eSws");
    }
}
