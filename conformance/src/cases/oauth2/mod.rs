//! OAuth2 (issue 12): RFC 8414 metadata, RFC 7591 stateless dynamic client registration, the
//! RFC 6749 authorization-code grant with RFC 7636 PKCE, refresh and RFC 7009 revocation, and
//! SASL OAUTHBEARER (RFC 7628) with the issued token. Every case talks to `--http` through the
//! kit's HTTP client (each request and response in the transcript, secrets redacted) and starts
//! from the metadata document, so endpoint paths are the target's, not the suite's guess.
//!
//! Negative inputs are valid in every respect but the one under test: a client registered in the
//! same case, the run's account, a fresh PKCE pair, the redirect URI that was registered.
//! The suite drives the login page as a browser without JavaScript would: it submits the page's
//! form (hidden inputs kept) with `--account`, and answers an HTTP Basic challenge with the same
//! account (both are how a user agent logs in; which one a target uses is its choice).

use crate::cases::prelude::*;
use crate::transcript::SecretKind;
use gatecheck_client::TlsTrust;
use gatecheck_client::http::{
    HttpBase, HttpClient, Request, Response, html_forms, query_encode, query_params,
};
use serde_json::{Map, Value, json};

mod bearer;
mod flow;
mod malformed;
mod meta;
mod register;

/// The base registration of the OAuth2 cases (`..OAUTH2`): an `--http` base answering metadata.
const OAUTH2: Spec = Spec {
    offers: &[Offer::Http],
    ..Spec::module(Module::Oauth2)
};

/// The OAuth2 cases, in registry order.
pub fn all() -> Vec<Case> {
    let mut v = meta::all();
    v.extend(register::all());
    v.extend(flow::all());
    v.extend(bearer::all());
    v.extend(malformed::all());
    v
}

/// The redirect URI every registration of the suite uses: https on a host the suite never
/// contacts (the cases read the `Location` header; nothing follows it).
const REDIRECT: &str = "https://gatecheck.example/cb";

/// A second registered redirect URI (for cases that need two).
const REDIRECT2: &str = "https://gatecheck.example/cb2";

/// The metadata of a well-formed confidential web client: what most cases register.
fn client_metadata() -> Value {
    json!({
        "redirect_uris": [REDIRECT],
        "client_name": "gatecheck conformance suite",
        "client_uri": "https://gatecheck.example/",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    })
}

/// The target's OAuth2 side as one case sees it: the HTTP client and the metadata document.
struct Oauth {
    http: HttpClient,
    meta: Map<String, Value>,
}

/// The HTTP client for `--http` with the run's TLS trust, waiting the reply timeout per response.
fn http(ctx: &CaseCtx) -> Flow<HttpClient> {
    let base = ctx
        .config
        .http
        .as_deref()
        .ok_or_else(|| skip("needs --http"))?;
    let base: HttpBase = base.parse().or_setup("--http")?;
    let trust = TlsTrust {
        insecure: ctx.config.insecure_tls,
        ca: ctx.config.ca.clone(),
    };
    HttpClient::new(base, &trust, ctx.reply_timeout(), ctx.transcript.clone())
        .or_setup("HTTP client")
}

/// The metadata response (RFC 8414 §3), unjudged.
async fn metadata_response(ctx: &CaseCtx, http: &HttpClient) -> Flow<Response> {
    ctx.step("GET the authorization server metadata");
    http.send(&Request::get(http.base().metadata_path()))
        .await
        .map_err(|e| fail("DCR-1", "a response to the metadata request", e.to_string()))
}

/// The client and the metadata document: `fail DCR-1` unless it is a 200 JSON object.
async fn oauth(ctx: &CaseCtx) -> Flow<Oauth> {
    let http = http(ctx)?;
    let r = metadata_response(ctx, &http).await?;
    let meta = match (r.status, r.json()) {
        (200, Some(m)) => m,
        _ => {
            return Err(fail("DCR-1", "200 with a JSON object", r.summary()));
        }
    };
    Ok(Oauth { http, meta })
}

