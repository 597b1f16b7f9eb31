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

/// The current list.
pub const KNOWN_DISAGREEMENTS: &[Known] = &[Known {
    file: "saslprep.json",
    tc_id: 8,
    why_contains: "output is \"pass word\"",
    reading: "U+200B is in both RFC 3454 B.1 (map to nothing) and C.1.2 (map to SPACE); the \
                  stringprep crate (proto's stored mode) and libidn map to SPACE, proto's own query \
                  mode and Python map to nothing. RFC 4013 is ambiguous; proto is inconsistent \
                  between its two modes either way",
}];

/// The entry excusing this failure, if any.
pub fn lookup(file: &str, tc_id: Option<u64>, why: &str) -> Option<&'static Known> {
    KNOWN_DISAGREEMENTS
        .iter()
        .find(|k| k.file == file && Some(k.tc_id) == tc_id && why.contains(k.why_contains))
}
