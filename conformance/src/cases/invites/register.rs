//! Pre-authenticated registration: the stream features, the registration form, and a token's
//! life (valid, unknown, expired, spent, kept after a failed attempt, raced), and the username an
//! account or reset invitation is bound to.

use super::*;
use crate::mint::MintKind;

pub(super) fn all() -> Vec<Case> {
    vec![
        ADVERTISED.with(advertised),
        NONE_BEFORE_TLS.with(none_before_tls),
        FORM.with(form),
        VALID_TOKEN.with(valid_token),
        WITHOUT_TOKEN.with(without_token),
        UNKNOWN_TOKEN.with(unknown_token),
        EXPIRED_TOKEN.with(expired_token),
        EXPIRY_AT_PREAUTH.with(expiry_at_preauth),
        SINGLE_USE.with(single_use),
        FAILED_KEEPS.with(failed_keeps),
        TAKEN_USERNAME.with(taken_username),
        BOUND_USERNAME.with(bound_username),
        RESERVED_USERNAME.with(reserved_username),
        RESET_USERNAME.with(reset_username),
        TOKEN_SHAPE.with(token_shape),
        RACE.with(race),
    ]
}

const ADVERTISED: Spec = Spec {
    id: "invites.features.advertised",
    title: "Pre-authenticated registration is advertised after TLS",
    cites: &["INV-1", "IBR-1"],
    requires: "a server supporting invitations advertises <register xmlns='urn:xmpp:ibr-token:0'/> \
               (XEP-0445) on the TLS-protected unauthenticated stream",
    accepts: &["only the legacy <register xmlns='urn:xmpp:invite'/> (warned)"],
    ..INV
};

async fn advertised(ctx: CaseCtx) -> Flow {
    let (_c, f) = unauth(&ctx, "c1").await?;
    let el = &f.element;
    let has = |ns: &str| el.child("register", ns).is_some();
    Ok(if has(ns::IBR_TOKEN) {
        pass()
    } else if has(ns::INVITE) {
        warn(
            "INV-1",
            format!("<register xmlns='{}'/>", ns::IBR_TOKEN),
            format!("only <register xmlns='{}'/>", ns::INVITE),
            "XEP-0445's feature is the one current clients look for",
        )
    } else {
        fail("INV-1", "a pre-authenticated IBR feature", el.to_xml())
    })
}

const NONE_BEFORE_TLS: Spec = Spec {
    id: "invites.features.none-before-tls",
    title: "No registration features before TLS",
    cites: &["IBR-25"],
    requires: "registration is not offered over an unprotected channel (XEP-0077 §11)",
    ..INV
};

async fn none_before_tls(ctx: CaseCtx) -> Flow {
    if direct_tls(&ctx) {
        return Err(skip("direct TLS: there is no stream before TLS"));
    }
    ctx.step("open a stream without TLS");
    let mut c = open(&ctx, "c1").await.or_setup("connecting")?;
    c.open_stream(None).await.or_setup("opening the stream")?;
    let f = c
        .features_element()
        .await
        .or_setup("reading the features")?;
    let offered: Vec<&str> = [ns::REGISTER_FEATURE, ns::INVITE, ns::IBR_TOKEN]
        .into_iter()
        .filter(|n| f.child("register", n).is_some())
        .collect();
    Ok(if offered.is_empty() {
        pass()
    } else {
        warn(
            "IBR-25",
            "no <register/> feature before TLS",
            format!("{offered:?}"),
            "passwords and invitation tokens would travel in the clear",
        )
    })
}

/// The element names XEP-0077's schema allows in `<query xmlns='jabber:iq:register'/>`.
const SCHEMA: &[&str] = &[
    "registered",
    "instructions",
    "username",
    "nick",
    "password",
    "name",
    "first",
    "last",
    "email",
    "address",
    "city",
    "state",
    "zip",
    "phone",
    "url",
    "date",
    "misc",
    "text",
    "key",
    "remove",
];

const FORM: Spec = Spec {
    id: "invites.register.form",
    title: "The registration form lists its fields",
    cites: &["IBR-3", "IBR-20", "IBR-21"],
    requires: "an unregistered entity's get lists username and password (MUST), only schema \
               children (MUST NOT add others), and a jabber:x:data form with FORM_TYPE \
               jabber:iq:register (SHOULD)",
    ..INV
};

