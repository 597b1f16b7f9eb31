//! SQLite [`Store`]: one file in the data directory, WAL mode so the admin CLI can write while the
//! server runs, schema migrations tracked in `PRAGMA user_version`, and every multi-statement
//! change inside a transaction so a crash never leaves half of it on disk.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::oauth2::{check_code, check_token};
use super::types::{
    check_account, check_credentials, check_fast_slots, check_invite, check_kv_entry,
    check_roster_item, check_username,
};
use super::{
    Account, CodeTake, FastSlots, FastToken, Invite, InviteKind, OAuth2Code, OAuth2Token, Redeem,
    RosterItem, ScramCredential, ScramHash, Store, StoreError, Subscription, TokenKind,
};

/// How long a statement waits for another connection's write lock before failing with
/// `SQLITE_BUSY`. Writers hold it for well under a millisecond, so this is only ever reached if a
/// process hangs inside a transaction.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Migrations, in order; entry `n` moves `user_version` from `n` to `n + 1`. Never edit a shipped
/// entry: append a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    username   TEXT PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE credentials (
    username   TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    salt       BLOB NOT NULL,
    iterations INTEGER NOT NULL,
    stored_key BLOB NOT NULL,
    server_key BLOB NOT NULL,
    PRIMARY KEY (username, hash)
) STRICT;
CREATE TABLE roster (
    username     TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    jid          TEXT NOT NULL,
    name         TEXT,
    subscription TEXT NOT NULL,
    ask          INTEGER NOT NULL,
    groups       TEXT NOT NULL,
    PRIMARY KEY (username, jid)
) STRICT;
CREATE TABLE kv (
    namespace  TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      BLOB NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (namespace, key)
) STRICT;
CREATE INDEX kv_expiry ON kv(expires_at) WHERE expires_at IS NOT NULL;
"#,
    r#"
CREATE TABLE fast_tokens (
    username       TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    client         TEXT NOT NULL,
    slot           TEXT NOT NULL CHECK (slot IN ('new', 'current')),
    mechanism      TEXT NOT NULL,
    sealed         BLOB NOT NULL,
    issued_at      INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    last_count     INTEGER,
    credential_tag BLOB NOT NULL,
    PRIMARY KEY (username, client, slot)
) STRICT;
"#,
    r#"
CREATE TABLE invites (
    token_hash          TEXT PRIMARY KEY NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('account', 'contact', 'reset')),
    creator             TEXT,
    username            TEXT,
    subscribe_to        TEXT,
    allows_registration INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    used_at             INTEGER
) STRICT;
CREATE INDEX invites_reserved ON invites(username) WHERE kind = 'account' AND used_at IS NULL;
"#,
];

/// Migrations that parallel branches numbered past the end of [`MIGRATIONS`] (invites took 3,
/// OAuth2 took 4). Each runs, inside the same transaction, whenever its table is missing,
/// whatever `user_version` says, and does not touch `user_version`: so neither the order the
/// branches merge in nor a database written by one branch alone matters. When the list is
/// renumbered after the merges, an entry moves into [`MIGRATIONS`] at its number.
const TABLE_MIGRATIONS: &[(i64, &str, &str)] = &[(
    4,
    "oauth2_tokens",
    r#"
CREATE TABLE IF NOT EXISTS oauth2_codes (
    code_hash      TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    client_hash    TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT,
    scope          TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    grant_id       TEXT NOT NULL,
    used           INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS oauth2_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    grant_id    TEXT NOT NULL,
    username    TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    client_hash TEXT NOT NULL,
    scope       TEXT NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked     INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS oauth2_tokens_grant ON oauth2_tokens(grant_id);
"#,
)];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A [`Store`] backed by one SQLite connection (serialised by a mutex; SQLite serialises writers
/// anyway, and reads are index lookups).
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, enables WAL, foreign keys and a
    /// [`BUSY_TIMEOUT`], and runs pending migrations. Calls may block the calling thread for up to
    /// the busy timeout while another process (the admin CLI) holds the write lock.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt {
                table: "(database)",
                reason: format!("cannot enable WAL, journal mode is {mode}"),
            });
        }
        // FULL: a committed change survives power loss, not only a process crash. Writes are rare.
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// Opens `gatecheck.sqlite3` inside `dir`, creating the directory.
    pub fn open_in_dir(dir: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open(&dir.join("gatecheck.sqlite3"))
    }

    /// The transactional insert behind `create_account`, without validation (tests use it to show
    /// a failing statement rolls the whole account back).
    fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT INTO accounts (username, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![account.username, to_i64("created_at", account.created_at)?],
        )?;
        if inserted == 0 {
            return Err(StoreError::AccountExists);
        }
        insert_credentials(&tx, &account.username, &account.credentials)?;
        tx.commit()?;
        Ok(())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // SQLite rolls back an unfinished transaction when its guard drops, so a poisoned lock
        // holds a consistent connection.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
    }
    for (_number, table, sql) in TABLE_MIGRATIONS {
        let present: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [table],
            |r| r.get(0),
        )?;
        if !present {
            tx.execute_batch(sql)?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn to_i64(field: &'static str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Invalid {
        field,
        reason: "does not fit a signed 64-bit integer",
    })
}

