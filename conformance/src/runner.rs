//! Runs selected cases with a per-case timeout and bounded parallelism, and emits the event stream.

use crate::baseline::Baseline;
use crate::case::{Capability, Case};
use crate::catalog::Catalog;
use crate::config::RunConfig;
use crate::ctx::CaseCtx;
use crate::event::{CaseResult, Event, NotSelected, RunMeta, RunSummary};
use crate::outcome::{self, Outcome};
use crate::select::Selection;
use crate::status::resolve;
use crate::timefmt::rfc3339;
use crate::transcript::Transcript;
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use tokio::sync::{Semaphore, mpsc};

/// The capability a case needs that the configuration lacks, with the option that would supply it.
pub fn missing_capability(case: &Case, config: &RunConfig) -> Option<String> {
    case.needs.iter().find_map(|cap| {
        let have = match cap {
            // Both target schemes are TLS-protected, and so is the embedded server.
            Capability::Tls => true,
            Capability::Account => !config.accounts.is_empty(),
            Capability::SecondAccount => config.accounts.len() >= 2,
            Capability::InviteMinting => config.invite_cmd.is_some(),
            Capability::Admin => config.admin.is_some(),
            Capability::Http => config.http.is_some(),
        };
        let how = match cap {
            Capability::Tls => "a TLS-capable target",
            Capability::Account => "an account (--account JID:PASSWORD)",
            Capability::SecondAccount => "a second account (a second --account)",
            Capability::InviteMinting => "a way to mint invitations (--invite-cmd)",
            Capability::Admin => "administrator credentials (--admin)",
            Capability::Http => "an HTTP base URL (--http)",
        };
        (!have).then(|| format!("needs {how}"))
    })
}

/// Hold an outcome to the catalogue: a `fail` citing a SHOULD-level requirement becomes a `warn`
/// (principle: only a MUST violated is a failure), and a fail/warn citing an id the catalogue does not
/// know becomes an `error` so a typo in a case cannot produce a verdict against the target.
pub fn normalise(mut outcome: Outcome, catalog: &Catalog) -> Outcome {
    use crate::outcome::Verdict;
    if !matches!(outcome.verdict, Verdict::Fail | Verdict::Warn) {
        return outcome;
    }
    let Some(req) = outcome.requirement.clone() else {
        return outcome;
    };
    match catalog.get(&req) {
        None => outcome::error(format!(
            "case reported a violation of {req}, which is not in the requirement catalogue"
        )),
        Some(r) if outcome.verdict == Verdict::Fail && r.level.is_should() => {
            outcome.verdict = Verdict::Warn;
            let note = format!("{req} is {}: reported as a warning", r.level);
            outcome.message = Some(match outcome.message.take() {
                Some(m) => format!("{m}; {note}"),
                None => note,
            });
            outcome
        }
        Some(_) => outcome,
    }
}

/// Run one case: check capabilities, then the body under the timeout, catching panics.
pub async fn run_case(case: &Case, config: Arc<RunConfig>) -> (Outcome, Transcript) {
    let transcript = Transcript::new();
    if let Some(why) = missing_capability(case, &config) {
        return (outcome::skip(why), transcript);
    }
    let timeout = config.timeout;
    let config_redact = config.redact;
    let ctx = CaseCtx::new(config, &case.id, transcript.clone());
    let mut handle = tokio::spawn((case.body)(ctx));
    let outcome = match tokio::time::timeout(timeout, &mut handle).await {
        Ok(Ok(o)) => o,
        Ok(Err(join)) => {
            let why = if join.is_panic() {
                let p = join.into_panic();
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic".to_owned());
                format!("case body panicked: {msg}")
            } else {
                "case task was cancelled".to_owned()
            };
            outcome::error(why)
        }
        Err(_) => {
            handle.abort();
            let at = transcript.current_step().map_or_else(
                || "before the first step".to_owned(),
                |s| format!("at step '{s}'"),
            );
            transcript.note(&format!("timed out after {} ms", timeout.as_millis()));
            outcome::error(format!("timed out after {} ms {at}", timeout.as_millis()))
        }
    };
    let mut outcome = normalise(outcome, Catalog::global());
    if config_redact {
        for field in [
            &mut outcome.expected,
            &mut outcome.actual,
            &mut outcome.message,
        ]
        .into_iter()
        .flatten()
        {
            *field = transcript.redact(field);
        }
    }
    (outcome, transcript)
}

/// Run `cases` (the full registry; selection is applied here) and send every event to `sink`.
/// Returns the summary; its `exit_code` is the process exit code.
pub async fn run(
    cases: &[Case],
    config: Arc<RunConfig>,
    baseline: Option<&Baseline>,
    sink: &mut (dyn FnMut(&Event) + Send),
) -> RunSummary {
    let catalog = Catalog::global();
    let selection = Selection {
        only: config.only.clone(),
        skip: config.skip.clone(),
    };
    let mut selected = Vec::new();
    let mut not_selected = Vec::new();
    for c in cases {
        match selection.check(c) {
            Ok(()) => selected.push(c.clone()),
            Err(reason) => not_selected.push(NotSelected {
                id: c.id.clone(),
                reason,
            }),
        }
    }
    let started_at = Instant::now();
    sink(&Event::RunStarted(RunMeta {
        suite_version: env!("CARGO_PKG_VERSION").to_owned(),
        target: config.target_label(),
        domain: config.domain().map(str::to_owned),
        seed: config.seed,
        strict: config.strict,
        redacted: config.redact,
        spec_revisions: catalog.revisions().into_iter().collect(),
        started: rfc3339(SystemTime::now()),
        selected: selected.len(),
        not_selected,
    }));

    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let sem = Arc::new(Semaphore::new(config.jobs.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for case in selected {
        let tx = tx.clone();
        let sem = sem.clone();
        let config = config.clone();
        let known = baseline.and_then(|b| b.get(&case.id)).cloned();
        let level = case.level_in(catalog);
        set.spawn(async move {
            let Ok(_permit) = sem.acquire_owned().await else {
                return;
            };
            let _ = tx.send(Event::CaseStarted {
                id: case.id.clone(),
            });
            let wall = rfc3339(SystemTime::now());
            let t0 = Instant::now();
            let (outcome, transcript) = run_case(&case, config.clone()).await;
            let status = resolve(outcome.verdict, config.strict, known.is_some());
            let result = CaseResult {
                id: case.id.clone(),
                module: case.module,
                title: case.title.clone(),
                level,
                requirements: case.requirements.clone(),
                requires: case.requires.clone(),
                accepts: case.accepts.clone(),
                outcome,
                status,
                baseline: known,
                seed: crate::ctx::case_seed(config.seed, &case.id),
                started: wall,
                duration_ms: u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX),
                transcript: transcript.render(config.redact),
            };
            let _ = tx.send(Event::CaseFinished(Box::new(result)));
        });
    }
    drop(tx);
    let mut results = Vec::new();
    while let Some(ev) = rx.recv().await {
        if let Event::CaseFinished(r) = &ev {
            results.push((**r).clone());
        }
        sink(&ev);
    }
    while set.join_next().await.is_some() {}
    let summary = RunSummary::from_results(
        &results,
        rfc3339(SystemTime::now()),
        u64::try_from(started_at.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
    sink(&Event::RunFinished(summary.clone()));
    summary
}
