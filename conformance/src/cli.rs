//! The command line: `list`, `requirements` and `run`, parsed with clap into a [`RunConfig`].

use crate::baseline::{Baseline, BaselineError};
use crate::case::{Case, Module};
use crate::catalog::{Catalog, Level};
use crate::config::{Account, RunConfig, Target, TlsChoice};
use crate::coverage::coverage;
use crate::event::Event;
use crate::report::{FileReport, ReportSpec, terminal::Terminal};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Exit status when the run could not start.
pub use crate::status::EXIT_CANNOT_START;

/// The exit statuses, shown by `--help` (and in the README's table).
pub const EXIT_CODES_HELP: &str = "\
Exit status of `gatecheck run`:
  0  the run finished and no case failed
  1  a case failed or errored, a baseline entry is stale, or the target stopped serving
  2  the run could not start (bad arguments or baseline, target unreachable, embedded server)
  3  --require not met: a required module is not offered, or no case exercised the target
Advisory findings of the opt-in security group (--security) never change it, unless
--strict-security (then a finding is exit 1).";

/// gatecheck: conformance suite for XMPP authentication.
#[derive(Debug, Parser)]
#[command(name = "gatecheck", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format for listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// JSON.
    Json,
}

/// Level filter for `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelFilter {
    /// MUST and MUST NOT.
    Must,
    /// SHOULD, SHOULD NOT, RECOMMENDED.
    Should,
    /// Everything else.
    Other,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List cases with the requirements they cite.
    List {
        /// Only this module (the modules with cases in this build; see `--help`).
        #[arg(long)]
        module: Option<String>,
        /// Only cases of this level.
        #[arg(long, value_enum)]
        level: Option<LevelFilter>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Show the requirement catalogue with the cases covering each requirement.
    Requirements {
        /// Only requirement sets tested by this module.
        #[arg(long)]
        module: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Run the suite.
    #[command(after_help = EXIT_CODES_HELP)]
    Run(Box<RunArgs>),
    /// Fuzz the target over the network with generated and mutated sessions (exit 1 when it
    /// finds something; findings are written as replayable JSON).
    Fuzz(Box<crate::fuzz::FuzzArgs>),
    /// Re-run a finding written by `gatecheck fuzz` (exit 1 if it reproduces, 0 if not).
    Replay(Box<crate::fuzz::ReplayArgs>),
    /// Check the language-neutral test vectors against gatecheck-proto (exit 1 on any failure).
    Vectors {
        /// Directory of vector files (`*.json`); default: the vectors built into this binary.
        #[arg(long, value_name = "DIR")]
        check: Option<PathBuf>,
    },
}

/// `gatecheck vectors`: prints each failure and documented disagreement, then
/// `N passed, N failed`; returns the exit code (0 all passed, 1 any failed).
pub fn vectors(dir: Option<&std::path::Path>) -> Result<i32, gatecheck_vectors::CheckError> {
    let report = match dir {
        Some(d) => gatecheck_vectors::check_dir(d)?,
        None => gatecheck_vectors::check_embedded(),
    };
    for f in &report.known {
        println!("known disagreement: {f}");
    }
    for f in &report.failed {
        println!("FAIL {f}");
    }
    println!("{}", report.summary());
    Ok(if report.is_ok() { 0 } else { 1 })
}

/// Options of `gatecheck run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
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
    /// HTTP(S) base URL for OAuth2 endpoints and landing pages.
    #[arg(long)]
    pub http: Option<String>,
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
    /// Longest wait for one reply the spec requires, in seconds; no answer in time is a finding
    /// against the target (recorded in every report).
    #[arg(long, default_value = "5", value_name = "SECS")]
    pub reply_timeout: f64,
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
    /// Cases run in parallel.
    #[arg(long, default_value = "1")]
    pub jobs: usize,
    /// Run only cases whose id or module matches this glob (repeatable, `*` wildcard).
    #[arg(long)]
    pub only: Vec<String>,
    /// Skip cases whose id or module matches this glob (repeatable).
    #[arg(long)]
    pub skip: Vec<String>,
    /// Run seed (random if not given; always recorded in reports).
    #[arg(long)]
    pub seed: Option<u64>,
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

fn random_seed() -> u64 {
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

impl RunArgs {
    /// Turn the options into a run configuration.
    pub fn into_config(self) -> Result<RunConfig, StartError> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 86_400.0) {
            return Err(StartError::BadArgs(format!(
                "--timeout {}: expected seconds in (0, 86400]",
                self.timeout
            )));
        }
        if !(self.reply_timeout.is_finite()
            && self.reply_timeout > 0.0
            && self.reply_timeout <= 3_600.0)
        {
            return Err(StartError::BadArgs(format!(
                "--reply-timeout {}: expected seconds in (0, 3600]",
                self.reply_timeout
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
        if let Some(h) = &self.http {
            h.parse::<crate::capabilities::http::HttpBase>()
                .map_err(StartError::BadArgs)?;
        }
        if !self.embedded_disable.is_empty() && self.target.is_some() {
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
            invite_hook: None,
            invite_ttl: self.invite_ttl.map(Duration::from_secs),
            invite_race: self.invite_race,
            allow_user_invites: self.allow_user_invites,
            admin: self.admin,
            http: self.http,
            oauth2_key: self.oauth2_key,
            timeout: Duration::from_secs_f64(self.timeout),
            reply_timeout: Duration::from_secs_f64(self.reply_timeout),
            fast_ttl: self.fast_ttl.map(Duration::from_secs),
            fast_min_ttl: self.fast_min_ttl.map(Duration::from_secs),
            passwd_cmd: self.passwd_cmd,
            passwd_hook: None,
            tls: self.tls,
            require,
            embedded_disable: self.embedded_disable,
            jobs: self.jobs,
            only: self.only,
            skip: self.skip,
            seed: self.seed.unwrap_or_else(random_seed),
            strict: self.strict,
            baseline: self.baseline,
            reports: self.reports,
            redact: !self.no_redact,
            security: self.security || self.strict_security,
            strict_security: self.strict_security,
            security_deadline: Duration::from_secs(self.security_deadline),
        })
    }
}

pub use crate::case::modules_with_cases;

fn module_names(cases: &[Case]) -> String {
    modules_with_cases(cases)
        .into_iter()
        .map(Module::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn module_arg(m: Option<&str>, allowed: &[Module]) -> Result<Option<Module>, String> {
    m.map(|s| {
        Module::parse(s)
            .filter(|m| allowed.contains(m))
            .ok_or_else(|| {
                format!(
                    "unknown module {s:?}: expected one of {}",
                    allowed
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    })
    .transpose()
}

/// The modules whose requirement sets the catalogue holds (`requirements --module` works for a
/// module before it has cases: that is how its coverage gaps are seen).
fn modules_with_requirements() -> Vec<Module> {
    let catalog = Catalog::global();
    Module::ALL
        .into_iter()
        .filter(|m| {
            catalog
                .sets
                .iter()
                .any(|s| crate::catalog::module_of_set(&s.set) == Some(*m))
        })
        .collect()
}

/// The command line with help texts that name only the modules that have cases in this build.
pub fn command(cases: &[Case]) -> clap::Command {
    let names = module_names(cases);
    Cli::command()
        .mut_subcommand("list", |s| {
            s.mut_arg("module", |a| a.help(format!("Only this module ({names})")))
        })
        .mut_subcommand("requirements", |s| {
            s.mut_arg("module", |a| {
                a.help(format!(
                    "Only requirement sets tested by this module ({names})"
                ))
            })
        })
        .mut_subcommand("fuzz", |s| {
            s.mut_arg("jobs", |a| {
                a.default_value("16")
                    .help("Sessions in flight (fewer when the target refuses or slows down)")
            })
        })
        .mut_subcommand("run", |s| {
            s.mut_arg("require", |a| {
                a.help(format!(
                    "Modules the target must offer, comma-separated ({names}); one not offered, \
                     or a run that exercised nothing, exits 3"
                ))
            })
        })
}

/// Parse the process arguments with [`command`]'s help texts.
pub fn parse(cases: &[Case]) -> Result<Cli, clap::Error> {
    let matches = command(cases).try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

fn level_matches(l: Level, f: LevelFilter) -> bool {
    match f {
        LevelFilter::Must => l.is_must(),
        LevelFilter::Should => l.is_should(),
        LevelFilter::Other => !l.is_must() && !l.is_should(),
    }
}

/// `gatecheck list`: the cases, optionally filtered.
pub fn list(
    cases: &[Case],
    module: Option<&str>,
    level: Option<LevelFilter>,
    format: Format,
) -> Result<String, String> {
    let module = module_arg(module, &modules_with_cases(cases))?;
    let sel: Vec<&Case> = cases
        .iter()
        .filter(|c| module.is_none_or(|m| c.module == m))
        .filter(|c| level.is_none_or(|f| level_matches(c.level(), f)))
        .collect();
    Ok(match format {
        Format::Json => {
            let v: Vec<_> = sel
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.id, "module": c.module, "title": c.title, "level": c.level(),
                        "requirements": c.requirements, "requires": c.requires, "accepts": c.accepts,
                        "needs": c.needs, "offers": c.offers, "perTls": c.per_tls,
                        "profiles": c.profiles, "negative": c.negative,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        }
        Format::Text => {
            let mut out = String::new();
            for c in &sel {
                out.push_str(&format!(
                    "{:<48} {:<10} {:<11} {}\n",
                    c.id,
                    c.module,
                    c.level().as_str(),
                    c.requirements.join(",")
                ));
            }
            out.push_str(&format!("{} case(s)\n", sel.len()));
            out
        }
    })
}

/// `gatecheck requirements`: the catalogue with coverage, waivers and the MUST coverage summary.
pub fn requirements(
    cases: &[Case],
    module: Option<&str>,
    format: Format,
) -> Result<String, String> {
    let module = module_arg(module, &modules_with_requirements())?;
    let catalog = Catalog::global();
    let rows: Vec<_> = coverage(catalog, cases)
        .into_iter()
        .filter(|r| {
            module.is_none_or(|m| {
                crate::catalog::module_of_set(crate::catalog::set_of(&r.requirement.id)) == Some(m)
            })
        })
        .collect();
    let musts: Vec<_> = rows
        .iter()
        .filter(|r| r.requirement.level.is_must() && r.requirement.testability.is_black_box())
        .collect();
    let covered = musts.iter().filter(|r| !r.cases.is_empty()).count();
    let waived = musts
        .iter()
        .filter(|r| r.cases.is_empty() && r.requirement.waiver.is_some())
        .count();
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&serde_json::json!({
            "revisions": catalog.revisions().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
            "requirements": rows,
            "mustCoverage": {"blackBoxMusts": musts.len(), "covered": covered, "waived": waived},
        }))
        .map_err(|e| e.to_string())?,
        Format::Text => {
            let mut out = String::new();
            for s in &catalog.sets {
                if module.is_none_or(|m| crate::catalog::module_of_set(&s.set) == Some(m)) {
                    out.push_str(&format!("# {}: {}\n", s.set, s.spec_revision));
                }
            }
            for r in &rows {
                let q = &r.requirement;
                let cov = if !r.cases.is_empty() {
                    r.cases.join(", ")
                } else if let Some(w) = &q.waiver {
                    format!("waived: {w}")
                } else {
                    "UNCOVERED".to_owned()
                };
                out.push_str(&format!("{:<10} {:<11} {:<8} {}\n           -> {}\n", q.id, q.level.as_str(), q.testability.as_str(), q.summary, cov));
            }
            out.push_str(&format!(
                "black-box MUST/MUST NOT: {} total, {covered} covered by cases, {waived} waived, {} uncovered\n",
                musts.len(),
                musts.len() - covered - waived
            ));
            out
        }
    })
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

/// Run with terminal output and the requested file reports; returns the exit code.
pub async fn execute(cases: &[Case], config: RunConfig, baseline: Option<Baseline>) -> i32 {
    let config = Arc::new(config);
    let mut term = Terminal::new();
    let mut files: Vec<FileReport> = config
        .reports
        .iter()
        .cloned()
        .map(FileReport::new)
        .collect();
    let mut sink = |ev: &Event| {
        term.event(ev);
        for f in &mut files {
            f.event(ev);
        }
    };
    let summary = crate::runner::run(cases, config.clone(), baseline.as_ref(), &mut sink).await;
    if let Some(text) = term.summary() {
        print!("{text}");
    }
    let mut code = summary.exit_code;
    for f in &files {
        match f.finish() {
            Ok(p) => println!("report written: {}", p.display()),
            Err(e) => {
                eprintln!("gatecheck: {e}");
                code = code.max(1);
            }
        }
    }
    code
}