impl Oauth {
    /// The request target of endpoint `name` from the metadata; `unsupported` when absent (the
    /// metadata lists what is implemented), an error when it is not on the `--http` base.
    fn endpoint(&self, name: &str) -> Flow<String> {
        let url = self
            .meta
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| unsupported(format!("no {name} in the metadata")))?;
        self.http.target_of(url).or_setup(name)
    }

    /// The issuer the metadata names (empty when absent).
    fn issuer(&self) -> &str {
        self.meta
            .get("issuer")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Whether the metadata lists `value` under `name` (absent lists count as `default`).
    fn lists(&self, name: &str, value: &str, default: &[&str]) -> bool {
        match self.meta.get(name).and_then(Value::as_array) {
            Some(a) => a.iter().any(|v| v.as_str() == Some(value)),
            None => default.contains(&value),
        }
    }

    /// Whether the target advertises PKCE S256 (RFC 8414 §2: absent means no PKCE).
    fn pkce(&self) -> bool {
        self.lists("code_challenge_methods_supported", "S256", &[])
    }
}

/// A client the target registered.
#[derive(Debug, Clone)]
struct Client {
    /// `client_id`.
    id: String,
    /// `client_secret` (none for public clients).
    secret: Option<String>,
    /// The registration response.
    response: Response,
    /// The body of the registration response.
    body: Map<String, Value>,
}

/// POST `metadata` to the registration endpoint; the raw response.
async fn register_raw(ctx: &CaseCtx, o: &Oauth, metadata: &Value) -> Flow<Response> {
    let target = o.endpoint("registration_endpoint")?;
    ctx.step("register a client");
    let r = o
        .http
        .send(&Request::json(target, metadata))
        .await
        .map_err(|e| fail("DCR-9", "a registration response", e.to_string()))?;
    if let Some(s) = r.json().and_then(|b| {
        b.get("client_secret")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }) {
        ctx.secret(SecretKind::ClientSecret, &s);
    }
    Ok(r)
}

