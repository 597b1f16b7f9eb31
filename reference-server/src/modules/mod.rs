//! The protocol modules, one job each, each a [`crate::module::Module`] registered in the
//! composition root ([`crate::root::modules`]): the SASL profiles, Bind 2, legacy resource
//! binding, FAST, OAuth2 (OAUTHBEARER), and the post-authentication services (ping, disco, roster, presence). The helpers
//! below them (`payload`, `sasl_common`, `resource`) are shared wire details.

pub mod bind;
pub mod bind2;
pub mod channel_binding;
pub mod dataform;
pub mod disco;
pub mod fast;
#[cfg(all(test, feature = "break-builds"))]
mod fast_break_tests;
#[cfg(test)]
pub(crate) mod fast_harness;
#[cfg(test)]
mod fast_model_tests;
#[cfg(test)]
mod fast_tests;
pub mod invites;
#[cfg(all(test, feature = "break-builds"))]
mod invites_break_tests;
#[cfg(test)]
pub(crate) mod invites_harness;
#[cfg(test)]
mod invites_model_tests;
#[cfg(test)]
mod invites_tests;
pub mod legacy_auth;
pub mod oauth2;
#[cfg(test)]
pub(crate) mod oauth2_tests;
pub mod payload;
pub mod ping;
pub mod presence;
pub mod register;
pub mod resource;
pub mod roster;
#[cfg(test)]
mod roster_tests;
pub mod sasl2;
pub mod sasl_common;
