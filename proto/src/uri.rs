//! RFC 5122 `xmpp:` URIs/IRIs as used by invitations (XEP-0401, XEP-0445, XEP-0379).
//!
//! Choices where the RFCs leave room: only the path form `xmpp:[node@]domain[/resource]` is
//! accepted; the authority form `xmpp://auth@host/...` (which names the *sending* account) is
//! rejected with [`UriError::AuthorityForm`] because no invite uses it, and fragments are rejected.
//! Percent-escapes are decoded as UTF-8 on parse and everything outside RFC 3986 `unreserved` is
//! escaped on format. `+` is a literal plus, never a space (strict RFC 3986, digest §6.4 item 46).

use std::fmt::{self, Write};

use crate::jid::{Jid, JidError};

/// Longest URI accepted, in bytes, of the input and of its percent-encoded form (what
/// `Display` writes), so that every URI `parse` accepts can be written out and read back.
pub const MAX_URI_LEN: usize = 4096;

/// Why a URI was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// Longer than [`MAX_URI_LEN`].
    #[error("URI longer than {MAX_URI_LEN} bytes")]
    TooLong,
    /// The scheme is not `xmpp:` (case-insensitive).
    #[error("not an xmpp: URI")]
    NotXmpp,
    /// `xmpp://...` authority form (unsupported, see module docs).
    #[error("xmpp:// authority form is not supported")]
    AuthorityForm,
    /// A `#fragment` is present.
    #[error("fragments are not supported")]
    Fragment,
    /// A `%` not followed by two hex digits.
    #[error("bad percent-escape")]
    BadPercent,
    /// Decoded octets are not UTF-8.
    #[error("percent-decoded text is not UTF-8")]
    NotUtf8,
    /// A character that must be percent-encoded appears raw.
    #[error("invalid character {0:?}")]
    InvalidChar(char),
    /// The path is not a valid JID (including an empty host).
    #[error("invalid JID: {0}")]
    Jid(#[from] JidError),
    /// The query type is empty, or a parameter has no `=` or an empty key.
    #[error("malformed query")]
    BadQuery,
    /// The query type is not `register` or `roster`, or there is no query.
    #[error("not an invitation (query type {0:?})")]
    NotAnInvite(String),
    /// The `preauth` parameter is missing or empty.
    #[error("missing preauth token")]
    MissingPreauth,
    /// `preauth` or `ibr` appears twice.
    #[error("duplicate parameter {0}")]
    DuplicateParam(String),
    /// `ibr` has a value other than `y` or `n`.
    #[error("ibr must be y or n")]
    BadIbr,
    /// An invitation JID carries a resource.
    #[error("invitation JID must be bare")]
    ResourceNotAllowed,
    /// A roster invitation's JID has no localpart.
    #[error("roster invitation needs a contact JID with a localpart")]
    RosterNeedsNode,
}

/// A parsed `xmpp:` URI: the JID plus the optional `?querytype;key=value...` part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmppUri {
    /// The target JID (percent-decoded, normalised).
    pub jid: Jid,
    /// The query type (`register`, `roster`, `message`, ...), if any.
    pub query_type: Option<String>,
    /// The decoded `key=value` pairs, in order.
    pub params: Vec<(String, String)>,
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Characters allowed raw in a path or query component (unreserved, sub-delims other than those
/// with structural meaning here, `:` `@` `/` `?`, and any non-ASCII IRI character).
fn raw_allowed(c: char, structural: &[char]) -> bool {
    !structural.contains(&c)
        && (!c.is_ascii() || c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?".contains(c))
}

/// Decodes one component, rejecting raw characters that must have been escaped.
pub fn percent_decode(s: &str, structural: &[char]) -> Result<String, UriError> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '%' {
            let b = s.as_bytes();
            let hi = b.get(i + 1).copied().and_then(hex_val);
            let lo = b.get(i + 2).copied().and_then(hex_val);
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(UriError::BadPercent);
            };
            out.push(hi << 4 | lo);
            chars.next();
            chars.next();
        } else if c.is_control() || !raw_allowed(c, structural) {
            return Err(UriError::InvalidChar(c));
        } else {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    String::from_utf8(out).map_err(|_| UriError::NotUtf8)
}

/// Escapes every octet outside RFC 3986 `unreserved` (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

impl XmppUri {
    /// Parses an `xmpp:` URI (path form only).
    pub fn parse(s: &str) -> Result<Self, UriError> {
        if s.len() > MAX_URI_LEN {
            return Err(UriError::TooLong);
        }
        let rest = match s.get(..5) {
            Some(p) if p.eq_ignore_ascii_case("xmpp:") => s.get(5..).unwrap_or_default(),
            _ => return Err(UriError::NotXmpp),
        };
        if rest.starts_with("//") {
            return Err(UriError::AuthorityForm);
        }
        if rest.contains('#') {
            return Err(UriError::Fragment);
        }
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let (bare, resource) = match path.split_once('/') {
            Some((b, r)) => (b, Some(r)),
            None => (path, None),
        };
        let (node, domain) = match bare.split_once('@') {
            Some((n, d)) => (Some(n), d),
            None => (None, bare),
        };
        let node = node.map(|n| percent_decode(n, &['?'])).transpose()?;
        let domain = if domain.starts_with('[') && domain.ends_with(']') {
            domain.to_owned() // IP literal; Jid validation checks its characters
        } else {
            percent_decode(domain, &['?', '@'])?
        };
        let resource = resource.map(|r| percent_decode(r, &['?'])).transpose()?;
        let jid = Jid::new(node.as_deref(), &domain, resource.as_deref())?;
        let (query_type, params) = match query {
            None => (None, Vec::new()),
            Some(q) => {
                let mut parts = q.split(';');
                let qt = percent_decode(parts.next().unwrap_or_default(), &['=', ';', '?'])?;
                if qt.is_empty() {
                    return Err(UriError::BadQuery);
                }
                let mut params = Vec::new();
                for pair in parts {
                    let (k, v) = pair.split_once('=').ok_or(UriError::BadQuery)?;
                    let k = percent_decode(k, &['=', ';', '?'])?;
                    if k.is_empty() {
                        return Err(UriError::BadQuery);
                    }
                    params.push((k, percent_decode(v, &[';', '?'])?));
                }
                (Some(qt), params)
            }
        };
        let uri = Self {
            jid,
            query_type,
            params,
        };
        // An IRI with raw non-ASCII or reserved characters under the limit can triple in length
        // once percent-encoded; refusing it here keeps parse and format inverse (found by the
        // invite_uri fuzz target).
        if uri.to_string().len() > MAX_URI_LEN {
            return Err(UriError::TooLong);
        }
        Ok(uri)
    }
}

impl fmt::Display for XmppUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("xmpp:")?;
        if let Some(n) = self.jid.node() {
            write!(f, "{}@", percent_encode(n))?;
        }
        let domain = self.jid.domain();
        if domain.starts_with('[') {
            f.write_str(domain)?;
        } else {
            f.write_str(&percent_encode(domain))?;
        }
        if let Some(r) = self.jid.resource() {
            write!(f, "/{}", percent_encode(r))?;
        }
        if let Some(qt) = &self.query_type {
            write!(f, "?{}", percent_encode(qt))?;
            for (k, v) in &self.params {
                write!(f, ";{}={}", percent_encode(k), percent_encode(v))?;
            }
        }
        Ok(())
    }
}

