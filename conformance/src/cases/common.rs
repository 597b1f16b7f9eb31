//! Steps every module's cases share, each turning the kit's errors into verdicts the same way:
//! reaching the run's target, a TLS-protected stream with its SASL2 offer, a SCRAM login with the
//! configured account, and judging a SASL `<failure/>`. FAST, invites and OAuth2 cases all start
//! with a SASL2 login, so these live here rather than in `sasl2/`.

use crate::config::TlsMode;
use crate::ctx::CaseCtx;
use crate::outcome::{Flow, Outcome, error, fail, pass, skip, unsupported};
use gatecheck_client::login::{Login, LoginError, best_scram, best_scram_in, username_of};
use gatecheck_client::scram::ScramScriptError;
use gatecheck_client::{
    AuthProfile, ClientError, Conn, Endpoint, Features, Sasl2Offer, Sasl2Reply, TlsTrust,
    client_config_for,
};
use gatecheck_proto::sasl::SaslCondition;
use gatecheck_proto::xml::Element;
use std::fmt::Display;

/// A step before the one under test went wrong: the case could not run.
pub fn setup(step: &str, e: impl Display) -> Outcome {
    error(format!("{step}: {e}"))
}

/// `?`-friendly [`setup`]: `c.open_stream(None).await.or_setup("open stream")?`.
pub trait OrSetup<T> {
    /// Map an error to the `error` outcome of `step`.
    fn or_setup(self, step: &str) -> Flow<T>;
}

impl<T, E: Display> OrSetup<T> for Result<T, E> {
    fn or_setup(self, step: &str) -> Flow<T> {
        self.map_err(|e| setup(step, e))
    }
}

/// The server ended the attempt (closed, stream error) where a `<failure/>` was expected: the
/// attempt still failed, so this passes with a note.
pub fn ended(e: &ClientError) -> Outcome {
    pass().with_message(format!("ended with {e}"))
}

/// The endpoint the run targets, offering only the TLS version this case variant pinned.
pub fn endpoint(ctx: &CaseCtx) -> Result<Endpoint, ClientError> {
    let target = ctx.config.target.as_ref().ok_or_else(|| {
        ClientError::Config("no --target given (embedded server not wired)".into())
    })?;
    let domain = ctx
        .config
        .domain()
        .ok_or_else(|| ClientError::Config("no domain".into()))?;
    let trust = TlsTrust {
        insecure: ctx.config.insecure_tls,
        ca: ctx.config.ca.clone(),
    };
    let tls_config = client_config_for(&trust, ctx.tls_version())
        .map_err(|e| ClientError::Tls(e.to_string()))?;
    Ok(Endpoint::new(
        target.host.clone(),
        target.port,
        target.tls,
        domain,
        tls_config,
    ))
}

/// The longest wait for one reply the spec requires of the server (`--reply-timeout`).
pub fn reply_wait(ctx: &CaseCtx) -> std::time::Duration {
    ctx.reply_timeout()
}

/// The SASL profile this run of the case uses, as the client kit names it.
pub fn profile(ctx: &CaseCtx) -> AuthProfile {
    match ctx.profile() {
        crate::kinds::Profile::Sasl => AuthProfile::Sasl,
        crate::kinds::Profile::Sasl2 => AuthProfile::Sasl2,
    }
}

/// Connect to the run's target, recording into the case transcript under `label`.
pub async fn open(ctx: &CaseCtx, label: &str) -> Result<Conn, ClientError> {
    Conn::connect(
        endpoint(ctx)?,
        ctx.transcript.clone(),
        label,
        reply_wait(ctx),
    )
    .await
}

/// "no answer within N s": silence after a step the spec requires the server to answer.
pub fn silence(ctx: &CaseCtx) -> String {
    format!("no answer within {} s", reply_wait(ctx).as_secs_f32())
}

