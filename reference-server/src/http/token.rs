//! `POST /oauth2/token` (RFC 6749 §3.2, §4.1.3, §6).

use super::{HttpRequest, HttpResponse, OAuth2Http};

/// The handler.
pub fn handle(_core: &OAuth2Http, _req: &HttpRequest) -> HttpResponse {
    HttpResponse::error(503, "temporarily_unavailable", "not yet implemented")
}
