//! FAST through the sans-IO core with a hand-moved clock: advertisement, issue, one round trip,
//! binding to mechanism / user agent / channel binding, rotation, invalidation, count, expiry,
//! password change, persistence and protection at rest.

use gatecheck_proto::datetime::{Timestamp, format_datetime};
use gatecheck_proto::ns;
use gatecheck_proto::sasl::ht::{self, HtDraft, HtMechanism};
use gatecheck_proto::sasl::{ChannelBindings, TlsVersion};
use gatecheck_proto::xml::Element;

use super::fast_harness::*;
use crate::breaks::BreakSet;

const FROM: Option<&str> = Some("alice@example.org");

fn harness() -> Harness {
    Harness::new(BreakSet::NONE)
}

/// Password login from `ua_id` asking for a token for `m`; returns the token.
fn first_token(h: &Harness, ua_id: &str, m: gatecheck_proto::sasl::Mechanism) -> String {
    let r = h
        .open(FROM)
        .password(PASSWORD, Some(ua_id), &[request(m.name())]);
    assert!(r.ok(), "{:?}", r.el);
    r.token().expect("token").0
}

#[test]
fn advertised_inline_only_on_tls_streams_naming_the_user() {
    let h = harness();
    let s = h.open(FROM);
    assert_eq!(
        s.fast_mechanisms(),
        ["HT-SHA-256-EXPR", "HT-SHA-256-ENDP", "HT-SHA-256-NONE"]
    );
    assert!(!s.mechanisms().iter().any(|m| m.starts_with("HT-")));
    assert!(s.mechanisms().contains(&"SCRAM-SHA-256".to_owned()));
    // No `from`, or a `from` without a local part: no FAST.
    assert!(h.open(None).fast_mechanisms().is_empty());
    assert!(h.open(Some("example.org")).fast_mechanisms().is_empty());
    // Only the bindings the TLS session has; never -UNIQ (rustls has no tls-unique).
    let mut t = ChannelBindings::none(TlsVersion::Tls12);
    t.tls_server_end_point = Some(vec![1; 32]);
    t.tls_unique = Some(vec![2; 12]);
    assert_eq!(
        h.open_with(FROM, t).fast_mechanisms(),
        ["HT-SHA-256-ENDP", "HT-SHA-256-NONE"]
    );
    // HT names are not accepted where FAST is not offered (SASL2-9).
    let mut s = h.open(None);
    let r = s.token(NONE, UA1, "whatever", &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("invalid-mechanism"));
}

