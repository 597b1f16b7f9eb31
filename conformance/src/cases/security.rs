//! The opt-in advisory `security` group (issue 13): how the target holds up against a hostile
//! client on the authentication path. Not conformance verdicts: the engine runs these cases only
//! when selected (`--security`, `--only 'security.*'`), reports them as findings in their own
//! group with the RFC/XEP section each comes from, and never counts them in the scores or (unless
//! `--strict-security`) the exit code. A `fail` verdict here reads "finding".
//!
//! Every case is bounded in time and connections and records its exchange. Order (registry
//! order, one at a time): the keepalive case first (it needs the run's account before any budget
//! could lock it), the slowloris case, the answers, the timing, and the guessing case last (it
//! guesses for a random unknown username, which still spends a per-address budget).

use crate::cases::prelude::*;
use gatecheck_client::AuthProfile;
use gatecheck_client::login::{best_scram_in, scram_mechanisms};
use std::time::{Duration, Instant};

const SECURITY: Spec = Spec::module(Module::Security);

/// Attempts per side in the timing case (interleaved).
pub const TIMING_ATTEMPTS: usize = 50;
/// The timing case's bar: a finding needs the slower median this many times the faster one...
pub const TIMING_RATIO: f64 = 1.3;
/// ...and a two-sided Mann-Whitney p-value below this.
pub const TIMING_P: f64 = 0.01;
/// Wrong guesses the guessing case makes at most, and connections it opens at most.
pub const GUESSES: usize = 40;
/// See [`GUESSES`].
pub const GUESS_CONNECTIONS: usize = 16;
/// Keepalives the keepalive case sends: above 4,096, the whitespace a per-session counter of
/// top-level character data (reset only by an element) typically allows.
pub const KEEPALIVES: usize = 4_500;
/// Interval between two keepalives.
pub const KEEPALIVE_EVERY: Duration = Duration::from_millis(2);
/// Interval between two trickled bytes in the slowloris case.
pub const TRICKLE_EVERY: Duration = Duration::from_secs(2);

const KEEPALIVE: Spec = Spec {
    id: "security.keepalive.whitespace",
    title: "An authenticated session sending only whitespace keepalives stays open",
    cites: &["RFC 6120 §4.6.1"],
    requires: "whitespace keepalives between stanzas are allowed indefinitely: after many of them \
               (and nothing else) the session still answers a ping (XEP-0199)",
    needs: &[Capability::Account],
    ..SECURITY
};

async fn keepalive(ctx: CaseCtx) -> Flow {
    let (mut c, f, _) = sasl2_or_sasl_login(&ctx, "c1").await?;
    drop(f);
    ctx.step(&format!(
        "send {KEEPALIVES} single-space keepalives, {} ms apart, nothing else",
        KEEPALIVE_EVERY.as_millis()
    ));
    let started = Instant::now();
    for n in 0..KEEPALIVES {
        if let Err(e) = c.send_raw(b" ").await {
            return Ok(fail(
                "RFC 6120 §4.6.1",
                "the session stays open while the client sends keepalives",
                format!("sending keepalive {} failed: {e}", n + 1),
            ));
        }
        tokio::time::sleep(KEEPALIVE_EVERY).await;
    }
    ctx.step("ping (XEP-0199)");
    let ping = gatecheck_client::iq::iq(
        "get",
        "gc-ping",
        None,
        Element::new("ping", "urn:xmpp:ping"),
    );
    let took = started.elapsed();
    match c.request(&ping).await {
        Ok(x) => Ok(pass().with_message(format!(
            "{KEEPALIVES} keepalives over {:.1} s, then the ping was answered ({})",
            took.as_secs_f64(),
            x.reply.describe()
        ))),
        Err(e) => Ok(fail(
            "RFC 6120 §4.6.1",
            "an answer to the ping after the keepalives",
            format!("after {KEEPALIVES} keepalives: {e}"),
        )),
    }
}

