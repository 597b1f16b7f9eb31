//! The run configuration: where the target is, what the user supplied, and how to run.

use crate::kinds::{Module, ReportSpec};
use gatecheck_proto::sasl::TlsVersion;
use std::path::PathBuf;
use std::time::Duration;

/// Default per-case timeout: generous, because slow CI machines and PBKDF2 iterations add up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default longest wait for one reply the spec requires (issue 9: silence is a finding).
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// Default number of connections in the registration race (`--invite-race`).
pub const DEFAULT_INVITE_RACE: usize = 20;

/// Which TLS versions the run uses (`--tls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsChoice {
    /// Every version the target accepts (per-TLS cases run once per version).
    #[default]
    Both,
    /// TLS 1.2 only.
    #[serde(rename = "1.2")]
    Tls12,
    /// TLS 1.3 only.
    #[serde(rename = "1.3")]
    Tls13,
}

impl TlsChoice {
    /// The versions to probe and run under.
    pub fn versions(self) -> Vec<TlsVersion> {
        match self {
            TlsChoice::Both => TlsVersion::ALL.to_vec(),
            TlsChoice::Tls12 => vec![TlsVersion::Tls12],
            TlsChoice::Tls13 => vec![TlsVersion::Tls13],
        }
    }

    /// The one version every connection is pinned to, when the user picked one.
    pub fn pinned(self) -> Option<TlsVersion> {
        match self {
            TlsChoice::Both => None,
            TlsChoice::Tls12 => Some(TlsVersion::Tls12),
            TlsChoice::Tls13 => Some(TlsVersion::Tls13),
        }
    }

    /// As written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsChoice::Both => "both",
            TlsChoice::Tls12 => "1.2",
            TlsChoice::Tls13 => "1.3",
        }
    }
}

impl std::str::FromStr for TlsChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<TlsChoice, String> {
        match s {
            "both" => Ok(TlsChoice::Both),
            "1.2" => Ok(TlsChoice::Tls12),
            "1.3" => Ok(TlsChoice::Tls13),
            _ => Err(format!("--tls {s:?}: expected 1.2, 1.3 or both")),
        }
    }
}

/// Errors parsing target / account strings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The target is not `xmpp://host[:port]` or `xmpps://host[:port]`.
    #[error(
        "target {0:?}: expected xmpp://host[:port] (STARTTLS) or xmpps://host[:port] (direct TLS)"
    )]
    Target(String),
    /// An account is not `JID:PASSWORD` with a non-empty JID containing no `/`.
    #[error("account {0:?}: expected JID:PASSWORD")]
    Account(String),
}

/// How TLS is established with the target (the kit's type: a target URL picks one).
pub use gatecheck_client::TlsMode;

/// The server under test.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    /// TLS mode.
    pub tls: TlsMode,
    /// Host name or address to connect to.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl std::str::FromStr for Target {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Target, ConfigError> {
        let err = || ConfigError::Target(s.to_owned());
        let (tls, rest, default_port) = if let Some(r) = s.strip_prefix("xmpps://") {
            (TlsMode::Direct, r, 5223)
        } else if let Some(r) = s.strip_prefix("xmpp://") {
            (TlsMode::StartTls, r, 5222)
        } else {
            return Err(err());
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, tail) = v6.split_once(']').ok_or_else(err)?;
            let port = match tail.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| err())?,
                None if tail.is_empty() => default_port,
                None => return Err(err()),
            };
            (h.to_owned(), port)
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().map_err(|_| err())?),
                None => (rest.to_owned(), default_port),
            }
        };
        if host.is_empty() || host.contains('/') || port == 0 {
            return Err(err());
        }
        Ok(Target { tls, host, port })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = match self.tls {
            TlsMode::StartTls => "xmpp",
            TlsMode::Direct => "xmpps",
        };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// An account the user supplied: a JID (or bare localpart, completed with `--domain`) and its password.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The JID or localpart as given.
    pub jid: String,
    /// The password (a secret: redacted in transcripts, never printed by `Debug`).
    pub password: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("jid", &self.jid)
            .field("password", &"[redacted]")
            .finish()
    }
}

