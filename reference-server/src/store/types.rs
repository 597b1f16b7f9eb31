//! Plain data types shared by every [`super::Store`] implementation.

use super::StoreError;

/// Longest username accepted (RFC 7622 §3.3.1: a localpart is at most 1023 bytes).
pub const MAX_USERNAME_LEN: usize = 1023;
/// Longest key-value namespace or key, and roster JID (RFC 7622 §3.1: 3071 bytes for a JID).
pub const MAX_KEY_LEN: usize = 3071;
/// Largest key-value payload; modules store small records (tokens, invites), never blobs.
pub const MAX_VALUE_LEN: usize = 64 * 1024;

/// The hash function of a SCRAM credential; one credential row per hash so each mechanism
/// (SCRAM-SHA-1, -256, -512) can be served without the password. It is proto's type, so the
/// mechanisms and the store share one enum; rows are keyed by [`ScramHash::name`] (`SHA-1`,
/// `SHA-256`, `SHA-512`), the strings databases already hold.
pub use gatecheck_proto::sasl::ScramHash;

/// What the server keeps to verify SCRAM (RFC 5802 §3) for one hash. Deliberately has no password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramCredential {
    /// Which hash these keys are for.
    pub hash: ScramHash,
    /// The salt sent to clients in `s=`.
    pub salt: Vec<u8>,
    /// The iteration count sent in `i=`.
    pub iterations: u32,
    /// H(ClientKey): verifies the client proof.
    pub stored_key: Vec<u8>,
    /// HMAC(SaltedPassword, "Server Key"): produces the server signature.
    pub server_key: Vec<u8>,
}

impl ScramCredential {
    /// Checks invariants a store must never persist broken: key lengths match the hash, a salt
    /// exists and the iteration count is positive.
    pub fn validate(&self) -> Result<(), StoreError> {
        let bad = |reason| {
            Err(StoreError::Invalid {
                field: "credential",
                reason,
            })
        };
        if self.salt.is_empty() || self.salt.len() > 1024 {
            return bad("salt must be 1..=1024 bytes");
        }
        if self.iterations == 0 {
            return bad("iteration count must be positive");
        }
        if self.stored_key.len() != self.hash.output_len()
            || self.server_key.len() != self.hash.output_len()
        {
            return bad("key length does not match the hash");
        }
        Ok(())
    }
}

/// A local account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Normalised localpart.
    pub username: String,
    /// Creation time, UNIX seconds.
    pub created_at: u64,
    /// At most one credential per hash.
    pub credentials: Vec<ScramCredential>,
}

/// RFC 6121 §2.1.2.5 subscription states as stored (pending-in is not a roster attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscription {
    /// No subscription either way.
    None,
    /// The contact receives the user's presence.
    From,
    /// The user receives the contact's presence.
    To,
    /// Both directions.
    Both,
}

impl Subscription {
    /// The RFC 6121 attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Subscription::None => "none",
            Subscription::From => "from",
            Subscription::To => "to",
            Subscription::Both => "both",
        }
    }

    /// Parses [`Subscription::as_str`] output.
    pub fn parse(s: &str) -> Option<Subscription> {
        match s {
            "none" => Some(Subscription::None),
            "from" => Some(Subscription::From),
            "to" => Some(Subscription::To),
            "both" => Some(Subscription::Both),
            _ => None,
        }
    }
}

/// One roster entry (RFC 6121 §2.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterItem {
    /// The contact's bare JID.
    pub jid: String,
    /// The user-assigned handle.
    pub name: Option<String>,
    /// Subscription state.
    pub subscription: Subscription,
    /// Whether an outbound subscription request is pending (`ask='subscribe'`).
    pub ask: bool,
    /// Groups, in the order given.
    pub groups: Vec<String>,
}

pub(crate) fn check_username(username: &str) -> Result<(), StoreError> {
    if username.is_empty() || username.len() > MAX_USERNAME_LEN {
        return Err(StoreError::Invalid {
            field: "username",
            reason: "must be 1..=1023 bytes",
        });
    }
    Ok(())
}