const SLOWLORIS: Spec = Spec {
    id: "security.slowloris.unauthenticated-deadline",
    title: "An unauthenticated stream trickling bytes is cut within a deadline",
    cites: &["RFC 6120 §13.12", "XEP-0205 §3"],
    requires: "a server limits how long an unauthenticated connection may live whatever it sends \
               (denial of service by slow clients; Prosody's c2s_timeout): a stream sending one \
               byte every few seconds is closed before --security-deadline",
    ..SECURITY
};

async fn slowloris(ctx: CaseCtx) -> Flow {
    let deadline = ctx.config.security_deadline;
    ctx.step("open a TLS stream, then trickle whitespace, one byte at a time");
    let (mut c, _f) = tls_session(&ctx, "c1")
        .await
        .or_setup("opening a TLS-protected stream")?;
    let started = Instant::now();
    let mut sent = 0usize;
    c.set_wait(TRICKLE_EVERY);
    while started.elapsed() < deadline {
        if c.send_raw(b" ").await.is_err() {
            break;
        }
        sent += 1;
        // Reading for one trickle interval both paces the bytes and sees the close.
        match c.recv().await {
            Err(ClientError::Timeout(_)) => continue,
            Err(e) => {
                return Ok(pass().with_message(format!(
                    "cut after {:.1} s and {sent} trickled byte(s): {e}",
                    started.elapsed().as_secs_f64()
                )));
            }
            Ok(el) => ctx.note(&format!("received {}", el.to_xml())),
        }
    }
    let lived = started.elapsed();
    if lived < deadline {
        return Ok(pass().with_message(format!(
            "cut after {:.1} s and {sent} trickled byte(s)",
            lived.as_secs_f64()
        )));
    }
    c.abandon();
    Ok(fail(
        "RFC 6120 §13.12",
        format!(
            "the unauthenticated stream cut within {} s",
            deadline.as_secs()
        ),
        format!(
            "still open after {:.1} s and {sent} byte(s), one every {} s",
            lived.as_secs_f64(),
            TRICKLE_EVERY.as_secs()
        ),
    ))
}

const ANSWERS: Spec = Spec {
    id: "security.enumeration.answers",
    title: "Failures for an unknown user and a wrong password are identical",
    cites: &[
        "RFC 6120 §13.11",
        "RFC 5802 §9",
        "RFC 7677 §4",
        "XEP-0205 §3",
    ],
    requires: "an authentication failure does not tell whether the username exists: the same \
               <failure/> (condition, text) for an unknown user and a wrong password, and for \
               SCRAM a server-first-message of the same shape (iteration count, salt length), \
               over each profile and each password mechanism offered",
    needs: &[Capability::Account],
    // Serial, after the keepalive and slowloris cases (which need a login before a failure
    // budget could refuse this address), each followed by the liveness check.
    negative: true,
    ..SECURITY
};

/// The password mechanisms of `p` the case compares: PLAIN when offered, and every SCRAM
/// mechanism without channel binding.
fn password_mechanisms(p: AuthProfile, f: &Features) -> Vec<String> {
    let mut v: Vec<String> = p
        .mechanisms(f)
        .iter()
        .filter(|m| m.as_str() == "PLAIN")
        .cloned()
        .collect();
    v.extend(scram_mechanisms(p, f, false));
    v
}

/// What one failed attempt showed: the failure element (canonical XML) and, for SCRAM, the
/// shape of the server-first-message.
#[derive(Debug, PartialEq)]
struct Answer {
    failure: String,
    shape: Option<(u32, usize)>,
}

impl Answer {
    fn describe(&self) -> String {
        match (self.shape, &self.failure) {
            (Some((i, salt)), f) => {
                format!("server-first i={i}, {salt}-byte salt, then {f}")
            }
            (None, f) => f.clone(),
        }
    }
}

