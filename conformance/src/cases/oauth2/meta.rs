//! RFC 8414 authorization-server metadata (DCR-1..7).

use super::*;

pub(super) fn all() -> Vec<Case> {
    vec![
        SERVED.with(served),
        ISSUER.with(issuer),
        REQUIRED.with(required),
        REGISTRATION.with(registration),
        PKCE.with(pkce),
        NO_EMPTY_ARRAYS.with(no_empty_arrays),
    ]
}

const SERVED: Spec = Spec {
    id: "oauth2.metadata.served",
    title: "Metadata is served at /.well-known/oauth-authorization-server as JSON",
    cites: &["DCR-1"],
    requires: "GET of the well-known URI answers 200 with an application/json object (RFC 8414 §3.1–3.2)",
    ..OAUTH2
};

async fn served(ctx: CaseCtx) -> Flow {
    let http = http(&ctx)?;
    let r = metadata_response(&ctx, &http).await?;
    if r.status != 200 || r.json().is_none() {
        return Ok(fail("DCR-1", "200 with a JSON object", r.summary()));
    }
    Ok(match r.media_type().as_deref() {
        Some("application/json") => pass(),
        other => fail(
            "DCR-1",
            "Content-Type: application/json",
            format!("{other:?}"),
        ),
    })
}

const ISSUER: Spec = Spec {
    id: "oauth2.metadata.issuer",
    title: "issuer is the URL the metadata was fetched from, https, without query or fragment",
    cites: &["DCR-2"],
    requires: "the issuer is identical to the one the well-known URI was derived from; https, no query or fragment (RFC 8414 §2, §3.3)",
    accepts: &[
        "a trailing `/` on an issuer without a path (RFC 8414 §3.1 removes it before deriving the URL, so both forms derive the same one)",
    ],
    ..OAUTH2
};

async fn issuer(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let iss = o.issuer().to_owned();
    let base = o.http.base().origin();
    if iss.is_empty() {
        return Ok(fail("DCR-2", format!("issuer {base:?}"), "no issuer"));
    }
    if iss.contains('?') || iss.contains('#') {
        return Ok(fail("DCR-2", "an issuer without query or fragment", iss));
    }
    let same = iss == base || iss.strip_suffix('/') == Some(base.as_str());
    if !same {
        return Ok(fail(
            "DCR-2",
            format!("issuer {base:?} (the --http base)"),
            iss,
        ));
    }
    if !iss.starts_with("https://") {
        return Ok(if o.http.base().tls {
            fail("DCR-2", "an https issuer", iss)
        } else {
            warn(
                "DCR-2",
                "an https issuer",
                iss,
                "the run was given a plain-http --http base, so the target was set up without TLS on HTTP",
            )
        });
    }
    Ok(if iss == base {
        pass()
    } else {
        pass().with_message(format!(
            "issuer {iss:?} ends in `/`; the --http base is {base:?}"
        ))
    })
}

const REQUIRED: Spec = Spec {
    id: "oauth2.metadata.required",
    title: "issuer, response_types_supported, authorization_endpoint and token_endpoint are present",
    cites: &["DCR-3"],
    requires: "issuer and response_types_supported are REQUIRED; authorization_endpoint and token_endpoint when the code grant is offered (RFC 8414 §2)",
    ..OAUTH2
};

async fn required(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let mut missing = Vec::new();
    for k in ["issuer", "response_types_supported"] {
        if !o.meta.contains_key(k) {
            missing.push(k);
        }
    }
    if o.lists("response_types_supported", "code", &[]) {
        for k in ["authorization_endpoint", "token_endpoint"] {
            if !o.meta.get(k).is_some_and(Value::is_string) {
                missing.push(k);
            }
        }
    }
    Ok(if missing.is_empty() {
        pass()
    } else {
        fail(
            "DCR-3",
            "every required member",
            format!("missing {missing:?}"),
        )
    })
}

const REGISTRATION: Spec = Spec {
    id: "oauth2.metadata.registration-endpoint",
    title: "registration_endpoint is advertised, and answers POST",
    cites: &["DCR-4", "DCR-8"],
    requires: "registration_endpoint present when dynamic registration is enabled (RFC 8414 §2); it accepts POST application/json (RFC 7591 §3)",
    ..OAUTH2
};

async fn registration(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let c = standard_client(&ctx, &o).await?;
    Ok(pass().with_message(format!(
        "registered a client ({} bytes of client_id)",
        c.id.len()
    )))
}

const PKCE: Spec = Spec {
    id: "oauth2.metadata.pkce",
    title: "code_challenge_methods_supported lists S256",
    cites: &["DCR-5", "DCR-51"],
    requires: "servers implementing PKCE support S256 and list it (RFC 7636 §4.2, RFC 8414 §2); absent means no PKCE",
    ..OAUTH2
};

async fn pkce(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let Some(methods) = o.meta.get("code_challenge_methods_supported") else {
        return Ok(warn(
            "DCR-5",
            "code_challenge_methods_supported with S256",
            "absent (no PKCE advertised)",
            "without PKCE an intercepted authorization code can be redeemed (RFC 7636 §1; RFC 9700 §2.1.1 makes PKCE a MUST for public clients)",
        ));
    };
    Ok(if o.pkce() {
        if o.lists("code_challenge_methods_supported", "plain", &[]) {
            pass().with_message("plain is offered too (RFC 9700 §2.1.1 recommends S256 only)")
        } else {
            pass()
        }
    } else {
        fail("DCR-51", "S256 among the methods", methods.to_string())
    })
}

const NO_EMPTY_ARRAYS: Spec = Spec {
    id: "oauth2.metadata.no-empty-arrays",
    title: "No metadata member is an empty array",
    cites: &["DCR-6"],
    requires: "claims with zero elements MUST be omitted (RFC 8414 §3.2)",
    ..OAUTH2
};

async fn no_empty_arrays(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let empty: Vec<&String> = o
        .meta
        .iter()
        .filter(|(_, v)| v.as_array().is_some_and(Vec::is_empty))
        .map(|(k, _)| k)
        .collect();
    Ok(if empty.is_empty() {
        pass()
    } else {
        fail("DCR-6", "no empty arrays", format!("{empty:?}"))
    })
}
