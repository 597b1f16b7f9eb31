//! Client SCRAM messages the server must reject (RFC 5802 §5.1, §6, §7) and the deviations it
//! must tolerate. Every rejected deviation is an [`Attempt`]: a correct exchange for the
//! configured account with exactly one thing changed, so the only reason left to refuse it is
//! the rule under test. Each case runs its deviations for every offered SCRAM hash (or every
//! -PLUS mechanism and advertised channel-binding type), one fresh stream per attempt.

use super::SCRAM;
use super::{
    binding_for, computable, defined_on, exercisable, hash_of, judge_rejection, offered, version,
};
use crate::cases::prelude::*;
use gatecheck_client::AuthProfile;
use gatecheck_client::login::scram_exchange_in;
use gatecheck_proto::sasl::TlsVersion;

/// The negative SCRAM cases, in registry order.
pub fn cases() -> Vec<Case> {
    vec![
        RESERVED_M.with(reserved_m),
        BAD_ESCAPE.with(bad_escape),
        WRONG_NONCE.with(wrong_nonce),
        C_MISMATCH.with(c_mismatch),
        FLAG_Y.with(flag_y),
        BOGUS_CB_TYPE.with(bogus_cb_type),
        TLS_UNIQUE_REFUSED.with(tls_unique_refused),
        WRONG_CB_DATA.with(wrong_cb_data),
        PROHIBITED_USERNAME.with(prohibited_username),
        WRONG_PROOF.with(wrong_proof),
    ]
}

/// What every rejected-deviation case accepts.
const REJECTED: Spec = Spec {
    accepts: &[
        "any single RFC 6120 condition (the spec maps no SCRAM error to a condition)",
        "a stream error instead of <failure/> (the attempt still fails), pass with note",
    ],
    needs: &[Capability::Account],
    negative: true,
    ..SCRAM
};

/// How to alter the combined nonce in client-final, given (combined, client nonce).
type NonceFn = fn(&str, &str) -> String;

/// One exchange that must be rejected.
struct Attempt {
    /// What is deviant, for the transcript and the verdict.
    label: String,
    /// The mechanism named in the start element.
    mech: String,
    /// The script (username, GS2 header, channel-binding data).
    script: ScramScript,
    /// A client-first sent instead of the script's.
    first: Option<Vec<u8>>,
    /// Changes to client-final.
    tweaks: FinalTweaks,
    /// A change to the nonce that needs the server-first.
    nonce: Option<NonceFn>,
}

impl Attempt {
    fn new(label: impl Into<String>, mech: &str, script: ScramScript) -> Attempt {
        Attempt {
            label: label.into(),
            mech: mech.to_owned(),
            script,
            first: None,
            tweaks: FinalTweaks::default(),
            nonce: None,
        }
    }
}

/// Binding data derived from a connection.
type DataFn = fn(&Conn) -> Vec<u8>;

/// A change to client-final.
type TweakFn = fn(&mut FinalTweaks);

/// Builds one attempt on a fresh connection (channel-binding data is per connection); `None`
/// when it does not apply there.
type Build = Box<dyn Fn(&Conn, &Features) -> Option<Attempt> + Send + Sync>;

/// Run `builds` for each mechanism (a fresh stream each) and require every attempt to be
/// rejected, citing `req`.
async fn reject_all(ctx: &CaseCtx, req: &'static str, plus: bool, builds: Vec<Build>) -> Flow {
    let p = profile(ctx);
    let (_c0, _, mechs) = offered(ctx, p, plus).await?;
    let (_, password) = creds(ctx)?;
    let mut done = Vec::new();
    let mut n = 0;
    for mech in &mechs {
        for b in &builds {
            n += 1;
            let (mut c, f, _) = profile_session(ctx, p, &format!("c{n}")).await?;
            let Some(mut a) = b(&c, &f) else { continue };
            a.mech.clone_from(mech);
            if a.script.hash != hash_of(mech) {
                a.script.hash = hash_of(mech);
            }
            ctx.step(&format!("{mech}: {}", a.label));
            let o = attempt(ctx, p, req, &a, &password, &mut c).await?;
            if o.verdict != crate::outcome::Verdict::Pass {
                let m = format!("{mech} over {}: {}", p.title(), a.label);
                return Ok(o.with_message(m));
            }
            done.push(format!("{mech}: {}", a.label));
        }
    }
    if done.is_empty() {
        return Ok(unsupported(
            "no deviation applies to what the target offers",
        ));
    }
    Ok(pass().with_message(format!("rejected: {}", done.join("; "))))
}

