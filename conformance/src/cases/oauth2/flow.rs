//! The authorization-code grant with PKCE (DCR-38, 40, 41, 51..53), the token endpoint (DCR-31,
//! 34..37, 62) and refresh-token rotation (DCR-43).

use super::*;

pub(super) fn all() -> Vec<Case> {
    vec![
        CODE_FLOW.with(code_flow),
        TOKEN_NO_STORE.with(token_no_store),
        CLIENT_SECRET_BASIC.with(client_secret_basic),
        CLIENT_SECRET_POST.with(client_secret_post),
        CODE_REPLAY.with(code_replay),
        UNKNOWN_REDIRECT.with(unknown_redirect),
        TAMPERED_AUTHORIZE.with(tampered_authorize),
        PKCE_MISSING.with(pkce_missing),
        PKCE_DOWNGRADE.with(pkce_downgrade),
        PKCE_METHOD_DEFAULT.with(pkce_method_default),
        PKCE_MISMATCH.with(pkce_mismatch),
        REDIRECT_MISMATCH.with(redirect_mismatch),
        WRONG_SECRET.with(wrong_secret),
        FORGED_CLIENT_ID.with(forged_client_id),
        UNSUPPORTED_GRANT.with(unsupported_grant),
        REFRESH_ROTATION.with(refresh_rotation),
    ]
}

const CODE_FLOW: Spec = Spec {
    id: "oauth2.flow.code",
    title: "Authorization code with PKCE S256: register, log in on the page, exchange the code",
    cites: &["DCR-38", "DCR-40", "DCR-51"],
    requires: "the code grant redirects to the registered URI with code and the exact state (RFC 6749 §4.1.2), and the code with its S256 verifier and redirect_uri yields tokens (§4.1.3, RFC 7636 §4.6)",
    ..OAUTH2
};

async fn code_flow(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let (_client, t) = issued(&ctx, &o).await?;
    Ok(pass().with_message(format!(
        "access token issued{}",
        if t.refresh.is_some() {
            " with a refresh token"
        } else {
            ""
        }
    )))
}

const TOKEN_NO_STORE: Spec = Spec {
    id: "oauth2.token.no-store",
    title: "Token responses carry Cache-Control: no-store and Pragma: no-cache",
    cites: &["DCR-35"],
    requires: "a token response is 200 JSON with access_token and token_type, Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)",
    ..OAUTH2
};

async fn token_no_store(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let client = standard_client(&ctx, &o).await?;
    let code = obtain_code(&ctx, &o, &client).await?;
    let r = exchange(&ctx, &o, &client, &code).await?;
    tokens_of(&ctx, &r, "DCR-35")?;
    let cc = r.header("cache-control").unwrap_or("").to_ascii_lowercase();
    let pragma = r.header("pragma").unwrap_or("").to_ascii_lowercase();
    Ok(if !cc.split(',').any(|d| d.trim() == "no-store") {
        fail("DCR-35", "Cache-Control: no-store", format!("{cc:?}"))
    } else if pragma.trim() != "no-cache" {
        fail("DCR-35", "Pragma: no-cache", format!("{pragma:?}"))
    } else {
        pass()
    })
}

const CLIENT_SECRET_BASIC: Spec = Spec {
    id: "oauth2.token.client-secret-basic",
    title: "The token endpoint takes client_secret_basic",
    cites: &["DCR-31", "DCR-7"],
    requires: "servers MUST support HTTP Basic for clients with a secret (RFC 6749 §2.3.1); it is the default of token_endpoint_auth_methods_supported (RFC 8414 §2)",
    ..OAUTH2
};

async fn client_secret_basic(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let client = standard_client(&ctx, &o).await?;
    let code = obtain_code(&ctx, &o, &client).await?;
    let r = exchange_as(&ctx, &o, &client, &code, ClientAuth::Basic).await?;
    if r.status == 200 {
        return Ok(pass());
    }
    let advertised = o.lists(
        "token_endpoint_auth_methods_supported",
        "client_secret_basic",
        &["client_secret_basic"],
    );
    Ok(fail(
        if advertised { "DCR-7" } else { "DCR-31" },
        "200 for a code exchanged with HTTP Basic client authentication",
        r.summary(),
    ))
}

