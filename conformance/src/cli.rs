//! The command line: `list`, `requirements`, `run`, `fuzz`, `replay` and `vectors`, parsed with
//! clap; a run's options and start live in [`crate::start`].

use crate::baseline::Baseline;
use crate::case::{Case, Module};
use crate::catalog::{Catalog, Level};
use crate::config::RunConfig;
use crate::coverage::coverage;
use crate::event::Event;
use crate::report::{FileReport, terminal::Terminal};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::start::{RunArgs, StartError, prepare, probe};

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
            .mut_arg("seed", |a| {
                a.help(
                    "Run seed: the same seed generates the same sessions (random if not given; \
                     printed at the start and written into every finding)",
                )
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
