//! `POST /oauth2/revoke` (RFC 7009): the client authenticates as at the token endpoint; an access
//! token is revoked alone, a refresh token with its whole grant (§2.1). The answer is 200 whether
//! or not the token was known or the client's (§2.2), so it reveals nothing.

use super::client_auth::authenticate;
use super::wire::Form;
use super::{HttpRequest, HttpResponse, OAuth2Http, sha256_hex};

/// The handler.
pub fn handle(core: &OAuth2Http, req: &HttpRequest) -> HttpResponse {
    if !req.content_type_is("application/x-www-form-urlencoded") {
        return HttpResponse::error(
            400,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    }
    let form = match Form::parse(&req.body) {
        Ok(f) => f,
        Err(e) => return HttpResponse::error(400, "invalid_request", &e.to_string()),
    };
    let client = match authenticate(core, req, &form) {
        Ok(c) => c,
        Err(f) => return f.response(core),
    };
    let Some(token) = form.get("token") else {
        return HttpResponse::error(400, "invalid_request", "token is required");
    };
    match core
        .store
        .oauth2_revoke(&sha256_hex(token.as_bytes()), &client.client_hash)
    {
        Ok(_) => HttpResponse::empty_ok(),
        Err(_) => HttpResponse::error(503, "temporarily_unavailable", "storage failed"),
    }
}
