//! Every FAST broken build is injectable and shows: each probe returns whether the deviation it
//! looks for is visible, and must say "no" for the correct server and "yes" with the break on.

use gatecheck_proto::datetime::parse_datetime;
use gatecheck_proto::ns;
use gatecheck_proto::sasl::ht::{self, HtDraft, HtMechanism};

use super::fast_harness::*;
use crate::breaks::{Break, BreakSet};

const FROM: Option<&str> = Some("alice@example.org");

fn token(h: &Harness, ua_id: &str, m: gatecheck_proto::sasl::Mechanism) -> String {
    h.open(FROM)
        .password(PASSWORD, Some(ua_id), &[request(m.name())])
        .token()
        .expect("token")
        .0
}

fn works(h: &Harness, m: gatecheck_proto::sasl::Mechanism, ua_id: &str, t: &str) -> bool {
    h.open(FROM).token(m, ua_id, t, &[fast(None, false)]).ok()
}

/// Whether the deviation `b` introduces is visible from the wire.
fn deviates(b: Break, h: &Harness) -> bool {
    match b {
        Break::Fast6SameToken => token(h, UA1, NONE) == token(h, UA1, NONE),
        Break::Fast7ExpiryNotDatetime => {
            let r = h
                .open(FROM)
                .password(PASSWORD, Some(UA1), &[request(NONE.name())]);
            parse_datetime(&r.token().unwrap().1).is_err()
        }
        Break::Fast8TokenOnFailure => {
            let r = h
                .open(FROM)
                .password("wrong", Some(UA1), &[request(NONE.name())]);
            r.el.child("token", ns::FAST).is_some()
        }
        Break::Fast10AnyMechanism => {
            let t = token(h, UA1, EXPR);
            works(h, NONE, UA1, &t)
        }
        Break::Fast11CbNotChecked => {
            let t = token(h, UA1, EXPR);
            let hm = HtMechanism::from_mechanism(EXPR).unwrap();
            let ir = ht::initiator_message(hm, HtDraft::Schmaus09, USER, t.as_bytes(), b"", b"")
                .unwrap();
            h.open(FROM)
                .authenticate_raw(EXPR, &ir, &[ua(UA1), fast(None, false)])
                .ok()
        }
        Break::Fast13CountReplayAccepted => {
            let t = token(h, UA1, NONE);
            let go = || {
                h.open(FROM)
                    .token(NONE, UA1, &t, &[fast(Some(3), false)])
                    .ok()
            };
            go() && go()
        }
        Break::Fast14RotationDropsOld => {
            let t1 = token(h, UA1, NONE);
            h.advance(MIN_TTL + 1);
            let r = h.open(FROM).token(NONE, UA1, &t1, &[fast(None, false)]);
            r.token().is_some() && !works(h, NONE, UA1, &t1)
        }
        Break::Fast15EarlierExpiryKept => {
            let t1 = token(h, UA1, NONE);
            let used = works(h, NONE, UA1, &t1);
            h.advance(1);
            let t2 = token(h, UA1, NONE);
            used && works(h, NONE, UA1, &t2) && works(h, NONE, UA1, &t1)
        }
        Break::Fast16UnusedKept => {
            let t1 = token(h, UA1, NONE);
            h.advance(1);
            let _t2 = token(h, UA1, NONE);
            works(h, NONE, UA1, &t1)
        }
        Break::Fast17InvalidateIgnored => {
            let t = token(h, UA1, NONE);
            h.open(FROM).token(NONE, UA1, &t, &[fast(None, true)]);
            works(h, NONE, UA1, &t)
        }
        Break::Fast18TokenWithInvalidate => {
            let t = token(h, UA1, NONE);
            let r = h.open(FROM).token(NONE, UA1, &t, &[fast(None, true)]);
            r.token().is_some()
        }
        Break::Fast20ExpiredNotAuthorized => {
            let t = token(h, UA1, NONE);
            h.advance(TTL);
            let r = h.open(FROM).token(NONE, UA1, &t, &[fast(None, false)]);
            r.condition().as_deref() == Some("not-authorized")
        }
        Break::Fast20ExpiryNotChecked => {
            let t = token(h, UA1, NONE);
            h.advance(TTL);
            works(h, NONE, UA1, &t)
        }
        Break::Fast20PasswordChangeIgnored => {
            let t = token(h, UA1, NONE);
            let creds = credentials();
            h.store.set_credentials(USER, &creds).unwrap();
            works(h, NONE, UA1, &t)
        }
        Break::Fast23ShortToken => {
            let t = token(h, UA1, NONE);
            // 128 bits need at least 22 base64 characters after the prefix.
            t.len() < "fast-".len() + 22
        }
        Break::Fast24HmacPrefixOnly => {
            let t = token(h, UA1, NONE);
            let mut s = h.open(FROM);
            let mut ir = s.initiator(NONE, USER, &t);
            if let Some(b) = ir.last_mut() {
                *b ^= 1;
            }
            s.authenticate_raw(NONE, &ir, &[ua(UA1), fast(None, false)])
                .ok()
        }
        Break::Fast25WrongResponder => {
            let t = token(h, UA1, EXPR);
            let mut s = h.open(FROM);
            let r = s.token(EXPR, UA1, &t, &[fast(None, false)]);
            r.ok() && !s.responder_ok(EXPR, &t, &r)
        }
        Break::Fast29AnyUserAgent => {
            let t = token(h, UA1, NONE);
            works(h, NONE, UA2, &t)
        }
        _ => false,
    }
}

#[test]
fn every_fast_break_is_injectable_and_visible() {
    let fast: Vec<Break> = Break::ALL
        .iter()
        .copied()
        .filter(|b| b.info().requirement.starts_with("FAST-"))
        .collect();
    assert!(fast.len() >= 12, "{}", fast.len());
    for b in fast {
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
