//! XEP-0077 In-Band Registration on c2s streams, with XEP-0445 invitations
//! ([`super::invites`]) deciding who may register.
//!
//! Before authentication (TLS streams only; before TLS `modify` `policy-violation`):
//! - get: `<instructions/>`, `<username/>`, `<password/>` and the same as a `jabber:x:data` form
//!   with FORM_TYPE `jabber:iq:register` (IBR-3, IBR-21);
//! - set with legacy fields or a submitted form: a nodeprepped username and a non-empty
//!   password (else `modify` `not-acceptable`, IBR-10; a field given twice is `modify`
//!   `bad-request`). With `registration_invite_only` (default) the stream needs a validated
//!   invite (`<preauth/>`), else `not-acceptable` (INV-27, Prosody's answer). An account invite
//!   bound to a username and a reset invite accept only that username (`forbidden`, INV-25). A
//!   taken or reserved username is `cancel` `conflict`. Creating the account (with the mutual
//!   subscription of a contact invite) or resetting the password, and spending the token, are
//!   one store transaction ([`crate::store::Store::invite_redeem`]): a failure spends nothing,
//!   and of two registrations with one token exactly one succeeds. The same stream then
//!   authenticates with the new credentials (IBR-26);
//! - `<remove/>`: `auth` `registration-required`.
//!
//! Authenticated (bound) streams: get → `<registered/>` with the username; set with username and
//! password changes the password (an empty one is `not-acceptable` and keeps the old, IBR-17;
//! another username is `not-allowed`); `<remove/>` alone deletes the account, answers, and ends
//! this and every other stream of the account with `not-authorized` (IBR-14); `<remove/>` with
//! siblings is `bad-request` (IBR-12).

use std::sync::Arc;

use gatecheck_proto::jid::prepare_localpart;
use gatecheck_proto::ns;
use gatecheck_proto::xml::{Element, StreamErrorCondition};

use super::dataform;
use super::invites::{InviteSettings, ValidatedInvite, unix_now};
use super::presence;
use super::roster;
use crate::breaks::Break;
use crate::module::reply::{self, StanzaCondition};
use crate::module::{FeatureContext, Handled, IqPhase, Module, ModuleContext, StreamPhase};
use crate::store::{Account, InviteKind, Redeem, RosterItem, StoreError, Subscription};

/// Longest password accepted, in bytes.
pub const MAX_PASSWORD_LEN: usize = 1024;

const INSTRUCTIONS: &str = "Choose a username and password for use with this service.";

/// The registration module.
#[derive(Debug, Clone)]
pub struct Register {
    settings: Arc<InviteSettings>,
}

impl Register {
    /// The module with these settings.
    pub fn new(settings: Arc<InviteSettings>) -> Self {
        Self { settings }
    }
}

impl Module for Register {
    fn name(&self) -> &'static str {
        "register"
    }

    fn stream_features(&self, cx: &FeatureContext<'_>) -> Vec<Element> {
        let before_tls =
            cx.phase == StreamPhase::PreTls && cx.breaks.has(Break::Ibr25RegisterBeforeTls);
        if cx.phase == StreamPhase::PreAuth || before_tls {
            vec![Element::new("register", ns::REGISTER_FEATURE)]
        } else {
            Vec::new()
        }
    }

    fn iq_namespaces(&self) -> &'static [&'static str] {
        &[ns::REGISTER]
    }

    fn serves_iq(&self, phase: IqPhase) -> bool {
        matches!(phase, IqPhase::PreAuth | IqPhase::Bound)
    }

    fn handle_iq(&self, iq: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        let Some(q) = iq.child("query", ns::REGISTER) else {
            return Handled::No;
        };
        if matches!(iq.attr("type"), Some("result" | "error")) {
            return Handled::Yes; // Never answer a reply (RFC 6120 §8.3.1); nothing is pending.
        }
        if cx.identity().username.is_some() {
            self.authenticated(iq, q, cx);
        } else {
            self.unauthenticated(iq, q, cx);
        }
        Handled::Yes
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::REGISTER]
    }
}

/// Who answers and to whom: the server, to the full JID once bound, else unaddressed.
fn parties(cx: &ModuleContext<'_>) -> (String, String) {
    (
        cx.domain().to_owned(),
        cx.identity().full_jid().unwrap_or_default(),
    )
}

