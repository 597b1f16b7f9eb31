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

/// Render a run as a JSON value following the v2 schema.
pub fn render(rec: &RunRecord) -> Value {
    json!({
        "schemaVersion": SCHEMA_VERSION,
        "capabilities": super::capabilities::json(&rec.meta.capabilities),
        "run": rec.meta,
        "summary": rec.summary,
        "cases": rec.results,
    })
}
