//! The HT-* token mechanisms used by FAST (XEP-0484), in the three wire formats that exist in the
//! wild (digest §2.4.2): draft-schmaus-kitten-sasl-ht-09 (what XEP-0484 cites and Prosody speaks),
//! schmaus-10 = ietf-00 (0x00-prefixed responder, 0x01 failures) and ietf-01/02 (extra key/value
//! field). Plain functions, no state: the server parses the initiator message, looks the token(s)
//! up by authcid, verifies; the client builds the initiator message and verifies the responder.

use hmac::{KeyInit, Mac};
use subtle::ConstantTimeEq;

use super::{ChannelBindingType, Mechanism, SaslCondition};

/// Longest authcid accepted (octets). The drafts require at least 255; XMPP localparts allow 1023.
pub const MAX_AUTHCID_LEN: usize = 1023;
/// Longest ietf-01 extra-values field accepted (octets); the drafts define no extras yet.
pub const MAX_EXTRAS_LEN: usize = 1024;

/// The hash of an HT mechanism. SHA-256 is what FAST deployments use; SHA-512 is here so that the
/// suite can probe servers that advertise it; SHA3-256 because XEP-0484 / the HT drafts list SHA3
/// hashes and some servers advertise them (digest §2.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HtHash {
    /// SHA-256 (32-byte HMAC).
    Sha256,
    /// SHA-512 (64-byte HMAC).
    Sha512,
    /// SHA3-256 (32-byte HMAC), named `SHA3-256` per the IANA hash-name registry (RFC 6920).
    Sha3_256,
}

impl HtHash {
    /// HMAC output length in octets; also the exact length of a -09 initiator's MAC part.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 | Self::Sha3_256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// The RFC 6920 hash name string as used inside mechanism names (`SHA3-256`, never the
    /// drafts' misspelling `SHA-3-256`, digest §2.4.1).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha512 => "SHA-512",
            Self::Sha3_256 => "SHA3-256",
        }
    }
}

/// Which draft's wire format to speak (digest §2.4.2). A server cannot tell -09 from ietf-00
/// clients, so `Schmaus09` is the default and what a server should answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HtDraft {
    /// draft-schmaus-kitten-sasl-ht-09: raw responder HMAC, no failure message.
    #[default]
    Schmaus09,
    /// schmaus-10 = ietf-00: responder `0x00 || HMAC`, failure `0x01 || reason`.
    Ietf00,
    /// ietf-01/02: extra key/value values in both messages and in the HMAC input.
    Ietf01,
}

/// An HT mechanism: hash plus channel-binding type (`None` = `-NONE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HtMechanism {
    /// The HMAC hash.
    pub hash: HtHash,
    /// The channel binding whose data enters the HMAC; `None` means empty cb data.
    pub binding: Option<ChannelBindingType>,
}

impl HtMechanism {
    /// The registered name, e.g. `HT-SHA-256-EXPR`.
    pub fn name(self) -> String {
        let cb = self.binding.map_or("NONE", ChannelBindingType::ht_suffix);
        format!("HT-{}-{}", self.hash.name(), cb)
    }

    /// Parses an HT mechanism name (exact, case-sensitive); unknown hashes or suffixes are `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("HT-")?;
        let (hash, cb) = rest.rsplit_once('-')?;
        let hash = match hash {
            "SHA-256" => HtHash::Sha256,
            "SHA-512" => HtHash::Sha512,
            "SHA3-256" => HtHash::Sha3_256,
            _ => return None,
        };
        let binding = match cb {
            "NONE" => None,
            other => Some(
                ChannelBindingType::ALL
                    .into_iter()
                    .find(|t| t.ht_suffix() == other)?,
            ),
        };
        Some(Self { hash, binding })
    }

    /// The HT form of a [`Mechanism`], if it is one.
    pub fn from_mechanism(m: Mechanism) -> Option<Self> {
        match m {
            Mechanism::HtSha256(binding) => Some(Self {
                hash: HtHash::Sha256,
                binding,
            }),
            _ => None,
        }
    }

    /// The [`Mechanism`] this corresponds to, where the enum has one (SHA-256 only).
    pub fn to_mechanism(self) -> Option<Mechanism> {
        match self.hash {
            HtHash::Sha256 => Some(Mechanism::HtSha256(self.binding)),
            HtHash::Sha512 | HtHash::Sha3_256 => None,
        }
    }
}

