//! Invitations (XEP-0401 0.3.0 / XEP-0445 preauth, XEP-0379 roster preauth, XEP-0401 §5 ad-hoc
//! commands), as one module on the seams; XEP-0077 registration itself is [`super::register`].
//!
//! - **Minting**: [`create_invite`] is the one function every creator calls (the admin CLI
//!   `gatecheck-server invite create`, the ad-hoc commands below, the suite's embedded runner).
//!   Tokens are 18 CSPRNG bytes from `Env::rng`, base64url without padding (24 characters, 144
//!   bits, as Prosody); only their SHA-256 is stored, and lookups are by that hash, so neither a
//!   database dump nor lookup timing reveals a usable token. Expiry is `now + invite_expiry` (or
//!   the request's TTL) from `Env::clock`.
//! - **Preauth** (`<iq type='set'><preauth xmlns='urn:xmpp:pars:0' token='…'/></iq>` before
//!   authentication, on TLS streams only): an unspent, unexpired account or reset invite, or a
//!   contact invite with `ibr=y`, is remembered for the stream ([`ValidatedInvite`] in the
//!   stream's module state) and answered with an empty result; anything else is `cancel`
//!   `item-not-found` (XEP-0445 §4's example), a missing token `modify` `bad-request`. Expiry is
//!   checked here only (INV-24); the token is spent only by a successful registration.
//! - **Roster preauth** (`<presence type='subscribe'>` with `<preauth/>` to a local user): a
//!   valid contact token of exactly that user is spent and the subscription approved on the
//!   user's behalf (`subscribed` and a reciprocal `subscribe` to the requester, roster pushes to
//!   both); anything else falls through to the presence module as an ordinary request (PARS-3).
//! - **Ad-hoc** (XEP-0050 on the server JID, bound streams): `urn:xmpp:invite#invite` (any local
//!   user: a contact invite, `ibr=y` for admins or with `allow_user_invites`) completes at once;
//!   `urn:xmpp:invite#create-account` (admins only, `auth` `forbidden` otherwise) returns a form
//!   (`username`, `roster-subscription`) and the invitation on submit. Results carry FORM_TYPE
//!   `urn:xmpp:invite#invitation`, `uri`, `expire` and, with `invites_page`, `landing-url`.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatecheck_proto::datetime::{Timestamp, format_datetime};
use gatecheck_proto::jid::{Jid, prepare_localpart};
use gatecheck_proto::ns;
use gatecheck_proto::uri::{InviteKind as UriKind, InviteUri};
use gatecheck_proto::xml::Element;
use sha2::{Digest, Sha256};

use super::dataform;
use super::presence;
use super::roster;
use crate::breaks::Break;
use crate::env::Env;
use crate::module::reply::{self, StanzaCondition};
use crate::module::{
    DiscoItem, FeatureContext, Handled, IqPhase, Module, ModuleContext, StreamPhase,
};
use crate::store::{Invite, InviteKind, MAX_INVITE_TOKEN_LEN, Store, StoreError, Subscription};

/// Random bytes per token: 144 bits (Prosody's 18; the contract asks for at least 128).
pub const TOKEN_BYTES: usize = 18;
/// The XEP-0050 node of contact invitations.
pub const NODE_INVITE: &str = "urn:xmpp:invite#invite";
/// The XEP-0050 node of account invitations.
pub const NODE_CREATE_ACCOUNT: &str = "urn:xmpp:invite#create-account";
/// FORM_TYPE of the command results (XEP-0401 0.6.0 §12.1).
pub const FORM_INVITATION: &str = "urn:xmpp:invite#invitation";
/// Open `create-account` command sessions per stream; more and the oldest is forgotten.
const MAX_COMMAND_SESSIONS: usize = 8;

/// The invitation and registration settings (Prosody's option names in [`crate::Config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteSettings {
    /// Our domain (lower-case).
    pub domain: String,
    /// `registration_invite_only`: registration needs a validated invite.
    pub invite_only: bool,
    /// `allow_registration`: with `invite_only` off, anyone may register.
    pub allow_registration: bool,
    /// `invite_expiry`: seconds from creation to expiry.
    pub expiry: u64,
    /// `allow_user_invites`: non-admins' contact invites carry `ibr=y`.
    pub allow_user_invites: bool,
    /// `admins`, lower-cased bare JIDs.
    pub admins: Vec<String>,
    /// `invites_page`: landing-URL template with `{token}`.
    pub invites_page: Option<String>,
    /// `scram_iteration_count` for the credentials of registered accounts.
    pub scram_iterations: u32,
}

