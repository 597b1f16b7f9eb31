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

/// `s` without its leading XML whitespace.
fn skip_ws(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\r', '\n'])
}

impl<'a> AttrSplitter<'a> {
    /// Starts after the element name; `rest` must be empty or begin with whitespace.
    pub fn new(rest: &'a str) -> Self {
        Self { rest }
    }

    /// The next raw attribute, `None` at the end of the tag.
    pub fn next_raw(&mut self) -> Result<Option<(&'a str, &'a str)>, XmlError> {
        let after_ws = skip_ws(self.rest);
        if after_ws.is_empty() {
            self.rest = after_ws;
            return Ok(None);
        }
        // XML requires whitespace before every attribute (after the name or previous value).
        if after_ws.len() == self.rest.len() {
            return Err(syntax("missing whitespace before attribute"));
        }
        let bytes = after_ws.as_bytes();
        let name_len = bytes
            .iter()
            .position(|&b| b == b'=' || is_xml_whitespace(b))
            .ok_or_else(|| syntax("attribute without value"))?;
        if name_len == 0 {
            return Err(syntax("attribute without name"));
        }
        let name = after_ws.get(..name_len).unwrap_or_default();
        let tail = skip_ws(after_ws.get(name_len..).unwrap_or_default());
        let Some(tail) = tail.strip_prefix('=') else {
            return Err(syntax("expected `=` after attribute name"));
        };
        let tail = skip_ws(tail);
        let quote = match tail.as_bytes().first() {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => return Err(syntax("attribute value not quoted")),
        };
        let body = tail.get(1..).unwrap_or_default();
        let end = memchr::memchr(quote, body.as_bytes())
            .ok_or_else(|| syntax("unterminated attribute value"))?;
        let value = body.get(..end).unwrap_or_default();
        self.rest = body.get(end + 1..).unwrap_or_default();
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
