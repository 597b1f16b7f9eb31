//! `gatecheck fuzz` and `gatecheck replay`: network fuzzing of a target with session scripts
//! (`proto::script`) generated from a grammar of the four modules and mutated at the XML level,
//! judged by oracles (crash or hang, malformed replies, security invariants, HTTP 5xx); findings
//! are minimised and written as replayable JSON.
//!
//! One job per file: `rng` (seeded numbers), `tree` (markup with fixtures), `generate` (the
//! grammar), `mutate` (XML and byte mutations), `exec` (the network executor), `oracle`,
//! `minimise`, `finding` (the file format), `run` (the bounded, polite loop), `replay`.

pub mod exec;
pub mod finding;
pub mod generate;
pub mod minimise;
pub mod mutate;
pub mod oracle;
pub mod replay;
pub mod rng;
pub mod run;
pub mod tree;

use crate::config::RunConfig;
use crate::start::{StartError, TargetArgs};
use exec::{ExecTarget, Minter};
use gatecheck_client::TlsTrust;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `Await` waits for more once the server has answered (loopback-friendly; a remote
/// target may need `--quiet-ms` larger).
pub const DEFAULT_QUIET_MS: u64 = 3;

/// Options of `gatecheck fuzz`.
#[derive(Debug, clap::Args)]
pub struct FuzzArgs {
    /// Target, accounts, TLS trust, invitations, HTTP, --seed, --jobs (sessions in flight),
    /// --reply-timeout: as for `gatecheck run`.
    #[command(flatten)]
    pub common: TargetArgs,
    /// Stop after this long (`90s`, `5m`, `1h`, or seconds).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Stop after this many sessions.
    #[arg(long, value_name = "N")]
    pub max_sessions: Option<u64>,
    /// Directory for finding files.
    #[arg(long, value_name = "DIR", default_value = "fuzz-findings")]
    pub out: PathBuf,
    /// Replay the session corpus files in DIR (JSON scripts or raw `arbitrary` inputs, as the
    /// in-process targets read them) first, with the same oracles.
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// No TLS at all: no STARTTLS, FAST or other TLS-only steps, no https:// requests (the
    /// embedded server then runs with c2s_require_encryption = false).
    #[arg(long)]
    pub no_tls: bool,
    /// Milliseconds of silence that end a wait for further replies.
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_QUIET_MS)]
    pub quiet_ms: u64,
    /// Attempts the minimiser makes per finding.
    #[arg(long, value_name = "N", default_value = "300")]
    pub minimise_budget: usize,
}

/// Options of `gatecheck replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A finding file written by `gatecheck fuzz`.
    pub file: PathBuf,
    /// Target and credentials, as for `gatecheck run`.
    #[command(flatten)]
    pub common: TargetArgs,
    /// Start the embedded server without TLS requirement (for findings from a `--no-tls` run).
    #[arg(long)]
    pub no_tls: bool,
}

/// `90s`, `5m`, `2h`, `1500ms` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected e.g. 60s, 5m, 1h"))?;
    if !(v.is_finite() && v > 0.0 && v * mult <= 7.0 * 86_400.0) {
        return Err(format!("{s:?}: expected a positive duration up to a week"));
    }
    Ok(Duration::from_secs_f64(v * mult))
}

/// The run configuration and, without `--target`, the embedded server (keep it alive).
pub async fn prepare(
    common: TargetArgs,
    no_tls: bool,
) -> Result<(RunConfig, Option<crate::embedded::Embedded>), StartError> {
    let opts = crate::embedded::FuzzServer {
        require_encryption: !no_tls,
        ..Default::default()
    };
    prepare_with(common, opts).await
}

/// [`prepare`] with the embedded server's options spelled out (tests switch breaks on).
pub async fn prepare_with(
    common: TargetArgs,
    opts: crate::embedded::FuzzServer,
) -> Result<(RunConfig, Option<crate::embedded::Embedded>), StartError> {
    let mut config = common.into_config()?;
    match &config.target {
        None => {
            let (server, accounts) = crate::embedded::Embedded::start_fuzz(opts).await?;
            server.configure(&mut config, accounts)?;
            Ok((config, Some(server)))
        }
        Some(t) => {
            crate::start::probe(t, config.timeout.min(Duration::from_secs(10))).await?;
            Ok((config, None))
        }
    }
}

