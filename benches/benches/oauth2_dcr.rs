//! OAuth2 stateless dynamic client registration (digest §5.8) through the reference server's
//! HTTP core (`gatecheck_server::http`, no sockets): registrations per second (validation,
//! nonce, JWS HS256 signing, secret HMAC, JSON response), client verifications per second
//! (JWS verification + `exp` + secret recomputation and constant-time compare), and a whole
//! token-endpoint request that authenticates the client over HTTP Basic and is refused with
//! `invalid_grant` (form parsing, Basic decoding, one store lookup).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatecheck_server::Env;
use gatecheck_server::breaks::BreakSet;
use gatecheck_server::http::{HttpRequest, OAuth2Http, OAuth2Settings, client_auth};
use gatecheck_server::store::MemoryStore;

fn core() -> OAuth2Http {
    let settings = OAuth2Settings {
        host: "example.org".into(),
        registration_key: Some(b"a-benchmark-registration-key-32-bytes".to_vec()),
        registration_ttl: None,
        require_code_challenge: true,
        access_token_ttl: 3600,
        refresh_token_ttl: 86_400,
    };
    OAuth2Http::new(
        settings,
        "https://example.org:5280".into(),
        Arc::new(MemoryStore::new()),
        Env::system(),
        BreakSet::NONE,
    )
}

fn register_request() -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/oauth2/register".into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: br#"{"redirect_uris":["https://app.example.com/cb"],"client_name":"Bench","client_uri":"https://app.example.com/","grant_types":["authorization_code","refresh_token"]}"#.to_vec(),
        ..HttpRequest::default()
    }
}

fn bench(c: &mut Criterion) {
    let core = core();
    let mut g = c.benchmark_group("oauth2_dcr");
    g.throughput(Throughput::Elements(1));

    let req = register_request();
    g.bench_function("register", |b| {
        b.iter(|| {
            let r = core.handle(black_box(&req));
            assert_eq!(r.status, 201);
            r
        })
    });

    let r = core.handle(&req);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let id = v["client_id"].as_str().unwrap().to_owned();
    let secret = v["client_secret"].as_str().unwrap().to_owned();
    g.bench_function("verify_client", |b| {
        b.iter(|| {
            let c = client_auth::verify_client_id(&core, black_box(&id)).expect("valid");
            assert!(client_auth::secret_matches(
                &core,
                &c.client_id,
                black_box(&secret)
            ));
        })
    });

    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    let token_req = HttpRequest {
        method: "POST".into(),
        path: "/oauth2/token".into(),
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("authorization".into(), format!("Basic {basic}")),
        ],
        body: b"grant_type=refresh_token&refresh_token=unknown".to_vec(),
        ..HttpRequest::default()
    };
    g.bench_function("token_request_client_auth", |b| {
        b.iter(|| {
            let r = core.handle(black_box(&token_req));
            assert_eq!(r.status, 400);
            r
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
