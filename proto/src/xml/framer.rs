//! The incremental stream framer: bytes in (split anywhere), stream events out.
//!
//! quick-xml supplies the lexical pieces (finding the end of a tag outside quoted values,
//! unescaping; `attrs` splits attributes); this module owns token boundaries across chunks,
//! namespaces, the element tree, the restricted-XML rules and the limits. Only the token being
//! assembled and the open top-level element are held, both bounded by [`Limits`].

use quick_xml::parser::{ElementParser, Parser, PiParser};

use super::element::{Attr, Element, Node};
use super::error::{Restricted, XmlError};
use super::header::StreamHeader;
use super::limits::{LimitKind, Limits};
use super::markup;
use super::names::{STREAMS_NS, XML_NS, is_ncname, is_xml_whitespace, split_qname};
use super::scope::Scope;
use super::xmlstr::{Interner, XmlStr};

/// What the framer reports, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// The `<stream:stream>` opening tag.
    Header(StreamHeader),
    /// A complete top-level element (stanza or nonza).
    Element(Element),
    /// Whitespace between top-level elements (keepalives), reported as soon as it arrives, so
    /// one run may come as several events; callers decide whether it is allowed.
    Text(String),
    /// `</stream:stream>`.
    Close,
}

/// The token being assembled at the front of the unconsumed input.
#[derive(Debug, Clone, Copy)]
enum Token {
    /// Nothing started yet.
    None,
    /// Character data inside an element; `scanned` bytes contain no `<`.
    Text { scanned: usize },
    /// `<name ...>` or `</name>`: quick-xml's quote-aware `>` finder.
    Tag {
        parser: ElementParser,
        scanned: usize,
    },
    /// `<?xml ...?>` at the very start.
    Declaration { parser: PiParser, scanned: usize },
    /// `<![CDATA[ ... ]]>`; `scanned` counts bytes searched for the terminator.
    CData { scanned: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the header; the XML declaration is allowed while nothing else was consumed.
    Prolog { declaration_allowed: bool },
    /// Inside the stream.
    Stream,
    /// After `</stream:stream>`.
    Closed,
}

/// An open element and what closing it must undo.
#[derive(Debug)]
struct Open {
    element: Element,
    prefix: String,
    bindings_mark: usize,
    /// Where this element's children start in [`StreamParser::children`].
    children_start: usize,
}

impl Open {
    /// True if `raw` is exactly this element's qualified name as its start tag wrote it.
    fn written_as(&self, raw: &[u8]) -> bool {
        let name = self.element.name.as_bytes();
        if self.prefix.is_empty() {
            return raw == name;
        }
        let prefix = self.prefix.as_bytes();
        raw.len() == prefix.len() + 1 + name.len()
            && raw.starts_with(prefix)
            && raw.get(prefix.len()) == Some(&b':')
            && raw.ends_with(name)
    }
}

const CDATA_OPEN: &[u8] = b"<![CDATA[";

/// The XMPP stream framer. Feed bytes with [`feed`](Self::feed), then call
/// [`next_event`](Self::next_event) until it returns `Ok(None)`; memory stays bounded by the
/// limits as long as events are drained between feeds.
#[derive(Debug)]
pub struct StreamParser {
    limits: Limits,
    expected_ns: Option<String>,
    buf: Vec<u8>,
    pos: usize,
    token: Token,
    phase: Phase,
    /// Bytes of prolog and header consumed.
    header_bytes: usize,
    /// Bytes consumed inside the current top-level element.
    element_bytes: usize,
    /// Length of the current top-level text run.
    text_run: usize,
    stack: Vec<Open>,
    /// Children of all open elements, innermost last; moved into an exact-capacity `Vec` when
    /// their element closes, so building the tree never regrows a `Vec<Node>`.
    children: Vec<Node>,
    /// Attributes of the start tag being parsed, reused across tags for the same reason.
    attr_scratch: Vec<Attr>,
    /// In-scope namespace bindings `(prefix, namespace)`, innermost last; `""` is the default.
    bindings: Scope,
    /// Bounded table sharing element/attribute names and namespaces across the stream.
    interner: Interner,
    stream_prefix: String,
    pending_close: bool,
    failed: Option<XmlError>,
}

impl StreamParser {
    /// A framer expecting a stream header; any content namespace is accepted.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            expected_ns: None,
            buf: Vec::new(),
            pos: 0,
            token: Token::None,
            phase: Phase::Prolog {
                declaration_allowed: true,
            },
            header_bytes: 0,
            element_bytes: 0,
            text_run: 0,
            stack: Vec::new(),
            children: Vec::new(),
            attr_scratch: Vec::new(),
            bindings: Scope::default(),
            interner: Interner::default(),
            stream_prefix: String::new(),
            pending_close: false,
            failed: None,
        }
    }

    /// Requires the header's default namespace to be `ns` (e.g. `jabber:client` on a c2s
    /// listener); any other is `invalid-namespace`.
    pub fn expecting_content_namespace(mut self, ns: impl Into<String>) -> Self {
        self.expected_ns = Some(ns.into());
        self
    }

    /// A framer for a sequence of top-level elements without a stream header, as if inside a
    /// stream whose default namespace is `default_ns`. Used by one-shot parsing and fuzzers.
    pub fn for_fragments(limits: Limits, default_ns: &str) -> Self {
        let mut parser = Self::new(limits);
        parser.phase = Phase::Stream;
        parser.bindings.push("", default_ns);
        parser
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Marks a pause in the input (the caller calls it before feeding the bytes of a new read):
    /// if everything fed so far has been consumed, whitespace that follows starts a new run for
    /// [`Limits::max_top_level_text`]. Whitespace keepalives (RFC 6120 §4.6.1) arrive one per
    /// read, so they are never summed into one run and a session may send them indefinitely; a
    /// run within one read (or still buffered) is bounded as before. Without calls to this,
    /// events and errors do not depend on how the input is split.
    pub fn input_pause(&mut self) {
        if self.pos >= self.buf.len() && matches!(self.token, Token::None) {
            self.text_run = 0;
        }
    }

    /// Appends received bytes. Ignored once the parser has failed.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        if self.pos > 0 {
            if self.pos >= self.buf.len() {
                self.buf.clear();
            } else {
                self.buf.drain(..self.pos);
            }
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Starts over expecting a new stream header (after STARTTLS or SASL success), discarding
    /// any bytes already buffered: bytes that arrived before a TLS handshake must never be
    /// treated as protected (the STARTTLS command-injection class of bugs).
    pub fn reset(&mut self) {
        let fresh = Self::new(self.limits);
        let expected = self.expected_ns.take();
        *self = fresh;
        self.expected_ns = expected;
    }

    /// Like [`reset`](Self::reset) but keeps bytes already received, for a peer that pipelined
    /// its new header after a plaintext-safe restart (SASL success).
    pub fn reset_keep_buffered(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        let pos = self.pos;
        self.reset();
        self.buf = buf;
        self.pos = pos;
    }

    /// Declares the end of input: an error if it cut a tag or element short.
    pub fn finish(&mut self) -> Result<(), XmlError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let cut_short = self.pos < self.buf.len() || !self.stack.is_empty();
        if cut_short && !self.pending_close {
            return Err(self.fail(XmlError::UnexpectedEof));
        }
        Ok(())
    }

    /// The next event, `Ok(None)` when more bytes are needed. After an error every call
    /// returns the same error.
    pub fn next_event(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.step().map_err(|e| self.fail(e))
    }

    fn fail(&mut self, e: XmlError) -> XmlError {
        self.failed = Some(e.clone());
        self.buf = Vec::new();
        self.pos = 0;
        self.stack = Vec::new();
        self.children = Vec::new();
        self.attr_scratch = Vec::new();
        self.bindings = Scope::default();
        e
    }

    fn step(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        if self.pending_close {
            self.pending_close = false;
            self.phase = Phase::Closed;
            return Ok(Some(StreamEvent::Close));
        }
        loop {
            let Some(&first) = self.buf.get(self.pos) else {
                return Ok(None);
            };
            if matches!(self.token, Token::None) {
                if first != b'<' && self.stack.is_empty() {
                    if let Some(event) = self.top_level_text()? {
                        return Ok(Some(event));
                    }
                    continue;
                }
                match self.classify()? {
                    Some(token) => self.token = token,
                    None => return self.need_more(),
                }
            }
            let Some(end) = self.scan()? else {
                return self.need_more();
            };
            let start = self.pos;
            let token = std::mem::replace(&mut self.token, Token::None);
            self.pos = end;
            self.account(end - start)?;
            let buf = std::mem::take(&mut self.buf);
            let result = self.handle(token, buf.get(start..end).unwrap_or_default());
            self.buf = buf;
            if let Some(event) = result? {
                return Ok(Some(event));
            }
        }
    }

    /// Consumes whitespace outside any element (eagerly, so keepalives surface at once).
    fn top_level_text(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let run = memchr::memchr(b'<', rest).unwrap_or(rest.len());
        let ws = rest
            .iter()
            .take(run)
            .take_while(|&&b| is_xml_whitespace(b))
            .count();
        // Whitespace before the offending byte is still reported, so the events do not depend
        // on where the input was split.
        if ws == 0 {
            return Err(match self.phase {
                Phase::Prolog { .. } => {
                    XmlError::Syntax("character data before the stream header".into())
                }
                Phase::Stream => XmlError::TextAtStreamLevel,
                Phase::Closed => XmlError::TrailingContent,
            });
        }
        match self.phase {
            Phase::Prolog { .. } => {
                self.pos += ws;
                self.phase = Phase::Prolog {
                    declaration_allowed: false,
                };
                self.add_header_bytes(ws)?;
                Ok(None)
            }
            Phase::Stream => {
                // Report whitespace up to the limit and fail on the first byte past it, so a run
                // split across chunks yields the same text and the same error as the whole run.
                let allowed = self.limits.max_top_level_text.saturating_sub(self.text_run);
                let take = ws.min(allowed);
                if take == 0 {
                    return Err(limit(
                        LimitKind::TopLevelText,
                        self.limits.max_top_level_text,
                    ));
                }
                let text: String = rest.iter().take(take).map(|&b| char::from(b)).collect();
                self.pos += take;
                self.text_run += take;
                Ok(Some(StreamEvent::Text(text)))
            }
            Phase::Closed => {
                self.pos += ws;
                Ok(None)
            }
        }
    }

    /// Decides what kind of markup starts at `pos`, or `None` if too few bytes arrived yet.
    fn classify(&mut self) -> Result<Option<Token>, XmlError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        if rest.first() != Some(&b'<') {
            return Ok(Some(Token::Text { scanned: 0 }));
        }
        if self.phase == Phase::Closed {
            return Err(XmlError::TrailingContent);
        }
        let Some(&second) = rest.get(1) else {
            return Ok(None);
        };
        match second {
            b'?' => {
                let declaration = self.phase
                    == (Phase::Prolog {
                        declaration_allowed: true,
                    });
                if !declaration {
                    return Err(XmlError::Restricted(Restricted::ProcessingInstruction));
                }
                let Some(head) = rest.get(..6) else {
                    return if b"<?xml ".starts_with(rest) {
                        Ok(None)
                    } else {
                        Err(XmlError::Restricted(Restricted::ProcessingInstruction))
                    };
                };
                if head.get(..5) == Some(b"<?xml")
                    && head.get(5).copied().is_some_and(is_xml_whitespace)
                {
                    Ok(Some(Token::Declaration {
                        parser: PiParser::default(),
                        scanned: 2,
                    }))
                } else {
                    Err(XmlError::Restricted(Restricted::ProcessingInstruction))
                }
            }
            b'!' => match rest.get(2) {
                None => Ok(None),
                Some(b'-') => Err(XmlError::Restricted(Restricted::Comment)),
                Some(b'[') => {
                    let n = rest.len().min(CDATA_OPEN.len());
                    if rest.get(..n) != CDATA_OPEN.get(..n) {
                        Err(XmlError::Syntax("malformed `<![` markup".into()))
                    } else if n < CDATA_OPEN.len() {
                        Ok(None)
                    } else if self.stack.is_empty() {
                        Err(XmlError::TextAtStreamLevel)
                    } else {
                        Ok(Some(Token::CData {
                            scanned: CDATA_OPEN.len(),
                        }))
                    }
                }
                Some(_) => Err(XmlError::Restricted(Restricted::Dtd)),
            },
            _ => Ok(Some(Token::Tag {
                parser: ElementParser::default(),
                scanned: 1,
            })),
        }
    }

    /// Continues scanning the current token; returns its end (exclusive, absolute) when complete.
    fn scan(&mut self) -> Result<Option<usize>, XmlError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let len = rest.len();
        let already = match self.token {
            Token::None => return Ok(None),
            Token::Text { scanned }
            | Token::Tag { scanned, .. }
            | Token::Declaration { scanned, .. }
            | Token::CData { scanned } => scanned,
        };
        // Nothing new: quick-xml's `PiParser` forgets a trailing `?` when fed an empty slice.
        if already >= len {
            return Ok(None);
        }
        let is_cdata = matches!(self.token, Token::CData { .. });
        let (found, scanned) = match &mut self.token {
            Token::None => return Ok(None),
            Token::Text { scanned } => {
                let from = rest.get(*scanned..).unwrap_or_default();
                match memchr::memchr(b'<', from) {
                    Some(i) => (Some(*scanned + i), scanned),
                    None => (None, scanned),
                }
            }
            Token::Tag { parser, scanned } => {
                let found = parser.feed(rest.get(*scanned..).unwrap_or_default());
                (found.map(|i| *scanned + i + 1), scanned)
            }
            Token::Declaration { parser, scanned } => {
                let found = parser.feed(rest.get(*scanned..).unwrap_or_default());
                (found.map(|i| *scanned + i + 1), scanned)
            }
            Token::CData { scanned } => {
                let from = rest.get(*scanned..).unwrap_or_default();
                let found = from
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'>')
                    .map(|(i, _)| *scanned + i)
                    .find(|&i| i >= CDATA_OPEN.len() + 2 && rest.get(i - 2..i) == Some(b"]]"));
                (found.map(|i| i + 1), scanned)
            }
        };
        match found {
            Some(end) => Ok(Some(self.pos + end)),
            None => {
                // Keep two bytes back for a `]]` that a later chunk may complete.
                *scanned = if is_cdata {
                    len.saturating_sub(2).max(CDATA_OPEN.len())
                } else {
                    len
                };
                Ok(None)
            }
        }
    }

    /// Enforces the limits on bytes still waiting for the end of their token.
    fn need_more(&mut self) -> Result<Option<StreamEvent>, XmlError> {
        let pending = self.buf.len() - self.pos;
        match self.phase {
            Phase::Prolog { .. } => {
                if self.header_bytes + pending > self.limits.max_header_bytes {
                    return Err(limit(LimitKind::HeaderBytes, self.limits.max_header_bytes));
                }
            }
            _ => {
                if self.element_bytes + pending > self.limits.max_element_bytes {
                    return Err(limit(
                        LimitKind::ElementBytes,
                        self.limits.max_element_bytes,
                    ));
                }
            }
        }
        Ok(None)
    }

    fn add_header_bytes(&mut self, n: usize) -> Result<(), XmlError> {
        self.header_bytes += n;
        if self.header_bytes > self.limits.max_header_bytes {
            return Err(limit(LimitKind::HeaderBytes, self.limits.max_header_bytes));
        }
        Ok(())
    }

    /// Counts a complete token against the header or element budget.
    fn account(&mut self, n: usize) -> Result<(), XmlError> {
        self.text_run = 0;
        match self.phase {
            Phase::Prolog { .. } => self.add_header_bytes(n),
            _ => {
                self.element_bytes += n;
                if self.element_bytes > self.limits.max_element_bytes {
                    return Err(limit(
                        LimitKind::ElementBytes,
                        self.limits.max_element_bytes,
                    ));
                }
                Ok(())
            }
        }
    }

    fn handle(&mut self, token: Token, raw: &[u8]) -> Result<Option<StreamEvent>, XmlError> {
        match token {
            Token::None => Ok(None),
            Token::Text { .. } => {
                let text = markup::text(raw)?;
                self.push_text(text);
                Ok(None)
            }
            Token::CData { .. } => {
                let inner = raw
                    .get(CDATA_OPEN.len()..raw.len().saturating_sub(3))
                    .unwrap_or_default();
                let text = markup::cdata(inner)?;
                self.push_text(text);
                Ok(None)
            }
            Token::Declaration { .. } => {
                markup::xml_declaration(
                    raw.get(5..raw.len().saturating_sub(2)).unwrap_or_default(),
                )?;
                self.phase = Phase::Prolog {
                    declaration_allowed: false,
                };
                Ok(None)
            }
            Token::Tag { .. } => {
                let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default();
                if let Some(name) = inner.strip_prefix(b"/") {
                    self.end_tag(name)
                } else {
                    match inner.strip_suffix(b"/") {
                        Some(content) => self.start_tag(content, true),
                        None => self.start_tag(inner, false),
                    }
                }
            }
        }
    }

    /// Appends text to the innermost open element, merging with a preceding text node exactly
    /// like [`Element::push_text`]; owned text is moved, not copied.
    fn push_text(&mut self, text: std::borrow::Cow<'_, str>) {
        let Some(open) = self.stack.last() else {
            return;
        };
        if text.is_empty() {
            return;
        }
        if self.children.len() > open.children_start
            && let Some(Node::Text(prev)) = self.children.last_mut()
        {
            prev.push_str(&text);
            return;
        }
        self.children.push(Node::Text(text.into_owned()));
    }

    fn resolve(&mut self, prefix: &str) -> Result<XmlStr, XmlError> {
        if prefix == "xml" {
            return Ok(XmlStr::from_static(XML_NS));
        }
        match self.bindings.resolve(prefix) {
            Some(ns) => Ok(self.interner.intern(ns)),
            None if prefix.is_empty() => Ok(XmlStr::default()),
            None => Err(XmlError::UnboundPrefix(prefix.to_owned())),
        }
    }

    /// Parses a start tag into an element, pushing its namespace declarations.
    fn parse_start(&mut self, content: &[u8]) -> Result<(Element, String), XmlError> {
        let content = markup::decode(content)?;
        let mut tag = markup::start_tag(content);
        let qname = tag.qname;
        let Some((prefix, local)) = split_qname(qname) else {
            return Err(XmlError::InvalidName(qname.to_owned()));
        };
        let mark = self.bindings.mark();
        let mut attrs = std::mem::take(&mut self.attr_scratch);
        attrs.clear();
        let result = self.parse_attrs(&mut tag, mark, &mut attrs);
        // Exact capacity: one allocation of the final size, none when there are no attributes.
        let mut element = Element {
            name: self.interner.intern(local),
            ns: XmlStr::default(),
            attrs: Vec::with_capacity(attrs.len()),
            children: Vec::new(),
        };
        element.attrs.append(&mut attrs);
        self.attr_scratch = attrs;
        let prefixed_attrs = result?;
        element.ns = self.resolve(prefix)?;
        if prefixed_attrs {
            self.resolve_attr_prefixes(&mut element)?;
        }
        Ok((element, prefix.to_owned()))
    }

    /// Reads the attributes of a start tag: declarations go into the scope, the rest into
    /// `attrs` with their prefix in `ns`. Returns whether any attribute has a prefix.
    ///
    /// Duplicates of the qualified name are caught here (quick-xml's own check allocates a
    /// list per tag); the scans are bounded by the attribute and declaration limits.
    fn parse_attrs(
        &mut self,
        tag: &mut markup::StartTag<'_>,
        mark: usize,
        attrs: &mut Vec<Attr>,
    ) -> Result<bool, XmlError> {
        let mut declarations = 0usize;
        let mut prefixed_attrs = false;
        while let Some(attr) = tag.next_attr()? {
            let declared = if attr.qname == "xmlns" {
                Some("")
            } else {
                attr.qname.strip_prefix("xmlns:")
            };
            if let Some(declared) = declared {
                declarations += 1;
                if declarations > self.limits.max_namespace_declarations {
                    return Err(limit(
                        LimitKind::NamespaceDeclarations,
                        self.limits.max_namespace_declarations,
                    ));
                }
                if self.bindings.declared_since(mark, declared) {
                    return Err(XmlError::DuplicateAttribute(attr.qname.to_owned()));
                }
                check_declaration(declared, &attr.value)?;
                self.bindings.push(declared, &attr.value);
                continue;
            }
            if attrs.len() >= self.limits.max_attributes {
                return Err(limit(LimitKind::Attributes, self.limits.max_attributes));
            }
            let Some((attr_prefix, attr_local)) = split_qname(attr.qname) else {
                return Err(XmlError::InvalidName(attr.qname.to_owned()));
            };
            if attrs
                .iter()
                .any(|a| a.name == attr_local && a.ns == attr_prefix)
            {
                return Err(XmlError::DuplicateAttribute(attr.qname.to_owned()));
            }
            prefixed_attrs |= !attr_prefix.is_empty();
            // The prefix rides in `ns` until all declarations of this tag are known.
            attrs.push(Attr {
                name: self.interner.intern(attr_local),
                ns: self.interner.intern(attr_prefix),
                value: attr.value.into_owned(),
            });
        }
        Ok(prefixed_attrs)
    }

    /// Replaces the prefixes parked in `ns` by namespaces, rejecting two attributes that
    /// differ in prefix but share an expanded name.
    fn resolve_attr_prefixes(&mut self, element: &mut Element) -> Result<(), XmlError> {
        for i in 0..element.attrs.len() {
            let Some(attr) = element.attrs.get(i) else {
                continue;
            };
            if attr.ns.is_empty() {
                continue;
            }
            let prefix = attr.ns.clone();
            let ns = self.resolve(&prefix)?;
            let name = attr.name.clone();
            if element
                .attrs
                .iter()
                .take(i)
                .any(|a| a.name == name && a.ns == ns)
            {
                return Err(XmlError::DuplicateAttribute(name.into()));
            }
            if let Some(attr) = element.attrs.get_mut(i) {
                attr.ns = ns;
            }
        }
        Ok(())
    }

    fn start_tag(&mut self, content: &[u8], empty: bool) -> Result<Option<StreamEvent>, XmlError> {
        if let Phase::Prolog { .. } = self.phase {
            return self.header(content, empty).map(Some);
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(limit(LimitKind::Depth, self.limits.max_depth));
        }
        let bindings_mark = self.bindings.mark();
        let (element, prefix) = self.parse_start(content)?;
        if empty {
            self.bindings.truncate(bindings_mark);
            return Ok(self.close_element(element));
        }
        self.stack.push(Open {
            element,
            prefix,
            bindings_mark,
            children_start: self.children.len(),
        });
        Ok(None)
    }

    fn end_tag(&mut self, name: &[u8]) -> Result<Option<StreamEvent>, XmlError> {
        // Fast path: the bytes repeat the open element's qualified name, which was fully
        // validated (UTF-8, characters, names) when its start tag was parsed.
        let mut trimmed = name;
        while let Some((&last, rest)) = trimmed.split_last()
            && is_xml_whitespace(last)
        {
            trimmed = rest;
        }
        if self
            .stack
            .last()
            .is_some_and(|open| open.written_as(trimmed))
            && let Some(open) = self.stack.pop()
        {
            self.bindings.truncate(open.bindings_mark);
            let mut element = open.element;
            element.children = self.children.split_off(open.children_start);
            return Ok(self.close_element(element));
        }
        let name = markup::decode(name)?.trim_end_matches([' ', '\t', '\r', '\n']);
        let Some((prefix, local)) = split_qname(name) else {
            return Err(XmlError::InvalidName(name.to_owned()));
        };
        let Some(open) = self.stack.pop() else {
            if prefix == self.stream_prefix && local == "stream" && !self.stream_prefix.is_empty() {
                self.phase = Phase::Closed;
                self.bindings.truncate(0);
                return Ok(Some(StreamEvent::Close));
            }
            return Err(XmlError::MismatchedEndTag {
                expected: format!("{}:stream", self.stream_prefix),
                found: name.to_owned(),
            });
        };
        if open.prefix != prefix || open.element.name != local {
            let expected = if open.prefix.is_empty() {
                open.element.name.into()
            } else {
                format!("{}:{}", open.prefix, open.element.name)
            };
            return Err(XmlError::MismatchedEndTag {
                expected,
                found: name.to_owned(),
            });
        }
        self.bindings.truncate(open.bindings_mark);
        let mut element = open.element;
        // Exact capacity, one allocation and one block copy (none without children).
        element.children = self.children.split_off(open.children_start);
        Ok(self.close_element(element))
    }

    /// Attaches a finished element to its parent, or emits it at top level.
    fn close_element(&mut self, element: Element) -> Option<StreamEvent> {
        match self.stack.last() {
            Some(_) => {
                self.children.push(Node::Element(element));
                None
            }
            None => {
                self.element_bytes = 0;
                Some(StreamEvent::Element(element))
            }
        }
    }

    fn header(&mut self, content: &[u8], empty: bool) -> Result<StreamEvent, XmlError> {
        let (element, prefix) = self.parse_start(content)?;
        if element.name != "stream" || element.ns != STREAMS_NS {
            return Err(XmlError::InvalidStreamNamespace {
                name: element.name.into(),
                ns: element.ns.into(),
            });
        }
        let default_ns = self.bindings.resolve("").unwrap_or_default().to_owned();
        if let Some(expected) = self.expected_ns.as_ref().filter(|e| **e != default_ns) {
            return Err(XmlError::InvalidContentNamespace {
                expected: expected.clone(),
                found: default_ns,
            });
        }
        let mut header = StreamHeader {
            default_ns,
            stream_prefix: prefix.clone(),
            extra_namespaces: self
                .bindings
                .iter()
                .filter(|(p, _)| !p.is_empty() && *p != prefix)
                .map(|(p, ns)| (p.to_owned(), ns.to_owned()))
                .collect(),
            ..StreamHeader::default()
        };
        for attr in element.attrs {
            let slot = match (attr.ns.as_str(), attr.name.as_str()) {
                ("", "to") => &mut header.to,
                ("", "from") => &mut header.from,
                ("", "id") => &mut header.id,
                ("", "version") => &mut header.version,
                (XML_NS, "lang") => &mut header.lang,
                _ => {
                    header.extra_attrs.push(attr);
                    continue;
                }
            };
            *slot = Some(attr.value);
        }
        self.stream_prefix = prefix;
        self.phase = Phase::Stream;
        self.element_bytes = 0;
        self.pending_close = empty;
        Ok(StreamEvent::Header(header))
    }
}

