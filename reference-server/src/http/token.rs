//! `POST /oauth2/token` (RFC 6749 §3.2, §4.1.3, §5, §6; RFC 7636 §4.6; refresh rotation per
//! RFC 9700 §4.14.2): client authentication first, then the grant. Errors are RFC 6749 §5.2 JSON.

use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::authorize::valid_pkce_string;
use super::client_auth::{Client, authenticate};
use super::wire::Form;
use super::{HttpRequest, HttpResponse, OAuth2Http, sha256_hex};
use crate::breaks::Break;
use crate::store::{CodeTake, OAuth2Token, TokenKind};

fn err(code: &str, text: &str) -> HttpResponse {
    HttpResponse::error(400, code, text).no_store()
}

/// The handler.
pub fn handle(core: &OAuth2Http, req: &HttpRequest) -> HttpResponse {
    if !req.content_type_is("application/x-www-form-urlencoded") {
        return err(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let form = match Form::parse(&req.body) {
        Ok(f) => f,
        Err(e) => return err("invalid_request", &e.to_string()),
    };
    let client = match authenticate(core, req, &form) {
        Ok(c) => c,
        Err(f) => return f.response(core),
    };
    match form.get("grant_type") {
        None => err("invalid_request", "grant_type is required"),
        Some("authorization_code") => authorization_code(core, &client, &form),
        Some("refresh_token") => refresh(core, &client, &form),
        Some(_) => err(
            "unsupported_grant_type",
            "authorization_code or refresh_token",
        ),
    }
}

/// The PKCE S256 transform (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    use sha2::{Digest, Sha256};
    gatecheck_proto::jose::b64url_encode(&Sha256::digest(verifier.as_bytes()))
}

fn authorization_code(core: &OAuth2Http, client: &Client, form: &Form) -> HttpResponse {
    let Some(code) = form.get("code") else {
        return err("invalid_request", "code is required");
    };
    let now = core.now();
    let hash = sha256_hex(code.as_bytes());
    let row = match core.store.oauth2_code_take(&hash, now) {
        Ok(CodeTake::Fresh(r)) => r,
        Ok(CodeTake::Replayed(r)) if core.breaks.has(Break::Dcr37CodeReusable) => r,
        Ok(CodeTake::Replayed(r)) => {
            // RFC 6749 §4.1.2: a replayed code SHOULD revoke what it issued (DCR-37).
            let _ = core.store.oauth2_revoke_grant(&r.grant_id);
            return err("invalid_grant", "the code was already used");
        }
        Ok(CodeTake::Unknown) => return err("invalid_grant", "unknown or expired code"),
        Err(_) => return HttpResponse::error(500, "server_error", "storage failed"),
    };
    if !bool::from(
        row.client_hash
            .as_bytes()
            .ct_eq(client.client_hash.as_bytes()),
    ) {
        return err("invalid_grant", "the code was issued to another client");
    }
    if form
        .get("redirect_uri")
        .is_some_and(|u| u != row.redirect_uri)
    {
        return err(
            "invalid_grant",
            "redirect_uri differs from the authorization request",
        );
    }
    match (&row.code_challenge, form.get("code_verifier")) {
        (Some(_), None) => return err("invalid_grant", "code_verifier is required"),
        (Some(challenge), Some(verifier)) => {
            let ok = valid_pkce_string(verifier)
                && bool::from(s256(verifier).as_bytes().ct_eq(challenge.as_bytes()));
            if !ok && !core.breaks.has(Break::Dcr53VerifierNotChecked) {
                return err("invalid_grant", "code_verifier does not match");
            }
        }
        // RFC 9700 §2.1.1 (PKCE downgrade, DCR-55): a verifier for a code issued without a
        // challenge means the challenge was stripped on the way.
        (None, Some(_)) => {
            return err(
                "invalid_grant",
                "code_verifier sent but no code_challenge was",
            );
        }
        (None, None) => {}
    }
    issue(core, client, &row.username, &row.scope, &row.grant_id, now)
}

/// Mints an access token (and a refresh token when the client registered that grant).
fn mint(
    core: &OAuth2Http,
    client: &Client,
    username: &str,
    scope: &str,
    grant_id: &str,
    now: u64,
) -> (Vec<OAuth2Token>, Value) {
    let s = &core.settings;
    let access = core.random_token();
    let row = |hash: String, kind, ttl: u64| OAuth2Token {
        token_hash: hash,
        kind,
        grant_id: grant_id.to_owned(),
        username: username.to_owned(),
        client_hash: client.client_hash.clone(),
        scope: scope.to_owned(),
        issued_at: now,
        expires_at: now.saturating_add(ttl),
        revoked: false,
    };
    let mut rows = vec![row(
        sha256_hex(access.as_bytes()),
        TokenKind::Access,
        s.access_token_ttl,
    )];
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": s.access_token_ttl,
    });
    if client.has_grant("refresh_token") {
        let refresh = core.random_token();
        rows.push(row(
            sha256_hex(refresh.as_bytes()),
            TokenKind::Refresh,
            s.refresh_token_ttl,
        ));
        body["refresh_token"] = json!(refresh);
    }
    if !scope.is_empty() {
        body["scope"] = json!(scope);
    }
    (rows, body)
}

