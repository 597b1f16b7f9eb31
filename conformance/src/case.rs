//! The case model: a stable id, the requirements it cites, what it needs, and an async body that reads
//! like a transcript.

use crate::catalog::Catalog;
use crate::ctx::CaseCtx;
pub use crate::kinds::{Capability, Level, Module, Offer, Profile};
use crate::outcome::{Flow, Outcome};
use gatecheck_proto::sasl::TlsVersion;
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
    /// What the target must offer (found by capability discovery); a missing one makes the case
    /// `unsupported` with the shared "<module>: not offered" wording.
    pub offers: Vec<Offer>,
    /// Run once per TLS version the target accepts (result ids `…@tls1.2`, `…@tls1.3`).
    pub per_tls: bool,
    /// Run once per listed profile the target offers (result ids `…@sasl`, `…@sasl2`); empty:
    /// once, and [`CaseCtx::profile`] is [`Profile::Sasl2`].
    pub profiles: Vec<Profile>,
    /// A negative case (bad input): the engine checks the target still serves afterwards.
    pub negative: bool,
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
            offers: Vec::new(),
            per_tls: false,
            profiles: Vec::new(),
            negative: false,
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

    /// Declare what the target must offer for the case to apply.
    pub fn offers(mut self, offers: &[Offer]) -> Case {
        self.offers.extend_from_slice(offers);
        self
    }

    /// Run the case once per TLS version the target accepts.
    pub fn per_tls(mut self) -> Case {
        self.per_tls = true;
        self
    }

    /// Run the case once per listed profile the target offers.
    pub fn profiles(mut self, profiles: &[Profile]) -> Case {
        self.profiles.extend_from_slice(profiles);
        self
    }

    /// Mark the case negative: the liveness oracle runs after it.
    pub fn negative(mut self) -> Case {
        self.negative = true;
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
            .needs(spec.needs)
            .offers(spec.offers)
            .profiles(spec.profiles);
        case.per_tls = spec.per_tls;
        case.negative = spec.negative;
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
/// `..SASL2` fills the module and what the module's target must offer, and leaves `accepts`,
/// `needs`, `profiles` and `level` empty and `per_tls` and `negative` off; the module file
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
    /// What the target must offer (all of them); else the case is `unsupported`, "<module>: not
    /// offered". A module's base const sets its own offer (`SASL2` → `&[Offer::Sasl2]`).
    pub offers: &'static [Offer],
    /// Run once per TLS version the target accepts: ids `base@tls1.2`, `base@tls1.3`.
    pub per_tls: bool,
    /// Non-empty: run once per listed profile the target offers, ids `base@sasl`, `base@sasl2`
    /// (profile before TLS version: `base@sasl2@tls1.3`).
    pub profiles: &'static [Profile],
    /// Bad input: the liveness oracle checks the target still serves after this case.
    pub negative: bool,
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
            offers: &[],
            per_tls: false,
            profiles: &[],
            negative: false,
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
    /// [`valid_id`] checks; `@` never appears in it, so the suffixes cannot be confused with
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

/// The modules that have at least one case in `cases`, in report order: what help texts, the
/// HTML module filter and module arguments offer.
pub fn modules_with_cases(cases: &[Case]) -> Vec<Module> {
    Module::ALL
        .into_iter()
        .filter(|m| cases.iter().any(|c| c.module == *m))
        .collect()
}

/// The base id of a result id: everything before the first `@`.
pub fn base_id(id: &str) -> &str {
    id.split_once('@').map_or(id, |(b, _)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_ids_put_profile_before_tls() {
        let v = Variant {
            profile: Some(Profile::Sasl2),
            tls: Some(TlsVersion::Tls13),
        };
        assert_eq!(v.id("scram.nonce"), "scram.nonce@sasl2@tls1.3");
        assert_eq!(Variant::default().id("scram.nonce"), "scram.nonce");
        let t = Variant {
            profile: None,
            tls: Some(TlsVersion::Tls12),
        };
        assert_eq!(
            t.id("sasl2.features.stable"),
            "sasl2.features.stable@tls1.2"
        );
        assert_eq!(base_id("scram.nonce@sasl@tls1.2"), "scram.nonce");
        assert!(!valid_id("sasl2.x@tls1.2", Module::Sasl2));
    }

    #[test]
    fn spec_fields_reach_the_case() {
        const S: Spec = Spec {
            id: "sasl2.x.y",
            offers: &[Offer::Sasl2],
            per_tls: true,
            profiles: &[Profile::Sasl, Profile::Sasl2],
            negative: true,
            ..Spec::module(Module::Sasl2)
        };
        let c = S.with(|_| async { Ok(crate::outcome::pass()) });
        assert_eq!(c.offers, [Offer::Sasl2]);
        assert!(c.per_tls && c.negative);
        assert_eq!(c.profiles, [Profile::Sasl, Profile::Sasl2]);
    }
}
