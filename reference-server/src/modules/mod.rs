//! Protocol modules the c2s core delegates to, one job each: the SASL profiles, Bind 2, legacy
//! resource binding, and the post-authentication services (ping, disco, roster, presence).

pub mod bind;
pub mod bind2;
pub mod disco;
pub mod dispatch;
pub mod legacy_auth;
pub mod payload;
pub mod ping;
pub mod presence;
pub mod reply;
pub mod resource;
pub mod roster;
pub mod sasl2;
pub mod sasl_common;
