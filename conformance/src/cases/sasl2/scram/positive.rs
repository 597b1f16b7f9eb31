//! SCRAM exchanges that must succeed or whose server messages must have a given shape, over the
//! variant's profile, for every offered mechanism.

use super::super::SASL2;
use super::SCRAM;
use super::negative::{exchange, type_defined};
use super::{computable, hash_of, offered, ssdp_h, version};
use crate::cases::prelude::*;
use gatecheck_client::AuthProfile;
use gatecheck_client::login::scram_mechanisms;
use gatecheck_proto::jid::Jid;
use gatecheck_proto::sasl::TlsVersion;

/// The positive SCRAM cases, in registry order.
pub fn cases() -> Vec<Case> {
    vec![
        LOGIN_EACH.with(login_each),
        PLUS_EACH_CB.with(plus_each_cb),
        TLS_EXPORTER_ON_TLS13.with(tls_exporter_on_tls13),
        SSDP.with(ssdp),
        NONCE.with(nonce),
        ITERATIONS.with(iterations),
        NO_WHITESPACE.with(no_whitespace),
        UNKNOWN_EXTENSION.with(unknown_extension),
        SASLPREP_MAPPED.with(saslprep_mapped),
    ]
}

const LOGIN_EACH: Spec = Spec {
    id: "scram.login-each",
    title: "Each offered SCRAM mechanism logs in; v= verifies; features follow",
    cites: &[
        "SASL2-112",
        "SASL2-113",
        "SASL2-20",
        "SASL2-18",
        "SASL2-19",
        "SASL2-22",
        "SASL2-205",
    ],
    requires: "correct credentials succeed with every advertised non-PLUS SCRAM mechanism and \
               the server-final v= equals the ServerSignature; over SASL2 <success/> carries \
               the bare JID and <stream:features/> follows without a restart; over RFC 6120 \
               SASL the restarted stream offers no SASL again",
    needs: &[Capability::Account],
    ..SCRAM
};

async fn login_each(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (_c0, _, mechs) = offered(&ctx, p, false).await?;
    for (i, mech) in mechs.iter().enumerate() {
        ctx.step(&format!("login with {mech}"));
        let (mut c, _, _) = profile_session(&ctx, p, &format!("c{}", i + 1)).await?;
        let script = script_for(&c, mech, &user, None).or_setup("script")?;
        let login = exchange(&ctx, &mut c, mech, &script, &FinalTweaks::default())
            .await
            .map_err(|e| login_failed("SASL2-112", e).with_message(mech.clone()))?;
        match p {
            AuthProfile::Sasl2 => {
                let bare = format!("{user}@{}", c.domain());
                let want = Jid::parse(&bare).ok();
                match authorization_identifier(&login.success) {
                    None => {
                        let got = login.success.to_xml();
                        let expected = "<authorization-identifier/> in <success/>";
                        return Ok(fail("SASL2-19", expected, got));
                    }
                    Some(a) if Jid::parse(&a).ok() != want || want.is_none() => {
                        return Ok(fail("SASL2-19", format!("bare JID {bare}"), a));
                    }
                    Some(_) => {}
                }
                if let Err(e) = c.post_auth_features().await {
                    let expected = "<stream:features/> right after <success/>";
                    return Ok(fail("SASL2-22", expected, e.to_string()));
                }
            }
            AuthProfile::Sasl => {
                let f = c.after_success(p).await.or_setup("stream restart")?;
                if f.legacy_mechanisms.is_some() || f.sasl2.is_some() {
                    return Ok(fail(
                        "SASL2-205",
                        "no SASL offer on the stream restarted after success",
                        f.element.to_xml(),
                    ));
                }
            }
        }
    }
    Ok(pass().with_message(format!("logged in over {} with {mechs:?}", p.title())))
}

