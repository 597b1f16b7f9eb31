//! In-memory [`Store`] for tests and fuzzing: same semantics as SQLite, nothing on disk.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use super::oauth2::{check_code, check_token};
use super::types::{
    check_account, check_credentials, check_fast_slots, check_invite, check_kv_entry,
    check_roster_item, check_username,
};
use super::{
    Account, CodeTake, FastSlots, Invite, InviteKind, OAuth2Code, OAuth2Token, Redeem, RosterItem,
    ScramCredential, Store, StoreError, TokenKind,
};

/// Everything the store holds; the fuzz executor reads a copy of it to compare a session's
/// before and after (`MemoryStore::snapshot`).
#[derive(Default, Clone, PartialEq, Eq)]
pub(crate) struct Inner {
    pub(crate) accounts: BTreeMap<String, Account>,
    pub(crate) rosters: BTreeMap<String, BTreeMap<String, RosterItem>>,
    pub(crate) kv: BTreeMap<(String, String), (Vec<u8>, Option<u64>)>,
    pub(crate) fast: BTreeMap<(String, String), FastSlots>,
    pub(crate) invites: BTreeMap<String, Invite>,
    pub(crate) codes: BTreeMap<String, OAuth2Code>,
    pub(crate) tokens: BTreeMap<String, OAuth2Token>,
}

impl Inner {
    /// Whether a live, unspent account invitation other than `except` reserves `username`.
    fn reserved(&self, username: &str, except: Option<&str>, now: u64) -> bool {
        self.invites.values().any(|i| {
            i.kind == InviteKind::Account
                && i.username.as_deref() == Some(username)
                && i.used_at.is_none()
                && now < i.expires_at
                && Some(i.token_hash.as_str()) != except
        })
    }
}

/// A [`Store`] held in a mutex-protected map; cheap to create per test.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An independent copy: whole-session fuzzing seeds one store once and starts every run
    /// from a fork of it, so runs neither see each other nor pay for the seeding.
    pub fn fork(&self) -> Self {
        Self {
            inner: Mutex::new(self.lock().clone()),
        }
    }

    /// Reads the whole state under the lock: the fuzz oracles compare a run's before and after.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn inspect<R>(&self, f: impl FnOnce(&Inner) -> R) -> R {
        f(&self.lock())
    }

    /// Puts the whole state back to `state`: the fuzz executor reuses one store (and the
    /// services over it) for every run instead of assembling new ones.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn restore(&self, state: &Inner) {
        state.clone_into(&mut self.lock());
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied change: every method mutates
        // with single map operations, so recovering the guard is safe.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn live(expires_at: Option<u64>, now: u64) -> bool {
    expires_at.is_none_or(|e| now < e)
}

impl Store for MemoryStore {
    fn create_account(&self, account: &Account) -> Result<(), StoreError> {
        check_account(account)?;
        let mut g = self.lock();
        if g.accounts.contains_key(&account.username) {
            return Err(StoreError::AccountExists);
        }
        g.accounts.insert(account.username.clone(), account.clone());
        Ok(())
    }

