//! What the server advertises: SASL2 only under TLS, mechanism syntax, XEP-0440 channel-binding
//! advertisement, SCRAM/-PLUS pairing, stability across connections, and `invalid-from`.

use super::SASL2;
use crate::cases::prelude::*;

/// The feature cases, in registry order.
pub fn cases() -> Vec<Case> {
    vec![
        TLS_ONLY.with(tls_only),
        MECHANISM_NAMES.with(mechanism_names),
        CB_ADVERTISED.with(cb_advertised),
        TLS_SERVER_END_POINT.with(tls_server_end_point),
        SCRAM_PLUS_PAIRING.with(scram_plus_pairing),
        STABLE.with(stable),
        INVALID_FROM.with(invalid_from),
        NO_PLAIN.with(no_plain),
    ]
}

const TLS_ONLY: Spec = Spec {
    id: "sasl2.features.tls-only",
    title: "SASL2 is offered only after TLS; no -PLUS before TLS",
    cites: &["SASL2-1", "SASL2-115"],
    requires: "the SASL2 <authentication/> feature must not be offered before TLS, and is offered \
               after it; no channel-binding mechanism is offered on the plaintext stream, where \
               there is no channel to bind (RFC 5802 §6); checked with and without a stream \
               'from'",
    accepts: &["direct TLS targets: only the after-TLS half can be checked (pass with note)"],
    ..SASL2
};

async fn tls_only(ctx: CaseCtx) -> Flow {
    if direct_tls(&ctx) {
        sasl2_session(&ctx, "c1").await?;
        return Ok(pass().with_message("direct TLS: no pre-TLS features to inspect"));
    }
    let (user, _) = creds(&ctx).unwrap_or_default();
    let domain = ctx.config.domain().unwrap_or_default().to_owned();
    let own = format!("{user}@{domain}");
    let froms: Vec<Option<&str>> = if user.is_empty() {
        vec![None]
    } else {
        vec![None, Some(own.as_str())]
    };
    for (n, from) in froms.into_iter().enumerate() {
        ctx.step(&format!("pre-TLS features (from: {from:?})"));
        let mut c = open(&ctx, &format!("c{}", n + 1))
            .await
            .or_setup("connect")?;
        c.open_stream(from).await.or_setup("open stream")?;
        let before = Features::parse(&c.features_element().await.or_setup("pre-TLS features")?);
        if before.sasl2.is_some() {
            return Ok(fail(
                "SASL2-1",
                "no <authentication/> before TLS",
                before.element.to_xml(),
            ));
        }
        let plus = before.cb_mechanisms();
        if !plus.is_empty() {
            return Ok(fail(
                "SASL2-115",
                "no channel-binding mechanism on a stream without TLS",
                format!("{plus:?} offered before TLS"),
            ));
        }
        if before.starttls.is_none() {
            return Ok(unsupported("the server offers no STARTTLS on this port"));
        }
        ctx.step("STARTTLS");
        c.negotiate_tls().await.or_setup("STARTTLS")?;
        c.open_stream(from).await.or_setup("open stream over TLS")?;
        let after = c.features_element().await.or_setup("post-TLS features")?;
        if Features::parse(&after).sasl2.is_none() {
            return Ok(unsupported("SASL2 not offered after TLS either"));
        }
    }
    Ok(pass())
}

const MECHANISM_NAMES: Spec = Spec {
    id: "sasl2.features.mechanism-names",
    title: "Advertised mechanism names are valid and non-empty",
    cites: &["SASL2-3", "SASL2-2"],
    requires: "each <mechanism/> is an RFC 4422 name (1-20 of A-Z 0-9 - _) and the list is not \
               empty",
    per_tls: true,
    ..SASL2
};

