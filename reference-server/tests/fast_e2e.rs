//! FAST end to end over real TCP + TLS with the client kit: a password login with
//! `<request-token/>`, then reconnects that authenticate with HT-SHA-256-* in one round trip and
//! verify the responder HMAC; tokens survive a server restart (SQLite + key file); and the replay
//! race: two connections presenting the same token with the same `count` at the same instant,
//! 200 times, at most one may succeed.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use gatecheck_client::build::request_token;
use gatecheck_client::fast::{
    authenticate_with_token, fast_request, fast_session, issued_token, user_agent_with_id,
    verify_success,
};
use gatecheck_client::{Conn, Connect, Features, Sasl2Reply, USER_AGENT_ID, login};
use gatecheck_proto::sasl::ht::HtDraft;
use gatecheck_server::{Config, RunningServer};
use support::{DOMAIN, config, start, tempdir};

const FROM: &str = "alice@example.test";

async fn session(s: &RunningServer) -> (Conn, Features) {
    let c = Connect::to(s.c2s_tls_addr)
        .direct_tls()
        .domain(DOMAIN)
        .insecure_tls();
    fast_session(c, FROM).await.expect("session")
}

/// Password (SCRAM) login asking for a token for `mech`.
async fn password_login(s: &RunningServer, mech: &str) -> String {
    let (mut c, f) = session(s).await;
    let offered = f
        .sasl2
        .as_ref()
        .map(|o| o.fast_mechanisms())
        .unwrap_or_default();
    assert!(offered.iter().any(|m| m == mech), "{offered:?}");
    assert!(!f.mechanisms().iter().any(|m| m.starts_with("HT-")));
    let l = login(&mut c, &f, "alice", "pencil", &[request_token(mech)])
        .await
        .expect("login");
    issued_token(&l.success).expect("token").token
}

/// One HT authentication on a fresh connection; `Ok` with the verified draft on success.
async fn token_login(
    s: &RunningServer,
    mech: &str,
    token: &str,
    count: Option<u64>,
) -> Result<HtDraft, String> {
    let (mut c, _) = session(s).await;
    let inline = [
        user_agent_with_id(USER_AGENT_ID),
        fast_request(count, false),
    ];
    match authenticate_with_token(&mut c, mech, "alice", token, &inline)
        .await
        .map_err(|e| e.to_string())?
    {
        Sasl2Reply::Success(el) => {
            verify_success(mech, token, c.tls(), &el).map_err(|e| e.to_string())
        }
        other => Err(other.describe()),
    }
}

#[tokio::test]
async fn password_then_one_round_trip_token_logins_and_restart() {
    let dir = tempdir("fast-e2e");
    let cfg = config(&dir);
    let server = start(&cfg).await;
    let mut tokens = Vec::new();
    for mech in ["HT-SHA-256-EXPR", "HT-SHA-256-ENDP", "HT-SHA-256-NONE"] {
        let t = password_login(&server, mech).await;
        // The first reply to the HT <authenticate/> is <success/> (no challenge), and its
        // additional-data is the -09 responder HMAC over this connection's binding.
        assert_eq!(
            token_login(&server, mech, &t, Some(1)).await,
            Ok(HtDraft::Schmaus09),
            "{mech}"
        );
        tokens.push((mech, t));
    }
    // Tokens requested by one password login each: only the last one's slot survives for this
    // client (issuing replaces the never-used token), the ones used before it were superseded.
    let (mech, last) = tokens.last().cloned().unwrap();
    assert!(
        token_login(&server, tokens[0].0, &tokens[0].1, None)
            .await
            .is_err()
    );
    assert!(server.shutdown(Duration::from_secs(5)).await);
    // Restart over the same data directory: the token (sealed in SQLite, key in its own file)
    // still works, and its count (2 > 1) is accepted.
    let server = start(&cfg).await;
    assert_eq!(
        token_login(&server, mech, &last, Some(2)).await,
        Ok(HtDraft::Schmaus09)
    );
    assert!(token_login(&server, mech, &last, Some(2)).await.is_err());
    let key = std::fs::metadata(cfg.fast_token_key_path()).expect("key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }
    let _ = key;
    server.shutdown(Duration::from_secs(5)).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_token_same_count_at_most_one_wins() {
    const ROUNDS: u64 = 200;
    let dir = tempdir("fast-race");
    // Every round fails one of its two attempts on purpose: 200 failures from one address, which
    // the authentication failure budget (limit_auth_max) would refuse after 30.
    let config = Config {
        limit_auth_max: 0,
        limit_auth_account_max: 0,
        ..config(&dir)
    };
    let server = Arc::new(start(&config).await);
    let token = password_login(&server, "HT-SHA-256-NONE").await;
    let started = Instant::now();
    let race = async {
        let mut wins = 0;
        for count in 1..=ROUNDS {
            let (a, _) = session(&server).await;
            let (b, _) = session(&server).await;
            let barrier = Arc::new(tokio::sync::Barrier::new(2));
            let go = |mut c: Conn, barrier: Arc<tokio::sync::Barrier>, token: String| async move {
                let inline = [
                    user_agent_with_id(USER_AGENT_ID),
                    fast_request(Some(count), false),
                ];
                barrier.wait().await;
                let r =
                    authenticate_with_token(&mut c, "HT-SHA-256-NONE", "alice", &token, &inline)
                        .await;
                matches!(r, Ok(Sasl2Reply::Success(_)))
            };
            let ta = tokio::spawn(go(a, barrier.clone(), token.clone()));
            let tb = tokio::spawn(go(b, barrier, token.clone()));
            let (ra, rb) = (ta.await.expect("task"), tb.await.expect("task"));
            let n = usize::from(ra) + usize::from(rb);
            assert!(
                n <= 1,
                "round {count}: both connections authenticated with one count"
            );
            // The loser saw a count the winner had already used; one of them must have won.
            assert_eq!(n, 1, "round {count}: neither connection authenticated");
            wins += n;
        }
        wins
    };
    let wins = tokio::time::timeout(Duration::from_secs(180), race)
        .await
        .expect("the race test is bounded in time");
    assert_eq!(wins, ROUNDS as usize);
    eprintln!("{ROUNDS} races in {:?}", started.elapsed());
    std::fs::remove_dir_all(dir).ok();
}
