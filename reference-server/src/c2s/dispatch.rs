//! Routes stanzas of an authenticated stream: IQs to the module serving their payload namespace,
//! presence and messages to the modules' stanza hooks, and by default delivery of messages and
//! directed stanzas to other local sessions via the router.

use gatecheck_proto::ns;
use gatecheck_proto::xml::{Element, StreamErrorCondition};

use super::session::C2sSession;
use crate::module::reply::{self, StanzaCondition};
use crate::module::{Handled, IqPhase};

impl C2sSession {
    /// Handles one top-level element on an authenticated stream.
    pub(super) fn on_stanza(&mut self, el: Element) {
        if el.ns != ns::CLIENT || !matches!(el.name.as_str(), "iq" | "message" | "presence") {
            // RFC 6120 §4.9.3.24.
            return self.stream_error(StreamErrorCondition::UnsupportedStanzaType, None);
        }
        let Some(from) = self.identity.full_jid() else {
            // RFC 6120 §7.1: before a resource is bound only the bind (and session) IQs are allowed.
            if el.name == "iq"
                && self.with_modules(|m, cx| m.handle_iq(IqPhase::PreBind, &el, cx)) == Handled::Yes
            {
                return;
            }
            return self.stream_error(
                StreamErrorCondition::NotAuthorized,
                Some("bind a resource first"),
            );
        };
        if el.name == "iq" {
            return self.iq(el, &from);
        }
        let handled = self.with_modules(|m, cx| m.handle_stanza(&el, cx));
        if handled == Handled::No && el.name == "message" && el.attr("to").is_some() {
            // RFC 6121 §8.5.1 would deliver a message without `to` to the sender's own bare
            // JID; we drop it.
            self.with_modules(|_, cx| cx.deliver(el, &from));
        }
    }

    /// Whether `to` addresses the server or the account itself (handled locally).
    fn is_local_service(&self, to: Option<&str>) -> bool {
        match to {
            None => true,
            Some(t) => {
                t == self.identity.domain || Some(t.to_lowercase()) == self.identity.bare_jid()
            }
        }
    }

    fn iq(&mut self, el: Element, from: &str) {
        let kind = el.attr("type").unwrap_or_default().to_owned();
        if !matches!(kind.as_str(), "get" | "set" | "result" | "error") || el.attr("id").is_none() {
            // RFC 6120 §8.2.3: id and a known type are required.
            let err = reply::error(&el, None, from, StanzaCondition::BadRequest);
            return self.send_el(&err);
        }
        let to = el.attr("to").map(str::to_owned);
        if !self.is_local_service(to.as_deref()) {
            return self.with_modules(|_, cx| cx.deliver(el, from));
        }
        if kind == "result" || kind == "error" {
            return; // Replies to the server: nothing outstanding, ignore (RFC 6120 §8.2.3).
        }
        if self.with_modules(|m, cx| m.handle_iq(IqPhase::Bound, &el, cx)) == Handled::No {
            let err = reply::error(
                &el,
                to.as_deref(),
                from,
                StanzaCondition::ServiceUnavailable,
            );
            self.send_el(&err);
        }
    }
}
