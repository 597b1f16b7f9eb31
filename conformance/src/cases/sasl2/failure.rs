//! Failures and stream discipline: invalid mechanism, wrong password, retry, abort, bad base64, empty
//! vs absent initial response, authzid rules, inline requests of a failed attempt, stanzas during
//! authentication and a second `<authenticate/>`.

use super::scram::{creds, login_failed, scram_session};
use super::{judge_failure, session_from, setup};
use crate::case::{Capability, Case, Module};
use crate::client::Sasl2Reply;
use crate::client::features::{BIND2_NS, FAST_NS, SASL2_NS};
use crate::client::login::{login, scram_exchange, script_for};
use crate::client::sasl2::{authenticate_element, authorization_identifier};
use crate::client::scram::FinalTweaks;
use crate::ctx::CaseCtx;
use crate::outcome::{Outcome, fail, pass, unsupported, warn};
use gatecheck_proto::xml::Element;

/// A wrong-password SCRAM attempt on `c`, with `extra` inline requests; returns the reply.
async fn wrong_password(
    ctx: &CaseCtx,
    c: &mut crate::client::Conn,
    mech: &str,
    extra: &[Element],
) -> Result<Sasl2Reply, Outcome> {
    let (user, password) = creds(ctx)?;
    let script = script_for(c, mech, &user, None).map_err(|e| setup("script", e))?;
    let wrong = format!("{password}-gatecheck-wrong");
    match scram_exchange(c, mech, &script, &wrong, &FinalTweaks::default(), extra).await {
        Ok(l) => Err(fail(
            "SASL2-112",
            "<failure/> for a wrong password",
            l.success.to_xml(),
        )),
        Err(crate::client::login::LoginError::Reply(r)) => Ok(r),
        Err(e) => Err(setup("wrong-password attempt", e)),
    }
}

macro_rules! tryo {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(o) => return o,
        }
    };
}

