//! Invitations over TCP+TLS against the real server (SQLite store, tokio shell): an invite
//! minted through the public function (what `invite create` calls) on a second connection to
//! the same database, preauth, registration and SASL2 login on the same stream; and the
//! double-spend race: 100 connections registering different usernames with one token.

mod support;

use std::sync::Arc;

use gatecheck_proto::ns;
use gatecheck_proto::sasl::ScramHash;
use gatecheck_proto::xml::Element;
use gatecheck_server::Env;
use gatecheck_server::invites::{InviteFor, InviteRequest, InviteSettings, create_invite};
use gatecheck_server::store::{SqliteStore, Store};
use support::{Client, DOMAIN, config, sasl2_scram, scram, start, tempdir};

fn mint(config: &gatecheck_server::Config, what: InviteFor) -> String {
    // A second connection to the server's database, as the CLI opens it while `serve` runs.
    let store = SqliteStore::open(&config.database_path()).unwrap();
    create_invite(
        &store,
        &Env::system(),
        &InviteSettings::from_config(config),
        &InviteRequest::new(what),
    )
    .unwrap()
    .token
}

fn preauth(token: &str) -> String {
    format!(
        "<iq type='set' id='pa'><preauth xmlns='{}' token='{token}'/></iq>",
        ns::PREAUTH
    )
}

fn register(id: &str, user: &str, password: &str) -> String {
    format!(
        "<iq type='set' id='{id}'><query xmlns='{}'><username>{user}</username>\
         <password>{password}</password></query></iq>",
        ns::REGISTER
    )
}

fn kind(e: &Element) -> String {
    format!("{}:{}", e.name, e.attr("type").unwrap_or_default())
}

#[tokio::test]
async fn invite_preauth_register_and_login_on_one_stream() {
    let dir = tempdir("inv-e2e");
    let cfg = config(&dir);
    let server = start(&cfg).await;
    let token = mint(
        &cfg,
        InviteFor::Account {
            username: None,
            subscribe_to: None,
        },
    );

    let mut c = Client::connect_tls(&server).await;
    let features = c.open().await;
    for n in [ns::IBR_TOKEN, ns::INVITE, ns::REGISTER_FEATURE] {
        assert!(features.child("register", n).is_some(), "{n}");
    }
    c.send(&preauth(&token)).await;
    let r = c.el().await;
    assert_eq!(kind(&r), "iq:result", "{}", r.to_xml());
    c.send(&register("r1", "newbie", "s3cr3t")).await;
    let r = c.el().await;
    assert_eq!(kind(&r), "iq:result", "{}", r.to_xml());
    // IBR-26 / INV-28: the same stream authenticates with the new credentials.
    let s = scram(&c, ScramHash::Sha256, false, "s3cr3t", "newbie");
    let ok = sasl2_scram(&mut c, s, "SCRAM-SHA-256", "").await;
    assert_eq!(ok.name, "success", "{}", ok.to_xml());

    // The token is spent: a second stream's preauth fails.
    let mut c2 = Client::connect_tls(&server).await;
    c2.open().await;
    c2.send(&preauth(&token)).await;
    let r = c2.el().await;
    assert_eq!(kind(&r), "iq:error", "{}", r.to_xml());
    assert!(
        r.child("error", ns::CLIENT)
            .and_then(|e| e.child("item-not-found", ns::STANZAS))
            .is_some()
    );
    let (_bound, jid) = support::login_bound(&server, "newbie", "s3cr3t").await;
    assert!(jid.starts_with(&format!("newbie@{DOMAIN}/")));
    server.shutdown(std::time::Duration::from_secs(2)).await;
    std::fs::remove_dir_all(dir).ok();
}

