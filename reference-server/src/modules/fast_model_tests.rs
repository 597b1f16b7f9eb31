//! Model-based test of FAST: random operation sequences (password logins with and without
//! `<request-token/>`, token logins with any held token, mechanism, `count` and `invalidate`,
//! garbage tokens, unknown users, clock jumps past the rotation age and the lifetime, password
//! changes, two client installations) run against the sans-IO core and against a small abstract
//! model of XEP-0484's rules written from the spec, not from `fast.rs`. Every answer (success or
//! which condition, whether a token comes back and its expiry, the responder HMAC) must agree.

use gatecheck_proto::datetime::{Timestamp, format_datetime};
use gatecheck_proto::sasl::{ChannelBindingType, Mechanism};
use proptest::prelude::*;

use super::fast_harness::*;
use crate::breaks::BreakSet;

const FROM: Option<&str> = Some("alice@example.org");
/// Index 3 is a name the server does not offer (no tls-unique with rustls).
const MECHS: [Mechanism; 4] = [
    EXPR,
    ENDP,
    NONE,
    Mechanism::HtSha256(Some(ChannelBindingType::TlsUnique)),
];
const CLIENTS: [&str; 2] = [UA1, UA2];

#[derive(Debug, Clone)]
enum Op {
    Password {
        client: usize,
        request: Option<usize>,
    },
    Token {
        client: usize,
        pick: usize,
        /// `None`: the mechanism the token was issued for; `Some`: this one (maybe wrong).
        mech: Option<usize>,
        count: Option<u64>,
        invalidate: bool,
        request: Option<usize>,
    },
    Garbage {
        client: usize,
        mech: usize,
    },
    UnknownUser,
    Advance(u64),
    PasswordChange,
}

fn op() -> impl Strategy<Value = Op> {
    let client = 0..2usize;
    let req = prop::option::of(0..4usize);
    prop_oneof![
        3 => (client.clone(), req.clone()).prop_map(|(client, request)| Op::Password { client, request }),
        8 => (client.clone(), any::<usize>(), prop::option::weighted(0.15, 0..3usize), prop::option::of(1..5u64), prop::bool::weighted(0.15), prop::option::weighted(0.3, 0..4usize))
            .prop_map(|(client, pick, mech, count, invalidate, request)| Op::Token { client, pick, mech, count, invalidate, request }),
        1 => (client, 0..3usize).prop_map(|(client, mech)| Op::Garbage { client, mech }),
        1 => Just(Op::UnknownUser),
        2 => prop_oneof![Just(1u64), Just(MIN_TTL + 1), Just(TTL / 2), Just(TTL)].prop_map(Op::Advance),
        1 => Just(Op::PasswordChange),
    ]
}

/// A token as the model sees it.
#[derive(Debug, Clone)]
struct MTok {
    id: usize,
    mech: usize,
    issued: u64,
    expires: u64,
    last: Option<u64>,
    epoch: u32,
}

#[derive(Debug, Default)]
struct MClient {
    new: Option<MTok>,
    cur: Option<MTok>,
    /// Every token this client was given, by id (the client may try any of them).
    held: Vec<usize>,
}

/// The abstract server: two slots per client, a password epoch, the clock.
#[derive(Debug)]
struct Model {
    now: u64,
    epoch: u32,
    clients: [MClient; 2],
    next: usize,
}

/// What the model expects from one token login.
#[derive(Debug, PartialEq)]
enum Expect {
    Fail(&'static str),
    Success { token: Option<usize> },
}

impl Model {
    fn issue(&mut self, c: usize, mech: usize) -> usize {
        let id = self.next;
        self.next += 1;
        self.clients[c].new = Some(MTok {
            id,
            mech,
            issued: self.now,
            expires: self.now + TTL,
            last: None,
            epoch: self.epoch,
        });
        self.clients[c].held.push(id);
        id
    }

    fn password(&mut self, c: usize, request: Option<usize>) -> Option<usize> {
        // Only offered mechanisms get a token.
        request.filter(|&m| m < 3).map(|m| self.issue(c, m))
    }

