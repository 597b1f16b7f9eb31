//! Steps every module's cases share, each turning the kit's errors into verdicts the same way:
//! reaching the run's target, a TLS-protected stream with its SASL2 offer, a SCRAM login with the
//! configured account, and judging a SASL `<failure/>`. FAST, invites and OAuth2 cases all start
//! with a SASL2 login, so these live here rather than in `sasl2/`.

use crate::config::TlsMode;
use crate::ctx::CaseCtx;
use crate::outcome::{Flow, Outcome, error, fail, pass, skip, unsupported};
use gatecheck_client::login::{Login, LoginError, best_scram, username_of};
use gatecheck_client::{
    ClientError, Conn, Endpoint, Features, Sasl2Offer, Sasl2Reply, TlsTrust, client_config_for,
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

/// Connect to the run's target, recording into the case transcript under `label`.
pub async fn open(ctx: &CaseCtx, label: &str) -> Result<Conn, ClientError> {
    Conn::connect(
        endpoint(ctx)?,
        ctx.transcript.clone(),
        label,
        ctx.reply_timeout(),
    )
    .await
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

/// A login error as an outcome: a wrong server signature fails SASL2-113, a rejected correct login
/// fails `req`, anything else is an error of the setup.
pub fn login_failed(req: &str, e: LoginError) -> Outcome {
    match e {
        LoginError::ServerSignature(s) => fail("SASL2-113", "v= equal to ServerSignature", s),
        LoginError::Reply(r) => fail(req, "<success/> for correct credentials", r.describe()),
        LoginError::Scram(s) => fail("SASL2-106", "a valid server-first-message", s.to_string()),
        other => setup("login", other),
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
