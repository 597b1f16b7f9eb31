//! The embedded target: `gatecheck run` without `--target` starts the reference server in-process on
//! ephemeral loopback ports with a throw-away store, provisions the accounts the cases need, and points
//! the run at it. This is the demo, and the suite's self-test: every MUST case must pass here.
//!
//! It is the only module of the suite that imports the server; cases still talk to it over sockets.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use gatecheck_server::store::{Account as StoredAccount, SqliteStore, Store};
use gatecheck_server::{Config, RunningServer, credentials, root};
use rand::RngExt;

use crate::config::{Account, InviteHook, PasswdHook, RunConfig, Target};
use crate::mint::{MintKind, MintRequest};
use gatecheck_server::invites::{InviteFor, InviteRequest, InviteSettings, create_invite};

/// The XMPP domain the embedded server serves.
pub const DOMAIN: &str = "localhost";

/// The FAST token lifetime the embedded server runs with (seconds): short, so the expiry cases
/// wait it out in the run; the run's `--fast-ttl` is set to it.
pub const FAST_TTL_S: u64 = 2;

/// The FAST rotation threshold of the embedded server (seconds; 0: a token used in a later
/// second than it was issued is due); the run's `--fast-min-ttl`. The rotation case waits into
/// the next second, then uses the old token twice before it expires.
pub const FAST_MIN_TTL_S: u64 = 0;

/// The lifetime of the short-lived invitations the expiry cases mint (seconds); the run's
/// `--invite-ttl`.
pub const INVITE_TTL_S: u64 = 2;

/// Localparts of the accounts provisioned for the run (cases that need two use both).
/// The embedded server's `c2s_timeout` when the security group runs: an unauthenticated stream
/// lives at most this long (once the server gives the option Prosody's meaning, issue 13).
pub const SECURITY_C2S_TIMEOUT_S: u64 = 8;

/// The embedded server's failure budget (per address, per account) for a run of the security
/// group alone (per hour): above the failures the answers case (14, 7 of them for one account)
/// and the timing case (100, 50 for the second account) spend, below those plus the guessing
/// case's 40,
/// so every case measures what it is about and the guessing case still meets the budget.
pub const SECURITY_AUTH_BUDGET: (u32, u32) = (120, 60);

/// The `--security-deadline` of the embedded run: its `c2s_timeout` plus a margin for the
/// server's timer granularity and the reply wait.
pub const SECURITY_DEADLINE_S: u64 = SECURITY_C2S_TIMEOUT_S + 7;

const USERS: [&str; 2] = ["alice", "bob"];

/// Localpart of the administrator account (in the server's `admins`; the run's `--admin`).
const ADMIN: &str = "admin";