async fn form(ctx: CaseCtx) -> Flow {
    let (mut c, _) = unauth(&ctx, "c1").await?;
    let x = ask(
        &ctx,
        &mut c,
        &reg::register_get("g"),
        "IBR-3",
        "the registration fields",
    )
    .await?;
    let q = match &x.reply {
        IqReply::Result(_) => x.reply.payload().cloned(),
        IqReply::Error(e) => {
            return Ok(fail("IBR-3", "a result listing the fields", e.describe()));
        }
    };
    let Some(q) = q.filter(|q| q.is("query", ns::REGISTER)) else {
        return Ok(fail(
            "IBR-3",
            "<query xmlns='jabber:iq:register'/>",
            "a result without it",
        ));
    };
    let info = reg::RegisterInfo::parse(&q);
    if !(info.asks("username") && info.asks("password")) {
        return Ok(fail("IBR-3", "username and password fields", q.to_xml()));
    }
    let foreign: Vec<String> = q
        .elements()
        .filter(|e| e.ns == ns::REGISTER && !SCHEMA.contains(&e.name.as_str()))
        .map(|e| e.name.to_string())
        .collect();
    if !foreign.is_empty() {
        return Ok(fail(
            "IBR-20",
            "only XEP-0077 schema elements",
            format!("{foreign:?}"),
        ));
    }
    Ok(match &info.form {
        Some(f) if f.form_type() == Some(ns::REGISTER) => pass(),
        Some(f) => warn(
            "IBR-21",
            "FORM_TYPE jabber:iq:register",
            format!("{:?}", f.form_type()),
            "clients match the form by its FORM_TYPE",
        ),
        None => warn(
            "IBR-21",
            "a jabber:x:data form covering the fields",
            "legacy fields only",
            "XEP-0077 §3.4 recommends the form",
        ),
    })
}

const VALID_TOKEN: Spec = Spec {
    id: "invites.register.valid-token",
    title: "A valid token registers, and the stream then logs in",
    cites: &["INV-21", "INV-28", "IBR-8", "IBR-26"],
    requires: "preauth with a fresh token gets an empty result, registration an empty result, and \
               the same stream authenticates with the new credentials",
    ..INV
};

async fn valid_token(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let inv = mint_account(&ctx).await?;
        let (c, mut conn, f) = register_with(&ctx, &regd, &inv, "IBR-8").await?;
        login_on(&ctx, &mut conn, &f, &c, "INV-28").await?;
        Ok(pass())
    })
    .await
}

const WITHOUT_TOKEN: Spec = Spec {
    id: "invites.register.without-token",
    title: "Registration without a token is refused",
    cites: &["INV-27"],
    requires: "an invite-only server refuses IBR without a validated token (Prosody: \
               not-acceptable); no account is created",
    accepts: &["any IQ error (not-acceptable expected)"],
    negative: true,
    ..INV
};

async fn without_token(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let c = fresh(&ctx);
        let (mut conn, _) = unauth(&ctx, "c1").await?;
        let r = register(&ctx, &mut conn, &c, "INV-27").await?;
        if r.is_result() {
            regd.add(&c);
            return Ok(fail(
                "INV-27",
                "an IQ error (not-acceptable)",
                "an empty result: registered",
            ));
        }
        if can_login(&ctx, &c).await? {
            regd.add(&c);
            return Ok(fail(
                "INV-27",
                "no account",
                "the account was created despite the error",
            ));
        }
        Ok(pass().with_message(r.describe()))
    })
    .await
}

const UNKNOWN_TOKEN: Spec = Spec {
    id: "invites.preauth.unknown-token",
    title: "An unknown token is refused at preauth",
    cites: &["INV-21", "INV-22"],
    requires: "the server validates the token: an unknown one gets an IQ error \
               (cancel/item-not-found in XEP-0445, forbidden in Prosody)",
    accepts: &["item-not-found", "forbidden"],
    negative: true,
    ..INV
};

async fn unknown_token(ctx: CaseCtx) -> Flow {
    let (mut conn, _) = unauth(&ctx, "c1").await?;
    // The shape of a real token (24 URL-safe characters), never minted.
    let token = format!("gc{}", random_chars(22));
    ctx.secret(SecretKind::InviteToken, &token);
    let r = preauth(&ctx, &mut conn, &token, "INV-21").await?;
    Ok(judge_rejected_preauth(&r, "INV-21", "an unknown token"))
}

