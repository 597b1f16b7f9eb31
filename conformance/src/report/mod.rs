//! Reports, all built from the one event stream: terminal, JSON, JUnit XML, HTML.

pub mod capabilities;
pub mod headline;
pub mod html;
pub mod json;
pub mod junit;
pub mod terminal;

use crate::event::{Collector, Event};
pub use crate::kinds::{ReportKind, ReportSpec};
use std::path::PathBuf;

/// Errors writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Serialisation failed.
    #[error("cannot serialise the {kind} report: {detail}")]
    Serialise {
        /// Report kind.
        kind: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The event stream ended without a start or finish event.
    #[error("the run produced no complete record")]
    Incomplete,
}

/// A file report: collects the events and writes the file when the run finishes.
#[derive(Debug)]
pub struct FileReport {
    spec: ReportSpec,
    collector: Collector,
}

impl FileReport {
    /// A report writing `spec.path` in `spec.kind` format.
    pub fn new(spec: ReportSpec) -> FileReport {
        FileReport {
            spec,
            collector: Collector::default(),
        }
    }

    /// Feed one event.
    pub fn event(&mut self, ev: &Event) {
        self.collector.push(ev);
    }

    /// Render and write the file; call after the run finished.
    pub fn finish(&self) -> Result<PathBuf, ReportError> {
        let rec = self.collector.record().ok_or(ReportError::Incomplete)?;
        let text = match self.spec.kind {
            ReportKind::Json => serde_json::to_string_pretty(&json::render(&rec)).map_err(|e| {
                ReportError::Serialise {
                    kind: "json",
                    detail: e.to_string(),
                }
            })?,
            ReportKind::Junit => junit::render(&rec)?,
            ReportKind::Html => html::render(&rec),
        };
        std::fs::write(&self.spec.path, text).map_err(|source| ReportError::Write {
            path: self.spec.path.display().to_string(),
            source,
        })?;
        Ok(self.spec.path.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_report_specs() {
        let s: ReportSpec = "junit=out/j.xml".parse().expect("ok");
        assert_eq!(s.kind, ReportKind::Junit);
        assert_eq!(s.path, PathBuf::from("out/j.xml"));
        assert!("pdf=x".parse::<ReportSpec>().is_err());
        assert!("json".parse::<ReportSpec>().is_err());
        assert!("json=".parse::<ReportSpec>().is_err());
    }
}
