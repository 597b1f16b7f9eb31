//! Model-based test of invitations and registration: random operation sequences (minting each
//! invite kind, preauth with valid / expired / spent / unknown tokens on two streams, registering
//! free / taken / reserved / wrong usernames, roster preauth between accounts, clock jumps) run
//! against the sans-IO core and against a small independent model of the rules (XEP-0445 §4,
//! XEP-0401 §5–6, XEP-0379 §5, and ARCHITECTURE.md "Invitations and registration"), written from
//! those rules and not from `invites.rs`/`register.rs`. After every operation the answer, the set
//! of accounts, every invitation's spent state and every roster subscription must agree; at the
//! end every account logs in with the password the model says it has.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::invites::InviteFor;
use super::invites_harness::*;
use crate::breaks::BreakSet;
use crate::store::Subscription;

/// Usernames the operations draw from (`alice` and `admin` exist at the start).
const NAMES: [&str; 5] = [ALICE, ADMIN, "bob", "carl", "dora"];

#[derive(Debug, Clone)]
enum Op {
    /// 0: account (free username), 1: account bound to `name`, 2: reset of `name`,
    /// 3: contact of `name` with `ibr=y`, 4: contact of `name` without.
    Mint {
        kind: u8,
        name: usize,
    },
    /// Opens a fresh stream in `slot` and preauths with a minted token (or garbage).
    Preauth {
        slot: usize,
        pick: usize,
    },
    /// Registers `name` on the stream in `slot` (a fresh one if the slot is empty).
    Register {
        slot: usize,
        name: usize,
    },
    /// `from` (logged in) sends a subscribe with a minted token (or garbage) to `to`.
    RosterPreauth {
        from: usize,
        to: usize,
        pick: usize,
    },
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..5u8, 0..NAMES.len()).prop_map(|(kind, name)| Op::Mint { kind, name }),
        4 => (0..2usize, any::<usize>()).prop_map(|(slot, pick)| Op::Preauth { slot, pick }),
        4 => (0..2usize, 0..NAMES.len()).prop_map(|(slot, name)| Op::Register { slot, name }),
        2 => (0..NAMES.len(), 0..NAMES.len(), any::<usize>())
            .prop_map(|(from, to, pick)| Op::RosterPreauth { from, to, pick }),
        1 => prop_oneof![Just(1u64), Just(EXPIRY / 2), Just(EXPIRY)].prop_map(Op::Advance),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Account,
    Reset,
    Contact,
}

#[derive(Debug, Clone)]
struct MInvite {
    token: String,
    kind: Kind,
    /// Bound username (account), the account (reset).
    username: Option<String>,
    /// The inviter (contact).
    inviter: Option<String>,
    ibr: bool,
    expires: u64,
    spent: bool,
}

#[derive(Debug, Default)]
struct Model {
    now: u64,
    /// Username → password.
    accounts: BTreeMap<String, String>,
    invites: Vec<MInvite>,
    /// (owner, contact username) → subscription.
    roster: BTreeMap<(String, String), Subscription>,
    /// Per stream slot: the invite index a preauth validated.
    validated: [Option<usize>; 2],
}

fn with_to(s: Subscription) -> Subscription {
    match s {
        Subscription::None => Subscription::To,
        Subscription::From => Subscription::Both,
        s => s,
    }
}

fn with_from(s: Subscription) -> Subscription {
    match s {
        Subscription::None => Subscription::From,
        Subscription::To => Subscription::Both,
        s => s,
    }
}

impl Model {
    fn sub(&self, owner: &str, contact: &str) -> Subscription {
        self.roster
            .get(&(owner.to_owned(), contact.to_owned()))
            .copied()
            .unwrap_or(Subscription::None)
    }

    fn set_sub(&mut self, owner: &str, contact: &str, s: Subscription) {
        self.roster
            .insert((owner.to_owned(), contact.to_owned()), s);
    }

    /// Whether a preauth with invite `i` is accepted now.
    fn preauth_ok(&self, i: Option<usize>) -> bool {
        i.and_then(|i| self.invites.get(i))
            .is_some_and(|v| !v.spent && v.ibr && self.now < v.expires)
    }

    /// Whether `name` is reserved by a live, unspent, bound account invite other than `except`.
    fn reserved(&self, name: &str, except: usize) -> bool {
        self.invites.iter().enumerate().any(|(j, v)| {
            j != except
                && v.kind == Kind::Account
                && v.username.as_deref() == Some(name)
                && !v.spent
                && self.now < v.expires
        })
    }

