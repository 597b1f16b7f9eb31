//! Protocol modules the c2s core delegates to, one job each: the SASL profiles, Bind 2, legacy
//! resource binding, and the post-authentication services (ping, disco, roster, presence).

pub mod bind2;
pub mod legacy_auth;
pub mod payload;
pub mod resource;
pub mod sasl2;
