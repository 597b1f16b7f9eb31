//! Failures and stream discipline: invalid mechanism, wrong password, retry, abort, bad base64,
//! empty vs absent initial response, authzid rules, inline requests of a failed attempt, stanzas
//! during authentication and a second `<authenticate/>`.

use super::SASL2;
use crate::cases::prelude::*;

/// The failure cases, in registry order.
pub fn cases() -> Vec<Case> {
    vec![
        INVALID_MECHANISM.with(invalid_mechanism),
        WRONG_PASSWORD.with(wrong_password),
        RETRY_SAME_STREAM.with(retry_same_stream),
        ABORT.with(abort),
        MID_AUTH_STANZA.with(mid_auth_stanza),
        SECOND_AUTHENTICATE.with(second_authenticate),
        BAD_BASE64.with(bad_base64),
        EMPTY_VS_ABSENT_IR.with(empty_vs_absent_ir),
        AUTHZID_MISMATCH.with(authzid_mismatch),
        AUTHZID_NORMALISED.with(authzid_normalised),
        INLINE_NOT_PROCESSED.with(inline_not_processed),
    ]
}

/// A wrong-password SCRAM attempt on `c`, with `extra` inline requests; returns the reply.
async fn wrong_password_attempt(
    ctx: &CaseCtx,
    c: &mut Conn,
    mech: &str,
    extra: &[Element],
) -> Flow<Sasl2Reply> {
    let (user, password) = creds(ctx)?;
    let script = script_for(c, mech, &user, None).or_setup("script")?;
    let wrong = format!("{password}-gatecheck-wrong");
    match scram_exchange(c, mech, &script, &wrong, &FinalTweaks::default(), extra).await {
        Ok(l) => Err(fail(
            "SASL2-112",
            "<failure/> for a wrong password",
            l.success.to_xml(),
        )),
        Err(LoginError::Reply(r)) => Ok(r),
        Err(e) => Err(setup("wrong-password attempt", e)),
    }
}

const INVALID_MECHANISM: Spec = Spec {
    id: "sasl2.failure.invalid-mechanism",
    title: "An unadvertised mechanism fails",
    cites: &["SASL2-9"],
    requires: "<authenticate/> naming a mechanism not advertised MUST fail",
    accepts: &[
        "any defined condition; <invalid-mechanism/> is the RFC 6120 match but the XEP \
                names none ([note])",
    ],
    ..SASL2
};

async fn invalid_mechanism(ctx: CaseCtx) -> Flow {
    let (mut c, _, _) = sasl2_session(&ctx, "c1").await?;
    Ok(
        match c.authenticate("X-GATECHECK-BOGUS", Some(b"x"), &[]).await {
            Ok(r) => judge_failure(&r, Some("invalid-mechanism"), "SASL2-9"),
            Err(e) if e.is_termination() => ended(&e),
            Err(e) => setup("authenticate", e),
        },
    )
}

