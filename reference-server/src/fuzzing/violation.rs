//! What an oracle reports: the fuzz targets panic with it, the tests match on it.

/// A broken invariant, with enough context to read the finding without a debugger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// The session authenticated although it never presented a valid credential.
    #[error("authenticated without a valid credential: {0}")]
    AuthWithoutCredential(String),
    /// The store gained something a failed exchange must not produce.
    #[error("store changed without a successful exchange: {0}")]
    StoreChange(String),
    /// The server's output is not a well-formed XMPP stream as a client reads it.
    #[error("malformed server output: {0}")]
    MalformedOutput(String),
    /// The server wrote more than the output bound for what it was sent.
    #[error("output bound exceeded: {0}")]
    OutputBound(String),
    /// The session's peak live heap exceeded the bound.
    #[error("memory bound exceeded: {0}")]
    Memory(String),
    /// The HTTP core broke one of its rules (5xx, JSON that does not parse, a grant it must refuse).
    #[error("HTTP: {0}")]
    Http(String),
}
