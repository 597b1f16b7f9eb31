//! SASLprep (RFC 4013) with the RFC 3454 §7 distinction between stored strings and queries.
//!
//! Passwords fed into SCRAM key derivation are *stored strings* (RFC 5802 §2.2: unassigned code points are
//! prohibited), so the result is stable across Unicode versions. Usernames received from a client are *queries*
//! (unassigned code points pass through), so a newer client is not rejected merely for using a newer character.

use std::borrow::Cow;

use stringprep::tables;
use unicode_normalization::UnicodeNormalization;

use super::MechanismError;

/// Which RFC 3454 §7 profile application applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrepMode {
    /// Unassigned code points are prohibited (passwords, anything persisted).
    Stored,
    /// Unassigned code points are allowed (identifiers looked up, never stored).
    Query,
}

/// Applies SASLprep; an empty result is an error too, since RFC 5802 §5.1 says to abort on it.
pub fn saslprep(input: &str, mode: PrepMode) -> Result<Cow<'_, str>, MechanismError> {
    let out = match mode {
        PrepMode::Stored => {
            stringprep::saslprep(input).map_err(|e| MechanismError::Saslprep(e.to_string()))?
        }
        PrepMode::Query => saslprep_query(input)?,
    };
    if out.is_empty() {
        return Err(MechanismError::Saslprep("empty after preparation".into()));
    }
    Ok(out)
}

fn saslprep_query(s: &str) -> Result<Cow<'_, str>, MechanismError> {
    if s.chars()
        .all(|c| c.is_ascii() && !tables::ascii_control_character(c))
    {
        return Ok(Cow::Borrowed(s));
    }
    prep_query(s, QueryProfile::Saslprep)
        .map(Cow::Owned)
        .map_err(|e| MechanismError::Saslprep(e.to_string()))
}

/// The stringprep profiles that have a query mode here. The `stringprep` crate only implements
/// stored strings, so the query variants share this one pipeline (RFC 3454 §7: the same steps,
/// minus the unassigned-code-point check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryProfile {
    /// RFC 4013.
    Saslprep,
    /// RFC 3920 / RFC 6122 appendix A.
    Nodeprep,
}

/// Why a query-mode preparation failed; the message names the offending code point so callers
/// can classify it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum QueryPrepError {
    /// An output character is in one of the profile's prohibited tables.
    #[error("prohibited character U+{:04X}", u32::from(*.0))]
    Prohibited(char),
    /// RFC 3454 §6 bidi rules are violated.
    #[error("prohibited bidirectional text")]
    Bidi,
}

/// RFC 3454 query-mode preparation (map, NFKC, prohibit, bidi) for `profile`.
pub(crate) fn prep_query(s: &str, profile: QueryProfile) -> Result<String, QueryPrepError> {
    let normalized: String = match profile {
        // C.1.2 before B.1, as the `stringprep` crate (stored mode) and libidn do: U+200B is in
        // both tables and RFC 4013 §2.1 gives no precedence, so this order keeps the two modes
        // identical (see `zero_width_space_maps_to_space_in_both_modes`).
        QueryProfile::Saslprep => s
            .chars()
            .map(|c| {
                if tables::non_ascii_space_character(c) {
                    ' '
                } else {
                    c
                }
            })
            .filter(|&c| !tables::commonly_mapped_to_nothing(c))
            .nfkc()
            .collect(),
        QueryProfile::Nodeprep => s
            .chars()
            .filter(|&c| !tables::commonly_mapped_to_nothing(c))
            .flat_map(tables::case_fold_for_nfkc)
            .nfkc()
            .collect(),
    };
    let forbidden = |c: char| match profile {
        QueryProfile::Saslprep => prohibited(c),
        QueryProfile::Nodeprep => {
            prohibited(c) || tables::ascii_space_character(c) || NODE_PROHIBITED.contains(&c)
        }
    };
    if let Some(c) = normalized.chars().find(|&c| forbidden(c)) {
        return Err(QueryPrepError::Prohibited(c));
    }
    if bidi_violation(&normalized) {
        return Err(QueryPrepError::Bidi);
    }
    Ok(normalized)
}

/// RFC 6122 appendix A.5: the ASCII characters Nodeprep prohibits on top of RFC 3454's tables.
const NODE_PROHIBITED: [char; 8] = ['"', '&', '\'', '/', ':', '<', '>', '@'];