/// The short lifetime the expiry cases use, or a skip.
fn short_ttl(ctx: &CaseCtx) -> Flow<Duration> {
    ctx.config.invite_ttl.ok_or_else(|| {
        skip("needs --invite-ttl SECS (a short invitation lifetime) to see an invitation expire")
    })
}

const EXPIRED_TOKEN: Spec = Spec {
    id: "invites.preauth.expired-token",
    title: "An expired token is refused at preauth",
    cites: &["INV-21", "PARS-4"],
    requires: "tokens have a limited validity: after its expiry preauth gets an IQ error",
    accepts: &["item-not-found", "forbidden"],
    negative: true,
    ..INV
};

async fn expired_token(ctx: CaseCtx) -> Flow {
    let ttl = short_ttl(&ctx)?;
    let inv = mint(&ctx, MintKind::Account, None, Some(ttl), None).await?;
    ctx.step(&format!(
        "wait {} s for the invitation to expire",
        ttl.as_secs() + 1
    ));
    tokio::time::sleep(ttl + Duration::from_millis(1200)).await;
    let (mut conn, _) = unauth(&ctx, "c1").await?;
    let r = preauth(&ctx, &mut conn, inv.token(), "INV-21").await?;
    Ok(judge_rejected_preauth(&r, "INV-21", "an expired token"))
}

const EXPIRY_AT_PREAUTH: Spec = Spec {
    id: "invites.preauth.expiry-only-at-preauth",
    title: "A token validated before its expiry still registers after it",
    cites: &["INV-24"],
    requires: "the server checks expiry only at preauth; no later rejection in that session",
    ..INV
};

async fn expiry_at_preauth(ctx: CaseCtx) -> Flow {
    let ttl = short_ttl(&ctx)?;
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let inv = mint(&ctx, MintKind::Account, None, Some(ttl), None).await?;
        let (mut conn, _) = unauth(&ctx, "c1").await?;
        if let IqReply::Error(e) = preauth(&ctx, &mut conn, inv.token(), "INV-21").await? {
            return Ok(fail(
                "INV-21",
                "an empty result for a fresh token",
                e.describe(),
            ));
        }
        ctx.step("wait past the expiry, keeping the stream alive");
        let deadline = tokio::time::Instant::now() + ttl + Duration::from_millis(1200);
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(900)).await;
            conn.send_raw(b" ")
                .await
                .or_setup("keeping the stream alive")?;
        }
        let c = fresh(&ctx);
        Ok(match register(&ctx, &mut conn, &c, "INV-24").await? {
            IqReply::Result(_) => {
                regd.add(&c);
                pass()
            }
            IqReply::Error(e) => fail(
                "INV-24",
                "registration accepted (the token was valid at preauth)",
                e.describe(),
            ),
        })
    })
    .await
}

const SINGLE_USE: Spec = Spec {
    id: "invites.token.single-use",
    title: "A spent token does not register a second account",
    cites: &["INV-26", "INV-22"],
    requires: "a single-use token cannot be redeemed twice; preauth with it SHOULD be refused",
    negative: true,
    ..INV
};

async fn single_use(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let inv = mint_account(&ctx).await?;
        register_with(&ctx, &regd, &inv, "INV-21").await?;
        let (mut conn, _) = unauth(&ctx, "c2").await?;
        let r = preauth(&ctx, &mut conn, inv.token(), "INV-26").await?;
        if let IqReply::Error(e) = &r {
            return Ok(pass().with_message(format!("second preauth: {}", e.describe())));
        }
        let c = fresh(&ctx);
        Ok(match register(&ctx, &mut conn, &c, "INV-26").await? {
            IqReply::Result(_) => {
                regd.add(&c);
                fail(
                    "INV-26",
                    "the spent token refused",
                    "a second account registered with it",
                )
            }
            IqReply::Error(e) => warn(
                "INV-22",
                "an IQ error to preauth with a spent token",
                format!(
                    "preauth accepted, then registration refused ({})",
                    e.describe()
                ),
                "the token cannot be redeemed twice, but the client learns it only at registration",
            ),
        })
    })
    .await
}

const FAILED_KEEPS: Spec = Spec {
    id: "invites.token.failed-attempt-keeps-token",
    title: "A failed registration does not spend the token",
    cites: &["INV-23"],
    requires: "the token is not used up before a registration succeeds: after a conflict the \
               same token still preauths and registers on a new stream",
    negative: true,
    ..INV
};