const PLUS_EACH_CB: Spec = Spec {
    id: "scram.plus-each-cb",
    title: "Each -PLUS mechanism works with each advertised cb type",
    cites: &[
        "SASL2-121",
        "SASL2-128",
        "SASL2-117",
        "SASL2-118",
        "SASL2-116",
    ],
    requires: "every advertised channel-binding type is defined on the negotiated TLS version \
               (no tls-unique on TLS 1.3) and works with every advertised SCRAM -PLUS \
               mechanism; tls-exporter is the RFC 9266 exporter (empty context, 32 bytes) and \
               tls-server-end-point the RFC 5929 §4.1 certificate hash",
    accepts: &[
        "types the suite cannot compute (tls-unique on TLS 1.2, unknown names) are reported \
         by name, never skipped silently: unsupported when none is left",
    ],
    needs: &[Capability::Account],
    per_tls: true,
    ..SCRAM
};

async fn plus_each_cb(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (c0, f, plus) = offered(&ctx, p, true).await?;
    if let Some(t) = f.cb_types().iter().find(|t| !type_defined(&c0, t)) {
        return Ok(fail(
            "SASL2-128",
            "only channel-binding types defined on this TLS version",
            format!("{t} advertised on {:?}", version(&c0)),
        ));
    }
    let types = computable(&c0, &f);
    let not_computable: Vec<&String> = f.cb_types().iter().filter(|t| !types.contains(t)).collect();
    if f.channel_binding.is_none() {
        return Ok(unsupported(
            "no XEP-0440 types advertised; the TLS 1.3 default is checked by \
             scram.tls-exporter-on-tls13",
        ));
    }
    if types.is_empty() {
        return Ok(unsupported(format!(
            "not exercised: {not_computable:?} (the suite cannot compute these types)"
        )));
    }
    let mut n = 0;
    for mech in &plus {
        for t in &types {
            n += 1;
            ctx.step(&format!("{mech} with {t}"));
            let (mut c, _, _) = profile_session(&ctx, p, &format!("c{n}")).await?;
            let script = script_for(&c, mech, &user, Some(t)).or_setup("script")?;
            let r = exchange(&ctx, &mut c, mech, &script, &FinalTweaks::default()).await;
            if let Err(e) = r {
                let m = format!("{mech} with the advertised type {t}");
                return Ok(login_failed("SASL2-121", e).with_message(m));
            }
        }
    }
    let exporter = f.cb_types().iter().any(|t| t == "tls-exporter");
    if version(&c0) == Some(TlsVersion::Tls13) && !exporter {
        return Ok(warn(
            "SASL2-116",
            "tls-exporter advertised on TLS 1.3 (the RFC 9266 default)",
            format!("{:?}", f.cb_types()),
            "clients that only know the TLS 1.3 default cannot bind",
        ));
    }
    let mut msg = format!("exercised {types:?} with {plus:?}");
    if !not_computable.is_empty() {
        msg.push_str(&format!("; not exercised: {not_computable:?}"));
    }
    Ok(pass().with_message(msg))
}

const TLS_EXPORTER_ON_TLS13: Spec = Spec {
    id: "scram.tls-exporter-on-tls13",
    title: "-PLUS on TLS 1.3 accepts tls-exporter",
    cites: &["SASL2-130"],
    requires: "a server offering SCRAM -PLUS on TLS 1.3 accepts p=tls-exporter with the RFC \
               9266 §2 data with every -PLUS mechanism (tls-exporter is the TLS 1.3 default), \
               advertised or not",
    accepts: &["runs on the TLS version the target prefers; a target without TLS 1.3: unsupported"],
    needs: &[Capability::Account],
    ..SCRAM
};

async fn tls_exporter_on_tls13(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (c0, _, plus) = offered(&ctx, p, true).await?;
    if version(&c0) != Some(TlsVersion::Tls13) {
        return Ok(unsupported("runs on TLS 1.3 only"));
    }
    for (i, mech) in plus.iter().enumerate() {
        ctx.step(&format!("{mech} with tls-exporter"));
        let (mut c, _, _) = profile_session(&ctx, p, &format!("c{}", i + 1)).await?;
        let script = script_for(&c, mech, &user, Some("tls-exporter")).or_setup("script")?;
        if let Err(e) = exchange(&ctx, &mut c, mech, &script, &FinalTweaks::default()).await {
            let m = format!("{mech} with p=tls-exporter on TLS 1.3");
            return Ok(login_failed("SASL2-130", e).with_message(m));
        }
    }
    Ok(pass().with_message(format!("tls-exporter accepted by {plus:?}")))
}