/// The two invitation kinds of XEP-0401 / XEP-0379.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InviteKind {
    /// `?register`: an account invitation (username fixed when the JID has a localpart).
    Register,
    /// `?roster`: a contact invitation, optionally also allowing registration (`ibr=y`).
    Roster,
}

impl InviteKind {
    /// The query type on the wire.
    pub fn query_type(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Roster => "roster",
        }
    }
}

/// An invitation URI: `xmpp:[user@]host?register;preauth=T` or
/// `xmpp:contact@host?roster;preauth=T[;ibr=y]`, with any other parameters kept in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteUri {
    /// Register or roster.
    pub kind: InviteKind,
    /// Bare JID: the server (or fixed account) for register, the inviting contact for roster.
    pub jid: Jid,
    /// The preauth token (non-empty).
    pub preauth: String,
    /// `ibr=y`: the roster invitation also permits account registration (XEP-0401 §5.1).
    pub ibr: bool,
    /// Other parameters (e.g. `name`), never `preauth`/`ibr`.
    pub extra: Vec<(String, String)>,
}

impl InviteUri {
    /// Parses and validates an invitation URI.
    pub fn parse(s: &str) -> Result<Self, UriError> {
        let uri = XmppUri::parse(s)?;
        let kind = match uri.query_type.as_deref() {
            Some("register") => InviteKind::Register,
            Some("roster") => InviteKind::Roster,
            other => return Err(UriError::NotAnInvite(other.unwrap_or_default().to_owned())),
        };
        if !uri.jid.is_bare() {
            return Err(UriError::ResourceNotAllowed);
        }
        if kind == InviteKind::Roster && uri.jid.node().is_none() {
            return Err(UriError::RosterNeedsNode);
        }
        let (mut preauth, mut ibr, mut extra) = (None, None, Vec::new());
        for (k, v) in uri.params {
            let slot = match k.as_str() {
                "preauth" => &mut preauth,
                "ibr" => &mut ibr,
                _ => {
                    extra.push((k, v));
                    continue;
                }
            };
            if slot.replace(v).is_some() {
                return Err(UriError::DuplicateParam(k));
            }
        }
        let preauth = preauth
            .filter(|p| !p.is_empty())
            .ok_or(UriError::MissingPreauth)?;
        let ibr = match ibr.as_deref() {
            None | Some("n") => false,
            Some("y") => true,
            Some(_) => return Err(UriError::BadIbr),
        };
        Ok(Self {
            kind,
            jid: uri.jid,
            preauth,
            ibr,
            extra,
        })
    }

    /// The generic URI form of this invitation.
    pub fn to_xmpp_uri(&self) -> XmppUri {
        let mut params = vec![("preauth".to_owned(), self.preauth.clone())];
        if self.ibr {
            params.push(("ibr".to_owned(), "y".to_owned()));
        }
        params.extend(self.extra.iter().cloned());
        XmppUri {
            jid: self.jid.clone(),
            query_type: Some(self.kind.query_type().to_owned()),
            params,
        }
    }
}

impl fmt::Display for InviteUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_xmpp_uri().fmt(f)
    }
}
