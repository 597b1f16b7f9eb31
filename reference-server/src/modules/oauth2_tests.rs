//! OAUTHBEARER through the sans-IO session (SASL2), with tokens put straight into the store.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use gatecheck_proto::sasl::Mechanism;

use super::fast_harness::{Harness, add_alice};
use crate::breaks::BreakSet;
use crate::env::{Env, ManualClock, SeededRng};
use crate::store::{MemoryStore, OAuth2Token, Store, TokenKind};

const FROM: Option<&str> = Some("alice@example.org");
const NOW: u64 = 1_700_000_000;

pub(crate) fn harness(breaks: BreakSet) -> Harness {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    add_alice(store.as_ref());
    let clock = Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW)));
    let env = Env {
        clock: clock.clone(),
        rng: Arc::new(SeededRng::new(5)),
    };
    let config = crate::Config {
        domain: "example.org".into(),
        http_address: Some("127.0.0.1:0".parse().unwrap()),
        breaks,
        ..crate::Config::default()
    };
    let svc = crate::root::services(&config, store.clone(), env).unwrap();
    Harness {
        svc: Arc::new(svc),
        clock,
        store,
    }
}

/// Stores `token` for alice; returns it.
pub(crate) fn put(h: &Harness, token: &str, kind: TokenKind, expires_at: u64, revoked: bool) {
    h.store
        .oauth2_tokens_put(&[OAuth2Token {
            token_hash: crate::http::sha256_hex(token.as_bytes()),
            kind,
            grant_id: "g".into(),
            username: "alice".into(),
            client_hash: "c".repeat(64),
            scope: String::new(),
            issued_at: NOW,
            expires_at,
            revoked,
        }])
        .unwrap();
}

pub(crate) fn login(h: &Harness, authz: &str, token: &str) -> super::fast_harness::Reply {
    let ir = format!("n,{authz},\x01auth=Bearer {token}\x01\x01");
    h.open(FROM)
        .authenticate_raw(Mechanism::OAuthBearer, ir.as_bytes(), &[])
}

#[test]
fn offered_on_tls_in_sasl2() {
    let h = harness(BreakSet::NONE);
    assert!(
        h.open(FROM)
            .mechanisms()
            .contains(&"OAUTHBEARER".to_owned())
    );
    // Without an HTTP listener nothing issues tokens, so nothing offers the mechanism.
    let fast = Harness::new(BreakSet::NONE);
    assert!(
        !fast
            .open(FROM)
            .mechanisms()
            .contains(&"OAUTHBEARER".to_owned())
    );
}

#[test]
fn live_token_logs_in_and_others_do_not() {
    let h = harness(BreakSet::NONE);
    put(&h, "good", TokenKind::Access, NOW + 60, false);
    put(&h, "revoked", TokenKind::Access, NOW + 60, true);
    put(&h, "expired", TokenKind::Access, NOW, false);
    put(&h, "refresh", TokenKind::Refresh, NOW + 60, false);
    assert!(login(&h, "", "good").ok());
    assert!(login(&h, "a=alice@example.org", "good").ok());
    for t in ["revoked", "expired", "refresh", "unknown"] {
        let r = login(&h, "", t);
        assert_eq!(r.condition().as_deref(), Some("not-authorized"), "{t}");
    }
    // A foreign authzid is refused whatever the token.
    assert!(!login(&h, "a=bob@example.org", "good").ok());
    // Malformed.
    let r =
        h.open(FROM)
            .authenticate_raw(Mechanism::OAuthBearer, b"n,,\x01auth=Basic x\x01\x01", &[]);
    assert_eq!(r.condition().as_deref(), Some("malformed-request"));
    // Expiry is read from the clock.
    h.advance(60);
    assert_eq!(
        login(&h, "", "good").condition().as_deref(),
        Some("not-authorized")
    );
}