/// The server did not answer a step the spec requires it to answer, as a verdict: silence fails
/// `req` (the requirement of the step), a TCP close without `<stream:error/>` fails SASL2-125
/// (its own wording, distinct from silence), an element outside the profile's replies fails
/// SASL2-17; a stream error ends the attempt and passes with a note when `stream_error_ok`, else
/// fails `req`. Anything else (I/O, TLS) is the suite's own error.
pub fn unanswered(
    ctx: &CaseCtx,
    req: &str,
    expected: &str,
    e: &ClientError,
    stream_error_ok: bool,
) -> Outcome {
    match e {
        ClientError::Timeout(_) => fail(req, expected, silence(ctx)),
        ClientError::Closed => fail("SASL2-125", expected, "closed without <stream:error/>"),
        ClientError::StreamClosed => fail(
            "SASL2-125",
            expected,
            "</stream:stream> without <stream:error/>",
        ),
        ClientError::StreamError { .. } if stream_error_ok => ended(e),
        ClientError::StreamError { .. } => fail(req, expected, e.to_string()),
        ClientError::Unexpected { got, .. } => fail(
            "SASL2-17",
            "only challenge, success, failure or continue during authentication",
            got.clone(),
        ),
        other => setup("waiting for the server", other),
    }
}

/// A stream on the run's target with TLS up (STARTTLS on `xmpp://`), and its features.
pub async fn tls_session(ctx: &CaseCtx, label: &str) -> Result<(Conn, Features), ClientError> {
    gatecheck_client::tls_session(open(ctx, label).await?).await
}

/// Whether the run's target speaks direct TLS (features before TLS cannot be seen then).
pub fn direct_tls(ctx: &CaseCtx) -> bool {
    ctx.config
        .target
        .as_ref()
        .is_some_and(|t| t.tls == TlsMode::Direct)
}

/// The first account's username and password, or a skip.
pub fn creds(ctx: &CaseCtx) -> Flow<(String, String)> {
    ctx.account(0)
        .map(|a| (username_of(&a.jid).to_owned(), a.password.clone()))
        .ok_or_else(|| skip("needs --account"))
}

/// Log the first configured account in with the best plain SCRAM mechanism offered.
pub async fn login(
    ctx: &CaseCtx,
    conn: &mut Conn,
    features: &Features,
    extra: &[Element],
) -> Result<Login, LoginError> {
    let account = ctx
        .account(0)
        .ok_or_else(|| LoginError::Mechanism("no account".into()))?;
    let user = username_of(&account.jid);
    gatecheck_client::login(conn, features, user, &account.password, extra).await
}

/// Open a TLS-protected stream and require the SASL2 offer (`unsupported` when there is none).
pub async fn sasl2_session(ctx: &CaseCtx, label: &str) -> Flow<(Conn, Features, Sasl2Offer)> {
    ctx.step("open TLS stream");
    let (c, f) = tls_session(ctx, label)
        .await
        .or_setup("opening a TLS-protected stream")?;
    match f.sasl2.clone() {
        Some(s) => Ok((c, f, s)),
        None => Err(unsupported(format!(
            "no <authentication xmlns='{}'/> in the features after TLS",
            gatecheck_proto::ns::SASL2
        ))),
    }
}

/// Open a TLS-protected stream whose (post-TLS) header carries `from`, with its SASL2 offer.
pub async fn session_from(
    ctx: &CaseCtx,
    label: &str,
    from: &str,
) -> Flow<(Conn, Features, Sasl2Offer)> {
    ctx.step(&format!("open TLS stream from {from}"));
    let open = async {
        let mut c = open(ctx, label).await?;
        if c.tls().is_none() {
            c.open_stream(None).await?;
            c.features_element().await?;
            c.negotiate_tls().await?;
        }
        c.open_stream(Some(from)).await?;
        let f = Features::parse(&c.features_element().await?);
        Ok::<_, ClientError>((c, f))
    };
    let (c, f) = open.await.or_setup("opening the stream")?;
    match f.sasl2.clone() {
        Some(s) => Ok((c, f, s)),
        None => Err(unsupported("no SASL2 offer after TLS")),
    }
}

