//! `Step::Http`: one request to the OAuth2 HTTP core, with its oracles: no 5xx (the in-memory
//! store cannot fail), a body that says it is JSON parses as JSON, and the token endpoint never
//! grants to a session that presented neither the client's secret nor a client it registered.

use gatecheck_proto::script::{Fixture, HttpMethod, HttpRequest as ScriptRequest, render_limited};
use serde_json::Value;

use super::Violation;
use super::executor::{RENDER_LIMIT, Recorder};
use super::invariants::Facts;
use crate::http::{HttpRequest, HttpResponse, OAuth2Http};

/// Renders and answers one request.
pub fn step(
    http: &OAuth2Http,
    req: &ScriptRequest,
    fixtures: &Recorder<'_>,
    facts: &mut Facts,
) -> Result<HttpResponse, Violation> {
    let lossy = |pieces| {
        String::from_utf8_lossy(&render_limited(pieces, fixtures, RENDER_LIMIT).0).into_owned()
    };
    let target = lossy(&req.path);
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let request = HttpRequest {
        method: match req.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
        .into(),
        path: path.into(),
        query: query.into(),
        headers: req
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), lossy(value)))
            .collect(),
        body: render_limited(&req.body, fixtures, RENDER_LIMIT).0,
    };
    fixtures.flush_into(facts);
    let response = http.handle(&request);
    let what = || format!("{} {path} -> {}", request.method, response.status);
    if response.status >= 500 {
        return Err(Violation::Http(format!(
            "{}: server error {}",
            what(),
            String::from_utf8_lossy(&response.body)
        )));
    }
    let says_json = response
        .header("content-type")
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    if says_json && serde_json::from_slice::<Value>(&response.body).is_err() {
        return Err(Violation::Http(format!("{}: body is not JSON", what())));
    }
    if path == crate::http::paths::REGISTER && response.status == 201 {
        facts.registered_client = true;
    }
    if path == crate::http::paths::TOKEN
        && response.status == 200
        && !(facts.rendered(Fixture::ClientSecret) || facts.registered_client)
    {
        return Err(Violation::Http(format!(
            "{}: tokens granted without the client's secret",
            what()
        )));
    }
    Ok(response)
}
