//! SASL2 (XEP-0388) cases with SCRAM, channel binding (XEP-0440), SSDP (XEP-0474) and Bind 2
//! inline, one file per area. Each case is a `const` [`Spec`] above one `async fn`; the shared
//! steps are in [`super::common`].

mod bind2;
mod failure;
mod features;
pub mod malformed;
mod scram;

use crate::case::{Case, Module, Offer, Spec};

/// The base registration of every SASL2 case (`..SASL2`): the target must offer SASL2.
const SASL2: Spec = Spec {
    offers: &[Offer::Sasl2],
    ..Spec::module(Module::Sasl2)
};

/// Every SASL2 case, in registry order.
pub fn all() -> Vec<Case> {
    let mut v = features::cases();
    v.extend(scram::cases());
    v.extend(failure::cases());
    v.extend(bind2::cases());
    v.extend(malformed::sasl2_cases());
    v.extend(malformed::sasl_cases());
    v
}