fn now_i64(now: u64) -> i64 {
    i64::try_from(now).unwrap_or(i64::MAX)
}

fn insert_credentials(
    tx: &rusqlite::Transaction<'_>,
    username: &str,
    creds: &[ScramCredential],
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO credentials (username, hash, salt, iterations, stored_key, server_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for c in creds {
        stmt.execute(params![
            username,
            c.hash.name(),
            c.salt,
            i64::from(c.iterations),
            c.stored_key,
            c.server_key
        ])?;
    }
    Ok(())
}

/// The FAST slots of one client, read inside `tx`.
fn read_fast_slots(
    tx: &rusqlite::Transaction<'_>,
    username: &str,
    client: &str,
) -> Result<FastSlots, StoreError> {
    let mut stmt = tx.prepare_cached(
        "SELECT slot, mechanism, sealed, issued_at, expires_at, last_count, credential_tag
         FROM fast_tokens WHERE username = ?1 AND client = ?2",
    )?;
    let rows = stmt.query_map([username, client], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Vec<u8>>(6)?,
        ))
    })?;
    let mut slots = FastSlots::default();
    let unsigned = |v: i64, what: &str| {
        u64::try_from(v).map_err(|_| corrupt("fast_tokens", format!("negative {what}")))
    };
    for row in rows {
        let (slot, mechanism, sealed, issued, expires, count, credential_tag) = row?;
        let token = FastToken {
            mechanism,
            sealed,
            issued_at: unsigned(issued, "issued_at")?,
            expires_at: unsigned(expires, "expires_at")?,
            last_count: count.map(|c| unsigned(c, "last_count")).transpose()?,
            credential_tag,
        };
        match slot.as_str() {
            "new" => slots.new = Some(token),
            "current" => slots.current = Some(token),
            other => return Err(corrupt("fast_tokens", format!("unknown slot {other:?}"))),
        }
    }
    Ok(slots)
}

/// Upserts one roster item: `roster_set` on its own connection, `invite_redeem` inside its
/// transaction (a `Transaction` derefs to its `Connection`).
fn upsert_roster(
    conn: &Connection,
    username: &str,
    item: &RosterItem,
) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO roster (username, jid, name, subscription, ask, groups)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (username, jid) DO UPDATE SET name = excluded.name,
           subscription = excluded.subscription, ask = excluded.ask, groups = excluded.groups",
        params![
            username,
            item.jid,
            item.name,
            item.subscription.as_str(),
            i64::from(item.ask),
            item.groups.join("\n")
        ],
    )?;
    Ok(())
}

fn account_exists(tx: &rusqlite::Transaction<'_>, username: &str) -> Result<bool, rusqlite::Error> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE username = ?1)",
        [username],
        |r| r.get(0),
    )
}