impl std::str::FromStr for Account {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Account, ConfigError> {
        match s.split_once(':') {
            Some((jid, pw)) if !jid.is_empty() && !jid.contains('/') => Ok(Account {
                jid: jid.to_owned(),
                password: pw.to_owned(),
            }),
            _ => Err(ConfigError::Account(redact_account_arg(s))),
        }
    }
}

fn redact_account_arg(s: &str) -> String {
    s.split_once(':')
        .map_or_else(|| s.to_owned(), |(j, _)| format!("{j}:[redacted]"))
}

/// Everything a run needs; built from the command line, passed to every case.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The target; `None` means the embedded reference server.
    pub target: Option<Target>,
    /// XMPP domain (stream `to`); defaults to the target host.
    pub domain: Option<String>,
    /// Accept any certificate (self-signed test servers).
    pub insecure_tls: bool,
    /// Extra CA certificate file (PEM) to trust.
    pub ca: Option<PathBuf>,
    /// Accounts, in the order given.
    pub accounts: Vec<Account>,
    /// Shell command template that prints an invitation URI (`{kind}`, `{user}`, `{ttl}`; see
    /// [`crate::mint`]).
    pub invite_cmd: Option<String>,
    /// The same in-process, set by the embedded run (which owns the server's store).
    pub invite_hook: Option<InviteHook>,
    /// The lifetime of the short-lived invitations the expiry cases use (`--invite-ttl`).
    pub invite_ttl: Option<Duration>,
    /// How many connections the registration race uses (`--invite-race`).
    pub invite_race: usize,
    /// Whether the target lets non-admin users invite new users (`--allow-user-invites`, the
    /// target's `allow_user_invites`); `None`: not told.
    pub allow_user_invites: Option<bool>,
    /// Administrator account.
    pub admin: Option<Account>,
    /// HTTP(S) base URL for OAuth2 and landing pages.
    pub http: Option<String>,
    /// The target's OAuth2 registration key (`--oauth2-key`), for the construction checks.
    pub oauth2_key: Option<String>,
    /// Per-case timeout.
    pub timeout: Duration,
    /// Longest wait for one reply the spec requires the target to send.
    pub reply_timeout: Duration,
    /// The target's FAST token lifetime (`--fast-ttl`), when set short for testing.
    pub fast_ttl: Option<Duration>,
    /// The target's FAST rotation threshold (`--fast-min-ttl`), when set short for testing.
    pub fast_min_ttl: Option<Duration>,
    /// Shell command changing an account's password (`--passwd-cmd`).
    pub passwd_cmd: Option<String>,
    /// The same in-process, set by the embedded run (which owns the server's store).
    pub passwd_hook: Option<PasswdHook>,
    /// The TLS versions to use.
    pub tls: TlsChoice,
    /// Modules the target must offer (`--require`); a missing one fails the run.
    pub require: Vec<Module>,
    /// Modules the embedded reference server runs without (`--embedded-disable`), so a target
    /// without them exists for the suite's own tests. Only with the embedded server.
    pub embedded_disable: Vec<String>,
    /// Cases run in parallel.
    pub jobs: usize,
    /// `--only` globs (empty = all).
    pub only: Vec<String>,
    /// `--skip` globs.
    pub skip: Vec<String>,
    /// Run seed; each case gets a seed derived from it and its id.
    pub seed: u64,
    /// Count SHOULD warnings as failures.
    pub strict: bool,
    /// Known-failures file.
    pub baseline: Option<PathBuf>,
    /// Report outputs.
    pub reports: Vec<ReportSpec>,
    /// Redact registered secrets in reports (off with `--no-redact`).
    pub redact: bool,
    /// `--security`: run the opt-in advisory `security` group (an `--only` pattern naming a
    /// security case selects it too; see [`RunConfig::security_selected`]).
    pub security: bool,
    /// `--strict-security`: an advisory finding makes the run exit 1.
    pub strict_security: bool,
    /// `--security-deadline`: how long an unauthenticated stream trickling bytes may live before
    /// `security.slowloris.unauthenticated-deadline` calls it a finding.
    pub security_deadline: Duration,
}

