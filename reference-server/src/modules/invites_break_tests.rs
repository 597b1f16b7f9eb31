//! Every invites/registration broken build is injectable and shows: each probe returns whether
//! the deviation it looks for is visible on the wire (or in what a later stream can observe),
//! and must say "no" for the correct server and "yes" with the break on.

use gatecheck_proto::ns;
use gatecheck_proto::uri::InviteUri;
use gatecheck_proto::xml::Element;

use super::dataform;
use super::invites::{NODE_CREATE_ACCOUNT, NODE_INVITE};
use super::invites_harness::*;
use crate::breaks::{Break, BreakSet};

fn jid(u: &str) -> String {
    format!("{u}@{DOMAIN}")
}

/// Preauth with `token` then register `user`; whether the registration answered a result.
fn redeem(h: &Harness, token: &str, user: &str) -> bool {
    let mut s = h.open();
    s.preauth(token);
    is_result(&s.register(user, "pw"))
}

fn subscribe_with(to: &str, token: &str) -> Element {
    Element::new("presence", ns::CLIENT)
        .with_attr("type", "subscribe")
        .with_attr("to", to)
        .with_child(Element::new("preauth", ns::PREAUTH).with_attr("token", token))
}

/// Whether a subscribe with `token` from a fresh account to `to` is auto-approved.
fn approved(h: &Harness, requester: &str, to: &str, token: &str) -> bool {
    if !h.exists(requester) {
        add_account(h.store.as_ref(), requester);
    }
    let mut s = h.login(requester);
    s.send(&subscribe_with(&jid(to), token));
    s.inbox()
        .iter()
        .any(|e| e.name == "presence" && e.attr("type") == Some("subscribed"))
}

fn command(node: &str) -> Element {
    Element::new("command", ns::COMMANDS)
        .with_attr("node", node)
        .with_attr("action", "execute")
}

/// Whether the deviation `b` introduces is visible.
fn deviates(b: Break, h: &Harness) -> bool {
    match b {
        Break::Inv26TokenReusable => {
            let t = h.account_invite();
            assert!(redeem(h, &t, "bob"));
            redeem(h, &t, "carl")
        }
        Break::Inv23FailedRegistrationSpendsToken => {
            let t = h.account_invite();
            assert!(!redeem(h, &t, ALICE));
            !redeem(h, &t, "bob")
        }
        Break::Inv25BoundUsernameNotEnforced => {
            let t = h.bound_invite("dora");
            redeem(h, &t, "eve")
        }
        Break::Inv25ResetUsernameNotEnforced => {
            let t = h.reset_invite(ALICE);
            redeem(h, &t, "zoe") && h.exists("zoe")
        }
        Break::Inv27RegistrationWithoutInvite => {
            is_result(&h.open().register("bob", "pw")) && h.exists("bob")
        }
        Break::Inv21ExpiredTokenAccepted => {
            let t = h.account_invite();
            h.advance(EXPIRY + 1);
            is_result(&h.open().preauth(&t))
        }
        Break::Inv21UnknownTokenAccepted => is_result(&h.open().preauth("made-up-token")),
        Break::Inv3CreateAccountNotAdmin => {
            let mut a = h.login(ALICE);
            condition(&a.iq_to("set", Some(DOMAIN), command(NODE_CREATE_ACCOUNT))).is_none()
        }
        Break::Inv18NoRosterPush => {
            let mut inviter = h.login(ALICE);
            let t = h.contact_invite(ALICE, true);
            assert!(redeem(h, &t, "bob"));
            !inviter
                .inbox()
                .iter()
                .any(|e| e.child("query", ns::ROSTER).is_some())
        }
        Break::Inv19NoMutualSubscription => {
            let t = h.contact_invite(ALICE, true);
            assert!(redeem(h, &t, "bob"));
            h.subscription("bob", &jid(ALICE)).is_none()
        }
        Break::Pars2PreauthNotApproved => {
            let t = h.contact_invite(ALICE, false);
            !approved(h, "bob", ALICE, &t)
        }
        Break::Pars3OtherInvitersTokenApproved => {
            let t = h.contact_invite(ADMIN, false);
            approved(h, "bob", ALICE, &t)
        }
        Break::Pars5TokenReusable => {
            let t = h.contact_invite(ALICE, false);
            assert!(approved(h, "bob", ALICE, &t));
            approved(h, "carl", ALICE, &t)
        }
        Break::Ibr9TakenUsernameOverwritten => {
            let t = h.account_invite();
            redeem(h, &t, ALICE);
            !h.open().login(ALICE, PASSWORD)
        }
        Break::Ibr17EmptyPasswordAccepted => {
            let mut a = h.login(ALICE);
            is_result(&a.iq("set", register_query(Some(ALICE), Some(""))))
        }
        Break::Ibr10MissingPasswordAccepted => {
            let t = h.account_invite();
            let mut s = h.open();
            s.preauth(&t);
            is_result(&s.iq("set", register_query(Some("bob"), None))) && h.exists("bob")
        }
        Break::Ibr25RegisterBeforeTls => h
            .open_with(None)
            .features
            .child("register", ns::REGISTER_FEATURE)
            .is_some(),
        Break::Inv8IbrFlagAlways => {
            let mut a = h.login(ALICE);
            let r = a.iq_to("set", Some(DOMAIN), command(NODE_INVITE));
            let x = r
                .child("command", ns::COMMANDS)
                .and_then(|c| c.child("x", ns::DATA_FORMS))
                .expect("form");
            let v = dataform::values(x).unwrap();
            let uri = InviteUri::parse(dataform::get(&v, "uri").unwrap()).unwrap();
            // The URI promises registration that the token does not allow.
            uri.ibr && !is_result(&h.open().preauth(&uri.preauth))
        }
        _ => false,
    }
}

#[test]
fn every_invites_break_is_injectable_and_visible() {
    let ours: Vec<Break> = Break::ALL
        .iter()
        .copied()
        .filter(|b| {
            let r = b.info().requirement;
            r.starts_with("INV-") || r.starts_with("PARS-") || r.starts_with("IBR-")
        })
        .collect();
    assert_eq!(ours.len(), 18);
    for b in ours {
        assert!(
            !deviates(b, &Harness::new(BreakSet::NONE)),
            "{}: the correct server shows the deviation",
            b.info().name
        );
        assert!(
            deviates(b, &Harness::new(BreakSet::NONE.with(b))),
            "{}: the broken build does not show its deviation",
            b.info().name
        );
    }
}
