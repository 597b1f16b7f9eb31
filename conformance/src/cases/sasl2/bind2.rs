//! Bind 2 inline (XEP-0386) as seen through SASL2: a bound resource makes the authorization
//! identifier a full JID, `<bound/>` is in `<success/>`, and the resource hides the user-agent id.

use super::SASL2;
use crate::cases::prelude::*;

/// The Bind 2 cases, in registry order.
pub fn cases() -> Vec<Case> {
    vec![
        FULL_JID.with(full_jid),
        RESOURCE_HIDES_USER_AGENT.with(resource_hides_user_agent),
    ]
}

/// Log in with an inline `<bind/>`; the generated resource and the `<success/>` element.
async fn bound_login(ctx: &CaseCtx) -> Flow<(String, Element)> {
    let (user, _) = creds(ctx)?;
    let (mut c, f, _) = scram_session(ctx).await?;
    if f.element.child("bind", ns::BIND2).is_some() {
        return Err(fail(
            "SASL2-37",
            "Bind 2 advertised only inside SASL2 <inline/>",
            f.element.to_xml(),
        ));
    }
    if f.sasl2.as_ref().and_then(|s| s.bind2()).is_none() {
        return Err(unsupported("Bind 2 is not offered inline"));
    }
    let bind = build::bind2().tag("gatecheck").into();
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

const FULL_JID: Spec = Spec {
    id: "sasl2.bind2.full-jid",
    title: "Inline bind: <bound/> in <success/>, full JID as authorization identifier",
    cites: &["SASL2-19", "SASL2-21", "SASL2-38", "SASL2-37"],
    requires: "with an inline <bind/>, <success/> contains a Bind 2 <bound/> and the \
               authorization identifier is the full JID",
    accepts: &["Bind 2 not offered: unsupported"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn full_jid(ctx: CaseCtx) -> Flow {
    let (_, success) = bound_login(&ctx).await?;
    Ok(match success.child("bound", ns::BIND2) {
        Some(_) => pass(),
        None => fail("SASL2-21", "<bound/> inside <success/>", success.to_xml()),
    })
}

const RESOURCE_HIDES_USER_AGENT: Spec = Spec {
    id: "sasl2.bind2.resource-hides-user-agent",
    title: "The generated resource does not contain the user-agent id",
    cites: &["SASL2-39"],
    requires: "the resource Bind 2 generates MUST NOT reveal the user-agent id",
    accepts: &["Bind 2 not offered: unsupported"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn resource_hides_user_agent(ctx: CaseCtx) -> Flow {
    let (resource, _) = bound_login(&ctx).await?;
    let r = resource.to_ascii_lowercase();
    let id = USER_AGENT_ID.to_ascii_lowercase();
    Ok(if r.contains(&id) || r.contains(&id.replace('-', "")) {
        fail("SASL2-39", "a resource without the user-agent id", resource)
    } else {
        pass().with_message(format!("resource {resource}"))
    })
}
