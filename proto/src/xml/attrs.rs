//! Splitting the attribute part of a start tag into raw `(qname, value)` pairs.
//!
//! Hand-written because the grammar is tiny (`S Name S? = S? 'value'`) and quick-xml's general
//! iterator cost about a third of the framer's time per attribute. Names are only delimited
//! here; the caller validates them as qualified names. Values are returned raw (unescaped,
//! unnormalised).

use super::error::XmlError;
use super::names::is_xml_whitespace;

/// Iterator state over `content` after the element name.
pub(crate) struct AttrSplitter<'a> {
    rest: &'a str,
}

fn syntax(why: &str) -> XmlError {
    XmlError::Syntax(why.to_owned())
}

/// Index of the first non-whitespace byte at or after `i` (or `bytes.len()`).
fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).copied().is_some_and(is_xml_whitespace) {
        i += 1;
    }
    i
}

impl<'a> AttrSplitter<'a> {
    /// Starts after the element name; `rest` must be empty or begin with whitespace.
    pub fn new(rest: &'a str) -> Self {
        Self { rest }
    }

    /// The next raw attribute, `None` at the end of the tag.
    ///
    /// Byte loops for names and whitespace (short runs), `memchr` for the value. Every split
    /// point is an ASCII byte, so the `str` slices stay on character boundaries.
    pub fn next_raw(&mut self) -> Result<Option<(&'a str, &'a str)>, XmlError> {
        let rest = self.rest;
        let bytes = rest.as_bytes();
        let start = skip_ws(bytes, 0);
        if start == bytes.len() {
            self.rest = "";
            return Ok(None);
        }
        // XML requires whitespace before every attribute (after the name or previous value).
        if start == 0 {
            return Err(syntax("missing whitespace before attribute"));
        }
        let mut i = start;
        while let Some(&b) = bytes.get(i) {
            if b == b'=' || is_xml_whitespace(b) {
                break;
            }
            i += 1;
        }
        if i == bytes.len() {
            return Err(syntax("attribute without value"));
        }
        if i == start {
            return Err(syntax("attribute without name"));
        }
        let name = rest.get(start..i).unwrap_or_default();
        i = skip_ws(bytes, i);
        if bytes.get(i) != Some(&b'=') {
            return Err(syntax("expected `=` after attribute name"));
        }
        i = skip_ws(bytes, i + 1);
        let quote = match bytes.get(i) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => return Err(syntax("attribute value not quoted")),
        };
        let value_start = i + 1;
        let end = memchr::memchr(quote, bytes.get(value_start..).unwrap_or_default())
            .map(|n| value_start + n)
            .ok_or_else(|| syntax("unterminated attribute value"))?;
        let value = rest.get(value_start..end).unwrap_or_default();
        self.rest = rest.get(end + 1..).unwrap_or_default();
        Ok(Some((name, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &str) -> Result<Vec<(&str, &str)>, XmlError> {
        let mut it = AttrSplitter::new(s);
        let mut out = Vec::new();
        while let Some(pair) = it.next_raw()? {
            out.push(pair);
        }
        Ok(out)
    }

    #[test]
    fn splits_well_formed_attributes() {
        assert_eq!(all("").unwrap(), vec![]);
        assert_eq!(all(" \n").unwrap(), vec![]);
        assert_eq!(
            all(" a='1' b = \"x'y\"\t c:d='' ").unwrap(),
            vec![("a", "1"), ("b", "x'y"), ("c:d", "")]
        );
        assert_eq!(all(" a='é\"&amp;'").unwrap(), vec![("a", "é\"&amp;")]);
    }

    #[test]
    fn rejects_malformed_attributes() {
        for bad in [
            "a='1'",
            " a='1'b='2'",
            " a",
            " a b='1'",
            " ='1'",
            " a=1",
            " a='1",
            " a=\"1'",
            " a=",
        ] {
            assert!(matches!(all(bad), Err(XmlError::Syntax(_))), "{bad:?}");
        }
    }
}
