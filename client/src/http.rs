//! HTTP/1.1 for the OAuth2 cases: one request per connection over TCP or TLS (the run's trust, as
//! for c2s), bounded by a wait, every request and response recorded in the [`Transcript`] (request
//! line, headers, body; registered secrets are redacted when rendered, as for SASL). Built on
//! hyper's client connection API, so nothing here parses HTTP by hand, and redirects are never
//! followed: the caller sees every 3xx. Also the small helpers the cases need: form encoding,
//! query parsing, and a reader for the `<form>`/`<input>` attributes of a login page.

use crate::tls::{TlsTrust, client_config};
use crate::transcript::Transcript;
pub use crate::urlenc::{form_component, query_component};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Largest response body read (a target answering more is reported, not buffered).
pub const MAX_RESPONSE_BODY: usize = 1024 * 1024;

/// Request and response bodies longer than this are recorded truncated (with their length).
const RECORDED_BODY: usize = 4096;

/// An `http://` or `https://` base URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpBase {
    /// `https`?
    pub tls: bool,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port (default 80 / 443).
    pub port: u16,
    /// The path after the authority, without a trailing `/` (empty for none).
    pub path: String,
}

impl std::str::FromStr for HttpBase {
    type Err = String;
    fn from_str(s: &str) -> Result<HttpBase, String> {
        let bad = || format!("--http {s:?}: expected http(s)://host[:port][/path]");
        let (tls, rest) = if let Some(r) = s.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(bad());
        };
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let default = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, tail) = v6.split_once(']').ok_or_else(bad)?;
            match tail.strip_prefix(':') {
                Some(p) => (h, p.parse().map_err(|_| bad())?),
                None if tail.is_empty() => (h, default),
                None => return Err(bad()),
            }
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, p.parse().map_err(|_| bad())?),
                None => (authority, default),
            }
        };
        if host.is_empty() || port == 0 || authority.contains('@') {
            return Err(bad());
        }
        let path = path.trim_end_matches('/');
        Ok(HttpBase {
            tls,
            host: host.to_owned(),
            port,
            path: if path.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            },
        })
    }
}

impl HttpBase {
    /// RFC 8414 §3.1: the well-known suffix goes between the host and the issuer's path.
    pub fn metadata_path(&self) -> String {
        format!("/.well-known/oauth-authorization-server{}", self.path)
    }

    /// The `Host` header value (`host[:port]`, IPv6 bracketed, default port omitted).
    pub fn authority(&self) -> String {
        let h = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.tls { 443 } else { 80 };
        if self.port == default {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }

    /// The base as a URL without a trailing slash: what an issuer identifier would be.
    pub fn origin(&self) -> String {
        format!(
            "{}://{}{}",
            if self.tls { "https" } else { "http" },
            self.authority(),
            self.path
        )
    }
}

/// Why an HTTP exchange did not produce a response.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL is not on this base (other scheme, host or port) or not a URL.
    #[error("URL {0:?} is not on the --http base")]
    OffBase(String),
    /// TCP connect failed.
    #[error("connect: {0}")]
    Connect(std::io::Error),
    /// TLS setup or handshake failed.
    #[error("TLS: {0}")]
    Tls(String),
    /// The request could not be built (a header value the HTTP library refuses).
    #[error("request: {0}")]
    Request(String),
    /// The exchange failed at the HTTP layer (not HTTP, connection closed mid-response).
    #[error("HTTP: {0}")]
    Http(String),
    /// The response body exceeded [`MAX_RESPONSE_BODY`].
    #[error("response body larger than {MAX_RESPONSE_BODY} bytes")]
    TooLarge,
    /// Nothing (or not all of it) arrived within the wait.
    #[error("no complete response within {0:?}")]
    Timeout(Duration),
}

/// One HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Method (`GET`, `POST`, …).
    pub method: String,
    /// Path and query (`/oauth2/token`, `/oauth2/authorize?x=y`).
    pub target: String,
    /// Headers besides `Host` and `Content-Length`, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for none).
    pub body: Vec<u8>,
}

impl Request {
    /// A GET of `target`.
    pub fn get(target: impl Into<String>) -> Request {
        Request {
            method: "GET".into(),
            target: target.into(),
            headers: vec![("Accept".into(), "application/json, text/html".into())],
            body: Vec::new(),
        }
    }

