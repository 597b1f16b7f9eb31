//! Runs the selected cases and emits the event stream: capability discovery first, then the
//! cases module by module — ordinary cases with bounded parallelism, negative cases one at a
//! time each followed by the liveness oracle, and the oracle again at the end of each module.
//! Once the target stops serving, every case not yet run is `not-run`.

use crate::baseline::{Baseline, Known};
use crate::capabilities::Capabilities;
use crate::capabilities::discover::{ProbeTarget, discover};
use crate::case::Case;
use crate::catalog::Catalog;
use crate::config::RunConfig;
use crate::ctx::CaseCtx;
use crate::event::{CaseResult, Event, NotSelected, RunMeta, RunSummary};
use crate::kinds::Module;
use crate::liveness;
use crate::outcome::{self, Outcome};
use crate::plan::{Planned, plan};
use crate::select::Selection;
use crate::status::resolve;
use crate::timefmt::rfc3339;
use crate::transcript::Transcript;
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use tokio::sync::{Semaphore, mpsc};

pub use crate::plan::missing_capability;

/// An advisory finding cites an RFC/XEP section, not a catalogue id: it must be one of the
/// sections the case's registration cites (so a typo cannot produce a finding), else `error`.
pub fn normalise_advisory(outcome: Outcome, cites: &[String]) -> Outcome {
    use crate::outcome::Verdict;
    match &outcome.requirement {
        Some(req)
            if matches!(outcome.verdict, Verdict::Fail | Verdict::Warn)
                && !cites.iter().any(|c| c == req) =>
        {
            outcome::error(format!(
                "case reported a finding under {req}, which its registration does not cite"
            ))
        }
        _ => outcome,
    }
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

/// Run one case body under the per-case timeout, catching panics.
async fn run_body(
    case: &Case,
    ctx: CaseCtx,
    transcript: &Transcript,
    config: &RunConfig,
) -> Outcome {
    // The advisory security cases pace themselves (trickled bytes, keepalives, many attempts)
    // and bound their own time; they get their deadline plus two minutes at least.
    let timeout = if case.module.is_advisory() {
        config
            .timeout
            .max(config.security_deadline + std::time::Duration::from_secs(120))
    } else {
        config.timeout
    };
    let mut handle = tokio::spawn((case.body)(ctx));
    match tokio::time::timeout(timeout, &mut handle).await {
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
    }
}

/// Redact registered secrets out of the outcome's texts (the transcript redacts itself).
fn redact(mut outcome: Outcome, transcript: &Transcript) -> Outcome {
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
    outcome
}

/// Run one case (no variant, no discovery): its outcome and transcript. For tests and tools
/// that drive a single case; [`run`] is the engine.
pub async fn run_case(case: &Case, config: Arc<RunConfig>) -> (Outcome, Transcript) {
    let caps = Arc::new(Capabilities::default());
    let planned = plan(std::slice::from_ref(case), &caps, &config);
    let transcript = Transcript::new();
    let Some(p) = planned.into_iter().next() else {
        return (outcome::error("case has no variant"), transcript);
    };
    let shared = Shared { config, caps };
    let (o, t, _, _) = shared.execute(&p).await;
    (o, t)
}

/// What every case of a run shares.
#[derive(Clone)]
struct Shared {
    config: Arc<RunConfig>,
    caps: Arc<Capabilities>,
}

impl Shared {
    /// Run one planned variant: its outcome (normalised and redacted), transcript, wall-clock
    /// start and duration.
    async fn execute(&self, p: &Planned) -> (Outcome, Transcript, String, u64) {
        let wall = rfc3339(SystemTime::now());
        let t0 = Instant::now();
        let transcript = Transcript::new();
        let outcome = match &p.decided {
            Some(o) => o.clone(),
            None => {
                let mut variant = p.variant;
                variant.tls = p.pinned;
                let ctx = CaseCtx::new(self.config.clone(), &p.id, transcript.clone())
                    .with_variant(variant, self.caps.clone());
                run_body(&p.case, ctx, &transcript, &self.config).await
            }
        };
        let mut outcome = if p.case.module.is_advisory() {
            normalise_advisory(outcome, &p.case.requirements)
        } else {
            normalise(outcome, Catalog::global())
        };
        if self.config.redact {
            outcome = redact(outcome, &transcript);
        }
        let ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
        (outcome, transcript, wall, ms)
    }

    /// The record of a finished variant.
    fn result(
        &self,
        p: &Planned,
        outcome: Outcome,
        transcript: &Transcript,
        started: String,
        duration_ms: u64,
        known: Option<Known>,
    ) -> CaseResult {
        let status = resolve(outcome.verdict, self.config.strict, known.is_some());
        CaseResult {
            id: p.id.clone(),
            base_id: p.case.id.clone(),
            profile: p.variant.profile,
            tls: p.variant.tls.map(|v| v.label().to_owned()),
            module: p.case.module,
            advisory: p.case.module.is_advisory(),
            title: p.case.title.clone(),
            level: p.case.level_in(Catalog::global()),
            requirements: p.case.requirements.clone(),
            requires: p.case.requires.clone(),
            accepts: p.case.accepts.clone(),
            outcome,
            status,
            baseline: known,
            seed: crate::ctx::case_seed(self.config.seed, &p.id),
            started,
            duration_ms,
            transcript: transcript.render(self.config.redact),
        }
    }
}

/// The baseline entry for a result id: the variant's own entry, else its profile's, else its
/// case's.
fn known_for(baseline: Option<&Baseline>, id: &str) -> Option<Known> {
    baseline?.lookup(id).cloned()
}

/// Emits events and collects results.
struct Emitter<'a> {
    sink: &'a mut (dyn FnMut(&Event) + Send),
    results: Vec<CaseResult>,
}

