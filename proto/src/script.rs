//! Session scripts: what a fuzzer makes a client do, as data.
//!
//! One script format serves the in-process whole-session fuzz targets (which run it against the
//! reference server's sans-IO core), `gatecheck fuzz` (which runs it against any server over TCP)
//! and `gatecheck replay` (which re-runs a recorded finding). Scripts say *what* to send, never the
//! secrets themselves: a [`Fixture`] names a credential, token or invitation that the executor
//! resolves against its target (a seeded store in-process, the accounts and invitations given on
//! the command line over the network), so the same corpus file means the same thing everywhere.
//!
//! Interactive exchanges (SCRAM proofs depend on the server's nonce and salt) are one
//! [`Step::Authenticate`] that the executor runs with proto's own client halves; everything else is
//! bytes. With the `arbitrary` feature every type derives `arbitrary::Arbitrary`, so a fuzzer's raw
//! input decodes into a script; with serde every script round-trips through JSON for findings.

use serde::{Deserialize, Serialize};

/// A whole client session: the steps in order, on one connection unless a step says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Script {
    pub steps: Vec<Step>,
}

/// One thing the client does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Write the rendered pieces, split into `chunks` writes (0 and 1 mean one write), so split
    /// reads are exercised without a separate mutation.
    Send { pieces: Vec<Piece>, chunks: u8 },
    /// Run the TLS handshake now (the executor sends nothing itself: a preceding `Send` asked for
    /// `<starttls/>`; if the server did not answer `<proceed/>` the handshake fails and the session
    /// ends, which is not a finding).
    StartTls,
    /// A complete authentication exchange run by the executor, interactive where the mechanism is.
    Authenticate {
        profile: Profile,
        mechanism: Mechanism,
        credential: Credential,
    },
    /// Read whatever the server sends until it is quiet (a synchronisation point).
    Await,
    /// Close the connection now, whatever state the exchange is in.
    Disconnect,
    /// One HTTP request to the target's OAuth2 endpoints (a separate connection).
    Http(HttpRequest),
}

/// A fragment of what is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Piece {
    /// UTF-8 text sent as is (element markup, usually).
    Text(String),
    /// Raw bytes, which may be invalid UTF-8.
    Bytes(Vec<u8>),
    /// A value the executor resolves against its target.
    Fixture(Fixture),
    /// The base64 (standard alphabet, padded) of the rendered pieces: SASL initial responses.
    Base64(Vec<Piece>),
    /// The rendered pieces repeated `times` times: oversized and deeply nested input, cheaply.
    Repeat { pieces: Vec<Piece>, times: u16 },
}

/// Values a script refers to by name. An executor that has no value for a fixture renders it as
/// an empty string and records that it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Fixture {
    /// The target's XMPP domain.
    Domain,
    /// The localpart of an existing account.
    Username,
    /// That account's password.
    Password,
    /// A password that is not that account's.
    WrongPassword,
    /// A localpart with no account.
    UnknownUser,
    /// A FAST token valid for the account (obtained during the run or seeded).
    FastToken,
    /// A FAST token that was valid once and has been used up or revoked.
    SpentFastToken,
    /// An unspent invitation token.
    InviteToken,
    /// An invitation token that has been used.
    SpentInviteToken,
    /// A registered OAuth2 client's `client_id`.
    ClientId,
    /// That client's `client_secret`.
    ClientSecret,
    /// A redirect URI registered for that client.
    RedirectUri,
    /// A valid OAuth2 access token for the account.
    AccessToken,
}

/// Which SASL framing an [`Step::Authenticate`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// XEP-0388 `<authenticate/>`.
    Sasl2,
    /// RFC 6120 §6 `<auth/>`.
    Rfc6120,
}

/// The mechanisms a script can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    Plain,
    ScramSha1,
    ScramSha256,
    ScramSha512,
    /// XEP-0484 HT-SHA-256-NONE with a FAST token.
    HtSha256None,
    /// RFC 7628 OAUTHBEARER with an access token.
    Oauthbearer,
}

