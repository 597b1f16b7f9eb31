//! Writes fuzz seed scripts from a suite report:
//! `cargo run -p gatecheck --locked -- run --report json=report.json`, then
//! `cargo run -p gatecheck-server --example seeds_from_report --features fuzzing -- report.json
//! fuzz/seeds/c2s_session [DOMAIN]` (DOMAIN: the suite target's, default `localhost`, the embedded
//! server's). One JSON script per case and connection (see
//! `gatecheck_server::fuzzing::transcript`); `cargo fuzz cmin` keeps the useful ones.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(report), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: seeds_from_report REPORT.json OUT_DIR [DOMAIN]".into());
    };
    let domain = args.next().unwrap_or_else(|| "localhost".into());
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(report)?)?;
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let scripts = gatecheck_server::fuzzing::transcript::scripts_from_report(&report, &domain);
    for (name, script) in &scripts {
        let path = out.join(format!("suite-{name}.json"));
        std::fs::write(path, serde_json::to_vec_pretty(script)?)?;
    }
    println!("{} scripts written to {}", scripts.len(), out.display());
    Ok(())
}
