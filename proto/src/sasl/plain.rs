//! PLAIN (RFC 4616): client message builder, strict server parser, and verification against stored SCRAM
//! credentials, so a server can accept PLAIN without ever storing the password.

use subtle::ConstantTimeEq;

use super::scram::ScramCredentials;
use super::scram::primitives::{client_key, hash, salted_password};
use super::{MechanismError, PrepMode, saslprep};

/// RFC 4616 §2: each field is at most 255 octets.
pub const MAX_FIELD_LEN: usize = 255;

/// A parsed PLAIN message: `[authzid] NUL authcid NUL passwd`.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainMessage {
    /// The authorization identity, if non-empty.
    pub authzid: Option<String>,
    /// The authentication identity (username), SASLprep'd with query rules.
    pub authcid: String,
    /// The password as sent (prepared at verification time).
    pub password: String,
}

impl std::fmt::Debug for PlainMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        f.debug_struct("PlainMessage")
            .field("authzid", &self.authzid)
            .field("authcid", &self.authcid)
            .finish_non_exhaustive()
    }
}

/// Builds the PLAIN initial response (no validation, so callers can also build bad messages).
pub fn build(authzid: Option<&str>, authcid: &str, password: &str) -> Vec<u8> {
    let mut v = authzid.unwrap_or_default().as_bytes().to_vec();
    v.push(0);
    v.extend_from_slice(authcid.as_bytes());
    v.push(0);
    v.extend_from_slice(password.as_bytes());
    v
}

fn field(bytes: &[u8], may_be_empty: bool) -> Result<&str, MechanismError> {
    if bytes.len() > MAX_FIELD_LEN {
        return Err(MechanismError::TooLong {
            len: bytes.len(),
            limit: MAX_FIELD_LEN,
        });
    }
    if bytes.is_empty() && !may_be_empty {
        return Err(MechanismError::Syntax("empty PLAIN field"));
    }
    std::str::from_utf8(bytes).map_err(|_| MechanismError::NotUtf8)
}

/// Parses a PLAIN message: exactly two NULs, UTF-8 fields of at most 255 octets, non-empty authcid/password.
pub fn parse(msg: &[u8]) -> Result<PlainMessage, MechanismError> {
    if msg.is_empty() {
        return Err(MechanismError::Empty);
    }
    let limit = 3 * MAX_FIELD_LEN + 2;
    if msg.len() > limit {
        return Err(MechanismError::TooLong {
            len: msg.len(),
            limit,
        });
    }
    let mut parts = msg.split(|b| *b == 0);
    let (Some(z), Some(c), Some(p), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MechanismError::Syntax(
            "PLAIN needs exactly two NUL separators",
        ));
    };
    let authzid = field(z, true)?;
    let authcid = saslprep(field(c, false)?, PrepMode::Query)?.into_owned();
    let password = field(p, false)?.to_owned();
    Ok(PlainMessage {
        authzid: (!authzid.is_empty()).then(|| authzid.to_owned()),
        authcid,
        password,
    })
}

/// Checks a PLAIN password against stored SCRAM credentials: derives with the stored salt and count and
/// compares StoredKey in constant time. `None` (unknown user) always fails, after equivalent work.
pub fn verify(password: &str, creds: Option<&ScramCredentials>) -> Result<(), MechanismError> {
    let Some(c) = creds else {
        return Err(MechanismError::InvalidCredentials);
    };
    // A password SASLprep rejects cannot match anything stored; report it as wrong credentials.
    let salted = salted_password(c.hash, password, &c.salt, c.iterations)
        .map_err(|_| MechanismError::InvalidCredentials)?;
    let stored = hash(c.hash, &client_key(c.hash, &salted));
    if bool::from(stored.ct_eq(&c.stored_key)) {
        Ok(())
    } else {
        Err(MechanismError::InvalidCredentials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sasl::{SaslCondition, ScramHash};

    #[test]
    fn parse_and_verify() {
        let m = parse(&build(Some("admin"), "user", "I\u{AD}X")).unwrap();
        assert_eq!(
            (m.authzid.as_deref(), m.authcid.as_str()),
            (Some("admin"), "user")
        );
        assert!(!format!("{m:?}").contains("I\u{AD}X"));
        let creds = ScramCredentials::derive(ScramHash::Sha256, "IX", b"salt", 4096).unwrap();
        assert_eq!(verify(&m.password, Some(&creds)), Ok(()));
        let e = verify("ix", Some(&creds)).unwrap_err();
        assert_eq!(e.condition(), SaslCondition::NotAuthorized);
        assert!(verify("IX", None).is_err());
        assert_eq!(parse(&build(None, "user", "pw")).unwrap().authzid, None);
    }

    #[test]
    fn rejections() {
        assert_eq!(parse(b""), Err(MechanismError::Empty));
        assert!(parse(b"\0user").is_err());
        assert!(parse(b"\0user\0pw\0x").is_err());
        assert!(parse(b"\0\0pw").is_err());
        assert!(parse(b"\0user\0").is_err());
        assert_eq!(parse(b"\0us\xffer\0pw"), Err(MechanismError::NotUtf8));
        let long = build(None, &"u".repeat(256), "pw");
        assert!(matches!(parse(&long), Err(MechanismError::TooLong { .. })));
    }
}