/// What the client authenticates with, and therefore what the server must answer: only
/// [`Credential::Valid`] may ever succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// The account's real password, FAST token or access token.
    Valid,
    /// A wrong password, a made-up token or proof.
    Wrong,
    /// A user that does not exist.
    UnknownUser,
    /// A token that was valid once (spent FAST token, revoked access token).
    Spent,
}

/// An HTTP request, rendered like [`Step::Send`] pieces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct HttpRequest {
    pub method: HttpMethod,
    /// Path and query, e.g. `/oauth2/token`.
    pub path: Vec<Piece>,
    pub headers: Vec<(String, Vec<Piece>)>,
    pub body: Vec<Piece>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
}

/// Decodes one fuzz-corpus file: a JSON script if the bytes are one (seeds written by hand or
/// from transcripts, and findings), otherwise the `arbitrary` decoding of the raw bytes (what
/// libFuzzer mutates). The in-process targets and `gatecheck fuzz --corpus` both use this, so a
/// corpus file means the same session everywhere.
#[cfg(feature = "arbitrary")]
pub fn from_corpus_bytes(data: &[u8]) -> Option<Script> {
    if let Ok(script) = serde_json::from_slice::<Script>(data) {
        return Some(script);
    }
    arbitrary::Unstructured::new(data).arbitrary().ok()
}

/// Resolves fixtures; implemented by each executor.
pub trait Fixtures {
    /// The value of `fixture` on this target, or `None` when the executor has none.
    fn resolve(&self, fixture: Fixture) -> Option<Vec<u8>>;
}

/// Upper bound on the bytes one rendering produces, so a `Repeat` of a `Repeat` cannot ask for
/// gigabytes: rendering stops growing at this size.
pub const MAX_RENDERED: usize = 1 << 20;

/// Renders pieces to bytes, resolving fixtures through `fixtures`; missing fixtures render empty
/// and are reported in the returned list (in order of first use).
pub fn render(pieces: &[Piece], fixtures: &dyn Fixtures) -> (Vec<u8>, Vec<Fixture>) {
    render_limited(pieces, fixtures, MAX_RENDERED)
}

/// [`render`] with a smaller bound than [`MAX_RENDERED`]: the in-process targets render at most
/// what their (lowered) stanza limit needs, because rendering and base64-encoding a megabyte per
/// step would dominate their run time.
pub fn render_limited(
    pieces: &[Piece],
    fixtures: &dyn Fixtures,
    limit: usize,
) -> (Vec<u8>, Vec<Fixture>) {
    let mut out = Vec::new();
    let mut missing = Vec::new();
    render_into(
        pieces,
        fixtures,
        &mut out,
        &mut missing,
        limit.min(MAX_RENDERED),
    );
    (out, missing)
}

