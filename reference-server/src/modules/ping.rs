//! XEP-0199 ping to the server or the own account: an empty result.

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

use crate::module::reply;
use crate::module::{Handled, Module, ModuleContext};

/// The ping module.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ping;

impl Module for Ping {
    fn name(&self) -> &'static str {
        "ping"
    }

    fn iq_namespaces(&self) -> &'static [&'static str] {
        &[ns::PING]
    }

    /// Answers `<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>`.
    fn handle_iq(&self, el: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        let Some(from) = cx.identity().full_jid() else {
            return Handled::No;
        };
        if el.attr("type") != Some("get") || el.child("ping", ns::PING).is_none() {
            return Handled::No;
        }
        let r = reply::iq_result(el, el.attr("to"), &from, None);
        cx.send(&r);
        Handled::Yes
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::PING]
    }
}
