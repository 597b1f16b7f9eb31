//! SCRAM exchanges that must succeed or whose server messages must have a given shape.

use super::super::SASL2;
use super::{hash_of, server_first, ssdp_h};
use crate::cases::prelude::*;

/// The positive SCRAM cases, in registry order.
pub fn cases() -> Vec<Case> {
    vec![
        LOGIN_EACH.with(login_each),
        PLUS_EACH_CB.with(plus_each_cb),
        SSDP.with(ssdp),
        NONCE.with(nonce),
        ITERATIONS.with(iterations),
        NO_WHITESPACE.with(no_whitespace),
    ]
}

/// Whether `m` is a SCRAM mechanism name, with (`plus`) or without channel binding.
fn is_scram(m: &str, plus: bool) -> bool {
    m.starts_with("SCRAM-") && m.ends_with("-PLUS") == plus
}

const LOGIN_EACH: Spec = Spec {
    id: "sasl2.scram.login-each",
    title: "Each offered SCRAM mechanism logs in; v= verifies; features follow",
    cites: &[
        "SASL2-112",
        "SASL2-113",
        "SASL2-20",
        "SASL2-18",
        "SASL2-19",
        "SASL2-22",
    ],
    requires: "correct credentials succeed with every advertised non-PLUS SCRAM mechanism, \
               <success/> carries v= equal to the ServerSignature and the bare JID, and \
               <stream:features/> follows without a restart",
    needs: &[Capability::Account],
    ..SASL2
};

async fn login_each(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let (_c, _f, s) = sasl2_session(&ctx, "c0").await?;
    let mechs: Vec<String> = s
        .mechanisms
        .iter()
        .filter(|m| is_scram(m, false))
        .cloned()
        .collect();
    if mechs.is_empty() {
        return Ok(unsupported("no non-PLUS SCRAM mechanism offered"));
    }
    for (i, mech) in mechs.iter().enumerate() {
        ctx.step(&format!("login with {mech}"));
        let (mut c, _, _) = sasl2_session(&ctx, &format!("c{}", i + 1)).await?;
        let script = script_for(&c, mech, &user, None).or_setup("script")?;
        let tweaks = FinalTweaks::default();
        let login = scram_exchange(&mut c, mech, &script, &password, &tweaks, &[])
            .await
            .map_err(|e| login_failed("SASL2-112", e))?;
        let bare = format!("{user}@{}", c.domain());
        match authorization_identifier(&login.success) {
            None => {
                let got = login.success.to_xml();
                let expected = "<authorization-identifier/> in <success/>";
                return Ok(fail("SASL2-19", expected, got));
            }
            Some(a) if !a.eq_ignore_ascii_case(&bare) => {
                return Ok(fail("SASL2-19", format!("bare JID {bare}"), a));
            }
            Some(_) => {}
        }
        if let Err(e) = c.post_auth_features().await {
            let expected = "<stream:features/> right after <success/>";
            return Ok(fail("SASL2-22", expected, e.to_string()));
        }
    }
    Ok(pass().with_message(format!("logged in with {mechs:?}")))
}

const PLUS_EACH_CB: Spec = Spec {
    id: "sasl2.scram.plus-each-cb",
    title: "Each -PLUS mechanism works with each advertised cb type",
    cites: &["SASL2-121", "SASL2-117", "SASL2-118", "SASL2-116"],
    requires: "every advertised channel-binding type works with every advertised SCRAM -PLUS \
               mechanism; tls-exporter is the RFC 9266 exporter (empty context, 32 bytes) and \
               tls-server-end-point the RFC 5929 §4.1 certificate hash",
    accepts: &["cb types the suite cannot compute (tls-unique) are skipped with a note"],
    needs: &[Capability::Account],
    ..SASL2
};

async fn plus_each_cb(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let (c0, f, s) = sasl2_session(&ctx, "c0").await?;
    let plus: Vec<String> = s
        .mechanisms
        .iter()
        .filter(|m| is_scram(m, true))
        .cloned()
        .collect();
    if plus.is_empty() {
        return Ok(unsupported("no SCRAM -PLUS mechanism offered"));
    }
    let types: Vec<String> = f
        .cb_types()
        .iter()
        .filter(|t| binding_data(c0.tls(), t).is_some())
        .cloned()
        .collect();
    if types.is_empty() {
        let why = format!("no computable cb type among {:?}", f.cb_types());
        return Ok(unsupported(why));
    }
    let mut n = 0;
    for mech in &plus {
        for t in &types {
            n += 1;
            ctx.step(&format!("{mech} with {t}"));
            let (mut c, _, _) = sasl2_session(&ctx, &format!("c{n}")).await?;
            let script = script_for(&c, mech, &user, Some(t)).or_setup("script")?;
            let tweaks = FinalTweaks::default();
            let r = scram_exchange(&mut c, mech, &script, &password, &tweaks, &[]).await;
            if let Err(e) = r {
                let req = if t == "tls-exporter" {
                    "SASL2-117"
                } else {
                    "SASL2-118"
                };
                return Ok(login_failed(req, e).with_message(format!("{mech} with {t}")));
            }
        }
    }
    Ok(pass())
}

