//! `GET/POST /oauth2/authorize` (RFC 6749 §4.1, RFC 7636, RFC 9207): the authorization-code
//! grant behind a small, honest HTML login and consent page (no JavaScript, every value
//! escaped). An invalid client or redirect URI is shown as an error page and never redirected to
//! (RFC 6749 §4.1.2.1, DCR-41); every later error goes back to the client's redirect URI with
//! `error`, `state` and `iss`.

use gatecheck_proto::sasl::ScramHash;
use gatecheck_proto::sasl::scram::ScramCredentials;
use subtle::ConstantTimeEq;

use super::client_auth::{Client, verify_client_id};
use super::wire::{Form, MAX_QUERY, html_escape, percent_encode};
use super::{CODE_TTL, HttpRequest, HttpResponse, OAuth2Http, sha256_hex};
use crate::breaks::Break;
use crate::store::{self, OAuth2Code};

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthzRequest {
    /// The client.
    pub client: Client,
    /// The redirect URI in effect (given, or the only registered one).
    pub redirect_uri: String,
    /// `state`, echoed.
    pub state: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// `scope` as asked (may be empty).
    pub scope: String,
}

/// Why an authorization request cannot proceed.
pub enum Refusal {
    /// Shown to the user, never redirected (bad client or redirect URI).
    Page(HttpResponse),
    /// Sent back to the client's redirect URI.
    Redirect(HttpResponse),
}

impl Refusal {
    /// The response either way.
    pub fn into_response(self) -> HttpResponse {
        match self {
            Refusal::Page(r) | Refusal::Redirect(r) => r,
        }
    }
}

fn error_page(status: u16, text: &str) -> HttpResponse {
    HttpResponse::html(
        status,
        page(
            "Authorization error",
            &format!(
                "<p class=\"error\">{}</p><p>The application that sent you here made an invalid request. \
                 You can close this page.</p>",
                html_escape(text)
            ),
        ),
    )
}

/// `redirect_uri` with `params` appended to its query.
fn with_params(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let mut out = redirect_uri.to_owned();
    let mut sep = if redirect_uri.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        out.push(sep);
        out.push_str(k);
        out.push('=');
        out.push_str(&percent_encode(v));
        sep = '&';
    }
    out
}

fn redirect_error(core: &OAuth2Http, uri: &str, state: Option<&str>, code: &str) -> Refusal {
    let mut p = vec![("error", code)];
    if let Some(s) = state {
        p.push(("state", s));
    }
    p.push(("iss", core.issuer.as_str()));
    Refusal::Redirect(HttpResponse::redirect(with_params(uri, &p)))
}

/// RFC 7636 §4.2: 43–128 characters of `[A-Za-z0-9-._~]`.
pub fn valid_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Validates the parameters (from the query or the posted form).
pub fn validate(core: &OAuth2Http, p: &Form) -> Result<AuthzRequest, Refusal> {
    let Some(client) = p.get("client_id").and_then(|id| verify_client_id(core, id)) else {
        return Err(Refusal::Page(error_page(
            400,
            "Unknown or invalid client_id.",
        )));
    };
    let registered = client.redirect_uris();
    let redirect_uri = match p.get("redirect_uri") {
        Some(u) if registered.contains(&u) => u.to_owned(),
        Some(u) => {
            if core.breaks.has(Break::Dcr41UnknownRedirectRedirected) {
                return Err(redirect_error(core, u, p.get("state"), "invalid_request"));
            }
            return Err(Refusal::Page(error_page(
                400,
                "The redirect_uri is not registered for this client.",
            )));
        }
        None if registered.len() == 1 => registered[0].to_owned(),
        None => {
            return Err(Refusal::Page(error_page(
                400,
                "redirect_uri is required: the client registered more than one.",
            )));
        }
    };
    let state = p.get("state").map(str::to_owned);
    let fail = |code| Err(redirect_error(core, &redirect_uri, state.as_deref(), code));
    if p.get("response_type") != Some("code") {
        return fail("unsupported_response_type");
    }
    if !client.has_grant("authorization_code") {
        return fail("unauthorized_client");
    }
    let code_challenge = match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (Some(c), Some("S256")) if valid_pkce_string(c) => Some(c.to_owned()),
        // Absent method means `plain` (RFC 7636 §4.3), which is not offered.
        (Some(_), _) => return fail("invalid_request"),
        (None, Some(_)) => return fail("invalid_request"),
        (None, None) => {
            if core.settings.require_code_challenge && !core.breaks.has(Break::Dcr52PkceNotRequired)
            {
                return fail("invalid_request");
            }
            None
        }
    };
    let scope = p.get("scope").unwrap_or("").to_owned();
    if scope.len() > 1024 {
        return fail("invalid_scope");
    }
    Ok(AuthzRequest {
        client,
        redirect_uri,
        state,
        code_challenge,
        scope,
    })
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em}}\
         label{{display:block;margin:.8em 0 .2em}}input[type=text],input[type=password]{{width:100%;padding:.4em}}\
         button{{margin:1em .5em 0 0;padding:.5em 1.2em}}.error{{color:#a00}}.note{{color:#555;font-size:.9em}}</style>\
         </head><body><h1>{title}</h1>{body}</body></html>\n"
    )
}