impl Emitter<'_> {
    fn emit(&mut self, ev: Event) {
        if let Event::CaseFinished(r) = &ev {
            self.results.push((**r).clone());
        }
        (self.sink)(&ev);
    }

    /// Record a run that did not happen because the target stopped serving. A run decided
    /// before it would start (unsupported, skip) keeps that verdict: it never needed the target.
    fn not_run(&mut self, shared: &Shared, p: &Planned, why: &str, baseline: Option<&Baseline>) {
        let outcome = p.decided.clone().unwrap_or_else(|| outcome::not_run(why));
        let r = shared.result(
            p,
            outcome,
            &Transcript::new(),
            rfc3339(SystemTime::now()),
            0,
            known_for(baseline, &p.id),
        );
        self.emit(Event::CaseFinished(Box::new(r)));
    }
}

/// Run `items` with at most `config.jobs` at a time, emitting each case's events as they come.
async fn run_parallel(
    items: Vec<Planned>,
    shared: &Shared,
    baseline: Option<&Baseline>,
    out: &mut Emitter<'_>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let sem = Arc::new(Semaphore::new(shared.config.jobs.max(1)));
    let mut set = tokio::task::JoinSet::new();
    for p in items {
        let (tx, sem, shared) = (tx.clone(), sem.clone(), shared.clone());
        let known = known_for(baseline, &p.id);
        set.spawn(async move {
            let Ok(_permit) = sem.acquire_owned().await else {
                return;
            };
            let _ = tx.send(Event::CaseStarted { id: p.id.clone() });
            let (o, t, wall, ms) = shared.execute(&p).await;
            let r = shared.result(&p, o, &t, wall, ms, known);
            let _ = tx.send(Event::CaseFinished(Box::new(r)));
        });
    }
    drop(tx);
    while let Some(ev) = rx.recv().await {
        out.emit(ev);
    }
    while set.join_next().await.is_some() {}
}

