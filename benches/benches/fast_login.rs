//! FAST (XEP-0484) HT-SHA-256-EXPR logins per second through the sans-IO c2s core: no sockets,
//! fixed TLS facts. Setup logs in once with SCRAM-SHA-256 and `<request-token/>`; each iteration
//! then opens a stream naming the account, authenticates with the token in one round trip (token
//! lookup in the store, unseal, two HMACs) and verifies the responder HMAC. Run against the
//! in-memory store and against SQLite (WAL, one transaction per login), so the store's share is
//! visible next to `sasl2_login`'s SCRAM numbers.
//!
//! `fast_reconnect_tls` is the whole reconnect a client sees: the real server (`root::start`,
//! SQLite) on loopback, a fresh TCP connection with direct TLS, a stream naming the account, and
//! either the one-round-trip HT-SHA-256-EXPR login or a SCRAM-SHA-256 login (client PBKDF2 at
//! 4096 iterations included) for the ratio.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatecheck_client::build;
use gatecheck_client::fast::{
    fast_request, initiator, issued_token, user_agent_with_id, verify_success,
};
use gatecheck_proto::ns;
use gatecheck_proto::sasl::scram::{ClientBinding, ScramClient};
use gatecheck_proto::sasl::{ChannelBindings, ScramHash, TlsVersion, base64};
use gatecheck_proto::xml::{Element, Limits, StreamEvent, StreamHeader, StreamParser};
use gatecheck_server::c2s::services::Services;
use gatecheck_server::c2s::session::C2sSession;
use gatecheck_server::route::NullRouter;
use gatecheck_server::store::{Account, MemoryStore, SqliteStore, Store};
use gatecheck_server::{Action, Config, Env, SessionCore, credentials, root};

const MECH: &str = "HT-SHA-256-EXPR";
const UA: &str = "d4565fa7-4d72-4749-b3d3-740edbf87770";

fn header() -> Vec<u8> {
    let mut h = StreamHeader::new(ns::CLIENT);
    h.to = Some("example.org".into());
    h.from = Some("alice@example.org".into());
    h.to_opening_xml(false).into_bytes()
}

fn services(store: Arc<dyn Store>) -> Arc<Services> {
    store
        .create_account(&Account {
            username: "alice".into(),
            created_at: 0,
            credentials: credentials::derive_all("pencil", 4096).expect("derive"),
        })
        .expect("account");
    let config = Config {
        domain: "example.org".into(),
        ..Config::default()
    };
    Arc::new(root::services(&config, store, Env::system()).expect("services"))
}

/// A core with TLS up and the stream opened (header and features consumed).
fn opened(svc: &Arc<Services>, tls: &ChannelBindings) -> C2sSession {
    let mut core = C2sSession::new(svc.clone(), Arc::new(NullRouter));
    core.on_connect("127.0.0.1:1".parse().expect("addr"), Some(tls));
    black_box(core.on_bytes(&header()));
    core
}

/// The first element in the core's output after the header.
fn first_element(actions: Vec<Action>) -> Element {
    let mut p = StreamParser::for_fragments(Limits::default(), ns::CLIENT);
    for a in actions {
        if let Action::Send(b) = a {
            p.feed(&b);
        }
    }
    match p.next_event() {
        Ok(Some(StreamEvent::Element(e))) => e,
        other => panic!("no element: {other:?}"),
    }
}

/// SCRAM-SHA-256 login with `<request-token/>`: the token.
fn token(svc: &Arc<Services>, tls: &ChannelBindings) -> String {
    let mut core = opened(svc, tls);
    let mut client = ScramClient::new(
        ScramHash::Sha256,
        "alice",
        "pencil",
        None,
        ClientBinding::Unsupported,
        "fyko+d2lbbFgONRv9qkxdawL",
    )
    .expect("client");
    let first = client.client_first().expect("first");
    let auth: Element = build::authenticate("SCRAM-SHA-256")
        .initial_response(&first)
        .without_user_agent()
        .inline([user_agent_with_id(UA), build::request_token(MECH)])
        .into();
    let ch = first_element(core.on_bytes(auth.to_xml().as_bytes()));
    let ch = base64::decode_strict(ch.text().as_bytes()).expect("challenge");
    let fin = client.server_first(&ch).expect("server-first");
    let success = first_element(core.on_bytes(build::response(&fin).to_xml().as_bytes()));
    issued_token(&success).expect("token").token
}

