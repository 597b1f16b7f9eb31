//! Redirect and informational URI checks for dynamic client registration (RFC 7591 §2, RFC 6749
//! §3.1.2, RFC 8252 §7), written against RFC 3986's grammar rather than a URL library so the rules
//! are visible: absolute, no fragment, `https` except `http` on loopback and reverse-DNS
//! private-use schemes for native apps.

use crate::breaks::{Break, BreakSet};

/// Why a redirect URI was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// Not an absolute URI (RFC 3986 §4.3): no scheme.
    #[error("not an absolute URI")]
    Relative,
    /// Carries a fragment (RFC 6749 §3.1.2: MUST NOT include a fragment component).
    #[error("has a fragment")]
    Fragment,
    /// Contains spaces, controls or characters outside RFC 3986.
    #[error("contains characters not allowed in a URI")]
    BadCharacters,
    /// `http` to a host that is not loopback, or a scheme that is neither https, loopback http,
    /// nor a reverse-DNS private-use scheme.
    #[error("scheme not allowed (https, loopback http, or a reverse-DNS private-use scheme)")]
    Scheme,
    /// `http`/`https` without an authority (`//host`).
    #[error("missing host")]
    NoHost,
}

/// Longest URI accepted.
pub const MAX_URI_LEN: usize = 2048;

/// The scheme of `uri` when it starts with an RFC 3986 scheme followed by `:`.
fn scheme(uri: &str) -> Option<&str> {
    let (s, _) = uri.split_once(':')?;
    let mut bytes = s.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic() && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)))
        .then_some(s)
}

/// The host of an `http(s)://` URI (brackets kept for IPv6 literals), without port.
fn host(uri: &str) -> Option<&str> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if authority.starts_with('[') {
        &authority[..=authority.find(']')?]
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

fn allowed_chars(uri: &str) -> bool {
    uri.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b))
}

fn is_ipv4_loopback(h: &str) -> bool {
    let parts: Vec<&str> = h.split('.').collect();
    parts.len() == 4
        && parts[0] == "127"
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

/// Checks one `redirect_uris` entry.
pub fn check_redirect_uri(uri: &str, breaks: BreakSet) -> Result<(), UriError> {
    if uri.len() > MAX_URI_LEN || !allowed_chars(uri) {
        return Err(UriError::BadCharacters);
    }
    let Some(scheme) = scheme(uri) else {
        if breaks.has(Break::Dcr16RelativeRedirectAccepted) {
            return Ok(());
        }
        return Err(UriError::Relative);
    };
    if uri.contains('#') && !breaks.has(Break::Dcr16FragmentRedirectAccepted) {
        return Err(UriError::Fragment);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => host(uri).map(|_| ()).ok_or(UriError::NoHost),
        "http" => match host(uri).ok_or(UriError::NoHost)? {
            h if h.eq_ignore_ascii_case("localhost") || h == "[::1]" || is_ipv4_loopback(h) => {
                Ok(())
            }
            _ => Err(UriError::Scheme),
        },
        // RFC 8252 §7.1: a private-use scheme is a reverse domain name (contains a period).
        s if s.contains('.') => Ok(()),
        _ => Err(UriError::Scheme),
    }
}

/// Checks an informational URL (`client_uri`, `logo_uri`, `tos_uri`, `policy_uri`): an absolute
/// `http` or `https` URL with a host and no spaces.
pub fn check_info_url(uri: &str) -> bool {
    uri.len() <= MAX_URI_LEN
        && allowed_chars(uri)
        && scheme(uri)
            .is_some_and(|s| s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http"))
        && host(uri).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris() {
        let ok = |u| check_redirect_uri(u, BreakSet::NONE);
        assert_eq!(ok("https://app.example.com/cb"), Ok(()));
        assert_eq!(ok("https://app.example.com/cb?x=1"), Ok(()));
        assert_eq!(ok("http://127.0.0.1:8080/cb"), Ok(()));
        assert_eq!(ok("http://[::1]/cb"), Ok(()));
        assert_eq!(ok("http://localhost/cb"), Ok(()));
        assert_eq!(ok("com.example.app:/cb"), Ok(()));
        assert_eq!(ok("http://app.example.com/cb"), Err(UriError::Scheme));
        assert_eq!(ok("https://app.example.com/cb#x"), Err(UriError::Fragment));
        assert_eq!(ok("/cb"), Err(UriError::Relative));
        assert_eq!(ok("cb"), Err(UriError::Relative));
        assert_eq!(ok("myapp:/cb"), Err(UriError::Scheme));
        assert_eq!(ok("javascript:alert(1)"), Err(UriError::Scheme));
        assert_eq!(ok("http://127.evil.example/cb"), Err(UriError::Scheme));
        assert_eq!(ok("https:///cb"), Err(UriError::NoHost));
        assert_eq!(ok("https://a b/"), Err(UriError::BadCharacters));
        assert_eq!(ok(""), Err(UriError::Relative));
        assert!(check_info_url("https://app.example.com/"));
        assert!(!check_info_url("ftp://x/"));
    }
}