impl InviteSettings {
    /// The settings of `c`.
    pub fn from_config(c: &crate::Config) -> Self {
        Self {
            domain: c.domain.to_ascii_lowercase(),
            invite_only: c.registration_invite_only,
            allow_registration: c.allow_registration,
            expiry: c.invite_expiry,
            allow_user_invites: c.allow_user_invites,
            admins: c.admins.iter().map(|a| a.to_lowercase()).collect(),
            invites_page: c.invites_page.clone(),
            scram_iterations: c.scram_iteration_count,
        }
    }

    /// Whether the local account `username` is an admin.
    pub fn is_admin(&self, username: &str) -> bool {
        let bare = format!("{username}@{}", self.domain);
        self.admins.contains(&bare)
    }

    /// Whether anyone may register without an invite.
    pub fn open_registration(&self) -> bool {
        self.allow_registration && !self.invite_only
    }
}

/// What to mint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteFor {
    /// An account invitation; `username` fixes the account name (`xmpp:NAME@HOST?register…`),
    /// `subscribe_to` (a local account) gets a mutual subscription with the new account.
    Account {
        /// The bound username (`user` or `user@domain`), if any.
        username: Option<String>,
        /// A local account (`user` or `user@domain`) to subscribe mutually with the invitee.
        subscribe_to: Option<String>,
    },
    /// A password reset of an existing account (`xmpp:USER@HOST?register…`).
    Reset {
        /// The account (`user` or `user@domain`).
        account: String,
    },
    /// A contact invitation of `inviter` (`xmpp:INVITER@HOST?roster…[;ibr=y]`).
    Contact {
        /// The inviting local account (`user` or `user@domain`).
        inviter: String,
        /// Whether the invitee may also register an account with it (`ibr=y`).
        ibr: bool,
    },
}

/// A request to [`create_invite`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRequest {
    /// What to mint.
    pub what: InviteFor,
    /// The local account creating it (`None`: the admin CLI or an embedding program).
    pub creator: Option<String>,
    /// Lifetime in seconds; `None`: `invite_expiry`.
    pub ttl: Option<u64>,
}

impl InviteRequest {
    /// A request for `what` by nobody in particular with the default lifetime.
    pub fn new(what: InviteFor) -> Self {
        Self {
            what,
            creator: None,
            ttl: None,
        }
    }
}

/// A freshly minted invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minted {
    /// The `xmpp:` URI to hand out.
    pub uri: InviteUri,
    /// The token (also inside `uri`).
    pub token: String,
    /// Expiry, UNIX seconds.
    pub expires_at: u64,
    /// `invites_page` with the token filled in, if configured.
    pub landing_url: Option<String>,
}

impl Minted {
    /// The expiry as a XEP-0082 DateTime (`2026-07-14T10:00:00Z`).
    pub fn expire(&self) -> String {
        datetime(self.expires_at)
    }
}

