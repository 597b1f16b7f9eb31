//! OAuth2 on the XMPP side: SASL OAUTHBEARER (RFC 7628) with the access tokens the HTTP core
//! (`crate::http`, this module's transport) issues. Offered on TLS streams only, in SASL2 and in
//! RFC 6120 SASL. A live access token logs in as its account (an `a=` authzid must name that
//! account; the session enforces it as for every mechanism, SASL2-10); a revoked, expired or
//! unknown token fails with `not-authorized` after the same work as a valid one (one SHA-256 and
//! one indexed lookup).

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use gatecheck_proto::sasl::{Mechanism, SaslCondition};

use crate::breaks::Break;
use crate::module::{Module, OfferContext};
use crate::sasl::mechanism::{MechanismContext, MechanismFailure, MechanismStep, ServerMechanism};
use crate::store::{Store, TokenKind};

/// The module: offers OAUTHBEARER and starts attempts against the token table.
pub struct OAuth2 {
    store: Arc<dyn Store>,
}

impl OAuth2 {
    /// The module over `store` (where the HTTP core keeps the tokens).
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

impl Module for OAuth2 {
    fn name(&self) -> &'static str {
        "oauth2"
    }

    fn mechanisms(&self, cx: &OfferContext<'_>) -> Vec<Mechanism> {
        // RFC 7628 §5: bearer tokens only over TLS.
        if cx.tls.is_some() {
            vec![Mechanism::OAuthBearer]
        } else {
            Vec::new()
        }
    }

    fn start_mechanism(
        &self,
        mechanism: Mechanism,
        cx: &MechanismContext,
    ) -> Option<Box<dyn ServerMechanism>> {
        (mechanism == Mechanism::OAuthBearer).then(|| {
            Box::new(Bearer {
                store: self.store.clone(),
                cx: cx.clone(),
                done: false,
            }) as Box<dyn ServerMechanism>
        })
    }
}

/// A parsed OAUTHBEARER initial client response (RFC 7628 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerResponse {
    /// The gs2 `a=` authorization identity, decoded.
    pub authzid: Option<String>,
    /// The bearer token (RFC 6750 b64token).
    pub token: String,
}

/// Parses `gs2-header %x01 *(key "=" value %x01) %x01`. Channel binding (`p=`) is refused, as
/// RFC 7628 defines none.
pub fn parse(msg: &[u8]) -> Option<BearerResponse> {
    let text = std::str::from_utf8(msg).ok()?;
    let rest = text
        .strip_prefix("n,")
        .or_else(|| text.strip_prefix("y,"))?;
    let (authz, rest) = rest.split_once(',')?;
    let authzid = match authz {
        "" => None,
        a => Some(decode_saslname(a.strip_prefix("a=")?)?),
    };
    let body = rest.strip_prefix('\u{1}')?.strip_suffix("\u{1}\u{1}")?;
    let mut token = None;
    for pair in body.split('\u{1}') {
        let (k, v) = pair.split_once('=')?;
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        if k == "auth" {
            if token.is_some() {
                return None;
            }
            let (scheme, t) = v.split_once(' ')?;
            if !scheme.eq_ignore_ascii_case("bearer") {
                return None;
            }
            let t = t.trim_start_matches(' ');
            let token68 = |b: u8| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b);
            let body_len = t.trim_end_matches('=').len();
            if body_len == 0 || !t.as_bytes()[..body_len].iter().all(|&b| token68(b)) {
                return None;
            }
            token = Some(t.to_owned());
        }
    }
    Some(BearerResponse {
        authzid,
        token: token?,
    })
}

/// RFC 5801 saslname: `=2C` is `,`, `=3D` is `=`, any other `=` is malformed.
fn decode_saslname(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        match rest.get(i..i + 3) {
            Some("=2C") => out.push(','),
            Some("=3D") => out.push('='),
            _ => return None,
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    (!out.is_empty()).then_some(out)
}

struct Bearer {
    store: Arc<dyn Store>,
    cx: MechanismContext,
    done: bool,
}

impl ServerMechanism for Bearer {
    fn step(&mut self, input: Option<&[u8]>) -> Result<MechanismStep, MechanismFailure> {
        let Some(msg) = input else {
            // Client-first mechanism: ask for the initial response once.
            return if self.done {
                Err(MechanismFailure::new(SaslCondition::MalformedRequest))
            } else {
                self.done = true;
                Ok(MechanismStep::Challenge(Vec::new()))
            };
        };
        self.done = true;
        let parsed = parse(msg).ok_or(MechanismFailure::new(SaslCondition::MalformedRequest))?;
        let hash = crate::http::sha256_hex(parsed.token.as_bytes());
        let row = self
            .store
            .oauth2_token_get(&hash)
            .map_err(|_| MechanismFailure::new(SaslCondition::TemporaryAuthFailure))?;
        let now = self
            .cx
            .env
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let Some(t) = row else {
            return Err(MechanismFailure::new(SaslCondition::NotAuthorized));
        };
        let revoked_ok = !t.revoked || self.cx.breaks.has(Break::DcrRevokedTokenLogsIn);
        if t.kind != TokenKind::Access || !revoked_ok || now >= t.expires_at {
            return Err(MechanismFailure::new(SaslCondition::NotAuthorized));
        }
        Ok(MechanismStep::Success {
            username: t.username,
            authzid: parsed.authzid,
            additional_data: None,
            renewal_due: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc7628_examples() {
        let m = parse(b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01").unwrap();
        assert_eq!(m.authzid.as_deref(), Some("user@example.com"));
        assert_eq!(m.token, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
        let m = parse(b"n,,\x01auth=bearer tok\x01\x01").unwrap();
        assert_eq!((m.authzid, m.token.as_str()), (None, "tok"));
        assert_eq!(
            parse(b"n,a=a=3Db=2Cc,\x01auth=Bearer t\x01\x01")
                .unwrap()
                .authzid
                .as_deref(),
            Some("a=b,c")
        );
        for bad in [
            &b"\x01"[..],
            b"p=tls-unique,,\x01auth=Bearer t\x01\x01",
            b"n,,\x01auth=Basic t\x01\x01",
            b"n,,\x01auth=Bearer \x01\x01",
            b"n,,\x01auth=Bearer t t\x01\x01",
            b"n,,\x01host=x\x01\x01",
            b"n,,\x01auth=Bearer t\x01",
            b"n,a=x=41,\x01auth=Bearer t\x01\x01",
            b"n,,\x01auth=Bearer t\x01auth=Bearer u\x01\x01",
            b"",
            b"\xff",
        ] {
            assert_eq!(parse(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }
}
