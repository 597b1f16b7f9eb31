//! Data-driven negative cases: a table of rows, each one element with one mutation, the set of
//! answers the specification allows for it, and the requirement a wrong answer violates; one
//! generic body runs every row (issue 9, "malformed and unexpected elements, generated from a
//! table"). The machinery knows nothing about SASL: a module supplies its rows and a driver that
//! brings a connection into the row's state, sends the row's input and returns the first
//! [`Answer`]. SASL2 and RFC 6120 SASL use it now (`sasl2::malformed`); FAST, invites (XEP-0077
//! forms, `<preauth/>`) and OAuth2 (JSON fields) fill in their own rows and drivers.
//!
//! Every row must get an allowed answer within the reply wait: silence and a TCP close without
//! a stream error fail the table's `silence_req` unless the row allows them, and after every row
//! the liveness oracle (a fresh connection gets stream features) must hold, else the row fails
//! the table's `liveness_req`.

use super::common::{OrSetup, silence, still_serving};
use crate::case::{Case, Module};
use crate::ctx::CaseCtx;
use crate::outcome::{Flow, Outcome, fail, pass, warn};
use gatecheck_client::ClientError;
use std::future::Future;
use std::pin::Pin;

/// The first thing the target did after the row's input, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The exchange went on (a challenge); `completed` says whether the driver then finished it
    /// with the correct credentials (`None`: the row did not ask it to).
    Challenge {
        /// `Some(Ok)` success after completing, `Some(Err(what))` completion failed.
        completed: Option<Result<(), String>>,
    },
    /// Success (for "then completes" rows, the login is judged by the driver).
    Success,
    /// A failure element with these condition names.
    Failure(Vec<String>),
    /// A stream error with this condition.
    StreamError(String),
    /// The connection closed (TCP or `</stream:stream>`) without a stream error.
    Closed,
    /// Nothing within the reply wait.
    Silent,
    /// Something else (an unexpected element), serialised.
    Other(String),
}

impl Answer {
    /// The answer a failed read stands for, or `None` for errors of the suite's own side.
    pub fn from_error(e: &ClientError) -> Option<Answer> {
        Some(match e {
            ClientError::Timeout(_) => Answer::Silent,
            ClientError::Closed | ClientError::StreamClosed => Answer::Closed,
            ClientError::StreamError { condition, .. } => Answer::StreamError(condition.clone()),
            ClientError::Unexpected { got, .. } => Answer::Other(got.clone()),
            _ => return None,
        })
    }

    /// A short description for reports.
    pub fn describe(&self, ctx: &CaseCtx) -> String {
        match self {
            Answer::Challenge { completed: None } => "a challenge (the exchange went on)".into(),
            Answer::Challenge {
                completed: Some(Ok(())),
            } => "a challenge, and the exchange completed with success".into(),
            Answer::Challenge {
                completed: Some(Err(e)),
            } => format!("a challenge, but completing the exchange failed: {e}"),
            Answer::Success => "<success/>".into(),
            Answer::Failure(c) => format!("<failure/> with {c:?}"),
            Answer::StreamError(c) => format!("<stream:error/> <{c}/>"),
            Answer::Closed => "closed without <stream:error/>".into(),
            Answer::Silent => silence(ctx),
            Answer::Other(x) => format!("unexpected {x}"),
        }
    }
}

/// One kind of answer a row allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// The exchange goes on; for rows whose driver completes it, it must then succeed.
    Challenge,
    /// Success.
    Success,
    /// A failure; the listed conditions are the ones the spec suggests (empty: any). Another
    /// condition still passes, with a note, because the specs name conditions without
    /// mandating them.
    Failure(&'static [&'static str]),
    /// Any stream error.
    StreamError,
    /// Silence (only where the spec requires no answer).
    Silent,
}

/// The verdict for an answer outside the allowed set (silence and closing always fail the
/// table's `silence_req` unless allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Otherwise {
    /// A MUST is violated.
    Fail(&'static str),
    /// The spec is vague or says SHOULD: warn, never fail.
    Warn(&'static str),
}

/// One row: an element, one mutation of it, what the spec allows in answer and why.
#[derive(Debug)]
pub struct Row<P: 'static> {
    /// The id segment (`a1-mechanism-absent`), appended to the table's prefix.
    pub id: &'static str,
    /// The element mutated (`<authenticate/>`).
    pub element: &'static str,
    /// The mutation in words.
    pub mutation: &'static str,
    /// The answers the spec allows.
    pub allowed: &'static [Allow],
    /// The verdict for any other answer.
    pub otherwise: Otherwise,
    /// Requirement ids cited (the one `otherwise` names first).
    pub cites: &'static [&'static str],
    /// Why these answers: the spec text the row rests on.
    pub why: &'static str,
    /// The module's own data: which state to reach and what to send.
    pub input: P,
}

