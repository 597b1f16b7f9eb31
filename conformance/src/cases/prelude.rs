//! Everything a case file needs, in one `use crate::cases::prelude::*;`: the registration type,
//! the outcome helpers, the shared steps and the kit's client types and element builders.

pub use super::common::*;
pub use crate::case::{Capability, Case, Module, Offer, Profile, Spec};
pub use crate::ctx::CaseCtx;
pub use crate::outcome::{Flow, Outcome, fail, pass, skip, unsupported, warn};
pub use gatecheck_client::login::{
    LoginError, best_scram, binding_data, preferred_binding, scram_exchange, script_for,
};
pub use gatecheck_client::sasl2::{authorization_identifier, encode_b64};
pub use gatecheck_client::scram::{FinalTweaks, ScramScript, ScramScriptError, ServerFirst};
pub use gatecheck_client::{
    ClientError, Conn, Features, Sasl2Offer, Sasl2Reply, USER_AGENT_ID, build, canonical,
    valid_mechanism_name,
};
pub use gatecheck_proto::ns;
pub use gatecheck_proto::xml::Element;