/// Why the embedded server could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The temporary data directory could not be created.
    #[error("creating the embedded server's data directory: {0}")]
    DataDir(#[source] std::io::Error),
    /// The store could not be opened or written.
    #[error("embedded server store: {0}")]
    Store(#[from] gatecheck_server::StoreError),
    /// Credentials could not be derived.
    #[error("embedded server credentials: {0}")]
    Credentials(String),
    /// Listening, TLS setup or assembling the modules failed.
    #[error("embedded server could not start")]
    Server(#[source] gatecheck_server::StartError),
    /// Internal: the bound address did not form a valid target.
    #[error("embedded server target: {0}")]
    Target(String),
}

/// What [`Embedded::start_fuzz`] varies.
#[derive(Debug, Clone, Copy)]
pub struct FuzzServer {
    /// `c2s_require_encryption` (false for `gatecheck fuzz --no-tls`).
    pub require_encryption: bool,
    /// Deliberate bugs (always empty without the server's `break-builds` feature).
    pub breaks: gatecheck_server::breaks::BreakSet,
}

impl Default for FuzzServer {
    fn default() -> Self {
        FuzzServer {
            require_encryption: true,
            breaks: gatecheck_server::breaks::BreakSet::NONE,
        }
    }
}

/// A running embedded server; dropping it stops the server and deletes its data.
pub struct Embedded {
    running: RunningServer,
    store: Arc<dyn Store>,
    iterations: u32,
    invites: Arc<InviteSettings>,
    admin: Account,
    /// The per-run `oauth2_registration_key`, passed to the run as `--oauth2-key`.
    oauth2_key: Option<String>,
    // Held for its Drop: the data directory lives as long as the server.
    _data: tempfile::TempDir,
}

impl Embedded {
    /// Starts the server and returns it with the accounts it was provisioned with.
    pub async fn start() -> Result<(Self, Vec<Account>), EmbeddedError> {
        Self::start_without(&[]).await
    }

    /// [`Embedded::start`] without the named server modules (the server's `modules_disabled`,
    /// e.g. `sasl2`), so the suite can be run against a target that lacks a module
    /// (`gatecheck run --embedded-disable sasl2`). An unknown name fails the start.
    pub async fn start_without(disabled: &[String]) -> Result<(Self, Vec<Account>), EmbeddedError> {
        Self::start_with(disabled, None, None).await
    }

    /// [`Embedded::start_without`] with the server's `c2s_timeout` (seconds) set, when given:
    /// the security group's run keeps it short ([`SECURITY_C2S_TIMEOUT_S`]) so the slowloris
    /// case finishes quickly; `auth_budget` (failures per address, per account) turns the
    /// server's authentication failure budget on (off otherwise: the conformance cases fail
    /// logins on purpose).
    pub async fn start_with(
        disabled: &[String],
        c2s_timeout: Option<u64>,
        auth_budget: Option<(u32, u32)>,
    ) -> Result<(Self, Vec<Account>), EmbeddedError> {
        Self::start_tweaked(disabled, c2s_timeout, auth_budget, |_| {}).await
    }

    /// The server `gatecheck fuzz` runs against: the same accounts, FAST and invitation
    /// settings and OAuth2 endpoint as `gatecheck run`'s, with encryption required or not (the
    /// `--no-tls` mode), room for many connections from loopback, and (tests of the fuzzer, with
    /// the server's `break-builds` feature) deliberate bugs switched on.
    pub async fn start_fuzz(opts: FuzzServer) -> Result<(Self, Vec<Account>), EmbeddedError> {
        Self::start_tweaked(&[], None, None, move |c| {
            c.c2s_require_encryption = opts.require_encryption;
            c.c2s_max_connections = 4_096;
            c.c2s_max_connections_per_ip = 1_024;
            c.breaks = opts.breaks;
        })
        .await
    }

    async fn start_tweaked(
        disabled: &[String],
        c2s_timeout: Option<u64>,
        auth_budget: Option<(u32, u32)>,
        tweak: impl FnOnce(&mut Config),
    ) -> Result<(Self, Vec<Account>), EmbeddedError> {
        let data = tempfile::Builder::new()
            .prefix("gatecheck-embedded-")
            .tempdir()
            .map_err(EmbeddedError::DataDir)?;
        let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let defaults = Config::default();
        let config = Config {
            c2s_timeout: c2s_timeout.unwrap_or(defaults.c2s_timeout),
            domain: DOMAIN.to_owned(),
            c2s_address: loopback,
            c2s_tls_address: loopback,
            data_dir: data.path().to_path_buf(),
            modules_disabled: disabled.to_vec(),
            sasl2_fast_token_ttl: FAST_TTL_S,
            sasl2_fast_token_min_ttl: FAST_MIN_TTL_S,
            admins: vec![format!("{ADMIN}@{DOMAIN}")],
            // OAuth2 (issue 12): HTTPS on an ephemeral loopback port with a per-run registration key.
            http_address: Some(loopback),
            oauth2_registration_key: Some(random_password()),
            // The suite fails hundreds of logins on purpose from one loopback address; the
            // authentication failure budget (issue 13) would refuse them with
            // temporary-auth-failure and change every negative case's verdict. A run of the
            // security group alone sets it (SECURITY_AUTH_BUDGET) so that the timing case gets
            // its samples and the guessing case still meets the budget.
            limit_auth_max: auth_budget.map_or(0, |b| b.0),
            // A long period, so the budget barely refills during the run, however slow the
            // machine (a loaded CI runner stretches the timing case).
            limit_auth_period: if auth_budget.is_some() {
                3_600
            } else {
                defaults.limit_auth_period
            },
            limit_auth_account_max: auth_budget.map_or(0, |b| b.1),
            ..defaults
        };
        let mut config = config;
        tweak(&mut config);
        let store = SqliteStore::open(&config.database_path())?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut accounts = Vec::new();
        for user in USERS.into_iter().chain([ADMIN]) {
            let password = random_password();
            let creds = credentials::derive_all(&password, config.scram_iteration_count)
                .map_err(|e| EmbeddedError::Credentials(e.to_string()))?;
            store.create_account(&StoredAccount {
                username: user.to_owned(),
                created_at: now,
                credentials: creds,
            })?;
            let spec = format!("{user}@{DOMAIN}:{password}");
            accounts.push(
                spec.parse::<Account>()
                    .map_err(|e| EmbeddedError::Target(e.to_string()))?,
            );
        }
        let admin = accounts
            .pop()
            .ok_or(EmbeddedError::Target("no admin".into()))?;
        let store: Arc<dyn Store> = Arc::new(store);
        let running = root::start(&config, store.clone())
            .await
            .map_err(EmbeddedError::Server)?;
        Ok((
            Self {
                running,
                store,
                iterations: config.scram_iteration_count,
                invites: Arc::new(InviteSettings::from_config(&config)),
                admin,
                oauth2_key: config.oauth2_registration_key.clone(),
                _data: data,
            },
            accounts,
        ))
    }

    /// Fills in what a user would otherwise pass: target (STARTTLS port), domain, accounts, the
    /// admin account (`--admin`, in the server's `admins`), invitation minting in process (the
    /// `--invite-cmd` counterpart) with `--invite-ttl`, the FAST TTLs it runs with, the OAuth2 base
    /// and registration key (`--http`, `--oauth2-key`), and TLS trust
    /// (the certificate is generated per run, so it is accepted without a CA, like `--insecure-tls`).
    pub fn configure(
        &self,
        config: &mut RunConfig,
        accounts: Vec<Account>,
    ) -> Result<(), EmbeddedError> {
        let target: Target = format!("xmpp://{}", self.running.c2s_addr)
            .parse()
            .map_err(|e: crate::config::ConfigError| EmbeddedError::Target(e.to_string()))?;
        config.target = Some(target);
        config.domain = Some(DOMAIN.to_owned());
        config.insecure_tls = true;
        if config.fast_ttl.is_none() && config.fast_min_ttl.is_none() {
            config.fast_ttl = Some(std::time::Duration::from_secs(FAST_TTL_S));
            config.fast_min_ttl = Some(std::time::Duration::from_secs(FAST_MIN_TTL_S));
        }
        if config.accounts.is_empty() {
            config.accounts = accounts;
        }
        if config.admin.is_none() {
            config.admin = Some(self.admin.clone());
        }
        if config.allow_user_invites.is_none() {
            config.allow_user_invites = Some(self.invites.allow_user_invites);
        }
        if config.invite_cmd.is_none() {
            if config.invite_ttl.is_none() {
                config.invite_ttl = Some(std::time::Duration::from_secs(INVITE_TTL_S));
            }
            let (store, settings) = (self.store.clone(), self.invites.clone());
            config.invite_hook = Some(InviteHook(Arc::new(move |req: &MintRequest| {
                // The function `gatecheck-server invite create` calls, on the same store.
                let user = || req.user.clone().ok_or("no user for this kind".to_owned());
                let what = match req.kind {
                    MintKind::Account => InviteFor::Account {
                        username: None,
                        subscribe_to: None,
                    },
                    MintKind::AccountBound => InviteFor::Account {
                        username: Some(user()?),
                        subscribe_to: None,
                    },
                    MintKind::Reset => InviteFor::Reset { account: user()? },
                    // An admin tool, like the CLI: contact invitations allow registration.
                    MintKind::Contact => InviteFor::Contact {
                        inviter: user()?,
                        ibr: true,
                    },
                };
                let request = InviteRequest {
                    what,
                    creator: None,
                    ttl: req.ttl.map(|d| d.as_secs().max(1)),
                };
                create_invite(
                    store.as_ref(),
                    &gatecheck_server::Env::system(),
                    &settings,
                    &request,
                )
                .map(|m| m.uri.to_string())
                .map_err(|e| e.to_string())
            })));
        }
        // The OAuth2 endpoints: the issuer is the --http base (DCR-2), the key the --oauth2-key.
        if config.http.is_none() {
            config.http = self.running.oauth2_issuer.clone();
            if config.oauth2_key.is_none() {
                config.oauth2_key = self.oauth2_key.clone();
            }
        }
        if config.passwd_cmd.is_none() {
            let (store, iterations) = (self.store.clone(), self.iterations);
            config.passwd_hook = Some(PasswdHook(Arc::new(move |jid: &str, password: &str| {
                // New credentials through the store; the server refuses older FAST tokens by
                // their credential tag. (`gatecheck-server user passwd` also deletes the token
                // rows, after which a stale token reads as unknown: not-authorized.)
                let user = jid.split('@').next().unwrap_or(jid);
                let creds =
                    credentials::derive_all(password, iterations).map_err(|e| e.to_string())?;
                store
                    .set_credentials(user, &creds)
                    .map_err(|e| e.to_string())
            })));
        }
        Ok(())
    }

    /// Where the server listens for direct TLS (XEP-0368), for callers that want to test that port.
    pub fn direct_tls_addr(&self) -> SocketAddr {
        self.running.c2s_tls_addr
    }
}

/// 24 random alphanumerics: the run's accounts are throw-away, but still not guessable.
fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}
