//! RFC 7591 registration: the success shape (DCR-9..13, 72..74), the stateless construction
//! (DCR-19, DCR-70) and each class of invalid metadata (DCR-14..17, 21).

use super::*;
use crate::case::Level;
use std::time::{SystemTime, UNIX_EPOCH};

pub(super) fn all() -> Vec<Case> {
    let mut v = vec![
        CREATED.with(created),
        SECRET_EXPIRY.with(secret_expiry),
        ECHO.with(echo),
        UNKNOWN_IGNORED.with(unknown_ignored),
        ISSUED_AT.with(issued_at),
        NO_STORE.with(no_store),
        DISTINCT.with(distinct),
        CONSTRUCTION.with(construction),
        SOFTWARE_STATEMENT.with(software_statement),
    ];
    v.extend(INVALID.iter().map(|row| {
        let row = *row;
        Spec {
            id: row.id,
            title: row.title,
            cites: row.cites,
            requires: row.requires,
            negative: true,
            ..OAUTH2
        }
        .with(move |ctx| invalid(ctx, row))
    }));
    v
}

const CREATED: Spec = Spec {
    id: "oauth2.register.created",
    title: "Registration answers 201 Created with a JSON object holding client_id",
    cites: &["DCR-9"],
    requires: "a successful registration is 201 with a JSON body containing client_id (RFC 7591 §3.2.1)",
    ..OAUTH2
};

async fn created(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let c = standard_client(&ctx, &o).await?;
    Ok(match c.response.media_type().as_deref() {
        Some("application/json") => pass(),
        other => fail(
            "DCR-9",
            "Content-Type: application/json",
            format!("{other:?}"),
        ),
    })
}

const SECRET_EXPIRY: Spec = Spec {
    id: "oauth2.register.secret-expiry",
    title: "client_secret_expires_at comes with every client_secret, equal to the client_id's exp",
    cites: &["DCR-10", "DCR-73"],
    requires: "client_secret_expires_at is REQUIRED with a client_secret (0: never) and, when client_ids expire, equals that expiry (RFC 7591 §3.2.1)",
    ..OAUTH2
};

async fn secret_expiry(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let c = standard_client(&ctx, &o).await?;
    if c.secret.is_none() {
        return Ok(pass().with_message("no client_secret issued"));
    }
    let Some(at) = c
        .body
        .get("client_secret_expires_at")
        .and_then(Value::as_u64)
    else {
        return Ok(fail(
            "DCR-10",
            "client_secret_expires_at (a number) with the client_secret",
            format!("{:?}", c.body.get("client_secret_expires_at")),
        ));
    };
    let exp = jws_parts(&c.id).and_then(|(_, p)| p.get("exp").and_then(Value::as_u64));
    Ok(match exp {
        Some(e) if at != e => fail(
            "DCR-73",
            format!("client_secret_expires_at = the client_id's exp ({e})"),
            at.to_string(),
        ),
        _ => pass(),
    })
}

const ECHO: Spec = Spec {
    id: "oauth2.register.echo",
    title: "The response carries every registered member, with defaults filled in",
    cites: &["DCR-11", "DCR-13"],
    requires: "the response contains all registered metadata including defaults (RFC 7591 §3.2.1): token_endpoint_auth_method client_secret_basic, grant_types [authorization_code], response_types [code] (§2)",
    accepts: &[
        "a server-chosen value instead of a requested one (RFC 7591 §3.2.1 lets the server replace values), as long as the member is returned",
    ],
    ..OAUTH2
};

async fn echo(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let sent = json!({
        "redirect_uris": [REDIRECT],
        "client_name": "gatecheck conformance suite",
        "client_uri": "https://gatecheck.example/",
    });
    let c = register(&ctx, &o, &sent).await?;
    let mut missing = Vec::new();
    for k in ["redirect_uris", "client_name", "client_uri"] {
        if c.body.get(k) != sent.get(k) {
            missing.push(format!("{k}: {:?}", c.body.get(k)));
        }
    }
    let defaults = [
        ("token_endpoint_auth_method", json!("client_secret_basic")),
        ("grant_types", json!(["authorization_code"])),
        ("response_types", json!(["code"])),
    ];
    for (k, v) in &defaults {
        match c.body.get(*k) {
            None => missing.push(format!("{k}: absent (default {v})")),
            Some(got) if got != v => ctx.note(&format!("{k}: {got} instead of the default {v}")),
            Some(_) => {}
        }
    }
    Ok(if missing.is_empty() {
        pass()
    } else {
        fail(
            "DCR-11",
            "every registered member and the defaults echoed",
            missing.join("; "),
        )
    })
}

