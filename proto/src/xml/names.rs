//! Namespace constants and XML name validation (XML 1.0 5th ed. §2.3, Namespaces in XML §4).

/// The stream namespace bound to the `stream:` prefix on `<stream:stream>`.
pub const STREAMS_NS: &str = "http://etherx.jabber.org/streams";
/// Namespace of stream error conditions and their `<text/>`.
pub const STREAM_ERRORS_NS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
/// Content namespace of client-to-server streams.
pub const JABBER_CLIENT_NS: &str = "jabber:client";
/// Content namespace of server-to-server streams.
pub const JABBER_SERVER_NS: &str = "jabber:server";
/// The namespace permanently bound to the `xml:` prefix (`xml:lang`).
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of `xmlns` declarations themselves; it can never be bound explicitly.
pub const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// True for an XML `NCName` (a name without colons), the shape of prefixes and local names.
pub fn is_ncname(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some((&first, rest)) = bytes.split_first() else {
        return false;
    };
    // ASCII fast path in one pass over a class table: nearly every name on the wire.
    if ASCII_NAME[usize::from(first)] == NAME_START
        && rest.iter().all(|&b| ASCII_NAME[usize::from(b)] != 0)
    {
        return true;
    }
    if bytes.is_ascii() {
        return false;
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if is_name_start(c) => chars.all(is_name_char),
        _ => false,
    }
}

const NAME_START: u8 = 2;
const NAME_ONLY: u8 = 1;

/// Class of each ASCII byte in an `NCName`; non-ASCII bytes are 0 and take the slow path.
static ASCII_NAME: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphabetic() || c == b'_' {
            NAME_START
        } else if c.is_ascii_digit() || c == b'-' || c == b'.' {
            NAME_ONLY
        } else {
            0
        };
        b += 1;
    }
    table
};

/// Splits a qualified name into `(prefix, local)`, or `None` if it is not a valid `QName`.
pub fn split_qname(qname: &str) -> Option<(&str, &str)> {
    if let Some(split) = split_ascii_qname(qname.as_bytes()) {
        return split.map(|colon| match colon {
            Some(i) => (
                qname.get(..i).unwrap_or_default(),
                qname.get(i + 1..).unwrap_or_default(),
            ),
            None => ("", qname),
        });
    }
    match qname.split_once(':') {
        Some((prefix, local)) if is_ncname(prefix) && is_ncname(local) => Some((prefix, local)),
        Some(_) => None,
        None if is_ncname(qname) => Some(("", qname)),
        None => None,
    }
}

/// One pass over an all-ASCII qualified name with the class table: `None` if a non-ASCII byte
/// needs the full Unicode rules, else `Some(None)` for an invalid name, `Some(Some(colon))` for
/// a valid one (`colon` is the position of the single `:`, if any).
#[allow(clippy::option_option)]
fn split_ascii_qname(bytes: &[u8]) -> Option<Option<Option<usize>>> {
    let prefix_end = match ascii_ncname_len(bytes) {
        NcName::NonAscii => return None,
        NcName::Invalid => return Some(None),
        NcName::Len(n) => n,
    };
    match bytes.get(prefix_end) {
        None => Some(Some(None)),
        Some(b':') => {
            let local = bytes.get(prefix_end + 1..).unwrap_or_default();
            match ascii_ncname_len(local) {
                NcName::NonAscii => None,
                NcName::Len(n) if n == local.len() => Some(Some(Some(prefix_end))),
                // A second colon, or an invalid byte; a later non-ASCII byte cannot save it.
                NcName::Len(_) | NcName::Invalid => Some(None),
            }
        }
        Some(_) => Some(None),
    }
}

/// Result of scanning the ASCII `NCName` at the start of a byte string.
enum NcName {
    /// The first byte is not ASCII: only the Unicode rules can tell.
    NonAscii,
    /// The first byte cannot start a name.
    Invalid,
    /// A valid name of this many bytes, followed by the end or a non-name byte.
    Len(usize),
}

