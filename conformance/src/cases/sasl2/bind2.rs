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
    bound_login_as(ctx, USER_AGENT_ID).await
}

/// [`bound_login`] with the user-agent id `ua_id`.
async fn bound_login_as(ctx: &CaseCtx, ua_id: &str) -> Flow<(String, Element)> {
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
    let (user, password) = creds(ctx)?;
    let mech = best_scram(&f).ok_or_else(|| unsupported("no SCRAM offered"))?;
    let script = script_for(&c, mech, &user, None).or_setup("script")?;
    let bind: Element = build::bind2().tag(build::BIND2_TAG).into();
    let auth: Element = build::authenticate(mech)
        .initial_response(&script.client_first())
        .user_agent_id(ua_id)
        .inline([bind])
        .into();
    ctx.step("authenticate with an inline bind");
    let sf = match c.send(&auth).await {
        Err(e) => return Err(setup("send", e)),
        Ok(()) => match c.sasl2_reply().await {
            Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => d,
            Ok(other) => return Err(fail("SASL2-38", "a challenge", other.describe())),
            Err(e) => return Err(unanswered(ctx, "SASL2-38", "a challenge", &e, false)),
        },
    };
    let sf = ServerFirst::parse(&sf, &script.client_nonce)
        .map_err(|e| fail("SASL2-106", "a valid server-first-message", e.to_string()))?;
    let (fin, _) = script
        .client_final(&sf, &password, &FinalTweaks::default())
        .or_setup("client-final")?;
    let success = match c.respond(&fin).await {
        Ok(Sasl2Reply::Success(s)) => s,
        Ok(other) => return Err(fail("SASL2-38", "<success/>", other.describe())),
        Err(e) => return Err(unanswered(ctx, "SASL2-38", "<success/>", &e, false)),
    };
    let l = gatecheck_client::Login {
        success,
        server_first: sf,
    };
    let authz = authorization_identifier(&l.success).ok_or_else(|| {
        fail(
            "SASL2-19",
            "<authorization-identifier/>",
            l.success.to_xml(),
        )
    })?;
    let bare = format!("{user}@{}", c.domain());
    if gatecheck_proto::jid::Jid::parse(&authz).is_err() {
        return Err(fail("SASL2-19", "a valid full JID (RFC 7622)", authz));
    }
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
    title: "The generated resource reveals neither the user-agent id nor the software",
    cites: &["SASL2-39", "SASL2-12"],
    requires: "the resource Bind 2 generates MUST NOT reveal the user-agent id, in any form (an \
               8-hex-digit piece of it, a hash of it, its base64), and MUST NOT expose the \
               user-agent software or device (the resource is visible to every contact); \
               checked with two different ids",
    accepts: &["Bind 2 not offered: unsupported"],
    needs: &[Capability::Account],
    ..SASL2
};

/// The forms of user-agent id `id` a resource must not contain (lower case): every 8-hex-digit
/// window of its 32 hex digits, the first 16 hex digits of SHA-1/SHA-256/SHA-512 over the text
/// and over the 16 raw bytes, and the first 11 characters of its base64/base64url.
fn id_forms(id: &str) -> Vec<(String, String)> {
    use gatecheck_proto::sasl::ScramHash;
    use gatecheck_proto::sasl::scram::primitives::hash;
    let hexd: String = id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut v = Vec::new();
    for i in 0..hexd.len().saturating_sub(7) {
        if let Some(w) = hexd.get(i..i + 8) {
            v.push((w.to_owned(), format!("hex digits {i}..{} of the id", i + 8)));
        }
    }
    let raw: Vec<u8> = (0..hexd.len() / 2)
        .filter_map(|i| u8::from_str_radix(hexd.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let hexof = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    for h in ScramHash::ALL {
        for (what, input) in [
            ("text", id.to_ascii_lowercase().into_bytes()),
            ("bytes", raw.clone()),
        ] {
            let d = hexof(&hash(h, &input));
            v.push((d[..16].to_owned(), format!("{} of the id {what}", h.name())));
        }
    }
    let b64 = encode_b64(&raw);
    let short = b64
        .chars()
        .take(11)
        .collect::<String>()
        .to_ascii_lowercase();
    v.push((short.clone(), "base64 of the id bytes".into()));
    v.push((
        short.replace('+', "-").replace('/', "_"),
        "base64url of the id bytes".into(),
    ));
    v
}

/// The first leak of `id` (or of the kit's software/device strings) in `resource`.
fn leak(resource: &str, id: &str) -> Option<(&'static str, String)> {
    let r = resource.to_ascii_lowercase();
    for (needle, what) in id_forms(id) {
        if r.contains(&needle) {
            return Some(("SASL2-39", format!("{what} ({needle})")));
        }
    }
    for s in [build::software(), build::device()] {
        if r.contains(&s.to_ascii_lowercase()) {
            return Some(("SASL2-12", format!("the user-agent string {s}")));
        }
        // The random part alone (the prefix may be dropped or rewritten).
        if let Some((_, tail)) = s.split_once('-')
            && r.contains(tail)
        {
            return Some(("SASL2-12", format!("the random part of {s}")));
        }
    }
    None
}

async fn resource_hides_user_agent(ctx: CaseCtx) -> Flow {
    let second = "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a";
    let mut seen = Vec::new();
    for id in [USER_AGENT_ID, second] {
        let (resource, _) = bound_login_as(&ctx, id).await?;
        if let Some((req, what)) = leak(&resource, id) {
            let expected = "a resource without the user-agent id, software or device";
            return Ok(fail(req, expected, format!("{resource}: contains {what}")));
        }
        seen.push(resource);
    }
    Ok(pass().with_message(format!("resources {seen:?}")))
}

#[cfg(test)]
mod tests {
    use super::leak;

    #[test]
    fn finds_partial_and_transformed_leaks() {
        let id = "5f3c1e9a-7b2d-4c8e-9a61-3d2f4b8c0e17";
        assert!(leak("gctag.5f3c1e9a", id).is_some());
        assert!(leak("gctag.7b2d4c8e", id).is_some());
        assert!(leak("gctag.c8e9a613", id).is_some());
        assert!(leak("gctag.x9q2", id).is_none());
        assert!(leak("gctag", id).is_none());
    }
}