fn insert_token(tx: &rusqlite::Transaction<'_>, t: &OAuth2Token) -> Result<(), StoreError> {
    check_token(t)?;
    let present: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE username = ?1)",
        [&t.username],
        |r| r.get(0),
    )?;
    if !present {
        return Err(StoreError::NoSuchAccount);
    }
    tx.execute(
        "INSERT INTO oauth2_tokens (token_hash, kind, grant_id, username, client_hash, scope,
           issued_at, expires_at, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            t.token_hash,
            t.kind.as_str(),
            t.grant_id,
            t.username,
            t.client_hash,
            t.scope,
            to_i64("issued_at", t.issued_at)?,
            to_i64("expires_at", t.expires_at)?,
            i64::from(t.revoked)
        ],
    )?;
    Ok(())
}

fn read_token(conn: &Connection, token_hash: &str) -> Result<Option<OAuth2Token>, StoreError> {
    let row = conn
        .query_row(
            "SELECT kind, grant_id, username, client_hash, scope, issued_at, expires_at, revoked
             FROM oauth2_tokens WHERE token_hash = ?1",
            [token_hash],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((kind, grant_id, username, client_hash, scope, iat, exp, revoked)) = row else {
        return Ok(None);
    };
    let kind = TokenKind::parse(&kind).ok_or_else(|| corrupt("oauth2_tokens", "bad kind"))?;
    Ok(Some(OAuth2Token {
        token_hash: token_hash.to_owned(),
        kind,
        grant_id,
        username,
        client_hash,
        scope,
        issued_at: iat.max(0) as u64,
        expires_at: exp.max(0) as u64,
        revoked: revoked != 0,
    }))
}

fn corrupt(table: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        reason: reason.into(),
    }
}

impl Store for SqliteStore {
    fn create_account(&self, account: &Account) -> Result<(), StoreError> {
        check_account(account)?;
        self.insert_account(account)
    }

