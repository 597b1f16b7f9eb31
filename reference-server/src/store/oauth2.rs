//! OAuth2 rows: authorization codes and access/refresh tokens, keyed by the SHA-256 (hex) of the
//! secret so a database dump holds nothing a client could present.

use super::StoreError;

/// A pending authorization code (single use, RFC 6749 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Code {
    /// SHA-256 of the code, hex.
    pub code_hash: String,
    /// The account that logged in.
    pub username: String,
    /// SHA-256 of the client_id, hex.
    pub client_hash: String,
    /// The redirect URI the code was issued for.
    pub redirect_uri: String,
    /// The PKCE S256 challenge, when one was sent.
    pub code_challenge: Option<String>,
    /// The scope granted (may be empty).
    pub scope: String,
    /// UNIX seconds; the code is dead (and its row deleted) from then on.
    pub expires_at: u64,
    /// The grant the code starts: every token issued from it carries this id, so a replayed
    /// code can revoke them (RFC 6749 §4.1.2).
    pub grant_id: String,
    /// Redeemed already; the row stays until expiry so a replay is recognised.
    pub used: bool,
}

/// What redeeming a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeTake {
    /// Unused and unexpired: now marked used.
    Fresh(OAuth2Code),
    /// Redeemed before (a replay): the caller revokes the tokens of its grant.
    Replayed(OAuth2Code),
    /// Unknown or expired.
    Unknown,
}

/// Access or refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An access token (OAUTHBEARER).
    Access,
    /// A refresh token (token endpoint only).
    Refresh,
}

impl TokenKind {
    /// `access` or `refresh` (the stored string).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }

    /// Parses the stored string.
    pub fn parse(s: &str) -> Option<TokenKind> {
        match s {
            "access" => Some(TokenKind::Access),
            "refresh" => Some(TokenKind::Refresh),
            _ => None,
        }
    }
}

/// An issued token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Token {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Access or refresh.
    pub kind: TokenKind,
    /// Identifies the authorization (one code exchange) every rotated token descends from;
    /// revoking a refresh token revokes the whole grant (RFC 7009 §2.1).
    pub grant_id: String,
    /// The account.
    pub username: String,
    /// SHA-256 of the client_id, hex.
    pub client_hash: String,
    /// The scope granted (may be empty).
    pub scope: String,
    /// UNIX seconds.
    pub issued_at: u64,
    /// UNIX seconds; dead from then on.
    pub expires_at: u64,
    /// Revoked (RFC 7009) or rotated away.
    pub revoked: bool,
}

impl OAuth2Token {
    /// Usable at `now`: not revoked and not expired.
    pub fn live(&self, now: u64) -> bool {
        !self.revoked && now < self.expires_at
    }
}

fn hex64(field: &'static str, v: &str) -> Result<(), StoreError> {
    if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field,
            reason: "must be 64 hex digits (SHA-256)",
        })
    }
}

pub(crate) fn check_code(c: &OAuth2Code) -> Result<(), StoreError> {
    hex64("code_hash", &c.code_hash)?;
    hex64("client_hash", &c.client_hash)?;
    super::types::check_username(&c.username)
}

pub(crate) fn check_token(t: &OAuth2Token) -> Result<(), StoreError> {
    hex64("token_hash", &t.token_hash)?;
    hex64("client_hash", &t.client_hash)?;
    super::types::check_username(&t.username)
}