#[test]
fn token_issued_only_on_success_with_a_future_xep0082_expiry() {
    let h = harness();
    let r = h
        .open(FROM)
        .password(PASSWORD, Some(UA1), &[request(EXPR.name())]);
    let (token, expiry) = r.token().expect("token");
    let want = format_datetime(Timestamp::new((h.now() + TTL) as i64, 0).unwrap());
    assert_eq!(expiry, want);
    assert!(expiry.ends_with('Z'));
    // 192 random bits in base64url after the prefix.
    assert_eq!(token.len(), "fast-".len() + 32, "{token}");
    let again = first_token(&h, UA1, EXPR);
    assert_ne!(token, again);
    // Failure: no token, nothing stored.
    let r = h
        .open(FROM)
        .password("wrong", Some(UA2), &[request(EXPR.name())]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
    assert!(r.token().is_none());
    h.store
        .fast_update(USER, UA2, &mut |s| assert!(s.is_empty()))
        .unwrap();
    // A mechanism not offered, or no user-agent id: success without a token.
    for (req, ua_id) in [
        (request("HT-SHA-256-UNIQ"), Some(UA1)),
        (request("SCRAM-SHA-256"), Some(UA1)),
        (request(EXPR.name()), None),
    ] {
        let r = h.open(FROM).password(PASSWORD, ua_id, &[req]);
        assert!(r.ok() && r.token().is_none(), "{:?}", r.el);
    }
}

#[test]
fn one_round_trip_with_responder_hmac_for_every_mechanism() {
    let h = harness();
    for m in [EXPR, ENDP, NONE] {
        let token = first_token(&h, UA1, m);
        let mut s = h.open(FROM);
        let r = s.token(m, UA1, &token, &[fast(Some(1), false)]);
        assert!(r.ok(), "{m}: {:?}", r.el);
        assert!(s.responder_ok(m, &token, &r), "{m}");
        assert!(r.token().is_none());
        assert_eq!(
            r.el.child("authorization-identifier", ns::SASL2)
                .map(Element::text)
                .as_deref(),
            Some("alice@example.org")
        );
    }
}

#[test]
fn ietf01_requests_get_ietf01_answers() {
    let h = harness();
    let token = first_token(&h, UA1, NONE);
    let mut s = h.open(FROM);
    let hm = HtMechanism::from_mechanism(NONE).unwrap();
    let ir = ht::initiator_message(hm, HtDraft::Ietf01, USER, token.as_bytes(), b"", b"").unwrap();
    let r = s.authenticate_raw(NONE, &ir, &[ua(UA1), fast(None, false)]);
    assert!(r.ok(), "{:?}", r.el);
    let data = r.additional().unwrap();
    assert!(ht::verify_responder(hm, HtDraft::Ietf01, token.as_bytes(), b"", &data).is_ok());
}

#[test]
fn token_is_bound_to_mechanism_user_agent_binding_and_hmac() {
    let h = harness();
    let token = first_token(&h, UA1, EXPR);
    let mut s = h.open(FROM);
    // Another mechanism (FAST-10), another user agent (FAST-29).
    for (m, ua_id) in [(NONE, UA1), (ENDP, UA1), (EXPR, UA2)] {
        let r = s.token(m, ua_id, &token, &[fast(None, false)]);
        assert_eq!(
            r.condition().as_deref(),
            Some("not-authorized"),
            "{m} {ua_id}"
        );
    }
    // HMAC over empty cb data under -EXPR (FAST-11).
    let hm = HtMechanism::from_mechanism(EXPR).unwrap();
    let ir =
        ht::initiator_message(hm, HtDraft::Schmaus09, USER, token.as_bytes(), b"", b"").unwrap();
    let mut s = h.open(FROM);
    let r = s.authenticate_raw(EXPR, &ir, &[ua(UA1), fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
    // One bit flipped (FAST-24).
    let mut ir = s.initiator(EXPR, USER, &token);
    if let Some(b) = ir.last_mut() {
        *b ^= 1;
    }
    let r = s.authenticate_raw(EXPR, &ir, &[ua(UA1), fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
    // Still fine with everything right.
    let mut s = h.open(FROM);
    assert!(s.token(EXPR, UA1, &token, &[fast(None, false)]).ok());
}

#[test]
fn malformed_token_requests() {
    let h = harness();
    let token = first_token(&h, UA1, NONE);
    let mut s = h.open(FROM);
    // No <fast/>, no user agent, a bad count, no NUL: malformed-request, no challenge ever.
    let r = s.token(NONE, UA1, &token, &[]);
    assert_eq!(r.condition().as_deref(), Some("malformed-request"));
    let ir = s.initiator(NONE, USER, &token);
    let r = s.authenticate_raw(NONE, &ir, &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("malformed-request"));
    let mut s = h.open(FROM);
    let bad = Element::new("fast", ns::FAST).with_attr("count", "-1");
    let r = s.token(NONE, UA1, &token, &[bad]);
    assert_eq!(r.condition().as_deref(), Some("malformed-request"));
    let r = s.authenticate_raw(NONE, b"alice", &[ua(UA1), fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("malformed-request"));
    // Unknown user and garbage token: not-authorized, like a wrong token.
    let mut s = h.open(FROM);
    let ir = s.initiator(NONE, "nobody", &token);
    let r = s.authenticate_raw(NONE, &ir, &[ua(UA1), fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
    let r = s.token(NONE, UA1, "fast-garbage", &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
}

#[test]
fn rotation_keeps_the_old_token_until_the_new_one_is_used() {
    let h = harness();
    let t1 = first_token(&h, UA1, EXPR);
    // Young token: no rotation.
    let r = h.open(FROM).token(EXPR, UA1, &t1, &[fast(None, false)]);
    assert!(r.ok() && r.token().is_none());
    h.advance(MIN_TTL + 1);
    let r = h.open(FROM).token(EXPR, UA1, &t1, &[fast(None, false)]);
    let (t2, expiry) = r.token().expect("rotated token");
    assert_eq!(
        expiry,
        format_datetime(Timestamp::new((h.now() + TTL) as i64, 0).unwrap())
    );
    // FAST-14: T1 still works (and, still old, rotates again: T3 replaces the unused T2).
    let r = h.open(FROM).token(EXPR, UA1, &t1, &[fast(None, false)]);
    let (t3, _) = r.token().expect("rotated again");
    assert!(
        !h.open(FROM)
            .token(EXPR, UA1, &t2, &[fast(None, false)])
            .ok()
    );
    // Using T3 ends T1 (FAST-15: earlier expiry).
    let r = h.open(FROM).token(EXPR, UA1, &t3, &[fast(None, false)]);
    assert!(r.ok() && r.token().is_none(), "{:?}", r.el);
    let r = h.open(FROM).token(EXPR, UA1, &t1, &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
}

#[test]
fn earlier_expiry_and_never_used_tokens_are_invalidated() {
    let h = harness();
    let t1 = first_token(&h, UA1, NONE);
    h.advance(1);
    // FAST-15: T1 → (request-token) T2; T2 used; T1 dead.
    let r = h
        .open(FROM)
        .token(NONE, UA1, &t1, &[fast(None, false), request(NONE.name())]);
    let (t2, _) = r.token().unwrap();
    h.advance(1);
    assert!(
        h.open(FROM)
            .token(NONE, UA1, &t2, &[fast(None, false)])
            .ok()
    );
    assert!(
        !h.open(FROM)
            .token(NONE, UA1, &t1, &[fast(None, false)])
            .ok()
    );
    // FAST-16: T2 → T3 (unused); T2 again with request-token → T4; T3 dead, T2 and T4 alive.
    h.advance(1);
    let (t3, _) = h
        .open(FROM)
        .token(NONE, UA1, &t2, &[fast(None, false), request(NONE.name())])
        .token()
        .unwrap();
    h.advance(1);
    let (t4, _) = h
        .open(FROM)
        .token(NONE, UA1, &t2, &[fast(None, false), request(NONE.name())])
        .token()
        .unwrap();
    assert!(
        !h.open(FROM)
            .token(NONE, UA1, &t3, &[fast(None, false)])
            .ok()
    );
    assert!(
        h.open(FROM)
            .token(NONE, UA1, &t2, &[fast(None, false)])
            .ok()
    );
    assert!(
        h.open(FROM)
            .token(NONE, UA1, &t4, &[fast(None, false)])
            .ok()
    );
    // Another client's tokens are untouched by all of this.
    let other = first_token(&h, UA2, NONE);
    assert!(
        h.open(FROM)
            .token(NONE, UA2, &other, &[fast(None, false)])
            .ok()
    );
}

#[test]
fn invalidate_kills_the_token_and_issues_only_on_request() {
    let h = harness();
    let t1 = first_token(&h, UA1, NONE);
    h.advance(MIN_TTL + 1); // due for rotation, but invalidate wins
    let r = h.open(FROM).token(NONE, UA1, &t1, &[fast(None, true)]);
    assert!(r.ok() && r.token().is_none(), "{:?}", r.el);
    let r = h.open(FROM).token(NONE, UA1, &t1, &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
    // invalidate='true' with request-token: the old one dies, the new one works.
    let t2 = first_token(&h, UA1, NONE);
    let r = h.open(FROM).token(
        NONE,
        UA1,
        &t2,
        &[
            Element::new("fast", ns::FAST).with_attr("invalidate", "true"),
            request(NONE.name()),
        ],
    );
    let (t3, _) = r.token().expect("requested token");
    assert!(
        !h.open(FROM)
            .token(NONE, UA1, &t2, &[fast(None, false)])
            .ok()
    );
    assert!(
        h.open(FROM)
            .token(NONE, UA1, &t3, &[fast(None, false)])
            .ok()
    );
}

#[test]
fn count_must_increase() {
    let h = harness();
    let t = first_token(&h, UA1, NONE);
    let go = |c: Option<u64>| {
        h.open(FROM)
            .token(NONE, UA1, &t, &[fast(c, false)])
            .condition()
    };
    assert_eq!(go(Some(5)), None);
    assert_eq!(go(Some(5)).as_deref(), Some("not-authorized"));
    assert_eq!(go(Some(4)).as_deref(), Some("not-authorized"));
    assert_eq!(go(None), None);
    assert_eq!(go(Some(6)), None);
    assert_eq!(go(Some(6)).as_deref(), Some("not-authorized"));
}

#[test]
fn expired_token_is_credentials_expired_then_password_works_on_the_same_stream() {
    let h = harness();
    let t = first_token(&h, UA1, EXPR);
    h.advance(TTL);
    let mut s = h.open(FROM);
    let r = s.token(EXPR, UA1, &t, &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("credentials-expired"));
    let r = s.password(PASSWORD, Some(UA1), &[request(EXPR.name())]);
    assert!(r.ok() && r.token().is_some(), "{:?}", r.el);
    // The expired token was deleted, so it is now simply unknown.
    let r = h.open(FROM).token(EXPR, UA1, &t, &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
}

#[test]
fn password_change_revokes_tokens() {
    let h = harness();
    let t = first_token(&h, UA1, NONE);
    let other = first_token(&h, UA2, NONE);
    // Credentials replaced without deleting tokens: the server still refuses them.
    let creds = credentials();
    h.store.set_credentials(USER, &creds).unwrap();
    let r = h.open(FROM).token(NONE, UA1, &t, &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("credentials-expired"));
    // `user passwd` also deletes them.
    assert_eq!(h.store.fast_revoke_account(USER).unwrap(), 1);
    let r = h.open(FROM).token(NONE, UA2, &other, &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
}

#[cfg(feature = "shell")]
#[test]
fn tokens_are_sealed_at_rest_and_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "gatecheck-fast-{}",
        crate::env::Env::system().random_hex(8)
    ));
    let store: std::sync::Arc<dyn crate::store::Store> =
        std::sync::Arc::new(crate::store::SqliteStore::open_in_dir(&dir).unwrap());
    add_alice(store.as_ref());
    let key = crate::store::seal::SealKey::generate(&crate::env::OsRng);
    let h = Harness::over(store.clone(), key.clone(), BreakSet::NONE);
    let t = first_token(&h, UA1, NONE);
    drop(h);
    // The database file never holds the token.
    let db = std::fs::read(dir.join("gatecheck.sqlite3")).unwrap();
    let wal = std::fs::read(dir.join("gatecheck.sqlite3-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(t.len()).any(|w| w == t.as_bytes()));
    }
    // Same database and key: the token works. Same database, another key: it does not.
    let h = Harness::over(store.clone(), key, BreakSet::NONE);
    assert!(h.open(FROM).token(NONE, UA1, &t, &[fast(None, false)]).ok());
    let other = crate::store::seal::SealKey::generate(&crate::env::OsRng);
    let h = Harness::over(store, other, BreakSet::NONE);
    let r = h.open(FROM).token(NONE, UA1, &t, &[fast(None, false)]);
    assert_eq!(r.condition().as_deref(), Some("not-authorized"));
    std::fs::remove_dir_all(dir).unwrap();
}