    /// Registration of `name` with password `pw` on a stream that validated `validated`;
    /// returns whether it succeeds, applying it.
    fn register(&mut self, validated: Option<usize>, name: &str, pw: &str) -> bool {
        let Some(i) = validated else {
            return false; // Invite-only (INV-27).
        };
        let v = self.invites[i].clone();
        if v.spent {
            return false; // Spent by another stream meanwhile (INV-26).
        }
        match v.kind {
            Kind::Reset => {
                if v.username.as_deref() != Some(name) {
                    return false; // INV-25
                }
                self.accounts.insert(name.to_owned(), pw.to_owned());
            }
            Kind::Account | Kind::Contact => {
                if v.username.as_deref().is_some_and(|b| b != name) {
                    return false; // INV-25
                }
                if self.accounts.contains_key(name) || self.reserved(name, i) {
                    return false; // IBR-9 / INV-17: conflict, token kept (INV-23)
                }
                self.accounts.insert(name.to_owned(), pw.to_owned());
                if let Some(inviter) = &v.inviter {
                    // INV-18/19: mutual subscription.
                    self.set_sub(inviter, name, Subscription::Both);
                    self.set_sub(name, inviter, Subscription::Both);
                }
            }
        }
        self.invites[i].spent = true;
        true
    }

    /// Roster preauth from `from` to `to` with invite `i`; returns whether it is approved.
    fn roster_preauth(&mut self, from: &str, to: &str, i: Option<usize>) -> bool {
        let ok = i.and_then(|i| self.invites.get(i)).is_some_and(|v| {
            v.kind == Kind::Contact
                && v.inviter.as_deref() == Some(to)
                && !v.spent
                && self.now < v.expires
                && from != to
        });
        if ok {
            if let Some(i) = i {
                self.invites[i].spent = true;
            }
            let mine = self.sub(from, to);
            self.set_sub(from, to, with_to(mine));
            let theirs = self.sub(to, from);
            self.set_sub(to, from, with_from(theirs));
        }
        ok
    }
}