/// Open a session and pick the best plain SCRAM mechanism.
pub async fn scram_session(ctx: &CaseCtx) -> Flow<(Conn, Features, &'static str)> {
    let (c, f, _) = sasl2_session(ctx, "c1").await?;
    let mech =
        best_scram(&f).ok_or_else(|| unsupported("no SCRAM mechanism offered over SASL2"))?;
    Ok((c, f, mech))
}

/// A login error as an outcome: a wrong server signature fails SASL2-113, a rejected correct
/// login fails `req` (also when the server went silent, closed or sent a stream error), an
/// element outside the profile's replies fails SASL2-17, an iteration count above the suite's
/// compute limit is `unsupported` (RFC 5802 sets no upper bound), a malformed server-first fails
/// SASL2-106; anything else is an error of the setup.
pub fn login_failed(req: &str, e: LoginError) -> Outcome {
    let expected = "<success/> for correct credentials";
    match e {
        LoginError::ServerSignature(s) => fail("SASL2-113", "v= equal to ServerSignature", s),
        LoginError::Reply(r) => fail(req, expected, r.describe()),
        LoginError::Scram(ScramScriptError::TooManyIterations(i)) => unsupported(format!(
            "iteration count {i} above the suite's compute limit (not a fault: RFC 5802 sets no \
             upper bound)"
        )),
        LoginError::Scram(s) => fail("SASL2-106", "a valid server-first-message", s.to_string()),
        LoginError::Client(ClientError::Timeout(w)) => {
            fail(req, expected, format!("no answer (waiting for {w})"))
        }
        LoginError::Client(ClientError::Closed) => {
            fail(req, expected, "closed without <stream:error/>")
        }
        LoginError::Client(e @ (ClientError::StreamError { .. } | ClientError::StreamClosed)) => {
            fail(req, expected, e.to_string())
        }
        LoginError::Client(ClientError::Unexpected { got, .. }) => fail(
            "SASL2-17",
            "only challenge, success, failure or continue during authentication",
            got,
        ),
        other => setup("login", other),
    }
}

/// A fresh TLS-protected stream offering `p`, and the best plain SCRAM mechanism `p` offers.
pub async fn profile_session(
    ctx: &CaseCtx,
    p: AuthProfile,
    label: &str,
) -> Flow<(Conn, Features, &'static str)> {
    ctx.step(&format!("open TLS stream ({})", p.title()));
    let (c, f) = tls_session(ctx, label)
        .await
        .or_setup("opening a TLS-protected stream")?;
    if !p.offered(&f) {
        return Err(unsupported(format!("{} not offered after TLS", p.title())));
    }
    let mech = best_scram_in(p, &f)
        .ok_or_else(|| unsupported(format!("no SCRAM mechanism offered over {}", p.title())))?;
    Ok((c, f, mech))
}

/// The liveness oracle: a fresh connection must still get stream features within the reply
/// wait, else the target stopped serving after the input under test (`req`).
pub async fn still_serving(ctx: &CaseCtx, req: &str) -> Flow<()> {
    ctx.step("liveness: a new connection still gets stream features");
    match tls_session(ctx, "live").await {
        Ok(_) => Ok(()),
        Err(e) => Err(fail(
            req,
            "stream features on a new connection",
            format!("target stopped serving after this case: {e}"),
        )),
    }
}

/// Judge a `<failure/>` against SASL2-24: exactly one child in the RFC 6120 SASL namespace that is
/// a defined condition. `expected` is the condition the digest marks as a [note]: another defined
/// one passes with a note.
pub fn judge_failure(
    reply: &Sasl2Reply,
    expected: Option<&str>,
    req_if_not_failure: &str,
) -> Outcome {
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
                format!("exactly one condition in {}", gatecheck_proto::ns::SASL),
                format!("{other:?}"),
            ),
        },
        other => fail(req_if_not_failure, "<failure/>", other.describe()),
    }
}

/// [`judge_failure`] as a step: `Err` unless the failure passes, so a case can go on after it.
pub fn require_failure(reply: &Sasl2Reply, expected: Option<&str>, req: &str) -> Flow<()> {
    let o = judge_failure(reply, expected, req);
    if o.verdict == crate::outcome::Verdict::Pass {
        Ok(())
    } else {
        Err(o)
    }
}
