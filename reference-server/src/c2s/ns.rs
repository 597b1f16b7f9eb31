//! Namespace names the c2s core speaks, in one place so modules and tests agree.

/// XEP-0388 SASL2.
pub const SASL2: &str = "urn:xmpp:sasl:2";
/// RFC 6120 §6 SASL (legacy profile and the failure conditions of SASL2).
pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
/// RFC 6120 §5 STARTTLS.
pub const TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
/// XEP-0440 channel-binding capability.
pub const SASL_CB: &str = "urn:xmpp:sasl-cb:0";
/// XEP-0386 Bind 2.
pub const BIND2: &str = "urn:xmpp:bind:0";
/// RFC 6120 §7 resource binding.
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
/// RFC 3921 §3 session establishment (kept for old clients; RFC 6121 made it optional).
pub const SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
/// RFC 6120 §8.3 stanza error conditions.
pub const STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// XEP-0199 ping.
pub const PING: &str = "urn:xmpp:ping";
/// XEP-0030 disco#info.
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
/// XEP-0030 disco#items.
pub const DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// RFC 6121 §2 roster.
pub const ROSTER: &str = "jabber:iq:roster";
