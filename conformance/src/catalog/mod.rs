//! The requirement catalogue as data: one TOML file per requirement set, embedded at build time,
//! so a case can cite `FAST-15` and a report can say what FAST-15 demands and at which level.

pub use crate::kinds::{Level, Testability};

use serde::Deserialize;
use std::sync::OnceLock;

/// Errors while loading the embedded catalogue; they mean a broken build, never bad user input.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A TOML file does not parse or does not match the schema.
    #[error("requirement file {file}: {source}")]
    Parse {
        /// Which embedded file.
        file: &'static str,
        /// The TOML error.
        source: toml::de::Error,
    },
    /// Two entries share an id, so citations would be ambiguous.
    #[error("duplicate requirement id {0}")]
    Duplicate(String),
    /// An id does not start with its set's prefix.
    #[error("requirement {id} is in set {set}")]
    WrongSet {
        /// The entry's id.
        id: String,
        /// The set it was filed under.
        set: String,
    },
}

/// One numbered requirement, transcribed from the spec digest's catalogue tables.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Requirement {
    /// Stable id such as `SASL2-27` or `DCR-34`.
    pub id: String,
    /// Normalised strength; drives fail-versus-warn.
    pub level: Level,
    /// The digest's original marking when it was more nuanced than `level` (e.g. `MUST/SHOULD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_note: Option<String>,
    /// Section of the source specification.
    pub source: String,
    /// One line, in our words.
    pub summary: String,
    /// How it can be observed.
    pub testability: Testability,
    /// The digest's hint on how to test it, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_hint: Option<String>,
    /// Why no case covers it, when none will.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<String>,
}

/// A set of requirements frozen to one spec revision, so upgrading the suite cannot silently move the bar.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct RequirementSet {
    /// Id prefix: `SASL2`, `FAST`, `INV`, `IBR`, `PARS`, `DCR`.
    pub set: String,
    /// The specification versions the set was transcribed from.
    pub spec_revision: String,
    /// The entries, in catalogue order.
    #[serde(rename = "requirement")]
    pub requirements: Vec<Requirement>,
}

const FILES: [(&str, &str); 6] = [
    ("sasl2.toml", include_str!("../../requirements/sasl2.toml")),
    ("fast.toml", include_str!("../../requirements/fast.toml")),
    ("inv.toml", include_str!("../../requirements/inv.toml")),
    ("ibr.toml", include_str!("../../requirements/ibr.toml")),
    ("pars.toml", include_str!("../../requirements/pars.toml")),
    ("dcr.toml", include_str!("../../requirements/dcr.toml")),
];

/// The whole catalogue: every requirement set, in a fixed order.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The sets, in the order sasl2, fast, inv, ibr, pars, dcr.
    pub sets: Vec<RequirementSet>,
}

impl Catalog {
    /// Parse the embedded files and check ids are unique and filed under the right prefix.
    pub fn load() -> Result<Catalog, CatalogError> {
        let mut sets = Vec::with_capacity(FILES.len());
        let mut seen = std::collections::HashSet::new();
        for (file, text) in FILES {
            let set: RequirementSet =
                toml::from_str(text).map_err(|source| CatalogError::Parse { file, source })?;
            for r in &set.requirements {
                if !r.id.starts_with(&format!("{}-", set.set)) {
                    return Err(CatalogError::WrongSet {
                        id: r.id.clone(),
                        set: set.set.clone(),
                    });
                }
                if !seen.insert(r.id.clone()) {
                    return Err(CatalogError::Duplicate(r.id.clone()));
                }
            }
            sets.push(set);
        }
        Ok(Catalog { sets })
    }

    /// The catalogue parsed once per process; the embedded data is fixed, so a failure is a build bug.
    pub fn global() -> &'static Catalog {
        static CAT: OnceLock<Catalog> = OnceLock::new();
        CAT.get_or_init(|| match Catalog::load() {
            Ok(c) => c,
            Err(e) => panic!("embedded requirement catalogue is broken: {e}"),
        })
    }

    /// Look a requirement up by id.
    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.iter().find(|r| r.id == id)
    }

    /// Every requirement of every set.
    pub fn iter(&self) -> impl Iterator<Item = &Requirement> {
        self.sets.iter().flat_map(|s| s.requirements.iter())
    }

    /// `(set, revision)` pairs, for run metadata.
    pub fn revisions(&self) -> Vec<(String, String)> {
        self.sets
            .iter()
            .map(|s| (s.set.clone(), s.spec_revision.clone()))
            .collect()
    }
}

/// Which case module tests a requirement set: invites covers INV, IBR and PARS; oauth2 covers DCR.
pub fn module_of_set(set: &str) -> Option<crate::kinds::Module> {
    use crate::kinds::Module;
    match set {
        "SASL2" => Some(Module::Sasl2),
        "FAST" => Some(Module::Fast),
        "INV" | "IBR" | "PARS" => Some(Module::Invites),
        "DCR" => Some(Module::Oauth2),
        _ => None,
    }
}

/// The set prefix of an id: `SASL2-101` -> `SASL2`.
pub fn set_of(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_loads_with_every_row_of_the_digest() {
        let c = Catalog::load().expect("loads");
        let count = |p: &str| {
            c.sets
                .iter()
                .find(|s| s.set == p)
                .map_or(0, |s| s.requirements.len())
        };
        assert_eq!(count("SASL2"), 39 + 24 + 12);
        assert_eq!(count("FAST"), 29);
        assert_eq!(count("INV"), 28);
        assert_eq!(count("IBR"), 26 + 2);
        assert_eq!(count("PARS"), 9);
        // 49 rows of the digest, plus DCR-43 (refresh rotation), DCR-55 (PKCE downgrade) and DCR-80..82 (OAUTHBEARER,
        // revocation) added with the oauth2 cases (issue 12).
        assert_eq!(count("DCR"), 49 + 5);
        assert_eq!(c.get("SASL2-27").map(|r| r.level), Some(Level::Should));
        assert_eq!(
            c.get("FAST-21").map(|r| r.testability),
            Some(Testability::Wb)
        );
        assert!(c.get("FAST-21").and_then(|r| r.waiver.as_ref()).is_some());
        assert_eq!(c.get("SASL2-16").map(|r| r.level), Some(Level::Must));
        assert_eq!(c.get("IBR-17").map(|r| r.level), Some(Level::MustNot));
        assert!(c.sets.iter().all(|s| !s.spec_revision.is_empty()));
    }

    #[test]
    fn set_prefix_and_module() {
        assert_eq!(set_of("SASL2-101"), "SASL2");
        assert_eq!(module_of_set("PARS"), Some(crate::kinds::Module::Invites));
        assert_eq!(module_of_set("X"), None);
    }
}