/// Why an invitation could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// A username or JID is not a valid localpart (or bare JID) on this server.
    #[error("invalid username {0:?}")]
    InvalidUsername(String),
    /// A JID names another domain.
    #[error("{0} is not on this server's domain")]
    ForeignDomain(String),
    /// The account to reset, the inviter or the subscription contact does not exist.
    #[error("no such account: {0}")]
    NoSuchAccount(String),
    /// The lifetime is zero or too large.
    #[error("invalid lifetime: {0} seconds")]
    InvalidTtl(u64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The local username of `user` or `user@domain` (nodeprepped); errors for another domain or an
/// invalid localpart.
pub fn local_username(jid: &str, domain: &str) -> Result<String, InviteError> {
    let (local, dom) = match jid.rsplit_once('@') {
        Some((l, d)) => (l, Some(d)),
        None => (jid, None),
    };
    if let Some(d) = dom
        && !d.trim_end_matches('.').eq_ignore_ascii_case(domain)
    {
        return Err(InviteError::ForeignDomain(jid.to_owned()));
    }
    prepare_localpart(local).map_err(|_| InviteError::InvalidUsername(jid.to_owned()))
}

/// Lower-case hex SHA-256 of a token: the invitation's key in the store.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `now` in UNIX seconds from `env`'s clock.
pub fn unix_now(env: &Env) -> u64 {
    env.clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn datetime(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| Timestamp::new(s, 0))
        .map_or_else(|| "9999-12-31T23:59:59Z".to_owned(), format_datetime)
}

/// Longest lifetime accepted: 10 years (so an expiry always fits a XEP-0082 date).
const MAX_TTL: u64 = 10 * 366 * 86_400;

/// Mints one invitation: a fresh token from `env.rng`, expiry from `env.clock`, stored in
/// `store` (only its hash), returned as the `xmpp:` URI to hand out. The one function the CLI,
/// the ad-hoc commands and embedding programs (the suite's embedded runner) call.
pub fn create_invite(
    store: &dyn Store,
    env: &Env,
    settings: &InviteSettings,
    request: &InviteRequest,
) -> Result<Minted, InviteError> {
    let domain = settings.domain.as_str();
    let ttl = request.ttl.unwrap_or(settings.expiry);
    if ttl == 0 || ttl > MAX_TTL {
        return Err(InviteError::InvalidTtl(ttl));
    }
    let must_exist = |jid: &str| -> Result<String, InviteError> {
        let u = local_username(jid, domain)?;
        match store.get_account(&u)? {
            Some(_) => Ok(u),
            None => Err(InviteError::NoSuchAccount(format!("{u}@{domain}"))),
        }
    };
    let creator = request
        .creator
        .as_deref()
        .map(|c| local_username(c, domain))
        .transpose()?;
    let (kind, username, subscribe_to, allows_registration) = match &request.what {
        InviteFor::Account {
            username,
            subscribe_to,
        } => (
            InviteKind::Account,
            username
                .as_deref()
                .map(|u| local_username(u, domain))
                .transpose()?,
            subscribe_to.as_deref().map(must_exist).transpose()?,
            true,
        ),
        InviteFor::Reset { account } => (InviteKind::Reset, Some(must_exist(account)?), None, true),
        InviteFor::Contact { inviter, ibr } => {
            let inviter = must_exist(inviter)?;
            (InviteKind::Contact, None, Some(inviter), *ibr)
        }
    };
    let mut raw = [0u8; TOKEN_BYTES];
    env.rng.fill(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    let now = unix_now(env);
    let expires_at = now.saturating_add(ttl);
    let creator = match kind {
        InviteKind::Contact => creator.or_else(|| subscribe_to.clone()),
        _ => creator,
    };
    store.invite_create(&Invite {
        token_hash: token_hash(&token),
        kind,
        creator,
        username: username.clone(),
        subscribe_to: subscribe_to.clone(),
        allows_registration,
        created_at: now,
        expires_at,
        used_at: None,
    })?;
    let bad = |_| InviteError::InvalidUsername(domain.to_owned());
    let (uri_kind, node) = match kind {
        InviteKind::Contact => (UriKind::Roster, subscribe_to.as_deref()),
        _ => (UriKind::Register, username.as_deref()),
    };
    let jid = Jid::new(node, domain, None).map_err(bad)?;
    let uri = InviteUri {
        kind: uri_kind,
        jid,
        preauth: token.clone(),
        ibr: kind == InviteKind::Contact && allows_registration,
        extra: Vec::new(),
    };
    let landing_url = settings
        .invites_page
        .as_ref()
        .map(|t| t.replace("{token}", &token));
    Ok(Minted {
        uri,
        token,
        expires_at,
        landing_url,
    })
}

/// The invitation a `<preauth/>` validated on this stream (kept in the stream's module state
/// until a registration with it succeeds). `None` inside: the `inv-21-unknown-token-accepted`
/// broken build accepted a token that names no invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedInvite(pub Option<Invite>);

/// The `create-account` command sessions open on this stream.
#[derive(Debug, Default)]
struct CommandSessions(Vec<String>);

/// The invites module.
#[derive(Debug, Clone)]
pub struct Invites {
    settings: Arc<InviteSettings>,
}

impl Invites {
    /// The module with these settings.
    pub fn new(settings: Arc<InviteSettings>) -> Self {
        Self { settings }
    }
}

static ITEMS: [DiscoItem; 2] = [
    DiscoItem {
        parent: ns::COMMANDS,
        node: NODE_INVITE,
        name: "Invite user",
    },
    DiscoItem {
        parent: ns::COMMANDS,
        node: NODE_CREATE_ACCOUNT,
        name: "Create account",
    },
];

impl Module for Invites {
    fn name(&self) -> &'static str {
        "invites"
    }

    fn stream_features(&self, cx: &FeatureContext<'_>) -> Vec<Element> {
        let before_tls =
            cx.phase == StreamPhase::PreTls && cx.breaks.has(Break::Ibr25RegisterBeforeTls);
        if cx.phase == StreamPhase::PreAuth || before_tls {
            // XEP-0445 §3 and the XEP-0401 0.3.0 feature Prosody and modernxmpp clients use.
            vec![
                Element::new("register", ns::IBR_TOKEN),
                Element::new("register", ns::INVITE),
            ]
        } else {
            Vec::new()
        }
    }

    fn iq_namespaces(&self) -> &'static [&'static str] {
        &[ns::PREAUTH, ns::COMMANDS]
    }

    fn serves_iq(&self, phase: IqPhase) -> bool {
        matches!(phase, IqPhase::PreAuth | IqPhase::Bound)
    }

    fn handle_iq(&self, iq: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        if matches!(iq.attr("type"), Some("result" | "error")) {
            return Handled::Yes; // Never answer a reply (RFC 6120 §8.3.1); nothing is pending.
        }
        let authenticated = cx.identity().username.is_some();
        if let Some(p) = iq.child("preauth", ns::PREAUTH) {
            if authenticated {
                return Handled::No; // Wrong stream state: service-unavailable.
            }
            self.preauth(iq, p, cx);
            return Handled::Yes;
        }
        if let Some(c) = iq.child("command", ns::COMMANDS)
            && authenticated
        {
            self.command(iq, c, cx);
            return Handled::Yes;
        }
        Handled::No
    }

    fn handle_stanza(&self, stanza: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        if stanza.name != "presence" || stanza.attr("type") != Some("subscribe") {
            return Handled::No;
        }
        let Some(token) = stanza
            .child("preauth", ns::PREAUTH)
            .and_then(|p| p.attr("token"))
        else {
            return Handled::No;
        };
        if roster_preauth(token, stanza, cx) {
            Handled::Yes
        } else {
            Handled::No
        }
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::COMMANDS]
    }

    fn disco_items(&self) -> &'static [DiscoItem] {
        &ITEMS
    }
}