const WRONG_PASSWORD: Spec = Spec {
    id: "sasl2.failure.wrong-password",
    title: "Wrong password: failure with exactly one SASL condition",
    cites: &["SASL2-24", "SASL2-25", "SASL2-112"],
    requires: "<failure/> holds exactly one RFC 6120 condition in the SASL namespace; <text/> \
               and foreign elements are allowed",
    accepts: &["a defined condition other than <not-authorized/>, pass with note"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn wrong_password(ctx: CaseCtx) -> Flow {
    let (mut c, _, mech) = scram_session(&ctx).await?;
    let r = wrong_password_attempt(&ctx, &mut c, mech, &[]).await?;
    Ok(judge_failure(&r, Some("not-authorized"), "SASL2-112"))
}

const RETRY_SAME_STREAM: Spec = Spec {
    id: "sasl2.failure.retry-same-stream",
    title: "After a failure the same stream can authenticate",
    cites: &["SASL2-27"],
    requires: "after <failure/> the stream stays usable for a new <authenticate/> (RFC 6120 \
               §6.4.5: at least 2 retries SHOULD be allowed)",
    needs: &[Capability::Account],
    ..SASL2
};

async fn retry_same_stream(ctx: CaseCtx) -> Flow {
    let (mut c, f, mech) = scram_session(&ctx).await?;
    wrong_password_attempt(&ctx, &mut c, mech, &[]).await?;
    Ok(match login(&ctx, &mut c, &f, &[]).await {
        Ok(_) => pass(),
        Err(e) => warn(
            "SASL2-27",
            "<success/> on the retry",
            e.to_string(),
            "clients must reconnect after a typo",
        ),
    })
}

const ABORT: Spec = Spec {
    id: "sasl2.failure.abort",
    title: "Client abort ends the attempt with <aborted/>",
    cites: &["SASL2-31"],
    requires: "<abort/> ends the attempt with <failure/>; the stream stays unauthenticated",
    accepts: &["a defined condition other than <aborted/> ([note] in the digest), pass with note"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn abort(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let (mut c, _, mech) = scram_session(&ctx).await?;
    let script = script_for(&c, mech, &user, None).or_setup("script")?;
    match c
        .authenticate(mech, Some(&script.client_first()), &[])
        .await
    {
        Ok(Sasl2Reply::Challenge { .. }) => {}
        Ok(other) => return Err(setup("authenticate", other.describe())),
        Err(e) => return Err(setup("authenticate", e)),
    }
    Ok(match c.abort().await {
        Ok(r) => judge_failure(&r, Some("aborted"), "SASL2-31"),
        Err(e) => fail("SASL2-31", "<failure><aborted/></failure>", e.to_string()),
    })
}

const MID_AUTH_STANZA: Spec = Spec {
    id: "sasl2.failure.mid-auth-stanza",
    title: "A stanza during authentication: stream error and close",
    cites: &["SASL2-16"],
    requires: "a client sending anything but <response/>/<abort/> mid-authentication MUST be \
               disconnected (stream error, then close)",
    accepts: &[
        "any stream error condition ([note]: policy-violation or not-authorized are \
                typical)",
    ],
    needs: &[Capability::Account],
    ..SASL2
};

async fn mid_auth_stanza(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let (mut c, _, mech) = scram_session(&ctx).await?;
    let script = script_for(&c, mech, &user, None).or_setup("script")?;
    c.authenticate(mech, Some(&script.client_first()), &[])
        .await
        .or_setup("authenticate")?;
    ctx.step("send a ping stanza mid-authentication");
    c.send(&build::ping("gc1")).await.or_setup("send")?;
    Ok(match c.expect_stream_error().await {
        Ok(cond) => match c.expect_closed().await {
            Ok(()) => pass().with_message(format!("<{cond}/>")),
            Err(e) => fail(
                "SASL2-16",
                "the stream closed after the stream error",
                e.to_string(),
            ),
        },
        Err(ClientError::Closed | ClientError::StreamClosed) => fail(
            "SASL2-16",
            "a stream error before closing",
            "closed without <stream:error/>",
        ),
        Err(e) => fail("SASL2-16", "<stream:error/> and close", e.to_string()),
    })
}

const SECOND_AUTHENTICATE: Spec = Spec {
    id: "sasl2.failure.second-authenticate",
    title: "A second <authenticate/> after success is a stream error",
    cites: &["SASL2-30"],
    requires: "any <authenticate/> after <success/> MUST produce a stream error",
    accepts: &["any stream error condition"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn second_authenticate(ctx: CaseCtx) -> Flow {
    let (mut c, f, _) = scram_session(&ctx).await?;
    login(&ctx, &mut c, &f, &[])
        .await
        .map_err(|e| login_failed("SASL2-112", e))?;
    c.post_auth_features()
        .await
        .or_setup("post-auth features")?;
    ctx.step("second authenticate");
    let again = build::authenticate("SCRAM-SHA-256").initial_response(b"n,,n=x,r=abcdefgh");
    c.send(&again.into()).await.or_setup("send")?;
    Ok(match c.expect_stream_error().await {
        Ok(cond) => pass().with_message(format!("<{cond}/>")),
        Err(e) => fail("SASL2-30", "<stream:error/>", e.to_string()),
    })
}

const BAD_BASE64: Spec = Spec {
    id: "sasl2.failure.bad-base64",
    title: "Undecodable base64 fails with one condition",
    cites: &["SASL2-24"],
    requires: "an initial response that is not base64 fails with exactly one defined condition",
    accepts: &[
        "any defined condition; <incorrect-encoding/> is the natural one ([note])",
        "a stream error, pass with note",
    ],
    ..SASL2
};

async fn bad_base64(ctx: CaseCtx) -> Flow {
    let (mut c, _, mech) = scram_session(&ctx).await?;
    let el = build::authenticate(mech).initial_response_text("!!not*base64");
    c.send(&el.into()).await.or_setup("send")?;
    Ok(match c.sasl2_reply().await {
        Ok(r) => judge_failure(&r, Some("incorrect-encoding"), "SASL2-24"),
        Err(e) if e.is_termination() => ended(&e),
        Err(e) => setup("reply", e),
    })
}

const EMPTY_VS_ABSENT_IR: Spec = Spec {
    id: "sasl2.failure.empty-vs-absent-ir",
    title: "Empty and absent initial responses are different",
    cites: &["SASL2-15"],
    requires: "an empty <initial-response/> is a zero-length response (SCRAM: malformed, so \
               failure); an absent one means none (SCRAM: empty challenge or failure, never a \
               crash)",
    accepts: &["absent IR: an empty challenge or a <failure/>"],
    ..SASL2
};

async fn empty_vs_absent_ir(ctx: CaseCtx) -> Flow {
    let (mut c, _, mech) = scram_session(&ctx).await?;
    ctx.step("empty initial response");
    match c.authenticate(mech, Some(b""), &[]).await {
        Ok(r @ Sasl2Reply::Failure { .. }) => require_failure(&r, None, "SASL2-15")?,
        Ok(other) => {
            return Ok(fail(
                "SASL2-15",
                "<failure/> (empty client-first is malformed)",
                other.describe(),
            ));
        }
        Err(e) if e.is_termination() => {}
        Err(e) => return Err(setup("authenticate", e)),
    }
    ctx.step("absent initial response");
    let (mut c, _, _) = scram_session(&ctx).await?;
    let expected = "an empty challenge or <failure/>";
    Ok(match c.authenticate(mech, None, &[]).await {
        Ok(Sasl2Reply::Challenge { data: Some(d), .. }) if d.is_empty() => pass(),
        Ok(r @ Sasl2Reply::Failure { .. }) => judge_failure(&r, None, "SASL2-15"),
        Ok(other) => fail("SASL2-15", expected, other.describe()),
        Err(e) => fail("SASL2-15", expected, e.to_string()),
    })
}

const AUTHZID_MISMATCH: Spec = Spec {
    id: "sasl2.failure.authzid-mismatch",
    title: "authzid not matching stream from fails",
    cites: &["SASL2-10"],
    requires: "a non-empty authzid that does not match the stream 'from' MUST fail",
    accepts: &["any defined condition; <invalid-authzid/> is the natural one"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn authzid_mismatch(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let domain = ctx.config.domain().unwrap_or_default().to_owned();
    let (mut c, f, _) = session_from(&ctx, "c1", &format!("{user}@{domain}")).await?;
    let mech = best_scram(&f).ok_or_else(|| unsupported("no SCRAM offered"))?;
    let mut script = script_for(&c, mech, &user, None).or_setup("script")?;
    script.gs2_header = format!("n,a=gatecheck-other@{domain},");
    let tweaks = FinalTweaks::default();
    Ok(
        match scram_exchange(&mut c, mech, &script, &password, &tweaks, &[]).await {
            Ok(l) => fail("SASL2-10", "<failure/>", l.success.to_xml()),
            Err(LoginError::Reply(r)) => judge_failure(&r, Some("invalid-authzid"), "SASL2-10"),
            Err(LoginError::Client(e)) if e.is_termination() => ended(&e),
            Err(e) => setup("exchange", e),
        },
    )
}

const AUTHZID_NORMALISED: Spec = Spec {
    id: "sasl2.failure.authzid-normalised",
    title: "authzid is compared after JID normalisation",
    cites: &["SASL2-11"],
    requires: "a non-empty authzid is normalised (RFC 7622) before comparing with the stream \
               'from'",
    accepts: &["a server that rejects every authzid, even the exact own JID: unsupported"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn authzid_normalised(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let domain = ctx.config.domain().unwrap_or_default().to_owned();
    let from = format!("{user}@{domain}");
    for (n, authzid) in [from.clone(), from.to_uppercase()].into_iter().enumerate() {
        let (mut c, f, _) = session_from(&ctx, &format!("c{n}"), &from).await?;
        let mech = best_scram(&f).ok_or_else(|| unsupported("no SCRAM offered"))?;
        let mut script = script_for(&c, mech, &user, None).or_setup("script")?;
        script.gs2_header = format!("n,a={authzid},");
        let tweaks = FinalTweaks::default();
        let r = scram_exchange(&mut c, mech, &script, &password, &tweaks, &[]).await;
        match (n, r) {
            (_, Ok(_)) => {}
            (0, Err(e)) => {
                let why = format!("the exact own JID as authzid is refused: {e}");
                return Ok(unsupported(why));
            }
            (_, Err(e)) => {
                let expected = format!("success with authzid {authzid}");
                return Ok(fail("SASL2-11", expected, e.to_string()));
            }
        }
    }
    Ok(pass())
}

const INLINE_NOT_PROCESSED: Spec = Spec {
    id: "sasl2.failure.inline-not-processed",
    title: "Inline requests of a failed attempt are not processed",
    cites: &["SASL2-26"],
    requires: "inline requests (Bind 2, FAST token) in a failed <authenticate/> MUST NOT be \
               processed",
    accepts: &[
        "a server that does not allow a retry: only the <failure/> content is checked \
                (pass with note)",
    ],
    needs: &[Capability::Account],
    ..SASL2
};

/// Whether an element carries an inline result (a Bind 2 `<bound/>` or a FAST `<token/>`).
fn has_inline_result(el: &Element) -> bool {
    el.child("bound", ns::BIND2).is_some() || el.child("token", ns::FAST).is_some()
}

async fn inline_not_processed(ctx: CaseCtx) -> Flow {
    let (mut c, f, mech) = scram_session(&ctx).await?;
    let mut extra: Vec<Element> = Vec::new();
    let s = f.sasl2.clone().unwrap_or_default();
    if s.bind2().is_some() {
        extra.push(build::bind2().tag("gatecheck").into());
    }
    if let Some(m) = s.fast_mechanisms().first() {
        extra.push(build::request_token(m));
    }
    if extra.is_empty() {
        return Ok(unsupported("no inline feature (Bind 2, FAST) offered"));
    }
    let r = wrong_password_attempt(&ctx, &mut c, mech, &extra).await?;
    if let Sasl2Reply::Failure { element, .. } = &r
        && has_inline_result(element)
    {
        return Ok(fail(
            "SASL2-26",
            "no inline results in <failure/>",
            element.to_xml(),
        ));
    }
    require_failure(&r, None, "SASL2-112")?;
    ctx.step("correct login on the same stream, no inline requests");
    Ok(match login(&ctx, &mut c, &f, &[]).await {
        Ok(l) => {
            let a = authorization_identifier(&l.success).unwrap_or_default();
            if a.contains('/') || has_inline_result(&l.success) {
                fail(
                    "SASL2-26",
                    "bare JID and no inline results on the later success",
                    l.success.to_xml(),
                )
            } else {
                pass()
            }
        }
        Err(e) => pass().with_message(format!("retry refused ({e}); only the failure was checked")),
    })
}
