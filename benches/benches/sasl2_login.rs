//! SASL2 SCRAM-SHA-256 logins per second through the sans-IO c2s core: no sockets, fixed TLS
//! facts, an in-memory store. Each iteration opens a stream, authenticates with proto's SCRAM
//! client (whose PBKDF2 at 4096 iterations is included), verifies the server signature, and
//! reads the post-auth features. The client's elements come from the client kit's builders, the
//! same ones the conformance suite sends.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatecheck_client::build;
use gatecheck_proto::ns;
use gatecheck_proto::sasl::scram::{ClientBinding, ScramClient};
use gatecheck_proto::sasl::{ChannelBindings, ScramHash, TlsVersion, base64};
use gatecheck_proto::xml::{Element, Limits, StreamHeader, StreamParser};
use gatecheck_server::c2s::budget::{BudgetSettings, FailureBudget};
use gatecheck_server::c2s::services::{C2sSettings, Services};
use gatecheck_server::c2s::session::C2sSession;
use gatecheck_server::route::NullRouter;
use gatecheck_server::sasl::provider::DefaultMechanisms;
use gatecheck_server::store::{Account, MemoryStore, Store};
use gatecheck_server::{Action, Env, SessionCore, credentials, root};

/// The client's opening stream header, as the kit's connection writes it.
fn header() -> Vec<u8> {
    let mut h = StreamHeader::new(ns::CLIENT);
    h.to = Some("example.org".into());
    h.to_opening_xml(false).into_bytes()
}

fn services() -> Arc<Services> {
    let store = Arc::new(MemoryStore::new());
    store
        .create_account(&Account {
            username: "alice".into(),
            created_at: 0,
            credentials: credentials::derive_all("pencil", 4096).expect("derive"),
        })
        .expect("account");
    Arc::new(Services {
        settings: C2sSettings {
            domain: "example.org".into(),
            require_encryption: true,
            max_auth_attempts: 3,
            limits: Limits::default(),
        },
        mechanisms: Arc::new(
            DefaultMechanisms::new(store.clone(), 4096, &gatecheck_server::env::OsRng)
                .expect("provider"),
        ),
        store,
        modules: root::modules().expect("modules"),
        env: Env::system(),
        budget: Arc::new(FailureBudget::new(BudgetSettings::OFF)),
    })
}

/// The last element in the core's output.
fn last_element(actions: Vec<Action>) -> Element {
    let mut p = StreamParser::for_fragments(Limits::default(), ns::CLIENT);
    for a in actions {
        if let Action::Send(b) = a {
            p.feed(&b);
        }
    }
    let mut last = None;
    while let Ok(Some(gatecheck_proto::xml::StreamEvent::Element(e))) = p.next_event() {
        last = Some(e);
    }
    last.expect("core answered")
}

fn login(svc: &Arc<Services>, tls: &ChannelBindings, header: &[u8]) {
    let mut core = C2sSession::new(svc.clone(), Arc::new(NullRouter));
    core.on_connect("127.0.0.1:1".parse().expect("addr"), Some(tls));
    black_box(core.on_bytes(header));
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
        .into();
    let ch = last_element(core.on_bytes(auth.to_xml().as_bytes()));
    let ch = base64::decode_strict(ch.text().as_bytes()).expect("challenge");
    let fin = client.server_first(&ch).expect("server-first");
    let actions = core.on_bytes(build::response(&fin).to_xml().as_bytes());
    let mut p = StreamParser::for_fragments(Limits::default(), ns::CLIENT);
    for a in &actions {
        if let Action::Send(b) = a {
            p.feed(b);
        }
    }
    let Ok(Some(gatecheck_proto::xml::StreamEvent::Element(success))) = p.next_event() else {
        panic!("no success");
    };
    let v = success
        .child("additional-data", ns::SASL2)
        .expect("additional-data");
    client
        .server_final(&base64::decode_strict(v.text().as_bytes()).expect("b64"))
        .expect("server signature");
}

fn bench(c: &mut Criterion) {
    let svc = services();
    let mut tls = ChannelBindings::none(TlsVersion::Tls13);
    tls.tls_exporter = Some(vec![7; 32]);
    tls.tls_server_end_point = Some(vec![1; 32]);
    let mut g = c.benchmark_group("sasl2_login");
    g.throughput(Throughput::Elements(1));
    let header = header();
    g.bench_function("scram_sha256_4096", |b| {
        b.iter(|| login(&svc, &tls, &header))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