async fn mechanism_names(ctx: CaseCtx) -> Flow {
    let (_c, f, s) = sasl2_session(&ctx, "c1").await?;
    if s.mechanisms.is_empty() {
        return Ok(fail("SASL2-2", "at least one <mechanism/>", "none"));
    }
    // Every list a mechanism name appears in, verbatim (whitespace around a name is itself a
    // SASL2-3 finding, reported here once; other cases match on the trimmed name).
    let fast = s.fast_mechanisms();
    let lists: [(&str, &[String]); 3] = [
        ("SASL2", &s.raw_mechanisms),
        (
            "RFC 6120 <mechanisms/>",
            f.legacy_raw_mechanisms.as_deref().unwrap_or(&[]),
        ),
        ("FAST", &fast),
    ];
    for (list, names) in lists {
        if let Some(bad) = names.iter().find(|m| !valid_mechanism_name(m)) {
            return Ok(fail(
                "SASL2-3",
                "RFC 4422 mechanism names (1-20 of A-Z 0-9 - _, no whitespace)",
                format!("{bad:?} in the {list} list"),
            ));
        }
    }
    Ok(pass())
}

const CB_ADVERTISED: Spec = Spec {
    id: "sasl2.features.cb-advertised",
    title: "Channel-binding mechanisms come with XEP-0440 channel-binding types",
    cites: &["SASL2-8", "SASL2-120", "SASL2-128"],
    requires: "a server offering any channel-binding mechanism (SCRAM -PLUS over SASL2 or RFC \
               6120 SASL, FAST HT-*-UNIQ/ENDP/EXPR) advertises <sasl-channel-binding/> whose \
               every <channel-binding/> has a type, each defined on the negotiated TLS version",
    accepts: &[
        "no channel-binding mechanism and no <sasl-channel-binding/>: unsupported",
        "a target without SASL2 is judged by scram.features.plus-pairing@sasl (SASL2-129)",
    ],
    per_tls: true,
    ..SASL2
};

async fn cb_advertised(ctx: CaseCtx) -> Flow {
    ctx.step("open TLS stream");
    let (c, f) = tls_session(&ctx, "c1")
        .await
        .or_setup("opening a TLS-protected stream")?;
    let cb_mechs = f.cb_mechanisms();
    let version = c.tls().map(|t| t.version);
    Ok(match &f.channel_binding {
        None if cb_mechs.is_empty() => unsupported("no channel binding offered"),
        None => fail(
            "SASL2-8",
            "<sasl-channel-binding/> next to channel-binding mechanisms",
            format!("absent, with {cb_mechs:?} offered"),
        ),
        Some(_) if f.untyped_channel_bindings > 0 => fail(
            "SASL2-120",
            "every <channel-binding/> with a type",
            format!("{} without a type", f.untyped_channel_bindings),
        ),
        Some(t) if t.is_empty() => fail(
            "SASL2-120",
            "at least one <channel-binding type=.../>",
            "none",
        ),
        Some(t) => match t.iter().find(|t| {
            let cb = gatecheck_proto::sasl::ChannelBindingType::from_name(t);
            matches!((cb, version), (Some(cb), Some(v)) if !v.defines(cb))
        }) {
            Some(bad) => fail(
                "SASL2-128",
                "only types defined on the negotiated TLS version",
                format!("{bad} on {version:?}"),
            ),
            None => pass(),
        },
    })
}

const TLS_SERVER_END_POINT: Spec = Spec {
    id: "sasl2.features.tls-server-end-point",
    title: "tls-server-end-point is advertised",
    cites: &["SASL2-119"],
    requires: "a server doing channel binding implements and advertises tls-server-end-point \
               (XEP-0440 §3 rule 1)",
    accepts: &["no channel binding at all: unsupported"],
    per_tls: true,
    ..SASL2
};

async fn tls_server_end_point(ctx: CaseCtx) -> Flow {
    let (_c, f, _) = sasl2_session(&ctx, "c1").await?;
    if f.channel_binding.is_none() && f.cb_mechanisms().is_empty() {
        return Ok(unsupported("no channel binding offered"));
    }
    Ok(
        if f.cb_types().iter().any(|t| t == "tls-server-end-point") {
            pass()
        } else {
            fail(
                "SASL2-119",
                "tls-server-end-point among the types",
                format!("{:?}", f.cb_types()),
            )
        },
    )
}

