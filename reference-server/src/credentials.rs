//! SCRAM credential derivation (RFC 5802 §3) for stored accounts, delegating the key schedule to
//! `gatecheck_proto`'s [`ScramCredentials::derive`] so the server and the suite share one
//! implementation. The server stores only what this returns, never a password.

use gatecheck_proto::sasl::scram::ScramCredentials;

use crate::store::{ScramCredential, ScramHash};

/// Salt length for new credentials; RFC 5802 does not fix one, 16 bytes is what Prosody uses.
pub const SALT_LEN: usize = 16;

/// Why credentials could not be derived.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The password contains characters SASLprep (RFC 4013) prohibits, so no client could log in with it.
    #[error("password rejected by SASLprep: {0}")]
    SaslPrep(String),
    /// The OS random number generator failed.
    #[error("OS random number generator failed: {0}")]
    Random(String),
    /// RFC 5802 requires a positive iteration count.
    #[error("iteration count must be at least 1")]
    ZeroIterations,
}

/// Derives the stored credential for one hash: SaltedPassword = PBKDF2(HMAC-H, SASLprep(password),
/// salt, i); StoredKey = H(HMAC(SaltedPassword, "Client Key")); ServerKey = HMAC(SaltedPassword, "Server Key").
pub fn derive(
    hash: ScramHash,
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<ScramCredential, CredentialError> {
    if iterations == 0 {
        return Err(CredentialError::ZeroIterations);
    }
    let c = ScramCredentials::derive(hash, password, salt, iterations)
        .map_err(|e| CredentialError::SaslPrep(e.to_string()))?;
    Ok(ScramCredential {
        hash,
        salt: c.salt,
        iterations: c.iterations,
        stored_key: c.stored_key,
        server_key: c.server_key,
    })
}

/// Derives credentials for every hash the server offers (SHA-1, SHA-256, SHA-512), each with its own
/// fresh random salt, so one leaked row does not help attack another.
pub fn derive_all(
    password: &str,
    iterations: u32,
) -> Result<Vec<ScramCredential>, CredentialError> {
    ScramHash::ALL
        .iter()
        .map(|&h| {
            let mut salt = [0u8; SALT_LEN];
            getrandom::fill(&mut salt).map_err(|e| CredentialError::Random(e.to_string()))?;
            derive(h, password, &salt, iterations)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as B64;

    #[test]
    fn rfc7677_vector() {
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let c = derive(ScramHash::Sha256, "pencil", &salt, 4096).unwrap();
        assert_eq!(
            B64.encode(&c.stored_key),
            "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
        );
        assert_eq!(
            B64.encode(&c.server_key),
            "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
        );
    }

    #[test]
    fn rfc5802_sha1_vector() {
        // RFC 5802 §5: salt QSXCR+Q6sek8bf92, i=4096 (intermediate values from the digest §3.5).
        let salt = B64.decode("QSXCR+Q6sek8bf92").unwrap();
        let c = derive(ScramHash::Sha1, "pencil", &salt, 4096).unwrap();
        assert_eq!(B64.encode(&c.stored_key), "6dlGYMOdZcOPutkcNY8U2g7vK9Y=");
        assert_eq!(B64.encode(&c.server_key), "D+CSWLOshSulAsxiupA+qs2/fTE=");
    }

    #[test]
    fn derive_all_uses_distinct_random_salts() {
        let all = derive_all("pencil", 4096).unwrap();
        let hashes: Vec<_> = all.iter().map(|c| c.hash).collect();
        assert_eq!(hashes, ScramHash::ALL.to_vec());
        assert!(all.iter().all(|c| c.salt.len() == SALT_LEN));
        assert_ne!(all[0].salt, all[1].salt);
        assert_eq!(all[2].stored_key.len(), 64);
    }

    #[test]
    fn saslprep_applies_and_rejects() {
        // U+00AD (soft hyphen) is mapped to nothing, so both spellings give the same keys.
        let a = derive(ScramHash::Sha256, "pen\u{AD}cil", b"salt", 4096).unwrap();
        let b = derive(ScramHash::Sha256, "pencil", b"salt", 4096).unwrap();
        assert_eq!(a.stored_key, b.stored_key);
        assert!(matches!(
            derive(ScramHash::Sha256, "a\u{7}b", b"salt", 4096),
            Err(CredentialError::SaslPrep(_))
        ));
        assert!(matches!(
            derive(ScramHash::Sha256, "x", b"salt", 0),
            Err(CredentialError::ZeroIterations)
        ));
    }
}