    fn token(
        &mut self,
        c: usize,
        id: usize,
        mech: usize,
        count: Option<u64>,
        invalidate: bool,
        request: Option<usize>,
    ) -> Expect {
        let now = self.now;
        let epoch = self.epoch;
        let cl = &mut self.clients[c];
        let in_new = cl
            .new
            .as_ref()
            .is_some_and(|t| t.id == id && t.mech == mech);
        let in_cur = cl
            .cur
            .as_ref()
            .is_some_and(|t| t.id == id && t.mech == mech);
        if !in_new && !in_cur {
            return Expect::Fail("not-authorized");
        }
        let slot = if in_new { &mut cl.new } else { &mut cl.cur };
        let Some(mut t) = slot.clone() else {
            return Expect::Fail("not-authorized");
        };
        if now >= t.expires || t.epoch != epoch {
            *slot = None;
            return Expect::Fail("credentials-expired");
        }
        if let (Some(k), Some(l)) = (count, t.last)
            && k <= l
        {
            return Expect::Fail("not-authorized");
        }
        if count.is_some() {
            t.last = count;
        }
        let renewal = now - t.issued > MIN_TTL;
        if invalidate {
            cl.new = None;
            cl.cur = None;
        } else {
            if in_new {
                cl.new = None;
            }
            cl.cur = Some(t.clone());
            if cl.new.as_ref().is_some_and(|n| n.expires < t.expires) {
                cl.new = None;
            }
        }
        let want = match request {
            Some(r) => (r < 3).then_some(r),
            None if renewal && !invalidate => Some(mech),
            None => None,
        };
        Expect::Success {
            token: want.map(|m| self.issue(c, m)),
        }
    }
}

fn expiry(now: u64) -> String {
    format_datetime(Timestamp::new((now + TTL) as i64, 0).unwrap())
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    run_with(ops, BreakSet::NONE)
}

fn run_with(ops: &[Op], breaks: BreakSet) -> Result<(), TestCaseError> {
    let h = Harness::new(breaks);
    let mut m = Model {
        now: h.now(),
        epoch: 0,
        clients: Default::default(),
        next: 0,
    };
    // Token strings by model id, learnt from the server's answers, with their mechanism.
    let mut strings: Vec<String> = Vec::new();
    let mut mechs_of: Vec<usize> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match *op {
            Op::Password { client, request } => {
                let req: Vec<_> = request
                    .map(|r| super::fast_harness::request(MECHS[r].name()))
                    .into_iter()
                    .collect();
                let r = h.open(FROM).password(PASSWORD, Some(CLIENTS[client]), &req);
                prop_assert!(r.ok(), "op {i} {op:?}: {:?}", r.el);
                let want = m.password(client, request);
                match (want, r.token()) {
                    (None, None) => {}
                    (Some(id), Some((t, e))) => {
                        prop_assert_eq!(id, strings.len());
                        prop_assert_eq!(e, expiry(m.now));
                        prop_assert!(!strings.contains(&t), "token reused");
                        strings.push(t);
                        mechs_of.extend(request);
                    }
                    (w, got) => prop_assert!(false, "op {i} {op:?}: model {w:?}, server {got:?}"),
                }
            }
            Op::Token {
                client,
                pick,
                mech,
                count,
                invalidate,
                request,
            } => {
                let held = &m.clients[client].held;
                if held.is_empty() {
                    continue;
                }
                let id = held[pick % held.len()];
                let tok = strings[id].clone();
                let mech = mech.unwrap_or(mechs_of[id]);
                let mut inline = vec![fast(count, invalidate)];
                inline.extend(request.map(|r| super::fast_harness::request(MECHS[r].name())));
                let mut s = h.open(FROM);
                let r = s.token(MECHS[mech], CLIENTS[client], &tok, &inline);
                let want = m.token(client, id, mech, count, invalidate, request);
                match want {
                    Expect::Fail(cond) => {
                        prop_assert_eq!(r.condition(), Some(cond.to_owned()), "op {} {:?}", i, op);
                        prop_assert!(r.token().is_none());
                    }
                    Expect::Success { token } => {
                        prop_assert!(r.ok(), "op {i} {op:?}: {:?}", r.el);
                        prop_assert!(s.responder_ok(MECHS[mech], &tok, &r), "op {i}: responder");
                        match (token, r.token()) {
                            (None, None) => {}
                            (Some(id), Some((t, e))) => {
                                prop_assert_eq!(id, strings.len());
                                prop_assert_eq!(e, expiry(m.now));
                                prop_assert!(!strings.contains(&t), "token reused");
                                strings.push(t);
                                mechs_of.push(request.unwrap_or(mech));
                            }
                            (w, got) => {
                                prop_assert!(false, "op {i} {op:?}: model {w:?}, server {got:?}")
                            }
                        }
                    }
                }
            }
            Op::Garbage { client, mech } => {
                let r = h.open(FROM).token(
                    MECHS[mech],
                    CLIENTS[client],
                    "fast-not-a-token-at-all",
                    &[fast(None, false)],
                );
                prop_assert_eq!(r.condition(), Some("not-authorized".to_owned()));
            }
            Op::UnknownUser => {
                let mut s = h.open(Some("nobody@example.org"));
                let ir = s.initiator(NONE, "nobody", "fast-whatever");
                let r = s.authenticate_raw(NONE, &ir, &[ua(UA1), fast(None, false)]);
                prop_assert_eq!(r.condition(), Some("not-authorized".to_owned()));
            }
            Op::Advance(secs) => {
                h.advance(secs);
                m.now += secs;
            }
            Op::PasswordChange => {
                let creds = credentials();
                h.store.set_credentials(USER, &creds).unwrap();
                m.epoch += 1;
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fast_core_agrees_with_the_model(ops in prop::collection::vec(op(), 1..40)) {
        run(&ops)?;
    }
}

/// A hand-written sequence through every rule, so the model itself is exercised even if the
/// random cases happen to miss a path.
#[test]
fn scripted_walk_through_the_rules() {
    use Op::*;
    let ops = [
        Password {
            client: 0,
            request: Some(2),
        },
        Token {
            client: 0,
            pick: 0,
            mech: Some(2),
            count: Some(1),
            invalidate: false,
            request: Some(0),
        },
        Token {
            client: 0,
            pick: 0,
            mech: Some(2),
            count: Some(1),
            invalidate: false,
            request: None,
        },
        Token {
            client: 0,
            pick: 1,
            mech: Some(0),
            count: None,
            invalidate: false,
            request: None,
        },
        Token {
            client: 0,
            pick: 0,
            mech: Some(2),
            count: Some(2),
            invalidate: false,
            request: None,
        },
        Advance(MIN_TTL + 1),
        Token {
            client: 0,
            pick: 1,
            mech: Some(0),
            count: None,
            invalidate: false,
            request: None,
        },
        Token {
            client: 0,
            pick: 1,
            mech: Some(0),
            count: None,
            invalidate: false,
            request: Some(3),
        },
        Password {
            client: 1,
            request: Some(1),
        },
        Token {
            client: 1,
            pick: 0,
            mech: Some(1),
            count: None,
            invalidate: true,
            request: None,
        },
        Token {
            client: 1,
            pick: 0,
            mech: Some(1),
            count: None,
            invalidate: false,
            request: None,
        },
        PasswordChange,
        Token {
            client: 0,
            pick: 2,
            mech: Some(0),
            count: None,
            invalidate: false,
            request: None,
        },
        Password {
            client: 0,
            request: Some(0),
        },
        Advance(TTL),
        Token {
            client: 0,
            pick: 3,
            mech: Some(0),
            count: None,
            invalidate: false,
            request: None,
        },
        Garbage { client: 1, mech: 2 },
        UnknownUser,
    ];
    run(&ops).unwrap();
}

fn token_op(pick: usize, request: Option<usize>) -> Op {
    Op::Token {
        client: 0,
        pick,
        mech: None,
        count: None,
        invalidate: false,
        request,
    }
}

/// Regression (shrunk from a run against `fast-16-unused-kept`): a never-used token must die when
/// the next one is issued.
#[test]
fn regression_never_used_token_dies_on_issue() {
    let issue = Op::Password {
        client: 0,
        request: Some(2),
    };
    run(&[issue.clone(), issue, token_op(0, None)]).unwrap();
}

/// Regression (the FAST-15 path random runs rarely reach): T1 used, T2 issued and used, then T1
/// must fail.
#[test]
fn regression_earlier_expiry_dies_when_newer_token_is_used() {
    run(&[
        Op::Password {
            client: 0,
            request: Some(2),
        },
        token_op(0, None),
        Op::Advance(1),
        token_op(0, Some(2)),
        token_op(1, None),
        token_op(0, None),
    ])
    .unwrap();
}

/// The model is a sensitive oracle: with any lifecycle break switched on, random sequences find a
/// disagreement. (Breaks only a dishonest client or a failed password login can show, such as
/// wrong channel-binding data or `fast-8-token-on-failure`, are outside what this model drives.)
#[cfg(feature = "break-builds")]
#[test]
fn the_model_catches_every_lifecycle_break() {
    use crate::breaks::Break::*;
    use proptest::test_runner::{Config, TestRunner};
    for b in [
        Fast6SameToken,
        Fast7ExpiryNotDatetime,
        Fast10AnyMechanism,
        Fast13CountReplayAccepted,
        Fast14RotationDropsOld,
        Fast15EarlierExpiryKept,
        Fast16UnusedKept,
        Fast17InvalidateIgnored,
        Fast18TokenWithInvalidate,
        Fast20ExpiredNotAuthorized,
        Fast20ExpiryNotChecked,
        Fast20PasswordChangeIgnored,
        Fast25WrongResponder,
    ] {
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            max_shrink_iters: 0,
            ..Config::default()
        });
        let r = runner.run(&prop::collection::vec(op(), 1..40), |ops| {
            run_with(&ops, BreakSet::NONE.with(b))
        });
        assert!(r.is_err(), "{} not caught by the model", b.info().name);
    }
}