const SCRAM_PLUS_PAIRING: Spec = Spec {
    id: "scram.features.plus-pairing",
    module: Module::Scram,
    title: "SCRAM mechanisms come in plain/-PLUS pairs",
    cites: &["SASL2-115", "SASL2-129"],
    requires: "with channel binding, SCRAM-X and SCRAM-X-PLUS SHOULD both be offered; a target \
               without SASL2 that offers -PLUS over RFC 6120 SASL SHOULD advertise \
               <sasl-channel-binding/>; -PLUS \
               MUST NOT be offered when no advertised channel-binding type can be used on this \
               connection (none defined on the negotiated TLS version)",
    accepts: &[
        "only -PLUS offered (a policy that forbids non-bound SCRAM), pass with note",
        "-PLUS without any <sasl-channel-binding/> on a SASL2 target: judged once, by \
         sasl2.features.cb-advertised (SASL2-8)",
    ],
    per_tls: true,
    profiles: &[Profile::Sasl, Profile::Sasl2],
    offers: &[],
    ..SASL2
};

async fn scram_plus_pairing(ctx: CaseCtx) -> Flow {
    let p = profile(&ctx);
    let (c, f, _) = profile_session(&ctx, p, "c1").await?;
    let mechs = p.mechanisms(&f);
    let offers = |m: &str| mechs.iter().any(|x| x == m);
    let is_plus = |m: &&String| m.starts_with("SCRAM-") && m.ends_with("-PLUS");
    let plus: Vec<&String> = mechs.iter().filter(is_plus).collect();
    let version = c.tls().map(|t| t.version);
    if !plus.is_empty() && f.channel_binding.is_none() && f.sasl2.is_none() {
        return Ok(warn(
            "SASL2-129",
            "<sasl-channel-binding/> next to -PLUS mechanisms",
            format!("absent, with {plus:?} offered over RFC 6120 SASL"),
            "clients cannot tell which channel-binding type to use; XEP-0440 §3 leaves RFC 6120 \
             SASL undefined, so this is a SHOULD derived from it, not a MUST",
        ));
    }
    if !plus.is_empty() && f.channel_binding.is_some() {
        let usable = f.cb_types().iter().any(|t| {
            match (
                gatecheck_proto::sasl::ChannelBindingType::from_name(t),
                version,
            ) {
                (Some(cb), Some(v)) => v.defines(cb),
                _ => true,
            }
        });
        if !usable {
            return Ok(fail(
                "SASL2-115",
                "-PLUS only when an advertised channel-binding type can be used",
                format!("{plus:?} with only {:?} on {version:?}", f.cb_types()),
            ));
        }
    }
    if let Some(m) = plus.iter().find(|m| !offers(m.trim_end_matches("-PLUS"))) {
        return Ok(pass().with_message(format!(
            "{m} without its plain variant: allowed when policy rejects non-bound SCRAM"
        )));
    }
    let binds = !f.cb_types().is_empty();
    let unpaired = |m: &&String| {
        m.starts_with("SCRAM-") && !m.ends_with("-PLUS") && binds && !offers(&format!("{m}-PLUS"))
    };
    let missing: Vec<&String> = mechs.iter().filter(unpaired).collect();
    Ok(if missing.is_empty() {
        pass()
    } else {
        warn(
            "SASL2-115",
            "SCRAM-X-PLUS next to SCRAM-X when channel binding is supported",
            format!("no -PLUS for {missing:?} over {}", p.title()),
            "clients cannot bind the channel with that hash",
        )
    })
}

const STABLE: Spec = Spec {
    id: "sasl2.features.stable",
    title: "Features are stable across connections",
    cites: &["SASL2-7"],
    requires: "features SHOULD be the same for identical to/from/encryption state (compared \
               ignoring order)",
    accepts: &["a different order of mechanisms or children (order-insensitive comparison)"],
    per_tls: true,
    ..SASL2
};

async fn stable(ctx: CaseCtx) -> Flow {
    // Five connections, each compared with the first: a server whose features depend on
    // per-process state (a connection counter, a cache) shows it within a few connections,
    // even when other cases' connections interleave with these.
    let (_a, fa, _) = sasl2_session(&ctx, "c1").await?;
    for n in 2..=5 {
        let (_b, fb, _) = sasl2_session(&ctx, &format!("c{n}")).await?;
        if !fa.same_as(&fb) {
            return Ok(warn(
                "SASL2-7",
                format!("connection 1: {}", fa.element.to_xml()),
                format!("connection {n}: {}", fb.element.to_xml()),
                "clients that pin features see a change",
            ));
        }
    }
    Ok(pass())
}

