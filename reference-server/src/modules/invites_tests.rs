//! Invitations and registration through the sans-IO session core (harness in
//! `invites_harness.rs`): every rule of the invites contract (ARCHITECTURE.md, "Invitations and registration").

use gatecheck_proto::ns;
use gatecheck_proto::uri::{InviteKind as UriKind, InviteUri};
use gatecheck_proto::xml::Element;

use super::dataform;
use super::invites::{FORM_INVITATION, InviteFor, NODE_CREATE_ACCOUNT, NODE_INVITE};
use super::invites_harness::*;
use crate::breaks::BreakSet;
use crate::store::Subscription;

fn h() -> Harness {
    Harness::new(BreakSet::NONE)
}

fn jid(u: &str) -> String {
    format!("{u}@{DOMAIN}")
}

#[test]
fn features_on_tls_streams_only() {
    let h = h();
    let s = h.open();
    for n in [ns::IBR_TOKEN, ns::INVITE, ns::REGISTER_FEATURE] {
        assert!(s.features.child("register", n).is_some(), "{n}");
    }
    let plain = h.open_with(None);
    assert!(plain.features.child("register", ns::IBR_TOKEN).is_none());
    assert!(
        plain
            .features
            .child("register", ns::REGISTER_FEATURE)
            .is_none()
    );
    // Authenticated streams: no registration features.
    let mut a = h.open();
    assert!(a.login(ALICE, PASSWORD));
    let after = a.send_raw(
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' \
         to='example.org' version='1.0'>",
    );
    assert!(
        after
            .iter()
            .all(|e| e.child("register", ns::IBR_TOKEN).is_none())
    );
}

#[test]
fn iq_before_tls_is_refused_without_spending() {
    let h = Harness::with_config(BreakSet::NONE, |c| c.c2s_require_encryption = false);
    let t = h.account_invite();
    let mut s = h.open_with(None);
    assert_eq!(
        condition(&s.preauth(&t)).as_deref(),
        Some("policy-violation")
    );
    let r = s.register("bob", "secret");
    assert_eq!(condition(&r).as_deref(), Some("policy-violation"));
    assert!(!h.exists("bob") && !h.spent(&t));
    // With TLS required (the default) anything before STARTTLS ends the stream.
    let h = h_default();
    let t = h.account_invite();
    let mut s = h.open_with(None);
    s.preauth(&t);
    assert!(s.closed);
    assert!(!h.spent(&t));
}

fn h_default() -> Harness {
    h()
}

#[test]
fn valid_token_registers_and_logs_in_on_the_same_stream() {
    let h = h();
    let t = h.account_invite();
    let mut s = h.open();
    let r = s.preauth(&t);
    assert!(is_result(&r), "{r:?}");
    assert!(r.attr("to").is_none());
    assert!(!h.spent(&t), "preauth does not spend");
    let r = s.register("bob", "secret");
    assert!(is_result(&r), "{r:?}");
    assert!(h.exists("bob") && h.spent(&t));
    assert!(s.login("bob", "secret"), "INV-28: same stream");
    assert!(s.full.as_deref().unwrap().starts_with("bob@example.org/"));
}

#[test]
fn data_form_registration_works_too() {
    let h = h();
    let t = h.account_invite();
    let mut s = h.open();
    let form = s.iq("get", Element::new("query", ns::REGISTER));
    let q = form.child("query", ns::REGISTER).unwrap();
    assert!(q.child("username", ns::REGISTER).is_some());
    assert!(q.child("password", ns::REGISTER).is_some());
    assert!(q.child("instructions", ns::REGISTER).is_some());
    let x = q.child("x", ns::DATA_FORMS).unwrap();
    let v = dataform::values(x).unwrap();
    assert_eq!(dataform::get(&v, "FORM_TYPE"), Some(ns::REGISTER));
    assert!(is_result(&s.preauth(&t)));
    let submit = dataform::form("submit", ns::REGISTER)
        .with_child(dataform::field("username", "text-single", Some("carol")))
        .with_child(dataform::field("password", "text-private", Some("pw")));
    let r = s.iq(
        "set",
        Element::new("query", ns::REGISTER).with_child(submit),
    );
    assert!(is_result(&r), "{r:?}");
    assert!(s.login("carol", "pw"));
}

