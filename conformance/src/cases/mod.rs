//! The case registry. Cases live in one module per protocol area (sasl2, fast, invites, oauth2) and
//! are added here as they are written.

use crate::case::Case;

pub mod sasl2;

/// Every real case of the suite, in registry order.
pub fn all() -> Vec<Case> {
    sasl2::all()
}