fn render_into(
    pieces: &[Piece],
    fixtures: &dyn Fixtures,
    out: &mut Vec<u8>,
    missing: &mut Vec<Fixture>,
    limit: usize,
) {
    use base64::Engine as _;
    for piece in pieces {
        if out.len() >= limit {
            out.truncate(limit);
            return;
        }
        match piece {
            Piece::Text(text) => out.extend_from_slice(text.as_bytes()),
            Piece::Bytes(bytes) => out.extend_from_slice(bytes),
            Piece::Fixture(fixture) => match fixtures.resolve(*fixture) {
                Some(value) => out.extend_from_slice(&value),
                None => {
                    if !missing.contains(fixture) {
                        missing.push(*fixture);
                    }
                }
            },
            Piece::Base64(inner) => {
                let mut raw = Vec::new();
                render_into(inner, fixtures, &mut raw, missing, limit);
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                out.extend_from_slice(encoded.as_bytes());
            }
            Piece::Repeat { pieces, times } => {
                // Rendered once and copied: every repetition renders the same bytes, and
                // re-rendering nested repeats (or repeats of nothing, which never reach the bound)
                // would cost times × times steps.
                if *times == 0 {
                    continue;
                }
                let start = out.len();
                render_into(pieces, fixtures, out, missing, limit);
                let end = out.len();
                if end == start {
                    continue;
                }
                for _ in 1..*times {
                    if out.len() >= limit {
                        break;
                    }
                    out.extend_from_within(start..end);
                }
            }
        }
    }
    out.truncate(limit);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Alice;
    impl Fixtures for Alice {
        fn resolve(&self, fixture: Fixture) -> Option<Vec<u8>> {
            match fixture {
                Fixture::Username => Some(b"alice".to_vec()),
                Fixture::Password => Some(b"pw".to_vec()),
                _ => None,
            }
        }
    }

    #[test]
    fn renders_plain_initial_response_and_reports_missing_fixtures() {
        let pieces = vec![
            Piece::Text("<auth>".into()),
            Piece::Base64(vec![
                Piece::Bytes(vec![0]),
                Piece::Fixture(Fixture::Username),
                Piece::Bytes(vec![0]),
                Piece::Fixture(Fixture::Password),
            ]),
            Piece::Fixture(Fixture::FastToken),
            Piece::Text("</auth>".into()),
        ];
        let (bytes, missing) = render(&pieces, &Alice);
        assert_eq!(bytes, b"<auth>AGFsaWNlAHB3</auth>");
        assert_eq!(missing, vec![Fixture::FastToken]);
    }

    #[test]
    fn nested_repeats_stop_at_the_bound() {
        let inner = Piece::Repeat {
            pieces: vec![Piece::Text("<a>".into())],
            times: u16::MAX,
        };
        let outer = Piece::Repeat {
            pieces: vec![inner],
            times: u16::MAX,
        };
        let (bytes, _) = render(&[outer], &Alice);
        assert_eq!(bytes.len(), MAX_RENDERED);
    }

    #[test]
    fn repeats_of_nothing_render_nothing_at_once() {
        // Regression (c2s_session fuzzing): 65535 × 65535 empty renderings took minutes.
        let empty = Piece::Repeat {
            pieces: vec![Piece::Text(String::new())],
            times: u16::MAX,
        };
        let outer = Piece::Repeat {
            pieces: vec![
                empty.clone(),
                Piece::Repeat {
                    pieces: vec![empty],
                    times: u16::MAX,
                },
            ],
            times: u16::MAX,
        };
        let started = std::time::Instant::now();
        let (bytes, _) = render(&[outer], &Alice);
        assert!(bytes.is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let nested = Piece::Repeat {
            pieces: vec![
                Piece::Text("ab".into()),
                Piece::Repeat {
                    pieces: vec![Piece::Text("c".into())],
                    times: 3,
                },
            ],
            times: 2,
        };
        assert_eq!(
            render(std::slice::from_ref(&nested), &Alice).0,
            b"abcccabccc"
        );
        assert_eq!(render_limited(&[nested], &Alice, 4).0, b"abcc");
    }

    #[test]
    fn scripts_round_trip_through_json() {
        let script = Script {
            steps: vec![
                Step::Send {
                    pieces: vec![Piece::Text("<stream:stream>".into())],
                    chunks: 3,
                },
                Step::Authenticate {
                    profile: Profile::Sasl2,
                    mechanism: Mechanism::ScramSha256,
                    credential: Credential::Wrong,
                },
                Step::Http(HttpRequest {
                    method: HttpMethod::Post,
                    path: vec![Piece::Text("/oauth2/token".into())],
                    headers: vec![("content-type".into(), vec![Piece::Text("x".into())])],
                    body: vec![Piece::Fixture(Fixture::ClientId)],
                }),
                Step::Disconnect,
            ],
        };
        let json = serde_json::to_string(&script).unwrap();
        assert_eq!(serde_json::from_str::<Script>(&json).unwrap(), script);
        #[cfg(feature = "arbitrary")]
        assert_eq!(from_corpus_bytes(json.as_bytes()), Some(script));
    }

    #[cfg(feature = "arbitrary")]
    #[test]
    fn raw_bytes_decode_through_arbitrary() {
        let decoded = from_corpus_bytes(&[3, 0, 1, 2, 0xff, 7, 9, 42]);
        assert!(decoded.is_some());
    }
}