async fn failed_keeps(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let taken = new_account(&ctx, &regd).await?;
        let inv = mint_account(&ctx).await?;
        let (mut conn, _) = unauth(&ctx, "c1").await?;
        if let IqReply::Error(e) = preauth(&ctx, &mut conn, inv.token(), "INV-21").await? {
            return Ok(fail(
                "INV-21",
                "an empty result for a fresh token",
                e.describe(),
            ));
        }
        let clash = Creds {
            password: fresh(&ctx).password,
            ..taken.clone()
        };
        if register(&ctx, &mut conn, &clash, "IBR-9")
            .await?
            .is_result()
        {
            return Err(fail(
                "IBR-9",
                "conflict for a taken username",
                "an empty result",
            ));
        }
        conn.abandon();
        let (c, _, _) = register_with(&ctx, &regd, &inv, "INV-23")
            .await
            .map_err(|o| match o.requirement.as_deref() {
                Some("INV-21") => fail(
                    "INV-23",
                    "the token still valid after a failed registration",
                    o.actual.unwrap_or_default(),
                ),
                _ => o,
            })?;
        Ok(pass().with_message(format!("registered {} with the kept token", c.user)))
    })
    .await
}

const TAKEN_USERNAME: Spec = Spec {
    id: "invites.register.taken-username",
    title: "A taken username is a conflict and keeps its password",
    cites: &["IBR-9"],
    requires: "registering an existing username gets cancel/conflict and the account keeps its \
               credentials",
    negative: true,
    ..INV
};

async fn taken_username(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let taken = new_account(&ctx, &regd).await?;
        let inv = mint_account(&ctx).await?;
        let (mut conn, _) = unauth(&ctx, "c1").await?;
        if let IqReply::Error(e) = preauth(&ctx, &mut conn, inv.token(), "INV-21").await? {
            return Ok(fail(
                "INV-21",
                "an empty result for a fresh token",
                e.describe(),
            ));
        }
        let clash = Creds {
            password: fresh(&ctx).password,
            ..taken.clone()
        };
        let r = register(&ctx, &mut conn, &clash, "IBR-9").await?;
        if !can_login(&ctx, &taken).await? {
            if can_login(&ctx, &clash).await? {
                regd.set_password(&taken.user, &clash.password);
            }
            return Ok(fail(
                "IBR-9",
                "the existing account keeps its password",
                format!("{}; the old password no longer logs in", r.describe()),
            ));
        }
        Ok(match r {
            IqReply::Error(e) if e.condition == "conflict" => pass(),
            IqReply::Error(e) => warn(
                "IBR-9",
                "cancel/conflict",
                e.describe(),
                "XEP-0077 §3.1 names conflict for a taken username",
            ),
            IqReply::Result(_) => fail("IBR-9", "cancel/conflict", "an empty result"),
        })
    })
    .await
}

/// Registration of `other` with a token bound to another username must fail and create nothing.
async fn refuse_other_name(
    ctx: &CaseCtx,
    regd: &Registered,
    inv: &Invite,
    what: &str,
) -> Flow<Option<Outcome>> {
    let other = fresh(ctx);
    let (mut conn, _) = unauth(ctx, "c1").await?;
    if let IqReply::Error(e) = preauth(ctx, &mut conn, inv.token(), "INV-21").await? {
        return Ok(Some(fail(
            "INV-21",
            "an empty result for a fresh token",
            e.describe(),
        )));
    }
    let r = register(ctx, &mut conn, &other, "INV-25").await?;
    let created = r.is_result() || can_login(ctx, &other).await?;
    if created {
        regd.add(&other);
        return Ok(Some(fail(
            "INV-25",
            format!("{what} refuses another username"),
            format!("{} registered ({})", other.user, r.describe()),
        )));
    }
    ctx.note(&format!("other username: {}", r.describe()));
    Ok(None)
}

const BOUND_USERNAME: Spec = Spec {
    id: "invites.register.bound-username",
    title: "An invitation bound to a username registers only that username",
    cites: &["INV-25", "INV-15"],
    requires: "an account invitation for user@host cannot register another username (forbidden, \
               not-acceptable, not-allowed or conflict; no account), and registers its own",
    accepts: &["forbidden", "not-acceptable", "not-allowed", "conflict"],
    negative: true,
    ..INV
};

