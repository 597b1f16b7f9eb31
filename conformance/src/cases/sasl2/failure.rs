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
        UNKNOWN_USER.with(unknown_user),
        RETRY_SAME_STREAM.with(retry_same_stream),
        RETRY_UPPER_BOUND.with(retry_upper_bound),
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
        Err(LoginError::Client(e)) if e.is_termination() => Err(ended(&e)),
        Err(LoginError::Client(e)) => Err(unanswered(ctx, "SASL2-112", "<failure/>", &e, true)),
        Err(e) => Err(login_failed("SASL2-112", e)),
    }
}

/// Whether an early outcome of [`wrong_password_attempt`] is "the server ended the stream".
fn stream_ended(o: &Outcome) -> bool {
    o.verdict == crate::outcome::Verdict::Pass
}

const INVALID_MECHANISM: Spec = Spec {
    id: "sasl2.failure.invalid-mechanism",
    title: "An unadvertised mechanism fails, unknown or known",
    cites: &["SASL2-9"],
    requires: "<authenticate/> naming a mechanism not advertised on this stream MUST fail: an \
               unknown name, and every mechanism the suite knows (PLAIN, SCRAM, -PLUS) that is \
               not in the SASL2 list, each with a valid initial response and the right \
               password, so only 'not advertised' is left as a reason",
    accepts: &[
        "any defined condition; <invalid-mechanism/> is the RFC 6120 match but the XEP \
         names none ([note])",
        "a stream error, pass with note",
    ],
    needs: &[Capability::Account],
    ..SASL2
};

/// A valid initial response for `mech` and the configured account.
fn valid_ir(mech: &str, user: &str, password: &str) -> Vec<u8> {
    if mech == "PLAIN" {
        return format!("\0{user}\0{password}").into_bytes();
    }
    let mut s = ScramScript::new(gatecheck_proto::sasl::ScramHash::Sha256, user);
    if mech.ends_with("-PLUS") {
        s = s.with_binding("tls-exporter", Vec::new());
    }
    s.client_first()
}