fn answer_error(
    iq: &Element,
    cx: &mut ModuleContext<'_>,
    cond: StanzaCondition,
    text: Option<&str>,
) {
    let (domain, to) = parties(cx);
    let e = reply::error_with(iq, Some(&domain), &to, cond, text, None);
    cx.send(&e);
}

fn answer(iq: &Element, cx: &mut ModuleContext<'_>, payload: Option<Element>) {
    let (domain, to) = parties(cx);
    let r = reply::iq_result(iq, Some(&domain), &to, payload);
    cx.send(&r);
}

/// What a registration set carries.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fields {
    /// `<username/>` or the form's `username` field.
    pub username: Option<String>,
    /// `<password/>` or the form's `password` field.
    pub password: Option<String>,
    /// Whether `<remove/>` is present.
    pub remove: bool,
    /// Children other than `<remove/>` (IBR-12).
    pub others: usize,
}

/// Reads legacy fields or a submitted form (a form wins when both are present, XEP-0077 §6).
/// Public only so the `ibr_form` fuzz target reaches the parser the module uses.
pub fn fields(q: &Element) -> Result<Fields, StanzaCondition> {
    let mut f = Fields::default();
    for c in q.elements() {
        if c.is("remove", ns::REGISTER) {
            f.remove = true;
        } else {
            f.others += 1;
        }
    }
    if let Some(x) = q.child("x", ns::DATA_FORMS) {
        let values = dataform::values(x).map_err(|_| StanzaCondition::BadRequest)?;
        f.username = dataform::get(&values, "username").map(str::to_owned);
        f.password = dataform::get(&values, "password").map(str::to_owned);
        return Ok(f);
    }
    let one = |name: &str| -> Result<Option<String>, StanzaCondition> {
        let mut it = q.children_named(name, ns::REGISTER);
        let v = it.next().map(Element::text);
        if it.next().is_some() {
            return Err(StanzaCondition::BadRequest);
        }
        Ok(v)
    };
    f.username = one("username")?;
    f.password = one("password")?;
    Ok(f)
}

fn form() -> Element {
    Element::new("query", ns::REGISTER)
        .with_child(Element::new("instructions", ns::REGISTER).with_text(INSTRUCTIONS))
        .with_child(Element::new("username", ns::REGISTER))
        .with_child(Element::new("password", ns::REGISTER))
        .with_child(
            dataform::form("form", ns::REGISTER)
                .with_child(dataform::required("username", "text-single", "Username"))
                .with_child(dataform::required("password", "text-private", "Password")),
        )
}

impl Register {
    fn unauthenticated(&self, iq: &Element, q: &Element, cx: &mut ModuleContext<'_>) {
        if cx.tls.is_none() && !cx.breaks.has(Break::Ibr25RegisterBeforeTls) {
            // IBR-25: never over an unencrypted channel (Prosody's answer).
            return answer_error(
                iq,
                cx,
                StanzaCondition::PolicyViolation,
                Some("Encryption is required"),
            );
        }
        match iq.attr("type") {
            Some("get") => answer(iq, cx, Some(form())),
            Some("set") => self.register(iq, q, cx),
            _ => answer_error(iq, cx, StanzaCondition::BadRequest, None),
        }
    }

