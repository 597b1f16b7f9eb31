//! Vectors on which proto and the vector files (and so `check.py`) are known to disagree, each
//! reported to the lead with the reading of the spec. They are listed, not skipped: a matching
//! failure is moved to [`crate::Report::known`] and printed, anything else still fails, and the
//! test suite insists every entry still occurs so a fixed one must be removed from here.

/// One documented disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// Vector file name.
    pub file: &'static str,
    /// The test.
    pub tc_id: u64,
    /// A substring of the failure text, so a *different* failure of the same test is not excused.
    pub why_contains: &'static str,
    /// Who is right, per the spec.
    pub reading: &'static str,
}

/// The current list: empty since HT-SHA3-256, query-mode Nodeprep and the `acceptable` U+200B
/// SASLprep vector resolved the last three. Kept (with `known_disagreements_are_empty` below) so a
/// future disagreement is recorded with its spec reading instead of being skipped or "fixed" by
/// editing expected values; adding one means deleting that test in the same commit.
pub const KNOWN_DISAGREEMENTS: &[Known] = &[];

/// The entry excusing this failure, if any.
pub fn lookup(file: &str, tc_id: Option<u64>, why: &str) -> Option<&'static Known> {
    KNOWN_DISAGREEMENTS
        .iter()
        .find(|k| k.file == file && Some(k.tc_id) == tc_id && why.contains(k.why_contains))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_disagreements_are_empty() {
        // The bar: proto and check.py both pass every vector.
        assert!(KNOWN_DISAGREEMENTS.is_empty(), "{KNOWN_DISAGREEMENTS:?}");
        assert!(lookup("saslprep.json", Some(8), "output is \"pass word\"").is_none());
    }
}
