//! Starting a run: the options that say what to test and how (`gatecheck run`, and the target
//! half of `gatecheck fuzz` and `replay`), their checks, and what must exist before the first
//! case (baseline, embedded server, a reachable target). Its own module so that every command
//! can start from it without depending on the command line that lists the commands.

use crate::baseline::{Baseline, BaselineError};
use crate::case::{Case, Module};
use crate::config::{Account, RunConfig, Target, TlsChoice};
use crate::report::ReportSpec;
use std::path::PathBuf;
use std::time::Duration;

/// What to test and how to reach it: the options `gatecheck run`, `fuzz` and `replay` share.
#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// Server under test: xmpp://host[:port] (STARTTLS) or xmpps://host[:port] (direct TLS).
    /// Without it the embedded reference server is used.
    #[arg(long)]
    pub target: Option<Target>,
    /// XMPP domain (defaults to the target host).
    #[arg(long)]
    pub domain: Option<String>,
    /// Accept any TLS certificate (self-signed test servers).
    #[arg(long)]
    pub insecure_tls: bool,
    /// Extra CA certificate (PEM) to trust.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// Account JID:PASSWORD (repeatable; some cases need two).
    #[arg(long = "account")]
    pub accounts: Vec<Account>,
    /// Command template minting an invitation, run with `sh -c` after substituting `{kind}`
    /// (account, account-bound, reset, contact), `{user}` (the bare JID it concerns, quoted) and
    /// `{ttl}` (seconds); the first `xmpp:` URI it prints is used, and a non-zero exit means that
    /// kind cannot be minted this way (the cases fall back to XEP-0050 ad-hoc commands as
    /// --account / --admin, else skip). Without `{kind}` only account invitations are minted.
    /// E.g. `interop/prosody/mint-invite {kind} {user}`.
    #[arg(long, value_name = "TEMPLATE")]
    pub invite_cmd: Option<String>,
    /// HTTP(S) base URL for OAuth2 endpoints and landing pages.
    #[arg(long)]
    pub http: Option<String>,
    /// Longest wait for one reply the spec requires, in seconds; no answer in time is a finding
    /// against the target (recorded in every report).
    #[arg(long, default_value = "5", value_name = "SECS")]
    pub reply_timeout: f64,
    /// Run seed (random if not given; always recorded in reports).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Cases run in parallel.
    #[arg(long, default_value = "1")]
    pub jobs: usize,
}

/// Options of `gatecheck run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Target, domain, TLS trust, accounts, invitations, HTTP, reply timeout, seed, jobs.
    #[command(flatten)]
    pub reach: TargetArgs,
    /// Lifetime in seconds of the short-lived invitations the expiry cases use: with `{ttl}` in
    /// --invite-cmd they are minted with it, else it must be the target's own invitation lifetime
    /// (its `invite_expiry`, set short for testing). Without it the expiry cases skip.
    #[arg(long, value_name = "SECS")]
    pub invite_ttl: Option<u64>,
    /// Connections that race to register with one single-use invitation (1..=200).
    #[arg(long, value_name = "N", default_value = "20")]
    pub invite_race: usize,
    /// Whether the target lets non-admin users invite new users (its `allow_user_invites`):
    /// with `no`, a user's contact invitation carrying `ibr=y` fails INV-8. Unset: the case only
    /// checks that `ibr=y` is honest.
    #[arg(long, value_name = "yes|no", value_parser = parse_yes_no)]
    pub allow_user_invites: Option<bool>,
    /// Administrator JID:PASSWORD: mints account invitations with XEP-0050 #create-account when
    /// --invite-cmd cannot, and runs the admin-only command cases (the embedded run provides one).
    #[arg(long)]
    pub admin: Option<Account>,
    /// The target's OAuth2 registration key (its oauth2_registration_key): the oauth2 cases
    /// recompute per_host_key and client secrets with it and forge client_ids for the token
    /// endpoint. Redacted in reports.
    #[arg(
        long,
        env = "GATECHECK_OAUTH2_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub oauth2_key: Option<String>,
    /// Per-case timeout in seconds (fractions allowed).
    #[arg(long, default_value = "30")]
    pub timeout: f64,
    /// The target's FAST token lifetime in seconds (its `sasl2_fast_token_ttl`, set short for
    /// testing): the FAST expiry cases wait it out, and skip without it (recorded in reports).
    #[arg(long, value_name = "SECS")]
    pub fast_ttl: Option<u64>,
    /// The target's FAST rotation threshold in seconds (`sasl2_fast_token_min_ttl`): the FAST
    /// rotation cases wait it out, and skip without it (recorded in reports).
    #[arg(long, value_name = "SECS")]
    pub fast_min_ttl: Option<u64>,
    /// Command that changes an account's password on the target, run with `sh -c`: the bare JID
    /// in `$GATECHECK_JID`, the new password on stdin (the case sets the account's current
    /// password again, so the run's credentials stay valid). Without it the password-change
    /// case skips. E.g. `gatecheck-server user passwd "$GATECHECK_JID" --data DIR`.
    #[arg(long, value_name = "CMD")]
    pub passwd_cmd: Option<String>,
    /// TLS versions to use: 1.2, 1.3 or both (every version the target accepts; cases that
    /// depend on the version run once per version).
    #[arg(long, default_value = "both", value_name = "1.2|1.3|both")]
    pub tls: TlsChoice,
    /// Modules the target must offer, comma-separated; one not offered, or a run that exercised
    /// nothing, exits 3.
    #[arg(long, value_delimiter = ',', value_name = "MODULE[,MODULE...]")]
    pub require: Vec<String>,
    /// Without --target only: start the embedded server without these server modules
    /// (Prosody's `modules_disabled`, e.g. `sasl2`), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "MODULE[,MODULE...]")]
    pub embedded_disable: Vec<String>,
    /// Run only cases whose id or module matches this glob (repeatable, `*` wildcard).
    #[arg(long)]
    pub only: Vec<String>,
    /// Skip cases whose id or module matches this glob (repeatable).
    #[arg(long)]
    pub skip: Vec<String>,
    /// Count SHOULD warnings as failures.
    #[arg(long)]
    pub strict: bool,
    /// Known-failures TOML file.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Report KIND=PATH with KIND json, junit or html (repeatable).
    #[arg(long = "report")]
    pub reports: Vec<ReportSpec>,
    /// Do not redact secrets in reports.
    #[arg(long)]
    pub no_redact: bool,
    /// Also run the opt-in `security` group (user enumeration, guessing without backoff,
    /// slowloris, whitespace keepalives). Its results are advisory findings, reported in their
    /// own group with the RFC/XEP section they come from; they never change the conformance
    /// scores or counts, nor the exit code unless --strict-security. `--only 'security.*'`
    /// selects the group too. The cases open many connections and make many failed logins
    /// (with a random unknown username for the guessing case): run them against a test server.
    #[arg(long)]
    pub security: bool,
    /// Make an advisory security finding fail the run (exit 1).
    #[arg(long)]
    pub strict_security: bool,
    /// security.slowloris.unauthenticated-deadline: the longest an unauthenticated stream
    /// trickling one byte every few seconds may stay open (set it a little above the target's
    /// c2s_timeout; the embedded run uses its server's short c2s_timeout).
    #[arg(long, value_name = "SECS", default_value = "90")]
    pub security_deadline: u64,
}

