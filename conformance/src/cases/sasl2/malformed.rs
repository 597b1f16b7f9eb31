//! The malformed-element table for SASL2 (XEP-0388) and RFC 6120 SASL (plan §2): every element a
//! client sends during authentication, one mutation at a time, each input valid in every respect
//! but the one under test, with the answers the specification allows and the requirement a wrong
//! answer violates. The machinery (one generic body, the liveness oracle after every row) is
//! [`crate::cases::table`]; this file is data plus the driver that reaches each row's state.
//!
//! Notation in `why`: `CF` is the base64 of a valid SCRAM client-first for the configured account
//! whose length leaves base64 padding, `FIN` the base64 of the correct client-final for the
//! server-first received, `UA` the kit's `<user-agent/>`.

use crate::cases::prelude::*;
use crate::cases::table::{Allow, Answer, AnswerFuture, Otherwise, Row, Table, before};
use gatecheck_client::AuthProfile;
use gatecheck_client::legacy::classify_in;
use gatecheck_client::login::{login_in, scram_hash};
use gatecheck_proto::sasl::ScramHash;

/// The state a row starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// A fresh TLS stream, SASL2 offered.
    Fresh,
    /// SASL2 `<authenticate/>` with `CF` sent and its challenge received.
    InProgress,
    /// A fresh TLS stream, RFC 6120 SASL offered.
    LegacyFresh,
    /// RFC 6120 `<auth/>` with `CF` sent and its challenge received.
    LegacyInProgress,
    /// RFC 6120 SASL success and the stream restarted.
    LegacyAfterSuccess,
    /// A complete SASL2 login whose `<authenticate/>` carries the row's XML as an inline
    /// request; the `<success/>` is judged (a valid JID, `<bound/>` when `completes`).
    Login,
    /// As [`Setup::Login`] with a wrong password: `<failure/>` without inline results.
    LoginWrongPassword,
}

impl Setup {
    fn profile(self) -> AuthProfile {
        match self {
            Setup::Fresh | Setup::InProgress | Setup::Login | Setup::LoginWrongPassword => {
                AuthProfile::Sasl2
            }
            _ => AuthProfile::Sasl,
        }
    }
}

/// What a row sends, from where, and whether a challenge must then lead to success.
#[derive(Debug)]
pub struct Input {
    /// The state to reach first.
    pub setup: Setup,
    /// The XML sent (raw, namespaces explicit).
    pub xml: fn(&Env) -> String,
    /// A challenge answer is finished with the correct credentials and must end in success.
    pub completes: bool,
}

/// What a row's XML is built from.
#[derive(Debug)]
pub struct Env {
    /// The mechanism (the best plain SCRAM the profile offers).
    pub mech: String,
    /// `CF`: base64 client-first, padded.
    pub cf: String,
    /// `FIN`: base64 of the correct client-final (in-progress setups only, else empty).
    pub fin: String,
    /// The username.
    pub user: String,
}

const S2: &str = "urn:xmpp:sasl:2";
const SA: &str = "urn:ietf:params:xml:ns:xmpp-sasl";

fn ua() -> String {
    build::user_agent().to_xml()
}

fn authn(mech_attr: &str, body: &str) -> String {
    format!("<authenticate xmlns='{S2}'{mech_attr}>{body}</authenticate>")
}

fn good_authn(e: &Env, extra: &str) -> String {
    authn(
        &format!(" mechanism='{}'", e.mech),
        &format!("<initial-response>{}</initial-response>{extra}", e.cf),
    )
}

fn authn_ua(e: &Env, ua_xml: &str) -> String {
    authn(
        &format!(" mechanism='{}'", e.mech),
        &format!("<initial-response>{}</initial-response>{ua_xml}", e.cf),
    )
}

fn oversized_ir(e: &Env) -> String {
    let mut d = format!("n,,n={},r=", e.user).into_bytes();
    d.extend(std::iter::repeat_n(b'A', 48 * 1024));
    encode_b64(&d)
}

