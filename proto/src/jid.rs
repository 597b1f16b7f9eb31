//! XMPP addresses (RFC 7622 syntax) with RFC 6122-style stringprep normalisation.
//!
//! Normalisation uses the `stringprep` crate's Nodeprep, Nameprep and Resourceprep profiles rather
//! than RFC 7622's PRECIS profiles: that is what deployed servers (Prosody, ejabberd) do, so a JID
//! that compares equal here compares equal there. Domains are lowercased through Nameprep and are
//! not converted to or from punycode (no IDNA); ASCII domains must be letters, digits, `-` and
//! `.` (or an IP literal in brackets). Each part is limited to 1..=1023 octets after preparation.

use std::fmt;
use std::str::FromStr;

/// Longest accepted part (node, domain, resource), in octets (RFC 7622 §3.2–§3.4).
pub const MAX_PART_LEN: usize = 1023;

/// Why a string is not a valid JID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JidError {
    /// A part is empty (e.g. `@example.com`, `example.com/`, or the whole string).
    #[error("empty {0}")]
    EmptyPart(JidPart),
    /// A part is longer than [`MAX_PART_LEN`] octets after preparation.
    #[error("{0} longer than {MAX_PART_LEN} octets")]
    TooLong(JidPart),
    /// A part contains characters its stringprep profile prohibits.
    #[error("{0} contains prohibited characters")]
    Prohibited(JidPart),
}

/// Names a JID part in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JidPart {
    /// The localpart.
    Node,
    /// The domainpart.
    Domain,
    /// The resourcepart.
    Resource,
}

impl fmt::Display for JidPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Node => "localpart",
            Self::Domain => "domainpart",
            Self::Resource => "resourcepart",
        })
    }
}

/// A normalised JID. Fields are private so every value is known to be prepared and in bounds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jid {
    node: Option<String>,
    domain: String,
    resource: Option<String>,
}

fn check_len(s: String, part: JidPart) -> Result<String, JidError> {
    if s.is_empty() {
        Err(JidError::EmptyPart(part))
    } else if s.len() > MAX_PART_LEN {
        Err(JidError::TooLong(part))
    } else {
        Ok(s)
    }
}

/// Whether `s` has a code point unassigned in Unicode 3.2 (RFC 3454 table A.1). Stored strings
/// must not (RFC 3454 §7), and the check has to look at the *input*: the `stringprep` crate checks
/// only its output, after a current-Unicode NFKC that maps some such code points to letters the
/// case-fold step has already passed (U+1D3C → `O`), so "l\u{1D3C}x" prepared to "lOx" and
/// preparing that again gave "lox": two spellings of one domain (found by the invite_uri fuzz
/// target).
fn has_unassigned(s: &str) -> bool {
    s.chars().any(stringprep::tables::unassigned_code_point)
}

/// Nodeprep-normalises a localpart and checks its length; used for usernames at registration.
pub fn prepare_localpart(node: &str) -> Result<String, JidError> {
    if node.len() > MAX_PART_LEN * 4 {
        return Err(JidError::TooLong(JidPart::Node));
    }
    if has_unassigned(node) {
        return Err(JidError::Prohibited(JidPart::Node));
    }
    let prepped = stringprep::nodeprep(node).map_err(|_| JidError::Prohibited(JidPart::Node))?;
    check_len(prepped.into_owned(), JidPart::Node)
}

/// Nodeprep for a *query* (RFC 3454 §7): like [`prepare_localpart`] but unassigned code points
/// pass through, so looking up an existing account is not refused merely because the client
/// knows a newer Unicode version. Never use the result to create (store) an account.
pub fn prepare_localpart_query(node: &str) -> Result<String, JidError> {
    if node.len() > MAX_PART_LEN * 4 {
        return Err(JidError::TooLong(JidPart::Node));
    }
    let prepped =
        crate::sasl::saslprep::prep_query(node, crate::sasl::saslprep::QueryProfile::Nodeprep)
            .map_err(|_| JidError::Prohibited(JidPart::Node))?;
    check_len(prepped, JidPart::Node)
}

/// Whether `node` is acceptable as a localpart (an account username) after Nodeprep.
pub fn localpart_is_valid(node: &str) -> bool {
    prepare_localpart(node).is_ok()
}

fn prepare_domain(domain: &str) -> Result<String, JidError> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.len() > MAX_PART_LEN * 4 {
        return Err(JidError::TooLong(JidPart::Domain));
    }
    if let Some(inner) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        let ok = !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        return if ok {
            check_len(domain.to_ascii_lowercase(), JidPart::Domain)
        } else {
            Err(JidError::Prohibited(JidPart::Domain))
        };
    }
    if has_unassigned(domain) {
        return Err(JidError::Prohibited(JidPart::Domain));
    }
    let prepped =
        stringprep::nameprep(domain).map_err(|_| JidError::Prohibited(JidPart::Domain))?;
    let prepped = check_len(prepped.into_owned(), JidPart::Domain)?;
    let ascii_ok = |c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || c == '-' || c == '.';
    if !prepped.chars().all(ascii_ok) || prepped.split('.').any(str::is_empty) {
        return Err(JidError::Prohibited(JidPart::Domain));
    }
    Ok(prepped)
}

fn prepare_resource(resource: &str) -> Result<String, JidError> {
    if resource.len() > MAX_PART_LEN * 4 {
        return Err(JidError::TooLong(JidPart::Resource));
    }
    let prepped =
        stringprep::resourceprep(resource).map_err(|_| JidError::Prohibited(JidPart::Resource))?;
    check_len(prepped.into_owned(), JidPart::Resource)
}

impl Jid {
    /// Builds a JID from separate parts, normalising each.
    pub fn new(node: Option<&str>, domain: &str, resource: Option<&str>) -> Result<Self, JidError> {
        Ok(Self {
            node: node.map(prepare_localpart).transpose()?,
            domain: prepare_domain(domain)?,
            resource: resource.map(prepare_resource).transpose()?,
        })
    }

    /// Parses `[node@]domain[/resource]`: the resource starts at the first `/`, the node ends at
    /// the first `@` before it (RFC 7622 §3.1); a trailing `.` on the domain is dropped.
    pub fn parse(s: &str) -> Result<Self, JidError> {
        let (bare, resource) = match s.split_once('/') {
            Some((b, r)) => (b, Some(r)),
            None => (s, None),
        };
        let (node, domain) = match bare.split_once('@') {
            Some((n, d)) => (Some(n), d),
            None => (None, bare),
        };
        Self::new(node, domain, resource)
    }

    /// The localpart, if any.
    pub fn node(&self) -> Option<&str> {
        self.node.as_deref()
    }

    /// The domainpart (lowercased).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The resourcepart, if any (case preserved).
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// The same JID without its resource (the account or server address).
    pub fn to_bare(&self) -> Jid {
        Jid {
            node: self.node.clone(),
            domain: self.domain.clone(),
            resource: None,
        }
    }

    /// Whether the JID has no resource.
    pub fn is_bare(&self) -> bool {
        self.resource.is_none()
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.node {
            write!(f, "{n}@")?;
        }
        f.write_str(&self.domain)?;
        if let Some(r) = &self.resource {
            write!(f, "/{r}")?;
        }
        Ok(())
    }
}

impl FromStr for Jid {
    type Err = JidError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