const CLIENT_SECRET_POST: Spec = Spec {
    id: "oauth2.token.client-secret-post",
    title: "client_secret_post works when the metadata lists it",
    cites: &["DCR-7", "DCR-32"],
    requires: "servers MAY take client credentials in the body (RFC 6749 §2.3.1); token_endpoint_auth_methods_supported lists what the token endpoint accepts (RFC 8414 §2)",
    ..OAUTH2
};

async fn client_secret_post(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let listed = o.lists(
        "token_endpoint_auth_methods_supported",
        "client_secret_post",
        &[],
    );
    let mut m = client_metadata();
    m["token_endpoint_auth_method"] = json!("client_secret_post");
    let client = register(&ctx, &o, &m).await?;
    let code = obtain_code(&ctx, &o, &client).await?;
    let r = exchange_as(&ctx, &o, &client, &code, ClientAuth::Post).await?;
    Ok(match (r.status, listed) {
        (200, true) => pass(),
        (200, false) => pass().with_message("accepted although the metadata does not list it"),
        (_, true) => fail(
            "DCR-7",
            "200: client_secret_post is listed in token_endpoint_auth_methods_supported",
            r.summary(),
        ),
        (_, false) => unsupported(format!("client_secret_post not offered: {}", r.summary())),
    })
}

const CODE_REPLAY: Spec = Spec {
    id: "oauth2.token.code-replay",
    title: "An authorization code works once: the second exchange is invalid_grant",
    cites: &["DCR-37"],
    requires: "a code MUST NOT be used more than once; reuse is denied with invalid_grant (RFC 6749 §4.1.2, §5.2)",
    negative: true,
    ..OAUTH2
};

async fn code_replay(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let client = standard_client(&ctx, &o).await?;
    let code = obtain_code(&ctx, &o, &client).await?;
    let first = exchange(&ctx, &o, &client, &code).await?;
    tokens_of(&ctx, &first, "DCR-35")?;
    ctx.step("exchange the same code again");
    let again = exchange(&ctx, &o, &client, &code).await?;
    if again.status == 200 {
        return Ok(fail(
            "DCR-37",
            "400 invalid_grant",
            "200: the code worked twice",
        ));
    }
    Ok(match error_mismatch(&again, &["invalid_grant"]) {
        None => pass(),
        Some(got) if again.status < 500 => {
            pass().with_message(format!("refused with {got} (invalid_grant names it)"))
        }
        Some(got) => fail("DCR-36", "400 invalid_grant", got),
    })
}

/// The verdict when the authorization request must not be redirected: any 3xx fails DCR-41, a
/// page is fine (a 5xx one is a warning: the user sees a server error instead of an explanation).
fn no_redirect(end: &AuthEnd) -> Outcome {
    match end {
        AuthEnd::Redirect(r, loc) => fail(
            "DCR-41",
            "an error page, no redirect",
            format!("{} to {loc}", r.status),
        ),
        AuthEnd::Page(r) if r.status >= 500 => warn(
            "DCR-41",
            "a 4xx error page",
            r.summary(),
            "not redirected, but a server error instead of telling the user what is wrong (RFC 6749 §4.1.2.1: SHOULD inform the resource owner)",
        ),
        AuthEnd::Page(r) if r.status < 400 => warn(
            "DCR-41",
            "a 4xx error page",
            r.summary(),
            "not redirected, but the page does not say it is an error",
        ),
        AuthEnd::Page(_) => pass(),
    }
}

const UNKNOWN_REDIRECT: Spec = Spec {
    id: "oauth2.authorize.unknown-redirect",
    title: "An unregistered redirect_uri gets an error page, never a redirect",
    cites: &["DCR-41"],
    requires: "on a mismatching redirect URI the server MUST NOT redirect the user agent to it (RFC 6749 §4.1.2.1)",
    negative: true,
    ..OAUTH2
};

async fn unknown_redirect(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let client = standard_client(&ctx, &o).await?;
    let (_, challenge) = pkce_pair();
    let mut req = AuthRequest::new(&client, Some(challenge));
    req.redirect_uri = Some(REDIRECT2.to_owned());
    let end = authorize(&ctx, &o, &req).await?;
    Ok(no_redirect(&end))
}

