//! The account a SASL message claims, read before the mechanism runs, so the failure budget
//! ([`crate::c2s::budget`]) can refuse an exhausted account without running the expensive step.
//! Best effort: a message this cannot read claims nothing (the address budget still applies) and
//! the mechanism itself still validates everything.

use gatecheck_proto::sasl::{Mechanism, plain};

/// The normalised (lower-case) account named by `input`, the first client message of
/// `mechanism`: PLAIN's authcid, SCRAM client-first's `n=`, HT-*'s authcid before the first NUL.
/// OAUTHBEARER names its account through the token, so it claims nothing here.
pub fn claimed_username(mechanism: Mechanism, input: &[u8]) -> Option<String> {
    let name = match mechanism {
        Mechanism::Plain => plain::parse(input).ok()?.authcid,
        Mechanism::Scram { .. } => {
            // gs2-header = cbind-flag "," [authzid] "," ; then "n=" saslname ","
            let text = std::str::from_utf8(input).ok()?;
            let mut parts = text.splitn(4, ',');
            let (_flag, _authzid, n) = (parts.next()?, parts.next()?, parts.next()?);
            n.strip_prefix("n=")?
                .replace("=2C", ",")
                .replace("=3D", "=")
        }
        Mechanism::HtSha256(_) => {
            let end = input.iter().position(|&b| b == 0)?;
            String::from_utf8(input[..end].to_vec()).ok()?
        }
        Mechanism::OAuthBearer => return None,
    };
    (!name.is_empty()).then(|| name.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::sasl::ScramHash;

    #[test]
    fn claims() {
        let scram = Mechanism::Scram {
            hash: ScramHash::Sha256,
            plus: false,
        };
        assert_eq!(
            claimed_username(scram, b"n,,n=Alice,r=abc").as_deref(),
            Some("alice")
        );
        assert_eq!(
            claimed_username(scram, b"p=tls-exporter,a=x@y,n=a=2Cb,r=abc").as_deref(),
            Some("a,b")
        );
        assert_eq!(claimed_username(scram, b"garbage"), None);
        assert_eq!(
            claimed_username(Mechanism::Plain, &plain::build(None, "Bob", "pw")).as_deref(),
            Some("bob")
        );
        assert_eq!(
            claimed_username(Mechanism::HtSha256(None), b"carol\0mac").as_deref(),
            Some("carol")
        );
        assert_eq!(
            claimed_username(Mechanism::OAuthBearer, b"n,,\x01auth=x"),
            None
        );
    }
}