    /// A POST of `body` with `Content-Type: content_type`.
    pub fn post(
        target: impl Into<String>,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> Request {
        Request {
            method: "POST".into(),
            target: target.into(),
            headers: vec![
                ("Content-Type".into(), content_type.into()),
                ("Accept".into(), "application/json".into()),
            ],
            body: body.into(),
        }
    }

    /// A POST of a JSON document.
    pub fn json(target: impl Into<String>, body: &serde_json::Value) -> Request {
        Request::post(target, "application/json", body.to_string())
    }

    /// A POST of form fields (`application/x-www-form-urlencoded`), in order, repeats kept.
    pub fn form(target: impl Into<String>, fields: &[(&str, &str)]) -> Request {
        Request::post(
            target,
            "application/x-www-form-urlencoded",
            form_encode(fields),
        )
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Add `Authorization: Basic` for client credentials, each form-urlencoded before base64
    /// (RFC 6749 §2.3.1).
    pub fn basic_auth(self, client_id: &str, secret: &str) -> Request {
        use base64::Engine;
        let raw = format!("{}:{}", form_component(client_id), form_component(secret));
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        self.header("Authorization", &format!("Basic {b64}"))
    }
}

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercase, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The media type of `Content-Type`, lowercase, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body as a JSON object, if it is one.
    pub fn json(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_slice(&self.body).ok()? {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A 3xx status.
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }

    /// The `error` member of a JSON error body.
    pub fn error_code(&self) -> Option<String> {
        self.json()?.get("error")?.as_str().map(str::to_owned)
    }

    /// One line for verdicts: status, media type, and the `error` code or a body excerpt.
    pub fn summary(&self) -> String {
        let mt = self
            .media_type()
            .unwrap_or_else(|| "no Content-Type".into());
        match (self.error_code(), self.json()) {
            (Some(e), _) => format!("{} ({mt}) error={e:?}", self.status),
            // Member names only: a success body may hold secrets and tokens.
            (None, Some(m)) => {
                let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                format!("{} ({mt}) JSON object with {keys:?}", self.status)
            }
            (None, None) => {
                let t = self.text();
                let t: String = t.chars().take(120).collect();
                format!("{} ({mt}) {t:?}", self.status)
            }
        }
    }
}

/// An HTTP client for one `--http` base, recording into one transcript.
#[derive(Debug, Clone)]
pub struct HttpClient {
    base: HttpBase,
    tls: Option<Arc<rustls::ClientConfig>>,
    transcript: Transcript,
    wait: Duration,
    n: Arc<AtomicUsize>,
}

impl HttpClient {
    /// A client for `base` trusting certificates as `trust` says, waiting at most `wait` for each
    /// whole response, recording into `transcript`.
    pub fn new(
        base: HttpBase,
        trust: &TlsTrust,
        wait: Duration,
        transcript: Transcript,
    ) -> Result<HttpClient, HttpError> {
        let tls = if base.tls {
            let mut c = (*client_config(trust).map_err(|e| HttpError::Tls(e.to_string()))?).clone();
            c.alpn_protocols = vec![b"http/1.1".to_vec()];
            Some(Arc::new(c))
        } else {
            None
        };
        Ok(HttpClient {
            base,
            tls,
            transcript,
            wait,
            n: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// The base.
    pub fn base(&self) -> &HttpBase {
        &self.base
    }

    /// The wait per response.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// The path and query of `url` when it is on this base (same scheme, host and port): how
    /// endpoint URLs from the metadata are requested. Relative references (`/x`) are taken as is.
    pub fn target_of(&self, url: &str) -> Result<String, HttpError> {
        if url.starts_with('/') {
            return Ok(url.to_owned());
        }
        let off = || HttpError::OffBase(url.to_owned());
        let (scheme_tls, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(off());
        };
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        let probe: HttpBase = format!(
            "{}://{authority}",
            if scheme_tls { "https" } else { "http" }
        )
        .parse()
        .map_err(|_| off())?;
        let same_host = probe.host.eq_ignore_ascii_case(&self.base.host)
            || (is_loopback(&probe.host) && is_loopback(&self.base.host));
        if probe.tls != self.base.tls || probe.port != self.base.port || !same_host {
            return Err(off());
        }
        Ok(if target.is_empty() {
            "/".to_owned()
        } else if target.starts_with('?') {
            format!("/{target}")
        } else {
            target.to_owned()
        })
    }

    /// Send `req` on a new connection and read the whole response (no redirect is followed).
    pub async fn send(&self, req: &Request) -> Result<Response, HttpError> {
        let n = self.n.fetch_add(1, Ordering::Relaxed) + 1;
        let label = format!("http{n}");
        self.transcript
            .sent(&label, &render_request(&self.base, req));
        let r = match tokio::time::timeout(self.wait, self.exchange(req)).await {
            Ok(r) => r,
            Err(_) => Err(HttpError::Timeout(self.wait)),
        };
        match &r {
            Ok(resp) => self.transcript.received(&label, &render_response(resp)),
            Err(e) => self.transcript.note(&format!("{label}: {e}")),
        }
        r
    }

    async fn exchange(&self, req: &Request) -> Result<Response, HttpError> {
        let tcp = TcpStream::connect((self.base.host.as_str(), self.base.port))
            .await
            .map_err(HttpError::Connect)?;
        match &self.tls {
            None => exchange_on(tcp, &self.base, req).await,
            Some(config) => {
                let name = rustls::pki_types::ServerName::try_from(self.base.host.clone())
                    .map_err(|e| HttpError::Tls(e.to_string()))?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| HttpError::Tls(e.to_string()))?;
                exchange_on(tls, &self.base, req).await
            }
        }
    }
}

fn is_loopback(h: &str) -> bool {
    h.eq_ignore_ascii_case("localhost") || h == "::1" || h.starts_with("127.")
}

async fn exchange_on<S>(stream: S, base: &HttpBase, req: &Request) -> Result<Response, HttpError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| HttpError::Http(e.to_string()))?;
    let driver = tokio::spawn(conn);
    let mut b = hyper::Request::builder()
        .method(req.method.as_str())
        .uri(req.target.as_str())
        .header("Host", base.authority());
    for (k, v) in &req.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    let hreq = b
        .body(Full::new(Bytes::from(req.body.clone())))
        .map_err(|e| HttpError::Request(e.to_string()))?;
    let resp = sender
        .send_request(hreq)
        .await
        .map_err(|e| HttpError::Http(e.to_string()));
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            driver.abort();
            return Err(e);
        }
    };
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = Limited::new(resp.into_body(), MAX_RESPONSE_BODY)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                HttpError::TooLarge
            } else {
                HttpError::Http(e.to_string())
            }
        })?
        .to_bytes()
        .to_vec();
    driver.abort();
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn recorded_body(body: &[u8]) -> String {
    if body.len() <= RECORDED_BODY {
        String::from_utf8_lossy(body).into_owned()
    } else {
        format!(
            "{}… [{} bytes in all]",
            String::from_utf8_lossy(&body[..RECORDED_BODY]),
            body.len()
        )
    }
}

