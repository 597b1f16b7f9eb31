//! Malformed HTTP input for the registration and token endpoints: one row = one request valid in
//! every respect but one (a missing, mistyped, repeated or oversized field, a body that is not
//! what the endpoint reads, a content type it does not take), the answers the specifications
//! allow, and the requirement a wrong answer violates. The parallel of the XMPP malformed-element
//! table (`cases/table.rs`) for JSON and form bodies: every row must get a 4xx JSON error with an
//! RFC 7591 §3.2.2 / RFC 6749 §5.2 code, never a 2xx or a 5xx, and after every row the metadata
//! must still be served (and the engine's XMPP liveness oracle must hold: the rows are negative).

use super::*;
use gatecheck_client::http::{HttpError, form_encode};

/// Which endpoint a row posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Register,
    Token,
}

/// The body of a row, built from the standard valid request.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// Registration JSON with `member` set to this JSON text (`None`: removed).
    Member(&'static str, Option<&'static str>),
    /// Registration JSON text with a member repeated (the text is appended to the object).
    RepeatMember(&'static str),
    /// Registration JSON with `client_name` of this many bytes.
    LongName(usize),
    /// A body of this many bytes (a JSON string of `a`s).
    Huge(usize),
    /// `[` nested this deep.
    Nested(usize),
    /// This literal text.
    Raw(&'static str),
    /// The valid registration JSON sent with this content type.
    ContentType(&'static str),
    /// Token request: the valid form fields with `field` replaced (`None`: removed).
    Field(&'static str, Option<&'static str>),
    /// Token request: a field given twice.
    RepeatField(&'static str),
    /// Token request: the valid form sent as JSON.
    TokenAsJson,
    /// Token request: client_id of this many bytes (client_secret_post).
    LongClientId(usize),
    /// Token request: the registered client_id re-issued with `alg: none`.
    AlgNone,
}

/// What a 2xx answer to a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnAccept {
    /// A violation of the row's requirement.
    Fail,
    /// Only a SHOULD is broken: a warning.
    Warn,
    /// The specifications leave the input's meaning open (duplicate JSON names: RFC 8259 §4
    /// makes unique names a SHOULD for senders and the result unpredictable), so accepting it
    /// is allowed too; noted.
    Pass,
}

#[derive(Debug, Clone, Copy)]
struct Row {
    id: &'static str,
    title: &'static str,
    at: At,
    body: Body,
    /// Allowed 4xx statuses.
    statuses: &'static [u16],
    /// Allowed error codes (the first is the one the row expects).
    codes: &'static [&'static str],
    /// The requirement a 2xx violates.
    req: &'static str,
    /// What a 2xx is.
    on_accept: OnAccept,
}

const META: &[&str] = &[
    "invalid_client_metadata",
    "invalid_redirect_uri",
    "invalid_request",
];
const REDIR: &[&str] = &["invalid_redirect_uri", "invalid_client_metadata"];

const ROWS: &[Row] = &[
    Row {
        id: "oauth2.malformed.register.client-name-number",
        title: "client_name is a number",
        at: At::Register,
        body: Body::Member("client_name", Some("42")),
        statuses: &[400],
        codes: &["invalid_client_metadata"],
        req: "DCR-17",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.redirect-uris-string",
        title: "redirect_uris is a string, not an array",
        at: At::Register,
        body: Body::Member("redirect_uris", Some(r#""https://gatecheck.example/cb""#)),
        statuses: &[400],
        codes: REDIR,
        req: "DCR-16",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.redirect-uris-empty",
        title: "redirect_uris is an empty array",
        at: At::Register,
        body: Body::Member("redirect_uris", Some("[]")),
        statuses: &[400],
        codes: REDIR,
        req: "DCR-16",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.redirect-uris-number",
        title: "a redirect URI is a number",
        at: At::Register,
        body: Body::Member("redirect_uris", Some("[42]")),
        statuses: &[400],
        codes: REDIR,
        req: "DCR-16",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.grant-types-string",
        title: "grant_types is a string, not an array",
        at: At::Register,
        body: Body::Member("grant_types", Some(r#""authorization_code""#)),
        statuses: &[400],
        codes: &["invalid_client_metadata"],
        req: "DCR-17",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.repeated-redirect-uris",
        title: "redirect_uris given twice in the object",
        at: At::Register,
        body: Body::RepeatMember(r#""redirect_uris":["https://gatecheck.example/other"]"#),
        statuses: &[400],
        codes: META,
        req: "DCR-17",
        on_accept: OnAccept::Pass,
    },
    Row {
        id: "oauth2.malformed.register.long-client-name",
        title: "client_name of 100 KiB",
        at: At::Register,
        body: Body::LongName(100 * 1024),
        statuses: &[400, 413],
        codes: META,
        req: "DCR-17",
        on_accept: OnAccept::Warn,
    },
    Row {
        id: "oauth2.malformed.register.body-10mib",
        title: "a 10 MiB body",
        at: At::Register,
        body: Body::Huge(10 * 1024 * 1024),
        statuses: &[400, 413],
        codes: META,
        req: "DCR-15",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.deeply-nested",
        title: "JSON nested 100000 deep",
        at: At::Register,
        body: Body::Nested(100_000),
        statuses: &[400, 413],
        codes: META,
        req: "DCR-15",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.not-json",
        title: "a body that is not JSON",
        at: At::Register,
        body: Body::Raw(r#"{"redirect_uris": ["#),
        statuses: &[400],
        codes: META,
        req: "DCR-15",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.array-body",
        title: "a JSON array instead of an object",
        at: At::Register,
        body: Body::Raw(r#"[{"redirect_uris":["https://gatecheck.example/cb"]}]"#),
        statuses: &[400],
        codes: META,
        req: "DCR-15",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.register.text-plain",
        title: "valid JSON sent as text/plain",
        at: At::Register,
        body: Body::ContentType("text/plain"),
        statuses: &[400, 415],
        codes: META,
        req: "DCR-8",
        on_accept: OnAccept::Warn,
    },
    Row {
        id: "oauth2.malformed.register.form-encoded",
        title: "valid JSON sent as a form",
        at: At::Register,
        body: Body::ContentType("application/x-www-form-urlencoded"),
        statuses: &[400, 415],
        codes: META,
        req: "DCR-8",
        on_accept: OnAccept::Warn,
    },
    Row {
        id: "oauth2.malformed.token.missing-grant-type",
        title: "token request without grant_type",
        at: At::Token,
        body: Body::Field("grant_type", None),
        statuses: &[400],
        codes: &["invalid_request", "unsupported_grant_type"],
        req: "DCR-36",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.token.missing-code",
        title: "authorization_code grant without code",
        at: At::Token,
        body: Body::Field("code", None),
        statuses: &[400],
        codes: &["invalid_request", "invalid_grant"],
        req: "DCR-36",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.token.repeated-grant-type",
        title: "grant_type given twice",
        at: At::Token,
        body: Body::RepeatField("grant_type"),
        statuses: &[400],
        codes: &["invalid_request"],
        req: "DCR-42",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.token.json-body",
        title: "a token request sent as JSON",
        at: At::Token,
        body: Body::TokenAsJson,
        statuses: &[400, 401, 415],
        codes: &[
            "invalid_request",
            "invalid_client",
            "unsupported_grant_type",
        ],
        req: "DCR-30",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.token.long-client-id",
        title: "a client_id of 100 KiB",
        at: At::Token,
        body: Body::LongClientId(100 * 1024),
        statuses: &[400, 401, 413],
        codes: &["invalid_client", "invalid_request"],
        req: "DCR-62",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.token.alg-none",
        title: "the registered client_id re-issued with alg none",
        at: At::Token,
        body: Body::AlgNone,
        statuses: &[400, 401],
        codes: &["invalid_client"],
        req: "DCR-62",
        on_accept: OnAccept::Fail,
    },
    Row {
        id: "oauth2.malformed.token.body-10mib",
        title: "a 10 MiB token request",
        at: At::Token,
        body: Body::Huge(10 * 1024 * 1024),
        statuses: &[400, 401, 413],
        codes: &["invalid_request", "invalid_client"],
        req: "DCR-36",
        on_accept: OnAccept::Fail,
    },
];

pub(super) fn all() -> Vec<Case> {
    ROWS.iter()
        .map(|row| {
            let row = *row;
            let (cites, requires): (&'static [&'static str], &'static str) = match row.at {
                At::Register => (
                    &["DCR-15", "DCR-17", "DCR-8"],
                    "malformed registration input gets a 400 (or 413/415) JSON error with an RFC 7591 §3.2.2 code, never a 2xx or 5xx",
                ),
                At::Token => (
                    &["DCR-36", "DCR-34", "DCR-30", "DCR-42"],
                    "malformed token input gets a 400 (401 for client authentication, 413/415) JSON error with an RFC 6749 §5.2 code, never a 2xx or 5xx",
                ),
            };
            Spec {
                id: row.id,
                title: row.title,
                cites,
                requires,
                negative: true,
                ..OAUTH2
            }
            .with(move |ctx| run_row(ctx, row))
        })
        .collect()
}

/// The standard registration JSON as text, with the row's change.
fn register_body(body: Body) -> (String, String) {
    let json_ct = "application/json".to_owned();
    let mut m = client_metadata();
    match body {
        Body::Member(k, v) => {
            let o = m.as_object_mut().expect("object");
            match v {
                None => {
                    o.remove(k);
                }
                Some(v) => {
                    o.insert(k.into(), serde_json::from_str(v).expect("row JSON"));
                }
            }
            (m.to_string(), json_ct)
        }
        Body::RepeatMember(extra) => {
            let s = m.to_string();
            (format!("{},{extra}}}", &s[..s.len() - 1]), json_ct)
        }
        Body::LongName(n) => {
            m["client_name"] = json!("n".repeat(n));
            (m.to_string(), json_ct)
        }
        Body::Huge(n) => (format!("\"{}\"", "a".repeat(n.saturating_sub(2))), json_ct),
        Body::Nested(n) => (format!("{}{}", "[".repeat(n), "]".repeat(n)), json_ct),
        Body::Raw(t) => (t.to_owned(), json_ct),
        Body::ContentType(ct) => (m.to_string(), ct.to_owned()),
        _ => (m.to_string(), json_ct),
    }
}

async fn run_row(ctx: CaseCtx, row: Row) -> Flow {
    let o = oauth(&ctx).await?;
    let req = match row.at {
        At::Register => {
            let target = o.endpoint("registration_endpoint")?;
            let (body, ct) = register_body(row.body);
            Request::post(target, &ct, body)
        }
        At::Token => {
            let client = standard_client(&ctx, &o).await?;
            let target = o.endpoint("token_endpoint")?;
            let secret = client.secret.clone().unwrap_or_default();
            let mut fields: Vec<(String, String)> = [
                ("grant_type", "authorization_code"),
                ("code", "gatecheck-no-such-code"),
                ("redirect_uri", REDIRECT),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
            let mut id = client.id.clone();
            let mut auth = auth_for(&o);
            match row.body {
                Body::Field(k, v) => {
                    fields.retain(|(n, _)| n != k);
                    if let Some(v) = v {
                        fields.push((k.into(), v.into()));
                    }
                }
                Body::RepeatField(k) => {
                    fields.push((k.into(), "refresh_token".into()));
                }
                Body::LongClientId(n) => {
                    id = "c".repeat(n);
                    auth = ClientAuth::Post;
                }
                Body::AlgNone => {
                    let (_, payload) = jws_parts(&client.id)
                        .ok_or_else(|| unsupported("the client_id is not a JWS"))?;
                    let h = gatecheck_proto::jose::b64url_encode(br#"{"alg":"none","typ":"JWT"}"#);
                    let p = gatecheck_proto::jose::b64url_encode(
                        Value::Object(payload).to_string().as_bytes(),
                    );
                    id = format!("{h}.{p}.");
                }
                _ => {}
            }
            let f: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            match row.body {
                Body::TokenAsJson => {
                    let mut obj = Map::new();
                    for (k, v) in &f {
                        obj.insert((*k).into(), json!(v));
                    }
                    Request::json(target, &Value::Object(obj)).basic_auth(&id, &secret)
                }
                Body::Huge(n) => {
                    let mut body = form_encode(&f);
                    body.push_str("&pad=");
                    body.push_str(&"a".repeat(n.saturating_sub(body.len())));
                    Request::post(target, "application/x-www-form-urlencoded", body)
                        .basic_auth(&id, &secret)
                }
                _ => token_request(&target, &f, auth, &id, &secret),
            }
        }
    };
    ctx.step(&format!("send: {}", row.title));
    let req_len = req.body.len();
    let mut sent = o.http.send(&req).await;
    // A target that reads no Basic credentials answers every Basic request for want of them:
    // the row is then resent with client_secret_post, so only the row's own fault is judged
    // (oauth2.token.client-secret-basic reports the Basic refusal).
    let basic = req.headers.iter().any(|(k, _)| k == "Authorization");
    let resendable =
        row.at == At::Token && basic && !matches!(row.body, Body::TokenAsJson | Body::Huge(_));
    if let Ok(r) = &sent
        && resendable
        && r.error_code().as_deref() == Some("invalid_request")
        && !matches!(row.body, Body::Field(..) | Body::RepeatField(_))
    {
        ctx.note(
            "invalid_request to a Basic-authenticated request: resending with client_secret_post",
        );
        let (id, secret) = basic_credentials(&req).unwrap_or_default();
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let body = format!(
            "{body}&{}",
            form_encode(&[("client_id", &id), ("client_secret", &secret)])
        );
        let target = req.target.clone();
        sent = o
            .http
            .send(&Request::post(
                target,
                "application/x-www-form-urlencoded",
                body,
            ))
            .await;
    }
    let verdict = match sent {
        // A target may answer (413, 400) and close before it has read a large body: the
        // upload then fails. Accepted for bodies above 64 KiB; the liveness checks still run.
        Err(HttpError::Http(e)) if req_len > 64 * 1024 => pass().with_message(format!(
            "the target stopped reading the oversized body: {e}"
        )),
        Err(e) => fail(row.req, "a 4xx JSON error", e.to_string()),
        Ok(r) => judge(&row, &r),
    };
    if verdict.verdict != crate::outcome::Verdict::Pass {
        return Ok(verdict);
    }
    super::register::still_serving_http(&ctx, &o).await?;
    Ok(verdict)
}

fn judge(row: &Row, r: &Response) -> Outcome {
    let server_req = if row.at == At::Register {
        "DCR-15"
    } else {
        "DCR-36"
    };
    let expected = format!("{:?} with error {}", row.statuses, row.codes[0]);
    if (200..300).contains(&r.status) {
        let what = format!("{}: the input was accepted", r.summary());
        return match row.on_accept {
            OnAccept::Fail => fail(row.req, expected, what),
            OnAccept::Warn => warn(
                row.req,
                expected,
                what,
                "accepted: the cited row only says SHOULD",
            ),
            OnAccept::Pass => pass().with_message(format!(
                "{what} (allowed: RFC 8259 §4 leaves duplicate names to the receiver)"
            )),
        };
    }
    if r.status >= 500 || r.status < 400 {
        return fail(server_req, expected, r.summary());
    }
    let Some(code) = r.error_code() else {
        return fail(server_req, "a JSON object with error", r.summary());
    };
    if !row.statuses.contains(&r.status) {
        return warn(
            server_req,
            expected,
            r.summary(),
            "a 4xx JSON error, but not with the status the specification names",
        );
    }
    if row.codes.contains(&code.as_str()) {
        pass()
    } else {
        warn(
            row.req,
            expected,
            r.summary(),
            "refused, but with an error code that does not name the problem",
        )
    }
}

/// The client_id and secret of a request's `Authorization: Basic` header (form-decoded).
fn basic_credentials(req: &Request) -> Option<(String, String)> {
    use base64::Engine;
    let v = req
        .headers
        .iter()
        .find(|(k, _)| k == "Authorization")?
        .1
        .strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((
        gatecheck_client::http::percent_decode(id),
        gatecheck_client::http::percent_decode(secret),
    ))
}
