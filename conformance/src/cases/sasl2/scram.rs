//! SCRAM over SASL2: each offered mechanism logs in and the server signature verifies, -PLUS with
//! each advertised channel-binding type, SSDP `h=`, nonce rules, iteration count, encoding, and the
//! malformed or dishonest client messages a server must reject.

use crate::cases::prelude::*;
use gatecheck_client::login::scram_hash;
use gatecheck_proto::sasl::{ScramHash, ssdp};

mod negative;
mod positive;

/// The SCRAM cases, in registry order.
pub fn cases() -> Vec<Case> {
    let mut v = positive::cases();
    v.extend(negative::cases());
    v
}

/// The hash of a SCRAM mechanism name (SHA-256 for anything else, which the callers never pass).
fn hash_of(mech: &str) -> ScramHash {
    scram_hash(mech).map_or(ScramHash::Sha256, |(h, _)| h)
}

/// The XEP-0474 `h=` a server offering `mechanisms` and `cb_types` sends with `mechanism`.
fn ssdp_h(mechanism: &str, mechanisms: &[String], cb_types: &[String]) -> Option<String> {
    let (hash, _) = scram_hash(mechanism)?;
    Some(ssdp::downgrade_hash(hash, mechanisms, cb_types))
}

/// Run one exchange expected to be rejected: `first` replaces the client-first-message when given,
/// `tweaks` alter the client-final. Any `<failure/>` with one defined condition passes (the spec
/// names none for SCRAM errors); a stream error also ends the attempt and passes with a note.
async fn expect_rejected(
    ctx: &CaseCtx,
    req: &'static str,
    mech: &str,
    script: ScramScript,
    first: Option<Vec<u8>>,
    tweaks: FinalTweaks,
    c: &mut Conn,
) -> Flow {
    let (_, password) = creds(ctx)?;
    ctx.step("authenticate");
    let ir = first.unwrap_or_else(|| script.client_first());
    let mut reply = match c.authenticate(mech, Some(&ir), &[]).await {
        Ok(r) => r,
        Err(e) if e.is_termination() => return Ok(ended(&e)),
        Err(e) => return Err(setup("authenticate", e)),
    };
    if let Sasl2Reply::Challenge { data: Some(sf), .. } = &reply {
        let sf = ServerFirst::parse(sf, &script.client_nonce)
            .map_err(|e| fail("SASL2-106", "a valid server-first-message", e.to_string()))?;
        let (msg, _) = script
            .client_final(&sf, &password, &tweaks)
            .or_setup("client-final")?;
        ctx.step("response");
        reply = match c.respond(&msg).await {
            Ok(r) => r,
            Err(e) if e.is_termination() => return Ok(ended(&e)),
            Err(e) => return Err(setup("response", e)),
        };
    }
    Ok(match &reply {
        Sasl2Reply::Failure { conditions, .. } if conditions.len() == 1 => {
            pass().with_message(format!("rejected with <{}/>", conditions.join("")))
        }
        Sasl2Reply::Failure { conditions, .. } => fail(
            "SASL2-24",
            "exactly one RFC 6120 condition in <failure/>",
            format!("{conditions:?}"),
        ),
        other => fail(req, "<failure/>", other.describe()),
    })
}

/// Start an exchange and return the parsed server-first-message.
async fn server_first(c: &mut Conn, mech: &str, user: &str) -> Option<ServerFirst> {
    let script = ScramScript::new(hash_of(mech), user);
    match c
        .authenticate(mech, Some(&script.client_first()), &[])
        .await
    {
        Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => {
            ServerFirst::parse(&d, &script.client_nonce).ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::ssdp_h;

    /// The digest's §3.4 row for SCRAM-SHA-1, through the mechanism-name lookup.
    #[test]
    fn ssdp_uses_the_mechanisms_hash() {
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
        assert_eq!(ssdp_h("PLAIN", &[], &[]), None);
    }
}
