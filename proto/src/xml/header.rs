//! The `<stream:stream>` header: what the framer reports and what a sender writes.

use super::element::Attr;
use super::names::{STREAMS_NS, XML_NS};
use super::serialise::escape_attr_into;

/// The closing tag of a stream whose header used the conventional `stream:` prefix.
pub const STREAM_CLOSE: &str = "</stream:stream>";

/// A parsed or to-be-sent stream header (RFC 6120 §4.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreamHeader {
    /// `to` attribute.
    pub to: Option<String>,
    /// `from` attribute.
    pub from: Option<String>,
    /// `id` attribute (the receiving entity's stream id).
    pub id: Option<String>,
    /// `version` attribute, `1.0` for RFC 6120 streams.
    pub version: Option<String>,
    /// `xml:lang` attribute.
    pub lang: Option<String>,
    /// Default namespace (`jabber:client`, `jabber:server`); empty when undeclared.
    pub default_ns: String,
    /// Prefix bound to the streams namespace on this header (`stream` by convention).
    pub stream_prefix: String,
    /// Other namespace declarations on the header, `(prefix, namespace)` (e.g. `db` for dialback).
    pub extra_namespaces: Vec<(String, String)>,
    /// Attributes other than the five above, in document order. When writing, a namespaced one
    /// is emitted only if its namespace is `xml` or listed in `extra_namespaces`.
    pub extra_attrs: Vec<Attr>,
}

impl StreamHeader {
    /// A header with the usual shape: `stream:` prefix, the given content namespace, version 1.0.
    pub fn new(default_ns: impl Into<String>) -> Self {
        Self {
            default_ns: default_ns.into(),
            stream_prefix: "stream".into(),
            version: Some("1.0".into()),
            ..Self::default()
        }
    }

    /// The opening tag, optionally preceded by `<?xml version='1.0'?>`. An empty
    /// `stream_prefix` is written as `stream`.
    pub fn to_opening_xml(&self, with_declaration: bool) -> String {
        let mut out = String::with_capacity(256);
        if with_declaration {
            out.push_str("<?xml version='1.0'?>");
        }
        let prefix = if self.stream_prefix.is_empty() {
            "stream"
        } else {
            &self.stream_prefix
        };
        out.push('<');
        out.push_str(prefix);
        out.push_str(":stream");
        let attr = |out: &mut String, name: &str, value: &str| {
            out.push(' ');
            out.push_str(name);
            out.push_str("='");
            escape_attr_into(out, value);
            out.push('\'');
        };
        if !self.default_ns.is_empty() {
            attr(&mut out, "xmlns", &self.default_ns);
        }
        attr(&mut out, &format!("xmlns:{prefix}"), STREAMS_NS);
        for (p, ns) in &self.extra_namespaces {
            attr(&mut out, &format!("xmlns:{p}"), ns);
        }
        for (name, value) in [
            ("to", &self.to),
            ("from", &self.from),
            ("id", &self.id),
            ("version", &self.version),
            ("xml:lang", &self.lang),
        ] {
            if let Some(v) = value {
                attr(&mut out, name, v);
            }
        }
        for a in &self.extra_attrs {
            if a.ns.is_empty() {
                attr(&mut out, &a.name, &a.value);
            } else if a.ns == XML_NS {
                attr(&mut out, &format!("xml:{}", a.name), &a.value);
            } else if let Some((p, _)) = self.extra_namespaces.iter().find(|(_, ns)| *ns == a.ns) {
                attr(&mut out, &format!("{p}:{}", a.name), &a.value);
            }
        }
        out.push('>');
        out
    }

    /// The closing tag matching [`StreamHeader::to_opening_xml`].
    pub fn closing_xml(&self) -> String {
        let prefix = if self.stream_prefix.is_empty() {
            "stream"
        } else {
            &self.stream_prefix
        };
        format!("</{prefix}:stream>")
    }
}
