//! The JSON report, schema version 1 (`conformance/schema/report-v1.schema.json`).

use crate::event::RunRecord;
use serde_json::{Value, json};

/// The schema version written in every JSON report; bump it on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The published JSON Schema, embedded so tools can print it.
pub const SCHEMA: &str = include_str!("../../schema/report-v1.schema.json");

/// Render a run as a JSON value following the v1 schema.
pub fn render(rec: &RunRecord) -> Value {
    json!({
        "schemaVersion": SCHEMA_VERSION,
        "run": rec.meta,
        "summary": rec.summary,
        "cases": rec.results,
    })
}
