//! OAuth2 end to end over real TCP + TLS: register → authorize form POST → token → OAUTHBEARER
//! SASL2 login over c2s → revoke → login refused; and oversized bodies over the socket. The HTTP
//! client is a few lines of HTTP/1.1 over tokio-rustls (no client crate needed).

mod support;

use std::net::SocketAddr;

use gatecheck_proto::ns;
use serde_json::{Value, json};
use support::{Client, b64, config, start, tempdir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const KEY: &str = "an-e2e-registration-key-of-32-bytes!";
const REDIRECT: &str = "http://127.0.0.1:9/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, n: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let connector = support::tls::accept_all_connector(rustls::DEFAULT_VERSIONS);
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    tls.write_all(req.as_bytes()).await.unwrap();
    // The server may answer (413) before reading all of a large body; ignore write errors then.
    let _ = tls.write_all(body).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(support::STEP, tls.read_to_end(&mut raw)).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Resp {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

async fn bearer_login(
    s: &gatecheck_server::RunningServer,
    token: &str,
) -> gatecheck_proto::xml::Element {
    let mut c = Client::connect_tls(s).await;
    let features = c.open().await;
    assert!(support::sasl2_mechs(&features).contains(&"OAUTHBEARER".to_owned()));
    let ir = format!(
        "n,a=alice@{},\x01auth=Bearer {token}\x01\x01",
        support::DOMAIN
    );
    c.send(&format!(
        "<authenticate xmlns='{}' mechanism='OAUTHBEARER'><initial-response>{}</initial-response></authenticate>",
        ns::SASL2,
        b64(ir.as_bytes())
    ))
    .await;
    c.el().await
}

#[tokio::test]
async fn register_authorize_token_login_revoke() {
    let dir = tempdir("oauth2");
    let mut cfg = config(&dir);
    cfg.http_address = Some("127.0.0.1:0".parse().unwrap());
    cfg.oauth2_registration_key = Some(KEY.into());
    let s = start(&cfg).await;
    let addr = s.http_addr.expect("http listener");
    assert_eq!(
        s.oauth2_issuer.as_deref(),
        Some(format!("https://{}:{}", support::DOMAIN, addr.port()).as_str())
    );

    let meta = http(
        addr,
        "GET",
        "/.well-known/oauth-authorization-server",
        &[],
        b"",
    )
    .await;
    assert_eq!(meta.status, 200);
    assert_eq!(meta.json()["issuer"].as_str(), s.oauth2_issuer.as_deref());

    let reg = http(
        addr,
        "POST",
        "/oauth2/register",
        &[("content-type", "application/json")],
        json!({"redirect_uris": [REDIRECT], "grant_types": ["authorization_code", "refresh_token"], "client_name": "e2e"})
            .to_string()
            .as_bytes(),
    )
    .await;
    assert_eq!(reg.status, 201);
    assert_eq!(reg.header("cache-control"), Some("no-store"));
    let v = reg.json();
    let (id, secret) = (
        v["client_id"].as_str().unwrap().to_owned(),
        v["client_secret"].as_str().unwrap().to_owned(),
    );

    let params = [
        ("response_type", "code"),
        ("client_id", id.as_str()),
        ("redirect_uri", REDIRECT),
        ("state", "xyz"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let page = http(
        addr,
        "GET",
        &format!("/oauth2/authorize?{}", form(&params)),
        &[],
        b"",
    )
    .await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(html.contains("name=\"password\"") && !html.contains("<script"));

    let mut posted = params.to_vec();
    posted.push(("username", "alice"));
    posted.push(("password", "pencil"));
    let r = http(
        addr,
        "POST",
        "/oauth2/authorize",
        &[FORM],
        form(&posted).as_bytes(),
    )
    .await;
    assert_eq!(r.status, 303);
    let loc = r.header("location").unwrap().to_owned();
    assert!(loc.starts_with(&format!("{REDIRECT}?code=")), "{loc}");
    assert!(loc.contains("&state=xyz&iss="));
    let code = loc
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    let tok = http(
        addr,
        "POST",
        "/oauth2/token",
        &[FORM],
        form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .as_bytes(),
    )
    .await;
    assert_eq!(tok.status, 200, "{}", String::from_utf8_lossy(&tok.body));
    assert_eq!(tok.header("pragma"), Some("no-cache"));
    let access = tok.json()["access_token"].as_str().unwrap().to_owned();

    let ok = bearer_login(&s, &access).await;
    assert_eq!(ok.name, "success", "{}", ok.to_xml());

    let rev = http(
        addr,
        "POST",
        "/oauth2/revoke",
        &[FORM],
        form(&[
            ("token", &access),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .as_bytes(),
    )
    .await;
    assert_eq!(rev.status, 200);

    let refused = bearer_login(&s, &access).await;
    assert_eq!(refused.name, "failure", "{}", refused.to_xml());
    assert!(
        refused.child("not-authorized", ns::SASL).is_some(),
        "{}",
        refused.to_xml()
    );

    s.shutdown(std::time::Duration::from_secs(5)).await;
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_4xx_json() {
    let dir = tempdir("oauth2-big");
    let mut cfg = config(&dir);
    cfg.http_address = Some("127.0.0.1:0".parse().unwrap());
    cfg.oauth2_registration_key = Some(KEY.into());
    let s = start(&cfg).await;
    let addr = s.http_addr.unwrap();
    let big = vec![b'['; 10 * 1024 * 1024];
    let r = http(
        addr,
        "POST",
        "/oauth2/register",
        &[("content-type", "application/json")],
        &big,
    )
    .await;
    assert_eq!(r.status, 413);
    assert!(r.json()["error"].is_string());
    let deep = "[".repeat(60_000);
    let r = http(
        addr,
        "POST",
        "/oauth2/register",
        &[("content-type", "application/json")],
        deep.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_client_metadata");
    let r = http(
        addr,
        "POST",
        "/oauth2/register",
        &[("content-type", "text/plain")],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 415);
    let r = http(
        addr,
        "POST",
        "/oauth2/token",
        &[FORM],
        b"grant_type=x&grant_type=y",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_request");
    // The server is still there.
    assert_eq!(
        http(
            addr,
            "GET",
            "/.well-known/oauth-authorization-server",
            &[],
            b""
        )
        .await
        .status,
        200
    );
    s.shutdown(std::time::Duration::from_secs(5)).await;
}