fn fast_login(svc: &Arc<Services>, tls: &ChannelBindings, token: &str) {
    let mut core = opened(svc, tls);
    let ir = initiator(MECH, "alice", token, Some(tls)).expect("initiator");
    let auth: Element = build::authenticate(MECH)
        .initial_response(&ir)
        .without_user_agent()
        .inline([user_agent_with_id(UA), fast_request(None, false)])
        .into();
    let success = first_element(core.on_bytes(auth.to_xml().as_bytes()));
    verify_success(MECH, token, Some(tls), &success).expect("responder");
}

fn bench(c: &mut Criterion) {
    let mut tls = ChannelBindings::none(TlsVersion::Tls13);
    tls.tls_exporter = Some(vec![7; 32]);
    tls.tls_server_end_point = Some(vec![1; 32]);
    let mut g = c.benchmark_group("fast_login");
    g.throughput(Throughput::Elements(1));

    let mem = services(Arc::new(MemoryStore::new()));
    let t = token(&mem, &tls);
    g.bench_function("ht_sha256_expr_memory", |b| {
        b.iter(|| fast_login(&mem, &tls, &t))
    });

    let dir = std::env::temp_dir().join(format!("gatecheck-bench-fast-{}", std::process::id()));
    let sqlite = services(Arc::new(SqliteStore::open_in_dir(&dir).expect("sqlite")));
    let t = token(&sqlite, &tls);
    g.bench_function("ht_sha256_expr_sqlite", |b| {
        b.iter(|| fast_login(&sqlite, &tls, &t))
    });
    g.finish();
    std::fs::remove_dir_all(dir).ok();
}

fn bench_tls(c: &mut Criterion) {
    use gatecheck_client::fast::{authenticate_with_token, fast_session};
    use gatecheck_client::login::{scram_exchange, script_for};
    use gatecheck_client::scram::FinalTweaks;
    use gatecheck_client::{Connect, Sasl2Reply, login};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = std::env::temp_dir().join(format!("gatecheck-bench-tls-{}", std::process::id()));
    let config = Config {
        domain: "example.org".into(),
        c2s_address: "127.0.0.1:0".parse().expect("addr"),
        c2s_tls_address: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.clone(),
        ..Config::default()
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&config.database_path()).expect("db"));
    store
        .create_account(&Account {
            username: "alice".into(),
            created_at: 0,
            credentials: credentials::derive_all("pencil", 4096).expect("derive"),
        })
        .expect("account");
    let server = rt.block_on(root::start(&config, store)).expect("server");
    let addr = server.c2s_tls_addr;
    let connect = move || {
        Connect::to(addr)
            .direct_tls()
            .domain("example.org")
            .insecure_tls()
    };
    let token = rt.block_on(async {
        let (mut conn, f) = fast_session(connect(), "alice@example.org")
            .await
            .expect("session");
        let l = login(
            &mut conn,
            &f,
            "alice",
            "pencil",
            &[build::request_token(MECH)],
        )
        .await
        .expect("login");
        issued_token(&l.success).expect("token").token
    });
    let mut g = c.benchmark_group("fast_reconnect_tls");
    g.throughput(Throughput::Elements(1));
    g.bench_function("ht_sha256_expr", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (mut conn, _) = fast_session(connect(), "alice@example.org")
                    .await
                    .expect("session");
                // The kit's login sent its own user-agent id; the token is bound to it.
                let inline = [
                    user_agent_with_id(gatecheck_client::USER_AGENT_ID),
                    fast_request(None, false),
                ];
                match authenticate_with_token(&mut conn, MECH, "alice", &token, &inline).await {
                    Ok(Sasl2Reply::Success(s)) => {
                        verify_success(MECH, &token, conn.tls(), &s).expect("responder");
                    }
                    other => panic!("FAST login failed: {other:?}"),
                }
            })
        })
    });
    g.bench_function("scram_sha256_4096", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (mut conn, _) = fast_session(connect(), "alice@example.org")
                    .await
                    .expect("session");
                let m = "SCRAM-SHA-256";
                let script = script_for(&conn, m, "alice", None).expect("script");
                let tweaks = FinalTweaks::default();
                black_box(
                    scram_exchange(&mut conn, m, &script, "pencil", &tweaks, &[])
                        .await
                        .expect("login"),
                );
            })
        })
    });
    g.finish();
    drop(server);
    std::fs::remove_dir_all(dir).ok();
}

criterion_group!(benches, bench, bench_tls);
criterion_main!(benches);
