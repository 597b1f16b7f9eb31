//! `Step::Authenticate`: a complete exchange with proto's client halves (PLAIN, SCRAM-SHA-*,
//! HT-SHA-256-NONE, OAUTHBEARER) in either SASL profile, opening the stream and running STARTTLS
//! first when the connection needs it.

use gatecheck_proto::ns;
use gatecheck_proto::sasl::ht::{self, HtDraft, HtMechanism};
use gatecheck_proto::sasl::scram::{ClientBinding, ScramClient};
use gatecheck_proto::sasl::{Mechanism as ProtoMechanism, ScramHash, base64, plain};
use gatecheck_proto::script::{Credential, Mechanism, Profile};
use gatecheck_proto::xml::Element;

use super::Violation;
use super::conn::Conn;
use super::world::WorldValues;

/// Challenge rounds before the client gives up (SCRAM needs one).
const MAX_ROUNDS: usize = 4;

/// What one exchange ended with.
#[derive(Debug, Default)]
pub struct AuthResult {
    /// The `<success/>`, if the server sent one.
    pub success: Option<Element>,
}

/// Opens a stream (and runs STARTTLS) unless features of an open stream are at hand. False when
/// the connection ended on the way.
pub fn ensure_stream(conn: &mut Conn, v: &WorldValues) -> Result<bool, Violation> {
    let header = Conn::header(&v.domain, &format!("{}@{}", v.username, v.domain));
    if conn.features.is_none() {
        conn.send(header.as_bytes())?;
    }
    let offers_starttls = conn
        .features
        .as_ref()
        .is_some_and(|f| f.child("starttls", ns::TLS).is_some());
    if !conn.tls && offers_starttls {
        conn.send(format!("<starttls xmlns='{}'/>", ns::TLS).as_bytes())?;
        if !conn.start_tls()? {
            return Ok(false);
        }
        conn.send(header.as_bytes())?;
    }
    Ok(!conn.closed && conn.features.is_some())
}

/// The mechanism name on the wire.
fn name(m: Mechanism) -> &'static str {
    match m {
        Mechanism::Plain => "PLAIN",
        Mechanism::ScramSha1 => "SCRAM-SHA-1",
        Mechanism::ScramSha256 => "SCRAM-SHA-256",
        Mechanism::ScramSha512 => "SCRAM-SHA-512",
        Mechanism::HtSha256None => "HT-SHA-256-NONE",
        Mechanism::Oauthbearer => "OAUTHBEARER",
    }
}

/// The client's side of one mechanism, fed challenges.
enum Client {
    OneShot,
    Scram(Box<ScramClient>),
}

/// Runs one exchange; `inline` is appended inside a SASL2 `<authenticate/>` (the world's seeding
/// asks for FAST tokens with it).
pub fn authenticate(
    conn: &mut Conn,
    v: &WorldValues,
    profile: Profile,
    mechanism: Mechanism,
    credential: Credential,
    inline: &str,
) -> Result<AuthResult, Violation> {
    if !ensure_stream(conn, v)? {
        return Ok(AuthResult::default());
    }
    let user = match credential {
        Credential::UnknownUser => v.unknown_user.as_str(),
        _ => v.username.as_str(),
    };
    let password = match credential {
        Credential::Valid => v.password.as_str(),
        _ => v.wrong_password.as_str(),
    };
    let mut user_agent = v.user_agent.as_str();
    let mut client = Client::OneShot;
    let initial = match mechanism {
        Mechanism::Plain => plain::build(None, user, password),
        Mechanism::ScramSha1 | Mechanism::ScramSha256 | Mechanism::ScramSha512 => {
            let hash = match mechanism {
                Mechanism::ScramSha1 => ScramHash::Sha1,
                Mechanism::ScramSha256 => ScramHash::Sha256,
                _ => ScramHash::Sha512,
            };
            let Ok(scram) = ScramClient::new(
                hash,
                user,
                password,
                None,
                ClientBinding::Unsupported,
                "fuzzclientnonce0123456789",
            ) else {
                return Ok(AuthResult::default());
            };
            let mut scram = scram.with_min_iterations(1);
            let Ok(first) = scram.client_first() else {
                return Ok(AuthResult::default());
            };
            client = Client::Scram(Box::new(scram));
            first
        }
        Mechanism::HtSha256None => {
            let token = match credential {
                Credential::Valid | Credential::UnknownUser => v.fast_token.as_str(),
                Credential::Spent => {
                    user_agent = v.spent_user_agent.as_str();
                    v.spent_fast_token.as_str()
                }
                Credential::Wrong => "fast-not-a-token-the-server-issued",
            };
            let Some(hm) = HtMechanism::from_mechanism(ProtoMechanism::HtSha256(None)) else {
                return Ok(AuthResult::default());
            };
            ht::initiator_message(hm, HtDraft::Schmaus09, user, token.as_bytes(), b"", b"")
                .unwrap_or_default()
        }
        Mechanism::Oauthbearer => {
            let token = match credential {
                Credential::Valid | Credential::UnknownUser => v.access_token.as_str(),
                Credential::Spent => v.revoked_access_token.as_str(),
                Credential::Wrong => "not-an-access-token",
            };
            format!("n,a={user}@{},\x01auth=Bearer {token}\x01\x01", v.domain).into_bytes()
        }
    };
    // XEP-0484 §3.3: a token authentication carries <fast/>.
    let fast = format!("<fast xmlns='{}'/>", ns::FAST);
    let inline = if mechanism == Mechanism::HtSha256None && !inline.contains("<fast ") {
        fast.as_str()
    } else {
        inline
    };
    let start = match profile {
        Profile::Sasl2 => format!(
            "<authenticate xmlns='{}' mechanism='{}'><initial-response>{}</initial-response>\
             <user-agent id='{user_agent}'/>{inline}</authenticate>",
            ns::SASL2,
            name(mechanism),
            base64::encode(&initial)
        ),
        Profile::Rfc6120 => {
            let ir = if initial.is_empty() {
                "=".to_owned()
            } else {
                base64::encode(&initial)
            };
            format!(
                "<auth xmlns='{}' mechanism='{}'>{ir}</auth>",
                ns::SASL,
                name(mechanism)
            )
        }
    };
    let sasl_ns = match profile {
        Profile::Sasl2 => ns::SASL2,
        Profile::Rfc6120 => ns::SASL,
    };
    let mut answer = conn.send(start.as_bytes())?;
    for _ in 0..MAX_ROUNDS {
        let Some(reply) = answer.into_iter().find(|e| e.ns == sasl_ns) else {
            return Ok(AuthResult::default());
        };
        if reply.name == "success" {
            if profile == Profile::Rfc6120 {
                let header = Conn::header(&v.domain, &format!("{}@{}", v.username, v.domain));
                conn.send(header.as_bytes())?;
            }
            return Ok(AuthResult {
                success: Some(reply),
            });
        }
        if reply.name != "challenge" {
            return Ok(AuthResult::default());
        }
        let data = base64::decode_strict(reply.text().trim().as_bytes()).unwrap_or_default();
        let response = match &mut client {
            Client::Scram(scram) => scram.server_first(&data).unwrap_or_default(),
            Client::OneShot => Vec::new(),
        };
        let body = if response.is_empty() && profile == Profile::Rfc6120 {
            "=".to_owned()
        } else {
            base64::encode(&response)
        };
        answer = conn.send(format!("<response xmlns='{sasl_ns}'>{body}</response>").as_bytes())?;
    }
    Ok(AuthResult::default())
}
