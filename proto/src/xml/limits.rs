//! Resource limits for the stream framer.
//!
//! Every limit bounds memory or work that a peer can make us spend before we have decided the
//! input is hostile. The defaults suit a c2s listener; servers expose them as config overrides.

/// Default cap on bytes consumed while inside one top-level element (a stanza or nonza):
/// 256 KiB, well above any legitimate authentication exchange.
pub const DEFAULT_MAX_ELEMENT_BYTES: usize = 256 * 1024;
/// Default cap on element nesting below the stream root (a top-level element is depth 1).
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// Default cap on ordinary (non-`xmlns`) attributes of one element.
pub const DEFAULT_MAX_ATTRIBUTES: usize = 64;
/// Default cap on namespace declarations (`xmlns`, `xmlns:p`) on one element.
pub const DEFAULT_MAX_NAMESPACE_DECLARATIONS: usize = 16;
/// Default cap on bytes before and including the `<stream:stream>` header (XML declaration too).
pub const DEFAULT_MAX_HEADER_BYTES: usize = 8 * 1024;
/// Default cap on one run of character data between top-level elements (whitespace keepalives).
pub const DEFAULT_MAX_TOP_LEVEL_TEXT: usize = 4 * 1024;

/// The limits a [`StreamParser`](super::StreamParser) enforces; exceeding any of them is a
/// `policy-violation` stream error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes per top-level element, counted as they arrive so oversized input is never buffered.
    pub max_element_bytes: usize,
    /// Nesting depth below the stream root.
    pub max_depth: usize,
    /// Ordinary attributes per element.
    pub max_attributes: usize,
    /// Namespace declarations per element.
    pub max_namespace_declarations: usize,
    /// Bytes of prolog plus stream header.
    pub max_header_bytes: usize,
    /// Length of one run of top-level character data.
    pub max_top_level_text: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_element_bytes: DEFAULT_MAX_ELEMENT_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_attributes: DEFAULT_MAX_ATTRIBUTES,
            max_namespace_declarations: DEFAULT_MAX_NAMESPACE_DECLARATIONS,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_top_level_text: DEFAULT_MAX_TOP_LEVEL_TEXT,
        }
    }
}

/// Which limit was exceeded, so reports can name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// [`Limits::max_element_bytes`].
    ElementBytes,
    /// [`Limits::max_depth`].
    Depth,
    /// [`Limits::max_attributes`].
    Attributes,
    /// [`Limits::max_namespace_declarations`].
    NamespaceDeclarations,
    /// [`Limits::max_header_bytes`].
    HeaderBytes,
    /// [`Limits::max_top_level_text`].
    TopLevelText,
}

impl std::fmt::Display for LimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ElementBytes => "bytes per top-level element",
            Self::Depth => "nesting depth",
            Self::Attributes => "attributes per element",
            Self::NamespaceDeclarations => "namespace declarations per element",
            Self::HeaderBytes => "stream header bytes",
            Self::TopLevelText => "top-level character data",
        })
    }
}
