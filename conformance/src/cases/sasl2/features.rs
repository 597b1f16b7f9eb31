//! What the server advertises: SASL2 only under TLS, mechanism syntax, XEP-0440 channel-binding
//! advertisement, SCRAM/-PLUS pairing, stability across connections, and `invalid-from`.

use super::{sasl2_session, setup};
use crate::case::{Case, Module};
use crate::client::login::direct_tls;
use crate::client::{Conn, Features, valid_mechanism_name};
use crate::outcome::{fail, pass, unsupported, warn};

/// The feature cases.
pub fn cases() -> Vec<Case> {
    vec![
        Case::new("sasl2.features.tls-only", Module::Sasl2, "SASL2 is offered only after TLS")
            .cites(&["SASL2-1"])
            .requires("<authentication xmlns='urn:xmpp:sasl:2'/> must not be offered before TLS, and is offered after it")
            .accepts("direct TLS targets: only the after-TLS half can be checked (pass with note)")
            .body(|ctx| async move {
                if direct_tls(&ctx) {
                    return match sasl2_session(&ctx, "c1").await {
                        Ok(_) => pass().with_message("direct TLS: no pre-TLS features to inspect"),
                        Err(o) => o,
                    };
                }
                ctx.step("pre-TLS features");
                let mut c = match Conn::open(&ctx, "c1").await {
                    Ok(c) => c,
                    Err(e) => return setup("connect", e),
                };
                if let Err(e) = c.open_stream(None).await {
                    return setup("open stream", e);
                }
                let before = match c.features_element().await {
                    Ok(f) => Features::parse(&f),
                    Err(e) => return setup("pre-TLS features", e),
                };
                if before.sasl2.is_some() {
                    return fail("SASL2-1", "no <authentication/> before TLS", before.element.to_xml());
                }
                if before.starttls.is_none() {
                    return unsupported("the server offers no STARTTLS on this port");
                }
                ctx.step("STARTTLS");
                if let Err(e) = c.starttls().await {
                    return setup("STARTTLS", e);
                }
                match c.features_element().await {
                    Ok(f) if Features::parse(&f).sasl2.is_some() => pass(),
                    Ok(_) => unsupported("SASL2 not offered after TLS either"),
                    Err(e) => setup("post-TLS features", e),
                }
            }),
        Case::new("sasl2.features.mechanism-names", Module::Sasl2, "Advertised mechanism names are valid and non-empty")
            .cites(&["SASL2-3", "SASL2-2"])
            .requires("each <mechanism/> is an RFC 4422 name (1-20 of A-Z 0-9 - _) and the list is not empty")
            .body(|ctx| async move {
                let (_c, _f, s) = match sasl2_session(&ctx, "c1").await {
                    Ok(v) => v,
                    Err(o) => return o,
                };
                if s.mechanisms.is_empty() {
                    return fail("SASL2-2", "at least one <mechanism/>", "none");
                }
                match s.mechanisms.iter().find(|m| !valid_mechanism_name(m)) {
                    Some(bad) => fail("SASL2-3", "RFC 4422 mechanism names", format!("{bad:?}")),
                    None => pass(),
                }
            }),
        Case::new("sasl2.features.cb-advertised", Module::Sasl2, "-PLUS mechanisms come with XEP-0440 channel-binding types")
            .cites(&["SASL2-8", "SASL2-120"])
            .requires("a server offering -PLUS mechanisms advertises <sasl-channel-binding/> with at least one <channel-binding type=.../>")
            .accepts("no -PLUS mechanism and no <sasl-channel-binding/>: unsupported")
            .body(|ctx| async move {
                let (_c, f, s) = match sasl2_session(&ctx, "c1").await {
                    Ok(v) => v,
                    Err(o) => return o,
                };
                let plus = s.mechanisms.iter().any(|m| m.ends_with("-PLUS"));
                match (&f.channel_binding, plus) {
                    (None, false) => unsupported("no channel binding offered"),
                    (None, true) => fail("SASL2-8", "<sasl-channel-binding/> next to -PLUS mechanisms", "absent"),
                    (Some(t), _) if t.is_empty() => fail("SASL2-120", "at least one <channel-binding type=.../>", "none"),
                    (Some(_), _) => pass(),
                }
            }),
        Case::new("sasl2.features.tls-server-end-point", Module::Sasl2, "tls-server-end-point is advertised")
            .cites(&["SASL2-119"])
            .requires("a server doing channel binding implements and advertises tls-server-end-point (XEP-0440 §3 rule 1)")
            .accepts("no channel binding at all: unsupported")
            .body(|ctx| async move {
                let (_c, f, s) = match sasl2_session(&ctx, "c1").await {
                    Ok(v) => v,
                    Err(o) => return o,
                };
                let plus = s.mechanisms.iter().any(|m| m.ends_with("-PLUS"));
                if f.channel_binding.is_none() && !plus {
                    return unsupported("no channel binding offered");
                }
                if f.cb_types().iter().any(|t| t == "tls-server-end-point") {
                    pass()
                } else {
                    fail("SASL2-119", "tls-server-end-point among the types", format!("{:?}", f.cb_types()))
                }
            }),
        Case::new("sasl2.features.scram-plus-pairing", Module::Sasl2, "SCRAM mechanisms come in plain/-PLUS pairs")
            .cites(&["SASL2-115"])
            .requires("with channel binding, SCRAM-X and SCRAM-X-PLUS SHOULD both be offered; without it, no -PLUS")
            .accepts("only -PLUS offered (a policy that forbids non-bound SCRAM), pass with note")
            .body(|ctx| async move {
                let (_c, f, s) = match sasl2_session(&ctx, "c1").await {
                    Ok(v) => v,
                    Err(o) => return o,
                };
                let plus: Vec<&String> = s.mechanisms.iter().filter(|m| m.starts_with("SCRAM-") && m.ends_with("-PLUS")).collect();
                if !plus.is_empty() && f.cb_types().is_empty() {
                    return fail("SASL2-115", "-PLUS only when channel binding is supported", "-PLUS offered without channel-binding types");
                }
                if let Some(m) = plus.iter().find(|m| !s.offers(m.trim_end_matches("-PLUS"))) {
                    return pass().with_message(format!("{m} without its plain variant: allowed when policy rejects non-bound SCRAM"));
                }
                let missing: Vec<&String> = s.mechanisms.iter()
                    .filter(|m| m.starts_with("SCRAM-") && !m.ends_with("-PLUS") && !f.cb_types().is_empty() && !s.offers(&format!("{m}-PLUS")))
                    .collect();
                if missing.is_empty() {
                    pass()
                } else {
                    warn("SASL2-115", "SCRAM-X-PLUS next to SCRAM-X when channel binding is supported",
                        format!("no -PLUS for {missing:?}"), "clients cannot bind the channel with that hash")
                }
            }),
        Case::new("sasl2.features.stable", Module::Sasl2, "Features are stable across connections")
            .cites(&["SASL2-7"])
            .requires("features SHOULD be the same for identical to/from/encryption state (compared ignoring order)")
            .accepts("a different order of mechanisms or children (order-insensitive comparison)")
            .body(|ctx| async move {
                let (_a, fa, _) = match sasl2_session(&ctx, "c1").await {
                    Ok(v) => v,
                    Err(o) => return o,
                };
                let (_b, fb, _) = match sasl2_session(&ctx, "c2").await {
                    Ok(v) => v,
                    Err(o) => return o,
                };
                if fa.same_as(&fb) {
                    pass()
                } else {
                    warn("SASL2-7", fa.element.to_xml(), fb.element.to_xml(), "clients that pin features see a change")
                }
            }),
        Case::new("sasl2.features.invalid-from", Module::Sasl2, "Foreign-domain stream 'from' gets invalid-from")
            .cites(&["SASL2-6"])
            .requires("a stream header whose from has a domain other than to SHOULD get <invalid-from/>")
            .body(|ctx| async move {
                ctx.step("connect");
                let mut c = match Conn::open(&ctx, "c1").await {
                    Ok(c) => c,
                    Err(e) => return setup("connect", e),
                };
                if c.tls().is_none() {
                    let tls = async {
                        c.open_stream(None).await?;
                        c.features_element().await?;
                        c.negotiate_tls().await
                    };
                    if let Err(e) = tls.await {
                        return setup("STARTTLS", e);
                    }
                }
                ctx.step("header with from='gatecheck@other.example'");
                let got = match c.open_stream(Some("gatecheck@other.example")).await {
                    Err(e) => e.stream_condition().map(str::to_owned).ok_or(e.to_string()),
                    Ok(_) => c.expect_stream_error().await.map_err(|e| e.to_string()),
                };
                match got {
                    Ok(cond) if cond == "invalid-from" => pass(),
                    Ok(cond) => warn("SASL2-6", "<invalid-from/>", format!("<{cond}/>"), "another condition was used"),
                    Err(e) => warn("SASL2-6", "<invalid-from/>", e, "the stream was accepted"),
                }
            }),
        Case::new("sasl2.features.no-plain", Module::Sasl2, "PLAIN is not offered over SASL2")
            .cites(&["SASL2-33"])
            .requires("servers SHOULD NOT offer PLAIN (RFC 6120 §13.8.3)")
            .body(|ctx| async move {
                match sasl2_session(&ctx, "c1").await {
                    Ok((_c, _f, s)) if s.offers("PLAIN") => warn("SASL2-33", "no PLAIN", "PLAIN offered", "passwords reach the server in the clear"),
                    Ok(_) => pass(),
                    Err(o) => o,
                }
            }),
    ]
}