/// `id` with one payload member changed and the signature kept: a forgery.
fn tampered(id: &str) -> Option<String> {
    let mut parts = id.splitn(3, '.');
    let (h, _, s) = (parts.next()?, parts.next()?, parts.next()?);
    let (_, mut payload) = jws_parts(id)?;
    payload.insert("redirect_uris".into(), json!([REDIRECT2]));
    let p = gatecheck_proto::jose::b64url_encode(Value::Object(payload).to_string().as_bytes());
    Some(format!("{h}.{p}.{s}"))
}

/// `id` re-issued with `{"alg":"none"}` and no signature.
fn alg_none(id: &str) -> Option<String> {
    let (_, payload) = jws_parts(id)?;
    let h = gatecheck_proto::jose::b64url_encode(br#"{"alg":"none","typ":"JWT"}"#);
    let p = gatecheck_proto::jose::b64url_encode(Value::Object(payload).to_string().as_bytes());
    Some(format!("{h}.{p}."))
}

const TAMPERED_AUTHORIZE: Spec = Spec {
    id: "oauth2.authorize.tampered-client-id",
    title: "A client_id whose payload was altered is an unknown client at the authorization endpoint",
    cites: &["DCR-62", "DCR-41"],
    requires: "the verifier checks the signature: an altered payload is an unknown client (RFC 7515 §5.2, RFC 8725 §3.1), and for an invalid client_id the server MUST NOT redirect (RFC 6749 §4.1.2.1)",
    negative: true,
    ..OAUTH2
};

async fn tampered_authorize(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let client = standard_client(&ctx, &o).await?;
    let Some(forged) = tampered(&client.id) else {
        return Ok(unsupported(
            "the client_id is not a JWS: no payload to alter",
        ));
    };
    ctx.note("the client_id's payload now names another redirect URI; the signature is unchanged");
    let (_, challenge) = pkce_pair();
    let mut req = AuthRequest::new(&client, Some(challenge));
    req.client_id = forged;
    req.redirect_uri = Some(REDIRECT2.to_owned());
    let end = authorize(&ctx, &o, &req).await?;
    if let AuthEnd::Redirect(_, loc) = &end
        && redirect_params(loc, REDIRECT2).is_some_and(|p| param(&p, "code").is_some())
    {
        return Ok(fail(
            "DCR-62",
            "the forged client_id refused",
            format!("a code issued to it: {loc}"),
        ));
    }
    Ok(no_redirect(&end))
}

const PKCE_MISSING: Spec = Spec {
    id: "oauth2.authorize.pkce-missing",
    title: "An authorization request without code_challenge is refused when PKCE is offered",
    cites: &["DCR-52"],
    requires: "a server requiring PKCE answers a request without code_challenge with invalid_request (RFC 7636 §4.4.1); RFC 9700 §2.1.1 makes PKCE the norm",
    accepts: &["an error page instead of the error redirect"],
    negative: true,
    ..OAUTH2
};

async fn pkce_missing(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    if !o.pkce() {
        return Ok(unsupported(
            "the metadata advertises no PKCE (code_challenge_methods_supported)",
        ));
    }
    let client = standard_client(&ctx, &o).await?;
    let req = AuthRequest::new(&client, None);
    match authorize(&ctx, &o, &req).await? {
        AuthEnd::Redirect(_, loc) => {
            let p = redirect_params(&loc, REDIRECT).unwrap_or_default();
            Ok(match (param(&p, "error"), param(&p, "code")) {
                (Some("invalid_request"), _) => pass(),
                (Some(e), _) => pass().with_message(format!("refused with error={e}")),
                (None, Some(_)) => warn(
                    "DCR-52",
                    "error=invalid_request (PKCE required)",
                    "a code issued without code_challenge",
                    "PKCE is advertised but not required: RFC 7636 §4.4.1 binds servers that require it, and \
                     RFC 9700 §2.1.1 only RECOMMENDS it for confidential clients, so this is a warning; an \
                     intercepted code can then be redeemed (oauth2.token.pkce-downgrade checks the MUST)",
                ),
                (None, None) => fail(
                    "DCR-41",
                    "an error redirect or page",
                    format!("Location: {loc}"),
                ),
            })
        }
        AuthEnd::Page(r) if (400..500).contains(&r.status) => {
            Ok(pass().with_message(format!("error page {}", r.status)))
        }
        AuthEnd::Page(r) => Ok(fail("DCR-52", "error=invalid_request", r.summary())),
    }
}

const PKCE_DOWNGRADE: Spec = Spec {
    id: "oauth2.token.pkce-downgrade",
    title: "A code issued without code_challenge is not redeemed with a code_verifier",
    cites: &["DCR-55"],
    requires: "a token request with code_verifier is accepted only if the authorization request had a code_challenge (RFC 9700 §2.1.1, the PKCE downgrade of §4.8.2)",
    negative: true,
    ..OAUTH2
};

async fn pkce_downgrade(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    if !o.pkce() {
        // Without PKCE there is nothing to downgrade.
        return Ok(unsupported(
            "the metadata advertises no PKCE (code_challenge_methods_supported)",
        ));
    }
    let client = standard_client(&ctx, &o).await?;
    let req = AuthRequest::new(&client, None);
    let code = match authorize(&ctx, &o, &req).await? {
        AuthEnd::Redirect(_, loc) => {
            let p = redirect_params(&loc, REDIRECT).unwrap_or_default();
            match param(&p, "code") {
                Some(c) => c.to_owned(),
                None => return Ok(pass().with_message("no code without code_challenge")),
            }
        }
        AuthEnd::Page(r) => {
            return Ok(pass().with_message(format!("no code without code_challenge: {}", r.status)));
        }
    };
    ctx.secret(SecretKind::Token, &code);
    ctx.step("exchange the code with a code_verifier (PKCE downgrade)");
    let code = Code {
        code,
        verifier: pkce_pair().0,
    };
    let r = exchange(&ctx, &o, &client, &code).await?;
    Ok(if r.status == 200 {
        fail(
            "DCR-55",
            "the token request refused: its code was issued without code_challenge",
            "200: tokens",
        )
    } else {
        pass()
    })
}

const PKCE_METHOD_DEFAULT: Spec = Spec {
    id: "oauth2.authorize.pkce-method-default",
    title: "A code_challenge without code_challenge_method is taken as plain",
    cites: &["DCR-50", "DCR-52"],
    requires: "a missing code_challenge_method means plain (RFC 7636 §4.3): a server without plain refuses it with invalid_request (§4.4.1), one with plain accepts the challenge itself as verifier",
    accepts: &["an error page instead of the error redirect"],
    negative: true,
    ..OAUTH2
};

async fn pkce_method_default(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    if !o.pkce() {
        return Ok(unsupported(
            "the metadata advertises no PKCE (code_challenge_methods_supported)",
        ));
    }
    let plain = o.lists("code_challenge_methods_supported", "plain", &[]);
    let client = standard_client(&ctx, &o).await?;
    // A valid verifier used as a plain challenge: `code_challenge=V`, no method.
    let (verifier, _) = pkce_pair();
    let req = AuthRequest::new(&client, None);
    let target_query = format!("{}&code_challenge={verifier}", req.query());
    let end = authorize_query(&ctx, &o, &req, &target_query).await?;
    let code = match end {
        AuthEnd::Redirect(_, loc) => {
            let p = redirect_params(&loc, REDIRECT).unwrap_or_default();
            match (param(&p, "error"), param(&p, "code")) {
                (Some(e), _) if plain => {
                    return Ok(fail(
                        "DCR-50",
                        "a code (plain is offered)",
                        format!("error={e}"),
                    ));
                }
                (Some(_), _) => return Ok(pass().with_message("refused: plain is not offered")),
                (None, Some(c)) => c.to_owned(),
                (None, None) => {
                    return Ok(fail(
                        "DCR-41",
                        "a code or an error",
                        format!("Location: {loc}"),
                    ));
                }
            }
        }
        AuthEnd::Page(r) if !plain && (400..500).contains(&r.status) => {
            return Ok(pass().with_message(format!("error page {}", r.status)));
        }
        AuthEnd::Page(r) => return Ok(fail("DCR-50", "a redirect", r.summary())),
    };
    ctx.secret(SecretKind::Token, &code);
    ctx.step("exchange with the challenge itself as verifier (plain)");
    let r = exchange(&ctx, &o, &client, &Code { code, verifier }).await?;
    Ok(match (r.status, plain) {
        (200, true) => pass(),
        (200, false) => {
            pass().with_message("taken as plain although the metadata does not list plain")
        }
        (_, true) => fail(
            "DCR-50",
            "200: the challenge taken as a plain verifier",
            r.summary(),
        ),
        (_, false) => fail(
            "DCR-52",
            "invalid_request at the authorization endpoint (plain not supported)",
            format!(
                "a code was issued, then the plain verifier was refused: {}",
                r.summary()
            ),
        ),
    })
}

const PKCE_MISMATCH: Spec = Spec {
    id: "oauth2.token.pkce-mismatch",
    title: "A wrong code_verifier is invalid_grant",
    cites: &["DCR-53"],
    requires: "if the verifier does not match the challenge the server MUST answer invalid_grant (RFC 7636 §4.6)",
    negative: true,
    ..OAUTH2
};

async fn pkce_mismatch(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    if !o.pkce() {
        return Ok(unsupported(
            "the metadata advertises no PKCE (code_challenge_methods_supported)",
        ));
    }
    let client = standard_client(&ctx, &o).await?;
    let mut code = obtain_code(&ctx, &o, &client).await?;
    ctx.note("exchanging the code with another (well-formed) verifier");
    code.verifier = pkce_pair().0;
    let r = exchange(&ctx, &o, &client, &code).await?;
    Ok(if r.status == 200 {
        fail(
            "DCR-53",
            "400 invalid_grant",
            "200: tokens for a wrong verifier",
        )
    } else {
        match error_mismatch(&r, &["invalid_grant"]) {
            None => pass(),
            Some(got) => fail("DCR-53", "400 invalid_grant", got),
        }
    })
}

const REDIRECT_MISMATCH: Spec = Spec {
    id: "oauth2.token.redirect-mismatch",
    title: "A code exchanged with another redirect_uri is invalid_grant",
    cites: &["DCR-38"],
    requires: "redirect_uri at the token endpoint MUST be identical to the authorization request's (RFC 6749 §4.1.3)",
    negative: true,
    ..OAUTH2
};

async fn redirect_mismatch(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let mut m = client_metadata();
    m["redirect_uris"] = json!([REDIRECT, REDIRECT2]);
    let client = register(&ctx, &o, &m).await?;
    let code = obtain_code(&ctx, &o, &client).await?;
    let r = token_for(
        &ctx,
        &o,
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code.code),
            ("redirect_uri", REDIRECT2),
            ("code_verifier", &code.verifier),
        ],
    )
    .await?;
    Ok(if r.status == 200 {
        fail(
            "DCR-38",
            "400 invalid_grant",
            "200: tokens for another redirect_uri",
        )
    } else {
        match error_mismatch(&r, &["invalid_grant", "invalid_request"]) {
            None => pass(),
            Some(got) => fail("DCR-38", "400 invalid_grant", got),
        }
    })
}