const SSDP: Spec = Spec {
    id: "scram.ssdp",
    title: "SSDP h= matches the advertised lists, for every SCRAM mechanism",
    cites: &["SASL2-122"],
    requires: "when server-first carries h=, it is base64(H(sorted mechanisms of the profile in \
               use ⟨0x1E⟩ [0x1F sorted cb types ⟨0x1E⟩])) with the mechanism's hash",
    accepts: &[
        "no h= (SSDP not implemented): unsupported; the pre-0.4 d= form counts as not \
         implementing 0.5.0",
    ],
    needs: &[Capability::Account],
    per_tls: true,
    ..SCRAM
};

async fn ssdp(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (_c0, f, _) = offered(&ctx, p, false).await?;
    let all: Vec<String> = scram_mechanisms(p, &f, false)
        .into_iter()
        .chain(scram_mechanisms(p, &f, true))
        .collect();
    let mut checked = Vec::new();
    for (i, mech) in all.iter().enumerate() {
        let (mut c, f, _) = profile_session(&ctx, p, &format!("c{}", i + 1)).await?;
        let cb = if mech.ends_with("-PLUS") {
            let Some(t) = super::binding_for(&c, &f) else {
                continue;
            };
            Some(t)
        } else {
            None
        };
        let Ok(script) = script_for(&c, mech, &user, cb) else {
            continue;
        };
        ctx.step(&format!("server-first for {mech}"));
        let sf = server_first(&ctx, &mut c, p, mech, &script).await?;
        let Some(h) = sf.extension('h') else {
            let old = sf
                .extension('d')
                .map_or(String::new(), |_| " (only the pre-0.4 d= form)".into());
            return Ok(unsupported(format!("no h= in server-first{old}")));
        };
        let want = ssdp_h(mech, p.mechanisms(&f), f.cb_types());
        if want.as_deref() != Some(h) {
            return Ok(fail(
                "SASL2-122",
                format!(
                    "{} for {mech} over the {} list",
                    want.unwrap_or_default(),
                    p.title()
                ),
                h,
            ));
        }
        checked.push(mech.clone());
    }
    Ok(pass().with_message(format!("h= verified for {checked:?}")))
}

/// Start an exchange with `script` and return the parsed server-first-message; anything else is
/// a verdict (silence fails SASL2-17's "each step gets its challenge").
async fn server_first(
    ctx: &CaseCtx,
    c: &mut Conn,
    p: AuthProfile,
    mech: &str,
    script: &ScramScript,
) -> Flow<ServerFirst> {
    let expected = "a server-first-message challenge";
    let r = match c
        .start_auth(p, mech, Some(&script.client_first()), &[])
        .await
    {
        Ok(r) => r,
        Err(e) => return Err(unanswered(ctx, "SASL2-17", expected, &e, false)),
    };
    let Sasl2Reply::Challenge { data: Some(d), .. } = r else {
        return Err(fail("SASL2-112", expected, r.describe()));
    };
    match ServerFirst::parse(&d, &script.client_nonce) {
        Ok(sf) => Ok(sf),
        Err(ScramScriptError::TooManyIterations(i)) => Err(unsupported(format!(
            "iteration count {i} above the suite's compute limit"
        ))),
        Err(ScramScriptError::NoncePrefix) => Err(fail(
            "SASL2-104",
            "r= = client nonce + server part",
            "prefix missing",
        )),
        Err(e) => Err(fail(
            "SASL2-106",
            "a valid server-first-message",
            e.to_string(),
        )),
    }
}

const NONCE: Spec = Spec {
    id: "scram.nonce",
    title: "Server nonce extends the client nonce and differs per attempt",
    cites: &["SASL2-104", "SASL2-106"],
    requires: "server-first r= starts with the client nonce, adds a non-empty part, differs \
               between attempts (also on the same stream after a failed attempt); s= and i= \
               follow in order",
    needs: &[Capability::Account],
    ..SCRAM
};

