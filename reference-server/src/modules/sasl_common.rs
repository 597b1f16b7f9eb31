//! What the two SASL profiles (RFC 6120 §6 and XEP-0388) share on the wire: picking the requested
//! mechanism out of the `mechanism` attribute, and the `<failure/>` shape (one RFC 6120 §6.5
//! condition, always in the SASL namespace, plus optional English `<text/>`). Only the wrapper
//! namespace and the invalid-mechanism text differ, so they are parameters.

use gatecheck_proto::sasl::{Mechanism, SaslCondition};
use gatecheck_proto::xml::Element;

use gatecheck_proto::ns;

use crate::sasl::mechanism::MechanismFailure;

/// The mechanism named by `el`'s `mechanism` attribute, if it is one of `advertised`. A missing
/// attribute is `malformed-request`; an unknown or unadvertised name is `invalid-mechanism`, with
/// `not_offered_text` as its `<text/>` when given.
pub fn requested_mechanism(
    el: &Element,
    advertised: &[Mechanism],
    not_offered_text: Option<&str>,
) -> Result<Mechanism, MechanismFailure> {
    let name = el.attr("mechanism").ok_or_else(|| {
        MechanismFailure::with_text(
            SaslCondition::MalformedRequest,
            "missing mechanism attribute",
        )
    })?;
    Mechanism::from_name(name)
        .filter(|m| advertised.contains(m))
        .ok_or_else(|| match not_offered_text {
            Some(t) => MechanismFailure::with_text(SaslCondition::InvalidMechanism, t),
            None => MechanismFailure::new(SaslCondition::InvalidMechanism),
        })
}

/// `<failure/>` in `wrapper_ns` with the condition (in the SASL namespace) and the optional text
/// (in `wrapper_ns`, `xml:lang='en'`).
pub fn failure_in(wrapper_ns: &'static str, f: &MechanismFailure) -> Element {
    let mut e = Element::new("failure", wrapper_ns)
        .with_child(Element::new(f.condition.as_str(), ns::SASL));
    if let Some(t) = &f.text {
        e = e.with_child(
            Element::new("text", wrapper_ns)
                .with_attr("xml:lang", "en")
                .with_text(t),
        );
    }
    e
}
