//! Server configuration: a TOML file whose option names and defaults follow Prosody, so an
//! administrator who knows `prosody.cfg.lua` recognises every key. Keys Prosody does not have are
//! marked "(gatecheck)" in their doc comment. Unknown keys are an error naming the key, because a
//! silently ignored typo in a security option (say `c2s_require_encryptoin`) is worse than a refusal.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// One day in seconds; Prosody writes its TTL defaults as multiples of it.
const DAY: u64 = 86_400;

/// RFC 6120 §6.4.5: a server SHOULD allow a configurable but reasonable number of retries (at least 2
/// and no more than 5). Retries, not attempts: the first attempt is not a retry.
pub const AUTH_RETRIES_RANGE: std::ops::RangeInclusive<u32> = 2..=5;

/// RFC 7677 §4: the iteration count SHOULD be at least 4096.
pub const MIN_SCRAM_ITERATIONS: u32 = 4096;

/// Upper bound on the iteration count, so a config typo cannot make every login take minutes.
pub const MAX_SCRAM_ITERATIONS: u32 = 10_000_000;

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Io {
        /// The file that was asked for.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema; the message names the offending key.
    #[error("invalid config file: {0}")]
    Parse(#[from] toml::de::Error),
    /// A value parsed but is outside what the server (or the spec) allows.
    #[error("invalid value for `{key}`: {reason}")]
    Invalid {
        /// The option name as written in the file.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// The whole server configuration. Field names are the TOML keys.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// (gatecheck) The XMPP domain served (Prosody's `VirtualHost`). Default `localhost`.
    pub domain: String,

    /// Require TLS before authentication on c2s streams. Prosody default: `true`.
    pub c2s_require_encryption: bool,
    /// Allow PLAIN over unencrypted streams. Prosody default: `false`.
    pub allow_unencrypted_plain_auth: bool,
    /// (gatecheck) Offer PLAIN inside SASL2 `<authentication/>` on TLS streams. Default `false`:
    /// XEP-0388 §3 says servers SHOULD NOT offer PLAIN (SASL2-33); legacy SASL still offers it on
    /// TLS streams, and on plaintext ones only with `allow_unencrypted_plain_auth`.
    pub sasl2_offer_plain: bool,
    /// Allow in-band registration (XEP-0077). Prosody default: `false`.
    pub allow_registration: bool,
    /// When registration is enabled, require an invite (XEP-0401/0445). Prosody (mod_invites) default: `true`.
    pub registration_invite_only: bool,
    /// Lifetime of a new invite in seconds. Prosody (mod_invites) default: 604800 (7 days).
    pub invite_expiry: u64,
    /// Whether ordinary users' contact invitations (ad-hoc `urn:xmpp:invite#invite`) also let
    /// the invitee register an account (`ibr=y`). Prosody (mod_invites_adhoc) default: `false`;
    /// admins' always do.
    pub allow_user_invites: bool,
    /// Bare JIDs of the server's administrators (may run `urn:xmpp:invite#create-account`).
    /// Prosody default: empty.
    pub admins: Vec<String>,
    /// Landing-page URL template for invitations; `{token}` is replaced by the token. Prosody
    /// (mod_invites_page) `invites_page`; unset (default): no `landing-url` is given.
    pub invites_page: Option<String>,
    /// Lifetime of a FAST token in seconds. Prosody (mod_sasl2_fast) default: 21 days.
    pub sasl2_fast_token_ttl: u64,
    /// Age in seconds after which a successful FAST authentication rotates the token (a new
    /// `<token/>` in `<success/>`; the old one stays valid until the new one is used). Prosody
    /// default: 1 day.
    pub sasl2_fast_token_min_ttl: u64,
    /// Secret used to sign stateless OAuth2 client registrations (RFC 7591). Prosody
    /// (mod_http_oauth2) default: unset, which disables dynamic client registration.
    pub oauth2_registration_key: Option<String>,
    /// Lifetime of a registered client_id in seconds (its `exp` claim; the secret expires with
    /// it). Prosody (mod_http_oauth2) default: unset, client_ids never expire.
    pub oauth2_registration_ttl: Option<u64>,
    /// Require PKCE (RFC 7636, S256 only) on every authorization request. Prosody default: `true`.
    pub oauth2_require_code_challenge: bool,
    /// Lifetime of an OAuth2 access token in seconds. Prosody default: 3600.
    pub oauth2_access_token_ttl: u64,
    /// Lifetime of an OAuth2 refresh token in seconds. Prosody default: 604800 (7 days).
    pub oauth2_refresh_token_ttl: u64,

    /// Largest stanza accepted, in bytes. Prosody default: 262144 (256 KiB).
    pub c2s_stanza_size_limit: usize,
    /// Seconds an unauthenticated c2s connection may live, counted from connect whatever it
    /// sends, before it is closed with `<connection-timeout/>` (slowloris defence; Prosody's
    /// meaning of `c2s_timeout`), default 300. Also bounds each write to a client.
    pub c2s_timeout: u64,
    /// Seconds allowed for a TLS handshake. Prosody (net.server_epoll) default: 60.
    pub ssl_handshake_timeout: u64,
    /// Bytes read from a socket at a time. Prosody (net.server_epoll `read_size`) default: 8192.
    pub c2s_read_size: usize,
    /// Bytes other sessions' stanzas may occupy while queued for one connection whose client is
    /// not reading; past it the stanza is refused and the stream ends with
    /// `<resource-constraint/>`. Named after Prosody's `max_send_buffer_size` (net.server_epoll,
    /// unlimited there by default). Default 1048576 (1 MiB, four largest stanzas); at least
    /// `c2s_stanza_size_limit`.
    pub max_send_buffer_size: usize,
    /// (gatecheck) Threads that run session input (store calls, PBKDF2) off the async workers
    /// (issue 13, problem 5). A bound, not a pool size: tokio starts them on demand. PBKDF2 gains
    /// nothing past the core count, and each extra thread costs a stack and an allocator arena
    /// that idle sessions' memory then spreads over. Default 8.
    pub c2s_blocking_threads: usize,
    /// (gatecheck) Maximum simultaneous c2s connections, all listeners together. Default 1024.
    pub c2s_max_connections: usize,
    /// (gatecheck) Maximum simultaneous c2s connections from one IP address. Default 32.
    pub c2s_max_connections_per_ip: usize,
    /// (gatecheck; Prosody has no such option) Failed authentication attempts a client may retry
    /// on one stream: after the first attempt and this many retries have all failed, the stream is
    /// closed. RFC 6120 §6.4.5: at least 2 and no more than 5. Default 2 (three attempts).
    pub c2s_max_auth_retries: u32,
    /// Most items in one roster; a roster set adding one more is refused with
    /// `policy-violation` (RFC 6121 §2.3.3). Prosody's `max_roster_items`, default 250.
    pub max_roster_items: usize,
    /// Window of the authentication failure budget, in seconds (issue 13; XEP-0205 §3). Named
    /// after prosody-modules' mod_limit_auth `limit_auth_period`. Default 300.
    pub limit_auth_period: u64,
    /// Failed authentications allowed from one IP address per `limit_auth_period`, all
    /// connections and accounts together; then the address gets `<temporary-auth-failure/>`
    /// without the mechanism running, for one period, doubling with each exhaustion in a row (at
    /// most 32 periods). mod_limit_auth's `limit_auth_max`; 0 disables. Default 30.
    pub limit_auth_max: u32,
    /// (gatecheck) Failed authentications allowed for one account per `limit_auth_period`, from
    /// any address; same lockout and backoff; a successful login clears it. The lockout spares
    /// the last addresses the account logged in from (XEP-0205 §3: a per-account limit must not
    /// lock the owner out). 0 disables. Default 10.
    pub limit_auth_account_max: u32,
    /// (gatecheck) PBKDF2 iteration count for stored SCRAM credentials. Default 4096 (RFC 7677 minimum).
    pub scram_iteration_count: u32,
    /// Modules not to load, by name (e.g. `["sasl2"]` for a server offering only RFC 6120
    /// SASL). Prosody's `modules_disabled`, default empty. A name the server does not know is
    /// an error when the server is assembled.
    pub modules_disabled: Vec<String>,

    /// (gatecheck) STARTTLS c2s listen address; port 0 picks a free port. Default `127.0.0.1:5222`.
    pub c2s_address: SocketAddr,
    /// (gatecheck) Direct-TLS c2s listen address (XEP-0368). Default `127.0.0.1:5223`.
    pub c2s_tls_address: SocketAddr,
    /// (gatecheck) HTTPS listen address of the OAuth2 endpoints (Prosody's `https_ports`; the
    /// HTTP listener speaks TLS with the c2s certificate). Default unset: no HTTP listener and no
    /// OAUTHBEARER; `serve --http ADDR` sets it.
    pub http_address: Option<SocketAddr>,
    /// (gatecheck) PEM certificate chain; with `key`. Unset: a self-signed certificate is generated.
    pub certificate: Option<PathBuf>,
    /// (gatecheck) PEM private key for `certificate`.
    pub key: Option<PathBuf>,
    /// (gatecheck) Directory holding the SQLite database. Default `./gatecheck-data`.
    pub data_dir: PathBuf,
    /// Deliberately injected bugs (`serve --break`, feature `break-builds` only); never read from
    /// the file, always empty in a normal build.
    #[serde(skip)]
    pub breaks: crate::breaks::BreakSet,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            domain: "localhost".to_owned(),
            c2s_require_encryption: true,
            allow_unencrypted_plain_auth: false,
            sasl2_offer_plain: false,
            allow_registration: false,
            registration_invite_only: true,
            invite_expiry: 7 * DAY,
            allow_user_invites: false,
            admins: Vec::new(),
            invites_page: None,
            sasl2_fast_token_ttl: 21 * DAY,
            sasl2_fast_token_min_ttl: DAY,
            oauth2_registration_key: None,
            oauth2_registration_ttl: None,
            oauth2_require_code_challenge: true,
            oauth2_access_token_ttl: 3600,
            oauth2_refresh_token_ttl: 7 * DAY,
            c2s_stanza_size_limit: 256 * 1024,
            c2s_timeout: 300,
            ssl_handshake_timeout: 60,
            c2s_read_size: 8192,
            max_send_buffer_size: 1024 * 1024,
            c2s_blocking_threads: 8,
            c2s_max_connections: 1024,
            c2s_max_connections_per_ip: 32,
            c2s_max_auth_retries: 2,
            scram_iteration_count: MIN_SCRAM_ITERATIONS,
            max_roster_items: 250,
            limit_auth_period: 300,
            limit_auth_max: 30,
            limit_auth_account_max: 10,
            modules_disabled: Vec::new(),
            c2s_address: SocketAddr::from(([127, 0, 0, 1], 5222)),
            c2s_tls_address: SocketAddr::from(([127, 0, 0, 1], 5223)),
            http_address: None,
            certificate: None,
            key: None,
            data_dir: PathBuf::from("./gatecheck-data"),
            breaks: crate::breaks::BreakSet::NONE,
        }
    }
}

