//! XEP-0030 service discovery for the server (identity server/im) and the own bare account JID
//! (identity account/registered). Items are empty: we host no components.

use gatecheck_proto::xml::Element;

use super::reply;
use crate::c2s::ns;
use crate::c2s::session::C2sSession;

/// Features the server itself implements, sorted (XEP-0030 §3.1 lists are sets).
pub const SERVER_FEATURES: &[&str] = &[
    ns::DISCO_INFO,
    ns::DISCO_ITEMS,
    "jabber:iq:roster",
    "urn:xmpp:bind:0",
    "urn:xmpp:ping",
    "urn:xmpp:sasl:2",
];

fn info(category: &str, kind: &str, features: &[&str], node: Option<&str>) -> Element {
    let mut q = Element::new("query", ns::DISCO_INFO);
    if let Some(n) = node {
        q = q.with_attr("node", n);
    }
    q = q.with_child(
        Element::new("identity", ns::DISCO_INFO)
            .with_attr("category", category)
            .with_attr("type", kind),
    );
    for f in features {
        q = q.with_child(Element::new("feature", ns::DISCO_INFO).with_attr("var", *f));
    }
    q
}

/// Answers disco#info/#items gets addressed to the server or the own bare JID.
pub(crate) fn handle(s: &mut C2sSession, el: &Element, from: &str) -> bool {
    if el.attr("type") != Some("get") {
        return false;
    }
    let to = el.attr("to");
    let on_server = to.is_none_or(|t| t == s.domain());
    if let Some(q) = el.child("query", ns::DISCO_INFO) {
        let node = q.attr("node");
        let payload = if on_server {
            info("server", "im", SERVER_FEATURES, node)
        } else {
            info("account", "registered", &[ns::DISCO_INFO], node)
        };
        let r = reply::iq_result(el, to, from, Some(payload));
        s.send_stanza(&r);
        return true;
    }
    if el.child("query", ns::DISCO_ITEMS).is_some() {
        let r = reply::iq_result(el, to, from, Some(Element::new("query", ns::DISCO_ITEMS)));
        s.send_stanza(&r);
        return true;
    }
    false
}
