//! XEP-0199 ping to the server or the own account: an empty result.

use gatecheck_proto::xml::Element;

use super::reply;
use crate::c2s::ns;
use crate::c2s::session::C2sSession;

/// Answers `<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>`; returns whether it did.
pub(crate) fn handle(s: &mut C2sSession, el: &Element, from: &str) -> bool {
    if el.attr("type") != Some("get") || el.child("ping", ns::PING).is_none() {
        return false;
    }
    let r = reply::iq_result(el, el.attr("to"), from, None);
    s.send_stanza(&r);
    true
}