/// Values given on the command line; each `Some` replaces the file's value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--domain`
    pub domain: Option<String>,
    /// `--c2s`
    pub c2s_address: Option<SocketAddr>,
    /// `--c2s-tls`
    pub c2s_tls_address: Option<SocketAddr>,
    /// `--http`
    pub http_address: Option<SocketAddr>,
    /// `--cert`
    pub certificate: Option<PathBuf>,
    /// `--key`
    pub key: Option<PathBuf>,
    /// `--data`
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Parses TOML text and validates it; missing keys take their defaults.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and validates a TOML file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Config::from_toml_str(&text)
    }

    /// Applies command-line overrides, then re-validates (flags can break invariants too).
    pub fn apply(mut self, o: Overrides) -> Result<Config, ConfigError> {
        if let Some(v) = o.domain {
            self.domain = v;
        }
        if let Some(v) = o.c2s_address {
            self.c2s_address = v;
        }
        if let Some(v) = o.c2s_tls_address {
            self.c2s_tls_address = v;
        }
        if let Some(v) = o.http_address {
            self.http_address = Some(v);
        }
        if let Some(v) = o.certificate {
            self.certificate = Some(v);
        }
        if let Some(v) = o.key {
            self.key = Some(v);
        }
        if let Some(v) = o.data_dir {
            self.data_dir = v;
        }
        self.validate()?;
        Ok(self)
    }

    /// Checks cross-field and range rules that serde cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        fn bad(key: &'static str, reason: impl Into<String>) -> Result<(), ConfigError> {
            Err(ConfigError::Invalid {
                key,
                reason: reason.into(),
            })
        }
        if !valid_domain(&self.domain) {
            return bad(
                "domain",
                "must be a non-empty DNS name or IP literal of at most 1023 bytes",
            );
        }
        if !AUTH_RETRIES_RANGE.contains(&self.c2s_max_auth_retries) {
            return bad(
                "c2s_max_auth_retries",
                "RFC 6120 §6.4.5 allows between 2 and 5 retries",
            );
        }
        if !(MIN_SCRAM_ITERATIONS..=MAX_SCRAM_ITERATIONS).contains(&self.scram_iteration_count) {
            return bad(
                "scram_iteration_count",
                format!("must be between {MIN_SCRAM_ITERATIONS} and {MAX_SCRAM_ITERATIONS}"),
            );
        }
        if self.sasl2_fast_token_min_ttl >= self.sasl2_fast_token_ttl {
            return bad(
                "sasl2_fast_token_min_ttl",
                "must be smaller than sasl2_fast_token_ttl",
            );
        }
        for (key, v) in [
            ("invite_expiry", self.invite_expiry),
            ("c2s_timeout", self.c2s_timeout),
            ("limit_auth_period", self.limit_auth_period),
            ("ssl_handshake_timeout", self.ssl_handshake_timeout),
            ("oauth2_access_token_ttl", self.oauth2_access_token_ttl),
            ("oauth2_refresh_token_ttl", self.oauth2_refresh_token_ttl),
            (
                "oauth2_registration_ttl",
                self.oauth2_registration_ttl.unwrap_or(1),
            ),
        ] {
            if v == 0 {
                return bad(key, "must be greater than 0");
            }
        }
        for (key, v) in [
            ("c2s_stanza_size_limit", self.c2s_stanza_size_limit),
            ("c2s_read_size", self.c2s_read_size),
            ("max_send_buffer_size", self.max_send_buffer_size),
            ("c2s_blocking_threads", self.c2s_blocking_threads),
            ("c2s_max_connections", self.c2s_max_connections),
            ("max_roster_items", self.max_roster_items),
            (
                "c2s_max_connections_per_ip",
                self.c2s_max_connections_per_ip,
            ),
        ] {
            if v == 0 {
                return bad(key, "must be greater than 0");
            }
        }
        if self.max_send_buffer_size < self.c2s_stanza_size_limit {
            return bad(
                "max_send_buffer_size",
                "must be at least c2s_stanza_size_limit (one largest stanza must fit)",
            );
        }
        if self.certificate.is_some() != self.key.is_some() {
            return bad("key", "certificate and key must be given together");
        }
        if let Some(a) = self
            .admins
            .iter()
            .find(|a| a.is_empty() || a.contains('/') || !a.contains('@'))
        {
            return bad("admins", format!("{a:?} is not a bare JID (user@domain)"));
        }
        if let Some(p) = &self.invites_page
            && !(p.starts_with("https://") || p.starts_with("http://"))
        {
            return bad("invites_page", "must be an http(s) URL template");
        }
        if let Some(k) = &self.oauth2_registration_key
            && k.len() < 32
        {
            return bad(
                "oauth2_registration_key",
                "must be at least 32 bytes (it is an HMAC key)",
            );
        }
        Ok(())
    }

    /// `c2s_timeout` as a [`Duration`].
    pub fn unauthenticated_timeout(&self) -> Duration {
        Duration::from_secs(self.c2s_timeout)
    }

    /// `ssl_handshake_timeout` as a [`Duration`].
    pub fn tls_handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.ssl_handshake_timeout)
    }

    /// (gatecheck) Path of the key FAST tokens are sealed under: `fast-token.key` in `data_dir`,
    /// a file of its own (mode 0600) so a copy of the database alone cannot be used to log in.
    pub fn fast_token_key_path(&self) -> PathBuf {
        self.data_dir.join("fast-token.key")
    }

    /// Path of the SQLite database inside `data_dir`.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("gatecheck.sqlite3")
    }
}