fn limit(kind: LimitKind, max: usize) -> XmlError {
    XmlError::LimitExceeded { kind, max }
}

/// Namespaces in XML §3 constraints on a declaration of `prefix` (empty = default namespace).
fn check_declaration(prefix: &str, ns: &str) -> Result<(), XmlError> {
    let bad = |why: &str| Err(XmlError::InvalidNamespaceDeclaration(why.to_owned()));
    if prefix.is_empty() {
        if ns == XML_NS || ns == super::names::XMLNS_NS {
            return bad("reserved namespace as default");
        }
        return Ok(());
    }
    if !is_ncname(prefix) {
        return Err(XmlError::InvalidName(prefix.to_owned()));
    }
    if ns.is_empty() {
        return bad("prefix bound to empty namespace");
    }
    match prefix {
        "xmlns" => bad("xmlns prefix declared"),
        "xml" if ns != XML_NS => bad("xml prefix rebound"),
        _ if prefix != "xml" && (ns == XML_NS || ns == super::names::XMLNS_NS) => {
            bad("reserved namespace bound")
        }
        _ => Ok(()),
    }
}

/// Parses exactly one element (surrounding whitespace allowed) with no inherited default
/// namespace: the one-shot entry point for tests, fuzzers and the suite.
pub fn parse_element(input: impl AsRef<[u8]>, limits: &Limits) -> Result<Element, XmlError> {
    parse_element_in(input, "", limits)
}

