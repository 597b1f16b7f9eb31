//! Known-failures file: a listed case that fails does not fail the run, a listed case that passes is
//! STALE and does, and a listed id that matches no case is an error. An entry names a case (all its
//! variants), a profile of it (`scram.nonce@sasl2`, all its TLS versions) or one variant
//! (`scram.nonce@sasl2@tls1.3`); ids of cases that were renamed are carried over (see
//! [`Baseline::carry_renames`]).

use crate::case::Case;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Errors loading or checking a baseline; all of them stop the run before it starts.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file cannot be read.
    #[error("cannot read baseline {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid baseline TOML.
    #[error("baseline {path} is not valid: {source}")]
    Parse {
        /// The path.
        path: String,
        /// The TOML error.
        source: toml::de::Error,
    },
    /// An entry has an empty reason.
    #[error("baseline entry for {0} has an empty reason; say why the failure is known")]
    NoReason(String),
    /// The same case is listed twice.
    #[error("baseline lists {0} twice")]
    Duplicate(String),
    /// Entries naming cases that do not exist (typos, renamed cases).
    #[error("baseline lists cases that do not exist: {}", .0.join(", "))]
    UnknownCases(Vec<String>),
}

/// One known failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Known {
    /// The case id.
    pub case: String,
    /// Why it fails (required).
    pub reason: String,
    /// Issue tracker link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A parsed baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The known failures.
    #[serde(default)]
    pub known: Vec<Known>,
}

impl Baseline {
    /// Parse baseline TOML and check every entry has a reason and appears once.
    pub fn parse(text: &str, path: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline = toml::from_str(text).map_err(|source| BaselineError::Parse {
            path: path.to_owned(),
            source,
        })?;
        let mut seen = std::collections::HashSet::new();
        for k in &b.known {
            if k.reason.trim().is_empty() {
                return Err(BaselineError::NoReason(k.case.clone()));
            }
            if !seen.insert(k.case.as_str()) {
                return Err(BaselineError::Duplicate(k.case.clone()));
            }
        }
        Ok(b)
    }

    /// Read and parse a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: p.clone(),
            source,
        })?;
        Baseline::parse(&text, &p)
    }

    /// Fail if any entry names a case that is not in `cases` (the full registry, not just the
    /// selection). An entry may name one variant (`scram.nonce@sasl@tls1.2`); its case id must
    /// exist (which variants a target gets depends on what it offers, so they are not checked).
    pub fn check_ids(&self, cases: &[Case]) -> Result<(), BaselineError> {
        let unknown: Vec<String> = self
            .known
            .iter()
            .filter(|k| !cases.iter().any(|c| c.id == crate::case::base_id(&k.case)))
            .map(|k| k.case.clone())
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(BaselineError::UnknownCases(unknown))
        }
    }

    /// The entry for a result id, exactly as written.
    pub fn get(&self, case: &str) -> Option<&Known> {
        self.known.iter().find(|k| k.case == case)
    }

    /// The entry that applies to a result id: the most specific of the id itself and its
    /// shorter forms (`a@sasl2@tls1.3`, then `a@sasl2`, then `a`).
    pub fn lookup(&self, result_id: &str) -> Option<&Known> {
        let mut id = result_id;
        loop {
            if let Some(k) = self.get(id) {
                return Some(k);
            }
            id = id.rsplit_once('@')?.0;
        }
    }

    /// Rewrite entries that name a case by its id before the SCRAM cases left the `sasl2`
    /// module (issue 15: they run over both SASL profiles now, as `scram.*`): `sasl2.scram.X`
    /// becomes `scram.X@sasl2`, `sasl2.features.scram-plus-pairing` becomes
    /// `scram.features.plus-pairing@sasl2`, so an old baseline keeps meaning what it meant (the
    /// SASL2 runs). Only ids no case has and whose new case exists are rewritten; returns the
    /// (old, new) pairs so the caller can say so.
    pub fn carry_renames(&mut self, cases: &[Case]) -> Vec<(String, String)> {
        let exists = |id: &str| cases.iter().any(|c| c.id == crate::case::base_id(id));
        let mut renamed = Vec::new();
        for k in &mut self.known {
            if exists(&k.case) {
                continue;
            }
            let new = match k.case.as_str() {
                "sasl2.features.scram-plus-pairing" => {
                    Some("scram.features.plus-pairing@sasl2".to_owned())
                }
                old => old
                    .strip_prefix("sasl2.scram.")
                    .map(|rest| format!("scram.{rest}@sasl2")),
            };
            if let Some(new) = new.filter(|n| exists(n)) {
                renamed.push((std::mem::replace(&mut k.case, new.clone()), new));
            }
        }
        renamed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Module;

    #[test]
    fn entries_apply_to_variants_most_specific_first() {
        let b = Baseline::parse(
            "[[known]]\ncase = \"scram.nonce\"\nreason = \"all\"\n\
             [[known]]\ncase = \"scram.nonce@sasl2\"\nreason = \"sasl2\"\n\
             [[known]]\ncase = \"scram.nonce@sasl2@tls1.2\"\nreason = \"one\"\n",
            "b.toml",
        )
        .expect("parses");
        let reason = |id: &str| b.lookup(id).map(|k| k.reason.as_str());
        assert_eq!(reason("scram.nonce@sasl2@tls1.2"), Some("one"));
        assert_eq!(reason("scram.nonce@sasl2@tls1.3"), Some("sasl2"));
        assert_eq!(reason("scram.nonce@sasl@tls1.3"), Some("all"));
        assert_eq!(reason("scram.nonce"), Some("all"));
        assert_eq!(reason("scram.other"), None);
    }

    #[test]
    fn old_scram_ids_are_carried_to_the_sasl2_variant() {
        let cases = vec![
            Case::new("scram.nonce", Module::Scram, "n"),
            Case::new("scram.features.plus-pairing", Module::Scram, "p"),
            Case::new("sasl2.scram.no-whitespace", Module::Sasl2, "w"),
        ];
        let mut b = Baseline::parse(
            "[[known]]\ncase = \"sasl2.scram.nonce\"\nreason = \"r\"\n\
             [[known]]\ncase = \"sasl2.features.scram-plus-pairing\"\nreason = \"r\"\n\
             [[known]]\ncase = \"sasl2.scram.no-whitespace\"\nreason = \"stays\"\n\
             [[known]]\ncase = \"sasl2.scram.gone\"\nreason = \"typo\"\n",
            "b.toml",
        )
        .expect("parses");
        let renamed = b.carry_renames(&cases);
        assert_eq!(
            renamed,
            [
                (
                    "sasl2.scram.nonce".to_owned(),
                    "scram.nonce@sasl2".to_owned()
                ),
                (
                    "sasl2.features.scram-plus-pairing".to_owned(),
                    "scram.features.plus-pairing@sasl2".to_owned()
                ),
            ]
        );
        assert!(matches!(
            b.check_ids(&cases),
            Err(BaselineError::UnknownCases(ids)) if ids == ["sasl2.scram.gone"]
        ));
    }
}