const WRONG_SECRET: Spec = Spec {
    id: "oauth2.token.wrong-secret",
    title: "A wrong client_secret over HTTP Basic is 401 invalid_client with WWW-Authenticate",
    cites: &["DCR-34"],
    requires: "failed client authentication is invalid_client; with Basic, 401 and a WWW-Authenticate header (RFC 6749 §5.2)",
    negative: true,
    ..OAUTH2
};

async fn wrong_secret(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let client = standard_client(&ctx, &o).await?;
    let target = o.endpoint("token_endpoint")?;
    let wrong = "0".repeat(client.secret.as_ref().map_or(64, String::len));
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", "gatecheck-no-such-code"),
        ("redirect_uri", REDIRECT),
    ];
    let r = token_raw(
        &ctx,
        &o,
        &token_request(&target, &fields, ClientAuth::Basic, &client.id, &wrong),
    )
    .await?;
    let code = r.error_code();
    Ok(if code.as_deref() != Some("invalid_client") {
        fail("DCR-34", "invalid_client", r.summary())
    } else if r.status != 401 {
        fail("DCR-34", "status 401 (Basic was used)", r.summary())
    } else if r.header("www-authenticate").is_none() {
        fail("DCR-34", "a WWW-Authenticate header", "none")
    } else {
        pass()
    })
}

