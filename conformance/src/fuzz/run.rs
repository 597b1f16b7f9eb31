//! The run loop: `--jobs` workers take session indices in order, generate (or take from the
//! corpus) and execute each script, and hand new (oracle, signature) pairs to the minimiser. A
//! liveness check runs every second. Bounded by `--duration` and `--max-sessions`; polite: the
//! number of sessions in flight halves when connections are refused or the liveness probe slows, and grows
//! back by one after a run of healthy sessions.

use super::exec::{self, ExecTarget};
use super::finding::{Finding, FindingError, observed};
use super::generate::{self, Grammar};
use super::minimise::minimise;
use super::oracle::{Oracle, Violation};
use crate::capabilities::discover::ProbeTarget;
use gatecheck_client::Transcript;
use gatecheck_proto::script::Script;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest minimisation of one finding (the candidates left untried keep the script larger).
pub const MINIMISE_TIME: Duration = Duration::from_secs(60);

/// A liveness probe slower than this (and four times the fastest) means back off.
pub const SLOW_PROBE: Duration = Duration::from_millis(50);

/// How a run is bounded and where its results go.
#[derive(Clone)]
pub struct Plan {
    pub seed: u64,
    pub duration: Duration,
    pub max_sessions: Option<u64>,
    pub jobs: usize,
    pub out: PathBuf,
    /// Scripts from `--corpus`, run first (file name, script).
    pub corpus: Vec<(String, Script)>,
    pub grammar: Grammar,
    /// How the target is named in findings.
    pub target_label: String,
    /// The liveness probe.
    pub probe: ProbeTarget,
    /// Attempts the minimiser may make per finding.
    pub minimise_budget: usize,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    pub sessions: u64,
    pub elapsed: Duration,
    pub refused: u64,
    pub findings: Vec<PathBuf>,
    /// Sessions in flight when the run ended (after back-off).
    pub final_concurrency: usize,
    /// Milestones the sessions reached.
    pub counts: exec::Counts,
}

impl Summary {
    /// Sessions per second.
    pub fn rate(&self) -> f64 {
        self.sessions as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

struct Raw {
    violation: Violation,
    script: Script,
    session: Option<u64>,
    corpus_file: Option<String>,
}

struct Shared {
    next: AtomicU64,
    done: AtomicU64,
    refused: AtomicU64,
    limit: AtomicUsize,
    stop: AtomicBool,
    seen: Mutex<HashSet<(Oracle, String)>>,
    raw: Mutex<Vec<Raw>>,
    /// The script each worker ran last (the suspects when the target stops).
    last: Mutex<Vec<Option<(u64, Script)>>>,
    counts: Mutex<exec::Counts>,
    /// The last liveness probe took far longer than the fastest one: the target is struggling.
    slow: AtomicBool,
}

/// Runs the campaign; errors only when a finding cannot be written.
pub async fn run(target: Arc<ExecTarget>, plan: Plan) -> Result<Summary, FindingError> {
    let start = Instant::now();
    let deadline = start + plan.duration;
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        done: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        limit: AtomicUsize::new(plan.jobs),
        stop: AtomicBool::new(false),
        seen: Mutex::new(HashSet::new()),
        raw: Mutex::new(Vec::new()),
        last: Mutex::new(vec![None; plan.jobs]),
        counts: Mutex::new(exec::Counts::default()),
        slow: AtomicBool::new(false),
    });
    let plan = Arc::new(plan);
    let mut workers = Vec::new();
    for w in 0..plan.jobs {
        let (t, p, s) = (target.clone(), plan.clone(), shared.clone());
        workers.push(tokio::spawn(
            async move { worker(w, t, p, s, deadline).await },
        ));
    }
    let live = {
        let (p, s) = (plan.clone(), shared.clone());
        tokio::spawn(async move { liveness(p, s, deadline).await })
    };
    for w in workers {
        let _ = w.await;
    }
    shared.stop.store(true, Ordering::SeqCst);
    let _ = live.await;
    let elapsed = start.elapsed();
    let raw = std::mem::take(&mut *shared.raw.lock().unwrap_or_else(|e| e.into_inner()));
    let mut summary = Summary {
        sessions: shared.done.load(Ordering::SeqCst),
        elapsed,
        refused: shared.refused.load(Ordering::SeqCst),
        findings: Vec::new(),
        final_concurrency: shared.limit.load(Ordering::SeqCst),
        counts: *shared.counts.lock().unwrap_or_else(|e| e.into_inner()),
    };
    for r in raw {
        let finding = settle(&target, &plan, r).await;
        summary.findings.push(finding.write(&plan.out)?);
    }
    Ok(summary)
}

