//! A scriptable SCRAM client: unlike a library client it can be told to send what the
//! spec forbids (`m=`, bad escapes, wrong nonce, wrong `c=`, tampered proof, extra attributes), so
//! cases can check that the server rejects each. Key derivation is proto's `scram::primitives`.

use crate::sasl2::{decode_b64_strict as decode_b64, encode_b64};
use gatecheck_proto::sasl::ScramHash;
use gatecheck_proto::sasl::scram::primitives;

/// Largest iteration count the suite will compute (a hostile server could ask for billions).
pub const MAX_CLIENT_ITERATIONS: u32 = 1_000_000;

/// Why a server SCRAM message could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScramScriptError {
    /// The message is not UTF-8 or does not follow the RFC 5802 §7 grammar.
    #[error("server-first-message malformed: {0}")]
    Malformed(&'static str),
    /// The server nonce does not start with the client nonce or adds nothing.
    #[error("server nonce does not extend the client nonce")]
    NoncePrefix,
    /// The iteration count is above [`MAX_CLIENT_ITERATIONS`].
    #[error("iteration count {0} above the suite's limit")]
    TooManyIterations(u32),
    /// The password could not be SASLprepped.
    #[error("password rejected by SASLprep")]
    Password,
}

/// The parsed server-first-message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFirst {
    /// The exact text (part of AuthMessage).
    pub raw: String,
    /// Combined nonce.
    pub nonce: String,
    /// Decoded salt.
    pub salt: Vec<u8>,
    /// Iteration count.
    pub iterations: u32,
    /// Extension attributes after `i=`, e.g. `('h', ...)` for XEP-0474 SSDP.
    pub extensions: Vec<(char, String)>,
}

impl ServerFirst {
    /// Parse and check against the client nonce (RFC 5802 §5.1 prefix rule, erratum 2651).
    pub fn parse(data: &[u8], client_nonce: &str) -> Result<ServerFirst, ScramScriptError> {
        let raw =
            std::str::from_utf8(data).map_err(|_| ScramScriptError::Malformed("not UTF-8"))?;
        let mut parts = raw.split(',');
        let mut take = |key: &str| {
            parts
                .next()
                .and_then(|p| p.strip_prefix(key))
                .ok_or(ScramScriptError::Malformed(
                    "attribute missing or out of order",
                ))
        };
        let nonce = take("r=")?.to_owned();
        let salt = decode_b64(take("s=")?).ok_or(ScramScriptError::Malformed("salt not base64"))?;
        let i = take("i=")?;
        if i.starts_with('0') || i.is_empty() || !i.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScramScriptError::Malformed(
                "iteration count not a positive number",
            ));
        }
        let iterations: u32 = i
            .parse()
            .map_err(|_| ScramScriptError::Malformed("iteration count too large"))?;
        let mut extensions = Vec::new();
        for p in parts {
            let mut chars = p.chars();
            match (chars.next(), chars.next()) {
                (Some(k), Some('=')) if k.is_ascii_alphabetic() => {
                    extensions.push((k, chars.as_str().to_owned()));
                }
                _ => return Err(ScramScriptError::Malformed("bad extension attribute")),
            }
        }
        if nonce.len() <= client_nonce.len() || !nonce.starts_with(client_nonce) {
            return Err(ScramScriptError::NoncePrefix);
        }
        if !nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
        {
            return Err(ScramScriptError::Malformed("nonce not printable"));
        }
        if iterations > MAX_CLIENT_ITERATIONS {
            return Err(ScramScriptError::TooManyIterations(iterations));
        }
        Ok(ServerFirst {
            raw: raw.to_owned(),
            nonce,
            salt,
            iterations,
            extensions,
        })
    }

    /// The value of extension attribute `k`, if present.
    pub fn extension(&self, k: char) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Deviations the script applies to the client-final-message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FinalTweaks {
    /// Send this `c=` value (base64) instead of the correct one.
    pub channel_binding: Option<String>,
    /// Send this nonce instead of the combined one.
    pub nonce: Option<String>,
    /// Insert this `k=v` extension before `p=` (it is part of AuthMessage, as RFC 5802 requires).
    pub extension: Option<String>,
    /// Flip a bit of the proof.
    pub corrupt_proof: bool,
    /// Send only the first half of the proof bytes.
    pub truncate_proof: bool,
    /// Send `p=` with an empty value.
    pub empty_proof: bool,
}