/// Default of `--security-deadline`: an unauthenticated stream still open after 90 s of trickled
/// bytes is a finding. Give the target's own `c2s_timeout` plus a margin to check that value
/// (Prosody's default is 300 s); the embedded run sets it from the short `c2s_timeout` it starts
/// the reference server with.
pub const DEFAULT_SECURITY_DEADLINE: Duration = Duration::from_secs(90);

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            target: None,
            domain: None,
            insecure_tls: false,
            ca: None,
            accounts: Vec::new(),
            invite_cmd: None,
            invite_hook: None,
            invite_ttl: None,
            invite_race: DEFAULT_INVITE_RACE,
            allow_user_invites: None,
            admin: None,
            http: None,
            oauth2_key: None,
            timeout: DEFAULT_TIMEOUT,
            reply_timeout: DEFAULT_REPLY_TIMEOUT,
            fast_ttl: None,
            fast_min_ttl: None,
            passwd_cmd: None,
            passwd_hook: None,
            tls: TlsChoice::Both,
            require: Vec::new(),
            embedded_disable: Vec::new(),
            jobs: 1,
            only: Vec::new(),
            skip: Vec::new(),
            seed: 0,
            strict: false,
            baseline: None,
            reports: Vec::new(),
            redact: true,
            security: false,
            strict_security: false,
            security_deadline: DEFAULT_SECURITY_DEADLINE,
        }
    }
}

impl RunConfig {
    /// The XMPP domain: `--domain`, else the target host.
    pub fn domain(&self) -> Option<&str> {
        self.domain
            .as_deref()
            .or(self.target.as_ref().map(|t| t.host.as_str()))
    }

    /// How the target is described in reports.
    pub fn target_label(&self) -> String {
        self.target
            .as_ref()
            .map_or_else(|| "embedded reference server".to_owned(), |t| t.to_string())
    }
}

/// Changes an account's password in-process: `(bare JID, new password)`; the embedded run's
/// counterpart of `--passwd-cmd`.
#[derive(Clone)]
pub struct PasswdHook(pub std::sync::Arc<PasswdFn>);

/// The function behind a [`PasswdHook`]: `(bare JID, new password)`, an error in words.
pub type PasswdFn = dyn Fn(&str, &str) -> Result<(), String> + Send + Sync;

impl std::fmt::Debug for PasswdHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswdHook(..)")
    }
}

/// Mints an invitation in-process: the embedded run's counterpart of `--invite-cmd`; returns the
/// `xmpp:` URI, or why it could not.
#[derive(Clone)]
pub struct InviteHook(pub std::sync::Arc<InviteFn>);

/// The function behind an [`InviteHook`].
pub type InviteFn = dyn Fn(&crate::mint::MintRequest) -> Result<String, String> + Send + Sync;

impl std::fmt::Debug for InviteHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InviteHook(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let t: Target = "xmpp://localhost".parse().expect("ok");
        assert_eq!((t.tls, t.port), (TlsMode::StartTls, 5222));
        let t: Target = "xmpps://example.org:5999".parse().expect("ok");
        assert_eq!(
            (t.tls, t.host.as_str(), t.port),
            (TlsMode::Direct, "example.org", 5999)
        );
        let t: Target = "xmpp://[::1]:5222".parse().expect("ok");
        assert_eq!(t.host, "::1");
        assert_eq!(t.to_string(), "xmpp://[::1]:5222");
        for bad in [
            "http://x",
            "xmpp://",
            "xmpp://h:0",
            "xmpp://h:99999",
            "xmpp://h:p",
            "xmpp://[::1",
        ] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_accounts_without_leaking_password() {
        let a: Account = "alice@example.org:pa:ss".parse().expect("ok");
        assert_eq!(
            (a.jid.as_str(), a.password.as_str()),
            ("alice@example.org", "pa:ss")
        );
        assert!(!format!("{a:?}").contains("pa:ss"));
        let e = "a/b:secretpw".parse::<Account>().expect_err("bad");
        assert!(!e.to_string().contains("secretpw"));
        assert!(":pw".parse::<Account>().is_err());
    }
}
