//! What `--report KIND=PATH` asks for: a value the configuration holds and the report writers read.

use std::path::PathBuf;

/// A report file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// Versioned JSON (`schema/report-v2.schema.json`).
    Json,
    /// JUnit XML (`schema/junit.xsd`).
    Junit,
    /// One self-contained HTML file.
    Html,
}

/// `KIND=PATH` as given to `--report`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    /// Format.
    pub kind: ReportKind,
    /// Output file.
    pub path: PathBuf,
}

impl std::str::FromStr for ReportSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<ReportSpec, String> {
        let (k, p) = s
            .split_once('=')
            .ok_or_else(|| format!("{s:?}: expected KIND=PATH (json, junit, html)"))?;
        let kind = match k {
            "json" => ReportKind::Json,
            "junit" => ReportKind::Junit,
            "html" => ReportKind::Html,
            _ => {
                return Err(format!(
                    "unknown report kind {k:?}: expected json, junit or html"
                ));
            }
        };
        if p.is_empty() {
            return Err(format!("{s:?}: empty path"));
        }
        Ok(ReportSpec {
            kind,
            path: PathBuf::from(p),
        })
    }
}