const UNKNOWN_IGNORED: Spec = Spec {
    id: "oauth2.register.unknown-ignored",
    title: "Unknown metadata is ignored: registration still succeeds",
    cites: &["DCR-12"],
    requires: "the server MUST ignore client metadata it does not understand (RFC 7591 §2)",
    ..OAUTH2
};

async fn unknown_ignored(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let mut m = client_metadata();
    m["x_gatecheck_unknown"] = json!({"nested": [1, 2, 3]});
    let r = register_raw(&ctx, &o, &m).await?;
    Ok(if r.status == 201 {
        pass()
    } else {
        fail("DCR-12", "201: the unknown member ignored", r.summary())
    })
}

const ISSUED_AT: Spec = Spec {
    id: "oauth2.register.issued-at",
    title: "client_id_issued_at equals the client_id's iat",
    cites: &["DCR-74"],
    requires: "client_id_issued_at, when present, is the time the client_id was issued: the iat it carries (stateless design, RFC 7591 §3.2.1)",
    ..OAUTH2
};

async fn issued_at(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let c = standard_client(&ctx, &o).await?;
    let Some(at) = c.body.get("client_id_issued_at") else {
        return Ok(pass().with_message("client_id_issued_at not returned (OPTIONAL)"));
    };
    let Some((_, payload)) = jws_parts(&c.id) else {
        return Ok(unsupported(
            "the client_id is not a JWS: nothing to compare with",
        ));
    };
    Ok(match payload.get("iat") {
        Some(iat) if iat == at => pass(),
        None => pass().with_message("the client_id carries no iat"),
        Some(iat) => fail(
            "DCR-74",
            format!("client_id_issued_at = iat ({iat})"),
            at.to_string(),
        ),
    })
}

const NO_STORE: Spec = Spec {
    id: "oauth2.register.no-store",
    title: "The registration response (it holds a client_secret) is not cacheable",
    cites: &["DCR-9"],
    level: Some(Level::Should),
    requires: "a response carrying a client_secret has Cache-Control: no-store and Pragma: no-cache (RFC 7591 §3.2.1's response, as RFC 6749 §5.1 for credentials)",
    ..OAUTH2
};

async fn no_store(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let c = standard_client(&ctx, &o).await?;
    if c.secret.is_none() {
        return Ok(pass().with_message("no client_secret issued"));
    }
    let cc = c
        .response
        .header("cache-control")
        .unwrap_or("")
        .to_ascii_lowercase();
    Ok(if cc.split(',').any(|d| d.trim() == "no-store") {
        pass()
    } else {
        warn(
            "DCR-9",
            "Cache-Control: no-store",
            format!("Cache-Control: {cc:?}"),
            "a cache between the client and the server may keep the client_secret",
        )
    })
}

const DISTINCT: Spec = Spec {
    id: "oauth2.register.distinct",
    title: "Identical metadata registered twice gives distinct client_ids and secrets",
    cites: &["DCR-72", "DCR-19"],
    requires: "every registration is a new client: a fresh nonce makes the client_id unique, and secrets are unique per client_id (RFC 7591 §3.2.1)",
    ..OAUTH2
};

