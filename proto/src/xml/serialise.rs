//! Serialisation of [`Element`] trees: minimal `xmlns` emission and exact escaping.

use super::element::{Element, Node};
use super::names::XML_NS;

/// Appends `s` escaped for text content: `& < >`, plus `\r` as `&#13;` so line-end
/// normalisation on the receiving side cannot change it.
pub fn escape_text_into(out: &mut String, s: &str) {
    escape_into(out, s, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'\r' => Some("&#13;"),
        _ => None,
    });
}

/// Appends `s` escaped for a single-quoted attribute value: `& < > " '`, plus tab, LF and CR as
/// character references so attribute-value normalisation keeps them.
pub fn escape_attr_into(out: &mut String, s: &str) {
    escape_into(out, s, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&apos;"),
        b'\t' => Some("&#9;"),
        b'\n' => Some("&#10;"),
        b'\r' => Some("&#13;"),
        _ => None,
    });
}

/// Copies `s` into `out`, replacing each ASCII byte `replacement` maps; runs without one are copied
/// in one piece. Only ASCII bytes are ever replaced, so slicing at them stays on char boundaries.
fn escape_into(out: &mut String, s: &str, replacement: impl Fn(u8) -> Option<&'static str>) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        if let Some(rep) = replacement(b) {
            out.push_str(&s[last..i]);
            out.push_str(rep);
            last = i + 1;
        }
    }
    out.push_str(&s[last..]);
}

impl Element {
    /// Serialises as a standalone document fragment (an `xmlns` is emitted unless `ns` is empty).
    pub fn to_xml(&self) -> String {
        self.to_xml_in("")
    }

    /// Serialises as the child of an element whose default namespace is `parent_default_ns`;
    /// a stanza in a `jabber:client` stream passes `"jabber:client"` and gets no `xmlns`.
    pub fn to_xml_in(&self, parent_default_ns: &str) -> String {
        let mut out = String::new();
        self.write_xml(&mut out, parent_default_ns);
        out
    }

    /// Appends the serialisation to `out`; see [`Element::to_xml_in`]. Names and text must be
    /// XML (no C0 controls); element prefixes are never used, namespaced attributes other than
    /// `xml:` get generated `nsN` prefixes declared on the same element.
    pub fn write_xml(&self, out: &mut String, parent_default_ns: &str) {
        // The XML namespace can only be reached through its reserved prefix, never as default.
        let xml_prefixed = self.ns == XML_NS;
        let default_ns = if xml_prefixed {
            parent_default_ns
        } else {
            &self.ns
        };
        out.push('<');
        if xml_prefixed {
            out.push_str("xml:");
        }
        out.push_str(&self.name);
        if !xml_prefixed && self.ns != parent_default_ns {
            out.push_str(" xmlns='");
            escape_attr_into(out, &self.ns);
            out.push('\'');
        }
        let mut generated = 0usize;
        for attr in &self.attrs {
            out.push(' ');
            if attr.ns.is_empty() {
                out.push_str(&attr.name);
            } else if attr.ns == XML_NS {
                out.push_str("xml:");
                out.push_str(&attr.name);
            } else {
                let prefix = format!("ns{generated}");
                generated += 1;
                out.push_str("xmlns:");
                out.push_str(&prefix);
                out.push_str("='");
                escape_attr_into(out, &attr.ns);
                out.push_str("' ");
                out.push_str(&prefix);
                out.push(':');
                out.push_str(&attr.name);
            }
            out.push_str("='");
            escape_attr_into(out, &attr.value);
            out.push('\'');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for child in &self.children {
            match child {
                Node::Element(e) => e.write_xml(out, default_ns),
                Node::Text(t) => escape_text_into(out, t),
            }
        }
        out.push_str("</");
        if xml_prefixed {
            out.push_str("xml:");
        }
        out.push_str(&self.name);
        out.push('>');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_xmlns_and_escaping() {
        let e = Element::new("message", "jabber:client")
            .with_attr("to", "a'b\"<&>\t")
            .with_attr("xml:lang", "en")
            .with_attr_ns("x", "urn:ext", "1")
            .with_child(Element::new("body", "jabber:client").with_text("1 < 2 & 3 > 2\r"))
            .with_child(Element::new("x", "urn:x"))
            .with_child(Element::new("y", ""));
        assert_eq!(
            e.to_xml_in("jabber:client"),
            "<message to='a&apos;b&quot;&lt;&amp;&gt;&#9;' xml:lang='en' xmlns:ns0='urn:ext' \
             ns0:x='1'><body>1 &lt; 2 &amp; 3 &gt; 2&#13;</body><x xmlns='urn:x'/><y xmlns=''/></message>"
        );
        assert!(e.to_xml().starts_with("<message xmlns='jabber:client' "));
    }
}
