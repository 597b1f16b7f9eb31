//! The run-level facts every human-readable report leads with, worded once: a target that
//! stopped serving, `--require` not met, a run that exercised nothing, and the "not offered"
//! groups that stand for many `unsupported` cases in one line each (issue 15).

use crate::event::{CaseResult, RunRecord};
use crate::kinds::Offer;
use crate::plan::offer_not_offered;
use crate::status::{EXIT_FAILED, EXIT_OK, EXIT_REQUIRE_UNMET, Status};

/// The lines that must come before anything else in a summary, most important first.
pub fn headlines(rec: &RunRecord) -> Vec<String> {
    let s = &rec.summary;
    let mut out = Vec::new();
    if let Some(why) = &s.stopped {
        let not_run = s.count(Status::NotRun);
        out.push(format!(
            "TARGET STOPPED SERVING: {why}; {not_run} case(s) not run"
        ));
    }
    let caps = &rec.meta.capabilities;
    if !caps.tls.is_empty() && !caps.known() {
        let why: Vec<String> = caps
            .tls
            .iter()
            .map(|(v, p)| match p {
                crate::capabilities::TlsProbe::Refused(e) => format!("{}: {e}", v.label()),
                crate::capabilities::TlsProbe::Offered(_) => format!("{}: ok", v.label()),
            })
            .collect();
        out.push(format!(
            "DISCOVERY FAILED: no TLS version completed a stream ({}); cases ran without knowing what the target offers",
            why.join("; ")
        ));
    }
    let offered = offered_mechanisms(rec);
    for m in &s.required_missing {
        out.push(format!(
            "REQUIRED MODULE MISSING: --require {m}, but the target does not offer {m}{offered}"
        ));
    }
    // A run of the advisory group alone exercised the target too, just not for a verdict.
    if s.exercised == 0 && s.advisory.is_none() {
        let also = if rec.meta.required.is_empty() {
            ""
        } else {
            " (fails --require)"
        };
        let what = if rec.results.is_empty() {
            "no case was selected"
        } else {
            "no case ran to a verdict about the target"
        };
        out.push(format!("NOTHING EXERCISED: {what}{also}"));
    }
    out
}

/// ` (offered: A, B)` with every mechanism the target offers anywhere, or nothing when none.
fn offered_mechanisms(rec: &RunRecord) -> String {
    let all = rec.meta.capabilities.all_mechanisms();
    if all.is_empty() {
        String::new()
    } else {
        format!(" (offered: {})", all.join(", "))
    }
}

/// Many `unsupported` cases that share one "not offered" reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOfferedGroup {
    /// The shared message, e.g. `sasl2: not offered`.
    pub message: String,
    /// The one line the text report prints for the group.
    pub line: String,
    /// The result ids in the group.
    pub ids: Vec<String>,
}

/// Whether a result is one of the "not offered" unsupported cases.
pub fn is_not_offered(r: &CaseResult) -> bool {
    r.status == Status::Unsupported
        && r.outcome
            .message
            .as_deref()
            .is_some_and(|m| m.contains(": not offered"))
}

/// The "not offered" groups, in first-seen order.
pub fn not_offered_groups(rec: &RunRecord) -> Vec<NotOfferedGroup> {
    let mut groups: Vec<NotOfferedGroup> = Vec::new();
    for r in rec.results.iter().filter(|r| is_not_offered(r)) {
        let msg = r.outcome.message.clone().unwrap_or_default();
        match groups.iter_mut().find(|g| g.message == msg) {
            Some(g) => g.ids.push(r.id.clone()),
            None => groups.push(NotOfferedGroup {
                message: msg,
                line: String::new(),
                ids: vec![r.id.clone()],
            }),
        }
    }
    for g in &mut groups {
        let offered = match offer_not_offered(&g.message) {
            Some(Offer::Sasl | Offer::Sasl2 | Offer::Fast) | None => offered_mechanisms(rec),
            Some(_) => String::new(),
        };
        let n = g.ids.len();
        g.line = format!(
            "{}{offered}, {n} case{} not applicable",
            g.message,
            if n == 1 { "" } else { "s" }
        );
    }
    groups
}

/// A score as a percentage, or `n/a` when nothing at that level was applicable.
pub fn score(passed: usize, applicable: usize, decimals: usize) -> String {
    if applicable == 0 {
        "n/a".to_owned()
    } else {
        format!(
            "{:.*}%",
            decimals,
            100.0 * passed as f64 / applicable as f64
        )
    }
}

/// The closing word for an exit code.
pub fn exit_label(code: i32) -> String {
    match code {
        EXIT_OK => "OK (exit 0)".to_owned(),
        EXIT_FAILED => "FAILED (exit 1)".to_owned(),
        EXIT_REQUIRE_UNMET => "REQUIREMENT NOT MET (exit 3)".to_owned(),
        other => format!("exit {other}"),
    }
}

/// The run settings line: reply timeout and TLS versions.
pub fn settings(rec: &RunRecord) -> String {
    let m = &rec.meta;
    let used = if m.tls_versions.is_empty() {
        "none negotiated".to_owned()
    } else {
        m.tls_versions.join(", ")
    };
    let mut out = format!(
        "reply timeout {} s · TLS {} (used: {used})",
        m.reply_timeout_ms as f64 / 1000.0,
        m.tls
    );
    if let Some(t) = m.fast_ttl_s {
        out.push_str(&format!(" · FAST ttl {t} s"));
    }
    if let Some(t) = m.fast_min_ttl_s {
        out.push_str(&format!(" · FAST min ttl {t} s"));
    }
    if m.passwd_cmd {
        out.push_str(" · password-change command");
    }
    out
}