async fn distinct(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let a = standard_client(&ctx, &o).await?;
    let b = standard_client(&ctx, &o).await?;
    let same_secret = matches!((&a.secret, &b.secret), (Some(x), Some(y)) if x == y);
    if a.id == b.id && same_secret {
        return Ok(fail(
            "DCR-19",
            "a client_secret of its own for each registration",
            "the same client_id and client_secret twice (no nonce)",
        ));
    }
    if a.id == b.id {
        return Ok(fail(
            "DCR-72",
            "two different client_ids",
            "the same client_id twice",
        ));
    }
    Ok(match (&a.secret, &b.secret) {
        (Some(x), Some(y)) if x == y => fail(
            "DCR-19",
            "two different client_secrets",
            "the same secret twice",
        ),
        _ => pass(),
    })
}

const CONSTRUCTION: Spec = Spec {
    id: "oauth2.register.construction",
    title: "client_secret = HMAC-SHA-256(per_host_key, client_id), recomputed with --oauth2-key",
    cites: &["DCR-70"],
    requires: "per_host_key = HMAC(registration key, host); the client_id is an HS256 JWS under it; client_secret = hex HMAC(per_host_key, client_id) (gatecheck stateless design, issue 12)",
    accepts: &[
        "a JWS signed with the raw registration key (later Prosody) is reported as a warning naming that construction",
    ],
    ..OAUTH2
};

async fn construction(ctx: CaseCtx) -> Flow {
    let Some(key) = ctx.config.oauth2_key.clone() else {
        return Err(skip(
            "needs --oauth2-key (the target's oauth2_registration_key)",
        ));
    };
    let host = ctx.config.domain().unwrap_or_default().to_owned();
    let o = oauth(&ctx).await?;
    let c = standard_client(&ctx, &o).await?;
    let Some(secret) = c.secret.clone() else {
        return Ok(unsupported("no client_secret issued"));
    };
    let phk = gatecheck_proto::dcr::per_host_key(key.as_bytes(), &host);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let expect = gatecheck_proto::dcr::client_secret(&phk, &c.id);
    let raw_secret: String = gatecheck_proto::jose::hmac_sha256(key.as_bytes(), c.id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if secret != expect {
        let actual = if secret == raw_secret {
            "HMAC(registration key, client_id): the secret is not bound to the host".to_owned()
        } else {
            "neither HMAC(per_host_key, client_id) nor HMAC(registration key, client_id)".to_owned()
        };
        return Ok(fail(
            "DCR-70",
            format!("HMAC(per_host_key for {host:?}, client_id)"),
            actual,
        ));
    }
    let per_host = gatecheck_proto::dcr::verify_client_id(&phk, &c.id, now);
    let raw = gatecheck_proto::jose::verify(&c.id, key.as_bytes(), &Default::default());
    Ok(match (per_host, raw) {
        (Ok(_), _) => {
            pass().with_message("the client_id verifies under the per-host key; the secret matches")
        }
        (Err(_), Ok(_)) => warn(
            "DCR-70",
            "the client_id signed with per_host_key",
            "signed with the raw oauth2_registration_key (the construction of later Prosody versions)",
            "a client_id then verifies on every host sharing the key; only the secret is host-bound",
        ),
        (Err(e), Err(_)) => fail(
            "DCR-70",
            "an HS256 JWS under per_host_key (or the raw key)",
            format!("verifies under neither: {e}"),
        ),
    })
}

const SOFTWARE_STATEMENT: Spec = Spec {
    id: "oauth2.register.software-statement",
    title: "A software statement is refused with its own error, ignored, or returned unmodified",
    cites: &["DCR-23", "DCR-18"],
    requires: "a software statement the server uses is returned unmodified (RFC 7591 §3.2.1); one it does not accept is invalid_software_statement / unapproved_software_statement (§3.2.2), or ignored",
    ..OAUTH2
};

async fn software_statement(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    // A well-formed JWS signed with a key the target cannot know: an unapproved statement.
    let statement = gatecheck_proto::jose::sign_claims(
        &json!({"software_id": "gatecheck", "iss": "https://gatecheck.example/"}),
        b"gatecheck software statement key, unknown to the target",
    );
    let mut m = client_metadata();
    m["software_statement"] = json!(statement);
    let r = register_raw(&ctx, &o, &m).await?;
    if r.status == 201 {
        return Ok(
            match r.json().and_then(|b| b.get("software_statement").cloned()) {
                None => pass().with_message("the statement was ignored"),
                Some(v) if v.as_str() == Some(statement.as_str()) => pass(),
                Some(v) => fail("DCR-23", "the statement returned unmodified", v.to_string()),
            },
        );
    }
    Ok(match r.error_code().as_deref() {
        Some("invalid_software_statement" | "unapproved_software_statement") if r.status == 400 => {
            pass()
        }
        _ => warn(
            "DCR-18",
            "201, or 400 invalid_software_statement / unapproved_software_statement",
            r.summary(),
            "a client cannot tell the statement was the problem",
        ),
    })
}

/// One invalid-metadata row: the standard client's metadata with one member changed.
#[derive(Debug, Clone, Copy)]
struct Invalid {
    id: &'static str,
    title: &'static str,
    cites: &'static [&'static str],
    requires: &'static str,
    /// The member set (`None` value: removed).
    member: &'static str,
    value: Option<&'static str>,
    /// The error codes allowed, the first being the one the row's requirement names.
    codes: &'static [&'static str],
    /// The row a successful registration violates.
    req: &'static str,
    /// Accepting it is only a SHOULD violation.
    should: bool,
}