    fn get_account(&self, username: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().accounts.get(username).cloned())
    }

    fn set_credentials(
        &self,
        username: &str,
        credentials: &[ScramCredential],
    ) -> Result<(), StoreError> {
        check_credentials(credentials)?;
        let mut g = self.lock();
        let acc = g
            .accounts
            .get_mut(username)
            .ok_or(StoreError::NoSuchAccount)?;
        acc.credentials = credentials.to_vec();
        Ok(())
    }

    fn delete_account(&self, username: &str) -> Result<bool, StoreError> {
        let mut g = self.lock();
        g.rosters.remove(username);
        g.fast.retain(|(u, _), _| u != username);
        g.codes.retain(|_, c| c.username != username);
        g.tokens.retain(|_, t| t.username != username);
        Ok(g.accounts.remove(username).is_some())
    }

    fn roster_get(&self, username: &str) -> Result<Vec<RosterItem>, StoreError> {
        Ok(self
            .lock()
            .rosters
            .get(username)
            .map(|r| r.values().cloned().collect())
            .unwrap_or_default())
    }

    fn roster_set(&self, username: &str, item: &RosterItem) -> Result<(), StoreError> {
        check_username(username)?;
        check_roster_item(item)?;
        let mut g = self.lock();
        if !g.accounts.contains_key(username) {
            return Err(StoreError::NoSuchAccount);
        }
        g.rosters
            .entry(username.to_owned())
            .or_default()
            .insert(item.jid.clone(), item.clone());
        Ok(())
    }

    fn roster_remove(&self, username: &str, jid: &str) -> Result<bool, StoreError> {
        Ok(self
            .lock()
            .rosters
            .get_mut(username)
            .is_some_and(|r| r.remove(jid).is_some()))
    }

    fn kv_put(
        &self,
        namespace: &str,
        key: &str,
        value: &[u8],
        expires_at: Option<u64>,
    ) -> Result<(), StoreError> {
        check_kv_entry(namespace, key, value)?;
        self.lock().kv.insert(
            (namespace.to_owned(), key.to_owned()),
            (value.to_vec(), expires_at),
        );
        Ok(())
    }

    fn kv_get(&self, namespace: &str, key: &str, now: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .lock()
            .kv
            .get(&(namespace.to_owned(), key.to_owned()))
            .filter(|(_, e)| live(*e, now))
            .map(|(v, _)| v.clone()))
    }

    fn kv_take(&self, namespace: &str, key: &str, now: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let mut g = self.lock();
        let k = (namespace.to_owned(), key.to_owned());
        match g.kv.get(&k) {
            Some((_, e)) if live(*e, now) => Ok(g.kv.remove(&k).map(|(v, _)| v)),
            _ => Ok(None),
        }
    }

    fn kv_delete(&self, namespace: &str, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .lock()
            .kv
            .remove(&(namespace.to_owned(), key.to_owned()))
            .is_some())
    }

    fn kv_list(&self, namespace: &str, now: u64) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .lock()
            .kv
            .iter()
            .filter(|((ns, _), (_, e))| ns == namespace && live(*e, now))
            .map(|((_, k), (v, _))| (k.clone(), v.clone()))
            .collect())
    }

    fn kv_purge_expired(&self, now: u64) -> Result<usize, StoreError> {
        let mut g = self.lock();
        let before = g.kv.len();
        g.kv.retain(|_, (_, e)| live(*e, now));
        Ok(before - g.kv.len())
    }

    fn fast_update(
        &self,
        username: &str,
        client: &str,
        f: &mut dyn FnMut(&mut FastSlots),
    ) -> Result<(), StoreError> {
        let mut g = self.lock();
        let key = (username.to_owned(), client.to_owned());
        let mut slots = g.fast.get(&key).cloned().unwrap_or_default();
        f(&mut slots);
        if slots.is_empty() {
            g.fast.remove(&key);
            return Ok(());
        }
        check_fast_slots(client, &slots)?;
        if !g.accounts.contains_key(username) {
            return Err(StoreError::NoSuchAccount);
        }
        g.fast.insert(key, slots);
        Ok(())
    }

    fn fast_revoke_account(&self, username: &str) -> Result<usize, StoreError> {
        let mut g = self.lock();
        let mut n = 0;
        g.fast.retain(|(u, _), slots| {
            if u == username {
                n += usize::from(slots.new.is_some()) + usize::from(slots.current.is_some());
                false
            } else {
                true
            }
        });
        Ok(n)
    }

    fn invite_create(&self, invite: &Invite) -> Result<(), StoreError> {
        check_invite(invite)?;
        let mut g = self.lock();
        if g.invites.contains_key(&invite.token_hash) {
            return Err(StoreError::Invalid {
                field: "invite token hash",
                reason: "already exists",
            });
        }
        g.invites.insert(invite.token_hash.clone(), invite.clone());
        Ok(())
    }

    fn invite_get(&self, token_hash: &str) -> Result<Option<Invite>, StoreError> {
        Ok(self.lock().invites.get(token_hash).cloned())
    }

    fn invite_redeem(
        &self,
        token_hash: Option<&str>,
        now: u64,
        what: &Redeem,
        consume: bool,
    ) -> Result<(), StoreError> {
        let mut g = self.lock();
        if let Some(h) = token_hash
            && g.invites.get(h).is_none_or(|i| i.used_at.is_some())
        {
            return Err(StoreError::InviteUnavailable);
        }
        // Every check before the first change, so a failure changes nothing.
        match what {
            Redeem::Create { account, roster } => {
                check_account(account)?;
                for (owner, item) in roster {
                    check_username(owner)?;
                    check_roster_item(item)?;
                }
                if g.accounts.contains_key(&account.username)
                    || g.reserved(&account.username, token_hash, now)
                {
                    return Err(StoreError::AccountExists);
                }
                g.accounts.insert(account.username.clone(), account.clone());
                for (owner, item) in roster {
                    if g.accounts.contains_key(owner) {
                        g.rosters
                            .entry(owner.clone())
                            .or_default()
                            .insert(item.jid.clone(), item.clone());
                    }
                }
            }
            Redeem::Reset {
                username,
                credentials,
            } => {
                check_credentials(credentials)?;
                let acc = g
                    .accounts
                    .get_mut(username)
                    .ok_or(StoreError::NoSuchAccount)?;
                acc.credentials = credentials.clone();
                g.fast.retain(|(u, _), _| u != username);
            }
        }
        if consume
            && let Some(h) = token_hash
            && let Some(i) = g.invites.get_mut(h)
        {
            i.used_at = Some(now);
        }
        Ok(())
    }

    fn invite_spend(&self, token_hash: &str, now: u64) -> Result<bool, StoreError> {
        let mut g = self.lock();
        match g.invites.get_mut(token_hash) {
            Some(i) if i.used_at.is_none() => {
                i.used_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn oauth2_code_put(&self, code: &OAuth2Code, now: u64) -> Result<(), StoreError> {
        check_code(code)?;
        let mut g = self.lock();
        if !g.accounts.contains_key(&code.username) {
            return Err(StoreError::NoSuchAccount);
        }
        g.codes.retain(|_, c| now < c.expires_at);
        g.codes.insert(code.code_hash.clone(), code.clone());
        Ok(())
    }

    fn oauth2_code_take(&self, code_hash: &str, now: u64) -> Result<CodeTake, StoreError> {
        let mut g = self.lock();
        let Some(c) = g.codes.get_mut(code_hash) else {
            return Ok(CodeTake::Unknown);
        };
        if now >= c.expires_at {
            g.codes.remove(code_hash);
            return Ok(CodeTake::Unknown);
        }
        if c.used {
            return Ok(CodeTake::Replayed(c.clone()));
        }
        let fresh = c.clone();
        c.used = true;
        Ok(CodeTake::Fresh(fresh))
    }

    fn oauth2_revoke_account(&self, username: &str) -> Result<usize, StoreError> {
        let mut g = self.lock();
        let mut n = 0;
        for t in g
            .tokens
            .values_mut()
            .filter(|t| t.username == username && !t.revoked)
        {
            t.revoked = true;
            n += 1;
        }
        Ok(n)
    }

    fn oauth2_revoke_grant(&self, grant_id: &str) -> Result<usize, StoreError> {
        let mut g = self.lock();
        let mut n = 0;
        for t in g.tokens.values_mut().filter(|t| t.grant_id == grant_id) {
            t.revoked = true;
            n += 1;
        }
        Ok(n)
    }

    fn oauth2_tokens_put(&self, tokens: &[OAuth2Token]) -> Result<(), StoreError> {
        let mut g = self.lock();
        for t in tokens {
            check_token(t)?;
            if !g.accounts.contains_key(&t.username) {
                return Err(StoreError::NoSuchAccount);
            }
        }
        for t in tokens {
            g.tokens.insert(t.token_hash.clone(), t.clone());
        }
        Ok(())
    }

    fn oauth2_token_get(&self, token_hash: &str) -> Result<Option<OAuth2Token>, StoreError> {
        Ok(self.lock().tokens.get(token_hash).cloned())
    }

    fn oauth2_refresh_rotate(
        &self,
        refresh_hash: &str,
        client_hash: &str,
        now: u64,
        make: &mut dyn FnMut(&OAuth2Token) -> Vec<OAuth2Token>,
    ) -> Result<Option<OAuth2Token>, StoreError> {
        let mut g = self.lock();
        let Some(old) = g.tokens.get(refresh_hash).cloned() else {
            return Ok(None);
        };
        if old.kind != TokenKind::Refresh || !old.live(now) || old.client_hash != client_hash {
            return Ok(None);
        }
        let new = make(&old);
        for t in &new {
            check_token(t)?;
        }
        if let Some(t) = g.tokens.get_mut(refresh_hash) {
            t.revoked = true;
        }
        for t in new {
            g.tokens.insert(t.token_hash.clone(), t);
        }
        Ok(Some(old))
    }

    fn oauth2_revoke(&self, token_hash: &str, client_hash: &str) -> Result<bool, StoreError> {
        let mut g = self.lock();
        let Some(t) = g.tokens.get(token_hash).cloned() else {
            return Ok(false);
        };
        if t.client_hash != client_hash {
            return Ok(false);
        }
        match t.kind {
            TokenKind::Access => {
                if let Some(t) = g.tokens.get_mut(token_hash) {
                    t.revoked = true;
                }
            }
            TokenKind::Refresh => {
                for x in g.tokens.values_mut().filter(|x| x.grant_id == t.grant_id) {
                    x.revoked = true;
                }
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_semantics() {
        super::super::conformance::exercise(&MemoryStore::new());
        super::super::conformance::exercise_oauth2(&MemoryStore::new());
    }
}