/// Why `run` could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// An option value is invalid.
    #[error("{0}")]
    BadArgs(String),
    /// The baseline is unreadable or invalid.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// No `--target`, and the embedded reference server could not start.
    #[error(transparent)]
    Embedded(#[from] crate::embedded::EmbeddedError),
    /// The target did not accept a TCP connection.
    #[error("target {target} is unreachable: {detail}")]
    Unreachable {
        /// The target.
        target: String,
        /// Why.
        detail: String,
    },
}

fn parse_yes_no(s: &str) -> Result<bool, String> {
    match s {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(format!("{s:?}: expected yes or no")),
    }
}

/// A seed from the clock and std's per-process random hasher keys (not for secrets).
pub(crate) fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish()
}

impl TargetArgs {
    /// The run configuration these options give, every other option at its default (what
    /// `fuzz` and `replay` run with).
    pub fn into_config(self) -> Result<RunConfig, StartError> {
        if !(self.reply_timeout.is_finite()
            && self.reply_timeout > 0.0
            && self.reply_timeout <= 3_600.0)
        {
            return Err(StartError::BadArgs(format!(
                "--reply-timeout {}: expected seconds in (0, 3600]",
                self.reply_timeout
            )));
        }
        if let Some(h) = &self.http {
            h.parse::<crate::capabilities::http::HttpBase>()
                .map_err(StartError::BadArgs)?;
        }
        if self.jobs == 0 || self.jobs > 256 {
            return Err(StartError::BadArgs(format!(
                "--jobs {}: expected 1..=256",
                self.jobs
            )));
        }
        Ok(RunConfig {
            target: self.target,
            domain: self.domain,
            insecure_tls: self.insecure_tls,
            ca: self.ca,
            accounts: self.accounts,
            invite_cmd: self.invite_cmd,
            http: self.http,
            reply_timeout: Duration::from_secs_f64(self.reply_timeout),
            jobs: self.jobs,
            seed: self.seed.unwrap_or_else(random_seed),
            ..RunConfig::default()
        })
    }
}