const INVALID: &[Invalid] = &[
    Invalid {
        id: "oauth2.register.invalid.redirect-fragment",
        title: "A redirect URI with a fragment is refused with invalid_redirect_uri",
        cites: &["DCR-16", "DCR-15"],
        requires: "redirect URIs MUST NOT include a fragment (RFC 6749 §3.1.2); refused with 400 invalid_redirect_uri (RFC 7591 §3.2.2)",
        member: "redirect_uris",
        value: Some(r#"["https://gatecheck.example/cb#frag"]"#),
        codes: &["invalid_redirect_uri", "invalid_client_metadata"],
        req: "DCR-16",
        should: false,
    },
    Invalid {
        id: "oauth2.register.invalid.redirect-relative",
        title: "A relative redirect URI is refused with invalid_redirect_uri",
        cites: &["DCR-16", "DCR-15"],
        requires: "redirect URIs MUST be absolute (RFC 6749 §3.1.2); refused with 400 invalid_redirect_uri (RFC 7591 §3.2.2)",
        member: "redirect_uris",
        value: Some(r#"["/cb"]"#),
        codes: &["invalid_redirect_uri", "invalid_client_metadata"],
        req: "DCR-16",
        should: false,
    },
    Invalid {
        id: "oauth2.register.invalid.redirect-http",
        title: "A plain-http redirect URI on a non-loopback host is refused",
        cites: &["DCR-16", "DCR-15"],
        requires: "redirect URIs use TLS except loopback http for native apps (RFC 6749 §3.1.2.1, RFC 8252 §7.3, RFC 9700 §2.1); refused with invalid_redirect_uri",
        member: "redirect_uris",
        value: Some(r#"["http://gatecheck.example/cb"]"#),
        codes: &["invalid_redirect_uri", "invalid_client_metadata"],
        req: "DCR-16",
        should: true,
    },
    Invalid {
        id: "oauth2.register.invalid.redirect-missing",
        title: "A registration without redirect_uris for the code grant is refused with a 400 JSON error",
        cites: &["DCR-15", "DCR-22"],
        requires: "servers offering redirect flows need redirect_uris (RFC 7591 §2); the error is 400 JSON (RFC 7591 §3.2.2), never a server error",
        member: "redirect_uris",
        value: None,
        codes: &["invalid_redirect_uri", "invalid_client_metadata"],
        req: "DCR-15",
        should: false,
    },
    Invalid {
        id: "oauth2.register.invalid.types-inconsistent",
        title: "grant_types [authorization_code] with response_types [token] is refused",
        cites: &["DCR-14", "DCR-17"],
        requires: "inconsistent grant_types and response_types SHOULD be refused with invalid_client_metadata (RFC 7591 §2.1)",
        member: "response_types",
        value: Some(r#"["token"]"#),
        codes: &["invalid_client_metadata"],
        req: "DCR-14",
        should: true,
    },
    Invalid {
        id: "oauth2.register.invalid.jwks-both",
        title: "jwks and jwks_uri together are refused",
        cites: &["DCR-21", "DCR-17"],
        requires: "jwks and jwks_uri MUST NOT both be present (RFC 7591 §2); refused with invalid_client_metadata",
        member: "jwks",
        value: Some(r#"{"keys":[]}"#),
        codes: &["invalid_client_metadata"],
        req: "DCR-21",
        should: false,
    },
    Invalid {
        id: "oauth2.register.invalid.auth-method",
        title: "An unknown token_endpoint_auth_method is refused with invalid_client_metadata",
        cites: &["DCR-17", "DCR-15"],
        requires: "a rejected metadata value is answered with 400 invalid_client_metadata (RFC 7591 §3.2.2)",
        member: "token_endpoint_auth_method",
        value: Some(r#""gatecheck_no_such_method""#),
        codes: &["invalid_client_metadata"],
        req: "DCR-17",
        should: false,
    },
    Invalid {
        id: "oauth2.register.invalid.client-uri-type",
        title: "A client_uri that is not a string is refused with invalid_client_metadata",
        cites: &["DCR-17", "DCR-15"],
        requires: "a metadata value of the wrong type is answered with 400 invalid_client_metadata (RFC 7591 §2, §3.2.2)",
        member: "client_uri",
        value: Some("42"),
        codes: &["invalid_client_metadata"],
        req: "DCR-17",
        should: false,
    },
];

async fn invalid(ctx: CaseCtx, row: Invalid) -> Flow {
    let o = oauth(&ctx).await?;
    let mut m = client_metadata();
    let obj = m.as_object_mut().expect("object");
    match row.value {
        None => {
            obj.remove(row.member);
        }
        Some(v) => {
            obj.insert(
                row.member.into(),
                serde_json::from_str(v).expect("row JSON"),
            );
        }
    }
    if row.member == "jwks" {
        obj.insert(
            "jwks_uri".into(),
            json!("https://gatecheck.example/jwks.json"),
        );
        obj.insert(
            "token_endpoint_auth_method".into(),
            json!("private_key_jwt"),
        );
    }
    let r = register_raw(&ctx, &o, &m).await?;
    let verdict = if (200..300).contains(&r.status) {
        let what = format!("{} (the client was registered)", r.status);
        if row.should {
            warn(
                row.req,
                format!("400 {}", row.codes[0]),
                what,
                "the SHOULD in the cited row is not followed",
            )
        } else {
            fail(row.req, format!("400 {}", row.codes[0]), what)
        }
    } else if r.status >= 500 {
        fail("DCR-15", "400 with a JSON error", r.summary())
    } else if r.status != 400 || r.error_code().is_none() {
        fail(
            "DCR-15",
            "400 with a JSON object holding error",
            r.summary(),
        )
    } else if r.error_code().as_deref() == Some(row.codes[0]) {
        pass()
    } else if error_mismatch(&r, row.codes).is_none() {
        pass().with_message(format!("{} (also a fitting code)", r.summary()))
    } else {
        warn(
            row.req,
            format!("error {}", row.codes[0]),
            r.summary(),
            "refused, but with an error code that does not name the problem (RFC 7591 §3.2.2)",
        )
    };
    if verdict.verdict != crate::outcome::Verdict::Pass {
        return Ok(verdict);
    }
    still_serving_http(&ctx, &o).await?;
    Ok(verdict)
}

/// After bad input: the metadata document is still served (the engine checks XMPP liveness).
pub(super) async fn still_serving_http(ctx: &CaseCtx, o: &Oauth) -> Flow<()> {
    ctx.step("liveness: the metadata is still served");
    match o
        .http
        .send(&Request::get(o.http.base().metadata_path()))
        .await
    {
        Ok(r) if r.status == 200 => Ok(()),
        Ok(r) => Err(fail(
            "DCR-1",
            "the metadata still served after bad input",
            r.summary(),
        )),
        Err(e) => Err(fail(
            "DCR-1",
            "the metadata still served after bad input",
            e.to_string(),
        )),
    }
}