async fn invalid_mechanism(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let (_c, _, s) = sasl2_session(&ctx, "c0").await?;
    let mut names: Vec<String> = vec!["X-GATECHECK-BOGUS".into()];
    names.extend(
        gatecheck_proto::sasl::Mechanism::ALL
            .into_iter()
            .filter(|m| !m.is_ht())
            .map(|m| m.name().to_owned())
            .filter(|m| !s.offers(m)),
    );
    let mut notes = Vec::new();
    for (i, name) in names.iter().enumerate() {
        ctx.step(&format!("authenticate with unadvertised {name}"));
        let (mut c, _, _) = sasl2_session(&ctx, &format!("c{}", i + 1)).await?;
        let ir = valid_ir(name, &user, &password);
        let o = match c.authenticate(name, Some(&ir), &[]).await {
            Ok(r) => judge_failure(&r, Some("invalid-mechanism"), "SASL2-9"),
            Err(e) => unanswered(&ctx, "SASL2-9", "<failure/>", &e, true),
        };
        if o.verdict != crate::outcome::Verdict::Pass {
            return Ok(o.with_message(format!("{name} (not advertised)")));
        }
        notes.push(name.clone());
    }
    Ok(pass().with_message(format!("refused: {notes:?}")))
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

const UNKNOWN_USER: Spec = Spec {
    id: "sasl2.failure.unknown-user-indistinguishable",
    title: "An unknown user looks like a known one",
    cites: &["SASL2-34"],
    requires: "XEP-0388 §3 RECOMMENDS minimising differences between existing and non-existing \
               accounts: an unknown username gets the same salt and iteration count on every \
               attempt, of the same length and count as a real account's, and the same \
               <failure/> as a wrong password",
    accepts: &["any difference only warns (RECOMMENDED)"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn unknown_user(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    // From the case seed: a fresh name per run, reproducible with --seed.
    let nobody = format!("gc-nouser-{:08x}", ctx.seed & 0xffff_ffff);
    let why = "an attacker can tell which accounts exist";
    let mut firsts = Vec::new();
    let mut failures = Vec::new();
    for (n, name) in [nobody.as_str(), nobody.as_str(), user.as_str()]
        .into_iter()
        .enumerate()
    {
        let (mut c, _, mech) = scram_session(&ctx).await?;
        ctx.step(&format!("attempt {} as {name}", n + 1));
        let script = script_for(&c, mech, name, None).or_setup("script")?;
        let r = c
            .authenticate(mech, Some(&script.client_first()), &[])
            .await;
        let sf = match r {
            Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => {
                ServerFirst::parse(&d, &script.client_nonce)
                    .map_err(|e| fail("SASL2-106", "a valid server-first-message", e.to_string()))?
            }
            Ok(other) => {
                return Ok(warn(
                    "SASL2-34",
                    "a server-first-message for any username",
                    format!("{name}: {}", other.describe()),
                    why,
                ));
            }
            Err(e) => return Ok(unanswered(&ctx, "SASL2-34", "a challenge", &e, false)),
        };
        let wrong = format!("{password}-gatecheck-wrong");
        let (fin, _) = script
            .client_final(&sf, &wrong, &FinalTweaks::default())
            .or_setup("client-final")?;
        match c.respond(&fin).await {
            Ok(Sasl2Reply::Failure { element, .. }) => failures.push(canonical(&element)),
            Ok(other) => {
                return Ok(fail(
                    "SASL2-112",
                    "<failure/> for a wrong password",
                    other.describe(),
                ));
            }
            Err(e) => return Ok(unanswered(&ctx, "SASL2-112", "<failure/>", &e, true)),
        }
        firsts.push(sf);
    }
    let (a, b, real) = (&firsts[0], &firsts[1], &firsts[2]);
    if a.salt != b.salt || a.iterations != b.iterations {
        return Ok(warn(
            "SASL2-34",
            "the same salt and i for the same unknown user on every attempt",
            format!(
                "s/i differ between attempts: {} vs {}",
                a.iterations, b.iterations
            ),
            why,
        ));
    }
    if a.salt.len() != real.salt.len() || a.iterations != real.iterations {
        return Ok(warn(
            "SASL2-34",
            "salt length and i like a real account's",
            format!(
                "unknown: {} salt bytes, i={}; real: {} salt bytes, i={}",
                a.salt.len(),
                a.iterations,
                real.salt.len(),
                real.iterations
            ),
            why,
        ));
    }
    if failures[0] != failures[2] {
        return Ok(warn(
            "SASL2-34",
            "the same <failure/> for an unknown user and a wrong password",
            format!("{} vs {}", failures[0], failures[2]),
            why,
        ));
    }
    Ok(pass())
}

const RETRY_SAME_STREAM: Spec = Spec {
    id: "sasl2.failure.retry-same-stream",
    title: "After a failure the same stream can authenticate",
    cites: &["SASL2-27"],
    requires: "after <failure/> the stream stays usable for a new <authenticate/>: two wrong \
               attempts, then the right one succeeds (RFC 6120 §6.4.5: at least 2 retries \
               SHOULD be allowed)",
    needs: &[Capability::Account],
    ..SASL2
};

async fn retry_same_stream(ctx: CaseCtx) -> Flow {
    let (mut c, f, mech) = scram_session(&ctx).await?;
    for n in 1..=2 {
        ctx.step(&format!("wrong password, attempt {n}"));
        match wrong_password_attempt(&ctx, &mut c, mech, &[]).await {
            Ok(_) => {}
            Err(o) if stream_ended(&o) => {
                return Ok(warn(
                    "SASL2-27",
                    "at least 2 retries on the same stream",
                    format!("after {n} failure(s): {}", o.message.unwrap_or_default()),
                    "RFC 6120 §6.4.5: at least 2 retries; clients must reconnect after a typo",
                ));
            }
            Err(o) => return Ok(o),
        }
    }
    ctx.step("correct password, third attempt");
    Ok(match login(&ctx, &mut c, &f, &[]).await {
        Ok(_) => pass(),
        Err(e) => warn(
            "SASL2-27",
            "<success/> on the third attempt (2 retries)",
            e.to_string(),
            "RFC 6120 §6.4.5: at least 2 retries; clients must reconnect after a typo",
        ),
    })
}

const RETRY_UPPER_BOUND: Spec = Spec {
    id: "sasl2.failure.retry-upper-bound",
    title: "No more than 5 retries on one stream",
    cites: &["SASL2-131"],
    requires: "RFC 6120 §6.4.5: a server SHOULD allow no more than 5 retries; after 6 failed \
               attempts the correct password must not succeed on that stream",
    accepts: &["a failure, a stream error or the stream closing on the 7th attempt"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn retry_upper_bound(ctx: CaseCtx) -> Flow {
    let (mut c, f, mech) = scram_session(&ctx).await?;
    for n in 1..=6 {
        ctx.step(&format!("wrong password, attempt {n}"));
        if let Err(o) = wrong_password_attempt(&ctx, &mut c, mech, &[]).await {
            return Ok(if stream_ended(&o) {
                pass().with_message(format!("the stream ended after {n} failed attempts"))
            } else {
                o
            });
        }
    }
    ctx.step("correct password, 7th attempt");
    Ok(match login(&ctx, &mut c, &f, &[]).await {
        Ok(_) => warn(
            "SASL2-131",
            "no success after 1 + 5 retries",
            "the 7th attempt succeeded",
            "unlimited retries make online guessing cheap",
        ),
        Err(e) => pass().with_message(format!("7th attempt refused: {e}")),
    })
}

const ABORT: Spec = Spec {
    id: "sasl2.failure.abort",
    title: "Client abort ends the attempt with <aborted/>; the stream can still log in",
    cites: &["SASL2-31", "SASL2-27"],
    requires: "<abort/> ends the attempt with <failure/>; the stream stays unauthenticated and \
               usable, so a full login on it then succeeds",
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
    let o = match c.abort().await {
        Ok(r) => judge_failure(&r, Some("aborted"), "SASL2-31"),
        Err(e) => unanswered(&ctx, "SASL2-31", "<failure><aborted/></failure>", &e, false),
    };
    if o.verdict != crate::outcome::Verdict::Pass {
        return Ok(o);
    }
    ctx.step("a full login on the same stream after the abort");
    let (_, password) = creds(&ctx)?;
    let script = script_for(&c, mech, &user, None).or_setup("script")?;
    let tweaks = FinalTweaks::default();
    Ok(
        match scram_exchange(&mut c, mech, &script, &password, &tweaks, &[]).await {
            Ok(_) => o,
            Err(e) => warn(
                "SASL2-27",
                "<success/> on the same stream after <aborted/>",
                e.to_string(),
                "the stream state is unchanged after an abort (XEP-0388 §2.6.2)",
            ),
        },
    )
}

const MID_AUTH_STANZA: Spec = Spec {
    id: "sasl2.failure.mid-auth-stanza",
    title: "A stanza during authentication: stream error and close",
    cites: &["SASL2-16", "SASL2-127"],
    requires: "a client sending anything but <response/>/<abort/> mid-authentication MUST be \
               disconnected (stream error, then close): a stanza, a second <authenticate/>, a \
               stream-management <enable/>",
    accepts: &[
        "any stream error condition ([note]: policy-violation or not-authorized are \
                typical)",
    ],
    needs: &[Capability::Account],
    ..SASL2
};

async fn mid_auth_stanza(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let others: [(&str, Element); 3] = [
        ("a ping stanza", build::ping("gc1")),
        (
            "a second <authenticate/>",
            build::authenticate("SCRAM-SHA-256")
                .initial_response(b"n,,n=x,r=abcdefgh")
                .into(),
        ),
        (
            "a stream-management <enable/>",
            Element::new("enable", "urn:xmpp:sm:3"),
        ),
    ];
    for (n, (label, el)) in others.into_iter().enumerate() {
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
        ctx.step(&format!("send {label} mid-authentication ({n})"));
        c.send(&el).await.or_setup("send")?;
        let o = stream_error_then_close(&ctx, &mut c, "SASL2-16").await;
        if o.verdict != crate::outcome::Verdict::Pass {
            return Ok(o.with_message(label));
        }
    }
    Ok(pass())
}

/// Expect `<stream:error/>` and then the stream closing; silence and closing without the error
/// have their own wordings.
async fn stream_error_then_close(ctx: &CaseCtx, c: &mut Conn, req: &str) -> Outcome {
    let expected = "<stream:error/> and close";
    match c.expect_stream_error().await {
        Ok(cond) => match c.expect_closed().await {
            Ok(()) => pass().with_message(format!("<{cond}/>")),
            Err(e) => fail(
                req,
                "the stream closed after the stream error",
                e.to_string(),
            ),
        },
        Err(ClientError::Closed | ClientError::StreamClosed) => {
            fail(req, expected, "closed without <stream:error/>")
        }
        Err(ClientError::Timeout(_)) => fail(req, expected, silence(ctx)),
        Err(e) => fail(req, expected, e.to_string()),
    }
}

const SECOND_AUTHENTICATE: Spec = Spec {
    id: "sasl2.failure.second-authenticate",
    title: "A second <authenticate/> after success is a stream error",
    cites: &["SASL2-30", "SASL2-205", "SASL2-127"],
    requires: "any <authenticate/> after <success/> MUST produce a stream error (and an RFC \
               6120 <auth/> there is one too: no second authentication on a stream)",
    accepts: &["any stream error condition"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn second_authenticate(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    for (n, legacy) in [false, true].into_iter().enumerate() {
        let (mut c, f, mech) = scram_session(&ctx).await?;
        if legacy && f.legacy_mechanisms.is_none() {
            break;
        }
        login(&ctx, &mut c, &f, &[])
            .await
            .map_err(|e| login_failed("SASL2-112", e))?;
        c.post_auth_features()
            .await
            .or_setup("post-auth features")?;
        let hash = gatecheck_client::login::scram_hash(mech)
            .map_or(gatecheck_proto::sasl::ScramHash::Sha256, |(h, _)| h);
        let script = ScramScript::new(hash, &user);
        let (label, again): (&str, Element) = if legacy {
            (
                "an RFC 6120 <auth/>",
                gatecheck_client::legacy::auth_element(mech, Some(&script.client_first())),
            )
        } else {
            (
                "a second <authenticate/>",
                build::authenticate(mech)
                    .initial_response(&script.client_first())
                    .into(),
            )
        };
        ctx.step(&format!(
            "{label} after SASL2 success, advertised mechanism, valid initial response ({n})"
        ));
        c.send(&again).await.or_setup("send")?;
        let req = if legacy { "SASL2-205" } else { "SASL2-30" };
        let o = stream_error_then_close(&ctx, &mut c, req).await;
        if o.verdict != crate::outcome::Verdict::Pass {
            return Ok(o.with_message(format!("{label} after SASL2 success")));
        }
    }
    Ok(pass())
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
               failure); an absent one means none: an empty challenge asks for the \
               client-first (RFC 4422 §3.3) and the exchange then completes",
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
    let (user, password) = creds(&ctx)?;
    let (mut c, _, _) = scram_session(&ctx).await?;
    let expected = "an empty challenge, then a normal exchange";
    let script = script_for(&c, mech, &user, None).or_setup("script")?;
    match c.authenticate(mech, None, &[]).await {
        Ok(Sasl2Reply::Challenge { data: Some(d), .. }) if d.is_empty() => {}
        Ok(r @ Sasl2Reply::Failure { .. }) => {
            return Ok(judge_failure(&r, None, "SASL2-15")
                .with_message("absent initial response refused (allowed)"));
        }
        Ok(other) => return Ok(fail("SASL2-15", expected, other.describe())),
        Err(e) => return Ok(unanswered(&ctx, "SASL2-15", expected, &e, true)),
    }
    ctx.step("client-first as the response to the empty challenge");
    let sf = match c.respond(&script.client_first()).await {
        Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => d,
        Ok(other) => return Ok(fail("SASL2-15", expected, other.describe())),
        Err(e) => return Ok(unanswered(&ctx, "SASL2-15", expected, &e, false)),
    };
    let sf = ServerFirst::parse(&sf, &script.client_nonce)
        .map_err(|e| fail("SASL2-106", "a valid server-first-message", e.to_string()))?;
    let (fin, _) = script
        .client_final(&sf, &password, &FinalTweaks::default())
        .or_setup("client-final")?;
    Ok(match c.respond(&fin).await {
        Ok(Sasl2Reply::Success(_)) => pass(),
        Ok(other) => fail("SASL2-15", expected, other.describe()),
        Err(e) => unanswered(&ctx, "SASL2-15", expected, &e, false),
    })
}

const AUTHZID_MISMATCH: Spec = Spec {
    id: "sasl2.failure.authzid-mismatch",
    title: "authzid not matching stream from fails",
    cites: &["SASL2-10"],
    requires: "a non-empty authzid that does not match the stream 'from' MUST fail: another \
               user's JID, the own JID under another user's 'from', the own localpart in \
               another domain",
    accepts: &["any defined condition; <invalid-authzid/> is the natural one"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn authzid_mismatch(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let domain = ctx.config.domain().unwrap_or_default().to_owned();
    let own = format!("{user}@{domain}");
    // (stream from, authzid): each differs from the other in one respect only.
    let variants = [
        (
            own.clone(),
            format!("gatecheck-other@{domain}"),
            "authzid of another user",
        ),
        (
            format!("gatecheck-other@{domain}"),
            own.clone(),
            "authzid = own JID, stream from = another user",
        ),
        (
            own.clone(),
            format!("{user}@other.example"),
            "authzid in another domain",
        ),
    ];
    for (n, (from, authzid, label)) in variants.into_iter().enumerate() {
        ctx.step(label);
        let (mut c, f, _) = session_from(&ctx, &format!("c{n}"), &from).await?;
        let mech = best_scram(&f).ok_or_else(|| unsupported("no SCRAM offered"))?;
        let mut script = script_for(&c, mech, &user, None).or_setup("script")?;
        script.gs2_header = format!("n,a={authzid},");
        let tweaks = FinalTweaks::default();
        let o = match scram_exchange(&mut c, mech, &script, &password, &tweaks, &[]).await {
            Ok(l) => fail("SASL2-10", "<failure/>", l.success.to_xml()),
            Err(LoginError::Reply(r)) => judge_failure(&r, Some("invalid-authzid"), "SASL2-10"),
            Err(LoginError::Client(e)) => unanswered(&ctx, "SASL2-10", "<failure/>", &e, true),
            Err(e) => login_failed("SASL2-10", e),
        };
        if o.verdict != crate::outcome::Verdict::Pass {
            return Ok(o.with_message(format!("{label} (from={from}, authzid={authzid})")));
        }
    }
    Ok(pass())
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