/// Like [`parse_element`] but as a top-level element of a stream whose default namespace is
/// `default_ns`, so `<message/>` parses as `{jabber:client}message`.
pub fn parse_element_in(
    input: impl AsRef<[u8]>,
    default_ns: &str,
    limits: &Limits,
) -> Result<Element, XmlError> {
    let mut parser = StreamParser::for_fragments(*limits, default_ns);
    parser.feed(input.as_ref());
    let mut found = None;
    while let Some(event) = parser.next_event()? {
        match event {
            StreamEvent::Element(e) if found.is_none() => found = Some(e),
            StreamEvent::Text(_) => {}
            _ => return Err(XmlError::TrailingContent),
        }
    }
    parser.finish()?;
    found.ok_or(XmlError::NoElement)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(input: &str) -> Result<Element, XmlError> {
        parse_element(input, &Limits::default())
    }

    #[test]
    fn duplicate_names_on_one_tag_are_rejected() {
        for input in [
            "<a x='1' x='2'/>",
            "<a xmlns:p='u' p:x='1' p:x='2'/>",
            "<a xmlns:p='u' xmlns:p='u'/>",
            "<a xmlns='u' xmlns='v'/>",
            "<a xmlns:p='u' xmlns:q='u' p:x='1' q:x='2'/>",
        ] {
            assert!(
                matches!(one(input), Err(XmlError::DuplicateAttribute(_))),
                "{input}"
            );
        }
        // Same local name in different namespaces, or redeclared on a child, is fine.
        let e = one("<a xmlns:p='u' x='1' p:x='2'><b xmlns:p='v' p:x='3'/></a>").unwrap();
        assert_eq!(e.attr_ns("x", "u"), Some("2"));
        assert_eq!(e.attr("x"), Some("1"));
        let b = e.child("b", "").unwrap();
        assert_eq!(b.attr_ns("x", "v"), Some("3"));
    }

    #[test]
    fn children_are_built_in_order_with_exact_capacity() {
        let e = one("<a>x<![CDATA[&y]]>z<b>1<c/>2</b>w&amp;</a>").unwrap();
        let expected = Element::new("a", "")
            .with_text("x&yz")
            .with_child(
                Element::new("b", "")
                    .with_text("1")
                    .with_child(Element::new("c", ""))
                    .with_text("2"),
            )
            .with_text("w&");
        assert_eq!(e, expected);
        assert_eq!(e.children.capacity(), 3);
        assert_eq!(e.attrs.capacity(), 0);
        let c = one("<c x='1' y='2'/>").unwrap();
        assert_eq!(c.attrs.capacity(), 2);
    }

    #[test]
    fn scratch_state_does_not_leak_between_elements() {
        let mut p = StreamParser::for_fragments(Limits::default(), "jabber:client");
        p.feed(b"<a x='1'><b/>t</a><c y='2'/>");
        let mut out = Vec::new();
        while let Some(StreamEvent::Element(e)) = p.next_event().unwrap() {
            out.push(e);
        }
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[1],
            Element::new("c", "jabber:client").with_attr("y", "2")
        );
        assert_eq!(out[0].children.len(), 2);
    }
}

#[cfg(test)]
mod end_tag_tests {
    use super::*;

    #[test]
    fn end_tags_must_repeat_the_qualified_name() {
        let ok = |s: &str| parse_element(s, &Limits::default());
        assert!(ok("<p:a xmlns:p='u'><b></b ></p:a\n>").is_ok());
        for bad in [
            "<p:a xmlns:p='u'></a>",
            "<p:a xmlns:p='u' xmlns:q='u'></q:a>",
            "<a></a:a>",
            "<a></ab>",
            "<ab></a>",
            "<a></a\u{1}>",
            "<p:a xmlns:p='u'></p:b>",
            "<p:a xmlns:p='u'></pxa>",
        ] {
            assert!(
                matches!(
                    ok(bad),
                    Err(XmlError::MismatchedEndTag { .. } | XmlError::InvalidChar)
                ),
                "{bad}: {:?}",
                ok(bad)
            );
        }
    }
}
