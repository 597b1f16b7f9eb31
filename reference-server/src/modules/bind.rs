//! RFC 6120 §7 resource binding and the RFC 3921 §3 `<session/>` no-op, for ordinary clients
//! using the legacy SASL profile: the post-auth `<bind/>`/`<session/>` features and their IQs.
//!
//! Conflict policy (RFC 6120 §7.7.2.2 leaves three choices): a requested resource already bound
//! by another session of the account is replaced by `requested.<random>` ("override"), so neither
//! session is disconnected and the client learns its JID from the result.

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

use super::resource;
use crate::module::reply::{self, StanzaCondition};
use crate::module::{FeatureContext, Handled, IqPhase, Module, ModuleContext, StreamPhase};

/// The resource-binding module.
#[derive(Debug, Default, Clone, Copy)]
pub struct ResourceBinding;

impl Module for ResourceBinding {
    fn name(&self) -> &'static str {
        "bind"
    }

    /// `<bind/>` and `<session/>` (marked `<optional/>`, RFC 6121 Appendix E) until a resource
    /// is bound; nothing afterwards, because everything else we serve is discovered with disco.
    fn stream_features(&self, cx: &FeatureContext<'_>) -> Vec<Element> {
        if cx.phase != (StreamPhase::PostAuth { bound: false }) {
            return Vec::new();
        }
        vec![
            Element::new("bind", ns::BIND),
            Element::new("session", ns::SESSION).with_child(Element::new("optional", ns::SESSION)),
        ]
    }

    fn iq_namespaces(&self) -> &'static [&'static str] {
        &[ns::BIND, ns::SESSION]
    }

    /// RFC 6120 §7.1: binding is the one thing allowed before a resource is bound.
    fn serves_iq(&self, phase: IqPhase) -> bool {
        matches!(phase, IqPhase::PreBind | IqPhase::Bound)
    }

    fn handle_iq(&self, el: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        if handle(el, cx) {
            Handled::Yes
        } else {
            Handled::No
        }
    }
}

fn handle(el: &Element, cx: &mut ModuleContext<'_>) -> bool {
    if el.attr("type") != Some("set") {
        return false;
    }
    let Some(bare) = cx.identity().bare_jid() else {
        return false;
    };
    let bound = cx.identity().full_jid();
    let requester = bound.clone().unwrap_or_else(|| bare.clone());
    if el.child("session", ns::SESSION).is_some() {
        let r = reply::iq_result(el, None, &requester, None);
        cx.send(&r);
        return true;
    }
    let Some(req) = el.child("bind", ns::BIND) else {
        return false;
    };
    if bound.is_some() {
        // One resource per stream (RFC 6120 §7.7.2.1 lets the server refuse more).
        let e = reply::error(el, None, &requester, StanzaCondition::NotAllowed);
        cx.send(&e);
        return true;
    }
    let requested = req.child("resource", ns::BIND).map(|r| r.text());
    let res = match requested.as_deref() {
        None | Some("") => resource::generate(None, cx.env),
        Some(r) if !resource::acceptable(r) => {
            let e = reply::error(el, None, &requester, StanzaCondition::BadRequest);
            cx.send(&e);
            return true;
        }
        Some(r) => {
            let taken = cx
                .router
                .resources_of(&bare)
                .contains(&format!("{bare}/{r}"));
            if taken {
                resource::generate(Some(r), cx.env)
            } else {
                r.to_owned()
            }
        }
    };
    let full = format!("{bare}/{res}");
    let payload =
        Element::new("bind", ns::BIND).with_child(Element::new("jid", ns::BIND).with_text(&full));
    let r = reply::iq_result(el, None, &full, Some(payload));
    cx.bind_resource(res);
    cx.send(&r);
    true
}