/// The login and consent form for `r`, echoing the request in hidden fields.
fn login_page(core: &OAuth2Http, p: &Form, r: &AuthzRequest, error: Option<&str>) -> String {
    let mut hidden = String::new();
    for name in [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
        "scope",
    ] {
        if let Some(v) = p.get(name) {
            hidden.push_str(&format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                html_escape(v)
            ));
        }
    }
    let err = error
        .map(|e| format!("<p class=\"error\">{}</p>", html_escape(e)))
        .unwrap_or_default();
    let scope = if r.scope.is_empty() {
        String::new()
    } else {
        format!("<p>It asks for: <code>{}</code></p>", html_escape(&r.scope))
    };
    let body = format!(
        "<p><strong>{name}</strong> wants to access your account on <strong>{host}</strong> \
         and log in to XMPP as you.</p>{scope}\
         <p class=\"note\">After you allow it, you will be sent to <code>{uri}</code>.</p>{err}\
         <form method=\"post\" action=\"{action}\">{hidden}\
         <label for=\"username\">Username</label>\
         <input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required>\
         <label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\" name=\"consent\" value=\"allow\">Log in and allow</button>\
         <button type=\"submit\" name=\"consent\" value=\"deny\" formnovalidate>Deny</button>\
         </form>",
        name = html_escape(r.client.display_name()),
        host = html_escape(&core.settings.host),
        uri = html_escape(&r.redirect_uri),
        action = super::paths::AUTHORIZE,
    );
    page("Authorize application", &body)
}

/// `GET`: validate, then show the form.
pub fn handle_get(core: &OAuth2Http, req: &HttpRequest) -> HttpResponse {
    if req.query.len() > MAX_QUERY {
        return error_page(414, "The request is too long.");
    }
    let p = match Form::parse(req.query.as_bytes()) {
        Ok(p) => p,
        Err(e) => return error_page(400, &format!("Malformed request: {e}.")),
    };
    match validate(core, &p) {
        Ok(r) => HttpResponse::html(200, login_page(core, &p, &r, None)),
        Err(e) => e.into_response(),
    }
}

/// `POST`: the submitted form. Valid credentials → 303 to the client with a code.
pub fn handle_post(core: &OAuth2Http, req: &HttpRequest) -> HttpResponse {
    if !req.content_type_is("application/x-www-form-urlencoded") {
        return error_page(415, "The form must be application/x-www-form-urlencoded.");
    }
    let p = match Form::parse(&req.body) {
        Ok(p) => p,
        Err(e) => return error_page(400, &format!("Malformed form: {e}.")),
    };
    let r = match validate(core, &p) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if p.get("consent") == Some("deny") {
        return redirect_error(core, &r.redirect_uri, r.state.as_deref(), "access_denied")
            .into_response();
    }
    let username = match check_password(core, p.get("username"), p.get("password")) {
        Ok(Some(u)) => u,
        Ok(None) => {
            return HttpResponse::html(
                401,
                login_page(core, &p, &r, Some("Wrong username or password.")),
            );
        }
        Err(()) => {
            return redirect_error(
                core,
                &r.redirect_uri,
                r.state.as_deref(),
                "temporarily_unavailable",
            )
            .into_response();
        }
    };
    let code = core.random_token();
    let row = OAuth2Code {
        code_hash: sha256_hex(code.as_bytes()),
        username,
        client_hash: r.client.client_hash.clone(),
        redirect_uri: r.redirect_uri.clone(),
        code_challenge: r.code_challenge.clone(),
        scope: r.scope.clone(),
        expires_at: core.now().saturating_add(CODE_TTL),
        grant_id: sha256_hex(core.random_token().as_bytes()),
        used: false,
    };
    if core.store.oauth2_code_put(&row, core.now()).is_err() {
        return redirect_error(core, &r.redirect_uri, r.state.as_deref(), "server_error")
            .into_response();
    }
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = r.state.as_deref()
        && !core.breaks.has(Break::Dcr40StateDropped)
    {
        params.push(("state", s));
    }
    params.push(("iss", core.issuer.as_str()));
    HttpResponse::redirect(with_params(&r.redirect_uri, &params))
}

/// Checks a username (`user` or `user@host`) and password against the stored SCRAM-SHA-256
/// credentials; an unknown user costs the same PBKDF2 as a known one. `Err` on a store failure.
fn check_password(
    core: &OAuth2Http,
    username: Option<&str>,
    password: Option<&str>,
) -> Result<Option<String>, ()> {
    let (Some(user), Some(password)) = (username, password) else {
        return Ok(None);
    };
    let (local, host_ok) = match user.rsplit_once('@') {
        Some((l, h)) => (l, h.eq_ignore_ascii_case(&core.settings.host)),
        None => (user, true),
    };
    let local = local.to_lowercase();
    let account = if host_ok && local.len() <= store::MAX_USERNAME_LEN {
        core.store.get_account(&local).map_err(|_| ())?
    } else {
        None
    };
    let stored = account.and_then(|a| {
        a.credentials
            .into_iter()
            .find(|c| c.hash == store::ScramHash::Sha256)
    });
    let known = stored.is_some();
    let creds = stored.map_or_else(
        || ScramCredentials {
            hash: ScramHash::Sha256,
            salt: vec![0; 16],
            iterations: crate::config::MIN_SCRAM_ITERATIONS,
            stored_key: vec![0; 32],
            server_key: vec![0; 32],
        },
        |c| ScramCredentials {
            hash: ScramHash::Sha256,
            salt: c.salt,
            iterations: c.iterations,
            stored_key: c.stored_key,
            server_key: c.server_key,
        },
    );
    let ok = gatecheck_proto::sasl::plain::verify(password, Some(&creds)).is_ok();
    let accept = u8::from(ok).ct_eq(&1) & u8::from(known).ct_eq(&1);
    Ok(bool::from(accept).then_some(local))
}
