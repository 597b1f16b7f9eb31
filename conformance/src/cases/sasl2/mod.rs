//! SASL2 (XEP-0388) cases with SCRAM, channel binding (XEP-0440), SSDP (XEP-0474) and Bind 2 inline,
//! one file per area. Shared helpers here turn client errors into verdicts the same way everywhere.

mod bind2;
mod failure;
mod features;
mod scram;

use crate::case::Case;
use crate::client::login::tls_session;
use crate::client::{ClientError, Conn, Features, Sasl2Offer, Sasl2Reply};
use crate::ctx::CaseCtx;
use crate::outcome::{Outcome, error, fail, pass, unsupported};
use gatecheck_proto::sasl::SaslCondition;

/// Every SASL2 case, in registry order.
pub fn all() -> Vec<Case> {
    let mut v = features::cases();
    v.extend(scram::cases());
    v.extend(failure::cases());
    v.extend(bind2::cases());
    v
}

/// A step before the one under test went wrong: the case could not run.
fn setup(step: &str, e: impl std::fmt::Display) -> Outcome {
    error(format!("{step}: {e}"))
}

/// Open a TLS-protected stream and require the SASL2 offer; `Err` carries the outcome to return
/// (`unsupported` when the server does not offer SASL2 at all).
async fn sasl2_session(
    ctx: &CaseCtx,
    label: &str,
) -> Result<(Conn, Features, Sasl2Offer), Outcome> {
    ctx.step("open TLS stream");
    let (c, f) = tls_session(ctx, label)
        .await
        .map_err(|e| setup("opening a TLS-protected stream", e))?;
    match f.sasl2.clone() {
        Some(s) => Ok((c, f, s)),
        None => Err(unsupported(
            "no <authentication xmlns='urn:xmpp:sasl:2'/> in the features after TLS",
        )),
    }
}

/// Open a TLS-protected stream whose (post-TLS) header carries `from`, with its SASL2 offer.
async fn session_from(
    ctx: &CaseCtx,
    label: &str,
    from: &str,
) -> Result<(Conn, Features, Sasl2Offer), Outcome> {
    ctx.step(&format!("open TLS stream from {from}"));
    let open = async {
        let mut c = Conn::open(ctx, label).await?;
        if c.tls().is_none() {
            c.open_stream(None).await?;
            c.features_element().await?;
            c.negotiate_tls().await?;
        }
        c.open_stream(Some(from)).await?;
        let f = Features::parse(&c.features_element().await?);
        Ok::<_, ClientError>((c, f))
    };
    let (c, f) = open.await.map_err(|e| setup("opening the stream", e))?;
    match f.sasl2.clone() {
        Some(s) => Ok((c, f, s)),
        None => Err(unsupported("no SASL2 offer after TLS")),
    }
}

/// Judge a `<failure/>` against SASL2-24: exactly one child in the RFC 6120 SASL namespace that is a
/// defined condition. `expected` is the condition the digest marks as a [note]: another defined one
/// passes with a note.
fn judge_failure(reply: &Sasl2Reply, expected: Option<&str>, req_if_not_failure: &str) -> Outcome {
    match reply {
        Sasl2Reply::Failure { conditions, .. } => match conditions.as_slice() {
            [one] if one.parse::<SaslCondition>().is_err() => fail(
                "SASL2-24",
                "an RFC 6120 §6.5 condition",
                format!("<{one}/>"),
            ),
            [one] => match expected {
                Some(e) if e != one => pass().with_message(format!(
                    "<{one}/> instead of the suggested <{e}/> (the condition is not mandated)"
                )),
                _ => pass(),
            },
            other => fail(
                "SASL2-24",
                "exactly one condition in urn:ietf:params:xml:ns:xmpp-sasl",
                format!("{other:?}"),
            ),
        },
        other => fail(req_if_not_failure, "<failure/>", other.describe()),
    }
}