/// Why an HT message was rejected; [`HtError::condition`] gives the RFC 6120 condition to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HtError {
    /// The message is empty.
    #[error("empty HT message")]
    Empty,
    /// No NUL separates the authcid from the rest.
    #[error("HT initiator message has no NUL separator")]
    MissingSeparator,
    /// The authcid is empty.
    #[error("empty authcid")]
    EmptyAuthcid,
    /// The authcid is longer than [`MAX_AUTHCID_LEN`].
    #[error("authcid longer than {MAX_AUTHCID_LEN} octets")]
    AuthcidTooLong,
    /// The authcid is not UTF-8.
    #[error("authcid is not UTF-8")]
    AuthcidNotUtf8,
    /// The authcid contains NUL (only possible when building).
    #[error("authcid contains NUL")]
    AuthcidContainsNul,
    /// The MAC part has the wrong length for the hash, or the ietf-01 layout is broken.
    #[error("HT message has the wrong length for {0}")]
    BadLength(&'static str),
    /// The ietf-01 extra values do not match `[kv *("," kv)]` or are too long.
    #[error("invalid HT extra key/value values")]
    BadExtras,
    /// The initiator HMAC does not match any token given (server side).
    #[error("HT token does not verify")]
    TokenMismatch,
    /// The responder HMAC does not match (client side: mutual authentication failed).
    #[error("HT responder message does not verify")]
    ResponderMismatch,
    /// The server sent an ietf-00+ failure message `0x01 || reason`.
    #[error("HT server failure: {0}")]
    ServerFailure(String),
}

impl HtError {
    /// The RFC 6120 §6.5 condition for this error: syntax problems are `malformed-request`,
    /// verification failures `not-authorized`.
    pub fn condition(&self) -> SaslCondition {
        match self {
            Self::TokenMismatch | Self::ResponderMismatch | Self::ServerFailure(_) => {
                SaslCondition::NotAuthorized
            }
            _ => SaslCondition::MalformedRequest,
        }
    }
}

/// `HMAC(token, label || cb || extras)` with the mechanism's hash: the core of both HT messages.
pub fn ht_hmac(hash: HtHash, token: &[u8], label: &[u8], cb: &[u8], extras: &[u8]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(token: &[u8], parts: [&[u8]; 3]) -> Vec<u8> {
        // HMAC accepts keys of any length; were that ever to fail, an empty MAC never verifies.
        let Ok(mut mac) = <M as KeyInit>::new_from_slice(token) else {
            return Vec::new();
        };
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().to_vec()
    }
    let parts = [label, cb, extras];
    match hash {
        HtHash::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(token, parts),
        HtHash::Sha512 => run::<hmac::Hmac<sha2::Sha512>>(token, parts),
        HtHash::Sha3_256 => run::<hmac::Hmac<sha3::Sha3_256>>(token, parts),
    }
}

/// Checks ietf-01 extras: `[ kv *("," kv) ]`, `kv = 1*kvchar "=" 1*kvchar`.
pub fn extras_are_valid(extras: &[u8]) -> bool {
    if extras.is_empty() {
        return true;
    }
    if extras.len() > MAX_EXTRAS_LEN {
        return false;
    }
    let kvchar = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'-' | b'_');
    extras.split(|&b| b == b',').all(|kv| {
        let mut it = kv.splitn(2, |&b| b == b'=');
        match (it.next(), it.next()) {
            (Some(k), Some(v)) => {
                !k.is_empty() && !v.is_empty() && k.iter().all(kvchar) && v.iter().all(kvchar)
            }
            _ => false,
        }
    })
}

fn check_authcid(authcid: &str) -> Result<(), HtError> {
    if authcid.is_empty() {
        Err(HtError::EmptyAuthcid)
    } else if authcid.len() > MAX_AUTHCID_LEN {
        Err(HtError::AuthcidTooLong)
    } else if authcid.contains('\0') {
        Err(HtError::AuthcidContainsNul)
    } else {
        Ok(())
    }
}