fn ascii_ncname_len(bytes: &[u8]) -> NcName {
    let Some((&first, rest)) = bytes.split_first() else {
        return NcName::Invalid;
    };
    if first >= 0x80 {
        return NcName::NonAscii;
    }
    if ASCII_NAME[usize::from(first)] != NAME_START {
        return NcName::Invalid;
    }
    // Tight loop: one table load and compare per byte.
    let len = rest
        .iter()
        .position(|&b| ASCII_NAME[usize::from(b)] == 0)
        .unwrap_or(rest.len());
    match rest.get(len) {
        Some(&b) if b >= 0x80 => NcName::NonAscii,
        _ => NcName::Len(len + 1),
    }
}

/// True for a character allowed in XML 1.0 documents (`Char` production, §2.2).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Fast check on raw UTF-8 bytes for the characters XML 1.0 forbids outright: C0 controls other
/// than tab/LF/CR, and U+FFFE / U+FFFF (`EF BF BE`, `EF BF BF`). Surrogates never survive
/// UTF-8 validation, so this plus `from_utf8` is the full `Char` check.
pub fn has_forbidden_bytes(bytes: &[u8]) -> bool {
    // Branch-free prefilter (vectorises); exact check only on a hit.
    let suspicious = bytes.iter().fold(0u8, |acc, &b| {
        acc | u8::from(b < 0x20) | u8::from(b == 0xEF)
    });
    suspicious != 0 && has_forbidden_bytes_exact(bytes)
}

fn has_forbidden_bytes_exact(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| {
        (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
            || (b == 0xEF
                && bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)))
    })
}

/// True for XML whitespace (`S` production).
pub fn is_xml_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qnames() {
        assert_eq!(split_qname("stream:stream"), Some(("stream", "stream")));
        assert_eq!(split_qname("body"), Some(("", "body")));
        assert_eq!(split_qname("é-x.1"), Some(("", "é-x.1")));
        assert_eq!(split_qname("a:b:c"), None);
        assert_eq!(split_qname(":a"), None);
        assert_eq!(split_qname("1a"), None);
        assert_eq!(split_qname(""), None);
        for bad in ["a:", "a::b", "a:1", "a b", "-a", "a:b:", "x:é:y"] {
            assert_eq!(split_qname(bad), None, "{bad}");
        }
        assert_eq!(split_qname("a:é"), Some(("a", "é")));
        assert_eq!(split_qname("_x-1.2:y_z"), Some(("_x-1.2", "y_z")));
    }

    /// The ASCII fast path agrees with the general rule on every short name over a mixed alphabet.
    #[test]
    fn ascii_fast_path_matches_general_rule() {
        let alphabet = ['a', 'Z', '_', '1', '-', '.', ':', ' ', 'é', '\u{B7}'];
        fn general(q: &str) -> Option<(&str, &str)> {
            match q.split_once(':') {
                Some((p, l)) if is_ncname(p) && is_ncname(l) => Some((p, l)),
                Some(_) => None,
                None if is_ncname(q) => Some(("", q)),
                None => None,
            }
        }
        for len in 0..=4u32 {
            for n in 0..alphabet.len().pow(len) {
                let mut k = n;
                let q: String = (0..len)
                    .map(|_| {
                        let b = alphabet[k % alphabet.len()];
                        k /= alphabet.len();
                        b
                    })
                    .collect();
                assert_eq!(split_qname(&q), general(&q), "{q:?}");
            }
        }
    }

    #[test]
    fn chars() {
        assert!(has_forbidden_bytes(b"a\x01b"));
        assert!(has_forbidden_bytes("\u{FFFF}".as_bytes()));
        assert!(!has_forbidden_bytes("a\tb\n\u{FFFD}".as_bytes()));
        assert!(!is_xml_char('\u{0}'));
        assert!(is_xml_char('😀'));
    }
}