impl RunArgs {
    /// Turn the options into a run configuration.
    pub fn into_config(self) -> Result<RunConfig, StartError> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 86_400.0) {
            return Err(StartError::BadArgs(format!(
                "--timeout {}: expected seconds in (0, 86400]",
                self.timeout
            )));
        }
        if self.fast_ttl.is_some_and(|v| v == 0 || v > 86_400) {
            return Err(StartError::BadArgs(format!(
                "--fast-ttl {}: expected seconds in 1..=86400",
                self.fast_ttl.unwrap_or_default()
            )));
        }
        if self.invite_ttl.is_some_and(|v| v == 0 || v > 3_600) {
            return Err(StartError::BadArgs(format!(
                "--invite-ttl {}: expected seconds in 1..=3600",
                self.invite_ttl.unwrap_or_default()
            )));
        }
        if !(1..=200).contains(&self.invite_race) {
            return Err(StartError::BadArgs(format!(
                "--invite-race {}: expected 1..=200 connections",
                self.invite_race
            )));
        }
        if self.fast_min_ttl.is_some_and(|v| v >= 86_400) {
            return Err(StartError::BadArgs(format!(
                "--fast-min-ttl {}: expected seconds in 0..86400",
                self.fast_min_ttl.unwrap_or_default()
            )));
        }
        if let (Some(t), Some(m)) = (self.fast_ttl, self.fast_min_ttl)
            && m >= t
        {
            return Err(StartError::BadArgs(format!(
                "--fast-min-ttl {m} must be below --fast-ttl {t}"
            )));
        }
        if !self.embedded_disable.is_empty() && self.reach.target.is_some() {
            return Err(StartError::BadArgs(
                "--embedded-disable applies to the embedded server only, not with --target".into(),
            ));
        }
        let require = self
            .require
            .iter()
            .map(|m| {
                Module::parse(m.trim()).ok_or_else(|| {
                    StartError::BadArgs(format!(
                        "--require {m:?}: unknown module (expected one of {})",
                        Module::ALL.map(Module::as_str).join(", ")
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !(5..=3_600).contains(&self.security_deadline) {
            return Err(StartError::BadArgs(format!(
                "--security-deadline {}: expected seconds in 5..=3600",
                self.security_deadline
            )));
        }
        let base = self.reach.into_config()?;
        Ok(RunConfig {
            invite_ttl: self.invite_ttl.map(Duration::from_secs),
            invite_race: self.invite_race,
            allow_user_invites: self.allow_user_invites,
            admin: self.admin,
            oauth2_key: self.oauth2_key,
            timeout: Duration::from_secs_f64(self.timeout),
            fast_ttl: self.fast_ttl.map(Duration::from_secs),
            fast_min_ttl: self.fast_min_ttl.map(Duration::from_secs),
            passwd_cmd: self.passwd_cmd,
            tls: self.tls,
            require,
            embedded_disable: self.embedded_disable,
            only: self.only,
            skip: self.skip,
            strict: self.strict,
            baseline: self.baseline,
            reports: self.reports,
            redact: !self.no_redact,
            security: self.security || self.strict_security,
            strict_security: self.strict_security,
            security_deadline: Duration::from_secs(self.security_deadline),
            ..base
        })
    }
}

/// Check the target accepts TCP connections before starting, so an unreachable target is exit 2.
pub async fn probe(target: &Target, timeout: Duration) -> Result<(), StartError> {
    let addr = (target.host.as_str(), target.port);
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(StartError::Unreachable {
            target: target.to_string(),
            detail: e.to_string(),
        }),
        Err(_) => Err(StartError::Unreachable {
            target: target.to_string(),
            detail: format!("no answer within {} ms", timeout.as_millis()),
        }),
    }
}

/// Prepare a run: configuration and baseline; any error here means exit 2.
/// The third element is the embedded reference server when no `--target` was given; keep it alive for
/// the whole run (dropping it stops the server).
pub async fn prepare(
    args: RunArgs,
    cases: &[Case],
) -> Result<
    (
        RunConfig,
        Option<Baseline>,
        Option<crate::embedded::Embedded>,
    ),
    StartError,
> {
    let mut config = args.into_config()?;
    let baseline = match &config.baseline {
        Some(p) => {
            let mut b = Baseline::load(p)?;
            for (old, new) in b.carry_renames(cases) {
                eprintln!("gatecheck: baseline {}: {old} is now {new}", p.display());
            }
            b.check_ids(cases)?;
            Some(b)
        }
        None => None,
    };
    let embedded = match &config.target {
        None => {
            // The security group's slowloris case needs a short unauthenticated deadline.
            let security = crate::select::security_selected(config.security, &config.only, cases);
            // The failure budget stays on only for a run of the security group alone: with it
            // on, the conformance cases' deliberate failures would meet temporary-auth-failure.
            let selection = crate::select::Selection {
                only: config.only.clone(),
                skip: config.skip.clone(),
            };
            let conformance = cases
                .iter()
                .any(|c| !c.module.is_advisory() && selection.check(c).is_ok());
            let (server, accounts) = crate::embedded::Embedded::start_with(
                &config.embedded_disable,
                security.then_some(crate::embedded::SECURITY_C2S_TIMEOUT_S),
                (security && !conformance).then_some(crate::embedded::SECURITY_AUTH_BUDGET),
            )
            .await?;
            server.configure(&mut config, accounts)?;
            if security && config.security_deadline == crate::config::DEFAULT_SECURITY_DEADLINE {
                config.security_deadline =
                    Duration::from_secs(crate::embedded::SECURITY_DEADLINE_S);
            }
            Some(server)
        }
        Some(t) => {
            probe(t, config.timeout.min(Duration::from_secs(10))).await?;
            None
        }
    };
    Ok((config, baseline, embedded))
}