async fn one_attempt(
    ctx: &CaseCtx,
    p: AuthProfile,
    mech: &str,
    user: &str,
    password: &str,
    label: &str,
) -> Flow<(Answer, Duration)> {
    let (mut c, _f) = tls_session(ctx, label)
        .await
        .or_setup("opening a TLS-protected stream")?;
    let started = Instant::now();
    let (reply, shape) = if mech == "PLAIN" {
        let msg = format!("\0{user}\0{password}");
        ctx.secret(gatecheck_client::SecretKind::Password, password);
        let r = c
            .start_auth(p, "PLAIN", Some(msg.as_bytes()), &[])
            .await
            .or_setup("PLAIN attempt")?;
        (r, None)
    } else {
        let script = script_for(&c, mech, user, None).or_setup("SCRAM script")?;
        let first = c
            .start_auth(p, mech, Some(&script.client_first()), &[])
            .await
            .or_setup("SCRAM client-first")?;
        match first {
            Sasl2Reply::Challenge { data: Some(sf), .. } => {
                let sf = ServerFirst::parse(&sf, &script.client_nonce).or_setup("server-first")?;
                let (msg, _) = script
                    .client_final(&sf, password, &FinalTweaks::default())
                    .or_setup("client-final")?;
                let r = c.respond_in(p, &msg).await.or_setup("SCRAM client-final")?;
                (r, Some((sf.iterations, sf.salt.len())))
            }
            other => (other, None),
        }
    };
    let took = started.elapsed();
    c.abandon();
    match reply {
        Sasl2Reply::Failure { element, .. } => Ok((
            Answer {
                failure: element.to_xml(),
                shape,
            },
            took,
        )),
        other => Err(gatecheck_crate_error(format!(
            "{mech} over {}: expected <failure/>, got {}",
            p.title(),
            other.describe()
        ))),
    }
}

fn gatecheck_crate_error(why: String) -> Outcome {
    crate::outcome::error(why)
}

/// A username the target almost surely does not have, from the case's seed.
fn unknown_user(ctx: &CaseCtx, tag: &str) -> String {
    format!(
        "gc-{tag}-{:016x}",
        splitmix(ctx.seed ^ rand::random::<u64>())
    )
}

async fn answers(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let wrong = format!("{password}-wrong");
    let ghost = unknown_user(&ctx, "nobody");
    ctx.step("read the offer");
    let (c, f) = tls_session(&ctx, "offer")
        .await
        .or_setup("opening a TLS-protected stream")?;
    drop(c);
    let mut compared = Vec::new();
    let mut findings = Vec::new();
    for p in AuthProfile::BOTH {
        if !p.offered(&f) {
            continue;
        }
        for mech in password_mechanisms(p, &f) {
            ctx.step(&format!(
                "{mech} over {}: unknown user, then wrong password",
                p.title()
            ));
            let (a, _) = one_attempt(&ctx, p, &mech, &ghost, &wrong, "unknown").await?;
            let (b, _) = one_attempt(&ctx, p, &mech, &user, &wrong, "wrong-pw").await?;
            compared.push(format!("{mech}/{}", p.label()));
            if a != b {
                findings.push(format!(
                    "{mech} over {}: unknown user {} / wrong password {}",
                    p.title(),
                    a.describe(),
                    b.describe()
                ));
            }
        }
    }
    if compared.is_empty() {
        return Err(unsupported(
            "no password mechanism offered over either profile",
        ));
    }
    Ok(if findings.is_empty() {
        pass().with_message(format!("identical answers for {}", compared.join(", ")))
    } else {
        fail(
            "RFC 6120 §13.11",
            "the same answer whether or not the user exists",
            findings.join("; "),
        )
    })
}