pub(crate) fn check_key(field: &'static str, key: &str) -> Result<(), StoreError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(StoreError::Invalid {
            field,
            reason: "must be 1..=3071 bytes",
        });
    }
    Ok(())
}

pub(crate) fn check_value(value: &[u8]) -> Result<(), StoreError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(StoreError::Invalid {
            field: "value",
            reason: "larger than MAX_VALUE_LEN",
        });
    }
    Ok(())
}

/// The checks every store runs before `kv_put`: namespace and key lengths, then the value size.
pub(crate) fn check_kv_entry(namespace: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
    check_key("namespace", namespace)?;
    check_key("key", key)?;
    check_value(value)
}

pub(crate) fn check_account(a: &Account) -> Result<(), StoreError> {
    check_username(&a.username)?;
    check_credentials(&a.credentials)
}

pub(crate) fn check_credentials(creds: &[ScramCredential]) -> Result<(), StoreError> {
    for (i, c) in creds.iter().enumerate() {
        c.validate()?;
        if creds.iter().skip(i + 1).any(|o| o.hash == c.hash) {
            return Err(StoreError::Invalid {
                field: "credential",
                reason: "more than one credential for one hash",
            });
        }
    }
    Ok(())
}

pub(crate) fn check_roster_item(item: &RosterItem) -> Result<(), StoreError> {
    check_key("roster jid", &item.jid)?;
    if item.groups.len() > 256
        || item
            .groups
            .iter()
            .any(|g| g.is_empty() || g.len() > 1024 || g.contains('\n'))
    {
        return Err(StoreError::Invalid {
            field: "roster groups",
            reason: "at most 256 non-empty groups of at most 1024 bytes without newlines",
        });
    }
    if item.name.as_ref().is_some_and(|n| n.len() > 1024) {
        return Err(StoreError::Invalid {
            field: "roster name",
            reason: "at most 1024 bytes",
        });
    }
    Ok(())
}

/// One FAST token (XEP-0484) as stored: never the token itself, only the token sealed under the
/// key kept outside the database (see [`super::seal`]), with the facts the lifecycle rules need.
#[derive(Clone, PartialEq, Eq)]
pub struct FastToken {
    /// The HT mechanism it was issued for (`HT-SHA-256-EXPR`, ...); any other fails (FAST-10).
    pub mechanism: String,
    /// `nonce || ciphertext || tag` of the token string (XChaCha20-Poly1305).
    pub sealed: Vec<u8>,
    /// Issue time, UNIX seconds (rotation is due `sasl2_fast_token_min_ttl` after it).
    pub issued_at: u64,
    /// Expiry, UNIX seconds (the `<token expiry>` sent to the client).
    pub expires_at: u64,
    /// The highest `count` processed with this token (replay protection, FAST-13).
    pub last_count: Option<u64>,
    /// A digest of the account's credentials when the token was issued: a password change makes
    /// it differ, which revokes the token even if the tokens were not deleted (FAST-20).
    pub credential_tag: Vec<u8>,
}

impl std::fmt::Debug for FastToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastToken")
            .field("mechanism", &self.mechanism)
            .field("sealed", &format_args!("<{} bytes>", self.sealed.len()))
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("last_count", &self.last_count)
            .finish_non_exhaustive()
    }
}

/// The two token slots XEP-0484 §5.1 suggests for one client installation (account + user-agent
/// id): new tokens always go to `new`; a successful use of `new` moves it to `current`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FastSlots {
    /// The most recently issued token, not yet used.
    pub new: Option<FastToken>,
    /// The token in use.
    pub current: Option<FastToken>,
}

impl FastSlots {
    /// Whether both slots are empty.
    pub fn is_empty(&self) -> bool {
        self.new.is_none() && self.current.is_none()
    }
}