    fn register(&self, iq: &Element, q: &Element, cx: &mut ModuleContext<'_>) {
        let brk = cx.breaks;
        let f = match fields(q) {
            Ok(f) => f,
            Err(c) => return answer_error(iq, cx, c, None),
        };
        if f.remove {
            return answer_error(iq, cx, StanzaCondition::RegistrationRequired, None);
        }
        let not_acceptable = |cx: &mut ModuleContext<'_>, text: &str| {
            answer_error(iq, cx, StanzaCondition::NotAcceptable, Some(text));
        };
        let Some(username) = f
            .username
            .as_deref()
            .filter(|u| !u.is_empty())
            .and_then(|u| prepare_localpart(u).ok())
        else {
            return not_acceptable(cx, "A valid username is required");
        };
        let password = match f.password {
            Some(p) if !p.is_empty() && p.len() <= MAX_PASSWORD_LEN => p,
            None if brk.has(Break::Ibr10MissingPasswordAccepted) => String::new(),
            _ => return not_acceptable(cx, "A password is required"),
        };
        let validated = cx.state().get::<ValidatedInvite>().cloned();
        let invite = match validated {
            Some(ValidatedInvite(i)) => i,
            None if self.settings.open_registration()
                || brk.has(Break::Inv27RegistrationWithoutInvite) =>
            {
                None
            }
            None => {
                return not_acceptable(
                    cx,
                    "Registration on this server is through invitation only",
                );
            }
        };
        // The username an invitation fixes (INV-25).
        let reset = match &invite {
            Some(i) if i.kind == InviteKind::Reset => {
                let own = i.username.as_deref() == Some(username.as_str());
                if own {
                    true
                } else if brk.has(Break::Inv25ResetUsernameNotEnforced) {
                    false
                } else {
                    return answer_error(
                        iq,
                        cx,
                        StanzaCondition::Forbidden,
                        Some("The chosen username is not valid with this invitation"),
                    );
                }
            }
            Some(i) if i.kind == InviteKind::Account => {
                if let Some(bound) = &i.username
                    && *bound != username
                    && !brk.has(Break::Inv25BoundUsernameNotEnforced)
                {
                    return answer_error(
                        iq,
                        cx,
                        StanzaCondition::Forbidden,
                        Some("The chosen username is not valid with this invitation"),
                    );
                }
                false
            }
            _ => false,
        };
        // SASLprep refuses an empty password, so the ibr-10 broken build stores a random one.
        let stored = if password.is_empty() {
            cx.env.random_hex(16)
        } else {
            password
        };
        let Ok(credentials) =
            crate::credentials::derive_all(&stored, self.settings.scram_iterations)
        else {
            return not_acceptable(cx, "The password contains characters that are not allowed");
        };
        let domain = cx.domain().to_owned();
        let new_bare = format!("{username}@{domain}");
        let now = unix_now(cx.env);
        let contact = invite.as_ref().and_then(|i| i.subscribe_to.clone());
        let what = if reset {
            Redeem::Reset {
                username: username.clone(),
                credentials: credentials.clone(),
            }
        } else {
            let mut roster = Vec::new();
            if let Some(c) = &contact {
                roster.push((c.clone(), both(&new_bare)));
                if !brk.has(Break::Inv19NoMutualSubscription) {
                    roster.push((username.clone(), both(&format!("{c}@{domain}"))));
                }
            }
            Redeem::Create {
                account: Account {
                    username: username.clone(),
                    created_at: now,
                    credentials: credentials.clone(),
                },
                roster,
            }
        };
        let hash = invite.as_ref().map(|i| i.token_hash.clone());
        let consume = !brk.has(Break::Inv26TokenReusable);
        match cx.store.invite_redeem(hash.as_deref(), now, &what, consume) {
            Ok(()) => {}
            Err(StoreError::AccountExists) => {
                if let Some(h) = &hash
                    && brk.has(Break::Inv23FailedRegistrationSpendsToken)
                {
                    let _ = cx.store.invite_spend(h, now);
                }
                if brk.has(Break::Ibr9TakenUsernameOverwritten)
                    && cx.store.set_credentials(&username, &credentials).is_ok()
                {
                    return answer(iq, cx, None);
                }
                return answer_error(iq, cx, StanzaCondition::Conflict, None);
            }
            Err(StoreError::InviteUnavailable) => {
                cx.state().remove::<ValidatedInvite>();
                return answer_error(
                    iq,
                    cx,
                    StanzaCondition::Forbidden,
                    Some("The invitation has been used already"),
                );
            }
            Err(StoreError::NoSuchAccount) => {
                return answer_error(iq, cx, StanzaCondition::ItemNotFound, None);
            }
            Err(_) => return answer_error(iq, cx, StanzaCondition::InternalServerError, None),
        }
        if consume {
            cx.state().remove::<ValidatedInvite>();
        }
        answer(iq, cx, None);
        if let Some(c) = contact
            && !reset
            && !brk.has(Break::Inv18NoRosterPush)
        {
            // INV-18: the online inviter learns of the new contact.
            let item = roster::item_element(&both(&new_bare));
            roster::push(cx.router, cx.env, &format!("{c}@{domain}"), item);
        }
    }

    fn authenticated(&self, iq: &Element, q: &Element, cx: &mut ModuleContext<'_>) {
        let Some(user) = cx.identity().username.clone() else {
            return;
        };
        match iq.attr("type") {
            Some("get") => {
                let p = Element::new("query", ns::REGISTER)
                    .with_child(Element::new("registered", ns::REGISTER))
                    .with_child(Element::new("username", ns::REGISTER).with_text(&user))
                    .with_child(Element::new("password", ns::REGISTER));
                answer(iq, cx, Some(p));
            }
            Some("set") => {
                let f = match fields(q) {
                    Ok(f) => f,
                    Err(c) => return answer_error(iq, cx, c, None),
                };
                if f.remove {
                    if f.others > 0 {
                        return answer_error(iq, cx, StanzaCondition::BadRequest, None);
                    }
                    return remove(iq, &user, cx);
                }
                self.change_password(iq, &user, f, cx);
            }
            _ => answer_error(iq, cx, StanzaCondition::BadRequest, None),
        }
    }

    fn change_password(&self, iq: &Element, user: &str, f: Fields, cx: &mut ModuleContext<'_>) {
        let (Some(name), Some(password)) = (f.username, f.password) else {
            return answer_error(iq, cx, StanzaCondition::BadRequest, None);
        };
        if prepare_localpart(&name).ok().as_deref() != Some(user) {
            return answer_error(iq, cx, StanzaCondition::NotAllowed, None);
        }
        let empty_ok = cx.breaks.has(Break::Ibr17EmptyPasswordAccepted);
        if (password.is_empty() && !empty_ok) || password.len() > MAX_PASSWORD_LEN {
            return answer_error(
                iq,
                cx,
                StanzaCondition::NotAcceptable,
                Some("The password must not be empty"),
            );
        }
        let Ok(creds) = crate::credentials::derive_all(&password, self.settings.scram_iterations)
        else {
            if password.is_empty() && empty_ok {
                // The ibr-17 broken build: "changed" (SASLprep cannot derive an empty one).
                return answer(iq, cx, None);
            }
            return answer_error(iq, cx, StanzaCondition::NotAcceptable, None);
        };
        match cx.store.set_credentials(user, &creds) {
            Ok(()) => {
                // As `user passwd`: FAST tokens end with the old password.
                let _ = cx.store.fast_revoke_account(user);
                answer(iq, cx, None);
            }
            Err(_) => answer_error(iq, cx, StanzaCondition::InternalServerError, None),
        }
    }
}

