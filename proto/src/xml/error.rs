//! The framer's typed error; each variant maps to the stream error condition RFC 6120 requires.

use super::condition::StreamErrorCondition;
use super::limits::LimitKind;

/// A restricted XML feature (RFC 6120 §11.1) that an XMPP entity must not send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restricted {
    /// `<!-- ... -->`.
    Comment,
    /// `<?target ...?>` other than the initial XML declaration.
    ProcessingInstruction,
    /// `<!DOCTYPE ...>` or any other markup declaration.
    Dtd,
    /// `&name;` other than the five predefined entities.
    EntityReference,
}

/// Why the framer rejected its input. The parser is failed after the first one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Bytes that are not UTF-8 (RFC 6120 §11.6 makes this `unsupported-encoding`).
    #[error("input is not valid UTF-8")]
    InvalidUtf8,
    /// An XML declaration naming an encoding other than UTF-8.
    #[error("unsupported encoding {0:?}")]
    UnsupportedEncoding(String),
    /// Markup that breaks XML 1.0 well-formedness.
    #[error("not well-formed: {0}")]
    Syntax(String),
    /// A name that is not a valid XML `QName`.
    #[error("invalid XML name {0:?}")]
    InvalidName(String),
    /// A character XML 1.0 does not allow (e.g. a C0 control), raw or by reference.
    #[error("character not allowed in XML")]
    InvalidChar,
    /// An end tag that does not close the open element.
    #[error("end tag </{found}> does not match <{expected}>")]
    MismatchedEndTag {
        /// Qualified name of the open element.
        expected: String,
        /// Qualified name in the end tag.
        found: String,
    },
    /// A prefix used without a declaration in scope.
    #[error("namespace prefix {0:?} is not bound")]
    UnboundPrefix(String),
    /// An illegal namespace declaration (`xmlns:p=''`, rebinding `xml`/`xmlns`).
    #[error("invalid namespace declaration: {0}")]
    InvalidNamespaceDeclaration(String),
    /// Two attributes with the same expanded name.
    #[error("duplicate attribute {0:?}")]
    DuplicateAttribute(String),
    /// A restricted XML feature (RFC 6120 §11.1).
    #[error("restricted XML: {0:?}")]
    Restricted(Restricted),
    /// The input ended inside a tag or element.
    #[error("unexpected end of input")]
    UnexpectedEof,
    /// A configured limit was exceeded.
    #[error("limit exceeded: {kind} (max {max})")]
    LimitExceeded {
        /// Which limit.
        kind: LimitKind,
        /// Its configured value.
        max: usize,
    },
    /// The first element was not `<stream>` in the streams namespace.
    #[error("stream header is {{{ns}}}{name}, not {{http://etherx.jabber.org/streams}}stream")]
    InvalidStreamNamespace {
        /// Local name of the received root.
        name: String,
        /// Its namespace.
        ns: String,
    },
    /// The stream's default namespace is not the content namespace the caller expects.
    #[error("content namespace {found:?}, expected {expected:?}")]
    InvalidContentNamespace {
        /// What the caller asked for.
        expected: String,
        /// What the header declared.
        found: String,
    },
    /// Non-whitespace character data directly inside the stream.
    #[error("character data at stream level")]
    TextAtStreamLevel,
    /// Content other than whitespace after `</stream:stream>` (or after the one element of a
    /// one-shot parse).
    #[error("content after the end of the stream")]
    TrailingContent,
    /// A one-shot parse found no element.
    #[error("no element in input")]
    NoElement,
}

impl XmlError {
    /// The RFC 6120 §4.9.3 condition to send for this error.
    pub fn condition(&self) -> StreamErrorCondition {
        use StreamErrorCondition as C;
        match self {
            Self::InvalidUtf8 | Self::UnsupportedEncoding(_) => C::UnsupportedEncoding,
            Self::Restricted(_) => C::RestrictedXml,
            Self::LimitExceeded { .. } => C::PolicyViolation,
            Self::InvalidStreamNamespace { .. } | Self::InvalidContentNamespace { .. } => {
                C::InvalidNamespace
            }
            Self::TextAtStreamLevel => C::BadFormat,
            Self::Syntax(_)
            | Self::InvalidName(_)
            | Self::InvalidChar
            | Self::MismatchedEndTag { .. }
            | Self::UnboundPrefix(_)
            | Self::InvalidNamespaceDeclaration(_)
            | Self::DuplicateAttribute(_)
            | Self::UnexpectedEof
            | Self::TrailingContent
            | Self::NoElement => C::NotWellFormed,
        }
    }
}
