//! SASL2 (XEP-0388) cases with SCRAM, channel binding (XEP-0440), SSDP (XEP-0474) and Bind 2 inline,
//! one file per area. Shared helpers here turn client errors into verdicts the same way everywhere.

mod bind2;
mod failure;
mod features;
mod scram;

use crate::case::Case;
use crate::client::login::{LoginError, tls_session};
use crate::client::{ClientError, Conn, Features, Sasl2Offer};
use crate::ctx::CaseCtx;
use crate::outcome::{Outcome, error, unsupported};

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

/// Whether an error means the server ended the stream (stream error or close).
fn terminated(e: &ClientError) -> bool {
    e.is_termination()
}

/// Describe a login error for `actual` fields.
fn describe_login(e: &LoginError) -> String {
    e.to_string()
}
