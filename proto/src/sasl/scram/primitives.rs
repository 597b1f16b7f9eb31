//! SCRAM primitives (RFC 5802 §2.2, §3): `H`, `HMAC`, `Hi` and the key schedule, for each [`ScramHash`].
//!
//! Public so that the conformance suite can compute proofs for deliberately wrong messages.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::sasl::saslprep::{PrepMode, saslprep};
use crate::sasl::{MechanismError, ScramHash};

/// Upper bound on iteration counts we will compute, so a hostile server cannot pin a client's CPU.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// `H(data)`.
pub fn hash(h: ScramHash, data: &[u8]) -> Vec<u8> {
    match h {
        ScramHash::Sha1 => Sha1::digest(data).to_vec(),
        ScramHash::Sha256 => Sha256::digest(data).to_vec(),
        ScramHash::Sha512 => Sha512::digest(data).to_vec(),
    }
}

fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m =
        <M as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// `HMAC(key, data)` with the mechanism's hash.
pub fn hmac(h: ScramHash, key: &[u8], data: &[u8]) -> Vec<u8> {
    match h {
        ScramHash::Sha1 => mac::<Hmac<Sha1>>(key, data),
        ScramHash::Sha256 => mac::<Hmac<Sha256>>(key, data),
        ScramHash::Sha512 => mac::<Hmac<Sha512>>(key, data),
    }
}

/// `Hi(str, salt, i)`: PBKDF2 with HMAC-H and dkLen = hash length. `i` must be at least 1.
pub fn hi(h: ScramHash, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    let mut out = vec![0u8; h.output_len()];
    let rounds = iterations.max(1);
    match h {
        ScramHash::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, &mut out),
        ScramHash::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, &mut out),
        ScramHash::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds, &mut out),
    }
    out
}

/// Bytewise XOR of two equal-length values (the shorter length wins if they differ).
pub fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// `ClientKey := HMAC(SaltedPassword, "Client Key")`.
pub fn client_key(h: ScramHash, salted_password: &[u8]) -> Vec<u8> {
    hmac(h, salted_password, b"Client Key")
}

/// `ServerKey := HMAC(SaltedPassword, "Server Key")`.
pub fn server_key(h: ScramHash, salted_password: &[u8]) -> Vec<u8> {
    hmac(h, salted_password, b"Server Key")
}

/// `ClientSignature := HMAC(StoredKey, AuthMessage)`.
pub fn client_signature(h: ScramHash, stored_key: &[u8], auth_message: &[u8]) -> Vec<u8> {
    hmac(h, stored_key, auth_message)
}

/// `ServerSignature := HMAC(ServerKey, AuthMessage)`.
pub fn server_signature(h: ScramHash, server_key: &[u8], auth_message: &[u8]) -> Vec<u8> {
    hmac(h, server_key, auth_message)
}

/// `ClientProof := ClientKey XOR HMAC(H(ClientKey), AuthMessage)`.
pub fn client_proof(h: ScramHash, client_key: &[u8], auth_message: &[u8]) -> Vec<u8> {
    let stored = hash(h, client_key);
    xor(client_key, &client_signature(h, &stored, auth_message))
}

/// `AuthMessage := client-first-bare "," server-first "," client-final-without-proof`.
pub fn auth_message(
    client_first_bare: &str,
    server_first: &str,
    client_final_without_proof: &str,
) -> String {
    format!("{client_first_bare},{server_first},{client_final_without_proof}")
}

/// What a SCRAM server stores per user and hash: never the password (RFC 5802 §3).
#[derive(Clone, PartialEq, Eq)]
pub struct ScramCredentials {
    /// The hash these keys belong to.
    pub hash: ScramHash,
    /// The salt, raw bytes.
    pub salt: Vec<u8>,
    /// The PBKDF2 iteration count.
    pub iterations: u32,
    /// `H(ClientKey)`.
    pub stored_key: Vec<u8>,
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: Vec<u8>,
}

impl std::fmt::Debug for ScramCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys are password-equivalent for impersonating the server: keep them out of logs.
        f.debug_struct("ScramCredentials")
            .field("hash", &self.hash)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl ScramCredentials {
    /// Derives the stored keys from a password (SASLprep'd as a stored string) and the given salt and count.
    pub fn derive(
        hash: ScramHash,
        password: &str,
        salt: &[u8],
        iterations: u32,
    ) -> Result<Self, MechanismError> {
        let salted = salted_password(hash, password, salt, iterations)?;
        Ok(Self::from_salted_password(hash, &salted, salt, iterations))
    }

    /// Builds credentials from an already-computed SaltedPassword (e.g. imported from another server).
    pub fn from_salted_password(
        hash: ScramHash,
        salted: &[u8],
        salt: &[u8],
        iterations: u32,
    ) -> Self {
        Self {
            hash,
            salt: salt.to_vec(),
            iterations,
            stored_key: self::hash(hash, &client_key(hash, salted)),
            server_key: server_key(hash, salted),
        }
    }

    /// Whether `client_key` hashes to our StoredKey, compared in constant time.
    pub fn verify_client_key(&self, client_key: &[u8]) -> bool {
        hash(self.hash, client_key).ct_eq(&self.stored_key).into()
    }
}

/// `SaltedPassword := Hi(SASLprep(password), salt, i)`, with explicit iteration limits.
pub fn salted_password(
    h: ScramHash,
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<Vec<u8>, MechanismError> {
    if iterations == 0 {
        return Err(MechanismError::Syntax("iteration count must be positive"));
    }
    if iterations > MAX_ITERATIONS {
        return Err(MechanismError::Syntax("iteration count above the limit"));
    }
    let prepared = saslprep(password, PrepMode::Stored)?;
    Ok(hi(h, prepared.as_bytes(), salt, iterations))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hi_single_iteration_is_one_hmac() {
        let mut salt1 = b"salt".to_vec();
        salt1.extend_from_slice(&1u32.to_be_bytes());
        assert_eq!(
            hi(ScramHash::Sha256, b"pw", b"salt", 1),
            hmac(ScramHash::Sha256, b"pw", &salt1)
        );
    }

    #[test]
    fn derive_rejects_bad_counts_and_prep() {
        assert!(ScramCredentials::derive(ScramHash::Sha1, "p", b"s", 0).is_err());
        assert!(ScramCredentials::derive(ScramHash::Sha1, "p\u{7}", b"s", 1).is_err());
        let c = ScramCredentials::derive(ScramHash::Sha512, "p", b"s", 2).unwrap();
        assert_eq!(c.stored_key.len(), 64);
        assert!(!format!("{c:?}").contains("stored_key"));
    }
}