async fn bound_username(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let bound = fresh(&ctx);
        let inv = mint(&ctx, MintKind::AccountBound, Some(&bound.jid), None, None).await?;
        expect_kind(&inv, InviteKind::Register)?;
        if inv.uri.jid.node() != Some(bound.user.as_str()) {
            return Ok(warn(
                "INV-15",
                format!("xmpp:{}?register;preauth=…", bound.jid),
                inv.raw.clone(),
                "the invitation does not name the username it is bound to",
            ));
        }
        if let Some(o) = refuse_other_name(&ctx, &regd, &inv, "a username-bound invitation").await?
        {
            return Ok(o);
        }
        let (mut conn, _) = unauth(&ctx, "c2").await?;
        if let IqReply::Error(e) = preauth(&ctx, &mut conn, inv.token(), "INV-23").await? {
            return Ok(fail(
                "INV-23",
                "the token kept after the refused attempt",
                e.describe(),
            ));
        }
        Ok(match register(&ctx, &mut conn, &bound, "INV-25").await? {
            IqReply::Result(_) => {
                regd.add(&bound);
                pass()
            }
            IqReply::Error(e) => fail("INV-25", "its own username registered", e.describe()),
        })
    })
    .await
}

const RESERVED_USERNAME: Spec = Spec {
    id: "invites.register.reserved-username",
    title: "A username an invitation is bound to is reserved",
    cites: &["INV-17"],
    requires: "until a username-bound invitation expires, its username cannot be registered \
               another way (here: with another, unbound account invitation)",
    accepts: &["forbidden", "not-acceptable", "not-allowed", "conflict"],
    negative: true,
    ..INV
};

async fn reserved_username(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let bound = fresh(&ctx);
        let inv = mint(&ctx, MintKind::AccountBound, Some(&bound.jid), None, None).await?;
        expect_kind(&inv, InviteKind::Register)?;
        if inv.uri.jid.node() != Some(bound.user.as_str()) {
            return Err(skip(format!(
                "the invitation is not bound to {}: {}",
                bound.user, inv.raw
            )));
        }
        let other = mint_account(&ctx).await?;
        let (mut conn, _) = unauth(&ctx, "c1").await?;
        if let IqReply::Error(e) = preauth(&ctx, &mut conn, other.token(), "INV-21").await? {
            return Ok(fail(
                "INV-21",
                "an empty result for a fresh token",
                e.describe(),
            ));
        }
        let r = register(&ctx, &mut conn, &bound, "INV-17").await?;
        if r.is_result() || can_login(&ctx, &bound).await? {
            regd.add(&bound);
            return Ok(fail(
                "INV-17",
                format!("{} reserved for its invitation", bound.user),
                format!("registered with another invitation ({})", r.describe()),
            ));
        }
        Ok(pass().with_message(r.describe()))
    })
    .await
}

const RESET_USERNAME: Spec = Spec {
    id: "invites.register.reset-username",
    title: "A reset invitation resets only its account",
    cites: &["INV-25"],
    requires: "a password-reset invitation creates no account under another username, and sets \
               a new password for its own",
    accepts: &["forbidden", "not-acceptable", "not-allowed", "conflict"],
    negative: true,
    ..INV
};

async fn reset_username(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let acct = new_account(&ctx, &regd).await?;
        let inv = mint(&ctx, MintKind::Reset, Some(&acct.jid), None, None).await?;
        expect_kind(&inv, InviteKind::Register)?;
        if let Some(o) = refuse_other_name(&ctx, &regd, &inv, "a reset invitation").await? {
            return Ok(o);
        }
        let (mut conn, _) = unauth(&ctx, "c2").await?;
        if let IqReply::Error(e) = preauth(&ctx, &mut conn, inv.token(), "INV-23").await? {
            return Ok(fail(
                "INV-23",
                "the token kept after the refused attempt",
                e.describe(),
            ));
        }
        let renewed = Creds {
            password: fresh(&ctx).password,
            ..acct.clone()
        };
        let r = register(&ctx, &mut conn, &renewed, "INV-25").await?;
        if let IqReply::Error(e) = r {
            return Ok(fail(
                "INV-25",
                "the reset accepted for its own account",
                e.describe(),
            ));
        }
        regd.set_password(&acct.user, &renewed.password);
        Ok(if can_login(&ctx, &renewed).await? {
            pass()
        } else {
            fail(
                "INV-25",
                "the new password logs in after the reset",
                "it does not",
            )
        })
    })
    .await
}

