//! Decoding of complete markup tokens (start tags, text, declarations) into checked values,
//! on top of the attribute splitter in `attrs` and quick-xml's unescaper. Owns the restricted-XML rules.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::escape::{EscapeError, unescape};
use quick_xml::events::BytesText;
use quick_xml::events::attributes::Attribute;
use quick_xml::name::QName;

use super::attrs::AttrSplitter;
use super::error::{Restricted, XmlError};
use super::names::{has_forbidden_bytes, is_xml_char, is_xml_whitespace};

/// Validates raw bytes as UTF-8 XML characters.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, XmlError> {
    let s = std::str::from_utf8(bytes).map_err(|_| XmlError::InvalidUtf8)?;
    if has_forbidden_bytes(bytes) {
        return Err(XmlError::InvalidChar);
    }
    Ok(s)
}

/// True if an attribute value needs more than a copy: a reference, a `<` (an error), or
/// whitespace that attribute-value normalisation rewrites. One branch-free, vectorisable pass.
fn attr_needs_work(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |acc, &b| {
        acc | u8::from(b == b'&') | u8::from(b == b'<') | u8::from(b < 0x20)
    }) != 0
}

fn map_escape(e: EscapeError) -> XmlError {
    match e {
        EscapeError::UnrecognizedEntity(..) | EscapeError::TooManyNestedEntities => {
            XmlError::Restricted(Restricted::EntityReference)
        }
        EscapeError::UnterminatedEntity(_) => XmlError::Syntax("unterminated reference".into()),
        EscapeError::InvalidCharRef(_) => XmlError::InvalidChar,
    }
}

fn map_quick(e: quick_xml::Error) -> XmlError {
    match e {
        quick_xml::Error::Escape(e) => map_escape(e),
        other => XmlError::Syntax(other.to_string()),
    }
}

fn has_char_ref(raw: &[u8]) -> bool {
    memchr::memchr_iter(b'&', raw).any(|i| raw.get(i + 1) == Some(&b'#'))
}

/// Character references can smuggle in characters that the raw-byte check never saw.
fn check_refs(raw: &str, value: &str) -> Result<(), XmlError> {
    if has_char_ref(raw.as_bytes()) && !value.chars().all(is_xml_char) {
        return Err(XmlError::InvalidChar);
    }
    Ok(())
}

/// Character data between markup: EOL-normalised and unescaped.
pub(crate) fn text(raw: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    let raw = decode(raw)?;
    if memchr::memchr3(b'&', b'>', b'\r', raw.as_bytes()).is_none() {
        return Ok(Cow::Borrowed(raw));
    }
    if memchr::memchr_iter(b'>', raw.as_bytes())
        .any(|i| i >= 2 && raw.as_bytes().get(i - 2..i) == Some(b"]]"))
    {
        return Err(XmlError::Syntax("`]]>` in character data".into()));
    }
    let normalised = BytesText::from_escaped(raw).xml10_content();
    if memchr::memchr(b'&', normalised.as_bytes()).is_none() {
        return Ok(normalised);
    }
    let value = match normalised {
        Cow::Borrowed(s) => unescape(s).map_err(map_escape)?,
        Cow::Owned(s) => Cow::Owned(unescape(&s).map_err(map_escape)?.into_owned()),
    };
    check_refs(raw, &value)?;
    Ok(value)
}

/// The content of a CDATA section: EOL-normalised only.
pub(crate) fn cdata(raw: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    Ok(BytesText::from_escaped(decode(raw)?).xml10_content())
}

/// One raw attribute of a start tag, value already normalised and unescaped.
pub(crate) struct RawAttr<'a> {
    /// Qualified name as written.
    pub qname: &'a str,
    /// Normalised value.
    pub value: Cow<'a, str>,
}

/// A start tag's name and an iterator over its attributes.
pub(crate) struct StartTag<'a> {
    /// Qualified element name as written.
    pub qname: &'a str,
    attrs: AttrSplitter<'a>,
}

/// Splits the content of `<...>` (without the brackets and any trailing `/`).
pub(crate) fn start_tag(content: &str) -> StartTag<'_> {
    let name_len = content
        .bytes()
        .position(is_xml_whitespace)
        .unwrap_or(content.len());
    let qname = content.get(..name_len).unwrap_or_default();
    // Duplicates are checked by the caller on the qualified names it keeps anyway.
    let attrs = AttrSplitter::new(content.get(name_len..).unwrap_or_default());
    StartTag { qname, attrs }
}

