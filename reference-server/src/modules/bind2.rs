//! XEP-0386 Bind 2 as a SASL2 inline feature: advertised as `<bind xmlns='urn:xmpp:bind:0'>`
//! inside `<inline/>`; a `<bind/>` request in `<authenticate/>` binds `tag.<random>` at success
//! time and answers `<bound/>`, so the authorization identifier becomes the full JID (SASL2-19).

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

use super::resource;
use crate::breaks::{Break, inject};
use crate::module::{Module, SuccessContext};

/// The Bind 2 inline feature. It advertises no per-session sub-features yet (no XEP-0198,
/// carbons or CSI on this server), so its own `<inline/>` is empty.
#[derive(Debug, Default, Clone, Copy)]
pub struct Bind2;

impl Module for Bind2 {
    fn name(&self) -> &'static str {
        "bind2"
    }

    fn inline_advertisement(
        &self,
        _: &crate::module::OfferContext<'_>,
        _: &[gatecheck_proto::sasl::Mechanism],
    ) -> Option<Element> {
        Some(Element::new("bind", ns::BIND2).with_child(Element::new("inline", ns::BIND2)))
    }

    fn handles_inline(&self, request: &Element) -> bool {
        request.is("bind", ns::BIND2)
    }

    fn on_inline_success(&self, request: &Element, cx: &mut SuccessContext<'_>) -> Vec<Element> {
        let tag = request.child("tag", ns::BIND2).map(|t| t.text());
        let mut res = resource::generate(tag.as_deref(), cx.env);
        let brk = cx.breaks;
        let ua = cx.user_agent_id.as_deref().unwrap_or_default();
        let leak = if brk.has(Break::R39ResourceHasUaPrefix) {
            Some(inject::ua_prefix(ua))
        } else if brk.has(Break::R39ResourceIsUaHash) {
            Some(inject::ua_hash(ua))
        } else if brk.has(Break::R12ResourceRevealsSoftware) {
            cx.software.clone()
        } else {
            None
        };
        if let Some(leak) = leak {
            res = format!("{}.{leak}", tag.as_deref().unwrap_or("r"));
        }
        cx.resource = Some(res);
        if brk.has(Break::R21BoundMissing) {
            return Vec::new();
        }
        vec![Element::new("bound", ns::BIND2)]
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::BIND2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;
    use crate::store::MemoryStore;

    #[test]
    fn binds_tagged_resource() {
        let env = Env::deterministic(std::time::SystemTime::UNIX_EPOCH, 3);
        let store = MemoryStore::new();
        let req = Element::new("bind", ns::BIND2)
            .with_child(Element::new("tag", ns::BIND2).with_text("App"));
        assert!(Bind2.handles_inline(&req));
        assert!(!Bind2.handles_inline(&Element::new("bind", ns::BIND)));
        let mut ctx = SuccessContext {
            username: "u".into(),
            domain: "d".into(),
            user_agent_id: Some("d4565fa7-4d72-4749-b3d3-740edbf87770".into()),
            resource: None,
            mechanism: gatecheck_proto::sasl::Mechanism::Plain,
            renewal_due: false,
            inline_requests: &[],
            offered: &[],
            env: &env,
            store: &store,
            software: None,
            breaks: Default::default(),
        };
        let out = Bind2.on_inline_success(&req, &mut ctx);
        assert_eq!(out, vec![Element::new("bound", ns::BIND2)]);
        let jid = ctx.authorization_identifier();
        assert!(jid.starts_with("u@d/App."), "{jid}");
        assert!(!jid.contains("d4565fa7"));
    }
}
