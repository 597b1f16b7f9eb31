//! The one table from proto's typed errors to the vectors' `error` codes (README "Error codes").
//! Proto's vocabulary is finer than the vectors' in places (several proto variants map to one
//! code); proto errors with no vector counterpart map to `proto:<variant>`, which never equals
//! a vector code, so a vector expecting a specific reason fails loudly instead of matching by
//! accident.

use gatecheck_proto::datetime::DateTimeError;
use gatecheck_proto::dcr::DcrError;
use gatecheck_proto::jid::{JidError, JidPart};
use gatecheck_proto::jose::JwsError;
use gatecheck_proto::sasl::MechanismError;
use gatecheck_proto::sasl::ht::HtError;
use gatecheck_proto::uri::UriError;

/// Invitation URIs: `UriError` to the invite-uri.json codes.
pub fn uri_code(e: &UriError) -> &'static str {
    match e {
        UriError::NotXmpp | UriError::AuthorityForm => "not-xmpp-uri",
        UriError::BadPercent | UriError::NotUtf8 => "bad-percent-encoding",
        // `xmpp:@host` and `xmpp:` both leave a part empty; the vectors call both an empty host.
        UriError::Jid(JidError::EmptyPart(JidPart::Domain | JidPart::Node)) => "empty-host",
        UriError::NotAnInvite(_) => "unknown-querytype",
        UriError::MissingPreauth => "missing-preauth",
        UriError::DuplicateParam(_) => "duplicate-key",
        UriError::BadQuery | UriError::BadIbr => "bad-parameter",
        UriError::Jid(_) => "proto:invalid-jid",
        UriError::TooLong => "proto:too-long",
        UriError::Fragment => "proto:fragment",
        UriError::InvalidChar(_) => "proto:invalid-char",
        UriError::ResourceNotAllowed => "proto:resource-not-allowed",
        UriError::RosterNeedsNode => "proto:roster-needs-node",
    }
}

/// XEP-0082 vectors carry no `error`; every rejection is simply `invalid`.
pub fn datetime_code(_: &DateTimeError) -> &'static str {
    "invalid"
}

/// Stateless DCR: `DcrError` (and the JWS errors inside it) to stateless-dcr.json codes.
pub fn dcr_code(e: &DcrError) -> &'static str {
    match e {
        DcrError::Jws(JwsError::AlgNotAllowed(_) | JwsError::CritPresent) => "alg-not-allowed",
        DcrError::Jws(JwsError::BadSignature) => "bad-signature",
        DcrError::Jws(
            JwsError::TooLong(_)
            | JwsError::WrongPartCount
            | JwsError::Base64(_)
            | JwsError::BadHeader
            | JwsError::BadPayload,
        )
        | DcrError::NotAnObject
        | DcrError::BadClaim(_) => "malformed-client-id",
        DcrError::Jws(JwsError::KeyTooShort(_)) => "proto:key-too-short",
        DcrError::Expired => "expired",
        DcrError::BadSecret => "wrong-secret",
    }
}

/// HT: the server side reports the RFC 6120 condition proto assigns; a failed responder check on
/// the client side is the gatecheck code `responder-mismatch`.
pub fn ht_code(e: &HtError) -> &'static str {
    match e {
        HtError::ResponderMismatch => "responder-mismatch",
        other => other.condition().as_str(),
    }
}

/// Classifies a stringprep failure message (from the `stringprep` crate or proto's query-mode
/// SASLprep) into the vectors' codes. An unassigned code point is reported by both as a
/// "prohibited character"; the character is looked up in RFC 3454 table A.1 to tell them apart.
fn stringprep_message_code(msg: &str) -> String {
    if msg.contains("bidirectional") {
        return "bidi".to_owned();
    }
    if msg.contains("empty") {
        return "empty".to_owned();
    }
    let offending = if let Some(rest) = msg.split_once('`').map(|(_, r)| r) {
        rest.chars().next()
    } else if let Some((_, hex)) = msg.split_once("U+") {
        u32::from_str_radix(hex.trim(), 16)
            .ok()
            .and_then(char::from_u32)
    } else {
        None
    };
    match offending {
        Some(c) if stringprep::tables::unassigned_code_point(c) => "unassigned".to_owned(),
        Some(_) => "prohibited".to_owned(),
        None => format!("proto:{msg}"),
    }
}

/// SASLprep: `MechanismError::Saslprep(reason)` to `prohibited` / `bidi` / `unassigned` / `empty`.
pub fn saslprep_code(e: &MechanismError) -> String {
    match e {
        MechanismError::Saslprep(msg) => stringprep_message_code(msg),
        other => format!("proto:{other}"),
    }
}

/// Nodeprep: proto's `JidError::Prohibited` does not say why, so the cause is recovered from the
/// stored-mode `stringprep::nodeprep` (for a query input the cause is the same unless it also
/// holds an unassigned code point); an empty result is `empty`.
pub fn nodeprep_code(input: &str, e: &JidError) -> String {
    match e {
        JidError::EmptyPart(_) => "empty".to_owned(),
        JidError::Prohibited(_) => match stringprep::nodeprep(input) {
            Err(cause) => stringprep_message_code(&cause.to_string()),
            Ok(_) => "proto:prohibited-after-nodeprep".to_owned(),
        },
        JidError::TooLong(_) => "proto:too-long".to_owned(),
    }
}

/// SCRAM: proto's RFC 5802 `e=` value where it has one, with these explicit differences:
/// a `-PLUS`/flag mismatch is `invalid-encoding` in the vectors (proto: `channel-binding-not-supported`,
/// RFC 5802 defines no value for it), and the client-side failures use the gatecheck codes.
pub fn scram_code(e: &MechanismError) -> String {
    let code = match e {
        MechanismError::ChannelBindingFlagMismatch => "invalid-encoding",
        MechanismError::NonceMismatch | MechanismError::ServerNoncePrefix => "nonce-mismatch",
        MechanismError::IterationsTooLow { .. } => "iteration-count-too-low",
        MechanismError::InvalidServerSignature => "server-signature-mismatch",
        MechanismError::DowngradeDetected | MechanismError::DowngradeHashMissing => {
            "downgrade-detected"
        }
        other => match other.scram_server_error() {
            Some(code) => code,
            None => return format!("proto:{other}"),
        },
    };
    code.to_owned()
}