async fn nonce(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, password) = creds(&ctx)?;
    let mut seen = Vec::new();
    let (mut c, _, mech) = profile_session(&ctx, p, "c1").await?;
    ctx.step("first attempt (wrong password)");
    let script = ScramScript::new(hash_of(mech), &user);
    let sf = server_first(&ctx, &mut c, p, mech, &script).await?;
    seen.push(sf.nonce[script.client_nonce.len()..].to_owned());
    let wrong = format!("{password}-gatecheck-wrong");
    let (msg, _) = script
        .client_final(&sf, &wrong, &FinalTweaks::default())
        .or_setup("client-final")?;
    let same_stream = matches!(c.respond_in(p, &msg).await, Ok(Sasl2Reply::Failure { .. }));
    if same_stream {
        ctx.step("second attempt on the same stream");
        let script = ScramScript::new(hash_of(mech), &user);
        if let Ok(sf) = server_first(&ctx, &mut c, p, mech, &script).await {
            seen.push(sf.nonce[script.client_nonce.len()..].to_owned());
        }
    }
    ctx.step("attempt on a new stream");
    let (mut c2, _, _) = profile_session(&ctx, p, "c2").await?;
    let script = ScramScript::new(hash_of(mech), &user);
    let sf = server_first(&ctx, &mut c2, p, mech, &script).await?;
    seen.push(sf.nonce[script.client_nonce.len()..].to_owned());
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    Ok(if sorted.len() != seen.len() {
        fail(
            "SASL2-104",
            "a fresh server nonce per attempt",
            format!("{seen:?}"),
        )
    } else {
        pass()
    })
}

const ITERATIONS: Spec = Spec {
    id: "scram.iterations",
    title: "Iteration count at least 4096, per hash",
    cites: &["SASL2-107"],
    requires: "the iteration count SHOULD be at least 4096 (RFC 5802 §5.1, RFC 7677 §4), for \
               the credentials of every offered hash",
    accepts: &["an iteration count above the suite's compute limit: unsupported (no upper bound)"],
    needs: &[Capability::Account],
    ..SCRAM
};

async fn iterations(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (_c0, _, mechs) = offered(&ctx, p, false).await?;
    let mut seen = Vec::new();
    for (i, mech) in mechs.iter().enumerate() {
        let (mut c, _, _) = profile_session(&ctx, p, &format!("c{}", i + 1)).await?;
        let script = ScramScript::new(hash_of(mech), &user);
        let sf = server_first(&ctx, &mut c, p, mech, &script).await?;
        if sf.iterations < 4096 {
            return Ok(warn(
                "SASL2-107",
                "i >= 4096",
                format!("{mech}: i={}", sf.iterations),
                "cheaper offline guessing of the password",
            ));
        }
        seen.push(format!("{mech}: {}", sf.iterations));
    }
    Ok(pass().with_message(seen.join(", ")))
}

const NO_WHITESPACE: Spec = Spec {
    id: "sasl2.scram.no-whitespace",
    title: "No whitespace in server base64 or between auth elements",
    cites: &["SASL2-14", "SASL2-17"],
    requires: "server base64 (challenge, success data) SHOULD NOT contain whitespace; the \
               server MUST NOT send whitespace or other elements during authentication",
    needs: &[Capability::Account],
    ..SASL2
};

