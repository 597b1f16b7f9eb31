//! Persistent state: accounts (SCRAM credentials only, never passwords), rosters, and a namespaced
//! key-value facility with expiry that modules use for FAST tokens, invites and the like.
//!
//! The [`Store`] trait is synchronous on purpose. Every operation is a single indexed statement or a
//! short transaction (well under a millisecond on SQLite with WAL), so the session core calls it
//! directly; wrapping each call in `spawn_blocking` would cost more than the call. The one way a call
//! can take long is waiting for another process's write lock (the admin CLI), which `busy_timeout`
//! bounds; that is rare and bounded, and documented on [`SqliteStore::open`].

mod memory;
mod oauth2;
pub mod seal;
#[cfg(feature = "shell")]
mod sqlite;
mod types;

#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use memory::Inner as MemoryState;
pub use memory::MemoryStore;
pub use oauth2::{CodeTake, OAuth2Code, OAuth2Token, TokenKind};
#[cfg(feature = "shell")]
pub use sqlite::{BUSY_TIMEOUT, SCHEMA_VERSION, SqliteStore};
pub use types::{
    Account, FastSlots, FastToken, Invite, InviteKind, MAX_INVITE_TOKEN_LEN, MAX_KEY_LEN,
    MAX_USERNAME_LEN, MAX_VALUE_LEN, Redeem, RosterItem, ScramCredential, ScramHash, Subscription,
};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `create_account` for a username that already exists (XEP-0077 `<conflict/>`).
    #[error("account already exists")]
    AccountExists,
    /// The operation needs an account that does not exist.
    #[error("no such account")]
    NoSuchAccount,
    /// The invitation does not exist or has been spent already.
    #[error("invitation unknown or already used")]
    InviteUnavailable,
    /// An argument breaks a documented limit or invariant.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which argument.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A row in the database could not be decoded (corruption or a foreign writer).
    #[error("corrupt row in {table}: {reason}")]
    Corrupt {
        /// The table holding the bad row.
        table: &'static str,
        /// What could not be decoded.
        reason: String,
    },
    /// The database file was written by a newer gatecheck-server.
    #[error("database schema version {found} is newer than this server understands ({supported})")]
    SchemaTooNew {
        /// `user_version` found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The data directory could not be created.
    #[error("cannot create data directory: {0}")]
    Io(#[from] std::io::Error),
    /// Any SQLite failure (including `SQLITE_BUSY` after the busy timeout).
    #[cfg(feature = "shell")]
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Storage used by the server's modules. Implementations must be safe to share between sessions.
///
/// Usernames are the account's localpart, already normalised by the caller (nodeprep); the store
/// compares them byte for byte. Times are UNIX seconds, passed in so cores stay testable.
pub trait Store: Send + Sync {
    /// Creates an account; fails with [`StoreError::AccountExists`] if the username is taken.
    fn create_account(&self, account: &Account) -> Result<(), StoreError>;
    /// Returns the account with its credentials, or `None`.
    fn get_account(&self, username: &str) -> Result<Option<Account>, StoreError>;
    /// Replaces all credentials of an account atomically (password change).
    fn set_credentials(
        &self,
        username: &str,
        credentials: &[ScramCredential],
    ) -> Result<(), StoreError>;
    /// Deletes an account with its credentials and roster; returns whether it existed.
    fn delete_account(&self, username: &str) -> Result<bool, StoreError>;

    /// The account's roster, ordered by contact JID.
    fn roster_get(&self, username: &str) -> Result<Vec<RosterItem>, StoreError>;
    /// Adds or replaces the roster item for `item.jid`.
    fn roster_set(&self, username: &str, item: &RosterItem) -> Result<(), StoreError>;
    /// Removes the roster item for `jid`; returns whether it existed.
    fn roster_remove(&self, username: &str, jid: &str) -> Result<bool, StoreError>;

    /// Stores `value` under (`namespace`, `key`), replacing any previous value. `expires_at` (UNIX
    /// seconds) makes the entry invisible from that second on.
    fn kv_put(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        expires_at: Option<u64>,
    ) -> Result<(), StoreError>;
    /// Returns the value if present and not expired at `now`.
    fn kv_get(&self, namespace: &str, key: &str, now: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Atomically returns and deletes the value if present and not expired: what single-use invites
    /// and token rotation need so two sessions cannot both consume one secret.
    fn kv_take(&self, namespace: &str, key: &str, now: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Deletes an entry; returns whether it existed (expired or not).
    fn kv_delete(&self, namespace: &str, key: &str) -> Result<bool, StoreError>;
    /// All unexpired entries of a namespace, ordered by key.
    fn kv_list(&self, namespace: &str, now: u64) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Deletes every entry expired at `now`; returns how many.
    fn kv_purge_expired(&self, now: u64) -> Result<usize, StoreError>;

    /// Reads the FAST token slots of (`username`, `client`), lets `f` change them and writes the
    /// result back, all in one transaction: two sessions presenting the same token cannot both see
    /// it unused (the replay race). `f` runs while the store is locked, so it must be short (one
    /// unseal and one HMAC per slot). Writing slots for an account that does not exist fails with
    /// [`StoreError::NoSuchAccount`]; leaving them empty never fails.
    fn fast_update(
        &self,
        username: &str,
        client: &str,
        f: &mut dyn FnMut(&mut FastSlots),
    ) -> Result<(), StoreError>;
    /// Deletes every FAST token of an account, for every client (password change); returns how
    /// many tokens were deleted.
    fn fast_revoke_account(&self, username: &str) -> Result<usize, StoreError>;

    /// Stores a new invitation; fails with [`StoreError::Invalid`] if its hash exists already.
    fn invite_create(&self, invite: &Invite) -> Result<(), StoreError>;
    /// The invitation whose token hashes to `token_hash`, spent or not, expired or not.
    fn invite_get(&self, token_hash: &str) -> Result<Option<Invite>, StoreError>;
    /// Registration in ONE transaction (SQLite: `BEGIN IMMEDIATE`): checks that the invitation
    /// `token_hash` (if any) exists and is unspent ([`StoreError::InviteUnavailable`] otherwise),
    /// applies `what` (which may fail with [`StoreError::AccountExists`] /
    /// [`StoreError::NoSuchAccount`]), and, when `consume`, marks the invitation spent at `now`.
    /// Any failure leaves everything as it was: a token is never spent twice and a failed
    /// registration never spends it. Expiry is not checked here (XEP-0445 §4: only at preauth);
    /// `now` decides which other invitations still reserve their bound username.
    fn invite_redeem(
        &self,
        token_hash: Option<&str>,
        now: u64,
        what: &Redeem,
        consume: bool,
    ) -> Result<(), StoreError>;
    /// Marks an unspent invitation spent at `now` (roster preauth); returns whether this call
    /// spent it (false: unknown or spent already), atomically.
    fn invite_spend(&self, token_hash: &str, now: u64) -> Result<bool, StoreError>;
    /// Stores a new authorization code (the account must exist) and deletes codes expired at `now`.
    fn oauth2_code_put(&self, code: &OAuth2Code, now: u64) -> Result<(), StoreError>;
    /// Redeems the code with this hash in one transaction: an unused, unexpired code is marked
    /// used and returned as [`CodeTake::Fresh`] (at most once however many requests race for
    /// it); a used one is [`CodeTake::Replayed`]; an expired one is deleted.
    fn oauth2_code_take(&self, code_hash: &str, now: u64) -> Result<CodeTake, StoreError>;
    /// Revokes every token of a grant; returns how many rows changed.
    fn oauth2_revoke_grant(&self, grant_id: &str) -> Result<usize, StoreError>;
    /// Revokes every live OAuth2 token of an account (password change); returns how many.
    fn oauth2_revoke_account(&self, username: &str) -> Result<usize, StoreError>;
    /// Stores new tokens (all or none; the account must exist).
    fn oauth2_tokens_put(&self, tokens: &[OAuth2Token]) -> Result<(), StoreError>;
    /// The token with this hash, live or not.
    fn oauth2_token_get(&self, token_hash: &str) -> Result<Option<OAuth2Token>, StoreError>;
    /// Refresh rotation in one transaction: if `refresh_hash` is a live refresh token of
    /// `client_hash` at `now`, marks it revoked, stores `make(&old)` and returns the old row;
    /// otherwise changes nothing and returns `None`. Two requests presenting one refresh token
    /// cannot both rotate it.
    fn oauth2_refresh_rotate(
        &self,
        refresh_hash: &str,
        client_hash: &str,
        now: u64,
        make: &mut dyn FnMut(&OAuth2Token) -> Vec<OAuth2Token>,
    ) -> Result<Option<OAuth2Token>, StoreError>;
    /// Revokes the token with this hash if it belongs to `client_hash`: an access token alone, a
    /// refresh token with every token of its grant. Returns whether anything was revoked.
    fn oauth2_revoke(&self, token_hash: &str, client_hash: &str) -> Result<bool, StoreError>;
}

#[cfg(test)]
pub(crate) mod conformance {
    //! One test body run against every implementation, so the two cannot drift apart.
    use super::*;

    fn cred(hash: ScramHash, byte: u8) -> ScramCredential {
        ScramCredential {
            hash,
            salt: vec![byte; 16],
            iterations: 4096,
            stored_key: vec![byte; hash.output_len()],
            server_key: vec![byte.wrapping_add(1); hash.output_len()],
        }
    }

    pub(crate) fn account(name: &str) -> Account {
        Account {
            username: name.to_owned(),
            created_at: 1_700_000_000,
            credentials: vec![cred(ScramHash::Sha1, 1), cred(ScramHash::Sha256, 2)],
        }
    }

    /// OAuth2 codes and tokens: single-use codes, rotation, revocation by grant.
    pub(crate) fn exercise_oauth2(s: &dyn Store) {
        s.create_account(&account("olga")).unwrap();
        let h = |c: char| c.to_string().repeat(64);
        let code = OAuth2Code {
            code_hash: h('a'),
            username: "olga".into(),
            client_hash: h('c'),
            redirect_uri: "https://app.example/cb".into(),
            code_challenge: Some("x".repeat(43)),
            scope: String::new(),
            expires_at: 100,
            grant_id: "g1".into(),
            used: false,
        };
        s.oauth2_code_put(&code, 0).unwrap();
        assert!(matches!(
            s.oauth2_code_put(
                &OAuth2Code {
                    username: "nobody".into(),
                    ..code.clone()
                },
                0
            ),
            Err(StoreError::NoSuchAccount)
        ));
        assert_eq!(
            s.oauth2_code_take(&h('a'), 99).unwrap(),
            CodeTake::Fresh(code.clone())
        );
        let used = OAuth2Code {
            used: true,
            ..code.clone()
        };
        assert_eq!(
            s.oauth2_code_take(&h('a'), 99).unwrap(),
            CodeTake::Replayed(used)
        );
        s.oauth2_code_put(
            &OAuth2Code {
                code_hash: h('b'),
                ..code.clone()
            },
            0,
        )
        .unwrap();
        assert_eq!(
            s.oauth2_code_take(&h('b'), 100).unwrap(),
            CodeTake::Unknown,
            "expired"
        );
        assert_eq!(
            s.oauth2_code_take(&h('b'), 0).unwrap(),
            CodeTake::Unknown,
            "deleted once seen expired"
        );
        // Putting a code purges expired ones.
        s.oauth2_code_put(
            &OAuth2Code {
                code_hash: h('e'),
                ..code.clone()
            },
            100,
        )
        .unwrap();
        assert_eq!(s.oauth2_code_take(&h('a'), 0).unwrap(), CodeTake::Unknown);

        let tok = |hash: char, kind: TokenKind| OAuth2Token {
            token_hash: h(hash),
            kind,
            grant_id: "g1".into(),
            username: "olga".into(),
            client_hash: h('c'),
            scope: String::new(),
            issued_at: 1,
            expires_at: 100,
            revoked: false,
        };
        s.oauth2_tokens_put(&[tok('1', TokenKind::Access), tok('2', TokenKind::Refresh)])
            .unwrap();
        assert_eq!(
            s.oauth2_token_get(&h('1')).unwrap(),
            Some(tok('1', TokenKind::Access))
        );
        // Rotation: wrong client, access token, expired: nothing happens.
        let mut make =
            |_: &OAuth2Token| vec![tok('3', TokenKind::Access), tok('4', TokenKind::Refresh)];
        assert_eq!(
            s.oauth2_refresh_rotate(&h('2'), &h('d'), 5, &mut make)
                .unwrap(),
            None
        );
        assert_eq!(
            s.oauth2_refresh_rotate(&h('1'), &h('c'), 5, &mut make)
                .unwrap(),
            None
        );
        assert_eq!(
            s.oauth2_refresh_rotate(&h('2'), &h('c'), 100, &mut make)
                .unwrap(),
            None
        );
        assert!(s.oauth2_token_get(&h('3')).unwrap().is_none());
        let old = s
            .oauth2_refresh_rotate(&h('2'), &h('c'), 5, &mut make)
            .unwrap();
        assert_eq!(old, Some(tok('2', TokenKind::Refresh)));
        assert!(s.oauth2_token_get(&h('2')).unwrap().unwrap().revoked);
        assert_eq!(
            s.oauth2_refresh_rotate(&h('2'), &h('c'), 5, &mut make)
                .unwrap(),
            None
        );
        assert!(s.oauth2_token_get(&h('4')).unwrap().unwrap().live(5));
        // Revocation: other client no-op; access alone; refresh takes the grant.
        assert!(!s.oauth2_revoke(&h('3'), &h('d')).unwrap());
        assert!(s.oauth2_revoke(&h('3'), &h('c')).unwrap());
        assert!(s.oauth2_token_get(&h('3')).unwrap().unwrap().revoked);
        assert!(!s.oauth2_token_get(&h('1')).unwrap().unwrap().revoked);
        assert!(s.oauth2_revoke(&h('4'), &h('c')).unwrap());
        assert!(s.oauth2_token_get(&h('1')).unwrap().unwrap().revoked);
        assert!(!s.oauth2_revoke(&h('9'), &h('c')).unwrap());
        s.oauth2_tokens_put(&[tok('5', TokenKind::Access)]).unwrap();
        assert_eq!(s.oauth2_revoke_grant("g1").unwrap(), 5);
        assert!(s.oauth2_token_get(&h('5')).unwrap().unwrap().revoked);
        s.oauth2_tokens_put(&[tok('6', TokenKind::Access)]).unwrap();
        assert_eq!(s.oauth2_revoke_account("olga").unwrap(), 1);
        assert!(s.oauth2_token_get(&h('6')).unwrap().unwrap().revoked);
        assert_eq!(s.oauth2_revoke_account("nobody").unwrap(), 0);
        // Deleting the account deletes its tokens.
        assert!(s.delete_account("olga").unwrap());
        assert!(s.oauth2_token_get(&h('1')).unwrap().is_none());
    }

    pub(crate) fn exercise(s: &dyn Store) {
        // accounts
        assert!(s.get_account("alice").unwrap().is_none());
        s.create_account(&account("alice")).unwrap();
        assert!(matches!(
            s.create_account(&account("alice")),
            Err(StoreError::AccountExists)
        ));
        assert_eq!(s.get_account("alice").unwrap().unwrap(), account("alice"));
        let new = [cred(ScramHash::Sha512, 9)];
        s.set_credentials("alice", &new).unwrap();
        assert_eq!(s.get_account("alice").unwrap().unwrap().credentials, new);
        assert!(matches!(
            s.set_credentials("bob", &new),
            Err(StoreError::NoSuchAccount)
        ));
        assert!(matches!(
            s.create_account(&account("")),
            Err(StoreError::Invalid { .. })
        ));

        // roster
        let item = RosterItem {
            jid: "bob@localhost".into(),
            name: Some("Bob".into()),
            subscription: Subscription::Both,
            ask: false,
            groups: vec!["Friends".into(), "Work".into()],
        };
        s.roster_set("alice", &item).unwrap();
        let mut item2 = item.clone();
        item2.jid = "carol@localhost".into();
        item2.subscription = Subscription::None;
        item2.ask = true;
        item2.groups.clear();
        item2.name = None;
        s.roster_set("alice", &item2).unwrap();
        assert_eq!(
            s.roster_get("alice").unwrap(),
            vec![item.clone(), item2.clone()]
        );
        let mut changed = item.clone();
        changed.subscription = Subscription::From;
        s.roster_set("alice", &changed).unwrap();
        assert_eq!(s.roster_get("alice").unwrap()[0], changed);
        assert!(s.roster_remove("alice", "carol@localhost").unwrap());
        assert!(!s.roster_remove("alice", "carol@localhost").unwrap());
        assert!(matches!(
            s.roster_set("nobody", &item),
            Err(StoreError::NoSuchAccount)
        ));

        // key-value with expiry
        s.kv_put("fast", "t1", b"v1", Some(100)).unwrap();
        s.kv_put("fast", "t0", b"v0", None).unwrap();
        s.kv_put("invite", "t1", b"other", None).unwrap();
        assert_eq!(
            s.kv_get("fast", "t1", 99).unwrap().as_deref(),
            Some(&b"v1"[..])
        );
        assert_eq!(s.kv_get("fast", "t1", 100).unwrap(), None);
        assert_eq!(
            s.kv_list("fast", 50).unwrap(),
            vec![("t0".into(), b"v0".to_vec()), ("t1".into(), b"v1".to_vec())]
        );
        assert_eq!(s.kv_list("fast", 100).unwrap().len(), 1);
        assert_eq!(
            s.kv_take("invite", "t1", 0).unwrap().as_deref(),
            Some(&b"other"[..])
        );
        assert_eq!(s.kv_take("invite", "t1", 0).unwrap(), None);
        assert_eq!(s.kv_take("fast", "t1", 100).unwrap(), None);
        assert_eq!(s.kv_purge_expired(100).unwrap(), 1);
        assert!(s.kv_delete("fast", "t0").unwrap());
        assert!(!s.kv_delete("fast", "t0").unwrap());

        // FAST slots: read-modify-write, per client, revoked per account
        let tok = |m: &str| FastToken {
            mechanism: m.into(),
            sealed: vec![1, 2, 3],
            issued_at: 10,
            expires_at: 20,
            last_count: Some(7),
            credential_tag: vec![9; 16],
        };
        let mut seen = None;
        s.fast_update("alice", "ua1", &mut |slots| {
            seen = Some(slots.clone());
            slots.new = Some(tok("HT-SHA-256-NONE"));
            slots.current = Some(tok("HT-SHA-256-EXPR"));
        })
        .unwrap();
        assert_eq!(seen, Some(FastSlots::default()));
        s.fast_update("alice", "ua2", &mut |slots| slots.new = Some(tok("X")))
            .unwrap();
        s.fast_update("alice", "ua1", &mut |slots| {
            assert_eq!(slots.new.as_ref().unwrap(), &tok("HT-SHA-256-NONE"));
            assert_eq!(slots.current.as_ref().unwrap(), &tok("HT-SHA-256-EXPR"));
            slots.new = None;
        })
        .unwrap();
        s.fast_update("alice", "ua1", &mut |slots| {
            assert!(slots.new.is_none() && slots.current.is_some());
        })
        .unwrap();
        assert!(matches!(
            s.fast_update("nobody", "ua1", &mut |slots| slots.new = Some(tok("X"))),
            Err(StoreError::NoSuchAccount)
        ));
        s.fast_update("nobody", "ua1", &mut |_| {}).unwrap();
        assert_eq!(s.fast_revoke_account("alice").unwrap(), 2);
        s.fast_update("alice", "ua2", &mut |slots| assert!(slots.is_empty()))
            .unwrap();
        s.fast_update("alice", "ua2", &mut |slots| slots.new = Some(tok("X")))
            .unwrap();

        // delete cascades to roster and FAST tokens
        assert!(s.delete_account("alice").unwrap());
        assert!(!s.delete_account("alice").unwrap());
        s.create_account(&account("alice")).unwrap();
        assert!(s.roster_get("alice").unwrap().is_empty());
        s.fast_update("alice", "ua2", &mut |slots| assert!(slots.is_empty()))
            .unwrap();
        exercise_invites(s);
    }

    fn invite(hash_byte: char, kind: InviteKind, username: Option<&str>) -> Invite {
        Invite {
            token_hash: hash_byte.to_string().repeat(64),
            kind,
            creator: Some("alice".into()),
            username: username.map(str::to_owned),
            subscribe_to: None,
            allows_registration: true,
            created_at: 10,
            expires_at: 100,
            used_at: None,
        }
    }

    fn exercise_invites(s: &dyn Store) {
        let a = invite('a', InviteKind::Account, None);
        s.invite_create(&a).unwrap();
        assert!(s.invite_create(&a).is_err(), "duplicate hash");
        assert_eq!(s.invite_get(&a.token_hash).unwrap().unwrap(), a);
        assert!(s.invite_get(&"f".repeat(64)).unwrap().is_none());
        let bound = invite('b', InviteKind::Account, Some("zed"));
        s.invite_create(&bound).unwrap();
        let create = |name: &str| Redeem::Create {
            account: account(name),
            roster: vec![(
                "alice".into(),
                RosterItem {
                    jid: format!("{name}@localhost"),
                    name: None,
                    subscription: Subscription::Both,
                    ask: false,
                    groups: Vec::new(),
                },
            )],
        };
        // Taken username: nothing changes, the token stays unspent.
        assert!(matches!(
            s.invite_redeem(Some(&a.token_hash), 50, &create("alice"), true),
            Err(StoreError::AccountExists)
        ));
        // A username reserved by another live invite: conflict; after its expiry: free.
        assert!(matches!(
            s.invite_redeem(Some(&a.token_hash), 50, &create("zed"), true),
            Err(StoreError::AccountExists)
        ));
        assert!(
            s.invite_get(&a.token_hash)
                .unwrap()
                .unwrap()
                .used_at
                .is_none()
        );
        s.invite_redeem(Some(&a.token_hash), 60, &create("dave"), true)
            .unwrap();
        assert_eq!(
            s.invite_get(&a.token_hash).unwrap().unwrap().used_at,
            Some(60)
        );
        assert!(s.get_account("dave").unwrap().is_some());
        assert!(
            s.roster_get("alice")
                .unwrap()
                .iter()
                .any(|i| i.jid == "dave@localhost")
        );
        assert!(matches!(
            s.invite_redeem(Some(&a.token_hash), 61, &create("erin"), true),
            Err(StoreError::InviteUnavailable)
        ));
        assert!(s.get_account("erin").unwrap().is_none());
        // The bound invite itself may register its username.
        s.invite_redeem(Some(&bound.token_hash), 70, &create("zed"), true)
            .unwrap();
        // Reset: replaces credentials of an existing account only.
        let r = invite('c', InviteKind::Reset, Some("dave"));
        s.invite_create(&r).unwrap();
        let new = vec![cred(ScramHash::Sha256, 42)];
        assert!(matches!(
            s.invite_redeem(
                Some(&r.token_hash),
                70,
                &Redeem::Reset {
                    username: "nobody".into(),
                    credentials: new.clone()
                },
                true
            ),
            Err(StoreError::NoSuchAccount)
        ));
        s.invite_redeem(
            Some(&r.token_hash),
            70,
            &Redeem::Reset {
                username: "dave".into(),
                credentials: new.clone(),
            },
            true,
        )
        .unwrap();
        assert_eq!(s.get_account("dave").unwrap().unwrap().credentials, new);
        // Spend: once only.
        let c = invite('d', InviteKind::Contact, None);
        s.invite_create(&c).unwrap();
        assert!(s.invite_spend(&c.token_hash, 80).unwrap());
        assert!(!s.invite_spend(&c.token_hash, 81).unwrap());
        assert!(!s.invite_spend(&"e".repeat(64), 81).unwrap());
        // Open registration (no token) still honours reservations.
        let held = invite('e', InviteKind::Account, Some("yan"));
        s.invite_create(&held).unwrap();
        assert!(matches!(
            s.invite_redeem(None, 90, &create("yan"), true),
            Err(StoreError::AccountExists)
        ));
        s.invite_redeem(None, 100, &create("yan"), true).unwrap();
    }
}
