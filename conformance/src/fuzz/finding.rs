//! The finding file: one JSON document per (oracle, signature), replayable with
//! `gatecheck replay FILE`.

use super::oracle::{Oracle, Violation};
use gatecheck_client::Transcript;
use gatecheck_proto::script::Script;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format version written into every file.
pub const FORMAT: u32 = 1;

/// Longest text kept per transcript entry (oversized inputs would make findings unreadable).
const ENTRY_TEXT: usize = 2_048;

/// One finding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub format: u32,
    pub oracle: Oracle,
    /// What kind of input, for deduplication.
    pub signature: String,
    /// What was observed.
    pub detail: String,
    /// The run's `--seed`.
    pub seed: u64,
    /// The session index in the run (`None` for a corpus file).
    pub session: Option<u64>,
    /// The corpus file the script came from, if any.
    pub corpus_file: Option<String>,
    /// The target as given (`xmpp://…`; `embedded` for the in-process server).
    pub target: String,
    /// The minimised script: what `gatecheck replay` runs.
    pub script: Script,
    /// The script as generated.
    pub original: Script,
    /// Whether minimisation ran, and the step counts before and after.
    pub minimised: bool,
    pub steps_before: usize,
    pub steps_after: usize,
    /// The transcript of the minimised script's last reproduction (secrets redacted).
    pub observed: serde_json::Value,
}

/// Why a finding could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum FindingError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a gatecheck fuzz finding: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// The observed transcript, redacted, each entry cut at [`ENTRY_TEXT`].
pub fn observed(transcript: &Transcript) -> serde_json::Value {
    let entries: Vec<_> = transcript
        .render(true)
        .into_iter()
        .map(|mut e| {
            if e.text.len() > ENTRY_TEXT {
                let total = e.text.len();
                let mut cut = ENTRY_TEXT;
                while !e.text.is_char_boundary(cut) {
                    cut -= 1;
                }
                e.text.truncate(cut);
                e.text.push_str(&format!("… ({total} bytes)"));
            }
            e
        })
        .collect();
    serde_json::to_value(entries).unwrap_or(serde_json::Value::Null)
}

impl Finding {
    /// The file name: oracle and a short hash of the signature.
    pub fn file_name(&self) -> String {
        use sha2::Digest;
        let h = sha2::Sha256::digest(self.signature.as_bytes());
        let hex: String = h.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!("finding-{}-{hex}.json", self.oracle.as_str())
    }

    /// Writes into `dir` (created if needed); returns the path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, FindingError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| FindingError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(self.file_name());
        let json = serde_json::to_string_pretty(self).map_err(|source| FindingError::Json {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, json).map_err(io(&path))?;
        Ok(path)
    }

    /// Reads a finding file.
    pub fn read(path: &Path) -> Result<Finding, FindingError> {
        let bytes = std::fs::read(path).map_err(|source| FindingError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|source| FindingError::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Whether `v` is this finding again.
    pub fn matches(&self, v: &Violation) -> bool {
        v.oracle == self.oracle && v.signature == self.signature
    }
}