const SSDP: Spec = Spec {
    id: "sasl2.scram.ssdp",
    title: "SSDP h= matches the advertised lists",
    cites: &["SASL2-122"],
    requires: "when server-first carries h=, it is base64(H(sorted SASL2 mechanisms ⟨0x1E⟩ \
               [0x1F sorted cb types ⟨0x1E⟩]))",
    accepts: &[
        "no h= (SSDP not implemented): unsupported; the pre-0.4 d= form counts as not \
                implementing 0.5.0",
    ],
    needs: &[Capability::Account],
    ..SASL2
};

async fn ssdp(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let (mut c, f, mech) = scram_session(&ctx).await?;
    let sf = server_first(&mut c, mech, &user)
        .await
        .ok_or_else(|| setup("server-first", "no usable challenge"))?;
    let Some(h) = sf.extension('h') else {
        let old = sf
            .extension('d')
            .map_or(String::new(), |_| " (only the pre-0.4 d= form)".into());
        return Ok(unsupported(format!("no h= in server-first{old}")));
    };
    let want = ssdp_h(mech, f.mechanisms(), f.cb_types());
    Ok(if want.as_deref() == Some(h) {
        pass()
    } else {
        fail("SASL2-122", want.unwrap_or_default(), h)
    })
}

const NONCE: Spec = Spec {
    id: "sasl2.scram.nonce",
    title: "Server nonce extends the client nonce and differs per attempt",
    cites: &["SASL2-104", "SASL2-106"],
    requires: "server-first r= starts with the client nonce, adds a non-empty part, differs \
               between attempts; s= and i= follow in order",
    needs: &[Capability::Account],
    ..SASL2
};

async fn nonce(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (mut c, _, mech) = scram_session(&ctx).await?;
        let script = ScramScript::new(hash_of(mech), &user);
        let sf = match c
            .authenticate(mech, Some(&script.client_first()), &[])
            .await
        {
            Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => {
                ServerFirst::parse(&d, &script.client_nonce)
            }
            Ok(other) => return Err(setup("authenticate", other.describe())),
            Err(e) => return Err(setup("authenticate", e)),
        };
        match sf {
            Ok(sf) => seen.push(sf.nonce[script.client_nonce.len()..].to_owned()),
            Err(ScramScriptError::NoncePrefix) => {
                let expected = "r= = client nonce + server part";
                return Ok(fail("SASL2-104", expected, "prefix missing"));
            }
            Err(e) => {
                let expected = "a valid server-first-message";
                return Ok(fail("SASL2-106", expected, e.to_string()));
            }
        }
    }
    Ok(if seen.first() == seen.get(1) {
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
    id: "sasl2.scram.iterations",
    title: "Iteration count at least 4096",
    cites: &["SASL2-107"],
    requires: "the iteration count SHOULD be at least 4096 (RFC 5802 §5.1, RFC 7677 §4)",
    needs: &[Capability::Account],
    ..SASL2
};

async fn iterations(ctx: CaseCtx) -> Flow {
    let (user, _) = creds(&ctx)?;
    let (mut c, _, mech) = scram_session(&ctx).await?;
    Ok(match server_first(&mut c, mech, &user).await {
        Some(sf) if sf.iterations >= 4096 => pass(),
        Some(sf) => warn(
            "SASL2-107",
            "i >= 4096",
            sf.iterations.to_string(),
            "cheaper offline guessing of the password",
        ),
        None => setup("server-first", "no usable challenge"),
    })
}

const NO_WHITESPACE: Spec = Spec {
    id: "sasl2.scram.no-whitespace",
    title: "No whitespace in server base64 or between auth elements",
    cites: &["SASL2-14", "SASL2-17"],
    requires: "server base64 (challenge, additional-data) SHOULD NOT contain whitespace; the \
               server MUST NOT send whitespace or other elements during authentication",
    needs: &[Capability::Account],
    ..SASL2
};

async fn no_whitespace(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let (mut c, _, mech) = scram_session(&ctx).await?;
    c.take_whitespace();
    let script = ScramScript::new(hash_of(mech), &user);
    let (raw, sf) = match c
        .authenticate(mech, Some(&script.client_first()), &[])
        .await
    {
        Ok(Sasl2Reply::Challenge {
            raw, data: Some(d), ..
        }) => (raw, d),
        Ok(other) => {
            let expected = "base64 challenge without whitespace";
            return Ok(fail("SASL2-14", expected, other.describe()));
        }
        Err(e) => return Err(setup("authenticate", e)),
    };
    let sf = ServerFirst::parse(&sf, &script.client_nonce)
        .map_err(|_| setup("server-first", "unparsable"))?;
    let (msg, _) = script
        .client_final(&sf, &password, &FinalTweaks::default())
        .map_err(|_| setup("client-final", "derivation"))?;
    let success = match c.respond(&msg).await {
        Ok(Sasl2Reply::Success(s)) => s,
        Ok(other) => return Err(setup("response", other.describe())),
        Err(e) => return Err(setup("response", e)),
    };
    if c.take_whitespace() > 0 {
        return Ok(fail(
            "SASL2-17",
            "no whitespace during authentication",
            "whitespace between elements",
        ));
    }
    let ad = success
        .child("additional-data", ns::SASL2)
        .map(|a| a.text())
        .unwrap_or_default();
    if raw.chars().chain(ad.chars()).any(char::is_whitespace) {
        return Ok(warn(
            "SASL2-14",
            "base64 without whitespace",
            format!("{raw:?} / {ad:?}"),
            "strict decoders reject it",
        ));
    }
    Ok(pass())
}
