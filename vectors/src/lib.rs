//! gatecheck-vectors: runs the repository's language-neutral test vectors (`vectors/*.json`)
//! through gatecheck-proto's real API, as a second checker independent of `check.py`. Both must
//! agree on every vector; a vector proto disagrees with is a bug in one of them, never skipped.

pub mod errors;
pub mod family;
pub mod known;
pub mod model;
pub mod report;

pub use model::{Algorithm, Expect, VectorFile};
pub use report::{Failure, Observed, Report};

use model::TestMeta;
use std::path::Path;

/// The vector files compiled into this crate (name, JSON text), so `gatecheck vectors` works
/// without a checkout.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("ht-sha-256.json", include_str!("../ht-sha-256.json")),
    ("invite-uri.json", include_str!("../invite-uri.json")),
    ("nodeprep.json", include_str!("../nodeprep.json")),
    ("saslprep.json", include_str!("../saslprep.json")),
    ("scram-sha-1.json", include_str!("../scram-sha-1.json")),
    ("scram-sha-256.json", include_str!("../scram-sha-256.json")),
    ("scram-sha-512.json", include_str!("../scram-sha-512.json")),
    ("stateless-dcr.json", include_str!("../stateless-dcr.json")),
    ("xep-0082.json", include_str!("../xep-0082.json")),
    ("xep-0474.json", include_str!("../xep-0474.json")),
];

/// Why a directory could not be read (individual bad files are [`Failure`]s, not errors).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Listing or reading the directory failed.
    #[error("reading {path}")]
    Io {
        /// The path that failed.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The directory holds no vector files, which is almost certainly the wrong directory.
    #[error("no vector files (*.json other than schema.json) in {0}")]
    NoVectors(String),
}

/// Checks every `*.json` in `dir` except `schema.json`, in name order.
pub fn check_dir(dir: &Path) -> Result<Report, CheckError> {
    let io = |source| CheckError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let is_json = path.extension().is_some_and(|e| e == "json");
        if is_json && path.file_name().is_some_and(|n| n != "schema.json") {
            names.push(path);
        }
    }
    if names.is_empty() {
        return Err(CheckError::NoVectors(dir.display().to_string()));
    }
    names.sort();
    let mut report = Report::default();
    for path in names {
        let text = std::fs::read_to_string(&path).map_err(|source| CheckError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        report.merge(check_str(&name.unwrap_or_default(), &text));
    }
    Ok(report)
}

/// Checks the vectors compiled in with [`EMBEDDED`].
pub fn check_embedded() -> Report {
    let mut report = Report::default();
    for (name, text) in EMBEDDED {
        report.merge(check_str(name, text));
    }
    report
}

/// Checks one vector file's text; `name` is only used in failures.
pub fn check_str(name: &str, text: &str) -> Report {
    let mut report = Report::default();
    let fail = |tc_id, why: String| Failure {
        file: name.to_owned(),
        tc_id,
        why,
    };
    let file: VectorFile = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            report
                .failed
                .push(fail(None, format!("not a vector file: {e}")));
            return report;
        }
    };
    let outcomes = match family::run(&file) {
        Ok(o) => o,
        Err(e) => {
            report
                .failed
                .push(fail(None, format!("bad test group: {e}")));
            return report;
        }
    };
    for why in structure_problems(&file, &outcomes) {
        report.failed.push(fail(None, why));
    }
    for (meta, verdict) in outcomes {
        match verdict {
            Ok(()) => {
                report.passed += 1;
                *report.passed_by_family.entry(file.algorithm).or_default() += 1;
            }
            Err(why) => {
                let failure = fail(Some(meta.tc_id), why);
                if known::lookup(name, failure.tc_id, &failure.why).is_some() {
                    report.known.push(failure);
                } else {
                    report.failed.push(failure);
                }
            }
        }
    }
    report
}

/// The structural rules of the README that serde cannot express (the same ones `check.py`
/// enforces): schema version, citations, test count, increasing `tcId`, declared flags.
fn structure_problems(
    file: &VectorFile,
    outcomes: &[(TestMeta, Result<(), String>)],
) -> Vec<String> {
    let mut problems = Vec::new();
    if file.schema_version != "2" {
        problems.push(format!(
            "schemaVersion {:?} is not \"2\"",
            file.schema_version
        ));
    }
    if file.source.is_empty() || file.source.iter().any(String::is_empty) {
        problems.push("source must be a non-empty list of citations".to_owned());
    }
    if outcomes.len() != file.number_of_tests {
        problems.push(format!(
            "numberOfTests is {} but the file has {} tests",
            file.number_of_tests,
            outcomes.len()
        ));
    }
    let mut last = 0;
    for (meta, _) in outcomes {
        if meta.tc_id <= last {
            problems.push(format!("tcId {} is not unique and increasing", meta.tc_id));
        }
        last = last.max(meta.tc_id);
        let mut seen = std::collections::BTreeSet::new();
        for flag in &meta.flags {
            if !file.notes.contains_key(flag) {
                problems.push(format!(
                    "tcId {}: flag {flag:?} not declared in notes",
                    meta.tc_id
                ));
            }
            if !seen.insert(flag) {
                problems.push(format!("tcId {}: flag {flag:?} repeated", meta.tc_id));
            }
        }
        if meta.result == Expect::Invalid && meta.flags.is_empty() {
            problems.push(format!("tcId {}: invalid test names no flag", meta.tc_id));
        }
    }
    problems
}