fn render_request(base: &HttpBase, req: &Request) -> Vec<u8> {
    let mut s = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\n",
        req.method,
        req.target,
        base.authority()
    );
    for (k, v) in &req.headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    if !req.body.is_empty() {
        s.push_str(&format!("Content-Length: {}\r\n", req.body.len()));
    }
    s.push_str("\r\n");
    s.push_str(&recorded_body(&req.body));
    s.into_bytes()
}

fn render_response(resp: &Response) -> Vec<u8> {
    let mut s = format!("HTTP/1.1 {}\r\n", resp.status);
    for (k, v) in &resp.headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(&recorded_body(&resp.body));
    s.into_bytes()
}

/// Form-encode fields in order (`a=1&b=2`).
pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_component(k), form_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query string from fields in order (RFC 3986 encoding).
pub fn query_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", query_component(k), query_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Decode one percent-encoded component (`+` as space); invalid escapes are kept literally.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(v) => {
                    out.push(v);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query parameters of a URL (after `?`, before `#`), decoded, in order.
pub fn query_params(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map_or("", |(_, q)| q);
    let q = q.split('#').next().unwrap_or("");
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// An HTML `<form>` as a browser would submit it without JavaScript: its method, action, and the
/// named `<input>` fields with their initial values (hidden ones included; submit buttons kept
/// so a server that reads the button's name sees it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlForm {
    /// `method` (uppercase; `GET` when absent).
    pub method: String,
    /// `action` (entity-decoded; empty means the page's own URL).
    pub action: String,
    /// `(name, type, value)` of every named `<input>`, `<button>` with a name, in order.
    pub inputs: Vec<(String, String, String)>,
}