fn wrap16(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars
        .chunks(16)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// `s` with its base64 padding removed, or with a stray `=` when it has none.
fn mispadded(s: &str) -> String {
    if s.ends_with('=') {
        s.trim_end_matches('=').to_owned()
    } else {
        format!("{s}=")
    }
}

fn auth(mech_attr: &str, body: &str) -> String {
    format!("<auth xmlns='{SA}'{mech_attr}>{body}</auth>")
}

const F_ANY: Allow = Allow::Failure(&[]);
const SE: Allow = Allow::StreamError;
const CH: Allow = Allow::Challenge;

/// What the SASL2 rows need from the target.
static SASL2_ROWS: &[Row<Input>] = &[
    Row {
        id: "a1-mechanism-absent",
        element: "<authenticate/>",
        mutation: "no mechanism attribute",
        allowed: &[
            Allow::Failure(&["invalid-mechanism", "malformed-request"]),
            SE,
        ],
        otherwise: Otherwise::Fail("SASL2-9"),
        cites: &["SASL2-9"],
        why: "an absent name is not an advertised one; RFC 6120 §6.5.7 'did not specify a mechanism'",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    "",
                    &format!("<initial-response>{}</initial-response>{}", e.cf, ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a2-mechanism-empty",
        element: "<authenticate/>",
        mutation: "mechanism=''",
        allowed: &[
            Allow::Failure(&["invalid-mechanism", "malformed-request"]),
            SE,
        ],
        otherwise: Otherwise::Fail("SASL2-9"),
        cites: &["SASL2-9"],
        why: "an empty name is not an advertised one (RFC 6120 §6.5.7)",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    " mechanism=''",
                    &format!("<initial-response>{}</initial-response>{}", e.cf, ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a3-mechanism-lower-case",
        element: "<authenticate/>",
        mutation: "the advertised SCRAM name in lower case, valid initial response",
        allowed: &[Allow::Failure(&["invalid-mechanism"]), SE],
        otherwise: Otherwise::Fail("SASL2-9"),
        cites: &["SASL2-9"],
        why: "RFC 4422 §3.1 names are upper case; the lower-case string was not advertised",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    &format!(" mechanism='{}'", e.mech.to_ascii_lowercase()),
                    &format!("<initial-response>{}</initial-response>{}", e.cf, ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a4-mechanism-too-long",
        element: "<authenticate/>",
        mutation: "mechanism of 21 characters (X-OAUTH2-BEARER-TOKEN)",
        allowed: &[
            Allow::Failure(&["invalid-mechanism", "malformed-request"]),
            SE,
        ],
        otherwise: Otherwise::Fail("SASL2-9"),
        cites: &["SASL2-9"],
        why: "RFC 4422 §3.1: 1-20 characters; not advertised",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    " mechanism='X-OAUTH2-BEARER-TOKEN'",
                    &format!("<initial-response>{}</initial-response>{}", e.cf, ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a5-mechanism-trailing-space",
        element: "<authenticate/>",
        mutation: "the advertised name with a trailing space",
        allowed: &[Allow::Failure(&["invalid-mechanism"]), SE],
        otherwise: Otherwise::Warn("SASL2-9"),
        cites: &["SASL2-9"],
        why: "not the advertised string, but trimming attribute values is common: warn only",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    &format!(" mechanism='{} '", e.mech),
                    &format!("<initial-response>{}</initial-response>{}", e.cf, ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a5-mechanism-dots",
        element: "<authenticate/>",
        mutation: "the advertised name with '.' for '-'",
        allowed: &[Allow::Failure(&["invalid-mechanism"]), SE],
        otherwise: Otherwise::Fail("SASL2-9"),
        cites: &["SASL2-9"],
        why: "'.' is not in the RFC 4422 §3.1 alphabet; the name was not advertised",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    &format!(" mechanism='{}'", e.mech.replace('-', ".")),
                    &format!("<initial-response>{}</initial-response>{}", e.cf, ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a6-initial-response-repeated",
        element: "<authenticate/>",
        mutation: "<initial-response/> twice",
        allowed: &[Allow::Failure(&["malformed-request"]), SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "the XEP-0388 schema allows 0..1 <initial-response/>; the prose is silent, so going on \
              is only a warning",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                let ir = format!("<initial-response>{}</initial-response>", e.cf);
                authn(
                    &format!(" mechanism='{}'", e.mech),
                    &format!("{ir}{ir}{}", ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a7-user-agent-repeated",
        element: "<authenticate/>",
        mutation: "<user-agent/> twice",
        allowed: &[CH, F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "schema 0..1, prose silent: any answer, but an answer",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| good_authn(e, &format!("{}{}", ua(), ua())),
            completes: false,
        },
    },
    Row {
        id: "a8-unknown-child-own-namespace",
        element: "<authenticate/>",
        mutation: "an unknown child in urn:xmpp:sasl:2",
        allowed: &[CH, F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "XEP-0388 defines no such child: any answer, but an answer",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| good_authn(e, &format!("{}<gc-unknown xmlns='{S2}'/>", ua())),
            completes: false,
        },
    },
    Row {
        id: "a9-unknown-inline-request",
        element: "<authenticate/>",
        mutation: "an unknown child in a foreign namespace (an unknown inline request)",
        allowed: &[CH],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "XEP-0388 §2.3: foreign children are inline requests; unknown ones are ignored in \
              practice, refusing them is only a warning",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                good_authn(
                    e,
                    &format!("{}<gc-unknown xmlns='urn:gatecheck:test'/>", ua()),
                )
            },
            completes: true,
        },
    },
    Row {
        id: "a10-old-namespace",
        element: "<authenticate/>",
        mutation: "in urn:xmpp:sasl:1 (not advertised)",
        allowed: &[SE, F_ANY],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "an unknown first-level element (RFC 6120 §4.9.3.24 unsupported-stanza-type); \
              processing it as SASL2 is namespace confusion, but only a warning",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                format!(
                    "<authenticate xmlns='urn:xmpp:sasl:1' mechanism='{}'><initial-response>{}\
                     </initial-response></authenticate>",
                    e.mech, e.cf
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a11-initial-response-empty",
        element: "<authenticate/>",
        mutation: "empty <initial-response/> (zero-length client-first)",
        allowed: &[Allow::Failure(&["malformed-request"]), SE],
        otherwise: Otherwise::Fail("SASL2-15"),
        cites: &["SASL2-15"],
        why: "XEP-0388 §2.2: an empty element is a zero-length response, and an empty SCRAM \
              client-first is malformed",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    &format!(" mechanism='{}'", e.mech),
                    &format!("<initial-response/>{}", ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a12-initial-response-oversized",
        element: "<authenticate/>",
        mutation: "a 64 KiB initial response",
        allowed: &[F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "no size limit in the spec; the requirement is an answer and staying alive",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    &format!(" mechanism='{}'", e.mech),
                    &format!(
                        "<initial-response>{}</initial-response>{}",
                        oversized_ir(e),
                        ua()
                    ),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a13-initial-response-mispadded",
        element: "<authenticate/>",
        mutation: "CF with its base64 padding removed",
        allowed: &[Allow::Failure(&["incorrect-encoding"]), SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "RFC 4648 §3.2 requires padding and RFC 6120 §6.5.5 names incorrect-encoding, but no \
              MUST reject: lenient decoding is only a warning",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    &format!(" mechanism='{}'", e.mech),
                    &format!(
                        "<initial-response>{}</initial-response>{}",
                        mispadded(&e.cf),
                        ua()
                    ),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "a14-initial-response-line-wrapped",
        element: "<authenticate/>",
        mutation: "CF wrapped with a line break every 16 characters",
        allowed: &[CH],
        otherwise: Otherwise::Warn("SASL2-14"),
        cites: &["SASL2-14"],
        why: "XEP-0388's own examples wrap base64; receivers should strip whitespace",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    &format!(" mechanism='{}'", e.mech),
                    &format!(
                        "<initial-response>{}</initial-response>{}",
                        wrap16(&e.cf),
                        ua()
                    ),
                )
            },
            completes: true,
        },
    },
    Row {
        id: "a15-initial-response-not-base64",
        element: "<authenticate/>",
        mutation: "initial response '!!not*base64'",
        allowed: &[Allow::Failure(&["incorrect-encoding"]), SE],
        otherwise: Otherwise::Fail("SASL2-24"),
        cites: &["SASL2-24"],
        why: "RFC 6120 §6.5.5: data that cannot be decoded is a failure",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn(
                    &format!(" mechanism='{}'", e.mech),
                    &format!("<initial-response>!!not*base64</initial-response>{}", ua()),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "b1-response-empty",
        element: "<response/>",
        mutation: "empty (no client-final, so no proof)",
        allowed: &[Allow::Failure(&["malformed-request"]), SE],
        otherwise: Otherwise::Fail("SASL2-112"),
        cites: &["SASL2-112"],
        why: "an empty client-final has no proof",
        input: Input {
            setup: Setup::InProgress,
            xml: |_| format!("<response xmlns='{S2}'/>"),
            completes: false,
        },
    },
    Row {
        id: "b2-response-oversized",
        element: "<response/>",
        mutation: "a 64 KiB client-final",
        allowed: &[F_ANY, SE],
        otherwise: Otherwise::Fail("SASL2-112"),
        cites: &["SASL2-125", "SASL2-112"],
        why: "answer and stay alive; it carries no valid proof",
        input: Input {
            setup: Setup::InProgress,
            xml: |e| {
                let mut d = b"c=biws,r=x,p=".to_vec();
                d.extend(std::iter::repeat_n(b'A', 48 * 1024));
                let _ = e;
                format!("<response xmlns='{S2}'>{}</response>", encode_b64(&d))
            },
            completes: false,
        },
    },
    Row {
        id: "b3-response-mispadded",
        element: "<response/>",
        mutation: "FIN with its padding removed (or a stray '=')",
        allowed: &[Allow::Failure(&["incorrect-encoding"]), SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "lenient decoding with a valid proof inside is vague (RFC 6120 §6.5.5): warn only",
        input: Input {
            setup: Setup::InProgress,
            xml: |e| format!("<response xmlns='{S2}'>{}</response>", mispadded(&e.fin)),
            completes: false,
        },
    },
    Row {
        id: "b4-response-line-wrapped",
        element: "<response/>",
        mutation: "FIN wrapped every 16 characters",
        allowed: &[Allow::Success],
        otherwise: Otherwise::Warn("SASL2-14"),
        cites: &["SASL2-14"],
        why: "XEP-0388's examples wrap base64; receivers should strip whitespace",
        input: Input {
            setup: Setup::InProgress,
            xml: |e| format!("<response xmlns='{S2}'>{}</response>", wrap16(&e.fin)),
            completes: false,
        },
    },
    Row {
        id: "b5-response-unknown-child",
        element: "<response/>",
        mutation: "FIN plus an unknown child",
        allowed: &[Allow::Success, F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "XEP-0388 §2.5 'these are not extensible' is no MUST reject: any answer",
        input: Input {
            setup: Setup::InProgress,
            xml: |e| {
                format!(
                    "<response xmlns='{S2}'>{}<gc xmlns='urn:gatecheck:test'/></response>",
                    e.fin
                )
            },
            completes: false,
        },
    },
    Row {
        id: "b6-response-legacy-namespace",
        element: "<response/>",
        mutation: "in the RFC 6120 SASL namespace during a SASL2 exchange",
        allowed: &[SE],
        otherwise: Otherwise::Fail("SASL2-16"),
        cites: &["SASL2-16"],
        why: "XEP-0388 §2.4: servers MUST disconnect clients that send any other traffic",
        input: Input {
            setup: Setup::InProgress,
            xml: |e| format!("<response xmlns='{SA}'>{}</response>", e.fin),
            completes: false,
        },
    },
    Row {
        id: "b7-response-not-in-progress",
        element: "<response/>",
        mutation: "sent on a fresh stream (no exchange running)",
        allowed: &[SE, F_ANY],
        otherwise: Otherwise::Fail("SASL2-125"),
        cites: &["SASL2-125"],
        why: "a known element in the wrong state: an error answer, never success",
        input: Input {
            setup: Setup::Fresh,
            xml: |_| format!("<response xmlns='{S2}'>biws</response>"),
            completes: false,
        },
    },
    Row {
        id: "b8-response-not-base64",
        element: "<response/>",
        mutation: "'!!not*base64'",
        allowed: &[Allow::Failure(&["incorrect-encoding"]), SE],
        otherwise: Otherwise::Fail("SASL2-24"),
        cites: &["SASL2-24"],
        why: "RFC 6120 §6.5.5",
        input: Input {
            setup: Setup::InProgress,
            xml: |_| format!("<response xmlns='{S2}'>!!not*base64</response>"),
            completes: false,
        },
    },
    Row {
        id: "c1-abort-not-in-progress",
        element: "<abort/>",
        mutation: "sent on a fresh stream",
        allowed: &[
            Allow::Failure(&["aborted", "malformed-request"]),
            SE,
            Allow::Silent,
        ],
        otherwise: Otherwise::Warn("SASL2-31"),
        cites: &["SASL2-31"],
        why: "RFC 6120 §6.5.8 lists malformed-request in reply to an abort; XEP-0388 is silent, \
              so silence is allowed here",
        input: Input {
            setup: Setup::Fresh,
            xml: |_| format!("<abort xmlns='{S2}'/>"),
            completes: false,
        },
    },
    Row {
        id: "c2-abort-with-text",
        element: "<abort/>",
        mutation: "with <text/>",
        allowed: &[Allow::Failure(&["aborted"])],
        otherwise: Otherwise::Fail("SASL2-31"),
        cites: &["SASL2-31"],
        why: "XEP-0388 §4.5 allows <text/> in <abort/>",
        input: Input {
            setup: Setup::InProgress,
            xml: |_| format!("<abort xmlns='{S2}'><text>gc</text></abort>"),
            completes: false,
        },
    },
    Row {
        id: "c3-abort-foreign-child",
        element: "<abort/>",
        mutation: "with a foreign-namespace child",
        allowed: &[Allow::Failure(&["aborted"])],
        otherwise: Otherwise::Fail("SASL2-31"),
        cites: &["SASL2-31"],
        why: "XEP-0388 §1.2: elements may carry foreign-namespace children",
        input: Input {
            setup: Setup::InProgress,
            xml: |_| format!("<abort xmlns='{S2}'><gc xmlns='urn:gatecheck:test'/></abort>"),
            completes: false,
        },
    },
    Row {
        id: "c4-abort-legacy-namespace",
        element: "<abort/>",
        mutation: "in the RFC 6120 SASL namespace during a SASL2 exchange",
        allowed: &[SE],
        otherwise: Otherwise::Fail("SASL2-16"),
        cites: &["SASL2-16"],
        why: "XEP-0388 §2.4: any other traffic during authentication disconnects",
        input: Input {
            setup: Setup::InProgress,
            xml: |_| format!("<abort xmlns='{SA}'/>"),
            completes: false,
        },
    },
    Row {
        id: "c5-abort-unknown-child",
        element: "<abort/>",
        mutation: "with an unknown urn:xmpp:sasl:2 child",
        allowed: &[F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-31"),
        cites: &["SASL2-31"],
        why: "vague: any answer, but an answer",
        input: Input {
            setup: Setup::InProgress,
            xml: |_| format!("<abort xmlns='{S2}'><gc xmlns='{S2}'/></abort>"),
            completes: false,
        },
    },
    Row {
        id: "d1-user-agent-id-absent",
        element: "<user-agent/>",
        mutation: "no id attribute",
        allowed: &[CH],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "the id is RECOMMENDED, not required (XEP-0388 §2.3)",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn_ua(
                    e,
                    &format!(
                        "<user-agent xmlns='{S2}'><software>{}</software></user-agent>",
                        build::software()
                    ),
                )
            },
            completes: true,
        },
    },
    Row {
        id: "d2-user-agent-id-empty",
        element: "<user-agent/>",
        mutation: "id=''",
        allowed: &[CH, Allow::Failure(&["malformed-request"]), SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "the UUID v4 rule binds clients (SASL2-13); the server's reaction is not specified",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| authn_ua(e, &format!("<user-agent xmlns='{S2}' id=''/>")),
            completes: false,
        },
    },
    Row {
        id: "d3-user-agent-id-not-v4",
        element: "<user-agent/>",
        mutation: "a version-1 UUID",
        allowed: &[CH, Allow::Failure(&["malformed-request"]), SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "the UUID v4 rule binds clients (SASL2-13); the server's reaction is not specified",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn_ua(
                    e,
                    &format!(
                        "<user-agent xmlns='{S2}' id='5f3c1e9a-7b2d-1c8e-9a61-3d2f4b8c0e17'/>"
                    ),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "d4-user-agent-id-upper-case",
        element: "<user-agent/>",
        mutation: "the UUID in upper case",
        allowed: &[CH],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "the XEP-0388 schema pattern is case-insensitive",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn_ua(
                    e,
                    &build::user_agent_with(&USER_AGENT_ID.to_ascii_uppercase()).to_xml(),
                )
            },
            completes: true,
        },
    },
    Row {
        id: "d5-software-repeated",
        element: "<user-agent/>",
        mutation: "<software/> twice",
        allowed: &[CH, F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "schema 0..1, prose silent: any answer, but an answer",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                let sw = format!("<software>{}</software>", build::software());
                authn_ua(
                    e,
                    &format!("<user-agent xmlns='{S2}' id='{USER_AGENT_ID}'>{sw}{sw}</user-agent>"),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "d6-user-agent-unknown-child",
        element: "<user-agent/>",
        mutation: "a foreign-namespace child",
        allowed: &[CH],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "extension children are ignored in practice; refusing them is only a warning",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn_ua(
                    e,
                    &format!(
                        "<user-agent xmlns='{S2}' id='{USER_AGENT_ID}'><gc xmlns='urn:gatecheck:test'/></user-agent>"
                    ),
                )
            },
            completes: true,
        },
    },
    Row {
        id: "d8-user-agent-absent",
        element: "<user-agent/>",
        mutation: "left out",
        allowed: &[CH],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "prose SHOULD, schema 1: vague, so refusing is only a warning",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| authn_ua(e, ""),
            completes: true,
        },
    },
    Row {
        id: "d9-software-4k",
        element: "<user-agent/>",
        mutation: "<software/> of 4096 characters",
        allowed: &[CH, F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "no size limit in the spec: an answer and staying alive",
        input: Input {
            setup: Setup::Fresh,
            xml: |e| {
                authn_ua(
                    e,
                    &format!(
                        "<user-agent xmlns='{S2}' id='{USER_AGENT_ID}'><software>{}</software></user-agent>",
                        "x".repeat(4096)
                    ),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "e1-bind-no-tag",
        element: "inline <bind/>",
        mutation: "no <tag/>",
        allowed: &[Allow::Success],
        otherwise: Otherwise::Fail("SASL2-21"),
        cites: &["SASL2-21", "SASL2-19"],
        why: "XEP-0386 §3: the tag is optional; the resource is bound and reported",
        input: Input {
            setup: Setup::Login,
            xml: |_| "<bind xmlns='urn:xmpp:bind:0'/>".to_owned(),
            completes: true,
        },
    },
    Row {
        id: "e2-bind-empty-tag",
        element: "inline <bind/>",
        mutation: "an empty <tag/>",
        allowed: &[Allow::Success],
        otherwise: Otherwise::Fail("SASL2-21"),
        cites: &["SASL2-21", "SASL2-19"],
        why: "an empty tag is no tag; the resource is bound and reported",
        input: Input {
            setup: Setup::Login,
            xml: |_| "<bind xmlns='urn:xmpp:bind:0'><tag/></bind>".to_owned(),
            completes: true,
        },
    },
    Row {
        id: "e4-bind-tag-2k",
        element: "inline <bind/>",
        mutation: "a <tag/> of 2048 characters",
        allowed: &[Allow::Success, F_ANY],
        otherwise: Otherwise::Fail("SASL2-19"),
        cites: &["SASL2-19"],
        why: "the authorization identifier is a JID, so the resource stays within RFC 7622 §3.4 \
              (1023 bytes) whatever the tag",
        input: Input {
            setup: Setup::Login,
            xml: |_| {
                format!(
                    "<bind xmlns='urn:xmpp:bind:0'><tag>{}</tag></bind>",
                    "a".repeat(2048)
                )
            },
            completes: false,
        },
    },
    Row {
        id: "e5-bind-tag-control-char",
        element: "inline <bind/>",
        mutation: "a <tag/> containing a TAB",
        allowed: &[Allow::Success, F_ANY],
        otherwise: Otherwise::Fail("SASL2-19"),
        cites: &["SASL2-19"],
        why: "the authorization identifier is a JID; OpaqueString forbids control characters",
        input: Input {
            setup: Setup::Login,
            xml: |_| "<bind xmlns='urn:xmpp:bind:0'><tag>gc&#9;x</tag></bind>".to_owned(),
            completes: false,
        },
    },
    Row {
        id: "e6-bind-unknown-child",
        element: "inline <bind/>",
        mutation: "a foreign-namespace child",
        allowed: &[Allow::Success],
        otherwise: Otherwise::Warn("SASL2-38"),
        cites: &["SASL2-38"],
        why: "unknown extension children are ignored in practice; refusing them only warns",
        input: Input {
            setup: Setup::Login,
            xml: |_| {
                "<bind xmlns='urn:xmpp:bind:0'><tag>gctag</tag><gc xmlns='urn:gatecheck:test'/></bind>".to_owned()
            },
            completes: true,
        },
    },
    Row {
        id: "e10-bind-on-failed-auth",
        element: "inline <bind/>",
        mutation: "with a wrong password",
        allowed: &[F_ANY],
        otherwise: Otherwise::Fail("SASL2-26"),
        cites: &["SASL2-26"],
        why: "XEP-0388 §2.6.2: inline requests of a failed authentication MUST NOT be processed",
        input: Input {
            setup: Setup::LoginWrongPassword,
            xml: |_| "<bind xmlns='urn:xmpp:bind:0'><tag>gctag</tag></bind>".to_owned(),
            completes: false,
        },
    },
];

/// The RFC 6120 SASL rows.
static SASL_ROWS: &[Row<Input>] = &[
    Row {
        id: "l1-mechanism-absent",
        element: "<auth/>",
        mutation: "no mechanism attribute",
        allowed: &[Allow::Failure(&["invalid-mechanism"]), SE],
        otherwise: Otherwise::Fail("SASL2-203"),
        cites: &["SASL2-203"],
        why: "RFC 6120 §6.5.7: invalid-mechanism when the client did not specify a mechanism",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| auth("", &e.cf),
            completes: false,
        },
    },
    Row {
        id: "l2-mechanism-empty",
        element: "<auth/>",
        mutation: "mechanism=''",
        allowed: &[Allow::Failure(&["invalid-mechanism"]), SE],
        otherwise: Otherwise::Fail("SASL2-203"),
        cites: &["SASL2-203"],
        why: "RFC 6120 §6.5.7",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| auth(" mechanism=''", &e.cf),
            completes: false,
        },
    },
    Row {
        id: "l3-mechanism-unknown",
        element: "<auth/>",
        mutation: "mechanism='X-GATECHECK-BOGUS'",
        allowed: &[Allow::Failure(&["invalid-mechanism"]), SE],
        otherwise: Otherwise::Fail("SASL2-203"),
        cites: &["SASL2-203"],
        why: "RFC 6120 §6.5.7: a mechanism the server does not support",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| auth(" mechanism='X-GATECHECK-BOGUS'", &e.cf),
            completes: false,
        },
    },
    Row {
        id: "l5-mechanism-lower-case",
        element: "<auth/>",
        mutation: "the advertised SCRAM name in lower case",
        allowed: &[Allow::Failure(&["invalid-mechanism"]), SE],
        otherwise: Otherwise::Warn("SASL2-203"),
        cites: &["SASL2-203"],
        why: "RFC 4422 §3.1 names are upper case, but RFC 6120 has no 'MUST fail unadvertised': warn",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| {
                auth(
                    &format!(" mechanism='{}'", e.mech.to_ascii_lowercase()),
                    &e.cf,
                )
            },
            completes: false,
        },
    },
    Row {
        id: "l6-initial-response-equals",
        element: "<auth/>",
        mutation: "initial response '=' (present, zero-length)",
        allowed: &[Allow::Failure(&["malformed-request"]), SE],
        otherwise: Otherwise::Fail("SASL2-204"),
        cites: &["SASL2-204"],
        why: "RFC 6120 §6.4.2: '=' is a zero-length initial response, not an absent one; an empty \
              SCRAM client-first is malformed, so an empty challenge is wrong",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| auth(&format!(" mechanism='{}'", e.mech), "="),
            completes: false,
        },
    },
    Row {
        id: "l7-initial-response-absent",
        element: "<auth/>",
        mutation: "no initial response (empty element)",
        allowed: &[CH],
        otherwise: Otherwise::Warn("SASL2-204"),
        cites: &["SASL2-204"],
        why: "RFC 4422 §3.3: without an initial response the server sends an empty challenge and \
              the exchange goes on",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| auth(&format!(" mechanism='{}'", e.mech), ""),
            completes: true,
        },
    },
    Row {
        id: "l8-initial-response-oversized",
        element: "<auth/>",
        mutation: "a 64 KiB initial response",
        allowed: &[F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "no size limit in the spec: an answer and staying alive",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| auth(&format!(" mechanism='{}'", e.mech), &oversized_ir(e)),
            completes: false,
        },
    },
    Row {
        id: "l9-initial-response-mispadded",
        element: "<auth/>",
        mutation: "CF with its padding removed",
        allowed: &[Allow::Failure(&["incorrect-encoding"]), SE],
        otherwise: Otherwise::Warn("SASL2-203"),
        cites: &["SASL2-203"],
        why: "RFC 6120 §6.5.5 names incorrect-encoding but does not require rejecting: warn",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| auth(&format!(" mechanism='{}'", e.mech), &mispadded(&e.cf)),
            completes: false,
        },
    },
    Row {
        id: "l10-initial-response-not-base64",
        element: "<auth/>",
        mutation: "'!!not*base64'",
        allowed: &[Allow::Failure(&["incorrect-encoding"]), SE],
        otherwise: Otherwise::Fail("SASL2-203"),
        cites: &["SASL2-203"],
        why: "RFC 6120 §6.4.5: the cause of a failure MUST be communicated",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| auth(&format!(" mechanism='{}'", e.mech), "!!not*base64"),
            completes: false,
        },
    },
    Row {
        id: "l11-auth-sasl2-namespace",
        element: "<auth/>",
        mutation: "in urn:xmpp:sasl:2",
        allowed: &[SE, F_ANY],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "an unknown first-level element (RFC 6120 §4.9.3.24); going on is only a warning",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| format!("<auth xmlns='{S2}' mechanism='{}'>{}</auth>", e.mech, e.cf),
            completes: false,
        },
    },
    Row {
        id: "l12-auth-unknown-child",
        element: "<auth/>",
        mutation: "CF plus a foreign-namespace child",
        allowed: &[CH, F_ANY, SE],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "vague: any answer, but an answer",
        input: Input {
            setup: Setup::LegacyFresh,
            xml: |e| {
                auth(
                    &format!(" mechanism='{}'", e.mech),
                    &format!("{}<gc xmlns='urn:gatecheck:test'/>", e.cf),
                )
            },
            completes: false,
        },
    },
    Row {
        id: "l13-auth-restarts-handshake",
        element: "<auth/>",
        mutation: "a second complete <auth/> while a handshake is running",
        allowed: &[CH],
        otherwise: Otherwise::Fail("SASL2-201"),
        cites: &["SASL2-201"],
        why: "RFC 6120 §6.4.2: the server MUST discard the ongoing handshake and MUST process the \
              new one",
        input: Input {
            setup: Setup::LegacyInProgress,
            xml: |e| auth(&format!(" mechanism='{}'", e.mech), &e.cf),
            completes: true,
        },
    },
    Row {
        id: "l14-response-empty",
        element: "<response/>",
        mutation: "empty (no client-final)",
        allowed: &[Allow::Failure(&["malformed-request"]), SE],
        otherwise: Otherwise::Fail("SASL2-112"),
        cites: &["SASL2-112"],
        why: "an empty client-final carries no proof",
        input: Input {
            setup: Setup::LegacyInProgress,
            xml: |_| format!("<response xmlns='{SA}'/>"),
            completes: false,
        },
    },
    Row {
        id: "l15-response-equals",
        element: "<response/>",
        mutation: "'='",
        allowed: &[Allow::Failure(&["malformed-request"]), SE],
        otherwise: Otherwise::Fail("SASL2-112"),
        cites: &["SASL2-112"],
        why: "zero-length data carries no proof",
        input: Input {
            setup: Setup::LegacyInProgress,
            xml: |_| format!("<response xmlns='{SA}'>=</response>"),
            completes: false,
        },
    },
    Row {
        id: "l16-response-mispadded",
        element: "<response/>",
        mutation: "FIN with its padding removed (or a stray '=')",
        allowed: &[Allow::Failure(&["incorrect-encoding"]), SE],
        otherwise: Otherwise::Warn("SASL2-203"),
        cites: &["SASL2-203"],
        why: "RFC 6120 §6.5.5 names incorrect-encoding but does not require rejecting: warn",
        input: Input {
            setup: Setup::LegacyInProgress,
            xml: |e| format!("<response xmlns='{SA}'>{}</response>", mispadded(&e.fin)),
            completes: false,
        },
    },
    Row {
        id: "l17-response-sasl2-namespace",
        element: "<response/>",
        mutation: "in urn:xmpp:sasl:2 during an RFC 6120 exchange",
        allowed: &[SE, F_ANY],
        otherwise: Otherwise::Warn("SASL2-125"),
        cites: &["SASL2-125"],
        why: "RFC 6120 has no 'disconnect' rule for SASL: any answer, but an answer",
        input: Input {
            setup: Setup::LegacyInProgress,
            xml: |e| format!("<response xmlns='{S2}'>{}</response>", e.fin),
            completes: false,
        },
    },
    Row {
        id: "l18-abort",
        element: "<abort/>",
        mutation: "during an RFC 6120 exchange",
        allowed: &[Allow::Failure(&["aborted"])],
        otherwise: Otherwise::Fail("SASL2-202"),
        cites: &["SASL2-202"],
        why: "RFC 6120 §6.4.4: the receiving entity MUST return <failure/> with <aborted/>",
        input: Input {
            setup: Setup::LegacyInProgress,
            xml: |_| format!("<abort xmlns='{SA}'/>"),
            completes: false,
        },
    },
    Row {
        id: "l19-auth-after-success",
        element: "<auth/>",
        mutation: "after RFC 6120 success and the stream restart",
        allowed: &[SE],
        otherwise: Otherwise::Fail("SASL2-205"),
        cites: &["SASL2-205"],
        why: "RFC 6120 §6.4.6: SASL is not negotiated again on the restarted stream",
        input: Input {
            setup: Setup::LegacyAfterSuccess,
            xml: |e| auth(&format!(" mechanism='{}'", e.mech), &e.cf),
            completes: false,
        },
    },
];

/// The SASL2 table (`sasl2.malformed.*`).
pub static SASL2_TABLE: Table<Input> = Table {
    module: Module::Sasl2,
    prefix: "sasl2.malformed",
    silence_req: "SASL2-125",
    liveness_req: "SASL2-126",
    rows: SASL2_ROWS,
    drive,
};

/// The RFC 6120 SASL table (`sasl.malformed.*`).
pub static SASL_TABLE: Table<Input> = Table {
    module: Module::Sasl,
    prefix: "sasl.malformed",
    silence_req: "SASL2-125",
    liveness_req: "SASL2-126",
    rows: SASL_ROWS,
    drive,
};

/// The exact strictness of a required condition: L18's `aborted` is a MUST (RFC 6120 §6.4.4),
/// so another condition fails there; elsewhere conditions are suggestions.
fn strict_condition(row: &Row<Input>) -> Option<&'static str> {
    (row.id == "l18-abort").then_some("aborted")
}

fn drive(ctx: CaseCtx, row: &'static Row<Input>) -> AnswerFuture {
    Box::pin(async move { drive_row(&ctx, row).await })
}

/// A script whose client-first has base64 padding (`len % 3 != 0`), so padding rows mean
/// something.
fn padded_script(hash: ScramHash, user: &str) -> ScramScript {
    let mut s = ScramScript::new(hash, user);
    while s.client_first().len().is_multiple_of(3) {
        s.client_nonce.push('x');
        s.first_bare.push('x');
    }
    s
}

async fn drive_row(ctx: &CaseCtx, row: &'static Row<Input>) -> Flow<Answer> {
    let input = &row.input;
    let p = input.setup.profile();
    let (user, password) = creds(ctx)?;
    let (mut c, f, mech) = profile_session(ctx, p, "c1").await?;
    let hash = scram_hash(mech).map_or(ScramHash::Sha256, |(h, _)| h);
    let script = padded_script(hash, &user);
    let mut env = Env {
        mech: mech.to_owned(),
        cf: encode_b64(&script.client_first()),
        fin: String::new(),
        user: user.clone(),
    };
    if matches!(input.setup, Setup::Login | Setup::LoginWrongPassword) {
        if f.sasl2.as_ref().and_then(|s| s.bind2()).is_none() {
            return Err(unsupported("Bind 2 is not offered inline"));
        }
        return inline_login(ctx, row, &mut c, mech, &script, &password).await;
    }
    match input.setup {
        Setup::Fresh | Setup::LegacyFresh | Setup::Login | Setup::LoginWrongPassword => {}
        Setup::InProgress | Setup::LegacyInProgress => {
            ctx.step("start the exchange");
            let r = c
                .start_auth(p, mech, Some(&script.client_first()), &[])
                .await;
            let Ok(Sasl2Reply::Challenge { data: Some(sf), .. }) = r else {
                return Err(setup("start the exchange", format!("{r:?}")));
            };
            let sf = before(
                ServerFirst::parse(&sf, &script.client_nonce),
                "server-first",
            )?;
            let (fin, _) = before(
                script.client_final(&sf, &password, &FinalTweaks::default()),
                "client-final",
            )?;
            env.fin = encode_b64(&fin);
        }
        Setup::LegacyAfterSuccess => {
            ctx.step("log in and restart the stream");
            before(
                login_in(&mut c, p, &f, &user, &password, &[]).await,
                "login",
            )?;
            before(c.after_success(p).await, "stream restart")?;
        }
    }
    let xml = (input.xml)(&env);
    ctx.step("send the row's input");
    before(c.send_raw(xml.as_bytes()).await, "send")?;
    let (answer, challenge) = read_answer(&mut c, row).await?;
    if !input.completes {
        return Ok(answer);
    }
    let Some(data) = challenge else {
        return Ok(answer);
    };
    ctx.step("complete the exchange with the correct password");
    let completed = complete(&mut c, p, &script, &password, data).await;
    Ok(Answer::Challenge {
        completed: Some(completed),
    })
}

/// A Bind 2 row: a full login carrying the row's inline element. Success is `Answer::Success`
/// only when the authorization identifier is a valid JID (RFC 7622) and, for rows whose
/// `completes` is set, a `<bound/>` came with a full JID; else `Answer::Other` says what is wrong.
/// A wrong-password row must fail without inline results.
async fn inline_login(
    ctx: &CaseCtx,
    row: &'static Row<Input>,
    c: &mut Conn,
    mech: &str,
    script: &ScramScript,
    password: &str,
) -> Flow<Answer> {
    let env = Env {
        mech: mech.to_owned(),
        cf: String::new(),
        fin: String::new(),
        user: String::new(),
    };
    let inline = (row.input.xml)(&env);
    let auth = format!(
        "<authenticate xmlns='{S2}' mechanism='{mech}'><initial-response>{}</initial-response>{}{inline}</authenticate>",
        encode_b64(&script.client_first()),
        ua()
    );
    ctx.step("authenticate with the row's inline element");
    before(c.send_raw(auth.as_bytes()).await, "send")?;
    let (answer, data) = read_answer(c, row).await?;
    let Some(data) = data else {
        return Ok(answer);
    };
    let wrong = format!("{password}-gatecheck-wrong");
    let pw = if row.input.setup == Setup::LoginWrongPassword {
        wrong.as_str()
    } else {
        password
    };
    let sf = before(
        ServerFirst::parse(&data, &script.client_nonce),
        "server-first",
    )?;
    let (fin, _) = before(
        script.client_final(&sf, pw, &FinalTweaks::default()),
        "client-final",
    )?;
    let reply = match c.respond_in(AuthProfile::Sasl2, &fin).await {
        Ok(r) => r,
        Err(e) => {
            return Answer::from_error(&e).ok_or_else(|| setup("reading the answer", e));
        }
    };
    Ok(match reply {
        Sasl2Reply::Failure {
            conditions,
            element,
        } => {
            if element.child("bound", ns::BIND2).is_some() {
                Answer::Other(format!("<bound/> in a failure: {}", element.to_xml()))
            } else {
                Answer::Failure(conditions)
            }
        }
        Sasl2Reply::Success(success) => {
            let authz = authorization_identifier(&success).unwrap_or_default();
            let jid = gatecheck_proto::jid::Jid::parse(&authz);
            let bound = success.child("bound", ns::BIND2).is_some();
            match jid {
                Err(e) => Answer::Other(format!(
                    "authorization identifier {authz:?} is not a JID: {e}"
                )),
                Ok(j) if row.input.completes && (!bound || j.resource().is_none()) => {
                    Answer::Other(format!("no <bound/> and full JID: {}", success.to_xml()))
                }
                Ok(_) => Answer::Success,
            }
        }
        other => Answer::Other(other.describe()),
    })
}

/// Read the first answer; the challenge data, when it is a challenge.
async fn read_answer(c: &mut Conn, row: &Row<Input>) -> Flow<(Answer, Option<Vec<u8>>)> {
    let e = match c.recv().await {
        Ok(e) => e,
        Err(e) => {
            return Answer::from_error(&e)
                .map(|a| (a, None))
                .ok_or_else(|| setup("reading the answer", e));
        }
    };
    let ns_ok = e.ns == SA || e.ns == S2;
    Ok(match (ns_ok, e.name.as_str()) {
        (true, "challenge") => {
            let p = if e.ns == SA {
                AuthProfile::Sasl
            } else {
                AuthProfile::Sasl2
            };
            let data = match classify_in(p, e) {
                Ok(Sasl2Reply::Challenge { data, .. }) => data,
                _ => None,
            };
            (Answer::Challenge { completed: None }, data)
        }
        (true, "success") => (Answer::Success, None),
        (true, "failure") => {
            let conds: Vec<String> = e
                .elements()
                .filter(|x| x.ns == SA && x.name != "text")
                .map(|x| x.name.to_string())
                .collect();
            if let Some(must) = strict_condition(row)
                && conds.iter().all(|x| x != must)
            {
                return Ok((Answer::Other(e.to_xml()), None));
            }
            (Answer::Failure(conds), None)
        }
        _ => (Answer::Other(e.to_xml()), None),
    })
}

/// Finish an exchange whose first challenge carried `data` (empty: the client-first is still
/// due) with the correct password; `Ok` on verified success.
async fn complete(
    c: &mut Conn,
    p: AuthProfile,
    script: &ScramScript,
    password: &str,
    mut data: Vec<u8>,
) -> Result<(), String> {
    if data.is_empty() {
        match c.respond_in(p, &script.client_first()).await {
            Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => data = d,
            Ok(other) => return Err(other.describe()),
            Err(e) => return Err(e.to_string()),
        }
    }
    let sf = ServerFirst::parse(&data, &script.client_nonce).map_err(|e| e.to_string())?;
    let (fin, _) = script
        .client_final(&sf, password, &FinalTweaks::default())
        .map_err(|e| e.to_string())?;
    match c.respond_in(p, &fin).await {
        Ok(Sasl2Reply::Success(_)) => Ok(()),
        Ok(other) => Err(other.describe()),
        Err(e) => Err(e.to_string()),
    }
}

/// The SASL2 table's cases.
pub fn sasl2_cases() -> Vec<Case> {
    crate::cases::table::cases(&SASL2_TABLE, |c| {
        c.needs(&[Capability::Account])
            .offers(&[Offer::Sasl2])
            .negative()
    })
}

/// The RFC 6120 SASL table's cases.
pub fn sasl_cases() -> Vec<Case> {
    crate::cases::table::cases(&SASL_TABLE, |c| {
        c.needs(&[Capability::Account])
            .offers(&[Offer::Sasl])
            .negative()
    })
}
