//! Invitations and registration (issue 11): XEP-0401 account and contact invitations redeemed
//! with XEP-0445 `<preauth/>` over XEP-0077 in-band registration, XEP-0379 roster pre-approval,
//! the XEP-0050 invitation commands, and the XEP-0077 operations of a registered account
//! (`<registered/>`, password change, `<remove/>`).
//!
//! Invitations come from [`mint`]: the embedded run's hook, else `--invite-cmd` with `{kind}` and
//! `{user}`, else the XEP-0050 commands (`#invite` as the inviter, `#create-account` as `--admin`);
//! a case that still has none skips with the reason. Every account a case registers is named
//! `gc-` and ten random characters and is removed (XEP-0077 `<remove/>`) when the case ends,
//! whatever its verdict. Negative inputs are valid in every respect but the one under test: a
//! fresh TLS-protected stream, a token the target minted, a free username, a non-empty password.

use crate::cases::prelude::*;
use crate::mint::{MintKind, MintRequest, run_template};
use crate::transcript::SecretKind;
use gatecheck_client::iq::{Exchange, IqReply, StanzaError};
use gatecheck_client::register as reg;
use gatecheck_proto::uri::{InviteKind, InviteUri};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod account;
mod adhoc;
pub mod malformed;
mod register;
mod roster;

/// The base registration of the invitation cases: the target offers pre-authenticated IBR.
pub(crate) const INV: Spec = Spec {
    offers: &[Offer::Invite],
    ..Spec::module(Module::Invites)
};

/// The base of the cases about registered accounts (XEP-0077 on an authenticated stream).
pub(crate) const IBR: Spec = Spec {
    offers: &[Offer::Register],
    ..Spec::module(Module::Invites)
};

/// The invitation cases, in registry order.
pub fn all() -> Vec<Case> {
    let mut v = register::all();
    v.extend(adhoc::all());
    v.extend(roster::all());
    v.extend(account::all());
    v.extend(malformed::all());
    v
}

// ---------------------------------------------------------------------------------------------
// Accounts the cases use
// ---------------------------------------------------------------------------------------------

/// An account: bare JID, localpart, password.
#[derive(Clone)]
pub(crate) struct Creds {
    pub jid: String,
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Creds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.jid)
    }
}

fn random_chars(n: usize) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| char::from(A[usize::from(rand::random::<u8>()) % A.len()]))
        .collect()
}

/// The domain of the run.
pub(crate) fn domain(ctx: &CaseCtx) -> String {
    ctx.config.domain().unwrap_or_default().to_owned()
}

/// A fresh account name and password (`gc-` + 10 random characters), not yet registered.
pub(crate) fn fresh(ctx: &CaseCtx) -> Creds {
    let user = format!("gc-{}", random_chars(10));
    let password = format!("Gc{}", random_chars(20));
    ctx.secret(SecretKind::Password, &password);
    Creds {
        jid: format!("{user}@{}", domain(ctx)),
        user,
        password,
    }
}

/// The `n`th `--account`, as [`Creds`].
pub(crate) fn configured(ctx: &CaseCtx, n: usize) -> Option<Creds> {
    let a = ctx.account(n)?;
    let user = gatecheck_client::login::username_of(&a.jid).to_owned();
    Some(Creds {
        jid: format!("{user}@{}", domain(ctx)),
        user,
        password: a.password.clone(),
    })
}

/// `--account`, or a skip.
pub(crate) fn first_account(ctx: &CaseCtx) -> Flow<Creds> {
    configured(ctx, 0).ok_or_else(|| skip("needs --account"))
}

/// The `--admin` account, as [`Creds`].
pub(crate) fn admin(ctx: &CaseCtx) -> Option<Creds> {
    let a = ctx.config.admin.as_ref()?;
    let user = gatecheck_client::login::username_of(&a.jid).to_owned();
    Some(Creds {
        jid: format!("{user}@{}", domain(ctx)),
        user,
        password: a.password.clone(),
    })
}