/// The error a rejected preauth gets (XEP-0445 §4's example).
const INVALID_TOKEN: &str = "The provided token is invalid or expired";

impl Invites {
    fn preauth(&self, iq: &Element, p: &Element, cx: &mut ModuleContext<'_>) {
        let domain = cx.domain().to_owned();
        let fail = |cx: &mut ModuleContext<'_>, cond, text: &str| {
            let e = reply::error_with(iq, Some(&domain), "", cond, Some(text), None);
            cx.send(&e);
        };
        if iq.attr("type") != Some("set") {
            return fail(cx, StanzaCondition::BadRequest, "preauth is an IQ set");
        }
        if cx.tls.is_none() {
            return fail(cx, StanzaCondition::PolicyViolation, "Use TLS first");
        }
        let Some(token) = p.attr("token") else {
            return fail(cx, StanzaCondition::BadRequest, "The token is missing");
        };
        let brk = cx.breaks;
        let found = if token.is_empty() || token.len() > MAX_INVITE_TOKEN_LEN {
            None
        } else {
            match cx.store.invite_get(&token_hash(token)) {
                Ok(i) => i,
                Err(_) => {
                    return fail(cx, StanzaCondition::InternalServerError, "Storage failure");
                }
            }
        };
        let now = unix_now(cx.env);
        let valid = found.filter(|i| {
            i.used_at.is_none()
                && i.allows_registration
                && (now < i.expires_at || brk.has(Break::Inv21ExpiredTokenAccepted))
        });
        let validated = match valid {
            Some(i) => ValidatedInvite(Some(i)),
            None if brk.has(Break::Inv21UnknownTokenAccepted) => ValidatedInvite(None),
            None => return fail(cx, StanzaCondition::ItemNotFound, INVALID_TOKEN),
        };
        cx.state().insert(validated);
        let r = reply::iq_result(iq, Some(&domain), "", None);
        cx.send(&r);
    }

    fn command(&self, iq: &Element, c: &Element, cx: &mut ModuleContext<'_>) {
        let domain = cx.domain().to_owned();
        let (Some(user), Some(from)) = (cx.identity().username.clone(), cx.identity().full_jid())
        else {
            return;
        };
        let error = |cx: &mut ModuleContext<'_>, cond, app: Option<&str>| {
            let app = app.map(|a| Element::new(a, ns::COMMANDS));
            let e = reply::error_with(iq, Some(&domain), &from, cond, None, app);
            cx.send(&e);
        };
        if iq.attr("type") != Some("set") {
            return error(cx, StanzaCondition::BadRequest, None);
        }
        let node = c.attr("node").unwrap_or_default().to_owned();
        let admin = self.settings.is_admin(&user);
        let brk = cx.breaks;
        let action = c.attr("action").unwrap_or("execute");
        if !matches!(action, "execute" | "complete" | "next" | "cancel") {
            return error(cx, StanzaCondition::BadRequest, Some("malformed-action"));
        }
        let request = match node.as_str() {
            NODE_INVITE => InviteRequest {
                what: InviteFor::Contact {
                    inviter: user.clone(),
                    ibr: admin || self.settings.allow_user_invites,
                },
                creator: Some(user.clone()),
                ttl: None,
            },
            NODE_CREATE_ACCOUNT => {
                if !admin && !brk.has(Break::Inv3CreateAccountNotAdmin) {
                    return error(cx, StanzaCondition::Forbidden, None);
                }
                let submitted = c
                    .child("x", ns::DATA_FORMS)
                    .filter(|x| x.attr("type") == Some("submit"));
                let sid = c.attr("sessionid").map(str::to_owned);
                if action == "cancel" {
                    if let Some(s) = &sid {
                        cx.state().entry::<CommandSessions>().0.retain(|o| o != s);
                    }
                    let done = command_el(&node, sid.as_deref(), "canceled");
                    let r = reply::iq_result(iq, Some(&domain), &from, Some(done));
                    return cx.send(&r);
                }
                let Some(x) = submitted else {
                    // Step 1: the form.
                    let sid = cx.env.random_hex(8);
                    let sessions = &mut cx.state().entry::<CommandSessions>().0;
                    if sessions.len() >= MAX_COMMAND_SESSIONS {
                        sessions.remove(0);
                    }
                    sessions.push(sid.clone());
                    let form = Element::new("x", ns::DATA_FORMS)
                        .with_attr("type", "form")
                        .with_child(
                            dataform::field("username", "text-single", None)
                                .with_attr("label", "Username"),
                        )
                        .with_child(
                            dataform::field("roster-subscription", "boolean", None)
                                .with_attr("label", "Roster subscription"),
                        );
                    let cmd = command_el(&node, Some(&sid), "executing")
                        .with_child(
                            Element::new("actions", ns::COMMANDS)
                                .with_attr("execute", "complete")
                                .with_child(Element::new("complete", ns::COMMANDS)),
                        )
                        .with_child(form);
                    let r = reply::iq_result(iq, Some(&domain), &from, Some(cmd));
                    return cx.send(&r);
                };
                if let Some(s) = &sid {
                    let sessions = &mut cx.state().entry::<CommandSessions>().0;
                    if !sessions.contains(s) {
                        return error(cx, StanzaCondition::BadRequest, Some("bad-sessionid"));
                    }
                    sessions.retain(|o| o != s);
                }
                let Ok(values) = dataform::values(x) else {
                    return error(cx, StanzaCondition::BadRequest, Some("bad-payload"));
                };
                let username = dataform::get(&values, "username")
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned);
                if let Some(u) = &username
                    && (u.contains('@') || prepare_localpart(u).is_err())
                {
                    // INV-14: the username must be a valid localpart.
                    return error(cx, StanzaCondition::BadRequest, Some("bad-payload"));
                }
                let subscribe = dataform::truthy(dataform::get(&values, "roster-subscription"));
                InviteRequest {
                    what: InviteFor::Account {
                        username,
                        subscribe_to: subscribe.then(|| user.clone()),
                    },
                    creator: Some(user.clone()),
                    ttl: None,
                }
            }
            _ => return error(cx, StanzaCondition::ItemNotFound, None),
        };
        let mut minted = match create_invite(cx.store, cx.env, &self.settings, &request) {
            Ok(m) => m,
            Err(InviteError::Store(_)) => {
                return error(cx, StanzaCondition::InternalServerError, None);
            }
            Err(_) => return error(cx, StanzaCondition::BadRequest, Some("bad-payload")),
        };
        if node == NODE_INVITE && brk.has(Break::Inv8IbrFlagAlways) {
            // The URI claims registration although the stored invite does not allow it.
            minted.uri.ibr = true;
        }
        let mut form = dataform::form("result", FORM_INVITATION)
            .with_attr("title", "Your invite has been created")
            .with_child(dataform::field(
                "uri",
                "text-single",
                Some(&minted.uri.to_string()),
            ));
        if let Some(l) = &minted.landing_url {
            form = form.with_child(dataform::field("landing-url", "text-single", Some(l)));
        }
        form = form.with_child(dataform::field(
            "expire",
            "text-single",
            Some(&minted.expire()),
        ));
        let cmd = command_el(&node, c.attr("sessionid"), "completed").with_child(form);
        let r = reply::iq_result(iq, Some(&domain), &from, Some(cmd));
        cx.send(&r);
    }
}