fn kind_of(k: u8) -> Kind {
    match k {
        0 | 1 => Kind::Account,
        2 => Kind::Reset,
        _ => Kind::Contact,
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    run_with(ops, BreakSet::NONE)
}

fn run_with(ops: &[Op], breaks: BreakSet) -> Result<(), TestCaseError> {
    let h = Harness::new(breaks);
    let mut m = Model {
        now: h.now(),
        ..Model::default()
    };
    m.accounts.insert(ALICE.into(), PASSWORD.into());
    m.accounts.insert(ADMIN.into(), PASSWORD.into());
    let mut slots: [Option<Stream>; 2] = [None, None];
    for (n, op) in ops.iter().enumerate() {
        match op {
            Op::Mint { kind, name } => {
                let name = NAMES[*name];
                let k = kind_of(*kind);
                // Reset and contact invites need an existing account (the mint refuses).
                if matches!(k, Kind::Reset | Kind::Contact) && !m.accounts.contains_key(name) {
                    continue;
                }
                let what = match kind {
                    0 => InviteFor::Account {
                        username: None,
                        subscribe_to: None,
                    },
                    1 => InviteFor::Account {
                        username: Some(name.into()),
                        subscribe_to: None,
                    },
                    2 => InviteFor::Reset {
                        account: name.into(),
                    },
                    _ => InviteFor::Contact {
                        inviter: name.into(),
                        ibr: *kind == 3,
                    },
                };
                let minted = h.mint(what);
                m.invites.push(MInvite {
                    token: minted.token,
                    kind: k,
                    username: matches!(kind, 1 | 2).then(|| name.to_owned()),
                    inviter: (k == Kind::Contact).then(|| name.to_owned()),
                    ibr: *kind != 4,
                    expires: m.now + EXPIRY,
                    spent: false,
                });
            }
            Op::Preauth { slot, pick } => {
                let idx = pick % (m.invites.len() + 1);
                let (token, i) = match m.invites.get(idx) {
                    Some(v) => (v.token.clone(), Some(idx)),
                    None => ("not-a-token".to_owned(), None),
                };
                let mut s = h.open();
                let got = is_result(&s.preauth(&token));
                let want = m.preauth_ok(i);
                prop_assert_eq!(got, want, "preauth {:?}", op);
                m.validated[*slot] = if want { i } else { None };
                slots[*slot] = Some(s);
            }
            Op::Register { slot, name } => {
                let name = NAMES[*name];
                let pw = format!("pw{n}");
                let s = slots[*slot].get_or_insert_with(|| h.open());
                let got = is_result(&s.register(name, &pw));
                let want = m.register(m.validated[*slot], name, &pw);
                prop_assert_eq!(got, want, "register {:?}", op);
                if want {
                    m.validated[*slot] = None;
                }
            }
            Op::RosterPreauth { from, to, pick } => {
                let (from, to) = (NAMES[*from], NAMES[*to]);
                let Some(pw) = m.accounts.get(from).cloned() else {
                    continue;
                };
                let idx = pick % (m.invites.len() + 1);
                let (token, i) = match m.invites.get(idx) {
                    Some(v) => (v.token.clone(), Some(idx)),
                    None => ("not-a-token".to_owned(), None),
                };
                let mut s = h.open();
                prop_assert!(s.login(from, &pw), "login of {}", from);
                s.send(
                    &gatecheck_proto::xml::Element::new("presence", gatecheck_proto::ns::CLIENT)
                        .with_attr("type", "subscribe")
                        .with_attr("to", format!("{to}@{DOMAIN}"))
                        .with_child(
                            gatecheck_proto::xml::Element::new(
                                "preauth",
                                gatecheck_proto::ns::PREAUTH,
                            )
                            .with_attr("token", token),
                        ),
                );
                let got = s.inbox().iter().any(|e| {
                    e.name == "presence"
                        && e.attr("type") == Some("subscribed")
                        && e.attr("from") == Some(format!("{to}@{DOMAIN}").as_str())
                });
                let want = m.roster_preauth(from, to, i);
                prop_assert_eq!(got, want, "roster preauth {:?}", op);
            }
            Op::Advance(secs) => {
                h.advance(*secs);
                m.now += secs;
            }
        }
        // The whole observable state agrees after every operation.
        for name in NAMES {
            prop_assert_eq!(
                h.exists(name),
                m.accounts.contains_key(name),
                "account {} after {:?}",
                name,
                op
            );
        }
        for v in &m.invites {
            prop_assert_eq!(
                h.spent(&v.token),
                v.spent,
                "spent state of {:?} after {:?}",
                v,
                op
            );
        }
        for owner in NAMES.iter().filter(|o| m.accounts.contains_key(**o)) {
            for contact in NAMES {
                let got = h
                    .subscription(owner, &format!("{contact}@{DOMAIN}"))
                    .unwrap_or(Subscription::None);
                prop_assert_eq!(
                    got,
                    m.sub(owner, contact),
                    "{} → {} after {:?}",
                    owner,
                    contact,
                    op
                );
            }
        }
    }
    for (name, pw) in &m.accounts {
        prop_assert!(
            h.open().login(name, pw),
            "{} logs in with the model's password",
            name
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invites_agree_with_the_model(ops in prop::collection::vec(op(), 1..40)) {
        run(&ops)?;
    }
}

/// Regression: a reservation by a bound invite blocks a free-username invite until it expires.
#[test]
fn reserved_username_until_expiry() {
    let ops = [
        Op::Mint { kind: 1, name: 2 },
        Op::Mint { kind: 0, name: 0 },
        Op::Preauth { slot: 0, pick: 1 },
        Op::Register { slot: 0, name: 2 },
        Op::Advance(EXPIRY),
        Op::Register { slot: 0, name: 2 },
    ];
    run(&ops).unwrap();
}

/// The model is worth the bugs it finds: with each lifecycle break on, random sequences must
/// disagree with it.
#[cfg(feature = "break-builds")]
#[test]
fn the_model_catches_lifecycle_breaks() {
    use crate::breaks::Break;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    for b in [
        Break::Inv26TokenReusable,
        Break::Inv23FailedRegistrationSpendsToken,
        Break::Inv25BoundUsernameNotEnforced,
        Break::Inv25ResetUsernameNotEnforced,
        Break::Inv27RegistrationWithoutInvite,
        Break::Inv21ExpiredTokenAccepted,
        Break::Inv21UnknownTokenAccepted,
        Break::Inv19NoMutualSubscription,
        Break::Pars2PreauthNotApproved,
        Break::Pars3OtherInvitersTokenApproved,
        Break::Pars5TokenReusable,
        Break::Ibr9TakenUsernameOverwritten,
    ] {
        // A fixed seed: whether a break shows must not depend on the run.
        let mut runner = TestRunner::new_with_rng(
            Config {
                cases: 512,
                failure_persistence: None,
                ..Config::default()
            },
            TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        );
        let r = runner.run(&prop::collection::vec(op(), 1..40), |ops| {
            run_with(&ops, BreakSet::NONE.with(b))
        });
        assert!(r.is_err(), "{}: the model did not notice", b.info().name);
    }
}
