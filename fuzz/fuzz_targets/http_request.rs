//! The request-side codecs of the reference server's sans-IO HTTP core (`http::wire`): form and
//! query-string parsing with repeated-parameter detection, percent-decoding, content-type
//! matching, and the redirect-URI check applied to registered and requested `redirect_uri`s.
//! Oracles: no panic; a form parses only if every `%` starts a two-hex-digit escape (RFC 3986
//! §2.1) and the result is valid UTF-8; the parsed pairs have unique names and no empty values;
//! re-encoding the pairs and parsing again gives the same pairs; a redirect URI the check accepts
//! is absolute, has no fragment and no whitespace.
#![no_main]

use gatecheck_server::breaks::BreakSet;
use gatecheck_server::http::uri::check_redirect_uri;
use gatecheck_server::http::wire::{Form, HttpRequest, percent_decode, percent_encode};
use libfuzzer_sys::fuzz_target;

/// RFC 3986 §2.1: `%` HEXDIG HEXDIG, nothing else.
fn escapes_are_strict(input: &[u8]) -> bool {
    input.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || input
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

fuzz_target!(|data: &[u8]| {
    if let Some(decoded) = percent_decode(data, false) {
        assert!(
            escapes_are_strict(data),
            "accepted a bad escape in {data:?}"
        );
        assert_eq!(
            percent_decode(percent_encode(&decoded).as_bytes(), false),
            Some(decoded)
        );
    }
    if let Ok(form) = Form::parse(data) {
        assert!(
            escapes_are_strict(data),
            "form with a bad escape parsed: {data:?}"
        );
        let pairs = form.pairs();
        for (i, (k, v)) in pairs.iter().enumerate() {
            assert!(!v.is_empty(), "empty value kept for {k}");
            assert!(pairs[..i].iter().all(|(j, _)| j != k), "{k} repeated");
            assert_eq!(form.get(k), Some(v.as_str()));
        }
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        let again = Form::parse(encoded.join("&").as_bytes());
        assert_eq!(again.as_ref(), Ok(&form));
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A request as the shell builds it: header lines before a blank line, then the body.
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let headers: Vec<(String, String)> = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let req = HttpRequest {
        method: "POST".into(),
        path: "/oauth2/token".into(),
        query: String::new(),
        headers,
        body: body.as_bytes().to_vec(),
    };
    if req.content_type_is("application/x-www-form-urlencoded") {
        let ct = req.header("content-type").expect("matched a content-type");
        assert!(
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        );
    }
    if check_redirect_uri(text, BreakSet::default()).is_ok() {
        assert!(
            !text.contains('#'),
            "fragment in accepted redirect_uri {text:?}"
        );
        assert!(
            !text.chars().any(char::is_whitespace),
            "whitespace in {text:?}"
        );
        assert!(text.contains(':'), "relative redirect_uri {text:?}");
    }
});