#[test]
fn preauth_errors() {
    let h = h();
    let mut s = h.open();
    let r = s.preauth("no-such-token");
    assert_eq!(condition(&r).as_deref(), Some("item-not-found"));
    let e = r.child("error", ns::CLIENT).unwrap();
    assert_eq!(e.attr("type"), Some("cancel"));
    let r = s.iq("set", Element::new("preauth", ns::PREAUTH));
    assert_eq!(condition(&r).as_deref(), Some("bad-request"));
    assert_eq!(
        r.child("error", ns::CLIENT).unwrap().attr("type"),
        Some("modify")
    );
    let r = s.preauth(&"x".repeat(100_000));
    assert_eq!(condition(&r).as_deref(), Some("item-not-found"));
    let r = s.preauth("");
    assert_eq!(condition(&r).as_deref(), Some("item-not-found"));
    assert!(!s.closed);
    // Expired.
    let t = h.account_invite();
    h.advance(EXPIRY);
    assert_eq!(condition(&s.preauth(&t)).as_deref(), Some("item-not-found"));
    // A contact invite without ibr=y does not authorise registration (INV-20).
    let c = h.contact_invite(ALICE, false);
    assert_eq!(condition(&s.preauth(&c)).as_deref(), Some("item-not-found"));
}

#[test]
fn expiry_is_checked_only_at_preauth() {
    let h = h();
    let t = h.account_invite();
    let mut s = h.open();
    h.advance(EXPIRY - 1);
    assert!(is_result(&s.preauth(&t)));
    h.advance(10 * EXPIRY);
    assert!(is_result(&s.register("bob", "secret")), "INV-24");
    assert!(h.exists("bob"));
}

#[test]
fn registration_without_invite_is_not_acceptable() {
    let h = h();
    let mut s = h.open();
    let r = s.register("bob", "secret");
    assert_eq!(condition(&r).as_deref(), Some("not-acceptable"));
    assert_eq!(
        r.child("error", ns::CLIENT).unwrap().attr("type"),
        Some("modify")
    );
    assert!(!h.exists("bob"));
    // Open registration when configured.
    let h = Harness::with_config(BreakSet::NONE, |c| {
        c.allow_registration = true;
        c.registration_invite_only = false;
    });
    let mut s = h.open();
    assert!(is_result(&s.register("bob", "secret")));
    // ... but a username reserved by a live bound invitation stays reserved (INV-17).
    h.bound_invite("dora");
    assert_eq!(
        condition(&s.register("dora", "x")).as_deref(),
        Some("conflict")
    );
}