/// Builds the initiator (client-first) message. `extras` is only sent by [`HtDraft::Ietf01`]
/// (and ignored otherwise); `cb` is the channel-binding data (empty for `-NONE`).
pub fn initiator_message(
    mech: HtMechanism,
    draft: HtDraft,
    authcid: &str,
    token: &[u8],
    cb: &[u8],
    extras: &[u8],
) -> Result<Vec<u8>, HtError> {
    check_authcid(authcid)?;
    let mut out = authcid.as_bytes().to_vec();
    out.push(0);
    if draft == HtDraft::Ietf01 {
        if !extras_are_valid(extras) {
            return Err(HtError::BadExtras);
        }
        out.extend_from_slice(extras);
        out.push(0);
        out.extend(ht_hmac(mech.hash, token, b"Initiator", cb, extras));
    } else {
        out.extend(ht_hmac(mech.hash, token, b"Initiator", cb, b""));
    }
    Ok(out)
}

/// A parsed initiator message, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiatorMessage {
    /// The authentication identity (in XMPP the account localpart).
    pub authcid: String,
    /// `Some` when the message used the ietf-01 layout (possibly empty extras).
    pub extras: Option<Vec<u8>>,
    /// The initiator HMAC as received.
    pub mac: Vec<u8>,
}

impl InitiatorMessage {
    /// The draft to answer in: ietf-01 for ietf-01 requests, otherwise -09 (digest §6.2 item 16).
    pub fn reply_draft(&self) -> HtDraft {
        if self.extras.is_some() {
            HtDraft::Ietf01
        } else {
            HtDraft::Schmaus09
        }
    }

    /// Verifies the MAC against one stored token in constant time.
    pub fn verify(&self, mech: HtMechanism, token: &[u8], cb: &[u8]) -> Result<(), HtError> {
        let extras = self.extras.as_deref().unwrap_or_default();
        let expected = ht_hmac(mech.hash, token, b"Initiator", cb, extras);
        if bool::from(expected.ct_eq(&self.mac)) {
            Ok(())
        } else {
            Err(HtError::TokenMismatch)
        }
    }
}

/// Parses an initiator message: split at the first NUL; a remainder of exactly the hash length is
/// -09/ietf-00, a longer one must be `extras NUL mac` (ietf-01). Never panics.
pub fn parse_initiator(mech: HtMechanism, msg: &[u8]) -> Result<InitiatorMessage, HtError> {
    if msg.is_empty() {
        return Err(HtError::Empty);
    }
    let nul = msg
        .iter()
        .position(|&b| b == 0)
        .ok_or(HtError::MissingSeparator)?;
    let (raw_authcid, rest) = (
        msg.get(..nul).unwrap_or_default(),
        msg.get(nul + 1..).unwrap_or_default(),
    );
    if raw_authcid.is_empty() {
        return Err(HtError::EmptyAuthcid);
    }
    if raw_authcid.len() > MAX_AUTHCID_LEN {
        return Err(HtError::AuthcidTooLong);
    }
    let authcid = std::str::from_utf8(raw_authcid)
        .map_err(|_| HtError::AuthcidNotUtf8)?
        .to_owned();
    let n = mech.hash.output_len();
    if rest.len() == n {
        return Ok(InitiatorMessage {
            authcid,
            extras: None,
            mac: rest.to_vec(),
        });
    }
    if rest.len() < n + 1 || rest.len() > n + 1 + MAX_EXTRAS_LEN {
        return Err(HtError::BadLength(mech.hash.name()));
    }
    let split = rest.len() - n - 1;
    let (extras, sep_mac) = rest.split_at(split);
    let (sep, mac) = sep_mac.split_at(1);
    if sep != [0] {
        return Err(HtError::BadLength(mech.hash.name()));
    }
    if !extras_are_valid(extras) {
        return Err(HtError::BadExtras);
    }
    Ok(InitiatorMessage {
        authcid,
        extras: Some(extras.to_vec()),
        mac: mac.to_vec(),
    })
}

/// Builds the responder (server success) message in the given draft's format; `extras` is only
/// used by ietf-01.
pub fn responder_message(
    mech: HtMechanism,
    draft: HtDraft,
    token: &[u8],
    cb: &[u8],
    extras: &[u8],
) -> Result<Vec<u8>, HtError> {
    match draft {
        HtDraft::Schmaus09 => Ok(ht_hmac(mech.hash, token, b"Responder", cb, b"")),
        HtDraft::Ietf00 => {
            let mut out = vec![0];
            out.extend(ht_hmac(mech.hash, token, b"Responder", cb, b""));
            Ok(out)
        }
        HtDraft::Ietf01 => {
            if !extras_are_valid(extras) {
                return Err(HtError::BadExtras);
            }
            let mut out = vec![0];
            out.extend_from_slice(extras);
            out.push(0);
            out.extend(ht_hmac(mech.hash, token, b"Responder", cb, extras));
            Ok(out)
        }
    }
}