/// The accounts a case registered, removed when it ends.
#[derive(Clone, Default)]
pub(crate) struct Registered(Arc<Mutex<Vec<Creds>>>);

impl Registered {
    pub fn add(&self, c: &Creds) {
        if let Ok(mut v) = self.0.lock() {
            v.push(c.clone());
        }
    }

    /// Update the password remembered for `user` (after a reset or a password change).
    pub fn set_password(&self, user: &str, password: &str) {
        if let Ok(mut v) = self.0.lock() {
            for c in v.iter_mut().filter(|c| c.user == user) {
                c.password = password.to_owned();
            }
        }
    }

    pub fn forget(&self, user: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.retain(|c| c.user != user);
        }
    }

    fn take(&self) -> Vec<Creds> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Run a case body, then remove every account it registered (whatever its verdict).
pub(crate) async fn tidy(
    ctx: &CaseCtx,
    regd: &Registered,
    body: impl std::future::Future<Output = Flow>,
) -> Flow {
    let r = body.await;
    let left = regd.take();
    if !left.is_empty() {
        ctx.step("cleanup: remove the accounts this case registered");
    }
    for c in left {
        match remove(ctx, &c).await {
            Ok(()) => ctx.note(&format!("cleanup: removed {}", c.jid)),
            Err(e) => ctx.note(&format!("cleanup: could not remove {}: {e}", c.jid)),
        }
    }
    r
}

