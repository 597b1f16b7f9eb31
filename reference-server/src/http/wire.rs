//! HTTP as plain values: the request the shell hands the core and the response it gets back,
//! plus the small codecs every endpoint needs (percent-decoding, forms and query strings with
//! repeated-parameter detection, JSON error bodies, HTML escaping). No axum or hyper types.

use serde_json::{Value, json};

/// Largest request body the core accepts (the shell stops reading one byte after it).
pub const MAX_BODY: usize = 64 * 1024;

/// Largest query string accepted on `GET /oauth2/authorize`.
pub const MAX_QUERY: usize = 16 * 1024;

/// One HTTP request, already read in full by the shell.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// `GET`, `POST`, … as sent.
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The raw query string (after `?`, without it), empty when absent.
    pub query: String,
    /// Header fields, names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body (at most [`MAX_BODY`] + 1 bytes: one more means "too large").
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first header named `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// How many header fields are named `name`.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(n, _)| n == name).count()
    }

    /// Whether the media type (before any `;` parameters) is `want`, case-insensitively.
    pub fn content_type_is(&self, want: &str) -> bool {
        self.header("content-type").is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(want))
        })
    }
}

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header fields (names lower-case).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A JSON response.
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A JSON OAuth error body (`{"error": code, "error_description": text}`).
    pub fn error(status: u16, code: &str, description: &str) -> Self {
        Self::json(
            status,
            &json!({ "error": code, "error_description": description }),
        )
    }

    /// An HTML page.
    pub fn html(status: u16, body: String) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type".into(), "text/html; charset=utf-8".into()),
                (
                    "content-security-policy".into(),
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
                        .into(),
                ),
                ("x-frame-options".into(), "DENY".into()),
                ("referrer-policy".into(), "no-referrer".into()),
                ("cache-control".into(), "no-store".into()),
            ],
            body: body.into_bytes(),
        }
    }

    /// A redirect to `location` (303 See Other: the browser follows with GET).
    pub fn redirect(location: String) -> Self {
        Self {
            status: 303,
            headers: vec![
                ("location".into(), location),
                ("cache-control".into(), "no-store".into()),
                ("referrer-policy".into(), "no-referrer".into()),
            ],
            body: Vec::new(),
        }
    }

    /// An empty 200 (RFC 7009 revocation).
    pub fn empty_ok() -> Self {
        Self {
            status: 200,
            headers: vec![("cache-control".into(), "no-store".into())],
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1, RFC 7591 §3.2.1).
    pub fn no_store(self) -> Self {
        let mut r = self;
        r.headers.retain(|(n, _)| n != "cache-control");
        r.with_header("cache-control", "no-store")
            .with_header("pragma", "no-cache")
    }

    /// The first header named `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a form or query string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A parameter appears more than once (RFC 6749 §3.1, §3.2: MUST NOT be included more than once).
    #[error("parameter {0} repeated")]
    Repeated(String),
    /// Not valid `application/x-www-form-urlencoded` (bad escape or not UTF-8).
    #[error("malformed form encoding")]
    Malformed,
}

/// Decoded `application/x-www-form-urlencoded` parameters (also used for query strings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Parses `text`; a repeated name is an error, and parameters sent without a value are
    /// treated as omitted (RFC 6749 §3.1).
    pub fn parse(text: &[u8]) -> Result<Form, FormError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in text.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match part.iter().position(|&b| b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &b""[..]),
            };
            let k = percent_decode(k, true).ok_or(FormError::Malformed)?;
            let v = percent_decode(v, true).ok_or(FormError::Malformed)?;
            if pairs.iter().any(|(n, _)| *n == k) {
                return Err(FormError::Repeated(k));
            }
            if !v.is_empty() {
                pairs.push((k, v));
            }
        }
        Ok(Form { pairs })
    }

    /// The value of `name`, if present and non-empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// Percent-decodes `input` (with `plus_is_space`, `+` is a space as in forms); `None` for a bad
/// escape or non-UTF-8 result.
pub fn percent_decode(input: &[u8], plus_is_space: bool) -> Option<String> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' => {
                // Exactly two hex digits (RFC 3986 §2.1): `from_str_radix` alone would also take
                // a sign, so `%+1` decoded to 0x01 (found by the http_request fuzz target).
                let hex = input.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let s = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for b in input.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn html_escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let f = Form::parse(b"a=1&b=x+y%21&c=&d").unwrap();
        assert_eq!(f.get("a"), Some("1"));
        assert_eq!(f.get("b"), Some("x y!"));
        assert_eq!(f.get("c"), None);
        assert_eq!(f.get("d"), None);
        assert_eq!(
            Form::parse(b"a=1&a=2"),
            Err(FormError::Repeated("a".into()))
        );
        assert_eq!(Form::parse(b"a=%zz"), Err(FormError::Malformed));
        assert_eq!(Form::parse(b"a=%ff"), Err(FormError::Malformed));
        assert_eq!(Form::parse(b"a=%4"), Err(FormError::Malformed));
    }

    /// Found by the `http_request` fuzz target: a sign after `%` was taken as part of the escape.
    #[test]
    fn percent_escape_is_two_hex_digits_without_sign() {
        assert_eq!(percent_decode(b"%+1", false), None);
        assert_eq!(percent_decode(b"%-1", false), None);
        assert_eq!(Form::parse(b"9=\x1cP9.9%+B. "), Err(FormError::Malformed));
        assert_eq!(percent_decode(b"%2B1", false).as_deref(), Some("+1"));
    }

    #[test]
    fn encoding_round_trip() {
        let s = "a b&c=d/é";
        assert_eq!(
            percent_decode(percent_encode(s).as_bytes(), false).unwrap(),
            s
        );
        assert_eq!(
            html_escape("<a href=\"x\">'&'"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;"
        );
    }
}
