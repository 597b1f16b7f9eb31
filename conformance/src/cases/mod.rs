//! The case registry. Cases live in one module per protocol area (sasl2 now; fast, invites and
//! oauth2 next); a new area is one file here plus one line in [`all`]. Steps shared by every area
//! are in [`common`], and a case file starts with `use crate::cases::prelude::*;`.

use crate::case::Case;

pub mod common;
pub mod fast;
pub mod invites;
pub mod oauth2;
pub mod prelude;
pub mod sasl2;
pub mod security;
pub mod table;

/// Every real case of the suite, in registry order.
pub fn all() -> Vec<Case> {
    let mut v = sasl2::all();
    v.extend(fast::all());
    v.extend(invites::all());
    v.extend(oauth2::all());
    v.extend(security::all());
    v
}