/// A deliberately loose domain check (the JID module does the real one): printable ASCII or UTF-8
/// without whitespace, `@`, `/` or quotes, which would break the stream header we render.
fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 1023
        && d.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@/'\"<>&".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_equal_prosody() {
        let c = Config::default();
        assert!(c.c2s_require_encryption);
        assert!(!c.allow_unencrypted_plain_auth);
        assert!(!c.allow_registration);
        assert!(c.registration_invite_only);
        assert_eq!(c.invite_expiry, 604_800);
        assert!(!c.allow_user_invites);
        assert!(c.admins.is_empty() && c.invites_page.is_none());
        assert_eq!(c.sasl2_fast_token_ttl, 21 * 86_400);
        assert_eq!(c.sasl2_fast_token_min_ttl, 86_400);
        assert_eq!(c.oauth2_registration_key, None);
        assert_eq!(c.c2s_stanza_size_limit, 262_144);
        assert_eq!(c.c2s_timeout, 300);
        assert_eq!(c.ssl_handshake_timeout, 60);
        assert_eq!(c.c2s_read_size, 8192);
        assert_eq!(c.c2s_max_auth_retries, 2);
        assert_eq!(c.c2s_address.to_string(), "127.0.0.1:5222");
        assert_eq!(c.c2s_tls_address.to_string(), "127.0.0.1:5223");
        assert_eq!(c.http_address, None);
        assert!(c.oauth2_require_code_challenge);
        assert_eq!(c.oauth2_access_token_ttl, 3600);
        assert_eq!(c.oauth2_refresh_token_ttl, 604_800);
        assert_eq!(c.oauth2_registration_ttl, None);
        assert_eq!(c.data_dir, PathBuf::from("./gatecheck-data"));
        c.validate().expect("defaults are valid");
    }

    #[test]
    fn auth_failure_budget_options() {
        let c = Config::default();
        assert_eq!(
            (
                c.limit_auth_period,
                c.limit_auth_max,
                c.limit_auth_account_max
            ),
            (300, 30, 10)
        );
        let c = Config::from_toml_str(
            "limit_auth_period = 60\nlimit_auth_max = 0\nlimit_auth_account_max = 5\n",
        )
        .expect("parses");
        assert_eq!(
            (
                c.limit_auth_period,
                c.limit_auth_max,
                c.limit_auth_account_max
            ),
            (60, 0, 5)
        );
        let e = Config::from_toml_str("limit_auth_period = 0").unwrap_err();
        assert!(e.to_string().contains("limit_auth_period"), "{e}");
    }

    #[test]
    fn c2s_blocking_threads_option() {
        assert_eq!(Config::default().c2s_blocking_threads, 8);
        let c = Config::from_toml_str("c2s_blocking_threads = 2").expect("parses");
        assert_eq!(c.c2s_blocking_threads, 2);
        let e = Config::from_toml_str("c2s_blocking_threads = 0").unwrap_err();
        assert!(e.to_string().contains("c2s_blocking_threads"), "{e}");
    }

    #[test]
    fn max_send_buffer_size_option() {
        assert_eq!(Config::default().max_send_buffer_size, 1_048_576);
        let c = Config::from_toml_str("max_send_buffer_size = 300000").expect("parses");
        assert_eq!(c.max_send_buffer_size, 300_000);
        let e = Config::from_toml_str("max_send_buffer_size = 1000").unwrap_err();
        assert!(e.to_string().contains("max_send_buffer_size"), "{e}");
        assert!(e.to_string().contains("c2s_stanza_size_limit"), "{e}");
    }

    #[test]
    fn max_roster_items_option() {
        assert_eq!(Config::default().max_roster_items, 250);
        let c = Config::from_toml_str("max_roster_items = 3").expect("parses");
        assert_eq!(c.max_roster_items, 3);
        let e = Config::from_toml_str("max_roster_items = 0").unwrap_err();
        assert!(e.to_string().contains("max_roster_items"), "{e}");
    }

    #[test]
    fn modules_disabled_is_read() {
        let c = Config::from_toml_str("modules_disabled = [\"sasl2\"]\n").expect("parses");
        assert_eq!(c.modules_disabled, ["sasl2"]);
        assert!(Config::default().modules_disabled.is_empty());
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(Config::from_toml_str("").unwrap(), Config::default());
    }

    #[test]
    fn example_file_parses() {
        let text = include_str!("../gatecheck-server.example.toml");
        let c = Config::from_toml_str(text).expect("example parses");
        assert_eq!(c.domain, "localhost");
        assert_eq!(c.invite_expiry, 604_800);
        assert_eq!(c.sasl2_fast_token_ttl, 1_814_400);
        assert_eq!(c.sasl2_fast_token_min_ttl, 86_400);
        assert_eq!(
            c.fast_token_key_path(),
            PathBuf::from("./gatecheck-data/fast-token.key")
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::from_toml_str("c2s_require_encryptoin = false").unwrap_err();
        assert!(matches!(err, ConfigError::Parse(_)));
        assert!(err.to_string().contains("c2s_require_encryptoin"), "{err}");
    }

    #[test]
    fn auth_retries_bounded_by_rfc6120() {
        for (n, ok) in [(1, false), (2, true), (5, true), (6, false)] {
            let r = Config::from_toml_str(&format!("c2s_max_auth_retries = {n}"));
            assert_eq!(r.is_ok(), ok, "{n}");
        }
    }

    #[test]
    fn cert_without_key_rejected() {
        let err = Config::from_toml_str("certificate = 'a.pem'").unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { key: "key", .. }));
    }

    #[test]
    fn overrides_replace_file_values() {
        let c = Config::from_toml_str("domain = 'example.org'\nc2s_address = '127.0.0.1:1'")
            .unwrap()
            .apply(Overrides {
                domain: Some("example.net".into()),
                c2s_address: Some("127.0.0.1:0".parse().unwrap()),
                ..Overrides::default()
            })
            .unwrap();
        assert_eq!(c.domain, "example.net");
        assert_eq!(c.c2s_address.port(), 0);
        let bad = Config::default().apply(Overrides {
            domain: Some("a b".into()),
            ..Overrides::default()
        });
        assert!(bad.is_err());
    }

    #[test]
    fn invite_options_are_checked() {
        let c = Config::from_toml_str(
            "admins = ['root@localhost']\ninvites_page = 'https://x.example/i#{token}'",
        )
        .unwrap();
        assert_eq!(c.admins, vec!["root@localhost".to_owned()]);
        for bad in [
            "admins = ['root']",
            "admins = ['root@localhost/res']",
            "invites_page = 'ftp://x'",
        ] {
            assert!(Config::from_toml_str(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fast_min_ttl_must_be_below_ttl() {
        let r = Config::from_toml_str("sasl2_fast_token_ttl = 10\nsasl2_fast_token_min_ttl = 10");
        assert!(matches!(
            r,
            Err(ConfigError::Invalid {
                key: "sasl2_fast_token_min_ttl",
                ..
            })
        ));
    }
}