/// The executor's view of a run configuration.
pub fn exec_target(config: &RunConfig, quiet: Duration) -> Result<ExecTarget, StartError> {
    let bad = |m: String| StartError::BadArgs(m);
    let target = config
        .target
        .clone()
        .ok_or_else(|| bad("no target".into()))?;
    let domain = config.domain().unwrap_or(&target.host).to_owned();
    let trust = TlsTrust {
        insecure: config.insecure_tls,
        ca: config.ca.clone(),
    };
    let endpoint =
        exec::endpoint(&target.host, target.port, target.tls, &domain, &trust).map_err(bad)?;
    let http = match &config.http {
        Some(h) => Some((h.parse().map_err(bad)?, trust.clone())),
        None => None,
    };
    let minter = match (&config.invite_hook, &config.invite_cmd) {
        (Some(h), _) => Some(Minter::Hook(h.clone())),
        (None, Some(c)) => Some(Minter::Command(c.clone())),
        (None, None) => None,
    };
    Ok(ExecTarget {
        endpoint,
        reply_timeout: config.reply_timeout,
        quiet,
        account: config.accounts.first().map(|a| {
            (
                gatecheck_client::login::username_of(&a.jid).to_owned(),
                a.password.clone(),
            )
        }),
        http,
        minter,
    })
}

/// The grammar for a configuration.
pub fn grammar(config: &RunConfig, target: &ExecTarget, no_tls: bool) -> generate::Grammar {
    generate::Grammar {
        tls: !no_tls,
        direct_tls: target.endpoint.tls == gatecheck_client::TlsMode::Direct,
        // `--no-tls` means no TLS at all: an https:// OAuth2 base is left out too.
        http: config
            .http
            .as_deref()
            .is_some_and(|h| !no_tls || h.starts_with("http://")),
        invites: target.minter.is_some(),
    }
}

/// Reads `--corpus DIR`: every regular file, in name order, that decodes into a script.
pub fn load_corpus(
    dir: &Path,
) -> Result<Vec<(String, gatecheck_proto::script::Script)>, StartError> {
    let err = |e: std::io::Error| StartError::BadArgs(format!("--corpus {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(err)?;
        if let Some(s) = gatecheck_proto::script::from_corpus_bytes(&bytes) {
            out.push((f.display().to_string(), s));
        }
    }
    Ok(out)
}

/// `gatecheck fuzz`: exit 0 without findings, 1 with, 2 when it cannot start.
pub async fn fuzz(args: FuzzArgs) -> Result<i32, StartError> {
    let opts = crate::embedded::FuzzServer {
        require_encryption: !args.no_tls,
        ..Default::default()
    };
    let jobs = args.common.jobs;
    let summary = fuzz_with(args, opts).await?;
    println!(
        "{} sessions in {:.1} s ({:.0}/s), {} refused, {} finding(s){}",
        summary.sessions,
        summary.elapsed.as_secs_f64(),
        summary.rate(),
        summary.refused,
        summary.findings.len(),
        if summary.final_concurrency < jobs {
            format!(", backed off to {} in flight", summary.final_concurrency)
        } else {
            String::new()
        }
    );
    let c = summary.counts;
    println!(
        "reached: {} TLS handshakes, {} logins accepted, {} refused, {} FAST tokens, {} registrations, {} HTTP responses",
        c.tls, c.auth_success, c.auth_failure, c.fast_tokens, c.registrations, c.http_responses
    );
    for f in &summary.findings {
        println!("finding written: {}", f.display());
    }
    Ok(if summary.findings.is_empty() { 0 } else { 1 })
}

/// The campaign of [`fuzz`] without the printing, with the embedded server's options given.
pub async fn fuzz_with(
    args: FuzzArgs,
    opts: crate::embedded::FuzzServer,
) -> Result<run::Summary, StartError> {
    let embedded = args.common.target.is_none();
    let (config, _server) = prepare_with(args.common, opts).await?;
    let target = exec_target(&config, Duration::from_millis(args.quiet_ms))?;
    let corpus = match &args.corpus {
        Some(d) => load_corpus(d)?,
        None => Vec::new(),
    };
    let probe = crate::capabilities::discover::ProbeTarget::of(&config)
        .ok_or_else(|| StartError::BadArgs("no target".into()))?;
    let plan = run::Plan {
        seed: config.seed,
        duration: args.duration,
        max_sessions: args.max_sessions,
        jobs: config.jobs,
        out: args.out.clone(),
        corpus,
        grammar: grammar(&config, &target, args.no_tls),
        target_label: if embedded {
            "embedded".into()
        } else {
            config.target_label()
        },
        probe,
        minimise_budget: args.minimise_budget,
    };
    eprintln!(
        "gatecheck fuzz: target {}, seed {}, {} in flight, up to {:?}{}",
        plan.target_label,
        plan.seed,
        plan.jobs,
        plan.duration,
        plan.max_sessions
            .map(|m| format!(" or {m} sessions"))
            .unwrap_or_default()
    );
    run::run(std::sync::Arc::new(target), plan)
        .await
        .map_err(|e| StartError::BadArgs(e.to_string()))
}