/// Bits of entropy a token of this shape can carry at most.
fn token_bits(t: &str) -> f64 {
    let alphabet: f64 = if t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        62.0
    } else {
        64.0
    };
    #[allow(clippy::cast_precision_loss)]
    let n = t.len() as f64;
    n * alphabet.log2()
}

/// How many invitations the token-shape case mints.
const SHAPE_SAMPLE: usize = 12;

const TOKEN_SHAPE: Spec = Spec {
    id: "invites.token.shape",
    title: "Tokens are long enough and unique",
    cites: &["INV-7"],
    requires: "tokens are securely random (XEP-0379: at least 80 bits); the suite checks length, \
               URL-safe alphabet and uniqueness over a sample",
    ..INV
};

async fn token_shape(ctx: CaseCtx) -> Flow {
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..SHAPE_SAMPLE {
        let inv = mint_account(&ctx).await?;
        let t = inv.token().to_owned();
        if !t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Ok(warn(
                "INV-7",
                "an alphanumeric (URL-safe) token",
                t,
                "XEP-0401 §5.1",
            ));
        }
        if token_bits(&t) < 80.0 {
            return Ok(warn(
                "INV-7",
                "at least 80 bits (14 alphanumerics)",
                format!("{} characters", t.len()),
                "short tokens can be guessed",
            ));
        }
        if !seen.insert(t) {
            return Ok(warn(
                "INV-7",
                "unique tokens",
                "a token minted twice",
                "not random",
            ));
        }
    }
    Ok(pass().with_message(format!("{SHAPE_SAMPLE} tokens, all distinct")))
}

const RACE: Spec = Spec {
    id: "invites.token.race",
    title: "One single-use token, many simultaneous registrations: exactly one account",
    cites: &["INV-26"],
    requires: "connections that all preauth with one token and then register different usernames \
               at the same instant get exactly one success (a double spend violates INV-26)",
    negative: true,
    ..INV
};

async fn race(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let n = ctx.config.invite_race.max(2);
        let inv = mint_account(&ctx).await?;
        ctx.step(&format!("{n} streams preauth with the same token"));
        let mut conns = Vec::new();
        for i in 0..n {
            let (mut conn, _) = unauth(&ctx, &format!("r{i}")).await?;
            if let IqReply::Error(e) = preauth(&ctx, &mut conn, inv.token(), "INV-21").await? {
                return Ok(fail(
                    "INV-21",
                    "every stream's preauth accepted before any registration",
                    format!("stream {i}: {}", e.describe()),
                ));
            }
            conns.push((conn, fresh(&ctx)));
        }
        ctx.step("release every registration at once");
        // The target answers n registrations at once, each deriving stored credentials: the
        // losers' answers may queue behind the winner's. Three reply waits, not one.
        let wait = reply_wait(&ctx) * 3;
        let barrier = Arc::new(tokio::sync::Barrier::new(n));
        let mut tasks = Vec::new();
        for (mut conn, c) in conns {
            conn.set_wait(wait);
            let b = barrier.clone();
            tasks.push(tokio::spawn(async move {
                let iq = reg::register_legacy("race", Some(&c.user), Some(&c.password));
                b.wait().await;
                let r = conn.request(&iq).await;
                (c, r.map(|x| x.reply))
            }));
        }
        let mut ok = Vec::new();
        let mut silent = 0;
        for t in tasks {
            let (c, r) = t.await.or_setup("joining a racing connection")?;
            match r {
                Ok(IqReply::Result(_)) => {
                    regd.add(&c);
                    ok.push(c.user);
                }
                Ok(IqReply::Error(_)) => {}
                Err(ClientError::Timeout(_)) => silent += 1,
                Err(e) => ctx.note(&format!("{}: {e}", c.user)),
            }
        }
        ctx.note(&format!(
            "{} of {n} registrations succeeded: {ok:?}",
            ok.len()
        ));
        Ok(match ok.len() {
            1 if silent == 0 => pass(),
            1 => warn(
                "INV-26",
                "an answer to every registration",
                format!("{silent} streams silent"),
                "exactly one account, but some losers got no answer",
            ),
            0 => fail(
                "INV-21",
                "one registration accepted",
                "none (the valid token registered nothing)",
            ),
            k => fail(
                "INV-26",
                "exactly one account from a single-use token",
                format!("{k} accounts: the token was spent {k} times"),
            ),
        })
    })
    .await
}