async fn worker(
    w: usize,
    target: Arc<ExecTarget>,
    plan: Arc<Plan>,
    s: Arc<Shared>,
    deadline: Instant,
) {
    let mut healthy = 0u32;
    let mut backoff = Duration::from_millis(50);
    loop {
        if s.stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
            return;
        }
        if w >= s.limit.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let index = s.next.fetch_add(1, Ordering::SeqCst);
        if plan.max_sessions.is_some_and(|m| index >= m) {
            return;
        }
        let corpus = plan.corpus.len() as u64;
        let (script, session, corpus_file) = match plan.corpus.get(index as usize) {
            Some((name, script)) => (script.clone(), None, Some(name.clone())),
            None => {
                let i = index - corpus;
                (generate::script(&plan.grammar, plan.seed, i), Some(i), None)
            }
        };
        if let Some(slot) = s.last.lock().unwrap_or_else(|e| e.into_inner()).get_mut(w) {
            *slot = Some((index, script.clone()));
        }
        // A session still running at the deadline is cut off and not counted.
        let Ok(report) = tokio::time::timeout_at(
            deadline.into(),
            exec::run(&target, &script, Transcript::new()),
        )
        .await
        else {
            return;
        };
        s.done.fetch_add(1, Ordering::Relaxed);
        s.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(&report.counts);
        if report.refused {
            s.refused.fetch_add(1, Ordering::Relaxed);
            let halved = (s.limit.load(Ordering::Relaxed) / 2).max(1);
            s.limit.store(halved, Ordering::Relaxed);
            healthy = 0;
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
            continue;
        }
        backoff = Duration::from_millis(50);
        healthy += 1;
        if healthy >= 64 && !s.slow.load(Ordering::Relaxed) {
            healthy = 0;
            let l = s.limit.load(Ordering::Relaxed);
            s.limit.store((l + 1).min(plan.jobs), Ordering::Relaxed);
        }
        for v in report.violations {
            record(&s, v, &script, session, corpus_file.clone());
        }
    }
}

fn record(
    s: &Shared,
    v: Violation,
    script: &Script,
    session: Option<u64>,
    corpus_file: Option<String>,
) {
    let new = s
        .seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((v.oracle, v.signature.clone()));
    if new {
        eprintln!(
            "gatecheck fuzz: finding {} ({}): {}",
            v.oracle.as_str(),
            v.signature,
            v.detail
        );
        s.raw.lock().unwrap_or_else(|e| e.into_inner()).push(Raw {
            violation: v,
            script: script.clone(),
            session,
            corpus_file,
        });
    }
}

/// Every second: a fresh connection must get stream features. When it does not (twice in a
/// row), the run stops and the scripts in flight become the finding.
async fn liveness(plan: Arc<Plan>, s: Arc<Shared>, deadline: Instant) {
    let mut misses = 0;
    let mut fastest = Duration::MAX;
    while !s.stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let t = Transcript::new();
        let began = Instant::now();
        match crate::liveness::check(&plan.probe, &t, "liveness").await {
            Ok(()) => {
                misses = 0;
                // Latency of a fresh stream is the target's own health, whatever the sessions
                // do (minting an invitation may take seconds): four times the fastest seen,
                // and at least 50 ms, halves the sessions in flight.
                let took = began.elapsed();
                fastest = fastest.min(took);
                let slow = took > fastest * 4 && took > SLOW_PROBE;
                s.slow.store(slow, Ordering::Relaxed);
                if slow {
                    let l = s.limit.load(Ordering::Relaxed);
                    s.limit.store((l / 2).max(1), Ordering::Relaxed);
                }
            }
            Err(what) => {
                misses += 1;
                if misses < 2 {
                    continue;
                }
                let last = s.last.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let mut steps = Vec::new();
                let mut session = None;
                for (index, script) in last.into_iter().flatten() {
                    session = session.or(Some(index));
                    steps.extend(script.steps);
                    steps.push(gatecheck_proto::script::Step::Disconnect);
                }
                record(
                    &s,
                    Violation::new(Oracle::Stopped, "stopped-serving", what),
                    &Script { steps },
                    session,
                    None,
                );
                s.stop.store(true, Ordering::SeqCst);
                return;
            }
        }
    }
}

/// Whether `script` reproduces `(oracle, signature)` (two attempts: timing can hide a finding).
pub async fn reproduces(
    target: &ExecTarget,
    script: &Script,
    oracle: Oracle,
    signature: &str,
) -> (bool, Transcript) {
    let mut last = Transcript::new();
    for _ in 0..2 {
        let t = Transcript::new();
        let report = exec::run(target, script, t.clone()).await;
        if report
            .violations
            .iter()
            .any(|v| v.oracle == oracle && v.signature == signature)
        {
            return (true, t);
        }
        last = t;
    }
    (false, last)
}

/// Minimises one raw finding against the target (not when the target stopped serving) and
/// builds the file.
async fn settle(target: &ExecTarget, plan: &Plan, r: Raw) -> Finding {
    let (oracle, signature) = (r.violation.oracle, r.violation.signature.clone());
    let steps_before = r.script.steps.len();
    let (script, minimised, transcript) = if oracle == Oracle::Stopped {
        (r.script.clone(), false, Transcript::new())
    } else {
        let (ok, _) = reproduces(target, &r.script, oracle, &signature).await;
        if ok {
            // Bounded in time too: a silence finding costs the reply timeout per attempt.
            let until = Instant::now() + MINIMISE_TIME;
            let small = minimise(&r.script, plan.minimise_budget, |s| {
                let sig = signature.clone();
                async move { Instant::now() < until && reproduces(target, &s, oracle, &sig).await.0 }
            })
            .await;
            let (_, t) = reproduces(target, &small, oracle, &signature).await;
            (small, true, t)
        } else {
            let t = Transcript::new();
            exec::run(target, &r.script, t.clone()).await;
            (r.script.clone(), false, t)
        }
    };
    Finding {
        format: super::finding::FORMAT,
        oracle,
        signature,
        detail: r.violation.detail,
        seed: plan.seed,
        session: r.session,
        corpus_file: r.corpus_file,
        target: plan.target_label.clone(),
        steps_after: script.steps.len(),
        script,
        original: r.script,
        minimised,
        steps_before,
        observed: observed(&transcript),
    }
}
