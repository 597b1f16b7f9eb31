//! SASL on the server side, without I/O: the mechanism seam ([`mechanism::ServerMechanism`]), the
//! profile seam ([`profile::SaslProfile`]), the mechanism policy ([`provider::DefaultMechanisms`])
//! and the SCRAM and PLAIN mechanisms over proto's primitives.

pub mod claim;
pub mod mechanism;
pub mod plain;
pub mod profile;
pub mod provider;
pub mod scram;