/// One SCRAM exchange as the suite drives it.
#[derive(Debug, Clone)]
pub struct ScramScript {
    /// Hash of the mechanism.
    pub hash: ScramHash,
    /// GS2 header, e.g. `n,,`, `y,,`, `p=tls-exporter,,`, `n,a=alice@example.org,`.
    pub gs2_header: String,
    /// Channel-binding data appended to the GS2 header in `c=` when the flag is `p`.
    pub cb_data: Vec<u8>,
    /// client-first-message-bare, e.g. `n=alice,r=NONCE`.
    pub first_bare: String,
    /// The client nonce.
    pub client_nonce: String,
}

/// Escape a SCRAM saslname (`,` as `=2C`, `=` as `=3D`).
pub fn escape_saslname(s: &str) -> String {
    s.replace('=', "=3D").replace(',', "=2C")
}

/// A fresh printable nonce of 24 alphanumerics.
pub fn fresh_nonce() -> String {
    let mut bytes = [0u8; 24];
    rand::fill(&mut bytes);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    bytes
        .iter()
        .map(|b| {
            char::from(
                ALPHABET
                    .get(usize::from(*b) % ALPHABET.len())
                    .copied()
                    .unwrap_or(b'A'),
            )
        })
        .collect()
}

impl ScramScript {
    /// A well-formed exchange for `username` (unescaped) with a fresh nonce and header `n,,`.
    pub fn new(hash: ScramHash, username: &str) -> ScramScript {
        let client_nonce = fresh_nonce();
        ScramScript {
            hash,
            gs2_header: "n,,".to_owned(),
            cb_data: Vec::new(),
            first_bare: format!("n={},r={client_nonce}", escape_saslname(username)),
            client_nonce,
        }
    }

    /// Use channel binding `cb_type` with `data` (flag `p=`).
    pub fn with_binding(mut self, cb_type: &str, data: Vec<u8>) -> ScramScript {
        self.gs2_header = format!("p={cb_type},,");
        self.cb_data = data;
        self
    }

    /// The client-first-message (initial response).
    pub fn client_first(&self) -> Vec<u8> {
        format!("{}{}", self.gs2_header, self.first_bare).into_bytes()
    }

    /// The correct `c=` value: base64(gs2-header ‖ cb-data).
    pub fn channel_binding_value(&self) -> String {
        let mut input = self.gs2_header.as_bytes().to_vec();
        input.extend_from_slice(&self.cb_data);
        encode_b64(&input)
    }

    /// The client-final-message for `sf`, and the ServerSignature a correct server will send.
    pub fn client_final(
        &self,
        sf: &ServerFirst,
        password: &str,
        tweaks: &FinalTweaks,
    ) -> Result<(Vec<u8>, Vec<u8>), ScramScriptError> {
        let salted = salted_cached(self.hash, password, &sf.salt, sf.iterations)?;
        let c = tweaks
            .channel_binding
            .clone()
            .unwrap_or_else(|| self.channel_binding_value());
        let nonce = tweaks.nonce.as_deref().unwrap_or(&sf.nonce);
        let mut without_proof = format!("c={c},r={nonce}");
        if let Some(ext) = &tweaks.extension {
            without_proof.push(',');
            without_proof.push_str(ext);
        }
        let auth = primitives::auth_message(&self.first_bare, &sf.raw, &without_proof);
        let client_key = primitives::client_key(self.hash, &salted);
        let mut proof = primitives::client_proof(self.hash, &client_key, auth.as_bytes());
        if tweaks.corrupt_proof
            && let Some(b) = proof.first_mut()
        {
            *b ^= 1;
        }
        if tweaks.truncate_proof {
            proof.truncate(proof.len() / 2);
        }
        if tweaks.empty_proof {
            proof.clear();
        }
        let server_key = primitives::server_key(self.hash, &salted);
        let signature = primitives::server_signature(self.hash, &server_key, auth.as_bytes());
        let msg = format!("{without_proof},p={}", encode_b64(&proof));
        Ok((msg.into_bytes(), signature))
    }
}