fn command_el(node: &str, sid: Option<&str>, status: &str) -> Element {
    let mut e = Element::new("command", ns::COMMANDS).with_attr("node", node);
    if let Some(s) = sid {
        e = e.with_attr("sessionid", s);
    }
    e.with_attr("status", status)
}

/// XEP-0379 server-side: approves a subscription request carrying a valid contact token of the
/// addressed user on that user's behalf. Returns whether it did (else the presence module
/// treats the request as an ordinary one).
fn roster_preauth(token: &str, stanza: &Element, cx: &mut ModuleContext<'_>) -> bool {
    let (Some(requester), Some(requester_bare)) =
        (cx.identity().username.clone(), cx.identity().bare_jid())
    else {
        return false;
    };
    let brk = cx.breaks;
    if brk.has(Break::Pars2PreauthNotApproved) {
        return false;
    }
    let Some(to) = stanza.attr("to") else {
        return false;
    };
    let domain = cx.domain().to_owned();
    let Ok(target) = local_username(to.split_once('/').map_or(to, |(b, _)| b), &domain) else {
        return false;
    };
    if target == requester || token.is_empty() || token.len() > MAX_INVITE_TOKEN_LEN {
        return false;
    }
    let hash = token_hash(token);
    let now = unix_now(cx.env);
    let Ok(Some(inv)) = cx.store.invite_get(&hash) else {
        return false;
    };
    let for_target = inv.subscribe_to.as_deref() == Some(target.as_str())
        || brk.has(Break::Pars3OtherInvitersTokenApproved);
    if inv.kind != InviteKind::Contact || !for_target || now >= inv.expires_at {
        return false;
    }
    let spent =
        brk.has(Break::Pars5TokenReusable) || matches!(cx.store.invite_spend(&hash, now), Ok(true));
    if !spent {
        return false; // Spent already: an ordinary request (PARS-5).
    }
    let target_bare = format!("{target}@{domain}");
    let (store, router, env) = (cx.store, cx.router, cx.env);
    // The requester now receives the target's presence (RFC 6121 §3.1.6: `to`, no ask).
    let mine = presence::update(store, &requester, &target_bare, |i| {
        i.subscription = presence::with_to(i.subscription, true);
        i.ask = false;
    });
    if let Some(i) = mine {
        roster::push(router, env, &requester_bare, roster::item_element(&i));
    }
    // The target approved (`from`) and asks back unless it already receives the requester.
    let mut reciprocal = false;
    let theirs = presence::update(store, &target, &requester_bare, |i| {
        i.subscription = presence::with_from(i.subscription, true);
        if !matches!(i.subscription, Subscription::To | Subscription::Both) {
            i.ask = true;
            reciprocal = true;
        }
    });
    if let Some(i) = theirs {
        roster::push(router, env, &target_bare, roster::item_element(&i));
    }
    let mut kinds = vec!["subscribed"];
    if reciprocal {
        kinds.push("subscribe");
    }
    for kind in kinds {
        let p = Element::new("presence", ns::CLIENT)
            .with_attr("type", kind)
            .with_attr("from", target_bare.as_str())
            .with_attr("to", requester_bare.as_str());
        let bytes = p.to_xml_in(ns::CLIENT).into_bytes();
        for r in router.resources_of(&requester_bare) {
            let _ = router.route(&r, bytes.clone());
        }
    }
    true
}
