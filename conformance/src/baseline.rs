//! Known-failures file: a listed case that fails does not fail the run, a listed case that passes is
//! STALE and does, and a listed id that matches no case is an error.

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

    /// The entry for a result id, exactly as written (the runner falls back to the case id).
    pub fn get(&self, case: &str) -> Option<&Known> {
        self.known.iter().find(|k| k.case == case)
    }
}