/// The future a driver returns.
pub type AnswerFuture = Pin<Box<dyn Future<Output = Flow<Answer>> + Send>>;

/// A table: its rows, where its case ids live and which requirements silence and a target that
/// stopped serving violate.
pub struct Table<P: 'static> {
    /// The module the cases belong to.
    pub module: Module,
    /// The id prefix (`sasl2.malformed`).
    pub prefix: &'static str,
    /// The requirement silence or a close without stream error violates.
    pub silence_req: &'static str,
    /// The requirement a target that stopped serving violates.
    pub liveness_req: &'static str,
    /// The rows.
    pub rows: &'static [Row<P>],
    /// Reaches the row's state, sends its input and returns the first answer.
    pub drive: fn(CaseCtx, &'static Row<P>) -> AnswerFuture,
}

/// Judge one answer against a row.
pub fn judge<P>(ctx: &CaseCtx, table_silence: &str, row: &Row<P>, answer: &Answer) -> Outcome {
    let got = answer.describe(ctx);
    let allowed = |a: &Allow| match (a, answer) {
        (Allow::Challenge, Answer::Challenge { completed }) => {
            completed.as_ref().is_none_or(Result::is_ok)
        }
        (Allow::Success, Answer::Success) => true,
        (Allow::Failure(_), Answer::Failure(_)) => true,
        (Allow::StreamError, Answer::StreamError(_)) => true,
        (Allow::Silent, Answer::Silent) => true,
        _ => false,
    };
    if let Some(a) = row.allowed.iter().find(|a| allowed(a)) {
        let note = match (a, answer) {
            (Allow::Failure(suggested), Answer::Failure(c))
                if !suggested.is_empty() && !c.iter().any(|x| suggested.contains(&x.as_str())) =>
            {
                format!("{got}; the spec suggests {suggested:?} (not mandated)")
            }
            _ => got,
        };
        return pass().with_message(note);
    }
    let expected = expected_text(row.allowed);
    match (answer, row.otherwise) {
        (Answer::Silent | Answer::Closed, _) => fail(table_silence, expected, got),
        (_, Otherwise::Fail(req)) => fail(req, expected, got),
        (_, Otherwise::Warn(req)) => warn(req, expected, got, row.why),
    }
}

fn expected_text(allowed: &[Allow]) -> String {
    let parts: Vec<String> = allowed
        .iter()
        .map(|a| match a {
            Allow::Challenge => "the exchange going on".to_owned(),
            Allow::Success => "<success/>".to_owned(),
            Allow::Failure([]) => "<failure/>".to_owned(),
            Allow::Failure(c) => format!("<failure/> ({})", c.join(" or ")),
            Allow::StreamError => "<stream:error/>".to_owned(),
            Allow::Silent => "no answer".to_owned(),
        })
        .collect();
    parts.join(", or ")
}

/// One case per row, all with the same body: drive the row, judge the answer, then check that
/// the target still serves. `base` adjusts every case (offers, capabilities, negative).
pub fn cases<P: Sync + std::fmt::Debug>(
    table: &'static Table<P>,
    base: fn(Case) -> Case,
) -> Vec<Case> {
    table
        .rows
        .iter()
        .map(|row| {
            let id = format!("{}.{}", table.prefix, row.id);
            let title = format!("{}: {}", row.element, row.mutation);
            let case = Case::new(&id, table.module, &title)
                .cites(row.cites)
                .cites(&[table.silence_req, table.liveness_req])
                .requires(&format!(
                    "{} with {} gets {} within the reply wait, and the target keeps serving ({})",
                    row.element,
                    row.mutation,
                    expected_text(row.allowed),
                    row.why
                ))
                .body(move |ctx: CaseCtx| async move {
                    run_row(ctx, table, row).await.unwrap_or_else(|o| o)
                });
            base(case)
        })
        .collect()
}

async fn run_row<P: Sync>(ctx: CaseCtx, table: &'static Table<P>, row: &'static Row<P>) -> Flow {
    ctx.step(&format!("{}: {}", row.element, row.mutation));
    let answer = (table.drive)(ctx.clone(), row).await?;
    ctx.note(&format!("answer: {}", answer.describe(&ctx)));
    let verdict = judge(&ctx, table.silence_req, row, &answer);
    still_serving(&ctx, table.liveness_req).await?;
    Ok(verdict)
}

/// `?`-friendly: a driver step that must work before the input under test.
pub fn before<T, E: std::fmt::Display>(r: Result<T, E>, step: &str) -> Flow<T> {
    r.or_setup(step)
}