const TIMING: Spec = Spec {
    id: "security.enumeration.timing",
    title: "Unknown users and wrong passwords take the same time to fail",
    cites: &["RFC 6120 §13.11", "RFC 5802 §9", "RFC 7677 §4"],
    requires: "the time to answer does not tell whether the username exists: 50 interleaved \
               attempts per side (PLAIN when offered, else the SCRAM first step); a finding \
               needs both a significant difference (two-sided Mann-Whitney U, p < 0.01) and a \
               large one (median ratio > 1.3)",
    accepts: &[
        "a target that throttles the attempts (temporary-auth-failure) before enough \
                samples: the budget bounds what timing can tell from one address",
    ],
    needs: &[Capability::Account],
    // Serial, after the keepalive and slowloris cases (which need a login before a failure
    // budget could refuse this address), each followed by the liveness check.
    negative: true,
    ..SECURITY
};

/// The SCRAM first step's latency: `<auth>`/`<authenticate>` with client-first until the
/// challenge (the connection is then dropped, so no failure is spent).
async fn first_step(
    ctx: &CaseCtx,
    p: AuthProfile,
    mech: &str,
    user: &str,
    label: &str,
) -> Flow<Duration> {
    let (mut c, _f) = tls_session(ctx, label)
        .await
        .or_setup("opening a TLS-protected stream")?;
    let script = script_for(&c, mech, user, None).or_setup("SCRAM script")?;
    let started = Instant::now();
    let r = c
        .start_auth(p, mech, Some(&script.client_first()), &[])
        .await
        .or_setup("SCRAM client-first")?;
    let took = started.elapsed();
    c.abandon();
    match r {
        Sasl2Reply::Challenge { .. } => Ok(took),
        other => Err(crate::outcome::error(format!(
            "expected a challenge, got {}",
            other.describe()
        ))),
    }
}

async fn timing(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    // The wrong-password side uses the second account when there is one, so a per-account
    // budget does not hit the run's first account.
    let (known, known_pw) = ctx
        .account(1)
        .map(|a| {
            (
                gatecheck_client::login::username_of(&a.jid).to_owned(),
                a.password.clone(),
            )
        })
        .unwrap_or((user, password));
    let wrong = format!("{known_pw}-wrong");
    let ghost = unknown_user(&ctx, "ghost");
    let (c, f) = tls_session(&ctx, "offer")
        .await
        .or_setup("opening a TLS-protected stream")?;
    drop(c);
    let plain = AuthProfile::BOTH
        .into_iter()
        .find(|p| p.offered(&f) && p.offers(&f, "PLAIN"));
    let scram = AuthProfile::BOTH
        .into_iter()
        .rev()
        .find_map(|p| best_scram_in(p, &f).map(|m| (p, m)));
    let (p, mech) = match (plain, scram) {
        (Some(p), _) => (p, "PLAIN".to_owned()),
        (None, Some((p, m))) => (p, m.to_owned()),
        (None, None) => return Err(unsupported("no password mechanism offered")),
    };
    ctx.step(&format!(
        "{TIMING_ATTEMPTS} attempts per side with {mech} over {}, interleaved in a seeded order",
        p.title()
    ));
    let mut state = ctx.seed;
    let (mut unknown_t, mut known_t) = (Vec::new(), Vec::new());
    let mut throttled: Option<String> = None;
    for i in 0..TIMING_ATTEMPTS {
        if throttled.is_some() {
            break;
        }
        state = splitmix(state);
        let first_unknown = state & 1 == 1;
        for side in [first_unknown, !first_unknown] {
            let (u, label) = if side {
                (ghost.as_str(), "unknown")
            } else {
                (known.as_str(), "known")
            };
            let label = format!("{label}-{i}");
            let t = if mech == "PLAIN" {
                let (answer, t) = one_attempt(&ctx, p, &mech, u, &wrong, &label).await?;
                if !answer.failure.contains("not-authorized") {
                    // Throttled (temporary-auth-failure or another condition): the budget, not
                    // the timing, decides what one address can learn from here on.
                    throttled = Some(format!("pair {}: {}", i + 1, answer.failure));
                    break;
                }
                t
            } else {
                first_step(&ctx, p, &mech, u, &label).await?
            };
            if side {
                unknown_t.push(t.as_secs_f64() * 1000.0);
            } else {
                known_t.push(t.as_secs_f64() * 1000.0);
            }
        }
    }
    let n = unknown_t.len().min(known_t.len());
    let (unknown_t, known_t) = (&unknown_t[..n], &known_t[..n]);
    if let Some(why) = &throttled
        && n < 10
    {
        return Ok(pass().with_message(format!(
            "throttled after {n} complete pair(s) ({why}): too few samples to compare; the \
             failure budget bounds what timing can tell from one address"
        )));
    }
    let stats = compare(unknown_t, known_t);
    let text = format!(
        "{mech} over {}: median {:.3} ms unknown user vs {:.3} ms {} (ratio {:.2}), \
         Mann-Whitney U={:.0}, z={:.2}, p={:.2e} (n={} per side){}",
        p.title(),
        stats.median_a,
        stats.median_b,
        if mech == "PLAIN" {
            "wrong password"
        } else {
            "known user"
        },
        stats.ratio,
        stats.u,
        stats.z,
        stats.p,
        n,
        throttled
            .as_deref()
            .map(|w| format!("; then throttled ({w})"))
            .unwrap_or_default()
    );
    ctx.note(&text);
    Ok(if stats.p < TIMING_P && stats.ratio > TIMING_RATIO {
        fail(
            "RFC 6120 §13.11",
            format!(
                "no significant (p < {TIMING_P}) and large (ratio > {TIMING_RATIO}) difference"
            ),
            format!("{text}: the difference is significant at 99 % confidence and large"),
        )
    } else {
        pass().with_message(text)
    })
}