const INVALID_FROM: Spec = Spec {
    id: "sasl2.features.invalid-from",
    title: "Foreign-domain stream 'from' gets invalid-from",
    cites: &["SASL2-6"],
    requires: "a stream header whose from has a domain other than to SHOULD get <invalid-from/> \
               (also a domain that merely starts with it), and the own domain in another case \
               is the same domain (RFC 7622) and gets stream features",
    ..SASL2
};

/// Open a stream over TLS whose header carries `from`; the stream error condition, or `Ok(None)`
/// when features arrived instead.
async fn header_from(
    ctx: &CaseCtx,
    label: &str,
    from: &str,
) -> Flow<Result<Option<String>, String>> {
    let mut c = open(ctx, label).await.or_setup("connect")?;
    if c.tls().is_none() {
        let tls = async {
            c.open_stream(None).await?;
            c.features_element().await?;
            c.negotiate_tls().await
        };
        tls.await.or_setup("STARTTLS")?;
    }
    ctx.step(&format!("header with from='{from}'"));
    Ok(match c.open_stream(Some(from)).await {
        Err(e) => e
            .stream_condition()
            .map(|s| Some(s.to_owned()))
            .ok_or(e.to_string()),
        Ok(_) => match c.recv().await {
            Ok(e) if e.is("features", ns::STREAMS) => Ok(None),
            Ok(e) => Err(format!("unexpected {}", e.to_xml())),
            Err(e) => e
                .stream_condition()
                .map(|s| Some(s.to_owned()))
                .ok_or(e.to_string()),
        },
    })
}

async fn invalid_from(ctx: CaseCtx) -> Flow {
    let domain = ctx.config.domain().unwrap_or_default().to_owned();
    let foreign = [
        "gatecheck@other.example".to_owned(),
        format!("gatecheck@{domain}.other.example"),
    ];
    for (n, from) in foreign.iter().enumerate() {
        let o = match header_from(&ctx, &format!("c{n}"), from).await? {
            Ok(Some(cond)) if cond == "invalid-from" => pass(),
            Ok(Some(cond)) => warn(
                "SASL2-6",
                "<invalid-from/>",
                format!("<{cond}/>"),
                "another condition was used",
            ),
            Ok(None) => warn(
                "SASL2-6",
                "<invalid-from/>",
                "stream features: the stream was accepted",
                "the stream was accepted",
            ),
            Err(e) => warn("SASL2-6", "<invalid-from/>", e, "no stream error"),
        };
        if o.verdict != crate::outcome::Verdict::Pass {
            return Ok(o.with_message(format!("from='{from}'")));
        }
    }
    // The own domain in upper case is the same domain after RFC 7622 normalisation.
    let same = format!("gatecheck@{}", domain.to_uppercase());
    Ok(match header_from(&ctx, "c9", &same).await? {
        Ok(None) => pass(),
        Ok(Some(cond)) => warn(
            "SASL2-6",
            "stream features (the domain equals 'to' after RFC 7622 normalisation)",
            format!("<{cond}/>"),
            "a same-domain 'from' was refused",
        ),
        Err(e) => warn(
            "SASL2-6",
            "stream features",
            e,
            "a same-domain 'from' was refused",
        ),
    })
}

const NO_PLAIN: Spec = Spec {
    id: "sasl2.features.no-plain",
    title: "PLAIN is not offered over SASL2",
    cites: &["SASL2-33"],
    requires: "servers SHOULD NOT offer PLAIN (RFC 6120 §13.8.3)",
    per_tls: true,
    ..SASL2
};

async fn no_plain(ctx: CaseCtx) -> Flow {
    let (_c, _f, s) = sasl2_session(&ctx, "c1").await?;
    Ok(if s.offers("PLAIN") {
        warn(
            "SASL2-33",
            "no PLAIN",
            "PLAIN offered",
            "passwords reach the server in the clear",
        )
    } else {
        pass()
    })
}