const FORGED_CLIENT_ID: Spec = Spec {
    id: "oauth2.token.forged-client-id",
    title: "Altered and alg:none client_ids are invalid_client even with the secret derived from them",
    cites: &["DCR-62"],
    requires: "the verifier pins alg and checks the signature: an altered or alg:none client_id is an unknown client (RFC 8725 §3.1, RFC 7515 §5.2), whatever secret comes with it",
    negative: true,
    ..OAUTH2
};

async fn forged_client_id(ctx: CaseCtx) -> Flow {
    let Some(key) = ctx.config.oauth2_key.clone() else {
        return Err(skip(
            "needs --oauth2-key (the forged client_id's secret is derived with it)",
        ));
    };
    let host = ctx.config.domain().unwrap_or_default().to_owned();
    let o = oauth(&ctx).await?;
    let client = standard_client(&ctx, &o).await?;
    let phk = gatecheck_proto::dcr::per_host_key(key.as_bytes(), &host);
    let forgeries = [
        ("altered payload", tampered(&client.id)),
        ("alg none", alg_none(&client.id)),
    ];
    for (what, forged) in forgeries {
        let Some(forged) = forged else {
            return Ok(unsupported("the client_id is not a JWS"));
        };
        ctx.step(&format!("token request with a client_id with {what}"));
        let secret = gatecheck_proto::dcr::client_secret(&phk, &forged);
        ctx.secret(SecretKind::ClientSecret, &secret);
        let fields = [
            ("grant_type", "authorization_code"),
            ("code", "gatecheck-no-such-code"),
            ("redirect_uri", REDIRECT2),
        ];
        let r = token_as(&ctx, &o, &forged, &secret, &fields).await?;
        if r.error_code().as_deref() != Some("invalid_client") {
            return Ok(fail(
                "DCR-62",
                format!("invalid_client for a client_id with {what}"),
                format!(
                    "{} (the client was accepted; only the code was refused)",
                    r.summary()
                ),
            ));
        }
    }
    Ok(pass())
}