/// What the timing comparison found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Median of the first sample.
    pub median_a: f64,
    /// Median of the second sample.
    pub median_b: f64,
    /// The larger median over the smaller (≥ 1).
    pub ratio: f64,
    /// Mann-Whitney U of the first sample.
    pub u: f64,
    /// Its normal approximation (no tie correction).
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
}

/// SplitMix64: the seeded order of the timing case's pairs.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Compare two latency samples: medians, their ratio and a two-sided Mann-Whitney U test
/// (normal approximation with mid-ranks for ties, fine for 50 per side).
pub fn compare(a: &[f64], b: &[f64]) -> Comparison {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|x| (*x, true))
        .chain(b.iter().map(|x| (*x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut r1 = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        r1 += all[i..=j].iter().filter(|x| x.1).count() as f64 * rank;
        i = j + 1;
    }
    let u = r1 - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let sd = (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    let z = if sd > 0.0 { (u - mean) / sd } else { 0.0 };
    let p = erfc(z.abs() / std::f64::consts::SQRT_2);
    let (ma, mb) = (median(a), median(b));
    let ratio = if ma.min(mb) > 0.0 {
        ma.max(mb) / ma.min(mb)
    } else {
        1.0
    };
    Comparison {
        median_a: ma,
        median_b: mb,
        ratio,
        u,
        z,
        p,
    }
}

/// The complementary error function (W. J. Cody's rational Chebyshev fit as in Numerical
/// Recipes' `erfcc`, fractional error below 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

const BACKOFF: Spec = Spec {
    id: "security.guessing.backoff",
    title: "Password guessing across connections is slowed or refused",
    cites: &["RFC 6120 §13.12", "XEP-0205 §3"],
    requires: "a server limits failed authentications per address or account across connections: \
               of 40 wrong guesses over at most 16 connections from one address, some are \
               answered with <temporary-auth-failure/>, delayed, or refused",
    accepts: &[
        "<temporary-auth-failure/> (or any failure other than not-authorized) after some guesses",
        "growing delays: the last guesses' median at least 3x the first ones' (and +100 ms)",
        "connections refused, closed or ended with a stream error before a guess",
    ],
    // Serial, after the keepalive and slowloris cases (which need a login before a failure
    // budget could refuse this address), each followed by the liveness check.
    negative: true,
    ..SECURITY
};

async fn backoff(ctx: CaseCtx) -> Flow {
    // A random username the target does not have: no real account is locked out, and a
    // per-address budget still counts the failures.
    let ghost = unknown_user(&ctx, "guess");
    let (c, f) = tls_session(&ctx, "offer")
        .await
        .or_setup("opening a TLS-protected stream")?;
    drop(c);
    let plain = AuthProfile::BOTH
        .into_iter()
        .find(|p| p.offered(&f) && p.offers(&f, "PLAIN"));
    let scram = AuthProfile::BOTH
        .into_iter()
        .rev()
        .find_map(|p| best_scram_in(p, &f).map(|m| (p, m)));
    let (p, mech) = match (plain, scram) {
        (Some(p), _) => (p, "PLAIN".to_owned()),
        (None, Some((p, m))) => (p, m.to_owned()),
        (None, None) => return Err(unsupported("no password mechanism offered")),
    };
    ctx.step(&format!(
        "up to {GUESSES} wrong guesses for {ghost} with {mech} over {}, at most \
         {GUESS_CONNECTIONS} connections",
        p.title()
    ));
    let started = Instant::now();
    let mut times: Vec<f64> = Vec::new();
    let mut conns = 0;
    let slowed = 'outer: loop {
        if times.len() >= GUESSES || conns >= GUESS_CONNECTIONS {
            break None;
        }
        conns += 1;
        let mut c = match tls_session(&ctx, &format!("g{conns}")).await {
            Ok((c, _)) => c,
            Err(e) if !times.is_empty() => {
                break Some(format!("connection {conns} refused or ended: {e}"));
            }
            Err(e) => return Err(setup("opening a TLS-protected stream", e)),
        };
        // Up to 3 guesses per stream (the RFC 6120 §6.4.5 retry count); the server may close
        // earlier, then the next connection goes on.
        for _ in 0..3 {
            if times.len() >= GUESSES {
                break;
            }
            let n = times.len() + 1;
            let password = format!("guess-{n}");
            let t0 = Instant::now();
            let reply = if mech == "PLAIN" {
                c.start_auth(
                    p,
                    "PLAIN",
                    Some(format!("\0{ghost}\0{password}").as_bytes()),
                    &[],
                )
                .await
                .map_err(LoginError::from)
            } else {
                let script = script_for(&c, &mech, &ghost, None).or_setup("SCRAM script")?;
                scram_exchange_in_profile(&mut c, p, &mech, &script, &password).await
            };
            let took = t0.elapsed().as_secs_f64() * 1000.0;
            match reply {
                Ok(Sasl2Reply::Failure { conditions, .. })
                    if conditions.iter().any(|c| c == "not-authorized") =>
                {
                    times.push(took);
                }
                Ok(other) => {
                    break 'outer Some(format!("guess {n}: {}", other.describe()));
                }
                Err(LoginError::Client(e @ ClientError::StreamError { .. })) => {
                    break 'outer Some(format!("guess {n}: {e}"));
                }
                Err(LoginError::Client(ClientError::Timeout(_))) => {
                    break 'outer Some(format!("guess {n}: no answer within the reply wait"));
                }
                Err(_) => break, // closed after its per-stream failures: next connection
            }
        }
        c.abandon();
        if times.len() >= 16 {
            let first = median(&times[..8]);
            let last = median(&times[times.len() - 8..]);
            if last >= first * 3.0 && last >= first + 100.0 {
                break Some(format!(
                    "answers slowed: median {first:.1} ms for the first 8 guesses, \
                     {last:.1} ms for the last 8"
                ));
            }
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let rate = times.len() as f64 / secs.max(1e-6);
    Ok(match slowed {
        Some(how) => pass().with_message(format!(
            "slowed or refused after {} not-authorized answer(s) over {conns} connection(s): {how}",
            times.len()
        )),
        None => fail(
            "RFC 6120 §13.12",
            "guessing slowed or refused at some point (XEP-0205 §3)",
            format!(
                "{} wrong guesses over {conns} connections in {secs:.2} s ({rate:.0}/s), every \
                 one answered not-authorized at full speed (median {:.1} ms)",
                times.len(),
                median(&times)
            ),
        ),
    })
}

/// A SCRAM exchange with a wrong password: the failure (or whatever came instead).
async fn scram_exchange_in_profile(
    c: &mut Conn,
    p: AuthProfile,
    mech: &str,
    script: &ScramScript,
    password: &str,
) -> Result<Sasl2Reply, LoginError> {
    let first = c
        .start_auth(p, mech, Some(&script.client_first()), &[])
        .await?;
    let Sasl2Reply::Challenge { data: Some(sf), .. } = first else {
        return Ok(first);
    };
    let sf = ServerFirst::parse(&sf, &script.client_nonce)?;
    let (msg, _) = script.client_final(&sf, password, &FinalTweaks::default())?;
    Ok(c.respond_in(p, &msg).await?)
}

/// Log the run's first account in and bind a resource, so a ping gets an answer: over RFC 6120
/// SASL when offered (restart, then resource binding, the path every server walks), else over
/// SASL2 with Bind 2 inline.
async fn sasl2_or_sasl_login(ctx: &CaseCtx, label: &str) -> Flow<(Conn, Features, AuthProfile)> {
    let (user, password) = creds(ctx)?;
    ctx.step("open TLS stream, log in and bind a resource");
    let (mut c, f) = tls_session(ctx, label)
        .await
        .or_setup("opening a TLS-protected stream")?;
    let p = if AuthProfile::Sasl.offered(&f) {
        AuthProfile::Sasl
    } else {
        AuthProfile::Sasl2
    };
    let extra = if p == AuthProfile::Sasl2 {
        if f.sasl2.as_ref().is_some_and(|s| s.bind2().is_none()) {
            return Err(unsupported(
                "needs RFC 6120 SASL or SASL2 with Bind 2 to bind a resource",
            ));
        }
        vec![Element::from(build::bind2())]
    } else {
        vec![]
    };
    gatecheck_client::login::login_in(&mut c, p, &f, &user, &password, &extra)
        .await
        .map_err(|e| setup("login", e))?;
    if p == AuthProfile::Sasl {
        let nf = c.after_success(p).await.or_setup("stream restart")?;
        let bind = gatecheck_client::iq::iq(
            "set",
            "gc-bind",
            None,
            Element::new("bind", "urn:ietf:params:xml:ns:xmpp-bind"),
        );
        c.request(&bind).await.or_setup("resource binding")?;
        return Ok((c, nf, p));
    }
    Ok((c, f, p))
}

/// The group, in the order it runs (see the module documentation).
pub fn all() -> Vec<Case> {
    vec![
        KEEPALIVE.with(keepalive),
        SLOWLORIS.with(slowloris),
        ANSWERS.with(answers),
        TIMING.with(timing),
        BACKOFF.with(backoff),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mann_whitney_separates_shifted_samples() {
        let a: Vec<f64> = (0..50).map(|i| 0.17 + f64::from(i % 7) * 0.01).collect();
        let b: Vec<f64> = (0..50).map(|i| 0.67 + f64::from(i % 5) * 0.01).collect();
        let c = compare(&a, &b);
        assert!(c.p < 1e-6, "{c:?}");
        assert!(c.ratio > 3.0, "{c:?}");
        let same = compare(&a, &a);
        assert!(same.p > 0.5, "{same:?}");
        assert!((same.ratio - 1.0).abs() < 1e-9);
    }

    #[test]
    fn erfc_matches_known_values() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
        assert!((erfc(1.0) - 0.157_299_2).abs() < 1e-6);
        assert!((erfc(-1.0) - 1.842_700_8).abs() < 1e-6);
    }

    #[test]
    fn ids_are_in_the_security_module() {
        for c in all() {
            assert!(crate::case::valid_id(&c.id, Module::Security), "{}", c.id);
            assert!(!c.requirements.is_empty());
        }
    }
}