/// The failure cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case::new("sasl2.failure.invalid-mechanism", Module::Sasl2, "An unadvertised mechanism fails")
            .cites(&["SASL2-9"])
            .requires("<authenticate/> naming a mechanism not advertised MUST fail")
            .accepts("any defined condition; <invalid-mechanism/> is the RFC 6120 match but the XEP names none ([note])")
            .body(|ctx| async move {
                let (mut c, _, _) = tryo!(super::sasl2_session(&ctx, "c1").await);
                match c.authenticate("X-GATECHECK-BOGUS", Some(b"x"), &[]).await {
                    Ok(r) => judge_failure(&r, Some("invalid-mechanism"), "SASL2-9"),
                    Err(e) if e.is_termination() => pass().with_message(format!("ended with {e}")),
                    Err(e) => setup("authenticate", e),
                }
            }),
        Case::new("sasl2.failure.wrong-password", Module::Sasl2, "Wrong password: failure with exactly one SASL condition")
            .cites(&["SASL2-24", "SASL2-25", "SASL2-112"])
            .requires("<failure/> holds exactly one RFC 6120 condition in urn:ietf:params:xml:ns:xmpp-sasl; <text/> and foreign elements are allowed")
            .accepts("a defined condition other than <not-authorized/>, pass with note")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (mut c, _, mech) = tryo!(scram_session(&ctx).await);
                let r = tryo!(wrong_password(&ctx, &mut c, mech, &[]).await);
                judge_failure(&r, Some("not-authorized"), "SASL2-112")
            }),
        Case::new("sasl2.failure.retry-same-stream", Module::Sasl2, "After a failure the same stream can authenticate")
            .cites(&["SASL2-27"])
            .requires("after <failure/> the stream stays usable for a new <authenticate/> (RFC 6120 §6.4.5: at least 2 retries SHOULD be allowed)")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (mut c, f, mech) = tryo!(scram_session(&ctx).await);
                tryo!(wrong_password(&ctx, &mut c, mech, &[]).await);
                match login(&ctx, &mut c, &f, &[]).await {
                    Ok(_) => pass(),
                    Err(e) => warn("SASL2-27", "<success/> on the retry", e.to_string(), "clients must reconnect after a typo"),
                }
            }),
        Case::new("sasl2.failure.abort", Module::Sasl2, "Client abort ends the attempt with <aborted/>")
            .cites(&["SASL2-31"])
            .requires("<abort/> ends the attempt with <failure/>; the stream stays unauthenticated")
            .accepts("a defined condition other than <aborted/> ([note] in the digest), pass with note")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, _) = tryo!(creds(&ctx));
                let (mut c, _, mech) = tryo!(scram_session(&ctx).await);
                let script = tryo!(script_for(&c, mech, &user, None).map_err(|e| setup("script", e)));
                match c.authenticate(mech, Some(&script.client_first()), &[]).await {
                    Ok(Sasl2Reply::Challenge { .. }) => {}
                    Ok(other) => return setup("authenticate", other.describe()),
                    Err(e) => return setup("authenticate", e),
                }
                match c.abort().await {
                    Ok(r) => judge_failure(&r, Some("aborted"), "SASL2-31"),
                    Err(e) => fail("SASL2-31", "<failure><aborted/></failure>", e.to_string()),
                }
            }),
        Case::new("sasl2.failure.mid-auth-stanza", Module::Sasl2, "A stanza during authentication: stream error and close")
            .cites(&["SASL2-16"])
            .requires("a client sending anything but <response/>/<abort/> mid-authentication MUST be disconnected (stream error, then close)")
            .accepts("any stream error condition ([note]: policy-violation or not-authorized are typical)")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, _) = tryo!(creds(&ctx));
                let (mut c, _, mech) = tryo!(scram_session(&ctx).await);
                let script = tryo!(script_for(&c, mech, &user, None).map_err(|e| setup("script", e)));
                if let Err(e) = c.authenticate(mech, Some(&script.client_first()), &[]).await {
                    return setup("authenticate", e);
                }
                ctx.step("send a ping stanza mid-authentication");
                let ping = Element::new("iq", gatecheck_proto::xml::JABBER_CLIENT_NS)
                    .with_attr("type", "get").with_attr("id", "gc1")
                    .with_child(Element::new("ping", "urn:xmpp:ping"));
                if let Err(e) = c.send(&ping).await {
                    return setup("send", e);
                }
                match c.expect_stream_error().await {
                    Ok(cond) => match c.expect_closed().await {
                        Ok(()) => pass().with_message(format!("<{cond}/>")),
                        Err(e) => fail("SASL2-16", "the stream closed after the stream error", e.to_string()),
                    },
                    Err(crate::client::ClientError::Closed | crate::client::ClientError::StreamClosed) =>
                        fail("SASL2-16", "a stream error before closing", "closed without <stream:error/>"),
                    Err(e) => fail("SASL2-16", "<stream:error/> and close", e.to_string()),
                }
            }),
        Case::new("sasl2.failure.second-authenticate", Module::Sasl2, "A second <authenticate/> after success is a stream error")
            .cites(&["SASL2-30"])
            .requires("any <authenticate/> after <success/> MUST produce a stream error")
            .accepts("any stream error condition")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (mut c, f, _) = tryo!(scram_session(&ctx).await);
                if let Err(e) = login(&ctx, &mut c, &f, &[]).await { return login_failed("SASL2-112", e); }
                if let Err(e) = c.post_auth_features().await { return setup("post-auth features", e); }
                ctx.step("second authenticate");
                if let Err(e) = c.send(&authenticate_element("SCRAM-SHA-256", Some(b"n,,n=x,r=abcdefgh"), &[])).await {
                    return setup("send", e);
                }
                match c.expect_stream_error().await {
                    Ok(cond) => pass().with_message(format!("<{cond}/>")),
                    Err(e) => fail("SASL2-30", "<stream:error/>", e.to_string()),
                }
            }),
        Case::new("sasl2.failure.bad-base64", Module::Sasl2, "Undecodable base64 fails with one condition")
            .cites(&["SASL2-24"])
            .requires("an initial response that is not base64 fails with exactly one defined condition")
            .accepts("any defined condition; <incorrect-encoding/> is the natural one ([note])")
            .accepts("a stream error, pass with note")
            .body(|ctx| async move {
                let (mut c, _, mech) = tryo!(scram_session(&ctx).await);
                let mut el = authenticate_element(mech, None, &[]);
                el.children.insert(0, gatecheck_proto::xml::Node::Element(
                    Element::new("initial-response", SASL2_NS).with_text("!!not*base64"),
                ));
                if let Err(e) = c.send(&el).await { return setup("send", e); }
                match c.sasl2_reply().await {
                    Ok(r) => judge_failure(&r, Some("incorrect-encoding"), "SASL2-24"),
                    Err(e) if e.is_termination() => pass().with_message(format!("ended with {e}")),
                    Err(e) => setup("reply", e),
                }
            }),
        Case::new("sasl2.failure.empty-vs-absent-ir", Module::Sasl2, "Empty and absent initial responses are different")
            .cites(&["SASL2-15"])
            .requires("an empty <initial-response/> is a zero-length response (SCRAM: malformed, so failure); an absent one means none (SCRAM: empty challenge or failure, never a crash)")
            .accepts("absent IR: an empty challenge or a <failure/>")
            .body(|ctx| async move {
                let (mut c, _, mech) = tryo!(scram_session(&ctx).await);
                ctx.step("empty initial response");
                match c.authenticate(mech, Some(b""), &[]).await {
                    Ok(r @ Sasl2Reply::Failure { .. }) => { let o = judge_failure(&r, None, "SASL2-15"); if o.verdict != crate::outcome::Verdict::Pass { return o; } }
                    Ok(other) => return fail("SASL2-15", "<failure/> (empty client-first is malformed)", other.describe()),
                    Err(e) if e.is_termination() => {}
                    Err(e) => return setup("authenticate", e),
                }
                ctx.step("absent initial response");
                let (mut c, _, _) = tryo!(scram_session(&ctx).await);
                match c.authenticate(mech, None, &[]).await {
                    Ok(Sasl2Reply::Challenge { data: Some(d), .. }) if d.is_empty() => pass(),
                    Ok(r @ Sasl2Reply::Failure { .. }) => judge_failure(&r, None, "SASL2-15"),
                    Ok(other) => fail("SASL2-15", "an empty challenge or <failure/>", other.describe()),
                    Err(e) => fail("SASL2-15", "an empty challenge or <failure/>", e.to_string()),
                }
            }),
    ]
    .into_iter()
    .chain(authz_cases())
    .collect()
}