/// Run one negative case, then the liveness oracle on a fresh connection (recorded in the
/// case's transcript). `Some(why)` when the target stopped serving after it.
async fn run_negative(
    p: &Planned,
    shared: &Shared,
    probe: Option<&ProbeTarget>,
    baseline: Option<&Baseline>,
    out: &mut Emitter<'_>,
) -> Option<String> {
    out.emit(Event::CaseStarted { id: p.id.clone() });
    let (mut o, t, wall, ms) = shared.execute(p).await;
    let mut stopped = None;
    if let Some(probe) = probe {
        t.step("liveness check");
        if let Err(what) = liveness::check(probe, &t, "liveness").await {
            t.note(&format!("{}: {what}", liveness::STOPPED));
            let cited = liveness::stopped_requirement(
                p.case.module,
                &p.case.requirements,
                Catalog::global(),
            );
            o = match cited {
                Some(req) => normalise(
                    liveness::stopped_outcome(&req, &what, &o),
                    Catalog::global(),
                ),
                None => outcome::error(format!("{}: {what}", liveness::STOPPED)),
            };
            stopped = Some(format!("target stopped serving after {}", p.id));
        }
    }
    let r = shared.result(p, o, &t, wall, ms, known_for(baseline, &p.id));
    out.emit(Event::CaseFinished(Box::new(r)));
    stopped
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
    // The advisory security group is opt-in: without `--security` or an `--only` pattern naming
    // it, its cases are not part of the run at all (not even "not selected").
    let security = crate::select::security_selected(config.security, &config.only, cases);
    let universe: Vec<Case> = cases
        .iter()
        .filter(|c| security || !c.module.is_advisory())
        .cloned()
        .collect();
    let cases = universe.as_slice();
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
    let probe = ProbeTarget::of(&config);
    let discovery = Transcript::new();
    let caps = match &probe {
        // Nothing to run and nothing required: do not make the target wait for a probe.
        Some(p) if !selected.is_empty() || !config.require.is_empty() => {
            discover(p, &config.tls.versions(), &discovery).await
        }
        _ => Capabilities::default(),
    };
    let caps = Arc::new(caps);
    let planned = plan(&selected, &caps, &config);
    let selected_versions = config.tls.versions();
    sink(&Event::RunStarted(RunMeta {
        suite_version: env!("CARGO_PKG_VERSION").to_owned(),
        target: config.target_label(),
        domain: config.domain().map(str::to_owned),
        seed: config.seed,
        strict: config.strict,
        redacted: config.redact,
        spec_revisions: catalog.revisions().into_iter().collect(),
        started: rfc3339(SystemTime::now()),
        selected: planned.len(),
        not_selected,
        reply_timeout_ms: u64::try_from(config.reply_timeout.as_millis()).unwrap_or(u64::MAX),
        fast_ttl_s: config.fast_ttl.map(|d| d.as_secs()),
        fast_min_ttl_s: config.fast_min_ttl.map(|d| d.as_secs()),
        passwd_cmd: config.passwd_cmd.is_some() || config.passwd_hook.is_some(),
        tls: config.tls.as_str().to_owned(),
        tls_versions: caps
            .versions()
            .into_iter()
            .filter(|v| selected_versions.contains(v))
            .map(|v| v.label().to_owned())
            .collect(),
        required: config
            .require
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        modules: crate::case::modules_with_cases(cases),
        capabilities: caps.clone(),
        discovery: discovery.render(config.redact),
    }));

    let shared = Shared {
        config: config.clone(),
        caps: caps.clone(),
    };
    let mut out = Emitter {
        sink,
        results: Vec::new(),
    };
    let mut stopped: Option<String> = None;
    for module in Module::ALL {
        let group: Vec<Planned> = planned
            .iter()
            .filter(|p| p.case.module == module)
            .cloned()
            .collect();
        if group.is_empty() {
            continue;
        }
        let (negative, ordinary): (Vec<Planned>, Vec<Planned>) = group
            .into_iter()
            .partition(|p| p.case.negative && p.decided.is_none());
        let ran = ordinary.iter().any(|p| p.decided.is_none()) || !negative.is_empty();
        if let Some(why) = &stopped {
            for p in ordinary.iter().chain(&negative) {
                out.not_run(&shared, p, why, baseline);
            }
            continue;
        }
        run_parallel(ordinary, &shared, baseline, &mut out).await;
        for p in &negative {
            match &stopped {
                Some(why) => out.not_run(&shared, p, why, baseline),
                None => {
                    stopped = run_negative(p, &shared, probe.as_ref(), baseline, &mut out).await
                }
            }
        }
        if stopped.is_none()
            && ran
            && let Some(probe) = &probe
            && let Err(what) = liveness::check(probe, &Transcript::new(), "liveness").await
        {
            stopped = Some(format!(
                "target stopped serving during the {module} cases ({what})"
            ));
        }
    }
    let results = out.results;
    let required_missing: Vec<String> = config
        .require
        .iter()
        .filter(|m| !caps.module_offered(**m))
        .map(|m| m.as_str().to_owned())
        .collect();
    let summary = RunSummary::from_results(
        &results,
        rfc3339(SystemTime::now()),
        u64::try_from(started_at.elapsed().as_millis()).unwrap_or(u64::MAX),
    )
    .with_facts(
        &results,
        stopped,
        !config.require.is_empty(),
        required_missing,
    )
    .with_strict_security(config.strict_security);
    (out.sink)(&Event::RunFinished(summary.clone()));
    summary
}
