//! SASL OAUTHBEARER (RFC 7628) with an issued access token, over SASL2 and RFC 6120 SASL, and
//! RFC 7009 revocation (DCR-80..82).

use super::*;

pub(super) fn all() -> Vec<Case> {
    vec![
        LOGIN.with(login_with_token),
        REVOKED.with(revoked),
        REVOKE_UNKNOWN.with(revoke_unknown),
    ]
}

/// The OAUTHBEARER initial response for `jid` (RFC 7628 §3.1): GS2 header with the authzid,
/// then `auth=Bearer TOKEN` between ^A separators.
fn initial_response(jid: &str, token: &str) -> Vec<u8> {
    format!("n,a={jid},\x01auth=Bearer {token}\x01\x01").into_bytes()
}

/// How an OAUTHBEARER attempt ended.
enum Bearer {
    /// `<success/>`.
    Success,
    /// `<failure/>` (directly, or after the RFC 7628 §3.2.2 error challenge and the `^A` reply).
    Refused(String),
}

/// Authenticate with OAUTHBEARER over this variant's profile; `unsupported` when not offered.
async fn bearer_login(ctx: &CaseCtx, token: &str) -> Flow<Bearer> {
    let p = profile(ctx);
    let jid = ctx
        .account(0)
        .map(|a| a.jid.clone())
        .ok_or_else(|| skip("needs --account"))?;
    ctx.step(&format!("open TLS stream ({})", p.title()));
    let (mut c, f) = tls_session(ctx, "c1")
        .await
        .or_setup("opening a TLS-protected stream")?;
    if !p.offered(&f) {
        return Err(unsupported(format!("{} not offered after TLS", p.title())));
    }
    if !p.offers(&f, "OAUTHBEARER") {
        return Err(unsupported(format!(
            "OAUTHBEARER not offered over {}",
            p.title()
        )));
    }
    ctx.step("OAUTHBEARER");
    let extra: Vec<Element> = Vec::new();
    let reply = c
        .start_auth(
            p,
            "OAUTHBEARER",
            Some(&initial_response(&jid, token)),
            &extra,
        )
        .await;
    let reply = match reply {
        Ok(r) => r,
        Err(e) if e.is_termination() => return Ok(Bearer::Refused(e.to_string())),
        Err(e) => return Err(setup("OAUTHBEARER", e)),
    };
    match reply {
        Sasl2Reply::Success(_) => Ok(Bearer::Success),
        Sasl2Reply::Failure { conditions, .. } => {
            Ok(Bearer::Refused(format!("<failure/> {conditions:?}")))
        }
        Sasl2Reply::Challenge { data, .. } => {
            ctx.note(&format!(
                "error challenge: {}",
                String::from_utf8_lossy(data.as_deref().unwrap_or_default())
            ));
            match c.respond_in(p, b"\x01").await {
                Ok(Sasl2Reply::Failure { conditions, .. }) => Ok(Bearer::Refused(format!(
                    "challenge, then <failure/> {conditions:?}"
                ))),
                Ok(Sasl2Reply::Success(_)) => Ok(Bearer::Success),
                Ok(other) => Err(fail(
                    "DCR-81",
                    "<failure/> after the error challenge",
                    other.describe(),
                )),
                Err(e) if e.is_termination() => Ok(Bearer::Refused(e.to_string())),
                Err(e) => Err(setup("OAUTHBEARER", e)),
            }
        }
        other => Err(fail("DCR-80", "<success/> or <failure/>", other.describe())),
    }
}

const LOGIN: Spec = Spec {
    id: "oauth2.oauthbearer.login",
    title: "The issued access token logs in over XMPP with OAUTHBEARER",
    cites: &["DCR-80"],
    requires: "an access token the server issued authenticates its account with SASL OAUTHBEARER (RFC 7628 §3.2)",
    profiles: &[Profile::Sasl, Profile::Sasl2],
    ..OAUTH2
};

async fn login_with_token(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    // Find out first whether the stream offers it, so a target without OAUTHBEARER is not asked
    // to issue tokens for nothing.
    let p = profile(&ctx);
    let (_c, f) = tls_session(&ctx, "probe")
        .await
        .or_setup("opening a TLS-protected stream")?;
    if !p.offered(&f) || !p.offers(&f, "OAUTHBEARER") {
        return Ok(unsupported(format!(
            "OAUTHBEARER not offered over {}",
            p.title()
        )));
    }
    let (_client, t) = issued(&ctx, &o).await?;
    Ok(match bearer_login(&ctx, &t.access).await? {
        Bearer::Success => pass(),
        Bearer::Refused(why) => fail("DCR-80", "<success/> for the issued token", why),
    })
}

const REVOKED: Spec = Spec {
    id: "oauth2.oauthbearer.revoked",
    title: "A revoked access token is refused by OAUTHBEARER",
    cites: &["DCR-81", "DCR-82"],
    requires: "revocation answers 200 and invalidates the token at once (RFC 7009 §2.1–2.2); OAUTHBEARER then fails (RFC 7628 §3.2.2)",
    profiles: &[Profile::Sasl, Profile::Sasl2],
    negative: true,
    ..OAUTH2
};

async fn revoked(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let revoke = o.endpoint("revocation_endpoint")?;
    let p = profile(&ctx);
    let (_c, f) = tls_session(&ctx, "probe")
        .await
        .or_setup("opening a TLS-protected stream")?;
    if !p.offered(&f) || !p.offers(&f, "OAUTHBEARER") {
        return Ok(unsupported(format!(
            "OAUTHBEARER not offered over {}",
            p.title()
        )));
    }
    let (client, t) = issued(&ctx, &o).await?;
    ctx.step("revoke the access token");
    let secret = client.secret.clone().unwrap_or_default();
    let req = token_request(
        &revoke,
        &[("token", &t.access), ("token_type_hint", "access_token")],
        auth_for(&o),
        &client.id,
        &secret,
    );
    let r = o
        .http
        .send(&req)
        .await
        .map_err(|e| fail("DCR-82", "200 from the revocation endpoint", e.to_string()))?;
    if r.status != 200 {
        return Ok(fail(
            "DCR-82",
            "200 from the revocation endpoint",
            r.summary(),
        ));
    }
    Ok(match bearer_login(&ctx, &t.access).await? {
        Bearer::Success => fail(
            "DCR-81",
            "<failure/> for a revoked token",
            "<success/>: the revoked token logged in",
        ),
        Bearer::Refused(_) => pass(),
    })
}

const REVOKE_UNKNOWN: Spec = Spec {
    id: "oauth2.revoke.unknown-token",
    title: "Revoking an unknown token answers 200",
    cites: &["DCR-82"],
    requires: "invalid tokens do not cause an error response: the revocation endpoint answers 200 (RFC 7009 §2.2)",
    negative: true,
    ..OAUTH2
};

async fn revoke_unknown(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let revoke = o.endpoint("revocation_endpoint")?;
    let client = standard_client(&ctx, &o).await?;
    let secret = client.secret.clone().unwrap_or_default();
    let req = token_request(
        &revoke,
        &[("token", "gatecheck-no-such-token")],
        auth_for(&o),
        &client.id,
        &secret,
    );
    let r = o
        .http
        .send(&req)
        .await
        .map_err(|e| fail("DCR-82", "200", e.to_string()))?;
    Ok(if r.status == 200 {
        pass()
    } else {
        fail("DCR-82", "200 for an unknown token", r.summary())
    })
}