/// Run one attempt on `c` and judge the answer.
async fn attempt(
    ctx: &CaseCtx,
    p: AuthProfile,
    req: &'static str,
    a: &Attempt,
    password: &str,
    c: &mut Conn,
) -> Flow {
    let ir = a.first.clone().unwrap_or_else(|| a.script.client_first());
    let expected = "<failure/>";
    let reply = match c.start_auth(p, &a.mech, Some(&ir), &[]).await {
        Ok(r) => r,
        Err(e) => return Ok(unanswered(ctx, req, expected, &e, true)),
    };
    let reply = match &reply {
        Sasl2Reply::Challenge { data: Some(sf), .. } => {
            let sf = match ServerFirst::parse(sf, &a.script.client_nonce) {
                Ok(sf) => sf,
                Err(ScramScriptError::TooManyIterations(i)) => {
                    return Err(unsupported(format!(
                        "iteration count {i} above the suite's compute limit"
                    )));
                }
                Err(e) => {
                    let x = "a valid server-first-message";
                    return Ok(fail("SASL2-106", x, e.to_string()));
                }
            };
            let mut tweaks = a.tweaks.clone();
            if let Some(nf) = a.nonce {
                tweaks.nonce = Some(nf(&sf.nonce, &a.script.client_nonce));
            }
            let (msg, _) = a
                .script
                .client_final(&sf, password, &tweaks)
                .or_setup("client-final")?;
            ctx.step("client-final");
            match c.respond_in(p, &msg).await {
                Ok(r) => r,
                Err(e) => return Ok(unanswered(ctx, req, expected, &e, true)),
            }
        }
        _ => reply,
    };
    Ok(judge_rejection(p, req, &reply))
}

/// A script for `user` with the mechanism's hash filled in later by [`reject_all`].
fn plain(user: &str) -> ScramScript {
    ScramScript::new(gatecheck_proto::sasl::ScramHash::Sha256, user)
}

const RESERVED_M: Spec = Spec {
    id: "scram.reserved-m",
    title: "m= in client-first is rejected",
    cites: &["SASL2-103"],
    requires: "the presence of the reserved m= attribute MUST cause authentication failure \
               (RFC 5802 §5.1); the rest of the exchange is correct (the proof covers the m=)",
    ..REJECTED
};

async fn reserved_m(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    // Only client-first: there `m` is the ABNF's reserved-mext. In client-final the ABNF has
    // only generic extensions, which "MUST be ignored" when unrecognised (RFC 5802 §7), so the
    // two rules conflict there and the suite does not judge it.
    let builds: Vec<Build> = vec![Box::new(move |_, _| {
        let mut s = plain(&user);
        s.first_bare = format!("m=ext,{}", s.first_bare);
        Some(Attempt::new(
            "m=ext in client-first (covered by the proof)",
            "",
            s,
        ))
    })];
    reject_all(&ctx, "SASL2-103", false, builds).await
}

const BAD_ESCAPE: Spec = Spec {
    id: "scram.bad-escape",
    title: "Bad = escape in the username is rejected",
    cites: &["SASL2-101"],
    requires: "an = in the username not followed by 2C or 3D MUST fail, also when a lenient \
               hex decoding of it would name the configured account and the password is right",
    ..REJECTED
};

async fn bad_escape(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let Some(last) = user.bytes().last() else {
        return Err(setup("username", "empty"));
    };
    let head = user[..user.len() - 1].to_owned();
    let u2 = user.clone();
    let builds: Vec<Build> = vec![
        Box::new(move |_, _| {
            let mut s = plain(&head);
            s.first_bare = format!("n={head}={last:02X},r={}", s.client_nonce);
            Some(Attempt::new(
                format!(
                    "n={head}={last:02X} (=XX hex for the account's last byte), right password"
                ),
                "",
                s,
            ))
        }),
        Box::new(move |_, _| {
            let mut s = plain(&u2);
            s.first_bare = format!("n={u2}=41x,r={}", s.client_nonce);
            Some(Attempt::new(format!("n={u2}=41x"), "", s))
        }),
    ];
    reject_all(&ctx, "SASL2-101", false, builds).await
}

