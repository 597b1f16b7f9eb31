//! The `gatecheck` binary.

use gatecheck::cli::{self, Cli, Command, EXIT_CANNOT_START};

fn main() {
    let code = match real_main() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gatecheck: {e:#}");
            EXIT_CANNOT_START
        }
    };
    std::process::exit(code);
}

fn real_main() -> anyhow::Result<i32> {
    let cases = gatecheck::cases::all();
    let cli: Cli = cli::parse(&cases).unwrap_or_else(|e| {
        let code = if e.use_stderr() { EXIT_CANNOT_START } else { 0 };
        let _ = e.print();
        std::process::exit(code);
    });
    match cli.command {
        Command::List {
            module,
            level,
            format,
        } => {
            print!(
                "{}",
                cli::list(&cases, module.as_deref(), level, format).map_err(anyhow::Error::msg)?
            );
            Ok(0)
        }
        Command::Requirements { module, format } => {
            print!(
                "{}",
                cli::requirements(&cases, module.as_deref(), format).map_err(anyhow::Error::msg)?
            );
            Ok(0)
        }
        Command::Vectors { check } => Ok(cli::vectors(check.as_deref())?),
        Command::Fuzz(args) => {
            let rt = tokio::runtime::Runtime::new()?;
            Ok(rt.block_on(gatecheck::fuzz::fuzz(*args))?)
        }
        Command::Replay(args) => {
            let rt = tokio::runtime::Runtime::new()?;
            Ok(rt.block_on(gatecheck::fuzz::replay::replay(*args))?)
        }
        Command::Run(args) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let (config, baseline, _embedded) = cli::prepare(*args, &cases).await?;
                Ok(cli::execute(&cases, config, baseline).await)
            })
        }
    }
}