/// What an outcome says, in one line.
pub(crate) fn said(o: &Outcome) -> String {
    [
        o.requirement.as_deref(),
        o.actual.as_deref(),
        o.message.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(": ")
}

/// Log `c` in and send XEP-0077 `<remove/>`.
async fn remove(ctx: &CaseCtx, c: &Creds) -> Result<(), String> {
    let (mut conn, _) = session(ctx, "cleanup", c).await.map_err(|o| said(&o))?;
    let x = conn
        .request(&reg::register_remove("rm"))
        .await
        .map_err(|e| e.to_string())?;
    match x.reply {
        IqReply::Result(_) => Ok(()),
        IqReply::Error(e) => Err(e.describe()),
    }
}

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

/// A verdict for a request the target did not answer: silence, a close or a stream error fail
/// `req`; anything else is the suite's own error.
pub(crate) fn unanswered_iq(ctx: &CaseCtx, req: &str, expected: &str, e: &ClientError) -> Outcome {
    match e {
        ClientError::Timeout(_) => fail(req, expected, silence(ctx)),
        ClientError::Closed => fail(req, expected, "closed without <stream:error/>"),
        ClientError::StreamClosed => {
            fail(req, expected, "</stream:stream> without <stream:error/>")
        }
        ClientError::StreamError { .. } => fail(req, expected, e.to_string()),
        ClientError::Unexpected { got, .. } => fail(req, expected, format!("unexpected {got}")),
        other => setup("waiting for the server", other),
    }
}

/// Send `iq` and read its reply; no reply fails `req`.
pub(crate) async fn ask(
    ctx: &CaseCtx,
    c: &mut Conn,
    iq: &Element,
    req: &str,
    expected: &str,
) -> Flow<Exchange> {
    c.request(iq)
        .await
        .map_err(|e| unanswered_iq(ctx, req, expected, &e))
}

/// A fresh TLS-protected, unauthenticated stream and its features.
pub(crate) async fn unauth(ctx: &CaseCtx, label: &str) -> Flow<(Conn, Features)> {
    ctx.step(&format!("{label}: open a TLS-protected stream"));
    tls_session(ctx, label)
        .await
        .or_setup("opening a TLS-protected stream")
}

/// Log `c` in over SASL2 with an inline Bind 2 request on a fresh stream; the bound full JID.
pub(crate) async fn session(ctx: &CaseCtx, label: &str, c: &Creds) -> Flow<(Conn, String)> {
    let (mut conn, f) = unauth(ctx, label).await?;
    let jid = login_on(ctx, &mut conn, &f, c, "INV-28").await?;
    Ok((conn, jid))
}

/// Log `c` in on `conn` (whose features are `f`) with Bind 2; a refused correct login fails
/// `req`. Returns the bound JID (or the bare one when the server names none).
pub(crate) async fn login_on(
    ctx: &CaseCtx,
    conn: &mut Conn,
    f: &Features,
    c: &Creds,
    req: &str,
) -> Flow<String> {
    ctx.step(&format!("log in as {}", c.jid));
    if f.sasl2.is_none() {
        return Err(unsupported(
            "the invitation cases log in over SASL2 with Bind 2; no SASL2 offered",
        ));
    }
    // A tag of its own per session: two sessions of one account must not bind the same
    // resource (the second would replace the first).
    let tag = format!("gcinv{}", random_chars(6));
    let bind: Element = build::bind2().tag(&tag).into();
    let ok = gatecheck_client::login(conn, f, &c.user, &c.password, &[bind])
        .await
        .map_err(|e| login_failed(req, e))?;
    conn.after_success(gatecheck_client::AuthProfile::Sasl2)
        .await
        .or_setup("reading the features after <success/>")?;
    Ok(authorization_identifier(&ok.success).unwrap_or_else(|| c.jid.clone()))
}

/// Whether `c` can log in: `<success/>` → true, a SASL `<failure/>` → false.
pub(crate) async fn can_login(ctx: &CaseCtx, c: &Creds) -> Flow<bool> {
    let (mut conn, f) = unauth(ctx, "check").await?;
    ctx.step(&format!("check whether {} can log in", c.jid));
    match gatecheck_client::login(&mut conn, &f, &c.user, &c.password, &[]).await {
        Ok(_) => Ok(true),
        Err(LoginError::Reply(Sasl2Reply::Failure { .. })) => Ok(false),
        Err(LoginError::Client(e)) if e.is_termination() => Ok(false),
        Err(e) => Err(setup("checking the login", e)),
    }
}

/// A session that is "online" for RFC 6121: roster requested and initial presence sent.
pub(crate) async fn online(ctx: &CaseCtx, label: &str, c: &Creds) -> Flow<Conn> {
    let (mut conn, me) = session(ctx, label, c).await?;
    ctx.step(&format!("{label}: roster get and initial presence"));
    conn.request(&reg::roster_get("r0"))
        .await
        .or_setup("requesting the roster")?;
    conn.send(&reg::presence(None, None, None))
        .await
        .or_setup("sending initial presence")?;
    // RFC 6121 §4.2.2: the server also delivers initial presence to the resource that sent it.
    // Waiting for that echo puts it before anything the case reads next (its timing is the
    // server's, not the case's).
    let (echo, _) = conn
        .collect_until(|e| {
            e.is("presence", ns::CLIENT)
                && e.attr("type").is_none()
                && e.attr("from") == Some(me.as_str())
        })
        .await
        .or_setup("reading the initial presence echo")?;
    if echo.is_none() {
        ctx.note(&format!(
            "{label}: no echo of the initial presence within the reply wait"
        ));
    }
    Ok(conn)
}

/// The roster of a session.
pub(crate) async fn roster(
    ctx: &CaseCtx,
    conn: &mut Conn,
    req: &str,
) -> Flow<Vec<reg::RosterItem>> {
    let x = ask(ctx, conn, &reg::roster_get("roster"), req, "the roster").await?;
    Ok(x.reply
        .payload()
        .filter(|q| q.is("query", ns::ROSTER))
        .map(reg::roster_items)
        .unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Invitations
// ---------------------------------------------------------------------------------------------

/// A minted invitation.
#[derive(Debug, Clone)]
pub(crate) struct Invite {
    pub uri: InviteUri,
    pub raw: String,
}

impl Invite {
    pub fn token(&self) -> &str {
        &self.uri.preauth
    }
}

/// Parse what a minting path returned.
fn parse_invite(ctx: &CaseCtx, raw: &str, via: &str) -> Result<Invite, String> {
    let uri = InviteUri::parse(raw).map_err(|e| format!("{via} gave {raw:?}: {e}"))?;
    ctx.secret(SecretKind::InviteToken, &uri.preauth);
    ctx.note(&format!("minted via {via}: {raw}"));
    Ok(Invite {
        uri,
        raw: raw.to_owned(),
    })
}

/// Mint an invitation of `kind` for `user`: the embedded hook, `--invite-cmd`, then XEP-0050
/// (`#create-account` as `--admin` for account kinds, `#invite` as `inviter` for contact ones).
/// `ttl`: a short lifetime (expiry cases). Skips with every reason when nothing could mint it.
pub(crate) async fn mint(
    ctx: &CaseCtx,
    kind: MintKind,
    user: Option<&str>,
    ttl: Option<Duration>,
    inviter: Option<&Creds>,
) -> Flow<Invite> {
    ctx.step(&format!("mint a {} invitation", kind.as_str()));
    let mut req = MintRequest {
        kind,
        user: user.map(str::to_owned),
        ttl,
    };
    let mut why = Vec::new();
    if let Some(hook) = &ctx.config.invite_hook {
        match (hook.0)(&req).and_then(|raw| parse_invite(ctx, &raw, "the embedded server")) {
            Ok(i) => return Ok(i),
            Err(e) => note_why(ctx, &mut why, e),
        }
    }
    if let Some(t) = &ctx.config.invite_cmd {
        // Without `{ttl}`, --invite-ttl is the target's own lifetime: mint as usual.
        if !t.contains("{ttl}") {
            req.ttl = None;
        }
        match run_template(t, &req).await {
            Ok(raw) => match parse_invite(ctx, &raw, "--invite-cmd") {
                Ok(i) => return Ok(i),
                Err(e) => note_why(ctx, &mut why, e),
            },
            Err(e) => note_why(ctx, &mut why, e.to_string()),
        }
    }
    let via_adhoc = match kind {
        MintKind::Account | MintKind::AccountBound => match admin(ctx) {
            Some(a) => {
                let username = (kind == MintKind::AccountBound)
                    .then(|| user.map(|u| gatecheck_client::login::username_of(u).to_owned()))
                    .flatten();
                Some(adhoc::create_account(ctx, &a, username.as_deref()).await)
            }
            None => {
                why.push("no --admin for XEP-0050 #create-account".into());
                None
            }
        },
        MintKind::Contact => match inviter {
            Some(i) => Some(adhoc::invite(ctx, i).await.map(|(raw, _)| raw)),
            None => None,
        },
        MintKind::Reset => {
            why.push("XEP-0401 defines no command for reset invitations".into());
            None
        }
    };
    match via_adhoc {
        Some(Ok(raw)) => match parse_invite(ctx, &raw, "XEP-0050") {
            Ok(i) => return Ok(i),
            Err(e) => note_why(ctx, &mut why, e),
        },
        Some(Err(e)) => note_why(ctx, &mut why, format!("XEP-0050: {e}")),
        None => {}
    }
    if why.is_empty() {
        why.push("no --invite-cmd".into());
    }
    Err(skip(format!(
        "cannot mint a {} invitation: {}",
        kind.as_str(),
        why.join("; ")
    )))
}

/// Record why a minting path gave nothing (in the transcript, and for the skip reason).
fn note_why(ctx: &CaseCtx, why: &mut Vec<String>, e: String) {
    ctx.note(&format!("minting: {e}"));
    why.push(e);
}

/// Mint an account invitation (any username).
pub(crate) async fn mint_account(ctx: &CaseCtx) -> Flow<Invite> {
    let i = mint(ctx, MintKind::Account, None, None, None).await?;
    expect_kind(&i, InviteKind::Register)?;
    Ok(i)
}

/// A minted invitation must be of the kind asked for (else the minting setup is wrong).
pub(crate) fn expect_kind(i: &Invite, kind: InviteKind) -> Flow<()> {
    if i.uri.kind == kind {
        Ok(())
    } else {
        Err(setup(
            "minting",
            format!(
                "asked for a ?{} invitation, got {}",
                kind.query_type(),
                i.raw
            ),
        ))
    }
}

/// Send `<preauth/>` with `token` and read the reply (silence fails `req`).
pub(crate) async fn preauth(ctx: &CaseCtx, c: &mut Conn, token: &str, req: &str) -> Flow<IqReply> {
    ctx.step("preauth");
    let x = ask(
        ctx,
        c,
        &reg::preauth_iq("pa", Some(token)),
        req,
        "an answer to <preauth/>",
    )
    .await?;
    Ok(x.reply)
}

/// Register `c` with the legacy fields; the reply (silence fails `req`).
pub(crate) async fn register(
    ctx: &CaseCtx,
    conn: &mut Conn,
    c: &Creds,
    req: &str,
) -> Flow<IqReply> {
    ctx.step(&format!("register {}", c.user));
    let x = ask(
        ctx,
        conn,
        &reg::register_legacy("reg", Some(&c.user), Some(&c.password)),
        req,
        "an answer to the registration",
    )
    .await?;
    Ok(x.reply)
}

/// On a fresh stream: preauth with `inv` (must be accepted: INV-21), register a fresh `gc-`
/// account (must succeed: `req`), remembered in `regd`. Returns the account and the stream.
pub(crate) async fn register_with(
    ctx: &CaseCtx,
    regd: &Registered,
    inv: &Invite,
    req: &str,
) -> Flow<(Creds, Conn, Features)> {
    let c = fresh(ctx);
    let (mut conn, f) = unauth(ctx, "reg").await?;
    let r = preauth(ctx, &mut conn, inv.token(), "INV-21").await?;
    if let IqReply::Error(e) = r {
        return Err(fail(
            "INV-21",
            "an empty result to <preauth/> with a fresh token",
            e.describe(),
        ));
    }
    match register(ctx, &mut conn, &c, req).await? {
        IqReply::Result(_) => {
            regd.add(&c);
            Ok((c, conn, f))
        }
        IqReply::Error(e) => Err(fail(
            req,
            "an empty result to the registration after a valid preauth",
            e.describe(),
        )),
    }
}

/// Register a fresh account with a freshly minted account invitation (setup for other cases).
pub(crate) async fn new_account(ctx: &CaseCtx, regd: &Registered) -> Flow<Creds> {
    let inv = mint_account(ctx).await?;
    let (c, _, _) = register_with(ctx, regd, &inv, "INV-28").await?;
    Ok(c)
}

/// Whether the error's condition is one of `conds`.
pub(crate) fn is_one_of(e: &StanzaError, conds: &[&str]) -> bool {
    conds.contains(&e.condition.as_str())
}

/// Judge a rejected preauth: an error passes; `item-not-found` (XEP-0445's example) or
/// `forbidden` (Prosody's) plainly, another condition with a warning citing INV-22; a result
/// fails `req`.
pub(crate) fn judge_rejected_preauth(r: &IqReply, req: &str, what: &str) -> Outcome {
    match r {
        IqReply::Result(_) => fail(req, format!("an IQ error for {what}"), "an empty result"),
        IqReply::Error(e) if is_one_of(e, &["item-not-found", "forbidden"]) => {
            pass().with_message(e.describe())
        }
        IqReply::Error(e) => warn(
            "INV-22",
            "item-not-found (XEP-0445 example) or forbidden",
            e.describe(),
            "the token was refused, with a condition clients do not expect for a bad token",
        ),
    }
}
