//! `GET /.well-known/oauth-authorization-server` (RFC 8414 §2, §3): exactly what is implemented.

use serde_json::{Map, Value, json};

use super::{HttpResponse, OAuth2Http, paths};

/// The metadata document.
pub fn document(core: &OAuth2Http) -> Value {
    let base = &core.issuer;
    let mut m = Map::new();
    m.insert("issuer".into(), json!(base));
    m.insert(
        "authorization_endpoint".into(),
        json!(format!("{base}{}", paths::AUTHORIZE)),
    );
    m.insert(
        "token_endpoint".into(),
        json!(format!("{base}{}", paths::TOKEN)),
    );
    if core.per_host_key.is_some() {
        m.insert(
            "registration_endpoint".into(),
            json!(format!("{base}{}", paths::REGISTER)),
        );
    }
    m.insert(
        "revocation_endpoint".into(),
        json!(format!("{base}{}", paths::REVOKE)),
    );
    m.insert("response_types_supported".into(), json!(["code"]));
    m.insert("response_modes_supported".into(), json!(["query"]));
    m.insert(
        "grant_types_supported".into(),
        json!(["authorization_code", "refresh_token"]),
    );
    let auth_methods = json!(["client_secret_basic", "client_secret_post"]);
    m.insert(
        "token_endpoint_auth_methods_supported".into(),
        auth_methods.clone(),
    );
    m.insert(
        "revocation_endpoint_auth_methods_supported".into(),
        auth_methods,
    );
    m.insert("code_challenge_methods_supported".into(), json!(["S256"]));
    // RFC 9207: `iss` is returned in every authorization response.
    m.insert(
        "authorization_response_iss_parameter_supported".into(),
        json!(true),
    );
    Value::Object(m)
}

/// The handler.
pub fn handle(core: &OAuth2Http) -> HttpResponse {
    HttpResponse::json(200, &document(core))
}
