//! The engine's leaf types: plain values every other engine module may name (the module a case
//! belongs to, what it needs, requirement levels, report requests) and which themselves import
//! nothing from the crate. Keeping them here is what keeps the engine free of import cycles:
//! `case`, `catalog`, `config`, `event` and `report` all point down to this module, never at
//! each other in a circle.

mod level;
mod report_spec;
mod variant;

pub use level::{Level, Testability};
pub use report_spec::{ReportKind, ReportSpec};
use serde::Serialize;
pub use variant::Variant;

/// The protocol area a case belongs to; also the JUnit classname and the report grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Module {
    /// XEP-0388 SASL2 (and, until they move to `scram`, SCRAM / channel binding).
    Sasl2,
    /// RFC 6120 §6 SASL: the legacy profile's own rules (`<auth/>`, `<abort/>`, restarts).
    Sasl,
    /// SCRAM and channel binding, the mechanism independent of the profile it runs over.
    Scram,
    /// XEP-0484 FAST and HT-* mechanisms.
    Fast,
    /// XEP-0401/0445/0077/0379 invitations and registration.
    Invites,
    /// OAuth2 metadata, dynamic client registration and token endpoint.
    Oauth2,
    /// Opt-in advisory security checks (issue 13): user enumeration, guessing without backoff,
    /// slowloris, keepalives. Run only when selected (`--security` or `--only 'security.*'`),
    /// reported as findings apart from the conformance verdicts and never scored.
    Security,
}

impl Module {
    /// All modules in report order.
    pub const ALL: [Module; 7] = [
        Module::Sasl2,
        Module::Sasl,
        Module::Scram,
        Module::Fast,
        Module::Invites,
        Module::Oauth2,
        Module::Security,
    ];

    /// Whether the module's cases are advisory: opt-in (left out of a run unless selected by
    /// `--security` or an `--only` pattern), reported as findings in their own group, and never
    /// counted in the conformance scores, the counts or the exit code (unless `--strict-security`).
    pub fn is_advisory(self) -> bool {
        matches!(self, Module::Security)
    }

    /// The lowercase name used in ids and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Sasl2 => "sasl2",
            Module::Sasl => "sasl",
            Module::Scram => "scram",
            Module::Fast => "fast",
            Module::Invites => "invites",
            Module::Oauth2 => "oauth2",
            Module::Security => "security",
        }
    }

    /// Parse a module name as given on the command line.
    pub fn parse(s: &str) -> Option<Module> {
        Module::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
    }

    /// What the target must offer for this module to apply at all (what `--require` checks
    /// and what the module's base `Spec` sets). `None` for `scram`, which runs over whichever
    /// SASL profile is offered; a target offers it when either profile has a SCRAM mechanism.
    pub fn offer(self) -> Option<Offer> {
        match self {
            Module::Sasl2 => Some(Offer::Sasl2),
            Module::Sasl => Some(Offer::Sasl),
            Module::Scram => None,
            Module::Fast => Some(Offer::Fast),
            Module::Invites => Some(Offer::Invite),
            Module::Oauth2 => Some(Offer::Http),
            Module::Security => None,
        }
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

/// The SASL profile a mechanism runs over. The SCRAM and channel-binding cases test the
/// mechanism, not the profile, so they can run over either (issue 15); cases that list
/// `profiles` run once per listed profile the target offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// RFC 6120 §6 SASL (`<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`, `<auth/>`).
    Sasl,
    /// XEP-0388 Extensible SASL Profile (`<authentication xmlns='urn:xmpp:sasl:2'/>`).
    Sasl2,
}

impl Profile {
    /// Both profiles, RFC 6120 first.
    pub const ALL: [Profile; 2] = [Profile::Sasl, Profile::Sasl2];

    /// The label used in variant ids (`…@sasl`, `…@sasl2`) and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Sasl => "sasl",
            Profile::Sasl2 => "sasl2",
        }
    }

    /// The feature that carries this profile's offer.
    pub fn offer(self) -> Offer {
        match self {
            Profile::Sasl => Offer::Sasl,
            Profile::Sasl2 => Offer::Sasl2,
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the **target** must offer for a case to apply, found by capability discovery
/// before the cases run (`crate::capabilities`). Unlike [`Capability`] (what the *user*
/// supplies, missing → `skip`), a missing offer makes the case `unsupported` with one shared
/// wording, "<module>: not offered", so the reports can say it once per module (issue 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offer {
    /// RFC 6120 SASL `<mechanisms/>` on the TLS-protected stream.
    Sasl,
    /// XEP-0388 `<authentication xmlns='urn:xmpp:sasl:2'/>` on the TLS-protected stream.
    Sasl2,
    /// XEP-0386 Bind 2 inline in the SASL2 offer.
    Bind2,
    /// XEP-0484 FAST inline in the SASL2 offer.
    Fast,
    /// XEP-0077 in-band registration (`<register xmlns='http://jabber.org/features/iq-register'/>`).
    Register,
    /// XEP-0401 invitations (`<register xmlns='urn:xmpp:invite'/>` or `urn:xmpp:ibr-token:0`).
    Invite,
    /// An HTTP base (`--http`) that answers `/.well-known/oauth-authorization-server` (RFC 8414).
    Http,
}

impl Offer {
    /// Every offer, in report order.
    pub const ALL: [Offer; 7] = [
        Offer::Sasl,
        Offer::Sasl2,
        Offer::Bind2,
        Offer::Fast,
        Offer::Register,
        Offer::Invite,
        Offer::Http,
    ];

    /// Short name for listings, `--require` and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Offer::Sasl => "sasl",
            Offer::Sasl2 => "sasl2",
            Offer::Bind2 => "bind2",
            Offer::Fast => "fast",
            Offer::Register => "register",
            Offer::Invite => "invite",
            Offer::Http => "http",
        }
    }
}

impl std::fmt::Display for Offer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