/// Connections in the race.
const RACERS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_token_many_registrations_exactly_one_account() {
    let dir = tempdir("inv-race");
    let mut cfg = config(&dir);
    cfg.c2s_max_connections_per_ip = 4 * RACERS;
    let server = start(&cfg).await;
    let token = mint(
        &cfg,
        InviteFor::Account {
            username: None,
            subscribe_to: None,
        },
    );
    // Every connection validates the (still unspent) token first, then all register at once.
    let mut clients = Vec::new();
    for _ in 0..RACERS {
        let mut c = Client::connect_tls(&server).await;
        c.open().await;
        c.send(&preauth(&token)).await;
        let r = c.el().await;
        assert_eq!(kind(&r), "iq:result", "{}", r.to_xml());
        clients.push(c);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for (i, mut c) in clients.into_iter().enumerate() {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            c.send(&register("race", &format!("racer{i}"), "pw")).await;
            let r = c.el().await;
            (i, kind(&r))
        }));
    }
    let mut winners = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (i, k) = t.await.unwrap();
        match k.as_str() {
            "iq:result" => winners.push(i),
            "iq:error" => errors += 1,
            other => panic!("unexpected answer {other}"),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one registration wins: {winners:?}"
    );
    assert_eq!(errors, RACERS - 1);
    let store = SqliteStore::open(&cfg.database_path()).unwrap();
    let existing: Vec<usize> = (0..RACERS)
        .filter(|i| store.get_account(&format!("racer{i}")).unwrap().is_some())
        .collect();
    assert_eq!(existing, winners, "exactly one account exists afterwards");
    server.shutdown(std::time::Duration::from_secs(2)).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn contact_invite_push_and_remove_ends_every_stream() {
    let dir = tempdir("inv-contact");
    let cfg = config(&dir);
    let server = start(&cfg).await;
    let (mut alice, _) = support::login_bound(&server, "alice", "pencil").await;
    let token = mint(
        &cfg,
        InviteFor::Contact {
            inviter: "alice".into(),
            ibr: true,
        },
    );
    let mut c = Client::connect_tls(&server).await;
    c.open().await;
    c.send(&preauth(&token)).await;
    assert_eq!(kind(&c.el().await), "iq:result");
    c.send(&register("r1", "bob", "pw")).await;
    assert_eq!(kind(&c.el().await), "iq:result");
    // INV-18: the online inviter gets the push.
    let push = alice.el().await;
    let item = push
        .child("query", ns::ROSTER)
        .and_then(|q| q.child("item", ns::ROSTER))
        .unwrap_or_else(|| panic!("{}", push.to_xml()));
    assert_eq!(item.attr("jid"), Some(format!("bob@{DOMAIN}").as_str()));
    assert_eq!(item.attr("subscription"), Some("both"));

    // Two sessions of bob; one removes the account, both end with not-authorized.
    let (mut b1, _) = support::login_bound(&server, "bob", "pw").await;
    let (mut b2, _) = support::login_bound(&server, "bob", "pw").await;
    b1.send(&format!(
        "<iq type='set' id='rm'><query xmlns='{}'><remove/></query></iq>",
        ns::REGISTER
    ))
    .await;
    let r = b1.el().await;
    assert_eq!(kind(&r), "iq:result", "{}", r.to_xml());
    b1.expect_stream_error("not-authorized").await;
    b2.expect_stream_error("not-authorized").await;
    // The inviter's subscription is cancelled.
    let mut saw = Vec::new();
    for _ in 0..3 {
        let e = alice.el().await;
        saw.push(format!("{}:{}", e.name, e.attr("type").unwrap_or_default()));
    }
    assert!(saw.contains(&"presence:unsubscribe".to_owned()), "{saw:?}");
    assert!(saw.contains(&"presence:unsubscribed".to_owned()), "{saw:?}");
    let store = SqliteStore::open(&cfg.database_path()).unwrap();
    assert!(store.get_account("bob").unwrap().is_none());
    server.shutdown(std::time::Duration::from_secs(2)).await;
    std::fs::remove_dir_all(dir).ok();
}