const WRONG_NONCE: Spec = Spec {
    id: "scram.wrong-nonce",
    title: "client-final with a wrong nonce is rejected",
    cites: &["SASL2-105"],
    requires: "the server MUST check that the client-final nonce equals the combined nonce \
               (last character changed, client part only, one character appended, first \
               character of the server part changed; the proof covers the altered nonce)",
    ..REJECTED
};

fn change_char(c: char) -> char {
    if c == 'A' { 'B' } else { 'A' }
}

async fn wrong_nonce(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let cases: [(&str, NonceFn); 4] = [
        ("last character changed", |n, _| {
            let mut n = n.to_owned();
            let last = n.pop().map_or('A', change_char);
            n.push(last);
            n
        }),
        ("client nonce only", |_, cn| cn.to_owned()),
        ("one character appended", |n, _| format!("{n}x")),
        ("first character of the server part changed", |n, cn| {
            let (a, b) = n.split_at(cn.len().min(n.len()));
            let mut chars = b.chars();
            let first = chars.next().map_or('A', change_char);
            format!("{a}{first}{}", chars.as_str())
        }),
    ];
    let builds: Vec<Build> = cases
        .into_iter()
        .map(|(label, f)| {
            let u = user.clone();
            Box::new(move |_: &Conn, _: &Features| {
                let mut a = Attempt::new(label, "", plain(&u));
                a.nonce = Some(f);
                Some(a)
            }) as Build
        })
        .collect();
    reject_all(&ctx, "SASL2-105", false, builds).await
}

const C_MISMATCH: Spec = Spec {
    id: "scram.c-mismatch",
    title: "c= not matching the GS2 header is rejected",
    cites: &["SASL2-108"],
    requires: "the server MUST rebuild c= from the GS2 header (and binding data) and fail on \
               mismatch: c= of 'y,,' after 'n,,', and c= carrying an authzid the header did not",
    ..REJECTED
};

async fn c_mismatch(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let domain = ctx.config.domain().unwrap_or_default().to_owned();
    let u1 = user.clone();
    let u2 = user.clone();
    let builds: Vec<Build> = vec![
        Box::new(move |_, _| {
            let mut a = Attempt::new("c=base64('y,,') after 'n,,'", "", plain(&u1));
            a.tweaks.channel_binding = Some("eSws".into());
            Some(a)
        }),
        Box::new(move |_, _| {
            let mut a = Attempt::new("c= with an authzid the header lacked", "", plain(&u2));
            a.tweaks.channel_binding = Some(encode_b64(format!("n,a={u2}@{domain},").as_bytes()));
            Some(a)
        }),
    ];
    reject_all(&ctx, "SASL2-108", false, builds).await
}

const FLAG_Y: Spec = Spec {
    id: "scram.flag-y",
    title: "Flag y: rejected when channel binding is supported, accepted when not",
    cites: &["SASL2-109"],
    requires: "RFC 5802 §6: flag y (the client believes the server does not bind) MUST fail \
               when the server supports channel binding here (-PLUS offered or \
               <sasl-channel-binding/> advertised: a possible downgrade), and the exchange must \
               succeed when it indeed does not",
    per_tls: true,
    ..REJECTED
};

async fn flag_y(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (mut c, f) = super::fresh(&ctx, p, "c0").await?;
    if f.cb_mechanisms().is_empty() && f.channel_binding.is_none() {
        ctx.step("no channel binding offered here: flag y must be accepted");
        let mech = gatecheck_client::login::best_scram_in(p, &f)
            .ok_or_else(|| unsupported("no plain SCRAM offered"))?;
        let mut script = ScramScript::new(hash_of(mech), &user);
        script.gs2_header = "y,,".into();
        return Ok(
            match exchange(&ctx, &mut c, mech, &script, &FinalTweaks::default()).await {
                Ok(_) => pass().with_message("no channel binding offered; y accepted"),
                Err(e) => login_failed("SASL2-109", e)
                    .with_message("y refused although the server offers no channel binding"),
            },
        );
    }
    let builds: Vec<Build> = vec![Box::new(move |_, _| {
        let mut s = plain(&user);
        s.gs2_header = "y,,".into();
        Some(Attempt::new("gs2 flag y", "", s))
    })];
    reject_all(&ctx, "SASL2-109", false, builds).await
}

const BOGUS_CB_TYPE: Spec = Spec {
    id: "scram.bogus-cb-type",
    title: "p= with an unknown cb type is rejected",
    cites: &["SASL2-110"],
    requires: "p=<type> for a type the server does not support MUST fail, whatever the \
               binding data (empty, this connection's tls-exporter bytes, zeros)",
    per_tls: true,
    ..REJECTED
};

