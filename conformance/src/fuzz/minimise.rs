//! Minimisation: delta debugging (ddmin) over a finding's steps, then over the pieces of each
//! `Send`, then over the text of each text piece, keeping a candidate only when it still
//! reproduces the finding against the target. Bounded by a number of attempts.

use gatecheck_proto::script::{Piece, Script, Step};
use std::future::Future;

/// Shrinks `script` while `reproduces` holds, trying at most `budget` candidates.
pub async fn minimise<F, Fut>(script: &Script, budget: usize, mut reproduces: F) -> Script
where
    F: FnMut(Script) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut tries = 0usize;
    let mut best = script.clone();
    // 1. The steps.
    let steps = ddmin(best.steps.clone(), &mut tries, budget, |steps| {
        reproduces(Script { steps })
    })
    .await;
    best.steps = steps;
    // 2. Pieces within each Send, 3. text within each piece, and Repeat counts.
    for i in 0..best.steps.len() {
        let Step::Send { pieces, chunks } = best.steps[i].clone() else {
            continue;
        };
        let base = best.clone();
        let smaller = ddmin(pieces, &mut tries, budget, |p| {
            let mut s = base.clone();
            s.steps[i] = Step::Send { pieces: p, chunks };
            reproduces(s)
        })
        .await;
        best.steps[i] = Step::Send {
            pieces: smaller.clone(),
            chunks,
        };
        for j in 0..smaller.len() {
            let base = best.clone();
            let replace = |s: &Script, piece: Piece| {
                let mut s = s.clone();
                if let Step::Send { pieces, .. } = &mut s.steps[i] {
                    pieces[j] = piece;
                }
                s
            };
            match smaller[j].clone() {
                Piece::Text(t) => {
                    let chars: Vec<char> = t.chars().collect();
                    let kept = ddmin(chars, &mut tries, budget, |c| {
                        reproduces(replace(&base, Piece::Text(c.into_iter().collect())))
                    })
                    .await;
                    best = replace(&best, Piece::Text(kept.into_iter().collect()));
                }
                Piece::Repeat { pieces, mut times } => {
                    while times > 1 && tries < budget {
                        tries += 1;
                        let half = times / 2;
                        let candidate = replace(
                            &best,
                            Piece::Repeat {
                                pieces: pieces.clone(),
                                times: half,
                            },
                        );
                        if reproduces(candidate.clone()).await {
                            best = candidate;
                            times = half;
                        } else {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        if chunks > 1 && tries < budget {
            tries += 1;
            let mut candidate = best.clone();
            if let Step::Send { chunks, .. } = &mut candidate.steps[i] {
                *chunks = 1;
            }
            if reproduces(candidate.clone()).await {
                best = candidate;
            }
        }
    }
    best
}

/// Zeller's ddmin: the smallest subsequence (1-minimal, as far as the budget allows) for which
/// `test` still holds.
async fn ddmin<T, F, Fut>(items: Vec<T>, tries: &mut usize, budget: usize, mut test: F) -> Vec<T>
where
    T: Clone,
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut current = items;
    let mut n = 2usize;
    while current.len() >= 2 && *tries < budget {
        let chunk = current.len().div_ceil(n);
        let mut reduced = false;
        // Try each complement (drop one chunk).
        for start in (0..current.len()).step_by(chunk) {
            if *tries >= budget {
                break;
            }
            *tries += 1;
            let end = (start + chunk).min(current.len());
            let candidate: Vec<T> = current[..start]
                .iter()
                .chain(&current[end..])
                .cloned()
                .collect();
            if test(candidate.clone()).await {
                current = candidate;
                n = (n - 1).max(2);
                reduced = true;
                break;
            }
        }
        if !reduced {
            if n >= current.len() {
                break;
            }
            n = (n * 2).min(current.len());
        }
    }
    if current.len() == 1 && *tries < budget {
        *tries += 1;
        if test(Vec::new()).await {
            current.clear();
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::script::{Credential, Mechanism, Profile};

    fn text(t: &str) -> Step {
        Step::Send {
            pieces: vec![Piece::Text(t.into())],
            chunks: 1,
        }
    }

    /// A synthetic target that "fails" when the script logs in with the password, then uses a
    /// spent token, whatever else happens, and the text of the marker write contains "BAD".
    fn fails(s: &Script) -> bool {
        let login = s.steps.iter().position(|x| {
            matches!(
                x,
                Step::Authenticate {
                    credential: Credential::Valid,
                    ..
                }
            )
        });
        let spent = s.steps.iter().rposition(|x| {
            matches!(
                x,
                Step::Authenticate {
                    credential: Credential::Spent,
                    ..
                }
            )
        });
        let marker = s.steps.iter().any(|x| matches!(x, Step::Send { pieces, .. } if pieces.iter().any(|p| matches!(p, Piece::Text(t) if t.contains("BAD")))));
        matches!((login, spent), (Some(a), Some(b)) if a < b) && marker
    }

    #[tokio::test]
    async fn shrinks_to_the_essential_steps_and_text() {
        let auth = |credential| Step::Authenticate {
            profile: Profile::Sasl2,
            mechanism: Mechanism::HtSha256None,
            credential,
        };
        let mut steps = Vec::new();
        for i in 0..10 {
            steps.push(text(&format!("<noise n='{i}'/>")));
            steps.push(Step::Await);
        }
        steps.insert(5, auth(Credential::Valid));
        steps.insert(9, text("<x>the BAD part</x>"));
        steps.insert(14, auth(Credential::Spent));
        steps.push(Step::Disconnect);
        let script = Script { steps };
        assert!(fails(&script));
        let small = minimise(&script, 2_000, |s| std::future::ready(fails(&s))).await;
        assert!(fails(&small));
        assert_eq!(small.steps.len(), 3, "{small:?}");
        assert_eq!(small.steps[1], text("BAD"));
    }
}