impl HtmlForm {
    /// The fields to submit: every input with its value, `overrides` replacing values by name
    /// (and added when the form lacks them), submit inputs kept once.
    pub fn fill(&self, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (name, ty, value) in &self.inputs {
            if matches!(ty.as_str(), "checkbox" | "radio") && value.is_empty() {
                continue;
            }
            if out.iter().any(|(n, _)| n == name) && matches!(ty.as_str(), "submit") {
                continue;
            }
            let v = overrides
                .iter()
                .find(|(n, _)| n == name)
                .map_or(value.clone(), |(_, v)| (*v).to_owned());
            out.push((name.clone(), v));
        }
        for (n, v) in overrides {
            if !out.iter().any(|(m, _)| m == n) {
                out.push(((*n).to_owned(), (*v).to_owned()));
            }
        }
        out
    }

    /// Whether the form has an input named `name`.
    pub fn has(&self, name: &str) -> bool {
        self.inputs.iter().any(|(n, _, _)| n == name)
    }
}

/// The forms of an HTML page (attributes only; scripts and styles are skipped).
pub fn html_forms(html: &str) -> Vec<HtmlForm> {
    let mut forms: Vec<HtmlForm> = Vec::new();
    let mut open = false;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let lower: String = rest
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        if lower.starts_with("!--") {
            rest = rest.find("-->").map_or("", |e| &rest[e + 3..]);
            continue;
        }
        for raw in ["script", "style"] {
            if lower.starts_with(raw) {
                let close = format!("</{raw}");
                let low_rest = rest.to_ascii_lowercase();
                rest = low_rest.find(&close).map_or("", |e| &rest[e..]);
            }
        }
        let end = tag_end(rest);
        let tag = &rest[..end];
        rest = &rest[end.min(rest.len())..];
        let (name, attrs) = parse_tag(tag);
        match name.as_str() {
            "form" => {
                let method = attr(&attrs, "method").unwrap_or_else(|| "get".into());
                forms.push(HtmlForm {
                    method: method.to_ascii_uppercase(),
                    action: attr(&attrs, "action").unwrap_or_default(),
                    inputs: Vec::new(),
                });
                open = true;
            }
            "/form" => open = false,
            "input" | "button" if open => {
                let default_ty = if name == "button" { "submit" } else { "text" };
                let ty = attr(&attrs, "type")
                    .unwrap_or_else(|| default_ty.into())
                    .to_ascii_lowercase();
                if let (Some(n), Some(f)) = (attr(&attrs, "name"), forms.last_mut()) {
                    let checked = attrs.iter().any(|(k, _)| k == "checked");
                    let v = attr(&attrs, "value").unwrap_or_else(|| {
                        if ty == "checkbox" && checked {
                            "on".into()
                        } else {
                            String::new()
                        }
                    });
                    let v = if matches!(ty.as_str(), "checkbox" | "radio") && !checked {
                        String::new()
                    } else {
                        v
                    };
                    f.inputs.push((n, ty, v));
                }
            }
            _ => {}
        }
    }
    forms
}

/// Index of the `>` ending a tag, honouring quoted attribute values.
fn tag_end(s: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    s.len()
}

/// Tag name (lowercase, `/form` for end tags) and attributes (names lowercase, values decoded).
fn parse_tag(tag: &str) -> (String, Vec<(String, String)>) {
    let tag = tag.trim_end_matches('>').trim_end_matches('/');
    let name_end = tag
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(tag.len());
    let name = tag[..name_end].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut s = &tag[name_end..];
    loop {
        s = s.trim_start();
        if s.is_empty() {
            break;
        }
        let n_end = s
            .find(|c: char| c.is_ascii_whitespace() || c == '=')
            .unwrap_or(s.len());
        let key = s[..n_end].to_ascii_lowercase();
        s = s[n_end..].trim_start();
        let value = if let Some(r) = s.strip_prefix('=') {
            let r = r.trim_start();
            let (v, after) = match r.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &r[1..];
                    let e = body.find(q).unwrap_or(body.len());
                    (&body[..e], body.get(e + 1..).unwrap_or(""))
                }
                _ => {
                    let e = r.find(|c: char| c.is_ascii_whitespace()).unwrap_or(r.len());
                    (&r[..e], &r[e..])
                }
            };
            s = after;
            html_unescape(v)
        } else {
            String::new()
        };
        if key.is_empty() {
            s = s.get(1..).unwrap_or("");
            continue;
        }
        attrs.push((key, value));
    }
    (name, attrs)
}

