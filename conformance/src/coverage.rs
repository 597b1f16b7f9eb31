//! Two-way links between requirements and cases, and the rule that no testable MUST goes unchecked.

use crate::case::Case;
use crate::catalog::{Catalog, Requirement, module_of_set, set_of};
use std::collections::HashSet;

/// A requirement with the ids of the cases citing it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CoverageRow {
    /// The requirement.
    #[serde(flatten)]
    pub requirement: Requirement,
    /// Ids of cases that cite it.
    pub cases: Vec<String>,
}

/// Every requirement of the catalogue with the cases covering it, in catalogue order.
pub fn coverage(catalog: &Catalog, cases: &[Case]) -> Vec<CoverageRow> {
    catalog
        .iter()
        .map(|r| CoverageRow {
            requirement: r.clone(),
            cases: cases
                .iter()
                .filter(|c| c.requirements.iter().any(|id| id == &r.id))
                .map(|c| c.id.clone())
                .collect(),
        })
        .collect()
}

/// Ids of black-box-testable MUST / MUST NOT requirements with neither a case nor a waiver, counted only
/// for modules that have at least one case (a module still being written is not held to it yet).
pub fn uncovered_musts(catalog: &Catalog, cases: &[Case]) -> Vec<String> {
    let modules: HashSet<_> = cases.iter().map(|c| c.module).collect();
    coverage(catalog, cases)
        .into_iter()
        .filter(|row| {
            let r = &row.requirement;
            r.level.is_must()
                && r.testability.is_black_box()
                && r.waiver.is_none()
                && row.cases.is_empty()
                && module_of_set(set_of(&r.id)).is_some_and(|m| modules.contains(&m))
        })
        .map(|row| row.requirement.id)
        .collect()
}
