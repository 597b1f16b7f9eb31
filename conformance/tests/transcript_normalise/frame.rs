//! Re-frames a byte stream into top-level XMPP units (stream header, one stanza/nonza, stream close),
//! so snapshots do not depend on how the bytes happened to be split across reads.

/// Incremental splitter for one direction of one connection.
#[derive(Debug, Default)]
pub struct Framer {
    buf: String,
}

/// How a scanned markup token affects depth.
enum Tag {
    /// `<?...?>`, `<!--...-->`, `<![CDATA[...]]>`: no depth change.
    Neutral,
    /// `<x ...>`.
    Open,
    /// `</x>`.
    Close,
    /// `<x .../>`.
    Empty,
    /// The stream header `<stream:stream ...>` (never closed inside the stream).
    StreamOpen,
    /// `</stream:stream>`.
    StreamClose,
}

impl Framer {
    /// Append `text` and return every unit now complete.
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.buf.push_str(text);
        let mut units = Vec::new();
        while let Some(end) = complete_unit(&self.buf) {
            let unit: String = self.buf.drain(..end).collect();
            let trimmed = unit.trim();
            if !trimmed.is_empty() {
                units.push(trimmed.to_owned());
            }
        }
        units
    }

    /// Whatever is left (a partial unit, e.g. when the connection was cut or the input is malformed).
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.buf);
        let t = rest.trim();
        (!t.is_empty()).then(|| t.to_owned())
    }
}

/// End offset of the first complete unit in `s`, if there is one. An XML declaration is kept with
/// the stream header that follows it; text between top-level elements ends at the next `<`.
fn complete_unit(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0usize;
    let bytes = s.as_bytes();
    let lead = s.len() - s.trim_start().len();
    if lead < s.len() && bytes.get(lead) != Some(&b'<') {
        // Top-level character data: a unit up to the next markup (complete only once that arrives).
        return s[lead..].find('<').map(|p| lead + p);
    }
    while i < s.len() {
        let rel = s[i..].find('<')?;
        let start = i + rel;
        let (end, tag) = scan_tag(s, start)?;
        i = end;
        match tag {
            Tag::Neutral if depth == 0 && s[start..].starts_with("<?") => {}
            Tag::Neutral => {
                if depth == 0 {
                    return Some(end);
                }
            }
            Tag::Open => depth += 1,
            Tag::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(end);
                }
            }
            Tag::Empty | Tag::StreamOpen | Tag::StreamClose => {
                if depth == 0 {
                    return Some(end);
                }
            }
        }
    }
    None
}

/// Scan the markup token at `start` (which is `<`); returns its end offset and kind, or `None` if
/// the token is not complete yet.
fn scan_tag(s: &str, start: usize) -> Option<(usize, Tag)> {
    let rest = &s[start..];
    for (open, close) in [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")] {
        if rest.starts_with(open) {
            return rest
                .find(close)
                .map(|p| (start + p + close.len(), Tag::Neutral));
        }
    }
    let mut quote: Option<char> = None;
    for (p, c) in rest.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '>') => {
                let inner = &rest[1..p];
                let name: String = inner
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '/')
                    .collect();
                let is_stream = name == "stream" || name.ends_with(":stream");
                let tag = if inner.starts_with('/') {
                    if is_stream {
                        Tag::StreamClose
                    } else {
                        Tag::Close
                    }
                } else if inner.ends_with('/') {
                    Tag::Empty
                } else if is_stream {
                    Tag::StreamOpen
                } else {
                    Tag::Open
                };
                return Some((start + p + 1, tag));
            }
            (None, _) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_per_top_level_element_regardless_of_reads() {
        let whole = "<?xml version='1.0'?><stream:stream id='x'><stream:features><a/></stream:features><iq id='1'><q a='>'/></iq></stream:stream>";
        let mut one = Framer::default();
        let a = one.push(whole);
        let mut bytewise = Framer::default();
        let mut b = Vec::new();
        for ch in whole.chars() {
            b.extend(bytewise.push(&ch.to_string()));
        }
        assert_eq!(a, b);
        assert_eq!(a.len(), 4);
        assert!(a[0].starts_with("<?xml") && a[0].ends_with("id='x'>"));
        assert_eq!(a[3], "</stream:stream>");
    }
}
