//! Command-line interface (clap derive). Flags override the config file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use gatecheck_server::config::Overrides;

/// gatecheck's reference XMPP server.
#[derive(Debug, Parser)]
#[command(name = "gatecheck-server", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands, mirroring prosodyctl where one exists.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server; prints one JSON line with the bound addresses once listening.
    Serve(ServeArgs),
    /// Manage accounts.
    User {
        /// add, passwd or del.
        #[command(subcommand)]
        action: UserAction,
    },
    /// List the deliberately broken builds `serve --break` offers (break-builds feature only).
    #[cfg(feature = "break-builds")]
    Breaks {
        /// One JSON array of {name, requirement, level, description}.
        #[arg(long)]
        json: bool,
    },
}

/// Options shared by every command that reads the config.
#[derive(Debug, Args)]
pub struct Common {
    /// TOML config file (Prosody option names).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory holding the SQLite database.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// XMPP domain.
    #[arg(long)]
    pub domain: Option<String>,
    /// Deliberately injected bugs, NAME[,NAME] (see `breaks`); `user add` honours the ones that
    /// need a special account (low SCRAM iterations).
    #[cfg(feature = "break-builds")]
    #[arg(long = "break", value_name = "NAME[,NAME]", value_parser = gatecheck_server::breaks::BreakSet::parse)]
    pub breaks: Option<gatecheck_server::breaks::BreakSet>,
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: Common,
    /// STARTTLS c2s listen address (port 0 = any free port).
    #[arg(long, value_name = "ADDR")]
    pub c2s: Option<SocketAddr>,
    /// Direct-TLS c2s listen address.
    #[arg(long = "c2s-tls", value_name = "ADDR")]
    pub c2s_tls: Option<SocketAddr>,
    /// HTTPS listen address of the OAuth2 endpoints (TLS with the c2s certificate); unset: none.
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// PEM certificate chain (with --key); default: generate a self-signed one.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// PEM private key (with --cert).
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create an account.
    Add(UserArgs),
    /// Change an account's password.
    Passwd(UserArgs),
    /// Delete an account with its roster.
    Del {
        /// `user` or `user@domain`.
        jid: String,
        #[command(flatten)]
        common: Common,
    },
}

/// Account and password arguments.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// `user` or `user@domain`.
    pub jid: String,
    /// The password; read from stdin (one line) when omitted, which keeps it out of `ps` and history.
    #[arg(long)]
    pub password: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

impl Common {
    /// Overrides for the fields every command has.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            domain: self.domain.clone(),
            data_dir: self.data.clone(),
            ..Overrides::default()
        }
    }
}

impl ServeArgs {
    /// Overrides including the listener and certificate flags.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            c2s_address: self.c2s,
            c2s_tls_address: self.c2s_tls,
            http_address: self.http,
            certificate: self.cert.clone(),
            key: self.key.clone(),
            ..self.common.overrides()
        }
    }
}
