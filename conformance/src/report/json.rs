//! The JSON report, schema version 2 (`conformance/schema/report-v2.schema.json`). Version 2
//! only adds to version 1 (`report-v1.schema.json`, kept for readers of old reports): the
//! `capabilities` object, the reply timeout and TLS versions, the run-level summary fields and
//! per-variant case fields.

use crate::event::RunRecord;
use serde_json::{Value, json};

/// The schema version written in every JSON report; bump it on any incompatible change.
pub const SCHEMA_VERSION: u32 = 2;

/// The published JSON Schema, embedded so tools can print it.
pub const SCHEMA: &str = include_str!("../../schema/report-v2.schema.json");

/// The capability object with the discovery transcript.
fn capabilities(rec: &RunRecord) -> Value {
    let mut v = super::capabilities::json(&rec.meta.capabilities);
    if let Some(o) = v.as_object_mut() {
        o.insert("transcript".to_owned(), json!(rec.meta.discovery));
    }
    v
}

/// Render a run as a JSON value following the v2 schema.
pub fn render(rec: &RunRecord) -> Value {
    json!({
        "schemaVersion": SCHEMA_VERSION,
        "capabilities": capabilities(rec),
        "run": rec.meta,
        "summary": rec.summary,
        "cases": rec.results,
    })
}
