//! `GET/POST /oauth2/authorize` (RFC 6749 §4.1, RFC 7636, RFC 9207).

use super::{HttpRequest, HttpResponse, OAuth2Http};

/// `GET`: the login and consent page.
pub fn handle_get(_core: &OAuth2Http, _req: &HttpRequest) -> HttpResponse {
    HttpResponse::error(503, "temporarily_unavailable", "not yet implemented")
}

/// `POST`: the form submission.
pub fn handle_post(_core: &OAuth2Http, _req: &HttpRequest) -> HttpResponse {
    HttpResponse::error(503, "temporarily_unavailable", "not yet implemented")
}