#[test]
fn failed_attempt_keeps_the_token_and_spent_token_is_refused() {
    let h = h();
    let t = h.account_invite();
    let mut s = h.open();
    assert!(is_result(&s.preauth(&t)));
    let r = s.register(ALICE, "secret");
    assert_eq!(condition(&r).as_deref(), Some("conflict"));
    assert_eq!(
        r.child("error", ns::CLIENT).unwrap().attr("type"),
        Some("cancel")
    );
    assert!(!h.spent(&t), "INV-23");
    // Alice's password is untouched.
    assert!(h.open().login(ALICE, PASSWORD));
    // Invalid and missing input: not-acceptable, token kept.
    for (u, p) in [
        (Some("a@b"), Some("x")),
        (Some(""), Some("x")),
        (None, Some("x")),
        (Some("bob"), Some("")),
        (Some("bob"), None),
    ] {
        let r = s.iq("set", register_query(u, p));
        assert_eq!(
            condition(&r).as_deref(),
            Some("not-acceptable"),
            "{u:?} {p:?}"
        );
    }
    let twice = register_query(Some("bob"), Some("x"))
        .with_child(Element::new("username", ns::REGISTER).with_text("eve"));
    assert_eq!(
        condition(&s.iq("set", twice)).as_deref(),
        Some("bad-request")
    );
    let big = "p".repeat(2000);
    assert_eq!(
        condition(&s.register("bob", &big)).as_deref(),
        Some("not-acceptable")
    );
    assert!(!h.spent(&t) && !h.exists("bob"));
    // The same stream may still succeed.
    assert!(is_result(&s.register("bob", "secret")));
    assert!(h.spent(&t));
    // A new stream: the token is spent (INV-26).
    let mut s2 = h.open();
    assert_eq!(
        condition(&s2.preauth(&t)).as_deref(),
        Some("item-not-found")
    );
    // A stream that validated it before it was spent elsewhere cannot use it either.
    let t2 = h.account_invite();
    let mut a = h.open();
    let mut b = h.open();
    assert!(is_result(&a.preauth(&t2)) && is_result(&b.preauth(&t2)));
    assert!(is_result(&a.register("erin", "x")));
    assert_eq!(
        condition(&b.register("fred", "x")).as_deref(),
        Some("forbidden")
    );
    assert!(!h.exists("fred"));
    // And one successful registration per validated invite on a stream.
    assert_eq!(
        condition(&a.register("gina", "x")).as_deref(),
        Some("not-acceptable")
    );
}

#[test]
fn bound_and_reset_invites_enforce_their_username() {
    let h = h();
    let t = h.bound_invite("Dora");
    let mut s = h.open();
    assert!(is_result(&s.preauth(&t)));
    let r = s.register("eve", "x");
    assert_eq!(condition(&r).as_deref(), Some("forbidden"));
    assert!(!h.exists("eve") && !h.spent(&t));
    assert!(is_result(&s.register("dora", "x")));
    // Reset: only that account, and it keeps existing with the new password.
    let r = h.reset_invite(ALICE);
    let mut s = h.open();
    assert!(is_result(&s.preauth(&r)));
    assert_eq!(
        condition(&s.register("zoe", "new")).as_deref(),
        Some("forbidden")
    );
    assert!(!h.exists("zoe"));
    assert!(is_result(&s.register(ALICE, "new")));
    assert!(h.spent(&r));
    assert!(!h.open().login(ALICE, PASSWORD));
    assert!(s.login(ALICE, "new"));
}

