//! `gatecheck replay FILE`: runs a finding's script against the target; exit 1 when the finding
//! reproduces (same oracle and signature), 0 when it does not.

use super::finding::Finding;
use super::{ReplayArgs, exec_target, prepare};
use crate::start::StartError;
use std::time::Duration;

/// Replays `finding` against the target described by `target`; whether it reproduced.
pub async fn replay_finding(target: &super::exec::ExecTarget, finding: &Finding) -> bool {
    super::run::reproduces(target, &finding.script, finding.oracle, &finding.signature)
        .await
        .0
}

/// `gatecheck replay`.
pub async fn replay(args: ReplayArgs) -> Result<i32, StartError> {
    let finding = Finding::read(&args.file).map_err(|e| StartError::BadArgs(e.to_string()))?;
    let (config, _server) = prepare(args.common, args.no_tls).await?;
    let target = exec_target(&config, Duration::from_millis(super::DEFAULT_QUIET_MS))?;
    let again = replay_finding(&target, &finding).await;
    println!(
        "{} ({}): {}",
        finding.oracle.as_str(),
        finding.signature,
        if again {
            "reproduced"
        } else {
            "not reproduced"
        }
    );
    Ok(if again { 1 } else { 0 })
}
