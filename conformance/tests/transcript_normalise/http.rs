//! HTTP exchanges (the OAuth2 cases) as deterministic lines: the request line with the query's
//! parameter names only, the headers with per-run values (dates, lengths, redirect parameters)
//! masked, and the body as its shape (JSON member names, form field names, the HTML forms' input
//! names), since client_ids, secrets, codes, states and PKCE values are fresh in every run.

use gatecheck_client::http::{html_forms, query_params};

/// The lines for one recorded request or response.
pub fn normalise(text: &str) -> Vec<String> {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let mut lines = head.split("\r\n");
    let mut out = Vec::new();
    let first = lines.next().unwrap_or("");
    out.push(request_line(first));
    let mut content_type = String::new();
    for h in lines {
        let Some((name, value)) = h.split_once(':') else {
            out.push(format!("  {h}"));
            continue;
        };
        let lname = name.to_ascii_lowercase();
        let value = value.trim();
        let shown = match lname.as_str() {
            "date" | "content-length" => "<…>".to_owned(),
            // Whether the server adds `Connection: close` depends on how much of the body it
            // had read when it answered.
            "connection" => continue,
            // Client credentials: base64 of a fresh client_id (and a secret, when redacted).
            "authorization" => format!(
                "{} <credentials>",
                value.split_whitespace().next().unwrap_or("")
            ),
            "location" => with_param_names(value),
            "content-type" => {
                content_type = value.to_ascii_lowercase();
                value.to_owned()
            }
            _ => value.to_owned(),
        };
        out.push(format!("  {name}: {shown}"));
    }
    if !body.is_empty() {
        out.push(format!("  body: {}", body_shape(body, &content_type)));
    }
    out
}

/// `GET /path?a&b HTTP/1.1` (query values dropped); response lines unchanged.
fn request_line(line: &str) -> String {
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(target), Some(v)) if !m.starts_with("HTTP/") => {
            format!("{m} {} {v}", with_param_names(target))
        }
        _ => line.to_owned(),
    }
}

/// A URL with its query reduced to the parameter names.
fn with_param_names(url: &str) -> String {
    match url.split_once('?') {
        None => url.to_owned(),
        Some((base, _)) => {
            let names: Vec<String> = query_params(url).into_iter().map(|(k, _)| k).collect();
            format!("{base}?{}", names.join("&"))
        }
    }
}

fn body_shape(body: &str, content_type: &str) -> String {
    if let Some((_, total)) = body.rsplit_once("… [") {
        return format!("{} bytes", total.trim_end_matches(" bytes in all]"));
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let names: Vec<String> = query_params(&format!("?{body}"))
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        return format!("form {names:?}");
    }
    if content_type.starts_with("text/html") {
        let forms: Vec<String> = html_forms(body)
            .iter()
            .map(|f| {
                let names: Vec<&str> = f.inputs.iter().map(|(n, _, _)| n.as_str()).collect();
                format!("{} {names:?}", f.method)
            })
            .collect();
        return format!("html, forms {forms:?}");
    }
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(m)) => {
            let keys: Vec<String> = m
                .iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    ("error", serde_json::Value::String(e)) => format!("error={e}"),
                    _ => k.clone(),
                })
                .collect();
            format!("json {{{}}}", keys.join(", "))
        }
        Ok(other) => format!("json {}", kind(&other)),
        Err(_) => format!("{} bytes", body.len()),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Array(_) => "array",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Null => "null",
        serde_json::Value::Object(_) => "object",
    }
}