#[test]
fn contact_invite_registration_gives_mutual_subscription_and_push() {
    let h = h();
    let mut inviter = h.login(ALICE);
    let t = h.contact_invite(ALICE, true);
    let mut s = h.open();
    assert!(is_result(&s.preauth(&t)));
    assert!(is_result(&s.register("bob", "x")));
    assert_eq!(h.subscription(ALICE, &jid("bob")), Some(Subscription::Both));
    assert_eq!(h.subscription("bob", &jid(ALICE)), Some(Subscription::Both));
    let pushes = inviter.inbox();
    let push = pushes
        .iter()
        .find_map(|e| e.child("query", ns::ROSTER)?.child("item", ns::ROSTER))
        .expect("INV-18 roster push");
    assert_eq!(push.attr("jid"), Some(jid("bob").as_str()));
    assert_eq!(push.attr("subscription"), Some("both"));
    assert!(s.login("bob", "x"));
    let roster = s.iq("get", Element::new("query", ns::ROSTER));
    let items: Vec<_> = roster
        .child("query", ns::ROSTER)
        .unwrap()
        .children_named("item", ns::ROSTER)
        .map(|i| {
            (
                i.attr("jid").unwrap().to_owned(),
                i.attr("subscription").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(items, vec![(jid(ALICE), "both".to_owned())], "INV-19");
}

fn subscribe_with(to: &str, token: &str) -> Element {
    Element::new("presence", ns::CLIENT)
        .with_attr("type", "subscribe")
        .with_attr("to", to)
        .with_child(Element::new("preauth", ns::PREAUTH).with_attr("token", token))
}

#[test]
fn roster_preauth_approves_once_for_the_inviter_only() {
    let h = h();
    super::invites_harness::add_account(h.store.as_ref(), "bob");
    let mut alice = h.login(ALICE);
    let mut bob = h.login("bob");
    let t = h.contact_invite(ALICE, false);
    bob.send(&subscribe_with(&jid(ALICE), &t));
    let got = bob.inbox();
    let kinds: Vec<_> = got
        .iter()
        .filter(|e| e.name == "presence")
        .map(|e| {
            (
                e.attr("type").unwrap_or_default().to_owned(),
                e.attr("from").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("subscribed".into(), jid(ALICE))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("subscribe".into(), jid(ALICE))),
        "{kinds:?}"
    );
    assert!(h.spent(&t));
    assert_eq!(h.subscription("bob", &jid(ALICE)), Some(Subscription::To));
    assert_eq!(h.subscription(ALICE, &jid("bob")), Some(Subscription::From));
    let pushes = alice.inbox();
    assert!(pushes.iter().any(|e| {
        e.child("query", ns::ROSTER)
            .and_then(|q| q.child("item", ns::ROSTER))
            .is_some_and(|i| i.attr("jid") == Some(jid("bob").as_str()))
    }));
    assert!(
        !pushes
            .iter()
            .any(|e| e.name == "presence" && e.attr("type") == Some("subscribe")),
        "approved, not delivered as a request"
    );
    // Bob completes the reciprocal subscription: both.
    bob.send(
        &Element::new("presence", ns::CLIENT)
            .with_attr("type", "subscribed")
            .with_attr("to", jid(ALICE).as_str()),
    );
    assert_eq!(h.subscription(ALICE, &jid("bob")), Some(Subscription::Both));

    // Spent token: an ordinary request reaches the contact (PARS-5).
    super::invites_harness::add_account(h.store.as_ref(), "carl");
    let mut carl = h.login("carl");
    carl.send(&subscribe_with(&jid(ALICE), &t));
    assert!(alice.inbox().iter().any(|e| e.name == "presence"
        && e.attr("type") == Some("subscribe")
        && e.attr("from") == Some(jid("carl").as_str())));
    assert!(!matches!(
        h.subscription(ALICE, &jid("carl")),
        Some(Subscription::From | Subscription::Both)
    ));
    // Another inviter's token: ordinary request to that contact, token unspent (PARS-3).
    let admins = h.contact_invite(ADMIN, false);
    carl.send(&subscribe_with(&jid(ALICE), &admins));
    assert!(!h.spent(&admins));
    assert!(
        alice
            .inbox()
            .iter()
            .any(|e| e.name == "presence" && e.attr("type") == Some("subscribe"))
    );
    // Unknown token: ordinary.
    carl.send(&subscribe_with(&jid(ALICE), "bogus"));
    assert!(alice.inbox().iter().any(|e| e.name == "presence"));
    // Expired token: ordinary, unspent.
    let late = h.contact_invite(ALICE, false);
    h.advance(EXPIRY);
    carl.send(&subscribe_with(&jid(ALICE), &late));
    assert!(!h.spent(&late));
}

fn command(node: &str) -> Element {
    Element::new("command", ns::COMMANDS)
        .with_attr("node", node)
        .with_attr("action", "execute")
}

fn form_values(answer: &Element) -> Vec<(String, String)> {
    let x = answer
        .child("command", ns::COMMANDS)
        .and_then(|c| c.child("x", ns::DATA_FORMS))
        .expect("a form");
    dataform::values(x).unwrap()
}

#[test]
fn adhoc_commands() {
    let h = h();
    let mut alice = h.login(ALICE);
    let items = alice.iq_to(
        "get",
        Some(DOMAIN),
        Element::new("query", ns::DISCO_ITEMS).with_attr("node", ns::COMMANDS),
    );
    let nodes: Vec<_> = items
        .child("query", ns::DISCO_ITEMS)
        .unwrap()
        .children_named("item", ns::DISCO_ITEMS)
        .map(|i| i.attr("node").unwrap().to_owned())
        .collect();
    assert_eq!(nodes, vec![NODE_INVITE, NODE_CREATE_ACCOUNT]);
    // #invite: completes at once; a non-admin's carries no ibr=y (INV-8).
    let r = alice.iq_to("set", Some(DOMAIN), command(NODE_INVITE));
    assert_eq!(
        r.child("command", ns::COMMANDS).unwrap().attr("status"),
        Some("completed")
    );
    let v = form_values(&r);
    assert_eq!(dataform::get(&v, "FORM_TYPE"), Some(FORM_INVITATION));
    assert!(dataform::get(&v, "expire").unwrap().ends_with('Z'));
    assert!(dataform::get(&v, "landing-url").is_none());
    let uri = InviteUri::parse(dataform::get(&v, "uri").unwrap()).unwrap();
    assert_eq!(uri.kind, UriKind::Roster);
    assert_eq!(uri.jid.to_string(), jid(ALICE));
    assert!(!uri.ibr);
    // #create-account: forbidden for non-admins.
    let r = alice.iq_to("set", Some(DOMAIN), command(NODE_CREATE_ACCOUNT));
    assert_eq!(condition(&r).as_deref(), Some("forbidden"));
    assert_eq!(
        r.child("error", ns::CLIENT).unwrap().attr("type"),
        Some("auth")
    );
    // Admin: form, then invitation; bad username → bad-request.
    let mut admin = h.login(ADMIN);
    let r = admin.iq_to("set", Some(DOMAIN), command(NODE_INVITE));
    assert!(
        InviteUri::parse(dataform::get(&form_values(&r), "uri").unwrap())
            .unwrap()
            .ibr
    );
    let r = admin.iq_to("set", Some(DOMAIN), command(NODE_CREATE_ACCOUNT));
    let c = r.child("command", ns::COMMANDS).unwrap();
    assert_eq!(c.attr("status"), Some("executing"));
    let sid = c.attr("sessionid").unwrap().to_owned();
    let submit = |sid: &str, user: &str, roster: bool| {
        Element::new("command", ns::COMMANDS)
            .with_attr("node", NODE_CREATE_ACCOUNT)
            .with_attr("sessionid", sid)
            .with_child(
                dataform::form("submit", FORM_INVITATION)
                    .with_child(dataform::field("username", "text-single", Some(user)))
                    .with_child(dataform::field(
                        "roster-subscription",
                        "boolean",
                        Some(if roster { "1" } else { "0" }),
                    )),
            )
    };
    let r = admin.iq_to("set", Some(DOMAIN), submit(&sid, "a@b", false));
    assert_eq!(condition(&r).as_deref(), Some("bad-request"), "INV-14");
    let r = admin.iq_to("set", Some(DOMAIN), command(NODE_CREATE_ACCOUNT));
    let sid = r
        .child("command", ns::COMMANDS)
        .unwrap()
        .attr("sessionid")
        .unwrap()
        .to_owned();
    let r = admin.iq_to("set", Some(DOMAIN), submit(&sid, "juliet", true));
    assert_eq!(
        r.child("command", ns::COMMANDS).unwrap().attr("status"),
        Some("completed")
    );
    let uri = InviteUri::parse(dataform::get(&form_values(&r), "uri").unwrap()).unwrap();
    assert_eq!(uri.kind, UriKind::Register);
    assert_eq!(uri.jid.to_string(), jid("juliet"));
    // The invitee registers and is subscribed with the admin.
    let mut s = h.open();
    assert!(is_result(&s.preauth(&uri.preauth)));
    assert!(is_result(&s.register("juliet", "x")));
    assert_eq!(
        h.subscription(ADMIN, &jid("juliet")),
        Some(Subscription::Both)
    );
}

#[test]
fn landing_url_when_configured() {
    let h = Harness::with_config(BreakSet::NONE, |c| {
        c.invites_page = Some("https://example.org/invite#{token}".into());
    });
    let m = h.mint(InviteFor::Account {
        username: None,
        subscribe_to: None,
    });
    assert_eq!(
        m.landing_url.as_deref(),
        Some(format!("https://example.org/invite#{}", m.token).as_str())
    );
    let mut alice = h.login(ALICE);
    let r = alice.iq_to("set", Some(DOMAIN), command(NODE_INVITE));
    assert!(
        dataform::get(&form_values(&r), "landing-url")
            .unwrap()
            .starts_with("https://")
    );
}

#[test]
fn authenticated_get_password_change_and_remove() {
    let h = h();
    let mut a = h.login(ALICE);
    let r = a.iq("get", Element::new("query", ns::REGISTER));
    let q = r.child("query", ns::REGISTER).unwrap();
    assert!(q.child("registered", ns::REGISTER).is_some());
    assert_eq!(q.child("username", ns::REGISTER).unwrap().text(), ALICE);
    // Empty password: refused, the old one still works (IBR-17).
    let r = a.iq("set", register_query(Some(ALICE), Some("")));
    assert_eq!(condition(&r).as_deref(), Some("not-acceptable"));
    assert!(h.open().login(ALICE, PASSWORD));
    // Another username: not allowed.
    let r = a.iq("set", register_query(Some("bob"), Some("x")));
    assert_eq!(condition(&r).as_deref(), Some("not-allowed"));
    // Change.
    assert!(is_result(
        &a.iq("set", register_query(Some(ALICE), Some("new")))
    ));
    assert!(!h.open().login(ALICE, PASSWORD));
    assert!(h.open().login(ALICE, "new"));
    // Remove with siblings: bad-request.
    let bad = Element::new("query", ns::REGISTER)
        .with_child(Element::new("remove", ns::REGISTER))
        .with_child(Element::new("username", ns::REGISTER).with_text(ALICE));
    assert_eq!(condition(&a.iq("set", bad)).as_deref(), Some("bad-request"));
    // Remove: result, this stream and the other one end with not-authorized.
    super::invites_harness::add_account(h.store.as_ref(), "bob");
    let t = h.contact_invite("bob", false);
    a.send(&subscribe_with(&jid("bob"), &t));
    assert_eq!(h.subscription("bob", &jid(ALICE)), Some(Subscription::From));
    let mut other = h.open();
    assert!(other.login(ALICE, "new"));
    let r = a.iq(
        "set",
        Element::new("query", ns::REGISTER).with_child(Element::new("remove", ns::REGISTER)),
    );
    assert!(is_result(&r));
    assert!(a.closed);
    assert!(!h.exists(ALICE));
    // IBR-14: a subscribed contact's item drops to none.
    assert_eq!(h.subscription("bob", &jid(ALICE)), Some(Subscription::None));
    let got = other.inbox();
    assert!(
        got.iter().any(|e| e.name == "error"
            && e.ns == ns::STREAMS
            && e.child("not-authorized", "urn:ietf:params:xml:ns:xmpp-streams")
                .is_some()),
        "{got:?}"
    );
    assert!(other.closed);
    assert!(!h.open().login(ALICE, "new"));
}

#[test]
fn remove_before_authentication_is_registration_required() {
    let h = h();
    let mut s = h.open();
    let r = s.iq(
        "set",
        Element::new("query", ns::REGISTER).with_child(Element::new("remove", ns::REGISTER)),
    );
    assert_eq!(condition(&r).as_deref(), Some("registration-required"));
}

#[test]
fn preauth_after_authentication_is_refused() {
    let h = h();
    let t = h.account_invite();
    let mut a = h.login(ALICE);
    let r = a.preauth(&t);
    assert_eq!(condition(&r).as_deref(), Some("service-unavailable"));
    assert!(!h.spent(&t));
}

#[test]
fn minted_uris_have_the_contract_forms() {
    let h = h();
    let m = h.mint(InviteFor::Account {
        username: None,
        subscribe_to: None,
    });
    assert_eq!(
        m.uri.to_string(),
        format!("xmpp:{DOMAIN}?register;preauth={}", m.token)
    );
    assert!(
        m.token.len() >= 22
            && m.token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let m = h.mint(InviteFor::Account {
        username: Some("Bob".into()),
        subscribe_to: None,
    });
    assert_eq!(
        m.uri.to_string(),
        format!("xmpp:bob@{DOMAIN}?register;preauth={}", m.token)
    );
    let m = h.mint(InviteFor::Reset {
        account: jid(ALICE),
    });
    assert_eq!(
        m.uri.to_string(),
        format!("xmpp:alice@{DOMAIN}?register;preauth={}", m.token)
    );
    let m = h.mint(InviteFor::Contact {
        inviter: ALICE.into(),
        ibr: true,
    });
    assert_eq!(
        m.uri.to_string(),
        format!("xmpp:alice@{DOMAIN}?roster;preauth={};ibr=y", m.token)
    );
    assert_eq!(m.expires_at, h.now() + EXPIRY);
    for bad in [
        InviteFor::Reset {
            account: "nobody".into(),
        },
        InviteFor::Contact {
            inviter: "nobody".into(),
            ibr: false,
        },
        InviteFor::Account {
            username: Some("a b@c@d".into()),
            subscribe_to: None,
        },
        InviteFor::Reset {
            account: "alice@elsewhere.org".into(),
        },
    ] {
        assert!(
            super::invites::create_invite(
                h.store.as_ref(),
                &crate::env::Env::deterministic(std::time::SystemTime::UNIX_EPOCH, 1),
                &h.settings,
                &super::invites::InviteRequest::new(bad.clone())
            )
            .is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn bad_input_never_creates_an_account_or_spends_a_token() {
    let h = h();
    let t = h.account_invite();
    let mut s = h.open();
    assert!(is_result(&s.preauth(&t)));
    let form = |fields: Vec<Element>| {
        let mut x = dataform::form("submit", ns::REGISTER);
        for f in fields {
            x = x.with_child(f);
        }
        Element::new("query", ns::REGISTER).with_child(x)
    };
    let f = |v: &str, val: &str| dataform::field(v, "text-single", Some(val));
    let cases: Vec<(Element, &str)> = vec![
        // Repeated form field.
        (
            form(vec![
                f("username", "bob"),
                f("username", "eve"),
                f("password", "x"),
            ]),
            "bad-request",
        ),
        // A field with two values.
        (
            form(vec![
                f("username", "bob")
                    .with_child(Element::new("value", ns::DATA_FORMS).with_text("eve")),
                f("password", "x"),
            ]),
            "bad-request",
        ),
        // Too many fields.
        (
            form((0..40).map(|i| f(&format!("f{i}"), "v")).collect()),
            "bad-request",
        ),
        // Missing password in the form.
        (form(vec![f("username", "bob")]), "not-acceptable"),
        // Oversized username.
        (
            form(vec![f("username", &"u".repeat(5000)), f("password", "x")]),
            "not-acceptable",
        ),
        // Prohibited characters.
        (
            register_query(Some("bad user"), Some("x")),
            "not-acceptable",
        ),
        (register_query(Some("a/b"), Some("x")), "not-acceptable"),
        // Empty query.
        (Element::new("query", ns::REGISTER), "not-acceptable"),
    ];
    for (q, want) in cases {
        let r = s.iq("set", q);
        assert_eq!(condition(&r).as_deref(), Some(want), "{}", r.to_xml());
    }
    // A preauth of the wrong IQ type.
    let r = s.iq(
        "get",
        Element::new("preauth", ns::PREAUTH).with_attr("token", &t),
    );
    assert_eq!(condition(&r).as_deref(), Some("bad-request"));
    // Replies are never answered.
    for kind in ["result", "error"] {
        let r = s.iq(
            kind,
            Element::new("preauth", ns::PREAUTH).with_attr("token", &t),
        );
        assert_eq!(r.name, "no-answer");
        let r = s.iq(kind, register_query(Some("bob"), Some("x")));
        assert_eq!(r.name, "no-answer");
    }
    assert!(!h.spent(&t) && !s.closed);
    assert_eq!(h.store.get_account("bob").unwrap(), None);
    // A 1 MiB token exceeds the stanza size limit: a stream error, nothing else.
    let mut big = h.open();
    let huge = format!(
        "<iq type='set' id='x'><preauth xmlns='{}' token='{}'/></iq>",
        ns::PREAUTH,
        "A".repeat(1 << 20)
    );
    let out = big.send_raw(&huge);
    assert!(big.closed, "{out:?}");
    assert!(out.iter().any(|e| e.name == "error" && e.ns == ns::STREAMS));
    // Roster preauth with a huge or empty token is an ordinary request.
    let mut a = h.login(ALICE);
    a.send(
        &Element::new("presence", ns::CLIENT)
            .with_attr("type", "subscribe")
            .with_attr("to", jid(ADMIN).as_str())
            .with_child(
                Element::new("preauth", ns::PREAUTH).with_attr("token", "x".repeat(10_000)),
            ),
    );
    a.send(
        &Element::new("presence", ns::CLIENT)
            .with_attr("type", "subscribe")
            .with_attr("to", jid(ADMIN).as_str())
            .with_child(Element::new("preauth", ns::PREAUTH)),
    );
    assert!(!a.closed);
    assert!(!matches!(
        h.subscription(ADMIN, &jid(ALICE)),
        Some(Subscription::From | Subscription::Both)
    ));
    // The token still works.
    assert!(is_result(&s.register("bob", "x")));
}

#[test]
fn adhoc_edge_cases() {
    let h = h();
    let mut admin = h.login(ADMIN);
    // Unknown node, wrong IQ type, unknown session id, cancel.
    let r = admin.iq_to("set", Some(DOMAIN), command("urn:example:nope"));
    assert_eq!(condition(&r).as_deref(), Some("item-not-found"));
    let r = admin.iq_to("get", Some(DOMAIN), command(NODE_INVITE));
    assert_eq!(condition(&r).as_deref(), Some("bad-request"));
    let submit = Element::new("command", ns::COMMANDS)
        .with_attr("node", NODE_CREATE_ACCOUNT)
        .with_attr("sessionid", "forged")
        .with_child(dataform::form("submit", FORM_INVITATION));
    let r = admin.iq_to("set", Some(DOMAIN), submit);
    assert_eq!(condition(&r).as_deref(), Some("bad-request"));
    let r = admin.iq_to("set", Some(DOMAIN), command(NODE_CREATE_ACCOUNT));
    let sid = r
        .child("command", ns::COMMANDS)
        .unwrap()
        .attr("sessionid")
        .unwrap()
        .to_owned();
    let cancel = Element::new("command", ns::COMMANDS)
        .with_attr("node", NODE_CREATE_ACCOUNT)
        .with_attr("sessionid", sid.as_str())
        .with_attr("action", "cancel");
    let r = admin.iq_to("set", Some(DOMAIN), cancel);
    assert_eq!(
        r.child("command", ns::COMMANDS).unwrap().attr("status"),
        Some("canceled")
    );
    // Submitting without a username: an invitation with a free username.
    let r = admin.iq_to("set", Some(DOMAIN), command(NODE_CREATE_ACCOUNT));
    let sid = r
        .child("command", ns::COMMANDS)
        .unwrap()
        .attr("sessionid")
        .unwrap()
        .to_owned();
    let submit = Element::new("command", ns::COMMANDS)
        .with_attr("node", NODE_CREATE_ACCOUNT)
        .with_attr("sessionid", sid.as_str())
        .with_child(dataform::form("submit", FORM_INVITATION));
    let r = admin.iq_to("set", Some(DOMAIN), submit);
    let uri = InviteUri::parse(dataform::get(&form_values(&r), "uri").unwrap()).unwrap();
    assert_eq!(uri.jid.to_string(), DOMAIN);
    // Commands before authentication are not served.
    let mut s = h.open();
    let r = s.iq_to("set", Some(DOMAIN), command(NODE_INVITE));
    assert!(s.closed || condition(&r).is_some());
}
