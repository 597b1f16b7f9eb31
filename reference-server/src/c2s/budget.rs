//! The authentication failure budget shared by every c2s session (issue 13, problem 2; XEP-0205
//! §3, RFC 6120 §13.4): failed attempts are counted per client IP address and per claimed account
//! over a window; once either budget is spent, further attempts for that key are refused with
//! `<temporary-auth-failure/>` (without running the mechanism) until a lockout ends. Each
//! exhaustion in a row doubles the lockout (backoff), up to [`MAX_LOCKOUT_FACTOR`] windows. A
//! successful login clears the account's record (not the address's).
//!
//! XEP-0205 §3 (item 3) warns that a per-account limit lets anyone lock the owner out. So an
//! account's lockout does not apply to the last [`KNOWN_PER_ACCOUNT`] addresses it logged in
//! from: a guesser elsewhere is stopped, the owner at home is not (the per-address budget still
//! applies to every address).
//!
//! Sans-IO: the caller passes the time (UNIX seconds from [`crate::env::Env::clock`]), so tests
//! drive it with a manual clock. Memory is bounded: at most [`MAX_TRACKED`] keys per kind; past
//! that, expired records are dropped first and, if still full, new keys are not tracked (the
//! per-IP connection limit of the shell still applies).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Keys tracked per kind (addresses, accounts) at most.
pub const MAX_TRACKED: usize = 65_536;

/// Addresses remembered per account as ones it logged in from (most recent first).
pub const KNOWN_PER_ACCOUNT: usize = 8;

/// The longest lockout, in windows.
pub const MAX_LOCKOUT_FACTOR: u64 = 32;

/// The configured budget: failures per window, per address and per account; 0 disables a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetSettings {
    /// `limit_auth_period`: the window, seconds.
    pub period: u64,
    /// `limit_auth_max`: failures per client IP address per window.
    pub per_address: u32,
    /// `limit_auth_account_max`: failures per account per window.
    pub per_account: u32,
}

impl BudgetSettings {
    /// No budget at all (tests of unrelated behaviour).
    pub const OFF: BudgetSettings = BudgetSettings {
        period: 1,
        per_address: 0,
        per_account: 0,
    };
}

#[derive(Debug, Clone, Copy, Default)]
struct Record {
    failures: u32,
    window_start: u64,
    locked_until: u64,
    strikes: u32,
}

impl Record {
    fn expired(&self, now: u64, period: u64) -> bool {
        now >= self.locked_until && now >= self.window_start.saturating_add(period)
    }
}

/// Which budget refused an attempt, and for how many more seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures from this address.
    Address {
        /// Seconds until the lockout ends.
        retry_after: u64,
    },
    /// Too many failures for this account.
    Account {
        /// Seconds until the lockout ends.
        retry_after: u64,
    },
}

impl Refusal {
    /// The `<text>` sent with `<temporary-auth-failure/>`.
    pub fn text(&self) -> String {
        match self {
            Refusal::Address { retry_after } => format!(
                "too many failed authentication attempts from your address; try again in {retry_after} s"
            ),
            Refusal::Account { retry_after } => format!(
                "too many failed authentication attempts for this account; try again in {retry_after} s"
            ),
        }
    }
}

/// Shared failure counters (one per server, in [`super::services::Services`]).
#[derive(Debug)]
pub struct FailureBudget {
    settings: BudgetSettings,
    addresses: Mutex<HashMap<IpAddr, Record>>,
    accounts: Mutex<HashMap<String, Record>>,
    /// Per account, the addresses of its latest successful logins, exempt from its lockout.
    known: Mutex<HashMap<String, Vec<IpAddr>>>,
}

fn check<K: std::hash::Hash + Eq>(map: &Mutex<HashMap<K, Record>>, key: &K, now: u64) -> u64 {
    let g = map.lock().unwrap_or_else(|p| p.into_inner());
    g.get(key).map_or(0, |r| r.locked_until.saturating_sub(now))
}

/// Counts one failure; returns the lockout (seconds) when this failure spent the budget.
fn record<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, Record>>,
    key: K,
    limit: u32,
    period: u64,
    now: u64,
) -> Option<u64> {
    if limit == 0 {
        return None;
    }
    let mut g = map.lock().unwrap_or_else(|p| p.into_inner());
    if g.len() >= MAX_TRACKED && !g.contains_key(&key) {
        g.retain(|_, r| !r.expired(now, period));
        if g.len() >= MAX_TRACKED {
            return None;
        }
    }
    let r = g.entry(key).or_default();
    if now >= r.window_start.saturating_add(period) {
        if now >= r.locked_until.saturating_add(period) {
            // A whole quiet window after the last lockout: the backoff starts over.
            r.strikes = 0;
        }
        r.failures = 0;
        r.window_start = now;
    }
    r.failures += 1;
    if r.failures < limit {
        return None;
    }
    r.strikes = r.strikes.saturating_add(1);
    let factor = 1u64 << r.strikes.saturating_sub(1).min(5);
    let lockout = period.saturating_mul(factor.min(MAX_LOCKOUT_FACTOR));
    r.locked_until = now.saturating_add(lockout);
    r.failures = 0;
    r.window_start = r.locked_until;
    Some(lockout)
}

