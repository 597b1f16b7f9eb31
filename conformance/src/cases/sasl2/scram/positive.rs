//! SCRAM exchanges that must succeed or whose server messages must have a given shape.

use super::prelude::*;
use crate::client::sasl2::authorization_identifier;

/// The positive SCRAM cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case::new("sasl2.scram.login-each", Module::Sasl2, "Each offered SCRAM mechanism logs in; v= verifies; features follow")
            .cites(&["SASL2-112", "SASL2-113", "SASL2-20", "SASL2-18", "SASL2-19", "SASL2-22"])
            .requires("correct credentials succeed with every advertised non-PLUS SCRAM mechanism, <success/> carries v= equal to the ServerSignature and the bare JID, and <stream:features/> follows without a restart")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, password) = match creds(&ctx) { Ok(v) => v, Err(o) => return o };
                let (_c, f, s) = match sasl2_session(&ctx, "c0").await { Ok(v) => v, Err(o) => return o };
                let mechs: Vec<String> = s.mechanisms.iter().filter(|m| m.starts_with("SCRAM-") && !m.ends_with("-PLUS")).cloned().collect();
                if mechs.is_empty() {
                    return unsupported("no non-PLUS SCRAM mechanism offered");
                }
                let _ = f;
                for (i, mech) in mechs.iter().enumerate() {
                    ctx.step(&format!("login with {mech}"));
                    let (mut c, _, _) = match sasl2_session(&ctx, &format!("c{}", i + 1)).await { Ok(v) => v, Err(o) => return o };
                    let script = match script_for(&c, mech, &user, None) { Ok(s) => s, Err(e) => return setup("script", e) };
                    let login = match scram_exchange(&mut c, mech, &script, &password, &FinalTweaks::default(), &[]).await {
                        Ok(l) => l,
                        Err(e) => return login_failed("SASL2-112", e),
                    };
                    let authz = authorization_identifier(&login.success);
                    let domain = c.domain().to_owned();
                    let bare = format!("{user}@{domain}");
                    match authz {
                        None => return fail("SASL2-19", "<authorization-identifier/> in <success/>", login.success.to_xml()),
                        Some(a) if !a.eq_ignore_ascii_case(&bare) => return fail("SASL2-19", format!("bare JID {bare}"), a),
                        Some(_) => {}
                    }
                    if let Err(e) = c.post_auth_features().await {
                        return fail("SASL2-22", "<stream:features/> right after <success/>", e.to_string());
                    }
                }
                pass().with_message(format!("logged in with {mechs:?}"))
            }),
        Case::new("sasl2.scram.plus-each-cb", Module::Sasl2, "Each -PLUS mechanism works with each advertised cb type")
            .cites(&["SASL2-121", "SASL2-117", "SASL2-118", "SASL2-116"])
            .requires("every advertised channel-binding type works with every advertised SCRAM -PLUS mechanism; tls-exporter is the RFC 9266 exporter (empty context, 32 bytes) and tls-server-end-point the RFC 5929 §4.1 certificate hash")
            .accepts("cb types the suite cannot compute (tls-unique) are skipped with a note")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, password) = match creds(&ctx) { Ok(v) => v, Err(o) => return o };
                let (c0, f, s) = match sasl2_session(&ctx, "c0").await { Ok(v) => v, Err(o) => return o };
                let plus: Vec<String> = s.mechanisms.iter().filter(|m| m.starts_with("SCRAM-") && m.ends_with("-PLUS")).cloned().collect();
                if plus.is_empty() {
                    return unsupported("no SCRAM -PLUS mechanism offered");
                }
                let types: Vec<String> = f.cb_types().iter().filter(|t| binding_data(c0.tls(), t).is_some()).cloned().collect();
                if types.is_empty() {
                    return unsupported(format!("no computable cb type among {:?}", f.cb_types()));
                }
                let mut n = 0;
                for mech in &plus {
                    for t in &types {
                        n += 1;
                        ctx.step(&format!("{mech} with {t}"));
                        let (mut c, _, _) = match sasl2_session(&ctx, &format!("c{n}")).await { Ok(v) => v, Err(o) => return o };
                        let script = match script_for(&c, mech, &user, Some(t)) { Ok(s) => s, Err(e) => return setup("script", e) };
                        if let Err(e) = scram_exchange(&mut c, mech, &script, &password, &FinalTweaks::default(), &[]).await {
                            let req = if t == "tls-exporter" { "SASL2-117" } else { "SASL2-118" };
                            return login_failed(req, e).with_message(format!("{mech} with {t}"));
                        }
                    }
                }
                pass()
            }),
        Case::new("sasl2.scram.ssdp", Module::Sasl2, "SSDP h= matches the advertised lists")
            .cites(&["SASL2-122"])
            .requires("when server-first carries h=, it is base64(H(sorted SASL2 mechanisms ⟨0x1E⟩ [0x1F sorted cb types ⟨0x1E⟩]))")
            .accepts("no h= (SSDP not implemented): unsupported; the pre-0.4 d= form counts as not implementing 0.5.0")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, _) = match creds(&ctx) { Ok(v) => v, Err(o) => return o };
                let (mut c, f, mech) = match scram_session(&ctx).await { Ok(v) => v, Err(o) => return o };
                let Some(sf) = server_first(&mut c, mech, &user).await else { return setup("server-first", "no usable challenge") };
                let Some(h) = sf.extension('h') else {
                    let old = sf.extension('d').map_or(String::new(), |_| " (only the pre-0.4 d= form)".into());
                    return unsupported(format!("no h= in server-first{old}"));
                };
                let want = ssdp_h(mech, f.mechanisms(), f.cb_types());
                if want.as_deref() == Some(h) { pass() } else { fail("SASL2-122", want.unwrap_or_default(), h) }
            }),
        Case::new("sasl2.scram.nonce", Module::Sasl2, "Server nonce extends the client nonce and differs per attempt")
            .cites(&["SASL2-104", "SASL2-106"])
            .requires("server-first r= starts with the client nonce, adds a non-empty part, differs between attempts; s= and i= follow in order")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, _) = match creds(&ctx) { Ok(v) => v, Err(o) => return o };
                let mut seen = Vec::new();
                for _ in 0..2 {
                    let (mut c, _, mech) = match scram_session(&ctx).await { Ok(v) => v, Err(o) => return o };
                    let script = ScramScript::new(scram_hash_of(mech), &user);
                    let sf = match c.authenticate(mech, Some(&script.client_first()), &[]).await {
                        Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => ServerFirst::parse(&d, &script.client_nonce),
                        Ok(other) => return setup("authenticate", other.describe()),
                        Err(e) => return setup("authenticate", e),
                    };
                    match sf {
                        Ok(sf) => seen.push(sf.nonce[script.client_nonce.len()..].to_owned()),
                        Err(crate::client::scram::ScramScriptError::NoncePrefix) => return fail("SASL2-104", "r= = client nonce + server part", "prefix missing"),
                        Err(e) => return fail("SASL2-106", "a valid server-first-message", e.to_string()),
                    }
                }
                if seen.first() == seen.get(1) { fail("SASL2-104", "a fresh server nonce per attempt", format!("{seen:?}")) } else { pass() }
            }),
        Case::new("sasl2.scram.iterations", Module::Sasl2, "Iteration count at least 4096")
            .cites(&["SASL2-107"])
            .requires("the iteration count SHOULD be at least 4096 (RFC 5802 §5.1, RFC 7677 §4)")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, _) = match creds(&ctx) { Ok(v) => v, Err(o) => return o };
                let (mut c, _, mech) = match scram_session(&ctx).await { Ok(v) => v, Err(o) => return o };
                match server_first(&mut c, mech, &user).await {
                    Some(sf) if sf.iterations >= 4096 => pass(),
                    Some(sf) => warn("SASL2-107", "i >= 4096", sf.iterations.to_string(), "cheaper offline guessing of the password"),
                    None => setup("server-first", "no usable challenge"),
                }
            }),
        Case::new("sasl2.scram.no-whitespace", Module::Sasl2, "No whitespace in server base64 or between auth elements")
            .cites(&["SASL2-14", "SASL2-17"])
            .requires("server base64 (challenge, additional-data) SHOULD NOT contain whitespace; the server MUST NOT send whitespace or other elements during authentication")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, password) = match creds(&ctx) { Ok(v) => v, Err(o) => return o };
                let (mut c, _, mech) = match scram_session(&ctx).await { Ok(v) => v, Err(o) => return o };
                c.take_whitespace();
                let script = ScramScript::new(scram_hash_of(mech), &user);
                let (raw, sf) = match c.authenticate(mech, Some(&script.client_first()), &[]).await {
                    Ok(Sasl2Reply::Challenge { raw, data: Some(d) }) => (raw, d),
                    Ok(other) => return fail("SASL2-14", "base64 challenge without whitespace", other.describe()),
                    Err(e) => return setup("authenticate", e),
                };
                let Ok(sf) = ServerFirst::parse(&sf, &script.client_nonce) else { return setup("server-first", "unparsable") };
                let Ok((msg, _)) = script.client_final(&sf, &password, &FinalTweaks::default()) else { return setup("client-final", "derivation") };
                let success = match c.respond(&msg).await {
                    Ok(Sasl2Reply::Success(s)) => s,
                    Ok(other) => return setup("response", other.describe()),
                    Err(e) => return setup("response", e),
                };
                if c.take_whitespace() > 0 {
                    return fail("SASL2-17", "no whitespace during authentication", "whitespace between elements");
                }
                let ad = success.child("additional-data", crate::client::features::SASL2_NS).map(|a| a.text()).unwrap_or_default();
                if raw.chars().chain(ad.chars()).any(char::is_whitespace) {
                    return warn("SASL2-14", "base64 without whitespace", format!("{raw:?} / {ad:?}"), "strict decoders reject it");
                }
                pass()
            }),
    ]
}

fn scram_hash_of(mech: &str) -> gatecheck_proto::sasl::ScramHash {
    crate::client::login::scram_hash(mech)
        .map_or(gatecheck_proto::sasl::ScramHash::Sha256, |(h, _)| h)
}

/// Start an exchange and return the parsed server-first-message.
async fn server_first(c: &mut crate::client::Conn, mech: &str, user: &str) -> Option<ServerFirst> {
    let script = ScramScript::new(scram_hash_of(mech), user);
    match c
        .authenticate(mech, Some(&script.client_first()), &[])
        .await
    {
        Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => {
            ServerFirst::parse(&d, &script.client_nonce).ok()
        }
        _ => None,
    }
}