async fn bogus_cb_type(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let datas: [(&str, DataFn); 3] = [
        ("empty data", |_| Vec::new()),
        ("this connection's tls-exporter bytes", |c| {
            binding_data(c.tls(), "tls-exporter").unwrap_or_else(|| vec![0; 32])
        }),
        ("32 zero bytes", |_| vec![0; 32]),
    ];
    let builds: Vec<Build> = datas
        .into_iter()
        .map(|(label, d)| {
            let u = user.clone();
            Box::new(move |c: &Conn, _: &Features| {
                let s = plain(&u).with_binding("gatecheck-bogus", d(c));
                Some(Attempt::new(
                    format!("p=gatecheck-bogus with {label}"),
                    "",
                    s,
                ))
            }) as Build
        })
        .collect();
    reject_all(&ctx, "SASL2-110", true, builds).await
}

const TLS_UNIQUE_REFUSED: Spec = Spec {
    id: "scram.tls-unique-refused",
    title: "p=tls-unique is refused where it is undefined or not offered",
    cites: &["SASL2-110"],
    requires: "tls-unique is undefined on TLS 1.3 (RFC 9266, RFC 8446 §C.5), so p=tls-unique \
               MUST fail there, with any data (the exporter bytes, 12 random bytes); on TLS 1.2 \
               a server that does not advertise it must refuse it the same way",
    accepts: &[
        "runs on the TLS version the target prefers; tls-unique advertised on TLS 1.2: \
         unsupported, naming the type (the suite cannot compute tls-unique)",
    ],
    ..REJECTED
};

async fn tls_unique_refused(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (c, f) = super::fresh(&ctx, p, "c0").await?;
    let v = version(&c);
    if v != Some(TlsVersion::Tls13) && f.cb_types().iter().any(|t| t == "tls-unique") {
        return Ok(unsupported(format!(
            "not exercised: tls-unique advertised on {v:?} (the suite cannot compute tls-unique)"
        )));
    }
    let u1 = user.clone();
    let builds: Vec<Build> = vec![
        Box::new(move |c, _| {
            let d = binding_data(c.tls(), "tls-exporter").unwrap_or_else(|| vec![0; 32]);
            let s = plain(&u1).with_binding("tls-unique", d);
            Some(Attempt::new(
                "p=tls-unique with the tls-exporter bytes",
                "",
                s,
            ))
        }),
        Box::new(move |_, _| {
            let mut d = [0u8; 12];
            rand::fill(&mut d);
            let s = plain(&user).with_binding("tls-unique", d.to_vec());
            Some(Attempt::new("p=tls-unique with 12 random bytes", "", s))
        }),
    ];
    reject_all(&ctx, "SASL2-110", true, builds).await
}

const WRONG_CB_DATA: Spec = Spec {
    id: "scram.wrong-cb-data",
    title: "Wrong channel-binding data is rejected, per advertised type",
    cites: &["SASL2-111"],
    requires: "correct flag and type with wrong cb-data MUST fail, for every advertised type: \
               random bytes, another type's data (type confusion), the data of a previous \
               connection, the right data truncated",
    per_tls: true,
    ..REJECTED
};

async fn wrong_cb_data(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (c0, f0) = super::fresh(&ctx, p, "c0").await?;
    let types = exercisable(&c0, &f0);
    if types.is_empty() {
        let why = format!(
            "not exercised: no computable cb type among {:?} (and no TLS 1.3 default)",
            f0.cb_types()
        );
        return Ok(unsupported(why));
    }
    let mut builds: Vec<Build> = Vec::new();
    for t in types {
        let (u1, u2, u3, u4) = (user.clone(), user.clone(), user.clone(), user.clone());
        let (t1, t2, t3, t4) = (t.clone(), t.clone(), t.clone(), t.clone());
        builds.push(Box::new(move |c, _| {
            let n = binding_data(c.tls(), &t1)?.len().max(1);
            let mut junk = vec![0u8; n];
            rand::fill(junk.as_mut_slice());
            let s = plain(&u1).with_binding(&t1, junk);
            Some(Attempt::new(format!("p={t1} with random bytes"), "", s))
        }));
        builds.push(Box::new(move |c, f| {
            let other = computable(c, f).into_iter().find(|o| *o != t2)?;
            let d = binding_data(c.tls(), &other)?;
            let s = plain(&u2).with_binding(&t2, d);
            Some(Attempt::new(format!("p={t2} with the {other} data"), "", s))
        }));
        let stale = binding_data(c0.tls(), &t3);
        builds.push(Box::new(move |c, _| {
            let old = stale.clone()?;
            // tls-server-end-point is per certificate, not per connection.
            if binding_data(c.tls(), &t3).as_deref() == Some(old.as_slice()) {
                return None;
            }
            let s = plain(&u3).with_binding(&t3, old);
            Some(Attempt::new(
                format!("p={t3} with a previous connection's data"),
                "",
                s,
            ))
        }));
        builds.push(Box::new(move |c, _| {
            let mut d = binding_data(c.tls(), &t4)?;
            d.truncate(d.len() / 2);
            let s = plain(&u4).with_binding(&t4, d);
            Some(Attempt::new(
                format!("p={t4} with the right data cut in half"),
                "",
                s,
            ))
        }));
    }
    reject_all(&ctx, "SASL2-111", true, builds).await
}