impl FailureBudget {
    /// Empty counters under `settings`.
    pub fn new(settings: BudgetSettings) -> Self {
        Self {
            settings,
            addresses: Mutex::new(HashMap::new()),
            accounts: Mutex::new(HashMap::new()),
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> BudgetSettings {
        self.settings
    }

    /// Whether an attempt from `addr` for `account` (when known) may run at `now`.
    pub fn check(
        &self,
        addr: Option<IpAddr>,
        account: Option<&str>,
        now: u64,
    ) -> Result<(), Refusal> {
        if let Some(a) = addr {
            let left = check(&self.addresses, &a, now);
            if left > 0 {
                return Err(Refusal::Address { retry_after: left });
            }
        }
        if let Some(u) = account {
            let left = check(&self.accounts, &u.to_owned(), now);
            if left > 0 && !self.is_known(u, addr) {
                return Err(Refusal::Account { retry_after: left });
            }
        }
        Ok(())
    }

    /// Whether `account` logged in from `addr` recently.
    fn is_known(&self, account: &str, addr: Option<IpAddr>) -> bool {
        let Some(addr) = addr else { return false };
        let g = self.known.lock().unwrap_or_else(|p| p.into_inner());
        g.get(account).is_some_and(|list| list.contains(&addr))
    }

    /// Counts a failed attempt; returns the refusal it triggered, if it spent a budget.
    pub fn failed(&self, addr: Option<IpAddr>, account: Option<&str>, now: u64) -> Option<Refusal> {
        let s = self.settings;
        let by_addr = addr.and_then(|a| record(&self.addresses, a, s.per_address, s.period, now));
        let by_account = account
            .and_then(|u| record(&self.accounts, u.to_owned(), s.per_account, s.period, now));
        by_addr
            .map(|retry_after| Refusal::Address { retry_after })
            .or(by_account.map(|retry_after| Refusal::Account { retry_after }))
    }

    /// A successful login of `account` from `addr`: its record is cleared and the address is
    /// remembered as one of its own.
    pub fn succeeded(&self, account: &str, addr: Option<IpAddr>) {
        self.accounts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account);
        let Some(addr) = addr else { return };
        let mut g = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if g.len() >= MAX_TRACKED && !g.contains_key(account) {
            return;
        }
        let list = g.entry(account.to_owned()).or_default();
        list.retain(|a| *a != addr);
        list.insert(0, addr);
        list.truncate(KNOWN_PER_ACCOUNT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    fn budget() -> FailureBudget {
        FailureBudget::new(BudgetSettings {
            period: 300,
            per_address: 30,
            per_account: 10,
        })
    }

    #[test]
    fn account_budget_locks_then_backs_off_and_success_resets() {
        let b = budget();
        let now = 1_000;
        for i in 0..9 {
            assert_eq!(b.failed(IP, Some("alice"), now + i), None);
            assert!(b.check(IP, Some("alice"), now + i).is_ok());
        }
        assert_eq!(
            b.failed(IP, Some("alice"), now + 9),
            Some(Refusal::Account { retry_after: 300 })
        );
        assert!(matches!(
            b.check(IP, Some("alice"), now + 10),
            Err(Refusal::Account { retry_after: 299 })
        ));
        // Other accounts from another address are unaffected.
        assert!(b.check(None, Some("bob"), now + 10).is_ok());
        // After the lockout, ten more failures lock it for twice as long.
        let later = now + 9 + 300;
        assert!(b.check(IP, Some("alice"), later).is_ok());
        for i in 0..9 {
            assert_eq!(b.failed(None, Some("alice"), later + i), None);
        }
        assert_eq!(
            b.failed(None, Some("alice"), later + 9),
            Some(Refusal::Account { retry_after: 600 })
        );
        // A success clears the account's record.
        b.succeeded("alice", None);
        assert!(b.check(None, Some("alice"), later + 10).is_ok());
    }

    /// XEP-0205 §3: a per-account lockout must not lock the owner out from where they log in.
    #[test]
    fn account_lockout_spares_the_addresses_the_owner_logs_in_from() {
        let home = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));
        let b = budget();
        b.succeeded("alice", home);
        for i in 0..10 {
            let guesser = Some(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, i)));
            b.failed(guesser, Some("alice"), 100);
        }
        let elsewhere = Some(IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 7)));
        assert!(matches!(
            b.check(elsewhere, Some("alice"), 101),
            Err(Refusal::Account { .. })
        ));
        assert!(b.check(home, Some("alice"), 101).is_ok());
        // Only the latest few addresses are remembered.
        for i in 0..KNOWN_PER_ACCOUNT as u8 {
            b.succeeded(
                "alice",
                Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, i))),
            );
        }
        for i in 0..10 {
            let guesser = Some(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, i)));
            b.failed(guesser, Some("alice"), 200);
        }
        assert!(b.check(home, Some("alice"), 201).is_err());
    }

    #[test]
    fn address_budget_counts_across_accounts() {
        let b = budget();
        for i in 0..29 {
            assert_eq!(b.failed(IP, Some(&format!("u{i}")), 5), None);
        }
        assert_eq!(
            b.failed(IP, Some("u29"), 5),
            Some(Refusal::Address { retry_after: 300 })
        );
        assert!(matches!(
            b.check(IP, Some("fresh"), 6),
            Err(Refusal::Address { .. })
        ));
        assert!(b.check(IP, None, 305).is_ok());
        // A window without failures forgets old ones.
        let b = budget();
        for t in 0..20 {
            assert_eq!(b.failed(IP, None, t * 400), None);
        }
    }

    #[test]
    fn zero_disables() {
        let b = FailureBudget::new(BudgetSettings::OFF);
        for t in 0..1000 {
            assert_eq!(b.failed(IP, Some("a"), t), None);
        }
        assert!(b.check(IP, Some("a"), 1000).is_ok());
    }
}
