//! The case model: a stable id, the requirements it cites, what it needs, and an async body that reads
//! like a transcript.

use crate::catalog::{Catalog, Level};
use crate::ctx::CaseCtx;
use crate::outcome::Outcome;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The boxed future a case body returns.
pub type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send + 'static>>;

/// A case body: given the context, produce an outcome.
pub type CaseBody = Arc<dyn Fn(CaseCtx) -> CaseFuture + Send + Sync + 'static>;

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

/// Whether `id` is a well-formed case id: dotted lowercase segments (`a-z`, `0-9`, `-`), at least two,
/// the first being the module name.
pub fn valid_id(id: &str, module: Module) -> bool {
    let mut parts = id.split('.');
    parts.next() == Some(module.as_str())
        && id.split('.').count() >= 2
        && id.split('.').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// One conformance case.
#[derive(Clone)]
pub struct Case {
    /// Stable dotted id, e.g. `sasl2.failure.retry-same-stream`.
    pub id: String,
    /// The protocol area.
    pub module: Module,
    /// Human title.
    pub title: String,
    /// Requirement ids cited (e.g. `SASL2-27`).
    pub requirements: Vec<String>,
    /// Level stated explicitly; otherwise the strongest of the cited requirements.
    pub level_override: Option<Level>,
    /// What the spec requires, in one sentence of our words.
    pub requires: String,
    /// Alternative behaviours the case accepts as conforming.
    pub accepts: Vec<String>,
    /// What the case needs to run.
    pub needs: Vec<Capability>,
    /// The body.
    pub body: CaseBody,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("id", &self.id)
            .field("module", &self.module)
            .finish()
    }
}

impl Case {
    /// Start building a case; the body defaults to an `error` outcome until [`Case::body`] sets it.
    pub fn new(id: &str, module: Module, title: &str) -> Case {
        Case {
            id: id.to_owned(),
            module,
            title: title.to_owned(),
            requirements: Vec::new(),
            level_override: None,
            requires: String::new(),
            accepts: Vec::new(),
            needs: Vec::new(),
            body: Arc::new(|_| Box::pin(async { crate::outcome::error("case has no body") })),
        }
    }

    /// Cite requirement ids.
    pub fn cites(mut self, ids: &[&str]) -> Case {
        self.requirements
            .extend(ids.iter().map(|s| (*s).to_owned()));
        self
    }

    /// State what the spec requires.
    pub fn requires(mut self, text: &str) -> Case {
        self.requires = text.to_owned();
        self
    }

    /// Add an accepted alternative behaviour.
    pub fn accepts(mut self, text: &str) -> Case {
        self.accepts.push(text.to_owned());
        self
    }

    /// Declare needed capabilities.
    pub fn needs(mut self, caps: &[Capability]) -> Case {
        self.needs.extend_from_slice(caps);
        self
    }

    /// State the level explicitly instead of deriving it.
    pub fn at_level(mut self, level: Level) -> Case {
        self.level_override = Some(level);
        self
    }

    /// Set the async body.
    pub fn body<F, Fut>(mut self, f: F) -> Case
    where
        F: Fn(CaseCtx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        self.body = Arc::new(move |ctx| Box::pin(f(ctx)));
        self
    }

    /// The case's level: stated, else the strongest cited requirement known to the catalogue, else MAY.
    pub fn level_in(&self, catalog: &Catalog) -> Level {
        self.level_override.unwrap_or_else(|| {
            self.requirements
                .iter()
                .filter_map(|id| catalog.get(id).map(|r| r.level))
                .min_by_key(|l| l.strength())
                .unwrap_or(Level::May)
        })
    }

    /// The level against the embedded catalogue.
    pub fn level(&self) -> Level {
        self.level_in(Catalog::global())
    }
}
