//! Bind 2 inline (XEP-0386) as seen through SASL2: a bound resource makes the authorization
//! identifier a full JID, `<bound/>` is in `<success/>`, and the resource hides the user-agent id.

use super::scram::{creds, login_failed, scram_session};
use crate::case::{Capability, Case, Module};
use crate::client::features::BIND2_NS;
use crate::client::login::login;
use crate::client::sasl2::{USER_AGENT_ID, authorization_identifier};
use crate::ctx::CaseCtx;
use crate::outcome::{Outcome, fail, pass, unsupported};
use gatecheck_proto::xml::Element;

/// Log in with an inline `<bind/>`; the authorization identifier on success, or the outcome.
async fn bound_login(ctx: &CaseCtx) -> Result<(String, Element), Outcome> {
    let (user, _) = creds(ctx)?;
    let (mut c, f, _) = scram_session(ctx).await?;
    if f.element.child("bind", BIND2_NS).is_some() {
        return Err(fail(
            "SASL2-37",
            "Bind 2 advertised only inside SASL2 <inline/>",
            f.element.to_xml(),
        ));
    }
    if f.sasl2.as_ref().and_then(|s| s.bind2()).is_none() {
        return Err(unsupported("Bind 2 is not offered inline"));
    }
    let bind = Element::new("bind", BIND2_NS)
        .with_child(Element::new("tag", BIND2_NS).with_text("gatecheck"));
    let l = login(ctx, &mut c, &f, &[bind])
        .await
        .map_err(|e| login_failed("SASL2-38", e))?;
    let authz = authorization_identifier(&l.success).ok_or_else(|| {
        fail(
            "SASL2-19",
            "<authorization-identifier/>",
            l.success.to_xml(),
        )
    })?;
    let bare = format!("{user}@{}", c.domain());
    match authz.split_once('/') {
        Some((b, r)) if b.eq_ignore_ascii_case(&bare) && !r.is_empty() => {
            Ok((r.to_owned(), l.success))
        }
        _ => Err(fail(
            "SASL2-19",
            format!("full JID {bare}/RESOURCE after an inline bind"),
            authz,
        )),
    }
}

/// The Bind 2 cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case::new("sasl2.bind2.full-jid", Module::Sasl2, "Inline bind: <bound/> in <success/>, full JID as authorization identifier")
            .cites(&["SASL2-19", "SASL2-21", "SASL2-38", "SASL2-37"])
            .requires("with an inline <bind/>, <success/> contains <bound xmlns='urn:xmpp:bind:0'/> and the authorization identifier is the full JID")
            .accepts("Bind 2 not offered: unsupported")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                match bound_login(&ctx).await {
                    Ok((_, success)) if success.child("bound", BIND2_NS).is_some() => pass(),
                    Ok((_, success)) => fail("SASL2-21", "<bound/> inside <success/>", success.to_xml()),
                    Err(o) => o,
                }
            }),
        Case::new("sasl2.bind2.resource-hides-user-agent", Module::Sasl2, "The generated resource does not contain the user-agent id")
            .cites(&["SASL2-39"])
            .requires("the resource Bind 2 generates MUST NOT reveal the user-agent id")
            .accepts("Bind 2 not offered: unsupported")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (resource, _) = match bound_login(&ctx).await { Ok(v) => v, Err(o) => return o };
                let r = resource.to_ascii_lowercase();
                let id = USER_AGENT_ID.to_ascii_lowercase();
                if r.contains(&id) || r.contains(&id.replace('-', "")) {
                    fail("SASL2-39", "a resource without the user-agent id", resource)
                } else {
                    pass().with_message(format!("resource {resource}"))
                }
            }),
    ]
}
