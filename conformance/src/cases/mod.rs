//! The case registry. Cases live in one file per module (sasl2, fast, invites, oauth2) and are added
//! here as they are written; none ship yet because the network client is still being built.

use crate::case::Case;

/// Every real case of the suite, in registry order.
pub fn all() -> Vec<Case> {
    Vec::new()
}
