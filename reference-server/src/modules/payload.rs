//! Base64 SASL payloads as both SASL profiles carry them (RFC 6120 §6.4.2, XEP-0388 §2.2).
//!
//! Decision: XML whitespace (space, tab, CR, LF) inside the element text is stripped before
//! decoding, because XEP-0388's own examples indent payloads and digest §1.2 says receivers
//! should; everything else must be canonical, padded standard base64 or the attempt fails with
//! `incorrect-encoding`. We never emit whitespace ourselves (SASL2-14).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gatecheck_proto::sasl::SaslCondition;

use crate::sasl::mechanism::MechanismFailure;

/// Largest decoded SASL payload accepted; real SCRAM/PLAIN/HT messages are a few hundred bytes.
/// Larger is `malformed-request`, so a client cannot make a mechanism parse megabytes.
pub const MAX_PAYLOAD: usize = 8 * 1024;

/// Decodes element text as a SASL payload.
pub fn decode(text: &str) -> Result<Vec<u8>, MechanismFailure> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
        .collect();
    if compact.len() > MAX_PAYLOAD.div_ceil(3) * 4 {
        return Err(MechanismFailure::with_text(
            SaslCondition::MalformedRequest,
            "SASL payload too large",
        ));
    }
    STANDARD.decode(compact.as_bytes()).map_err(|_| {
        MechanismFailure::with_text(SaslCondition::IncorrectEncoding, "invalid base64")
    })
}

/// Encodes a payload for the wire (no line breaks).
pub fn encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_but_whitespace_tolerant() {
        assert_eq!(decode("").unwrap(), b"");
        assert_eq!(decode("cGVu\n  Y2ls").unwrap(), b"pencil");
        for bad in ["cGVuY2ls=", "cGVuY2l", "cGVu*2ls", "cGVuY2l="] {
            assert_eq!(
                decode(bad).unwrap_err().condition,
                SaslCondition::IncorrectEncoding,
                "{bad}"
            );
        }
        let big = "A".repeat(MAX_PAYLOAD * 2);
        assert_eq!(
            decode(&big).unwrap_err().condition,
            SaslCondition::MalformedRequest
        );
        assert_eq!(encode(b"pencil"), "cGVuY2ls");
    }
}
