//! The engine's leaf types: plain values every other engine module may name (the module a case
//! belongs to, what it needs, requirement levels, report requests) and which themselves import
//! nothing from the crate. Keeping them here is what keeps the engine free of import cycles:
//! `case`, `catalog`, `config`, `event` and `report` all point down to this module, never at
//! each other in a circle.

mod level;
mod report_spec;

pub use level::{Level, Testability};
pub use report_spec::{ReportKind, ReportSpec};
use serde::Serialize;

/// The protocol area a case belongs to; also the JUnit classname and the report grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Module {
    /// XEP-0388 SASL2 (and SCRAM / channel binding).
    Sasl2,
    /// XEP-0484 FAST and HT-* mechanisms.
    Fast,
    /// XEP-0401/0445/0077/0379 invitations and registration.
    Invites,
    /// OAuth2 metadata, dynamic client registration and token endpoint.
    Oauth2,
}

impl Module {
    /// All modules in report order.
    pub const ALL: [Module; 4] = [Module::Sasl2, Module::Fast, Module::Invites, Module::Oauth2];

    /// The lowercase name used in ids and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Sasl2 => "sasl2",
            Module::Fast => "fast",
            Module::Invites => "invites",
            Module::Oauth2 => "oauth2",
        }
    }

    /// Parse a module name as given on the command line.
    pub fn parse(s: &str) -> Option<Module> {
        Module::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a case needs from the target or the user; missing ones turn the case into `skip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// A TLS-protected stream (STARTTLS or direct TLS).
    Tls,
    /// One account given with `--account`.
    Account,
    /// A second account (two `--account` options).
    SecondAccount,
    /// A way to mint invitations (`--invite-cmd`).
    InviteMinting,
    /// Administrator credentials (`--admin`).
    Admin,
    /// An HTTP base URL (`--http`).
    Http,
}

impl Capability {
    /// Short name for listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Tls => "tls",
            Capability::Account => "account",
            Capability::SecondAccount => "second-account",
            Capability::InviteMinting => "invite-minting",
            Capability::Admin => "admin",
            Capability::Http => "http",
        }
    }
}