fn authz_cases() -> Vec<Case> {
    vec![
        Case::new("sasl2.failure.authzid-mismatch", Module::Sasl2, "authzid not matching stream from fails")
            .cites(&["SASL2-10"])
            .requires("a non-empty authzid that does not match the stream 'from' MUST fail")
            .accepts("any defined condition; <invalid-authzid/> is the natural one")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, password) = tryo!(creds(&ctx));
                let domain = ctx.config.domain().unwrap_or_default().to_owned();
                let (mut c, f, _) = tryo!(session_from(&ctx, "c1", &format!("{user}@{domain}")).await);
                let Some(mech) = crate::client::login::best_scram(&f) else { return unsupported("no SCRAM offered") };
                let mut script = tryo!(script_for(&c, mech, &user, None).map_err(|e| setup("script", e)));
                script.gs2_header = format!("n,a=gatecheck-other@{domain},");
                match scram_exchange(&mut c, mech, &script, &password, &FinalTweaks::default(), &[]).await {
                    Ok(l) => fail("SASL2-10", "<failure/>", l.success.to_xml()),
                    Err(crate::client::login::LoginError::Reply(r)) => judge_failure(&r, Some("invalid-authzid"), "SASL2-10"),
                    Err(crate::client::login::LoginError::Client(e)) if e.is_termination() => pass().with_message(format!("ended with {e}")),
                    Err(e) => setup("exchange", e),
                }
            }),
        Case::new("sasl2.failure.authzid-normalised", Module::Sasl2, "authzid is compared after JID normalisation")
            .cites(&["SASL2-11"])
            .requires("a non-empty authzid is normalised (RFC 7622) before comparing with the stream 'from'")
            .accepts("a server that rejects every authzid, even the exact own JID: unsupported")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, password) = tryo!(creds(&ctx));
                let domain = ctx.config.domain().unwrap_or_default().to_owned();
                let from = format!("{user}@{domain}");
                for (n, authzid) in [from.clone(), from.to_uppercase()].into_iter().enumerate() {
                    let (mut c, f, _) = tryo!(session_from(&ctx, &format!("c{n}"), &from).await);
                    let Some(mech) = crate::client::login::best_scram(&f) else { return unsupported("no SCRAM offered") };
                    let mut script = tryo!(script_for(&c, mech, &user, None).map_err(|e| setup("script", e)));
                    script.gs2_header = format!("n,a={authzid},");
                    let r = scram_exchange(&mut c, mech, &script, &password, &FinalTweaks::default(), &[]).await;
                    match (n, r) {
                        (_, Ok(_)) => {}
                        (0, Err(e)) => return unsupported(format!("the exact own JID as authzid is refused: {e}")),
                        (_, Err(e)) => return fail("SASL2-11", format!("success with authzid {authzid}"), e.to_string()),
                    }
                }
                pass()
            }),
        Case::new("sasl2.failure.inline-not-processed", Module::Sasl2, "Inline requests of a failed attempt are not processed")
            .cites(&["SASL2-26"])
            .requires("inline requests (Bind 2, FAST token) in a failed <authenticate/> MUST NOT be processed")
            .accepts("a server that does not allow a retry: only the <failure/> content is checked (pass with note)")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (mut c, f, mech) = tryo!(scram_session(&ctx).await);
                let mut extra = Vec::new();
                let s = f.sasl2.clone().unwrap_or_else(|| crate::client::Sasl2Offer { mechanisms: vec![], inline: vec![] });
                if s.bind2().is_some() { extra.push(Element::new("bind", BIND2_NS).with_child(Element::new("tag", BIND2_NS).with_text("gatecheck"))); }
                if let Some(m) = s.fast_mechanisms().first() { extra.push(Element::new("request-token", FAST_NS).with_attr("mechanism", m.as_str())); }
                if extra.is_empty() { return unsupported("no inline feature (Bind 2, FAST) offered"); }
                let r = tryo!(wrong_password(&ctx, &mut c, mech, &extra).await);
                if let Sasl2Reply::Failure { element, .. } = &r
                    && (element.child("bound", BIND2_NS).is_some() || element.child("token", FAST_NS).is_some()) {
                    return fail("SASL2-26", "no inline results in <failure/>", element.to_xml());
                }
                let o = judge_failure(&r, None, "SASL2-112");
                if o.verdict != crate::outcome::Verdict::Pass { return o; }
                ctx.step("correct login on the same stream, no inline requests");
                match login(&ctx, &mut c, &f, &[]).await {
                    Ok(l) => {
                        let a = authorization_identifier(&l.success).unwrap_or_default();
                        if a.contains('/') || l.success.child("token", FAST_NS).is_some() || l.success.child("bound", BIND2_NS).is_some() {
                            fail("SASL2-26", "bare JID and no inline results on the later success", l.success.to_xml())
                        } else { pass() }
                    }
                    Err(e) => pass().with_message(format!("retry refused ({e}); only the failure was checked")),
                }
            }),
    ]
}
