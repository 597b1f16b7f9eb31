//! Routes stanzas of an authenticated stream: local IQ services, presence, and delivery of
//! messages and directed stanzas to other local sessions via the router.

use gatecheck_proto::xml::{Element, JABBER_CLIENT_NS, StreamErrorCondition};

use super::reply::{self, StanzaCondition};
use super::{bind, disco, ping, presence, roster};
use crate::c2s::router::RouteError;
use crate::c2s::session::C2sSession;
use crate::c2s::stream::domain_of;

/// Handles one top-level element on an authenticated stream.
pub(crate) fn handle(s: &mut C2sSession, el: Element) {
    if el.ns != JABBER_CLIENT_NS || !matches!(el.name.as_str(), "iq" | "message" | "presence") {
        // RFC 6120 §4.9.3.24.
        return s.stream_error(StreamErrorCondition::UnsupportedStanzaType, None);
    }
    let Some(from) = s.full_jid() else {
        // RFC 6120 §7.1: before a resource is bound only the bind (and session) IQs are allowed.
        if el.name == "iq" && bind::handle(s, &el, None) {
            return;
        }
        return s.stream_error(
            StreamErrorCondition::NotAuthorized,
            Some("bind a resource first"),
        );
    };
    match el.name.as_str() {
        "iq" => iq(s, el, &from),
        "presence" => presence::handle(s, el, &from),
        _ => message(s, el, &from),
    }
}

/// Whether `to` addresses the server or the account itself (handled locally).
fn is_local_service(s: &C2sSession, to: Option<&str>) -> bool {
    match to {
        None => true,
        Some(t) => t == s.domain() || Some(t.to_lowercase()) == s.bare_jid(),
    }
}

fn iq(s: &mut C2sSession, el: Element, from: &str) {
    let kind = el.attr("type").unwrap_or_default().to_owned();
    if !matches!(kind.as_str(), "get" | "set" | "result" | "error") || el.attr("id").is_none() {
        // RFC 6120 §8.2.3: id and a known type are required.
        let err = reply::error(&el, None, from, StanzaCondition::BadRequest);
        return s.send_stanza(&err);
    }
    let to = el.attr("to").map(str::to_owned);
    if !is_local_service(s, to.as_deref()) {
        return deliver(s, el, from);
    }
    if kind == "result" || kind == "error" {
        return; // Replies to the server: nothing outstanding, ignore (RFC 6120 §8.2.3).
    }
    let handled = bind::handle(s, &el, Some(from))
        || ping::handle(s, &el, from)
        || disco::handle(s, &el, from)
        || roster::handle(s, &el, from);
    if !handled {
        let responder = to.as_deref();
        let err = reply::error(&el, responder, from, StanzaCondition::ServiceUnavailable);
        s.send_stanza(&err);
    }
}

fn message(s: &mut C2sSession, el: Element, from: &str) {
    if el.attr("to").is_none() {
        return; // RFC 6121 §8.5.1 would deliver to the sender's own bare JID; we drop.
    }
    deliver(s, el, from);
}

/// Stamps `from` (RFC 6120 §8.1.2.1) and delivers to a local full JID, or to every resource of a
/// local bare JID. Undeliverable IQ get/set and messages get `service-unavailable`; other
/// domains get `remote-server-not-found` (no federation).
pub(crate) fn deliver(s: &mut C2sSession, mut el: Element, from: &str) {
    let to = el.attr("to").unwrap_or_default().to_owned();
    if domain_of(&to) != s.domain() {
        return bounce(s, &el, from, StanzaCondition::RemoteServerNotFound);
    }
    el.attrs.retain(|a| !(a.name == "from" && a.ns.is_empty()));
    el = el.with_attr("from", from);
    let bytes = el.to_xml_in(JABBER_CLIENT_NS).into_bytes();
    let targets = if to.contains('/') {
        vec![to.clone()]
    } else if el.name == "iq" {
        Vec::new() // RFC 6121 §8.5.2.1.3: an IQ to a bare JID is answered by the server.
    } else {
        s.router.resources_of(&to.to_lowercase())
    };
    let mut delivered = false;
    let mut full = false;
    for t in &targets {
        match s.router.route(t, bytes.clone()) {
            Ok(()) => delivered = true,
            Err(RouteError::Backpressure(_)) => full = true,
            Err(RouteError::NotConnected(_)) => {}
        }
    }
    if !delivered {
        let cond = if full {
            StanzaCondition::ResourceConstraint
        } else {
            StanzaCondition::ServiceUnavailable
        };
        bounce(s, &el, from, cond);
    }
}

/// Sends an error back unless the stanza was itself an error or a result (RFC 6120 §8.3.1 forbids
/// answering errors), and never for presence (RFC 6121 §4.6 drops silently).
fn bounce(s: &mut C2sSession, el: &Element, from: &str, cond: StanzaCondition) {
    let kind = el.attr("type").unwrap_or_default();
    if el.name == "presence" || kind == "error" || kind == "result" {
        return;
    }
    let err = reply::error(el, el.attr("to"), from, cond);
    s.send_stanza(&err);
}
