//! XEP-0440 SASL channel-binding type capability as its own module: `<sasl-channel-binding/>`
//! lists the types this connection supports whichever SASL profile offers the -PLUS mechanisms,
//! so RFC 6120 SASL alone (SASL2 disabled) advertises them too, and the SSDP hash (XEP-0474),
//! which covers the advertised types, matches what the client saw.

use gatecheck_proto::ns;
use gatecheck_proto::sasl::{ChannelBindingType, TlsVersion};
use gatecheck_proto::xml::Element;

use crate::breaks::Break;
use crate::module::{FeatureContext, Module, StreamPhase};

/// The XEP-0440 module.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChannelBinding;

impl Module for ChannelBinding {
    fn name(&self) -> &'static str {
        "channel-binding"
    }

    fn stream_features(&self, cx: &FeatureContext<'_>) -> Vec<Element> {
        if matches!(cx.phase, StreamPhase::PostAuth { .. }) || cx.tls.is_none() {
            return Vec::new();
        }
        let brk = cx.breaks;
        let tls12 = cx.tls.is_some_and(|t| t.version == TlsVersion::Tls12);
        if brk.has(Break::R8PlusWithoutCbFeature)
            || (brk.has(Break::R8PlusWithoutCbFeatureTls12) && tls12)
        {
            return Vec::new();
        }
        let mut cb = channel_binding(cx.cb_types);
        if brk.has(Break::R120CbTypeWithoutAttr) {
            cb = cb.map(|e| e.with_child(Element::new("channel-binding", ns::SASL_CB)));
        }
        cb.into_iter().collect()
    }
}

/// XEP-0440 `<sasl-channel-binding/>` listing the channel-binding types this connection supports.
pub fn channel_binding(types: &[ChannelBindingType]) -> Option<Element> {
    if types.is_empty() {
        return None;
    }
    let mut e = Element::new("sasl-channel-binding", ns::SASL_CB);
    for t in types {
        e = e.with_child(Element::new("channel-binding", ns::SASL_CB).with_attr("type", t.name()));
    }
    Some(e)
}