    fn get_account(&self, username: &str) -> Result<Option<Account>, StoreError> {
        let mut conn = self.conn();
        // A read transaction so the account row and its credentials come from one snapshot.
        let tx = conn.transaction()?;
        let created: Option<i64> = tx
            .query_row(
                "SELECT created_at FROM accounts WHERE username = ?1",
                [username],
                |r| r.get(0),
            )
            .optional()?;
        let Some(created) = created else {
            return Ok(None);
        };
        let mut stmt = tx.prepare_cached(
            "SELECT hash, salt, iterations, stored_key, server_key FROM credentials
             WHERE username = ?1 ORDER BY hash",
        )?;
        let rows = stmt.query_map([username], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Vec<u8>>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })?;
        let mut credentials = Vec::new();
        for row in rows {
            let (hash, salt, iterations, stored_key, server_key) = row?;
            let hash = ScramHash::from_name(&hash)
                .ok_or_else(|| corrupt("credentials", format!("unknown hash {hash:?}")))?;
            let iterations = u32::try_from(iterations)
                .map_err(|_| corrupt("credentials", "iteration count out of range"))?;
            let c = ScramCredential {
                hash,
                salt,
                iterations,
                stored_key,
                server_key,
            };
            c.validate()
                .map_err(|e| corrupt("credentials", e.to_string()))?;
            credentials.push(c);
        }
        credentials.sort_by_key(|c| c.hash);
        drop(stmt);
        tx.finish()?;
        Ok(Some(Account {
            username: username.to_owned(),
            created_at: u64::try_from(created)
                .map_err(|_| corrupt("accounts", "negative created_at"))?,
            credentials,
        }))
    }

    fn set_credentials(
        &self,
        username: &str,
        credentials: &[ScramCredential],
    ) -> Result<(), StoreError> {
        check_credentials(credentials)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM accounts WHERE username = ?1)",
            [username],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(StoreError::NoSuchAccount);
        }
        tx.execute("DELETE FROM credentials WHERE username = ?1", [username])?;
        insert_credentials(&tx, username, credentials)?;
        tx.commit()?;
        Ok(())
    }

    fn delete_account(&self, username: &str) -> Result<bool, StoreError> {
        // ON DELETE CASCADE removes credentials and roster in the same statement.
        let n = self
            .conn()
            .execute("DELETE FROM accounts WHERE username = ?1", [username])?;
        Ok(n > 0)
    }

    fn roster_get(&self, username: &str) -> Result<Vec<RosterItem>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT jid, name, subscription, ask, groups FROM roster WHERE username = ?1 ORDER BY jid",
        )?;
        let rows = stmt.query_map([username], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (jid, name, sub, ask, groups) = row?;
            let subscription = Subscription::parse(&sub)
                .ok_or_else(|| corrupt("roster", format!("unknown subscription {sub:?}")))?;
            let groups = if groups.is_empty() {
                Vec::new()
            } else {
                groups.split('\n').map(str::to_owned).collect()
            };
            out.push(RosterItem {
                jid,
                name,
                subscription,
                ask: ask != 0,
                groups,
            });
        }
        Ok(out)
    }

    fn roster_set(&self, username: &str, item: &RosterItem) -> Result<(), StoreError> {
        check_username(username)?;
        check_roster_item(item)?;
        let r = upsert_roster(&self.conn(), username, item);
        match r {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
            {
                Err(StoreError::NoSuchAccount)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn roster_remove(&self, username: &str, jid: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "DELETE FROM roster WHERE username = ?1 AND jid = ?2",
            [username, jid],
        )?;
        Ok(n > 0)
    }

    fn kv_put(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        expires_at: Option<u64>,
    ) -> Result<(), StoreError> {
        check_kv_entry(namespace, key, value)?;
        let expires = expires_at.map(|e| to_i64("expires_at", e)).transpose()?;
        self.conn().execute(
            "INSERT INTO kv (namespace, key, value, expires_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
               expires_at = excluded.expires_at",
            params![namespace, key, value, expires],
        )?;
        Ok(())
    }

    fn kv_get(&self, namespace: &str, key: &str, now: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM kv WHERE namespace = ?1 AND key = ?2
                 AND (expires_at IS NULL OR expires_at > ?3)",
                params![namespace, key, now_i64(now)],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn kv_take(&self, namespace: &str, key: &str, now: u64) -> Result<Option<Vec<u8>>, StoreError> {
        // DELETE ... RETURNING is one atomic statement: two concurrent takers cannot both win.
        Ok(self
            .conn()
            .query_row(
                "DELETE FROM kv WHERE namespace = ?1 AND key = ?2
                 AND (expires_at IS NULL OR expires_at > ?3) RETURNING value",
                params![namespace, key, now_i64(now)],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn kv_delete(&self, namespace: &str, key: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "DELETE FROM kv WHERE namespace = ?1 AND key = ?2",
            [namespace, key],
        )?;
        Ok(n > 0)
    }

    fn kv_list(&self, namespace: &str, now: u64) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT key, value FROM kv WHERE namespace = ?1
             AND (expires_at IS NULL OR expires_at > ?2) ORDER BY key",
        )?;
        let rows = stmt.query_map(params![namespace, now_i64(now)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn kv_purge_expired(&self, now: u64) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?1",
            [now_i64(now)],
        )?)
    }

    fn fast_update(
        &self,
        username: &str,
        client: &str,
        f: &mut dyn FnMut(&mut FastSlots),
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        // IMMEDIATE takes the write lock before reading, so another process (or connection)
        // cannot consume the same token between our read and our write.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = read_fast_slots(&tx, username, client)?;
        let mut after = before.clone();
        f(&mut after);
        if after == before {
            tx.finish()?;
            return Ok(());
        }
        check_fast_slots(client, &after)?;
        tx.execute(
            "DELETE FROM fast_tokens WHERE username = ?1 AND client = ?2",
            [username, client],
        )?;
        for (slot, token) in [("new", &after.new), ("current", &after.current)] {
            let Some(t) = token else { continue };
            let r = tx.execute(
                "INSERT INTO fast_tokens (username, client, slot, mechanism, sealed, issued_at,
                   expires_at, last_count, credential_tag)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    username,
                    client,
                    slot,
                    t.mechanism,
                    t.sealed,
                    to_i64("issued_at", t.issued_at)?,
                    to_i64("expires_at", t.expires_at)?,
                    t.last_count.map(|c| to_i64("last_count", c)).transpose()?,
                    t.credential_tag
                ],
            );
            match r {
                Ok(_) => {}
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
                {
                    return Err(StoreError::NoSuchAccount);
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn fast_revoke_account(&self, username: &str) -> Result<usize, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM fast_tokens WHERE username = ?1", [username])?)
    }

    fn invite_create(&self, i: &Invite) -> Result<(), StoreError> {
        check_invite(i)?;
        let n = self.conn().execute(
            "INSERT INTO invites (token_hash, kind, creator, username, subscribe_to,
               allows_registration, created_at, expires_at, used_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
            params![
                i.token_hash,
                i.kind.as_str(),
                i.creator,
                i.username,
                i.subscribe_to,
                i64::from(i.allows_registration),
                to_i64("created_at", i.created_at)?,
                to_i64("expires_at", i.expires_at)?,
                i.used_at.map(|u| to_i64("used_at", u)).transpose()?,
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Invalid {
                field: "invite token hash",
                reason: "already exists",
            });
        }
        Ok(())
    }

    fn invite_get(&self, token_hash: &str) -> Result<Option<Invite>, StoreError> {
        let row = self
            .conn()
            .query_row(
                "SELECT kind, creator, username, subscribe_to, allows_registration, created_at,
                   expires_at, used_at FROM invites WHERE token_hash = ?1",
                [token_hash],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, Option<i64>>(7)?,
                    ))
                },
            )
            .optional()?;
        let Some((kind, creator, username, subscribe_to, ibr, created, expires, used)) = row else {
            return Ok(None);
        };
        let unsigned = |v: i64, what: &str| {
            u64::try_from(v).map_err(|_| corrupt("invites", format!("negative {what}")))
        };
        Ok(Some(Invite {
            token_hash: token_hash.to_owned(),
            kind: InviteKind::parse(&kind)
                .ok_or_else(|| corrupt("invites", format!("unknown kind {kind:?}")))?,
            creator,
            username,
            subscribe_to,
            allows_registration: ibr != 0,
            created_at: unsigned(created, "created_at")?,
            expires_at: unsigned(expires, "expires_at")?,
            used_at: used.map(|u| unsigned(u, "used_at")).transpose()?,
        }))
    }

    fn invite_redeem(
        &self,
        token_hash: Option<&str>,
        now: u64,
        what: &Redeem,
        consume: bool,
    ) -> Result<(), StoreError> {
        match what {
            Redeem::Create { account, roster } => {
                check_account(account)?;
                for (owner, item) in roster {
                    check_username(owner)?;
                    check_roster_item(item)?;
                }
            }
            Redeem::Reset { credentials, .. } => check_credentials(credentials)?,
        }
        let mut conn = self.conn();
        // IMMEDIATE: the write lock is taken before the token is read, so two registrations
        // with one token (in this process or another) are serialised and the second sees it spent.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(h) = token_hash {
            let unspent: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM invites WHERE token_hash = ?1 AND used_at IS NULL)",
                [h],
                |r| r.get(0),
            )?;
            if !unspent {
                return Err(StoreError::InviteUnavailable);
            }
        }
        match what {
            Redeem::Create { account, roster } => {
                let reserved: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM invites WHERE kind = 'account'
                       AND username = ?1 AND used_at IS NULL AND expires_at > ?2
                       AND token_hash IS NOT ?3)",
                    params![account.username, now_i64(now), token_hash],
                    |r| r.get(0),
                )?;
                if reserved {
                    return Err(StoreError::AccountExists);
                }
                let inserted = tx.execute(
                    "INSERT INTO accounts (username, created_at) VALUES (?1, ?2)
                     ON CONFLICT DO NOTHING",
                    params![account.username, to_i64("created_at", account.created_at)?],
                )?;
                if inserted == 0 {
                    return Err(StoreError::AccountExists);
                }
                insert_credentials(&tx, &account.username, &account.credentials)?;
                for (owner, item) in roster {
                    if account_exists(&tx, owner)? {
                        upsert_roster(&tx, owner, item)?;
                    }
                }
            }
            Redeem::Reset {
                username,
                credentials,
            } => {
                if !account_exists(&tx, username)? {
                    return Err(StoreError::NoSuchAccount);
                }
                tx.execute("DELETE FROM credentials WHERE username = ?1", [username])?;
                insert_credentials(&tx, username, credentials)?;
                tx.execute("DELETE FROM fast_tokens WHERE username = ?1", [username])?;
            }
        }
        if consume && let Some(h) = token_hash {
            tx.execute(
                "UPDATE invites SET used_at = ?2 WHERE token_hash = ?1",
                params![h, now_i64(now)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn oauth2_code_put(&self, code: &OAuth2Code, now: u64) -> Result<(), StoreError> {
        check_code(code)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !account_exists(&tx, &code.username)? {
            return Err(StoreError::NoSuchAccount);
        }
        tx.execute(
            "DELETE FROM oauth2_codes WHERE expires_at <= ?1",
            [to_i64("now", now)?],
        )?;
        tx.execute(
            "INSERT INTO oauth2_codes (code_hash, username, client_hash, redirect_uri,
               code_challenge, scope, expires_at, grant_id, used)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                code.code_hash,
                code.username,
                code.client_hash,
                code.redirect_uri,
                code.code_challenge,
                code.scope,
                to_i64("expires_at", code.expires_at)?,
                code.grant_id,
                i64::from(code.used)
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn oauth2_code_take(&self, code_hash: &str, now: u64) -> Result<CodeTake, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = tx
            .query_row(
                "SELECT username, client_hash, redirect_uri, code_challenge, scope, expires_at,
                   grant_id, used FROM oauth2_codes WHERE code_hash = ?1",
                [code_hash],
                |r| {
                    Ok(OAuth2Code {
                        code_hash: code_hash.to_owned(),
                        username: r.get(0)?,
                        client_hash: r.get(1)?,
                        redirect_uri: r.get(2)?,
                        code_challenge: r.get(3)?,
                        scope: r.get(4)?,
                        expires_at: r.get::<_, i64>(5)?.max(0) as u64,
                        grant_id: r.get(6)?,
                        used: r.get::<_, i64>(7)? != 0,
                    })
                },
            )
            .optional()?;
        let result = match row {
            None => CodeTake::Unknown,
            Some(c) if now >= c.expires_at => {
                tx.execute("DELETE FROM oauth2_codes WHERE code_hash = ?1", [code_hash])?;
                CodeTake::Unknown
            }
            Some(c) if c.used => CodeTake::Replayed(c),
            Some(c) => {
                tx.execute(
                    "UPDATE oauth2_codes SET used = 1 WHERE code_hash = ?1",
                    [code_hash],
                )?;
                CodeTake::Fresh(c)
            }
        };
        tx.commit()?;
        Ok(result)
    }

    fn oauth2_revoke_account(&self, username: &str) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE oauth2_tokens SET revoked = 1 WHERE username = ?1 AND revoked = 0",
            [username],
        )?)
    }

    fn oauth2_revoke_grant(&self, grant_id: &str) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE oauth2_tokens SET revoked = 1 WHERE grant_id = ?1",
            [grant_id],
        )?)
    }

    fn oauth2_tokens_put(&self, tokens: &[OAuth2Token]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for t in tokens {
            insert_token(&tx, t)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn invite_spend(&self, token_hash: &str, now: u64) -> Result<bool, StoreError> {
        // One statement: two spenders cannot both see it unspent.
        let n = self.conn().execute(
            "UPDATE invites SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL",
            params![token_hash, now_i64(now)],
        )?;
        Ok(n > 0)
    }

    fn oauth2_token_get(&self, token_hash: &str) -> Result<Option<OAuth2Token>, StoreError> {
        let conn = self.conn();
        read_token(&conn, token_hash)
    }

    fn oauth2_refresh_rotate(
        &self,
        refresh_hash: &str,
        client_hash: &str,
        now: u64,
        make: &mut dyn FnMut(&OAuth2Token) -> Vec<OAuth2Token>,
    ) -> Result<Option<OAuth2Token>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(old) = read_token(&tx, refresh_hash)? else {
            return Ok(None);
        };
        if old.kind != TokenKind::Refresh || !old.live(now) || old.client_hash != client_hash {
            return Ok(None);
        }
        tx.execute(
            "UPDATE oauth2_tokens SET revoked = 1 WHERE token_hash = ?1",
            [refresh_hash],
        )?;
        for t in make(&old) {
            insert_token(&tx, &t)?;
        }
        tx.commit()?;
        Ok(Some(old))
    }

    fn oauth2_revoke(&self, token_hash: &str, client_hash: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(t) = read_token(&tx, token_hash)? else {
            return Ok(false);
        };
        if t.client_hash != client_hash {
            return Ok(false);
        }
        match t.kind {
            TokenKind::Access => tx.execute(
                "UPDATE oauth2_tokens SET revoked = 1 WHERE token_hash = ?1",
                [token_hash],
            )?,
            TokenKind::Refresh => tx.execute(
                "UPDATE oauth2_tokens SET revoked = 1 WHERE grant_id = ?1",
                [&t.grant_id],
            )?,
        };
        tx.commit()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::super::conformance::{account, exercise};
    use super::*;

    fn tempdir(tag: &str) -> std::path::PathBuf {
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).unwrap();
        let d =
            std::env::temp_dir().join(format!("gatecheck-store-{tag}-{}", u64::from_le_bytes(rnd)));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn sqlite_store_semantics() {
        let dir = tempdir("sem");
        exercise(&SqliteStore::open_in_dir(&dir).unwrap());
        super::super::conformance::exercise_oauth2(&SqliteStore::open_in_dir(&dir).unwrap());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn survives_reopen_and_records_schema_version() {
        let dir = tempdir("reopen");
        {
            let s = SqliteStore::open_in_dir(&dir).unwrap();
            s.create_account(&account("alice")).unwrap();
            s.kv_put("invite", "abc", b"payload", None).unwrap();
        }
        let s = SqliteStore::open_in_dir(&dir).unwrap();
        assert_eq!(s.get_account("alice").unwrap().unwrap(), account("alice"));
        assert_eq!(
            s.kv_get("invite", "abc", 0).unwrap().as_deref(),
            Some(&b"payload"[..])
        );
        let v: i64 = s
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn second_connection_writes_while_first_is_open() {
        let dir = tempdir("wal");
        let server = SqliteStore::open_in_dir(&dir).unwrap();
        server.create_account(&account("alice")).unwrap();
        // The first connection holds an open read snapshot, as a serving session might.
        let guard = server.conn();
        guard
            .execute_batch("BEGIN; SELECT count(*) FROM accounts;")
            .unwrap();
        let admin = SqliteStore::open_in_dir(&dir).unwrap();
        admin.create_account(&account("bob")).unwrap();
        assert!(admin.delete_account("alice").unwrap());
        guard.execute_batch("COMMIT").unwrap();
        drop(guard);
        // The server's connection sees the admin's writes once its snapshot ends.
        assert!(server.get_account("bob").unwrap().is_some());
        assert!(server.get_account("alice").unwrap().is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempdir("newer");
        let path = dir.join("gatecheck.sqlite3");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch("PRAGMA user_version = 99").unwrap();
        }
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::SchemaTooNew { found: 99, .. })
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn failed_create_leaves_nothing_behind() {
        let dir = tempdir("atomic");
        let s = SqliteStore::open_in_dir(&dir).unwrap();
        // Two credentials for one hash: validation refuses, and when bypassed the second INSERT
        // fails on the primary key after the account row was written; the rollback removes it.
        let mut a = account("carol");
        let dup = a.credentials[0].clone();
        a.credentials.push(dup);
        assert!(matches!(
            s.create_account(&a),
            Err(StoreError::Invalid { .. })
        ));
        assert!(matches!(s.insert_account(&a), Err(StoreError::Sqlite(_))));
        assert!(s.get_account("carol").unwrap().is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