const UNSUPPORTED_GRANT: Spec = Spec {
    id: "oauth2.token.unsupported-grant",
    title: "An unknown grant_type is unsupported_grant_type",
    cites: &["DCR-36"],
    requires: "token errors are 400 JSON with the RFC 6749 §5.2 codes: unsupported_grant_type for a grant the server does not know",
    negative: true,
    ..OAUTH2
};

async fn unsupported_grant(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    let client = standard_client(&ctx, &o).await?;
    let r = token_for(
        &ctx,
        &o,
        &client,
        &[("grant_type", "urn:gatecheck:no-such-grant")],
    )
    .await?;
    Ok(match error_mismatch(&r, &["unsupported_grant_type"]) {
        None => pass(),
        Some(got) => fail("DCR-36", "400 unsupported_grant_type", got),
    })
}

const REFRESH_ROTATION: Spec = Spec {
    id: "oauth2.token.refresh-rotation",
    title: "A refresh token is rotated: the new one works, the old one is invalid_grant",
    cites: &["DCR-43"],
    requires: "refreshing returns a new refresh token and invalidates the old one (RFC 9700 §4.14.2, RFC 6749 §6)",
    negative: true,
    ..OAUTH2
};

async fn refresh_rotation(ctx: CaseCtx) -> Flow {
    let o = oauth(&ctx).await?;
    if !o.lists("grant_types_supported", "refresh_token", &[]) {
        return Ok(unsupported(
            "grant_types_supported does not list refresh_token",
        ));
    }
    let (client, t) = issued(&ctx, &o).await?;
    let Some(old) = t.refresh else {
        return Ok(unsupported("no refresh_token issued"));
    };
    ctx.step("refresh");
    let r = token_for(
        &ctx,
        &o,
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &old)],
    )
    .await?;
    let t2 = tokens_of(&ctx, &r, "DCR-43")?;
    let Some(new) = t2.refresh else {
        return Ok(fail("DCR-43", "a new refresh_token", "none returned"));
    };
    if new == old {
        return Ok(fail("DCR-43", "a new refresh_token", "the same one"));
    }
    ctx.step("refresh again with the old token");
    let again = token_for(
        &ctx,
        &o,
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &old)],
    )
    .await?;
    if again.status == 200 {
        return Ok(fail(
            "DCR-43",
            "400 invalid_grant for the rotated-out token",
            "200: the old refresh token still works",
        ));
    }
    if let Some(got) = error_mismatch(&again, &["invalid_grant"]) {
        return Ok(fail("DCR-36", "400 invalid_grant", got));
    }
    // Not checked afterwards: whether the new token still works. After a rotated-out token is
    // replayed, RFC 9700 §4.14.2 lets the server revoke the active one too.
    Ok(pass())
}
