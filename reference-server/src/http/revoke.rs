//! `POST /oauth2/revoke` (RFC 7009).

use super::{HttpRequest, HttpResponse, OAuth2Http};

/// The handler.
pub fn handle(_core: &OAuth2Http, _req: &HttpRequest) -> HttpResponse {
    HttpResponse::error(503, "temporarily_unavailable", "not yet implemented")
}