async fn no_whitespace(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, password) = creds(&ctx)?;
    let (mut c, _, mech) = profile_session(&ctx, p, "c1").await?;
    c.take_whitespace();
    let script = ScramScript::new(hash_of(mech), &user);
    let expected = "a base64 challenge";
    let (raw, sf) = match c
        .start_auth(p, mech, Some(&script.client_first()), &[])
        .await
    {
        Ok(Sasl2Reply::Challenge {
            raw, data: Some(d), ..
        }) => (raw, d),
        Ok(other) => return Ok(fail("SASL2-17", expected, other.describe())),
        Err(e) => return Ok(unanswered(&ctx, "SASL2-17", expected, &e, false)),
    };
    let sf = ServerFirst::parse(&sf, &script.client_nonce)
        .map_err(|e| fail("SASL2-106", "a valid server-first-message", e.to_string()))?;
    let (msg, _) = script
        .client_final(&sf, &password, &FinalTweaks::default())
        .or_setup("client-final")?;
    let success = match c.respond_in(p, &msg).await {
        Ok(Sasl2Reply::Success(s)) => s,
        Ok(other) => return Ok(fail("SASL2-112", "<success/>", other.describe())),
        Err(e) => return Ok(unanswered(&ctx, "SASL2-112", "<success/>", &e, false)),
    };
    if c.take_whitespace() > 0 {
        return Ok(fail(
            "SASL2-17",
            "no whitespace during authentication",
            "whitespace between elements",
        ));
    }
    let data = match p {
        AuthProfile::Sasl2 => success
            .child("additional-data", ns::SASL2)
            .map(|a| a.text())
            .unwrap_or_default(),
        AuthProfile::Sasl => success.text(),
    };
    if gatecheck_client::sasl2::has_whitespace(&raw)
        || gatecheck_client::sasl2::has_whitespace(&data)
    {
        return Ok(warn(
            "SASL2-14",
            "base64 without whitespace",
            format!("{raw:?} / {data:?}"),
            "strict decoders reject it",
        ));
    }
    Ok(pass())
}

const UNKNOWN_EXTENSION: Spec = Spec {
    id: "scram.unknown-extension",
    title: "An unknown client extension attribute is ignored",
    cites: &["SASL2-114"],
    requires: "unrecognised optional extension attributes in client-first and client-final \
               MUST be ignored (and are part of AuthMessage)",
    needs: &[Capability::Account],
    ..SCRAM
};

async fn unknown_extension(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (mut c, _, mech) = profile_session(&ctx, p, "c1").await?;
    ctx.step("x= in client-final");
    let script = script_for(&c, mech, &user, None).or_setup("script")?;
    let tweaks = FinalTweaks {
        extension: Some(format!("x={}", encode_b64(b"gatecheck"))),
        ..FinalTweaks::default()
    };
    if let Err(e) = exchange(&ctx, &mut c, mech, &script, &tweaks).await {
        return Ok(login_failed("SASL2-114", e).with_message("x= in client-final"));
    }
    ctx.step("x= in client-first");
    let (mut c, _, _) = profile_session(&ctx, p, "c2").await?;
    let mut script = script_for(&c, mech, &user, None).or_setup("script")?;
    script.first_bare = format!("{},x=Z2M=", script.first_bare);
    Ok(
        match exchange(&ctx, &mut c, mech, &script, &FinalTweaks::default()).await {
            Ok(_) => pass(),
            Err(e) => login_failed("SASL2-114", e).with_message("x= in client-first"),
        },
    )
}

const SASLPREP_MAPPED: Spec = Spec {
    id: "scram.saslprep-mapped",
    title: "The username is SASLprepped (U+00AD maps to nothing)",
    cites: &["SASL2-102"],
    requires: "RFC 5802 §5.1: the server SASLpreps the username, so a soft hyphen (U+00AD, \
               mapped to nothing by RFC 4013 §2.1) inside it still names the account",
    accepts: &[
        "a failure only warns: XMPP localparts are PRECIS (RFC 7622), not SASLprep, so the \
         rule is vague for XMPP servers",
    ],
    needs: &[Capability::Account],
    ..SCRAM
};

async fn saslprep_mapped(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (user, _) = creds(&ctx)?;
    let (mut c, _, mech) = profile_session(&ctx, p, "c1").await?;
    let mut chars = user.chars();
    let first: String = chars.next().into_iter().collect();
    let mapped = format!("{first}\u{AD}{}", chars.as_str());
    let script = ScramScript::new(hash_of(mech), &mapped);
    Ok(
        match exchange(&ctx, &mut c, mech, &script, &FinalTweaks::default()).await {
            Ok(_) => pass(),
            Err(LoginError::Reply(r)) => warn(
                "SASL2-102",
                format!("success for n={first}<U+00AD>… (SASLprep maps U+00AD to nothing)"),
                r.describe(),
                "vague for XMPP: localparts are PRECIS-prepared, but RFC 5802 requires SASLprep",
            ),
            Err(e) => login_failed("SASL2-102", e),
        },
    )
}
