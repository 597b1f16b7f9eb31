//! XEP-0030 service discovery for the server (identity server/im, every registered module's
//! features) and the own bare account JID (identity account/registered). Items: none at the top
//! level (we host no components); under a node, the modules' [`crate::module::DiscoItem`]s (the
//! XEP-0050 commands under `http://jabber.org/protocol/commands`).

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

use crate::module::reply;
use crate::module::{Handled, Module, ModuleContext};

/// The disco module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Disco;

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

impl Module for Disco {
    fn name(&self) -> &'static str {
        "disco"
    }

    fn iq_namespaces(&self) -> &'static [&'static str] {
        &[ns::DISCO_INFO, ns::DISCO_ITEMS]
    }

    /// Answers disco#info/#items gets addressed to the server or the own bare JID.
    fn handle_iq(&self, el: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        let Some(from) = cx.identity().full_jid() else {
            return Handled::No;
        };
        if el.attr("type") != Some("get") {
            return Handled::No;
        }
        let to = el.attr("to");
        let on_server = to.is_none_or(|t| t == cx.domain());
        if let Some(q) = el.child("query", ns::DISCO_INFO) {
            let node = q.attr("node");
            let payload = if on_server {
                info("server", "im", cx.server_features, node)
            } else {
                info("account", "registered", &[ns::DISCO_INFO], node)
            };
            let r = reply::iq_result(el, to, &from, Some(payload));
            cx.send(&r);
            return Handled::Yes;
        }
        if let Some(q) = el.child("query", ns::DISCO_ITEMS) {
            let node = q.attr("node");
            let mut payload = Element::new("query", ns::DISCO_ITEMS);
            if let Some(n) = node {
                payload = payload.with_attr("node", n);
            }
            if on_server && let Some(n) = node {
                let domain = cx.domain().to_owned();
                for i in cx.server_items.iter().filter(|i| i.parent == n) {
                    payload = payload.with_child(
                        Element::new("item", ns::DISCO_ITEMS)
                            .with_attr("jid", domain.as_str())
                            .with_attr("node", i.node)
                            .with_attr("name", i.name),
                    );
                }
            }
            let r = reply::iq_result(el, to, &from, Some(payload));
            cx.send(&r);
            return Handled::Yes;
        }
        Handled::No
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::DISCO_INFO, ns::DISCO_ITEMS]
    }
}
