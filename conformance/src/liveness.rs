//! The liveness oracle (issue 9): after a negative case, and at the end of each module, a fresh
//! connection must get stream features within the reply timeout. A target that stopped serving
//! is a finding against the case that preceded the check, and the cases after it are not run
//! (a cascade of connection errors would bury the one finding that matters).

use crate::capabilities::discover::ProbeTarget;
use crate::catalog::Catalog;
use crate::kinds::Module;
use crate::outcome::{Outcome, fail};
use crate::transcript::Transcript;
use gatecheck_client::Connect;

/// The reason every report gives for a case after which the target stopped serving.
pub const STOPPED: &str = "target stopped serving after this case";

/// The requirement a "stopped serving" verdict cites: SASL2-126 (the server stays available
/// after bad input) for the SASL cases once the catalogue has it, else the case's own first
/// requirement.
pub fn stopped_requirement(module: Module, cited: &[String], catalog: &Catalog) -> Option<String> {
    const LIVENESS: &str = "SASL2-126";
    let sasl = matches!(module, Module::Sasl2 | Module::Sasl | Module::Scram);
    if sasl && catalog.get(LIVENESS).is_some() {
        return Some(LIVENESS.to_owned());
    }
    cited.first().cloned()
}

/// One check: a fresh connection (STARTTLS targets: the plaintext stream is enough) whose
/// `<stream:features/>` arrive within `probe.wait`. `Err` says what happened instead.
pub async fn check(
    probe: &ProbeTarget,
    transcript: &Transcript,
    label: &str,
) -> Result<(), String> {
    let wait = probe.wait;
    let attempt = async {
        let mut c = Connect::host(probe.target.host.clone(), probe.target.port)
            .domain(probe.domain.clone())
            .tls(probe.target.tls)
            .trust(probe.trust.clone())
            .wait(wait)
            .transcript(transcript.clone())
            .label(label)
            .connect()
            .await?;
        c.open_stream(None).await?;
        c.features_element().await?;
        let _ = c.close_stream().await;
        Ok::<_, gatecheck_client::ClientError>(())
    };
    match tokio::time::timeout(wait, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("a fresh connection got no stream features: {e}")),
        Err(_) => Err(format!(
            "a fresh connection got no stream features within {} s",
            wait.as_secs_f64()
        )),
    }
}

/// The outcome of a case after which the check failed: a fail citing `req`, with the dedicated
/// reason, keeping what the case itself found as a note.
pub fn stopped_outcome(req: &str, what: &str, before: &Outcome) -> Outcome {
    let mut o = fail(
        req,
        "stream features on a fresh connection after the case",
        what,
    );
    let mut msg = STOPPED.to_owned();
    if let Some(m) = &before.message {
        msg.push_str(&format!(
            " (the case itself: {} — {m})",
            before.verdict.as_str()
        ));
    } else {
        msg.push_str(&format!(" (the case itself: {})", before.verdict.as_str()));
    }
    o.message = Some(msg);
    o
}