fn attr(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// Decode HTML character references in an attribute value (named basics and numeric).
pub fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let semi = rest.find(';').filter(|&e| e <= 10);
        let Some(e) = semi else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..e];
        let c = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_login_form() {
        let page = r#"<html><script>var x = "<form action='/nope'>";</script>
        <form method="post" action="/oauth2/authorize?a=1&amp;b=2">
          <input type="hidden" name="client_id" value="eyJ.a.b">
          <input type=hidden name=state value='s&quot;1'>
          <input name="username"><input type="password" name="password">
          <input type="checkbox" name="remember">
          <button type="submit" name="consent" value="granted">Allow</button>
        </form><input name="outside" value="x">"#;
        let f = html_forms(page);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].method, "POST");
        assert_eq!(f[0].action, "/oauth2/authorize?a=1&b=2");
        let filled = f[0].fill(&[("username", "alice"), ("password", "p w")]);
        assert_eq!(
            filled,
            [
                ("client_id".into(), "eyJ.a.b".into()),
                ("state".into(), "s\"1".into()),
                ("username".into(), "alice".into()),
                ("password".into(), "p w".into()),
                ("consent".into(), "granted".into()),
            ]
        );
    }

    #[test]
    fn encodes_and_decodes() {
        assert_eq!(form_encode(&[("a b", "c&d=é")]), "a+b=c%26d%3D%C3%A9");
        assert_eq!(
            query_params("https://x/cb?code=a%2Bb&state=s+1#frag"),
            [
                ("code".to_owned(), "a+b".to_owned()),
                ("state".to_owned(), "s 1".to_owned())
            ]
        );
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[tokio::test]
    async fn redirects_are_returned_not_followed_and_everything_is_recorded() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = l.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.expect("accept");
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).await.expect("read");
            assert!(buf[..n].starts_with(b"POST /oauth2/token HTTP/1.1\r\n"));
            let _ = s
                .write_all(
                    b"HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/cb?code=x\r\n\
                      Content-Length: 0\r\n\r\n",
                )
                .await;
        });
        let t = Transcript::new();
        t.secret(crate::transcript::SecretKind::ClientSecret, "s3cr3t value");
        let base: HttpBase = format!("http://127.0.0.1:{port}").parse().expect("base");
        let c = HttpClient::new(
            base,
            &TlsTrust::default(),
            Duration::from_secs(2),
            t.clone(),
        )
        .expect("client");
        let r = c
            .send(&Request::form(
                "/oauth2/token",
                &[("client_secret", "s3cr3t value")],
            ))
            .await
            .expect("response");
        assert_eq!(r.status, 302);
        assert!(r.is_redirect());
        assert_eq!(
            r.header("LOCATION"),
            Some("https://elsewhere.example/cb?code=x")
        );
        let rendered = t.render(true);
        assert_eq!(rendered.len(), 2, "request and response");
        assert!(
            rendered[0]
                .text
                .contains("client_secret=[redacted:client-secret]")
        );
        assert!(!rendered[0].text.contains("s3cr3t"));
        assert!(rendered[1].text.starts_with("HTTP/1.1 302"));
    }

    #[test]
    fn endpoint_urls_on_the_base() {
        let b: HttpBase = "https://localhost:5281".parse().expect("base");
        assert_eq!(b.origin(), "https://localhost:5281");
        let c = HttpClient::new(
            b,
            &TlsTrust::insecure(),
            Duration::from_secs(1),
            Transcript::new(),
        )
        .expect("client");
        assert_eq!(
            c.target_of("https://localhost:5281/oauth2/token")
                .expect("on"),
            "/oauth2/token"
        );
        assert_eq!(
            c.target_of("https://127.0.0.1:5281/a?b").expect("loopback"),
            "/a?b"
        );
        assert!(c.target_of("https://example.org/oauth2/token").is_err());
        assert!(c.target_of("http://localhost:5281/oauth2/token").is_err());
    }
}