/// Longest FAST mechanism name or client id stored (both are short by construction).
pub(crate) fn check_fast_slots(client: &str, slots: &FastSlots) -> Result<(), StoreError> {
    check_key("fast client", client)?;
    for t in [&slots.new, &slots.current].into_iter().flatten() {
        check_key("fast mechanism", &t.mechanism)?;
        check_value(&t.sealed)?;
        check_value(&t.credential_tag)?;
    }
    Ok(())
}

/// What an invitation is for (XEP-0401 / XEP-0445 / XEP-0379).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InviteKind {
    /// Account invitation: registers a new account (username fixed when `username` is set).
    Account,
    /// Contact invitation of `creator`: roster preauth (XEP-0379) and, when
    /// [`Invite::allows_registration`] (`ibr=y`), registration of a new account too.
    Contact,
    /// Password reset of the existing account `username` (Prosody's `--reset`).
    Reset,
}

impl InviteKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            InviteKind::Account => "account",
            InviteKind::Contact => "contact",
            InviteKind::Reset => "reset",
        }
    }

    /// Parses [`InviteKind::as_str`] output.
    pub fn parse(s: &str) -> Option<InviteKind> {
        match s {
            "account" => Some(InviteKind::Account),
            "contact" => Some(InviteKind::Contact),
            "reset" => Some(InviteKind::Reset),
            _ => None,
        }
    }
}

/// One stored invitation. The token itself is never stored, only `token_hash` (lower-case hex
/// SHA-256 of the token): lookups are by hash, so neither a database dump nor lookup timing
/// reveals a usable token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// Hex SHA-256 of the token (the primary key).
    pub token_hash: String,
    /// What it is for.
    pub kind: InviteKind,
    /// Local username of the account that made it; `None` for the admin CLI.
    pub creator: Option<String>,
    /// Account: the bound username (or `None`: the invitee chooses); Reset: the account.
    pub username: Option<String>,
    /// Local username to establish a mutual (`both`) subscription with when the invitee
    /// registers: the inviter of a contact invite, or the admin of a `create-account` invite with
    /// `roster-subscription`.
    pub subscribe_to: Option<String>,
    /// Whether the token authorises registration (`ibr=y` for contact invites; always for account
    /// and reset invites).
    pub allows_registration: bool,
    /// Creation time, UNIX seconds.
    pub created_at: u64,
    /// Expiry, UNIX seconds (checked only at preauth, XEP-0445 §4).
    pub expires_at: u64,
    /// When it was spent, if it was.
    pub used_at: Option<u64>,
}

/// What redeeming an invitation (or open registration) does, in the same transaction that spends
/// the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeem {
    /// Create `account` and write `roster` (`(owner username, item)`; items of owners that no
    /// longer exist are skipped). Fails with [`StoreError::AccountExists`] if the username is taken
    /// or reserved by another live account invite (XEP-0401 §6.2).
    Create {
        /// The new account.
        account: Account,
        /// Roster items to write with it (the mutual subscription of a contact invite).
        roster: Vec<(String, RosterItem)>,
    },
    /// Replace the credentials of the existing account `username` (password reset) and revoke
    /// its FAST tokens. Fails with [`StoreError::NoSuchAccount`] if it does not exist.
    Reset {
        /// The account.
        username: String,
        /// Its new credentials.
        credentials: Vec<ScramCredential>,
    },
}

/// Longest token accepted for lookup; ours are 24 characters, Prosody's 24 too.
pub const MAX_INVITE_TOKEN_LEN: usize = 256;

pub(crate) fn check_invite(i: &Invite) -> Result<(), StoreError> {
    if i.token_hash.len() != 64 || !i.token_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid {
            field: "invite token hash",
            reason: "must be 64 hex digits",
        });
    }
    for u in [&i.creator, &i.username, &i.subscribe_to]
        .into_iter()
        .flatten()
    {
        check_username(u)?;
    }
    if i.kind == InviteKind::Reset && i.username.is_none() {
        return Err(StoreError::Invalid {
            field: "invite username",
            reason: "a reset invite names its account",
        });
    }
    Ok(())
}