/// `Hi(password, salt, i)`, remembered for the process: a suite run logs the same account in
/// hundreds of times with the same salt and iteration count, and PBKDF2 dominates its run time.
fn salted_cached(
    hash: ScramHash,
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<Vec<u8>, ScramScriptError> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Key = (ScramHash, String, Vec<u8>, u32);
    static CACHE: Mutex<Option<HashMap<Key, Vec<u8>>>> = Mutex::new(None);
    let key = (hash, password.to_owned(), salt.to_vec(), iterations);
    if let Ok(guard) = CACHE.lock()
        && let Some(v) = guard.as_ref().and_then(|m| m.get(&key))
    {
        return Ok(v.clone());
    }
    let salted = primitives::salted_password(hash, password, salt, iterations)
        .map_err(|_| ScramScriptError::Password)?;
    if let Ok(mut guard) = CACHE.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() < 256 {
            map.insert(key, salted.clone());
        }
    }
    Ok(salted)
}

/// Check a server-final-message against the expected ServerSignature (constant time).
pub fn verify_server_final(data: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let v = text.split(',').next().and_then(|p| p.strip_prefix("v="));
    v.and_then(decode_b64)
        .is_some_and(|sig| bool::from(sig.as_slice().ct_eq(expected)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 §3 end to end through the script.
    #[test]
    fn reproduces_rfc7677_vector() {
        let script = ScramScript {
            hash: ScramHash::Sha256,
            gs2_header: "n,,".into(),
            cb_data: Vec::new(),
            first_bare: "n=user,r=rOprNGfwEbeRWgbNEkqO".into(),
            client_nonce: "rOprNGfwEbeRWgbNEkqO".into(),
        };
        assert_eq!(script.client_first(), b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let sf = ServerFirst::parse(
            b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            &script.client_nonce,
        )
        .expect("server-first");
        let (msg, sig) = script
            .client_final(&sf, "pencil", &FinalTweaks::default())
            .expect("final");
        assert_eq!(
            String::from_utf8(msg).expect("utf8"),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert!(verify_server_final(
            b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
            &sig
        ));
        assert!(!verify_server_final(
            b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=",
            &sig
        ));
        assert!(!verify_server_final(b"e=invalid-proof", &sig));
    }

    #[test]
    fn parses_and_rejects_server_first() {
        let sf =
            ServerFirst::parse(b"r=abcXYZ,s=QSXCR+Q6sek8bf92,i=4096,h=G6k=", "abc").expect("ok");
        assert_eq!((sf.iterations, sf.extension('h')), (4096, Some("G6k=")));
        for (bad, err) in [
            (
                &b"r=abc,s=QSXCR+Q6sek8bf92,i=4096"[..],
                ScramScriptError::NoncePrefix,
            ),
            (
                b"r=xyzabc1,s=QSXCR+Q6sek8bf92,i=4096",
                ScramScriptError::NoncePrefix,
            ),
            (
                b"r=abc1,s=Q!,i=4096",
                ScramScriptError::Malformed("salt not base64"),
            ),
            (
                b"r=abc1,s=QSXCR+Q6sek8bf92,i=0",
                ScramScriptError::Malformed("iteration count not a positive number"),
            ),
            (
                b"r=abc1,s=QSXCR+Q6sek8bf92,i=99999999",
                ScramScriptError::TooManyIterations(99_999_999),
            ),
            (
                b"s=QSXCR+Q6sek8bf92,r=abc1,i=1",
                ScramScriptError::Malformed("attribute missing or out of order"),
            ),
            (b"\xff", ScramScriptError::Malformed("not UTF-8")),
        ] {
            assert_eq!(ServerFirst::parse(bad, "abc"), Err(err));
        }
    }

    #[test]
    fn binding_value_and_nonces() {
        let s = ScramScript::new(ScramHash::Sha1, "us,er=")
            .with_binding("tls-exporter", b"THIS IS FAKE CB DATA".to_vec());
        assert_eq!(
            s.channel_binding_value(),
            "cD10bHMtZXhwb3J0ZXIsLFRISVMgSVMgRkFLRSBDQiBEQVRB"
        );
        assert!(s.first_bare.starts_with("n=us=2Cer=3D,r="));
        assert_ne!(fresh_nonce(), fresh_nonce());
        assert_eq!(fresh_nonce().len(), 24);
    }
}
