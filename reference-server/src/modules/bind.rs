//! RFC 6120 §7 resource binding and the RFC 3921 §3 `<session/>` no-op, for ordinary clients
//! using the legacy SASL profile.
//!
//! Conflict policy (RFC 6120 §7.7.2.2 leaves three choices): a requested resource already bound
//! by another session of the account is replaced by `requested.<random>` ("override"), so neither
//! session is disconnected and the client learns its JID from the result.

use gatecheck_proto::xml::Element;

use super::reply::{self, StanzaCondition};
use super::resource;
use crate::c2s::ns;
use crate::c2s::session::C2sSession;

/// Handles bind and session IQs; `bound` is the current full JID, if any. Returns whether the
/// IQ was one of them.
pub(crate) fn handle(s: &mut C2sSession, el: &Element, bound: Option<&str>) -> bool {
    if el.attr("type") != Some("set") {
        return false;
    }
    let Some(bare) = s.bare_jid() else {
        return false;
    };
    let requester = bound.unwrap_or(&bare).to_owned();
    if el.child("session", ns::SESSION).is_some() {
        let r = reply::iq_result(el, None, &requester, None);
        s.send_stanza(&r);
        return true;
    }
    let Some(req) = el.child("bind", ns::BIND) else {
        return false;
    };
    if bound.is_some() {
        // One resource per stream (RFC 6120 §7.7.2.1 lets the server refuse more).
        let e = reply::error(el, None, &requester, StanzaCondition::NotAllowed);
        s.send_stanza(&e);
        return true;
    }
    let requested = req.child("resource", ns::BIND).map(|r| r.text());
    let res = match requested.as_deref() {
        None | Some("") => resource::generate(None),
        Some(r) if !resource::acceptable(r) => {
            let e = reply::error(el, None, &requester, StanzaCondition::BadRequest);
            s.send_stanza(&e);
            return true;
        }
        Some(r) => {
            let taken = s
                .router
                .resources_of(&bare)
                .contains(&format!("{bare}/{r}"));
            if taken {
                resource::generate(Some(r))
            } else {
                r.to_owned()
            }
        }
    };
    let full = format!("{bare}/{res}");
    let payload =
        Element::new("bind", ns::BIND).with_child(Element::new("jid", ns::BIND).with_text(&full));
    let r = reply::iq_result(el, None, &full, Some(payload));
    s.bind_resource(res);
    s.send_stanza(&r);
    true
}
