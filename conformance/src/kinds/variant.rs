//! A case variant: the SASL profile and TLS version one run of a case is pinned to, and the
//! result id it is reported under. A leaf type, so both the case model and the case context can
//! name it without importing each other.

use super::Profile;
use gatecheck_proto::sasl::TlsVersion;

/// One run of a case: the profile and TLS version it is pinned to. A case without `profiles` or
/// `per_tls` has exactly one variant, with neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Variant {
    /// The SASL profile, when the case runs per profile.
    pub profile: Option<Profile>,
    /// The TLS version, when the case runs per TLS version.
    pub tls: Option<TlsVersion>,
}

impl Variant {
    /// The result id: `base`, then `@profile`, then `@tlsX.Y`. The base id is what
    /// `case::valid_id` checks; `@` never appears in it, so the suffixes cannot be confused with
    /// dotted segments.
    pub fn id(&self, base: &str) -> String {
        let mut id = base.to_owned();
        if let Some(p) = self.profile {
            id.push('@');
            id.push_str(p.as_str());
        }
        if let Some(v) = self.tls {
            id.push('@');
            id.push_str(v.label());
        }
        id
    }

    /// The variant's parts as (dimension, value) pairs, for reports.
    pub fn parts(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = Vec::new();
        if let Some(p) = self.profile {
            v.push(("profile", p.as_str()));
        }
        if let Some(t) = self.tls {
            v.push(("tls", t.label()));
        }
        v
    }
}