/// Register `metadata`: `fail DCR-9` unless 201 with a JSON object carrying a string client_id.
async fn register(ctx: &CaseCtx, o: &Oauth, metadata: &Value) -> Flow<Client> {
    let r = register_raw(ctx, o, metadata).await?;
    let body = r.json();
    let id = body
        .as_ref()
        .and_then(|b| b.get("client_id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    match (r.status, body, id) {
        (201, Some(body), Some(id)) => {
            let secret = body
                .get("client_secret")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(s) = &secret {
                ctx.secret(SecretKind::ClientSecret, s);
            }
            Ok(Client {
                id,
                secret,
                response: r,
                body,
            })
        }
        _ => Err(fail(
            "DCR-9",
            "201 Created with a JSON object holding client_id",
            r.summary(),
        )),
    }
}

/// The standard client of the suite, registered.
async fn standard_client(ctx: &CaseCtx, o: &Oauth) -> Flow<Client> {
    register(ctx, o, &client_metadata()).await
}

/// The decoded JSON header and payload of a compact JWS (unverified), if it is one.
fn jws_parts(token: &str) -> Option<(Value, Map<String, Value>)> {
    let mut parts = token.split('.');
    let h = gatecheck_proto::jose::b64url_decode(parts.next()?)?;
    let p = gatecheck_proto::jose::b64url_decode(parts.next()?)?;
    parts.next()?;
    let header: Value = serde_json::from_slice(&h).ok()?;
    match serde_json::from_slice(&p).ok()? {
        Value::Object(m) => Some((header, m)),
        _ => None,
    }
}

/// A PKCE pair: a 43-character verifier (32 random bytes, base64url) and its S256 challenge.
fn pkce_pair() -> (String, String) {
    use sha2::Digest;
    let raw: [u8; 32] = rand::random();
    let verifier = gatecheck_proto::jose::b64url_encode(&raw);
    let challenge =
        gatecheck_proto::jose::b64url_encode(&sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// A random `state` value.
fn new_state() -> String {
    let raw: [u8; 12] = rand::random();
    format!("gc-{}", gatecheck_proto::jose::b64url_encode(&raw))
}

/// How the authorization request is built.
#[derive(Debug, Clone)]
struct AuthRequest {
    /// `client_id`.
    client_id: String,
    /// `redirect_uri` (None: omitted).
    redirect_uri: Option<String>,
    /// `state`.
    state: String,
    /// `code_challenge` (None: omitted); the method is always S256.
    challenge: Option<String>,
}

impl AuthRequest {
    /// The request the standard flow makes for `client` with a fresh state and `challenge`.
    fn new(client: &Client, challenge: Option<String>) -> AuthRequest {
        AuthRequest {
            client_id: client.id.clone(),
            redirect_uri: Some(REDIRECT.to_owned()),
            state: new_state(),
            challenge,
        }
    }

    fn query(&self) -> String {
        let mut q: Vec<(&str, &str)> =
            vec![("response_type", "code"), ("client_id", &self.client_id)];
        if let Some(r) = &self.redirect_uri {
            q.push(("redirect_uri", r));
        }
        q.push(("state", &self.state));
        if let Some(c) = &self.challenge {
            q.push(("code_challenge", c));
            q.push(("code_challenge_method", "S256"));
        }
        query_encode(&q)
    }
}

/// Where driving the authorization endpoint ended.
#[derive(Debug, Clone)]
enum AuthEnd {
    /// A 3xx with this `Location` (absent: empty).
    Redirect(Response, String),
    /// A final page that is neither a redirect nor a login form the suite could submit.
    Page(Response),
}

/// Drive the authorization endpoint as a browser would: GET the request, then log in with the
/// run's account by submitting the login form (hidden inputs kept) or answering an HTTP Basic
/// challenge, up to a few pages, until a redirect or a page without a login form.
async fn authorize(ctx: &CaseCtx, o: &Oauth, req: &AuthRequest) -> Flow<AuthEnd> {
    authorize_query(ctx, o, req, &req.query()).await
}

/// [`authorize`] with the query given as text (for requests [`AuthRequest`] cannot express).
async fn authorize_query(
    ctx: &CaseCtx,
    o: &Oauth,
    _req: &AuthRequest,
    query: &str,
) -> Flow<AuthEnd> {
    let (user, password) = creds(ctx)?;
    let endpoint = o.endpoint("authorization_endpoint")?;
    let path = endpoint.split('?').next().unwrap_or("").to_owned();
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    let mut next = Request::get(format!("{endpoint}{sep}{query}"));
    let mut basic_sent = false;
    let mut form_sent = false;
    for _ in 0..4 {
        let shown = next.target.split('?').next().unwrap_or("");
        ctx.step(&format!("authorization endpoint: {} {shown}", next.method));
        let r = o.http.send(&next).await.map_err(|e| {
            fail(
                "DCR-41",
                "an answer from the authorization endpoint",
                e.to_string(),
            )
        })?;
        if r.is_redirect() {
            let loc = r.header("location").unwrap_or("").to_owned();
            return Ok(AuthEnd::Redirect(r, loc));
        }
        let basic = r.status == 401
            && r.header("www-authenticate")
                .is_some_and(|h| h.trim_start().to_ascii_lowercase().starts_with("basic"));
        if basic && !basic_sent {
            ctx.note("the authorization endpoint asks for HTTP Basic: answering with --account");
            basic_sent = true;
            next = next.basic_auth(&user, &password);
            continue;
        }
        let form = html_forms(&r.text())
            .into_iter()
            .find(|f| f.inputs.iter().any(|(_, t, _)| t == "password"));
        match form {
            Some(f) if !form_sent && (200..300).contains(&r.status) => {
                form_sent = true;
                let fields = f.fill(&[("username", &user), ("password", &password)]);
                let fields: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let action = if f.action.is_empty() {
                    next.target.clone()
                } else {
                    o.http.target_of(&f.action).or_else(|_| {
                        if f.action.starts_with('?') {
                            Ok(format!("{path}{}", f.action))
                        } else {
                            Err(setup(
                                "login form",
                                format!("action {:?} is not on the --http base", f.action),
                            ))
                        }
                    })?
                };
                next = if f.method == "POST" {
                    Request::form(action, &fields)
                } else {
                    let sep = if action.contains('?') { '&' } else { '?' };
                    Request::get(format!("{action}{sep}{}", query_encode(&fields)))
                };
                if basic_sent {
                    next = next.basic_auth(&user, &password);
                }
            }
            _ => return Ok(AuthEnd::Page(r)),
        }
    }
    Err(setup(
        "authorization",
        "more than four pages without a redirect",
    ))
}

/// The parameters of a redirect `Location` that goes to `redirect_uri` (`None` when it goes
/// elsewhere).
fn redirect_params(location: &str, redirect_uri: &str) -> Option<Vec<(String, String)>> {
    let base = location.split(['?', '#']).next().unwrap_or("");
    (base == redirect_uri).then(|| query_params(location))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The authorization code of a successful flow (the `state` checked, DCR-40).
struct Code {
    code: String,
    verifier: String,
}

/// Run the authorization request for `client` with PKCE S256 and return the code; any other end
/// fails the row that end violates.
async fn obtain_code(ctx: &CaseCtx, o: &Oauth, client: &Client) -> Flow<Code> {
    let (verifier, challenge) = pkce_pair();
    let req = AuthRequest::new(client, Some(challenge));
    match authorize(ctx, o, &req).await? {
        AuthEnd::Redirect(_, loc) => {
            let params = redirect_params(&loc, REDIRECT).ok_or_else(|| {
                fail(
                    "DCR-41",
                    format!("a redirect to {REDIRECT}"),
                    format!("Location: {loc}"),
                )
            })?;
            if let Some(e) = param(&params, "error") {
                return Err(fail(
                    "DCR-38",
                    "a code for a valid request by a logged-in user",
                    format!("error={e:?} ({loc})"),
                ));
            }
            let code = param(&params, "code").ok_or_else(|| {
                fail("DCR-38", "code in the redirect", format!("Location: {loc}"))
            })?;
            if param(&params, "state") != Some(req.state.as_str()) {
                return Err(fail(
                    "DCR-40",
                    format!("state={:?} echoed exactly", req.state),
                    format!("{:?}", param(&params, "state")),
                ));
            }
            ctx.secret(SecretKind::Token, code);
            Ok(Code {
                code: code.to_owned(),
                verifier,
            })
        }
        AuthEnd::Page(r) => Err(fail(
            "DCR-38",
            "a redirect with a code after logging in",
            r.summary(),
        )),
    }
}

/// How a token request authenticates the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientAuth {
    /// `Authorization: Basic` (RFC 6749 §2.3.1).
    Basic,
    /// `client_id` and `client_secret` in the body.
    Post,
}

/// A token-endpoint request with `fields` authenticated as `auth` with `id`/`secret`.
fn token_request(
    target: &str,
    fields: &[(&str, &str)],
    auth: ClientAuth,
    id: &str,
    secret: &str,
) -> Request {
    let mut f: Vec<(&str, &str)> = fields.to_vec();
    match auth {
        ClientAuth::Basic => Request::form(target, &f).basic_auth(id, secret),
        ClientAuth::Post => {
            f.push(("client_id", id));
            f.push(("client_secret", secret));
            Request::form(target, &f)
        }
    }
}

/// POST a token request; the raw response.
async fn token_raw(ctx: &CaseCtx, o: &Oauth, req: &Request) -> Flow<Response> {
    ctx.step("token request");
    o.http
        .send(req)
        .await
        .map_err(|e| fail("DCR-36", "a token endpoint response", e.to_string()))
}

/// The client authentication the target takes for `client`: Basic unless the metadata lists
/// only `client_secret_post` (RFC 8414 §2: absent means `client_secret_basic`).
fn auth_for(o: &Oauth) -> ClientAuth {
    if o.lists(
        "token_endpoint_auth_methods_supported",
        "client_secret_basic",
        &["client_secret_basic"],
    ) {
        ClientAuth::Basic
    } else {
        ClientAuth::Post
    }
}

/// A token request authenticated as `client`; see [`token_as`].
async fn token_for(
    ctx: &CaseCtx,
    o: &Oauth,
    client: &Client,
    fields: &[(&str, &str)],
) -> Flow<Response> {
    let secret = client.secret.clone().unwrap_or_default();
    token_as(ctx, o, &client.id, &secret, fields).await
}

/// A token request authenticated with `id`/`secret` the way the metadata says (Basic by
/// default). When Basic is answered with `invalid_request` (the target read no credentials) or
/// `invalid_client`, it is retried once with `client_secret_post` (noted), so the later steps of
/// a case are still checked; `oauth2.token.client-secret-basic` reports the refusal.
async fn token_as(
    ctx: &CaseCtx,
    o: &Oauth,
    id: &str,
    secret: &str,
    fields: &[(&str, &str)],
) -> Flow<Response> {
    let target = o.endpoint("token_endpoint")?;
    let auth = auth_for(o);
    let r = token_raw(ctx, o, &token_request(&target, fields, auth, id, secret)).await?;
    let refused = matches!(
        r.error_code().as_deref(),
        Some("invalid_client" | "invalid_request")
    );
    if auth == ClientAuth::Basic && refused {
        ctx.note(
            "client_secret_basic refused: retrying with client_secret_post \
             (oauth2.token.client-secret-basic reports it)",
        );
        return token_raw(
            ctx,
            o,
            &token_request(&target, fields, ClientAuth::Post, id, secret),
        )
        .await;
    }
    Ok(r)
}

/// Tokens from a successful token response.
#[derive(Debug, Clone)]
struct Tokens {
    access: String,
    refresh: Option<String>,
}

/// A successful token response's tokens (`fail` DCR-35 unless 200 JSON with access_token and
/// token_type); the tokens are registered as secrets.
fn tokens_of(ctx: &CaseCtx, r: &Response, req: &str) -> Flow<Tokens> {
    let body = r.json();
    let access = body
        .as_ref()
        .and_then(|b| b.get("access_token"))
        .and_then(Value::as_str);
    let ty = body
        .as_ref()
        .and_then(|b| b.get("token_type"))
        .and_then(Value::as_str);
    match (r.status, access, ty) {
        (200, Some(a), Some(_)) => {
            ctx.secret(SecretKind::Token, a);
            let refresh = body
                .as_ref()
                .and_then(|b| b.get("refresh_token"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(rt) = &refresh {
                ctx.secret(SecretKind::Token, rt);
            }
            Ok(Tokens {
                access: a.to_owned(),
                refresh,
            })
        }
        _ => Err(fail(
            req,
            "200 with a JSON object holding access_token and token_type",
            r.summary(),
        )),
    }
}

/// Exchange `code` for tokens (the standard redirect URI and the code's verifier); the response.
async fn exchange(ctx: &CaseCtx, o: &Oauth, client: &Client, code: &Code) -> Flow<Response> {
    token_for(
        ctx,
        o,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code.code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &code.verifier),
        ],
    )
    .await
}

/// Exchange `code` as [`exchange`] does, but authenticated only as `auth` (no fallback): the raw
/// response, for the cases about one client-authentication method.
async fn exchange_as(
    ctx: &CaseCtx,
    o: &Oauth,
    client: &Client,
    code: &Code,
    auth: ClientAuth,
) -> Flow<Response> {
    let target = o.endpoint("token_endpoint")?;
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", code.verifier.as_str()),
    ];
    let secret = client.secret.clone().unwrap_or_default();
    token_raw(
        ctx,
        o,
        &token_request(&target, &fields, auth, &client.id, &secret),
    )
    .await
}

/// Register, authorize and exchange: the client and its tokens (each step's failure is the
/// case's verdict).
async fn issued(ctx: &CaseCtx, o: &Oauth) -> Flow<(Client, Tokens)> {
    let client = standard_client(ctx, o).await?;
    let code = obtain_code(ctx, o, &client).await?;
    let r = exchange(ctx, o, &client, &code).await?;
    let t = tokens_of(ctx, &r, "DCR-35")?;
    Ok((client, t))
}

/// A JSON error answer (RFC 6749 §5.2 / RFC 7591 §3.2.2) with one of `codes` and status 400 (or
/// 401 for `invalid_client`): `None` when so, else why not.
fn error_mismatch(r: &Response, codes: &[&str]) -> Option<String> {
    let code = r.error_code();
    let status_ok = match code.as_deref() {
        Some("invalid_client") => r.status == 400 || r.status == 401,
        _ => r.status == 400,
    };
    match code {
        Some(c) if codes.contains(&c.as_str()) && status_ok => None,
        _ => Some(r.summary()),
    }
}