fn both(jid: &str) -> RosterItem {
    RosterItem {
        jid: jid.to_owned(),
        name: None,
        subscription: Subscription::Both,
        ask: false,
        groups: Vec::new(),
    }
}

/// XEP-0077 §3.2: deletes the account, answers, cancels its subscriptions with local contacts
/// (their items drop to `none` with a roster push, and they get `unsubscribe` and
/// `unsubscribed`), then ends every stream of it with `not-authorized` (IBR-14).
fn remove(iq: &Element, user: &str, cx: &mut ModuleContext<'_>) {
    let Some(bare) = cx.identity().bare_jid() else {
        return;
    };
    let items = cx.store.roster_get(user).unwrap_or_default();
    match cx.store.delete_account(user) {
        Ok(_) => {}
        Err(_) => return answer_error(iq, cx, StanzaCondition::InternalServerError, None),
    }
    answer(iq, cx, None);
    let domain = cx.domain().to_owned();
    let (store, router, env) = (cx.store, cx.router, cx.env);
    for i in items {
        let Some(contact) = i
            .jid
            .strip_suffix(&format!("@{domain}"))
            .filter(|c| !c.is_empty() && !c.contains('@'))
        else {
            continue; // No federation: only local contacts have rosters here.
        };
        let changed = presence::update(store, contact, &bare, |c| {
            c.subscription = Subscription::None;
            c.ask = false;
        });
        if let Some(c) = changed {
            roster::push(router, env, &i.jid, roster::item_element(&c));
        }
        if i.subscription == Subscription::None && !i.ask {
            continue;
        }
        for kind in ["unsubscribe", "unsubscribed"] {
            let p = Element::new("presence", ns::CLIENT)
                .with_attr("type", kind)
                .with_attr("from", bare.as_str())
                .with_attr("to", i.jid.as_str());
            let bytes = p.to_xml_in(ns::CLIENT).into_bytes();
            for r in router.resources_of(&i.jid) {
                let _ = router.route(&r, bytes.clone());
            }
        }
    }
    cx.end_sessions_of(&bare, StreamErrorCondition::NotAuthorized);
    cx.end_stream(StreamErrorCondition::NotAuthorized);
}