const PROHIBITED_USERNAME: Spec = Spec {
    id: "scram.prohibited-username",
    title: "A username SASLprep prohibits is rejected",
    cites: &["SASL2-102"],
    requires: "the server SASLpreps the username and aborts when that fails (U+0007 is \
               prohibited)",
    ..REJECTED
};

async fn prohibited_username(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let builds: Vec<Build> = vec![Box::new(move |_, _| {
        let mut s = plain(&user);
        s.first_bare = format!("n=\u{7}{user},r={}", s.client_nonce);
        Some(Attempt::new("n=U+0007 + username", "", s))
    })];
    reject_all(&ctx, "SASL2-102", false, builds).await
}

const WRONG_PROOF: Spec = Spec {
    id: "scram.wrong-proof",
    title: "A wrong proof is rejected, per hash and per -PLUS mechanism",
    cites: &["SASL2-112"],
    requires: "the server MUST verify ClientProof against StoredKey and fail on mismatch: one \
               bit flipped, half the proof, an empty proof; with every SCRAM mechanism offered, \
               -PLUS included (with correct binding data)",
    ..REJECTED
};

fn proof_builds(user: &str, plus: bool) -> Vec<Build> {
    let variants: [(&str, TweakFn); 3] = [
        ("one bit of the proof flipped", |t| t.corrupt_proof = true),
        ("the proof cut in half", |t| t.truncate_proof = true),
        ("an empty proof", |t| t.empty_proof = true),
    ];
    variants
        .into_iter()
        .map(|(label, tweak)| {
            let u = user.to_owned();
            Box::new(move |c: &Conn, f: &Features| {
                let mut s = plain(&u);
                if plus {
                    let t = binding_for(c, f)?;
                    s = s.with_binding(t, binding_data(c.tls(), t)?);
                }
                let mut a = Attempt::new(label, "", s);
                tweak(&mut a.tweaks);
                Some(a)
            }) as Build
        })
        .collect()
}

async fn wrong_proof(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let plain_outcome = reject_all(&ctx, "SASL2-112", false, proof_builds(&user, false)).await?;
    if plain_outcome.verdict != crate::outcome::Verdict::Pass {
        return Ok(plain_outcome);
    }
    let plus_outcome = reject_all(&ctx, "SASL2-112", true, proof_builds(&user, true)).await;
    Ok(match plus_outcome {
        Ok(o) if o.verdict == crate::outcome::Verdict::Pass => {
            pass().with_message("every plain and -PLUS mechanism rejected the wrong proofs")
        }
        Ok(o) => o,
        // No -PLUS offered: the plain mechanisms were all that could be checked.
        Err(o) if o.verdict == crate::outcome::Verdict::Unsupported => plain_outcome,
        Err(o) => o,
    })
}

/// Used by the positive cases: one correct exchange with `script` over the variant's profile.
pub(super) async fn exchange(
    ctx: &CaseCtx,
    c: &mut Conn,
    mech: &str,
    script: &ScramScript,
    tweaks: &FinalTweaks,
) -> Result<gatecheck_client::Login, LoginError> {
    let (_, password) = creds(ctx).map_err(|_| LoginError::Mechanism("no account".into()))?;
    scram_exchange_in(c, profile(ctx), mech, script, &password, tweaks, &[]).await
}

/// Whether a cb type is defined on `c`'s TLS version (re-exported for the positive cases).
pub(super) fn type_defined(c: &Conn, t: &str) -> bool {
    defined_on(t, version(c))
}
