//! FAST tokens at rest. HT-* verifies an HMAC keyed with the token itself, so the server must be
//! able to recover the token: a one-way hash (as for passwords) is impossible. The next best thing
//! is to seal each token with an AEAD under a key that never enters the database: a dump or a
//! backup of `gatecheck.sqlite3` alone then holds only ciphertext, and nobody can log in with it.
//!
//! XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`): its 192-bit nonces can be drawn at random
//! for every seal without a counter to persist. The associated data binds each ciphertext to its
//! row (account, client, mechanism), so copying a sealed token into another account's row does
//! not make it usable there. The key lives in a file of its own in the data directory
//! ([`load_or_create_key_file`], mode 0600); losing it only costs every client one password login.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};

use crate::env::Rng;

/// Nonce length of XChaCha20-Poly1305.
const NONCE_LEN: usize = 24;
/// Key length.
pub const KEY_LEN: usize = 32;

/// The key FAST tokens are sealed under. Deliberately not `Debug`.
#[derive(Clone)]
pub struct SealKey {
    cipher: XChaCha20Poly1305,
}

impl SealKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(key: &[u8; KEY_LEN]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// A fresh key from `rng` (tests, and servers without a data directory: tokens then do not
    /// survive a restart).
    pub fn generate(rng: &dyn Rng) -> Self {
        let mut k = [0u8; KEY_LEN];
        rng.fill(&mut k);
        Self::from_bytes(&k)
    }

    /// `nonce || ciphertext || tag` of `plaintext`, bound to `aad`.
    pub fn seal(&self, rng: &dyn Rng, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce);
        let n = XNonce::from(nonce);
        // Encryption fails only for messages beyond 2^38 bytes; tokens are 40 characters.
        let ct = self
            .cipher
            .encrypt(
                &n,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(ct);
        out
    }

    /// The plaintext of a [`SealKey::seal`] output, or `None` if it was not sealed under this key
    /// with this `aad` (tampered, moved to another row, or another key).
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad })
            .ok()
    }
}

/// Why the key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Reading, creating or restricting the file failed.
    #[error("FAST token key file {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file exists but does not hold 64 hex digits.
    #[error("FAST token key file {0} does not hold 64 hex digits")]
    Malformed(std::path::PathBuf),
}

/// Reads the key from `path` (64 hex digits), creating it with a key from `rng` and mode 0600
/// when it does not exist yet. The file is created with `create_new`, so two processes starting
/// at once cannot both write different keys: the loser reads the winner's.
pub fn load_or_create_key_file(
    path: &std::path::Path,
    rng: &dyn Rng,
) -> Result<SealKey, KeyFileError> {
    use std::io::Write;
    let io = |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(mut f) => {
            let mut k = [0u8; KEY_LEN];
            rng.fill(&mut k);
            let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
            f.write_all(format!("{hex}\n").as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            Ok(SealKey::from_bytes(&k))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(io)?;
            let hex = text.trim();
            let bad = || KeyFileError::Malformed(path.to_owned());
            if hex.len() != 2 * KEY_LEN {
                return Err(bad());
            }
            let mut k = [0u8; KEY_LEN];
            for (i, b) in k.iter_mut().enumerate() {
                let pair = hex.get(2 * i..2 * i + 2).ok_or_else(bad)?;
                *b = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
            }
            Ok(SealKey::from_bytes(&k))
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::SeededRng;

    #[test]
    fn round_trip_and_binding() {
        let rng = SeededRng::new(3);
        let k = SealKey::generate(&rng);
        let s = k.seal(&rng, b"secret-token", b"alice\0ua\0HT-SHA-256-NONE");
        assert_eq!(s.len(), NONCE_LEN + 12 + 16);
        assert!(!s.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            k.open(&s, b"alice\0ua\0HT-SHA-256-NONE").as_deref(),
            Some(&b"secret-token"[..])
        );
        assert_eq!(k.open(&s, b"bob\0ua\0HT-SHA-256-NONE"), None);
        assert_eq!(
            SealKey::generate(&rng).open(&s, b"alice\0ua\0HT-SHA-256-NONE"),
            None
        );
        let mut t = s.clone();
        t[30] ^= 1;
        assert_eq!(k.open(&t, b"alice\0ua\0HT-SHA-256-NONE"), None);
        assert_eq!(k.open(&s[..10], b""), None);
        // Fresh nonce per seal.
        assert_ne!(
            s,
            k.seal(&rng, b"secret-token", b"alice\0ua\0HT-SHA-256-NONE")
        );
    }

    #[test]
    fn key_file_is_created_private_and_reread() {
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).unwrap();
        let dir = std::env::temp_dir().join(format!("gatecheck-seal-{}", u64::from_le_bytes(rnd)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fast-token.key");
        let rng = SeededRng::new(9);
        let a = load_or_create_key_file(&path, &rng).unwrap();
        let sealed = a.seal(&rng, b"tok", b"x");
        let b = load_or_create_key_file(&path, &rng).unwrap();
        assert_eq!(b.open(&sealed, b"x").as_deref(), Some(&b"tok"[..]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "nothex").unwrap();
        assert!(matches!(
            load_or_create_key_file(&path, &rng),
            Err(KeyFileError::Malformed(_))
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