fn success(core: &OAuth2Http, body: &Value) -> HttpResponse {
    let r = HttpResponse::json(200, body);
    if core.breaks.has(Break::Dcr35NoStoreMissing) {
        r
    } else {
        r.no_store()
    }
}

fn issue(
    core: &OAuth2Http,
    client: &Client,
    username: &str,
    scope: &str,
    grant_id: &str,
    now: u64,
) -> HttpResponse {
    let (rows, body) = mint(core, client, username, scope, grant_id, now);
    match core.store.oauth2_tokens_put(&rows) {
        Ok(()) => success(core, &body),
        // The account was deleted between login and exchange.
        Err(crate::store::StoreError::NoSuchAccount) => {
            err("invalid_grant", "the account no longer exists")
        }
        Err(_) => HttpResponse::error(500, "server_error", "storage failed"),
    }
}

fn refresh(core: &OAuth2Http, client: &Client, form: &Form) -> HttpResponse {
    if !client.has_grant("refresh_token") {
        return err(
            "unauthorized_client",
            "the client did not register refresh_token",
        );
    }
    let Some(token) = form.get("refresh_token") else {
        return err("invalid_request", "refresh_token is required");
    };
    let now = core.now();
    let hash = sha256_hex(token.as_bytes());
    if core.breaks.has(Break::DcrRefreshNotRotated) {
        // The naive implementation: check the token and issue new ones, never retiring it.
        return match core.store.oauth2_token_get(&hash) {
            Ok(Some(old))
                if old.kind == TokenKind::Refresh
                    && old.live(now)
                    && old.client_hash == client.client_hash =>
            {
                issue(core, client, &old.username, &old.scope, &old.grant_id, now)
            }
            _ => err(
                "invalid_grant",
                "unknown, used, revoked or expired refresh token",
            ),
        };
    }
    let mut body = Value::Null;
    let rotated = core
        .store
        .oauth2_refresh_rotate(&hash, &client.client_hash, now, &mut |old| {
            let (rows, b) = mint(core, client, &old.username, &old.scope, &old.grant_id, now);
            body = b;
            rows
        });
    match rotated {
        Ok(Some(_)) => success(core, &body),
        Ok(None) => err(
            "invalid_grant",
            "unknown, used, revoked or expired refresh token",
        ),
        Err(crate::store::StoreError::NoSuchAccount) => {
            err("invalid_grant", "the account no longer exists")
        }
        Err(_) => HttpResponse::error(500, "server_error", "storage failed"),
    }
}
