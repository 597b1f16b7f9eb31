//! SCRAM over SASL2: each offered mechanism logs in and the server signature verifies, -PLUS with each
//! advertised channel-binding type, SSDP `h=`, nonce rules, iteration count, encoding, and the
//! malformed or dishonest client messages a server must reject.

use super::{sasl2_session, setup};
use crate::case::Case;
use crate::client::Sasl2Reply;
use crate::client::login::{LoginError, best_scram, scram_hash, username_of};
use crate::client::scram::{FinalTweaks, ScramScript, ServerFirst};
use crate::ctx::CaseCtx;
use crate::outcome::{Outcome, fail, pass, unsupported};
use gatecheck_proto::sasl::scram::primitives;

mod negative;
mod positive;

/// The SCRAM cases.
pub fn cases() -> Vec<Case> {
    let mut v = positive::cases();
    v.extend(negative::cases());
    v
}

/// The account's password and username, or a skip.
pub(super) fn creds(ctx: &CaseCtx) -> Result<(String, String), Outcome> {
    ctx.account(0)
        .map(|a| (username_of(&a.jid).to_owned(), a.password.clone()))
        .ok_or_else(|| crate::outcome::skip("needs --account"))
}

/// XEP-0474 §6.1 `h`: base64(H(sorted mechanisms joined by 0x1E [0x1F sorted cb types joined by 0x1E])).
pub fn ssdp_h(mechanism: &str, mechanisms: &[String], cb_types: &[String]) -> Option<String> {
    let (hash, _) = scram_hash(mechanism)?;
    let mut m: Vec<&[u8]> = mechanisms.iter().map(|s| s.as_bytes()).collect();
    m.sort_unstable();
    let mut s = m.join(&0x1e);
    if !cb_types.is_empty() {
        let mut c: Vec<&[u8]> = cb_types.iter().map(|s| s.as_bytes()).collect();
        c.sort_unstable();
        s.push(0x1f);
        s.extend(c.join(&0x1e));
    }
    Some(crate::client::sasl2::encode_b64(&primitives::hash(
        hash, &s,
    )))
}

/// Run one exchange expected to be rejected: `first` replaces the client-first-message when given,
/// `tweaks` alter the client-final. Any `<failure/>` with one defined condition passes (the spec names
/// none for SCRAM errors); a stream error also ends the attempt and passes with a note.
async fn expect_rejected(
    ctx: &CaseCtx,
    req: &'static str,
    mech: &str,
    script: ScramScript,
    first: Option<Vec<u8>>,
    tweaks: FinalTweaks,
    c: &mut crate::client::Conn,
) -> Outcome {
    let Ok((_, password)) = creds(ctx) else {
        return crate::outcome::skip("needs --account");
    };
    ctx.step("authenticate");
    let ir = first.unwrap_or_else(|| script.client_first());
    let mut reply = match c.authenticate(mech, Some(&ir), &[]).await {
        Ok(r) => r,
        Err(e) if e.is_termination() => return pass().with_message(format!("ended with {e}")),
        Err(e) => return setup("authenticate", e),
    };
    if let Sasl2Reply::Challenge { data: Some(sf), .. } = &reply {
        let sf = match ServerFirst::parse(sf, &script.client_nonce) {
            Ok(sf) => sf,
            Err(e) => return fail("SASL2-106", "a valid server-first-message", e.to_string()),
        };
        let msg = match script.client_final(&sf, &password, &tweaks) {
            Ok((m, _)) => m,
            Err(e) => return setup("client-final", e),
        };
        ctx.step("response");
        reply = match c.respond(&msg).await {
            Ok(r) => r,
            Err(e) if e.is_termination() => return pass().with_message(format!("ended with {e}")),
            Err(e) => return setup("response", e),
        };
    }
    match &reply {
        Sasl2Reply::Failure { conditions, .. } if conditions.len() == 1 => {
            pass().with_message(format!("rejected with <{}/>", conditions.join("")))
        }
        Sasl2Reply::Failure { conditions, .. } => fail(
            "SASL2-24",
            "exactly one RFC 6120 condition in <failure/>",
            format!("{conditions:?}"),
        ),
        other => fail(req, "<failure/>", other.describe()),
    }
}

/// Open a session and pick the best plain SCRAM mechanism, or the outcome to return.
pub(super) async fn scram_session(
    ctx: &CaseCtx,
) -> Result<(crate::client::Conn, crate::client::Features, &'static str), Outcome> {
    let (c, f, _) = sasl2_session(ctx, "c1").await?;
    let mech =
        best_scram(&f).ok_or_else(|| unsupported("no SCRAM mechanism offered over SASL2"))?;
    Ok((c, f, mech))
}

/// A login error as an outcome: a wrong server signature fails SASL2-113, a rejected correct login
/// fails `req`, anything else is an error of the setup.
pub(super) fn login_failed(req: &str, e: LoginError) -> Outcome {
    match e {
        LoginError::ServerSignature(s) => fail("SASL2-113", "v= equal to ServerSignature", s),
        LoginError::Reply(r) => fail(req, "<success/> for correct credentials", r.describe()),
        LoginError::Scram(s) => fail("SASL2-106", "a valid server-first-message", s.to_string()),
        other => setup("login", other),
    }
}

/// Shared imports for the two submodules.
mod prelude {
    pub(super) use super::super::{sasl2_session, setup};
    pub(super) use super::{creds, expect_rejected, login_failed, scram_session, ssdp_h};
    pub(super) use crate::case::{Capability, Case, Module};
    pub(super) use crate::client::Sasl2Reply;
    pub(super) use crate::client::login::{binding_data, scram_exchange, script_for};
    pub(super) use crate::client::scram::{FinalTweaks, ScramScript, ServerFirst};
    pub(super) use crate::outcome::{Outcome, fail, pass, unsupported, warn};
}

#[cfg(test)]
mod tests {
    use super::ssdp_h;

    /// The digest's §3.4 table rows.
    #[test]
    fn ssdp_vectors() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            ssdp_h(
                "SCRAM-SHA-1",
                &s(&["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"]),
                &s(&["tls-server-end-point", "tls-exporter"])
            )
            .as_deref(),
            Some("G6k/rBLDqgOhRRaCuuatSDFkJ08=")
        );
        assert_eq!(
            ssdp_h("SCRAM-SHA-256", &s(&["SCRAM-SHA-256", "SCRAM-SHA-1"]), &[]).as_deref(),
            Some("0/NIECGLXv63MqTb7NyUI9Tqxi40YVZyx61umRrH924=")
        );
        assert_eq!(
            ssdp_h(
                "SCRAM-SHA-256-PLUS",
                &s(&[
                    "SCRAM-SHA-256-PLUS",
                    "PLAIN",
                    "SCRAM-SHA-1",
                    "SCRAM-SHA-256",
                    "SCRAM-SHA-1-PLUS"
                ]),
                &s(&["tls-exporter", "tls-server-end-point"])
            )
            .as_deref(),
            Some("HsVT3zgfiif56i/w96g+XTr+Rx/Yfkw1VkxOAdVb9Wk=")
        );
        assert_eq!(ssdp_h("PLAIN", &[], &[]), None);
    }
}
