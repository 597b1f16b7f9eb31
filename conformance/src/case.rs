//! The case model: a stable id, the requirements it cites, what it needs, and an async body that reads
//! like a transcript.

use crate::catalog::Catalog;
use crate::ctx::CaseCtx;
pub use crate::kinds::{Capability, Level, Module};
use crate::outcome::{Flow, Outcome};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The boxed future a case body returns.
pub type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send + 'static>>;

/// A case body: given the context, produce an outcome.
pub type CaseBody = Arc<dyn Fn(CaseCtx) -> CaseFuture + Send + Sync + 'static>;

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

    /// A case from its registration and a body that may exit early with `?`.
    pub fn from_spec<F, Fut>(spec: Spec, body: F) -> Case
    where
        F: Fn(CaseCtx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Flow> + Send + 'static,
    {
        let mut case = Case::new(spec.id, spec.module, spec.title)
            .cites(spec.cites)
            .requires(spec.requires)
            .needs(spec.needs);
        case.accepts = spec.accepts.iter().map(|a| (*a).to_owned()).collect();
        case.level_override = spec.level;
        case.body(move |ctx| {
            let run = body(ctx);
            async move { run.await.unwrap_or_else(|early| early) }
        })
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

/// A case's registration, written as a `const` right above its body so the id, the requirements
/// it cites and what it needs are read together with the exchange that checks them:
///
/// ```
/// # use gatecheck::{Module, Spec};
/// # const SASL2: Spec = Spec::module(Module::Sasl2);
/// const NO_PLAIN: Spec = Spec {
///     id: "sasl2.features.no-plain",
///     title: "PLAIN is not offered over SASL2",
///     cites: &["SASL2-33"],
///     requires: "servers SHOULD NOT offer PLAIN (RFC 6120 §13.8.3)",
///     ..SASL2
/// };
/// ```
///
/// `..SASL2` fills the module and leaves `accepts`, `needs` and `level` empty; the module file
/// turns each spec and its body into a [`Case`] with [`Spec::with`].
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Stable dotted id, starting with the module name.
    pub id: &'static str,
    /// The protocol area.
    pub module: Module,
    /// Human title.
    pub title: &'static str,
    /// Requirement ids cited.
    pub cites: &'static [&'static str],
    /// What the spec requires, in one sentence of our words.
    pub requires: &'static str,
    /// Alternative behaviours accepted as conforming.
    pub accepts: &'static [&'static str],
    /// What the case needs to run.
    pub needs: &'static [Capability],
    /// The level, when not derived from the cited requirements.
    pub level: Option<Level>,
}

impl Spec {
    /// An empty registration for `module`: the base every case of the module spreads with `..`.
    pub const fn module(module: Module) -> Spec {
        Spec {
            id: "",
            module,
            title: "",
            cites: &[],
            requires: "",
            accepts: &[],
            needs: &[],
            level: None,
        }
    }

    /// The case: this registration with `body`.
    pub fn with<F, Fut>(self, body: F) -> Case
    where
        F: Fn(CaseCtx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Flow> + Send + 'static,
    {
        Case::from_spec(self, body)
    }
}