/// The ietf-00+ failure message `0x01 || reason` (e.g. `invalid-token`). SASL2 has no carrier for
/// it (digest §6.2 item 18); it exists for legacy SASL and for the suite.
pub fn failure_message(reason: &str) -> Vec<u8> {
    let mut out = vec![1];
    out.extend_from_slice(reason.as_bytes());
    out
}

/// Client side: verifies the responder message in constant time; returns the ietf-01 extras
/// (empty for other drafts). A `0x01` failure becomes [`HtError::ServerFailure`].
pub fn verify_responder(
    mech: HtMechanism,
    draft: HtDraft,
    token: &[u8],
    cb: &[u8],
    msg: &[u8],
) -> Result<Vec<u8>, HtError> {
    let n = mech.hash.output_len();
    let (extras, mac) = match draft {
        HtDraft::Schmaus09 => {
            if msg.len() != n {
                return Err(HtError::BadLength(mech.hash.name()));
            }
            (&[][..], msg)
        }
        HtDraft::Ietf00 | HtDraft::Ietf01 => match msg.split_first() {
            None => return Err(HtError::Empty),
            Some((1, reason)) => {
                let reason = String::from_utf8_lossy(
                    reason.get(..256.min(reason.len())).unwrap_or_default(),
                );
                return Err(HtError::ServerFailure(reason.into_owned()));
            }
            Some((0, rest)) if draft == HtDraft::Ietf00 => {
                if rest.len() != n {
                    return Err(HtError::BadLength(mech.hash.name()));
                }
                (&[][..], rest)
            }
            Some((0, rest)) => {
                if rest.len() < n + 1 || rest.len() > n + 1 + MAX_EXTRAS_LEN {
                    return Err(HtError::BadLength(mech.hash.name()));
                }
                let (extras, sep_mac) = rest.split_at(rest.len() - n - 1);
                let (sep, mac) = sep_mac.split_at(1);
                if sep != [0] {
                    return Err(HtError::BadLength(mech.hash.name()));
                }
                if !extras_are_valid(extras) {
                    return Err(HtError::BadExtras);
                }
                (extras, mac)
            }
            Some(_) => return Err(HtError::BadLength(mech.hash.name())),
        },
    };
    let expected = ht_hmac(mech.hash, token, b"Responder", cb, extras);
    if bool::from(expected.ct_eq(mac)) {
        Ok(extras.to_vec())
    } else {
        Err(HtError::ResponderMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &[u8] = b"WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZm";

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha3_256_matches_digest_2_4_3() {
        assert_eq!(
            hex(&ht_hmac(HtHash::Sha3_256, TOKEN, b"Initiator", b"", b"")),
            "239453f1ce741f6afe69676d5a606f66ae86cbf8dc27d8d8baa0af8502a45dd7"
        );
    }

    #[test]
    fn sha3_256_names_follow_the_registry() {
        let m = HtMechanism::from_name("HT-SHA3-256-NONE").unwrap();
        assert_eq!(m.hash, HtHash::Sha3_256);
        assert_eq!(m.binding, None);
        assert_eq!(m.name(), "HT-SHA3-256-NONE");
        assert_eq!(m.to_mechanism(), None);
        assert_eq!(HtMechanism::from_name("HT-SHA-3-256-NONE"), None);
    }

    #[test]
    fn sha3_256_round_trip() {
        let mech = HtMechanism {
            hash: HtHash::Sha3_256,
            binding: None,
        };
        let msg = initiator_message(mech, HtDraft::Schmaus09, "user", TOKEN, b"", b"").unwrap();
        let parsed = parse_initiator(mech, &msg).unwrap();
        assert_eq!(parsed.mac.len(), 32);
        assert!(parsed.verify(mech, TOKEN, b"").is_ok());
        assert!(parsed.verify(mech, b"other", b"").is_err());
    }
}