impl<'a> StartTag<'a> {
    /// The next attribute, checked: no `<` in values, no forbidden or referenced characters,
    /// only predefined entities.
    pub fn next_attr(&mut self) -> Result<Option<RawAttr<'a>>, XmlError> {
        let Some((qname, raw)) = self.attrs.next_raw()? else {
            return Ok(None);
        };
        // Most values need neither unescaping nor whitespace normalisation.
        if !attr_needs_work(raw.as_bytes()) {
            return Ok(Some(RawAttr {
                qname,
                value: Cow::Borrowed(raw),
            }));
        }
        if memchr::memchr(b'<', raw.as_bytes()).is_some() {
            return Err(XmlError::Syntax("`<` in attribute value".into()));
        }
        let has_char_ref = has_char_ref(raw.as_bytes());
        let attr = Attribute {
            key: QName(qname),
            value: Cow::Borrowed(raw),
        };
        let value = attr
            .normalized_value(XmlVersion::Explicit1_0)
            .map_err(map_quick)?;
        if has_char_ref && !value.chars().all(is_xml_char) {
            return Err(XmlError::InvalidChar);
        }
        Ok(Some(RawAttr { qname, value }))
    }
}

/// Checks the XML declaration's pseudo-attributes: only UTF-8 is acceptable (RFC 6120 §11.6).
pub(crate) fn xml_declaration(content: &[u8]) -> Result<(), XmlError> {
    let content = decode(content)?;
    let mut tag = StartTag {
        qname: "",
        attrs: AttrSplitter::new(content),
    };
    let mut seen: Vec<&str> = Vec::with_capacity(3);
    while let Some(attr) = tag.next_attr()? {
        if seen.contains(&attr.qname) {
            return Err(XmlError::Syntax(format!(
                "repeated XML declaration field {:?}",
                attr.qname
            )));
        }
        seen.push(attr.qname);
        match attr.qname {
            "version" => {}
            "encoding" if !attr.value.eq_ignore_ascii_case("UTF-8") => {
                return Err(XmlError::UnsupportedEncoding(attr.value.into_owned()));
            }
            "encoding" | "standalone" => {}
            other => {
                return Err(XmlError::Syntax(format!(
                    "unknown XML declaration field {other:?}"
                )));
            }
        }
    }
    if !seen.contains(&"version") {
        return Err(XmlError::Syntax("XML declaration without version".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(text(b"a &amp; &#x263A; &lt;").unwrap(), "a & \u{263A} <");
        assert_eq!(text(b"a\r\nb\rc").unwrap(), "a\nb\nc");
        assert_eq!(
            text(b"&foo;").unwrap_err(),
            XmlError::Restricted(Restricted::EntityReference)
        );
        assert_eq!(text(b"&#1;").unwrap_err(), XmlError::InvalidChar);
        assert_eq!(text(b"\x01").unwrap_err(), XmlError::InvalidChar);
        assert_eq!(text(b"\xff").unwrap_err(), XmlError::InvalidUtf8);
        assert!(matches!(text(b"a]]>b"), Err(XmlError::Syntax(_))));
    }

    #[test]
    fn attributes() {
        let mut t = start_tag("a x='1&amp;2' y=\"a\tb\" z='&#9;'");
        assert_eq!(t.qname, "a");
        let a = t.next_attr().unwrap().unwrap();
        assert_eq!((a.qname, a.value.as_ref()), ("x", "1&2"));
        let b = t.next_attr().unwrap().unwrap();
        assert_eq!(b.value, "a b");
        let c = t.next_attr().unwrap().unwrap();
        assert_eq!(c.value, "\t");
        assert!(t.next_attr().unwrap().is_none());
        assert!(start_tag("a x='<'").next_attr().is_err());
        // Duplicate names are the caller's check (the framer tests cover it).
        let mut dup = start_tag("a x='1' x='2'");
        assert!(dup.next_attr().unwrap().is_some());
        assert_eq!(dup.next_attr().unwrap().map(|a| a.value), Some("2".into()));
    }

    #[test]
    fn declaration() {
        assert!(xml_declaration(b" version='1.0' encoding='utf-8'").is_ok());
        assert!(xml_declaration(b" version='1.0' version='1.0'").is_err());
        assert!(xml_declaration(b" encoding='utf-8'").is_err());
        assert_eq!(
            xml_declaration(b" version='1.0' encoding='UTF-16'").unwrap_err(),
            XmlError::UnsupportedEncoding("UTF-16".into())
        );
    }
}