/// RFC 4013 §2.3 prohibited output (RFC 3454 C.1.2, C.2.1, C.2.2, C.3–C.9).
fn prohibited(c: char) -> bool {
    tables::non_ascii_space_character(c)
        || tables::ascii_control_character(c)
        || tables::non_ascii_control_character(c)
        || tables::private_use(c)
        || tables::non_character_code_point(c)
        || tables::surrogate_code(c)
        || tables::inappropriate_for_plain_text(c)
        || tables::inappropriate_for_canonical_representation(c)
        || tables::change_display_properties_or_deprecated(c)
        || tables::tagging_character(c)
}

/// RFC 3454 §6: RandALCat text must not contain LCat and must start and end with RandALCat.
fn bidi_violation(s: &str) -> bool {
    if !s.chars().any(tables::bidi_r_or_al) {
        return false;
    }
    if s.chars().any(tables::bidi_l) {
        return true;
    }
    let first = s.chars().next().is_some_and(tables::bidi_r_or_al);
    let last = s.chars().next_back().is_some_and(tables::bidi_r_or_al);
    !(first && last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_table_3_3_6_both_modes() {
        for mode in [PrepMode::Stored, PrepMode::Query] {
            assert_eq!(saslprep("I\u{AD}X", mode).unwrap(), "IX");
            assert_eq!(saslprep("user", mode).unwrap(), "user");
            assert_eq!(saslprep("USER", mode).unwrap(), "USER");
            assert_eq!(saslprep("\u{AA}", mode).unwrap(), "a");
            assert_eq!(saslprep("\u{2168}", mode).unwrap(), "IX");
            assert!(saslprep("\u{7}", mode).is_err());
            assert!(saslprep("\u{627}\u{31}", mode).is_err());
            assert!(saslprep("\u{AD}", mode).is_err(), "empty result");
            assert_eq!(saslprep("a\u{A0}b", mode).unwrap(), "a b");
        }
    }

    #[test]
    fn unassigned_only_allowed_in_queries() {
        // U+0221 is unassigned in Unicode 3.2 (RFC 3454 table A.1).
        assert!(saslprep("a\u{221}", PrepMode::Stored).is_err());
        assert_eq!(saslprep("a\u{221}", PrepMode::Query).unwrap(), "a\u{221}");
    }

    #[test]
    fn zero_width_space_maps_to_space_in_both_modes() {
        // U+200B is in RFC 3454 B.1 (map to nothing) and C.1.2 (SASLprep: map to SPACE); it is
        // the only code point in both. Whichever reading is chosen, stored and query must agree.
        for mode in [PrepMode::Stored, PrepMode::Query] {
            assert_eq!(saslprep("pass\u{200B}word", mode).unwrap(), "pass word");
        }
        let overlap: Vec<u32> = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|&c| {
                tables::commonly_mapped_to_nothing(c) && tables::non_ascii_space_character(c)
            })
            .map(u32::from)
            .collect();
        assert_eq!(overlap, [0x200B]);
    }

    #[test]
    fn both_modes_agree_on_assigned_input() {
        for s in [
            "a\u{A0}\u{AD}b",
            "\u{3000}x\u{FEFF}",
            "\u{2000}\u{200C}\u{FB01}",
            "\u{1680}y",
        ] {
            assert_eq!(
                saslprep(s, PrepMode::Stored).unwrap(),
                saslprep(s, PrepMode::Query).unwrap(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn nodeprep_query_matches_stored_on_assigned_input() {
        for s in [
            "Juliet",
            "stra\u{DF}e",
            "\u{3A3}\u{3B1}",
            "\u{2168}",
            "ro\u{AD}meo",
            "\u{FF2A}",
        ] {
            assert_eq!(
                prep_query(s, QueryProfile::Nodeprep).unwrap(),
                stringprep::nodeprep(s).unwrap()
            );
        }
        for s in [
            "a@b", "a b", "o'brien", "a/b", "a\u{A0}b", "a\"b", "\u{627}1",
        ] {
            assert!(prep_query(s, QueryProfile::Nodeprep).is_err(), "{s:?}");
            assert!(stringprep::nodeprep(s).is_err(), "{s:?}");
        }
        assert_eq!(
            prep_query("\u{221}", QueryProfile::Nodeprep).unwrap(),
            "\u{221}"
        );
    }
}
