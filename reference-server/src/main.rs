//! `gatecheck-server`: run the reference server or administer its accounts.

mod cli;

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::Parser;

use gatecheck_server::config::Config;
use gatecheck_server::store::{Account, SqliteStore, Store};
use gatecheck_server::{credentials, root};

use cli::{Cli, Command, Common, InviteAction, InviteArgs, ServeArgs, UserAction, UserArgs};

/// How long `serve` waits for sessions to say goodbye after SIGTERM / Ctrl-C.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args),
        Command::User { action } => user(action),
        Command::Invite {
            action: InviteAction::Create(args),
        } => invite_create(args),
        #[cfg(feature = "break-builds")]
        Command::Breaks { json } => {
            list_breaks(json);
            Ok(())
        }
    }
}

#[cfg(feature = "break-builds")]
fn list_breaks(json: bool) {
    use gatecheck_server::breaks::Break;
    let rows = Break::ALL.iter().map(|b| b.info());
    if json {
        let v: Vec<_> = rows
            .map(|i| {
                serde_json::json!({
                    "name": i.name,
                    "requirement": i.requirement,
                    "level": i.level.as_str(),
                    "description": i.description,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(v));
    } else {
        for i in rows {
            println!(
                "{:<45} {:<10} {:<5} {}",
                i.name,
                i.requirement,
                i.level.as_str(),
                i.description
            );
        }
    }
}

/// The `--break` set of a command line (always empty without the feature).
fn breaks(common: &Common) -> gatecheck_server::breaks::BreakSet {
    #[cfg(feature = "break-builds")]
    if let Some(b) = common.breaks {
        return b;
    }
    let _ = common;
    gatecheck_server::breaks::BreakSet::NONE
}

fn load_config(common: &Common, overrides: gatecheck_server::Overrides) -> anyhow::Result<Config> {
    let base = match &common.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    Ok(base.apply(overrides)?)
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = load_config(&args.common, args.overrides())?;
    config.breaks = breaks(&args.common);
    if !config.breaks.is_empty() {
        tracing::warn!("deliberately broken build: {:?}", config.breaks);
    }
    // Open the store now so a bad data directory fails at start, not at first login.
    let store = SqliteStore::open(&config.database_path())
        .with_context(|| format!("opening {}", config.database_path().display()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.c2s_blocking_threads)
        .build()?;
    rt.block_on(async {
        let running = root::start(&config, Arc::new(store)).await?;
        let line = serde_json::json!({
            "domain": config.domain,
            "c2s": running.c2s_addr.to_string(),
            "c2s_tls": running.c2s_tls_addr.to_string(),
            // The OAuth2 HTTPS listener (null without --http) and its issuer / base URL.
            "http": running.http_addr.map(|a| a.to_string()),
            "oauth2_issuer": running.oauth2_issuer,
        });
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
        drop(out);
        wait_for_signal().await?;
        tracing::info!("shutting down");
        if !running.shutdown(SHUTDOWN_GRACE).await {
            tracing::warn!("some connections did not finish within the grace period");
        }
        anyhow::Ok(())
    })
}

async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// Splits `user` or `user@domain` and checks the domain. A light localpart check (RFC 7622 §3.3.1
/// prohibited characters, lowercase) stands in until proto's JID/nodeprep is wired in.
fn username(jid: &str, domain: &str) -> anyhow::Result<String> {
    let (local, dom) = match jid.split_once('@') {
        Some((l, d)) => (l, Some(d)),
        None => (jid, None),
    };
    if let Some(d) = dom
        && !d.eq_ignore_ascii_case(domain)
    {
        bail!("{jid} is not on this server's domain {domain}");
    }
    if local.is_empty()
        || local.len() > 1023
        || local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"&'/:<>@".contains(c))
    {
        bail!("invalid username {local:?}");
    }
    Ok(local.to_lowercase())
}

fn password(given: Option<String>) -> anyhow::Result<String> {
    let pw = match given {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    if pw.is_empty() {
        bail!("empty password");
    }
    Ok(pw)
}

fn open_store(config: &Config) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(&config.database_path())
        .with_context(|| format!("opening {}", config.database_path().display()))
}

fn user(action: UserAction) -> anyhow::Result<()> {
    match action {
        UserAction::Add(a) => add_or_passwd(a, true),
        UserAction::Passwd(a) => add_or_passwd(a, false),
        UserAction::Del { jid, common } => {
            let config = load_config(&common, common.overrides())?;
            let name = username(&jid, &config.domain)?;
            if !open_store(&config)?.delete_account(&name)? {
                bail!("no such account: {name}@{}", config.domain);
            }
            eprintln!("deleted {name}@{}", config.domain);
            Ok(())
        }
    }
}

/// `invite create`: mints through the same function the ad-hoc commands and the suite's embedded
/// runner use, into the same database (works while `serve` runs: WAL).
fn invite_create(args: InviteArgs) -> anyhow::Result<()> {
    use gatecheck_server::invites::{InviteFor, InviteRequest, InviteSettings, create_invite};
    let mut config = load_config(&args.common, args.common.overrides())?;
    config.breaks = breaks(&args.common);
    let what = match (args.contact_of, args.reset) {
        // The CLI is an admin tool: its contact invitations always allow registration.
        (Some(inviter), _) => InviteFor::Contact { inviter, ibr: true },
        (None, Some(account)) => InviteFor::Reset { account },
        (None, None) => InviteFor::Account {
            username: args.username,
            subscribe_to: None,
        },
    };
    let store = open_store(&config)?;
    let minted = create_invite(
        &store,
        &gatecheck_server::Env::system(),
        &InviteSettings::from_config(&config),
        &InviteRequest {
            what,
            creator: None,
            ttl: args.ttl,
        },
    )?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", minted.uri)?;
    out.flush()?;
    eprintln!("expires {}", minted.expire());
    Ok(())
}

fn add_or_passwd(args: UserArgs, create: bool) -> anyhow::Result<()> {
    let config = load_config(&args.common, args.common.overrides())?;
    let name = username(&args.jid, &config.domain)?;
    let pw = password(args.password)?;
    let iterations = if breaks(&args.common).has(gatecheck_server::breaks::Break::R107LowIterations)
    {
        // SASL2-107's broken build needs an account below RFC 7677's 4096.
        1024
    } else {
        config.scram_iteration_count
    };
    let creds = credentials::derive_all(&pw, iterations)?;
    let store = open_store(&config)?;
    if create {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        store.create_account(&Account {
            username: name.clone(),
            created_at: now,
            credentials: creds,
        })?;
        eprintln!("created {name}@{}", config.domain);
    } else {
        store.set_credentials(&name, &creds)?;
        // The server would refuse them anyway (their credential tag no longer matches), but a
        // password change is when a user expects every other login to end: delete them now.
        let revoked = if breaks(&args.common)
            .has(gatecheck_server::breaks::Break::Fast20PasswordChangeIgnored)
        {
            0
        } else {
            store.fast_revoke_account(&name)?
        };
        // OAuth2 grants end with the password too (as Prosody's token grants do).
        let oauth2 = store.oauth2_revoke_account(&name)?;
        eprintln!(
            "changed password of {name}@{} ({revoked} FAST tokens revoked, {oauth2} OAuth2 tokens revoked)",
            config.domain
        );
    }
    Ok(())
}
