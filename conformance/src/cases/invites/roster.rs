//! Contact invitations: registering with one (mutual subscription, roster push to the inviter,
//! `ibr=y` honesty) and XEP-0379 roster pre-approval of an existing account's subscription
//! request (approved with the inviter's fresh token; an ordinary request with an unknown, spent or
//! other user's token).

use super::*;
use crate::mint::MintKind;
use gatecheck_client::register::{RosterItem, bare};

pub(super) fn all() -> Vec<Case> {
    vec![
        INVITEE_ROSTER.with(invitee_roster),
        INVITER_PUSH.with(inviter_push),
        IBR_FLAG.with(ibr_flag),
        PREAUTH_APPROVED.with(preauth_approved),
        UNKNOWN_TOKEN.with(unknown_token),
        OTHER_INVITER.with(other_inviter),
        SPENT_TOKEN.with(spent_token),
    ]
}

/// A contact invitation of `inviter` for roster pre-approval: the inviter's own XEP-0401
/// `#invite` command first (XEP-0379 tokens are what users hand out), else the minting paths.
async fn contact_invite(ctx: &CaseCtx, inviter: &Creds) -> Flow<Invite> {
    ctx.step(&format!("{}: #invite", inviter.jid));
    let own = adhoc::invite(ctx, inviter).await.and_then(|(raw, _)| {
        let uri = InviteUri::parse(&raw).map_err(|e| format!("{raw}: {e}"))?;
        ctx.secret(SecretKind::InviteToken, &uri.preauth);
        Ok(Invite { uri, raw })
    });
    let i = match own {
        Ok(i) => i,
        Err(e) => {
            ctx.note(&format!("#invite as {}: {e}; minting instead", inviter.jid));
            mint_contact(ctx, inviter).await?
        }
    };
    expect_kind(&i, InviteKind::Roster)?;
    Ok(i)
}

/// A contact invitation of `inviter` from the minting paths (hook, template, `#invite`).
async fn mint_contact(ctx: &CaseCtx, inviter: &Creds) -> Flow<Invite> {
    let i = mint(
        ctx,
        MintKind::Contact,
        Some(&inviter.jid),
        None,
        Some(inviter),
    )
    .await?;
    expect_kind(&i, InviteKind::Roster)?;
    Ok(i)
}

/// An inviter and their contact invitation that allows registration (`ibr=y`): a fresh `gc-`
/// account's (so no case touches a roster another case is reading), else `--admin`'s (servers
/// let only some users invite new users, XEP-0401 §5.1), or a skip.
async fn ibr_invite(ctx: &CaseCtx, regd: &Registered) -> Flow<(Creds, Invite)> {
    let mut tried = Vec::new();
    let own = new_account(ctx, regd).await?;
    for who in [Some(own), admin(ctx)].into_iter().flatten() {
        let i = mint_contact(ctx, &who).await?;
        if i.uri.ibr {
            return Ok((who, i));
        }
        tried.push(who.jid);
    }
    Err(skip(format!(
        "no contact invitation that allows registration (ibr=y) for {tried:?}"
    )))
}

/// Whether `el` is a roster push naming `jid` with `subscription`.
fn push_of(el: &Element, jid: &str, subscription: &str) -> bool {
    reg::roster_push(el).is_some_and(|items| {
        items
            .iter()
            .any(|i| i.jid == jid && i.subscription == subscription)
    })
}

/// Whether `el` is `<presence type=kind/>` from `from` (bare).
fn presence_of(el: &Element, kind: &str, from: &str) -> bool {
    el.is("presence", ns::CLIENT)
        && el.attr("type") == Some(kind)
        && el.attr("from").map(bare) == Some(from)
}

/// Everything a session received up to the reply to a ping (which the server answers after
/// delivering what it already routed to it).
async fn drain(ctx: &CaseCtx, conn: &mut Conn) -> Flow<Vec<Element>> {
    let x = ask(ctx, conn, &build::ping("drain"), "INV-18", "a ping result").await?;
    Ok(x.others)
}

const INVITEE_ROSTER: Spec = Spec {
    id: "invites.contact.invitee-roster",
    title: "Registering with a contact invitation puts the inviter on the new roster",
    cites: &["INV-19"],
    requires: "after registration with a contact invitation (ibr=y) the invitee's roster has the \
               inviter with subscription both",
    ..INV
};

async fn invitee_roster(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let (inviter, inv) = ibr_invite(&ctx, &regd).await?;
        let (c, mut conn, f) = register_with(&ctx, &regd, &inv, "INV-19").await?;
        login_on(&ctx, &mut conn, &f, &c, "INV-28").await?;
        let items = roster(&ctx, &mut conn, "INV-19").await?;
        Ok(match items.iter().find(|i| i.jid == inviter.jid) {
            Some(i) if i.subscription == "both" => pass(),
            Some(i) => fail(
                "INV-19",
                "the inviter with subscription both",
                format!("subscription {}", i.subscription),
            ),
            None => fail(
                "INV-19",
                format!("{} on the roster", inviter.jid),
                format!("{items:?}"),
            ),
        })
    })
    .await
}

const INVITER_PUSH: Spec = Spec {
    id: "invites.contact.inviter-push",
    title: "The online inviter gets a roster push for the new contact",
    cites: &["INV-18"],
    requires: "after registration with the inviter's contact invitation the online inviter \
               receives a roster push <item jid='invitee' subscription='both'/>",
    ..INV
};

async fn inviter_push(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let (inviter, inv) = ibr_invite(&ctx, &regd).await?;
        let mut a = online(&ctx, "inviter", &inviter).await?;
        let (c, _, _) = register_with(&ctx, &regd, &inv, "INV-18").await?;
        ctx.step("inviter: wait for the roster push");
        let (got, seen) = a
            .collect_until(|e| push_of(e, &c.jid, "both"))
            .await
            .or_setup("reading the inviter's stream")?;
        Ok(match got {
            Some(_) => pass(),
            None => {
                let pushes: Vec<Vec<RosterItem>> =
                    seen.iter().filter_map(reg::roster_push).collect();
                fail(
                    "INV-18",
                    format!("a roster push <item jid='{}' subscription='both'/>", c.jid),
                    format!(
                        "{} within {} s: {pushes:?}",
                        if pushes.is_empty() {
                            "no push"
                        } else {
                            "other pushes"
                        },
                        reply_wait(&ctx).as_secs()
                    ),
                )
            }
        })
    })
    .await
}

const IBR_FLAG: Spec = Spec {
    id: "invites.contact.ibr-flag",
    title: "A user's contact invitation offers registration only if it works",
    cites: &["INV-8", "INV-20"],
    requires: "a contact invitation carries ibr=y only when the invitee may register with it: \
               with ibr=y registration succeeds; without it, registration with the token fails; \
               on a target whose users may not invite new users (--allow-user-invites no) a \
               user's invitation carries no ibr=y",
    needs: &[Capability::Account],
    ..INV
};

async fn ibr_flag(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let inviter = first_account(&ctx)?;
        if ctx
            .config
            .admin
            .as_ref()
            .is_some_and(|a| a.jid == inviter.jid || a.jid == inviter.user)
        {
            return Err(skip("--account is the --admin"));
        }
        // The user's own command, not an admin's minting tool: that is the path INV-8 is about.
        let raw = match adhoc::invite(&ctx, &inviter).await {
            Ok((raw, _)) => raw,
            Err(e) => return Err(skip(format!("#invite as {}: {e}", inviter.jid))),
        };
        let uri = InviteUri::parse(&raw)
            .map_err(|e| fail("INV-5", "an xmpp: invitation URI", format!("{raw}: {e}")))?;
        ctx.secret(SecretKind::InviteToken, &uri.preauth);
        let inv = Invite { uri, raw };
        let c = fresh(&ctx);
        let (mut conn, _) = unauth(&ctx, "c1").await?;
        let p = preauth(&ctx, &mut conn, inv.token(), "INV-21").await?;
        let r = if p.is_result() {
            Some(register(&ctx, &mut conn, &c, "INV-8").await?)
        } else {
            None
        };
        let registered = r.as_ref().is_some_and(IqReply::is_result);
        if registered {
            regd.add(&c);
        }
        let answers = format!(
            "preauth {}, registration {}",
            p.describe(),
            r.as_ref().map_or("not tried".into(), IqReply::describe)
        );
        // BB-cfg (INV-8's test hint): with `--allow-user-invites no` the target says its users
        // may not invite new users, so a user's contact invitation must not offer registration.
        if ctx.config.allow_user_invites == Some(false) && (inv.uri.ibr || registered) {
            return Ok(fail(
                "INV-8",
                "no ibr=y (and no registration) on a non-admin's contact invitation: the target \
                 does not allow user invites (--allow-user-invites no)",
                format!("ibr={}: {answers}", inv.uri.ibr),
            ));
        }
        Ok(match (inv.uri.ibr, registered) {
            (true, true) | (false, false) => {
                pass().with_message(format!("ibr={}: {answers}", inv.uri.ibr))
            }
            (true, false) => fail(
                "INV-8",
                "registration with an ibr=y invitation to work",
                answers,
            ),
            (false, true) => fail(
                "INV-20",
                "no registration with a contact invitation without ibr=y",
                answers,
            ),
        })
    })
    .await
}

/// Send a subscription request to `to` carrying `token`.
async fn subscribe(ctx: &CaseCtx, conn: &mut Conn, to: &str, token: &str) -> Flow<()> {
    ctx.step(&format!("subscribe to {to} with a preauth token"));
    conn.send(&reg::presence(
        Some("subscribe"),
        Some(to),
        Some(reg::preauth(Some(token))),
    ))
    .await
    .or_setup("sending the subscription request")
}

/// Requester `r` subscribes to `target` with `token`; both are online. Returns whether `r` got
/// `subscribed` and whether `target` got the request itself, plus the target's stanzas.
async fn try_preauth(
    ctx: &CaseCtx,
    r: &Creds,
    target: &Creds,
    token: &str,
) -> Flow<(bool, bool, Vec<Element>)> {
    let mut t = online(ctx, "target", target).await?;
    drain(ctx, &mut t).await?;
    let mut rc = online(ctx, "requester", r).await?;
    subscribe(ctx, &mut rc, &target.jid, token).await?;
    ctx.step("target: wait for the request or a roster push");
    let (_, seen) = t
        .collect_until(|e| {
            presence_of(e, "subscribe", &r.jid)
                || push_of(e, &r.jid, "from")
                || push_of(e, &r.jid, "both")
        })
        .await
        .or_setup("reading the target's stream")?;
    let delivered = seen.iter().any(|e| presence_of(e, "subscribe", &r.jid));
    ctx.step("requester: collect what arrived");
    let mut got = drain(ctx, &mut rc).await?;
    if !got
        .iter()
        .any(|e| presence_of(e, "subscribed", &target.jid))
        && !delivered
    {
        let (_, more) = rc
            .collect_until(|e| presence_of(e, "subscribed", &target.jid))
            .await
            .or_setup("reading the requester's stream")?;
        got.extend(more);
    }
    let approved = got
        .iter()
        .any(|e| presence_of(e, "subscribed", &target.jid));
    Ok((approved, delivered, seen))
}

const PREAUTH_APPROVED: Spec = Spec {
    id: "invites.roster.preauth-approved",
    title: "A subscription request with the inviter's token is approved",
    cites: &["PARS-2", "PARS-7"],
    requires: "an existing user's subscribe to the inviter carrying the inviter's fresh token is \
               approved by the server: the requester gets subscribed, the inviter a roster push \
               (item without a name), not the request",
    ..INV
};

async fn preauth_approved(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let inviter = new_account(&ctx, &regd).await?;
        let r = new_account(&ctx, &regd).await?;
        let inv = contact_invite(&ctx, &inviter).await?;
        let (approved, delivered, seen) = try_preauth(&ctx, &r, &inviter, inv.token()).await?;
        if !approved {
            return Ok(fail(
                "PARS-2",
                "subscribed sent to the requester on the inviter's behalf",
                if delivered {
                    "an ordinary request delivered to the inviter"
                } else {
                    "no subscribed"
                },
            ));
        }
        let named = seen
            .iter()
            .filter_map(reg::roster_push)
            .flatten()
            .find(|i| i.jid == r.jid && i.name.as_deref().is_some_and(|n| n != r.jid));
        Ok(match named {
            Some(i) => warn(
                "PARS-7",
                "an auto-added item without a name",
                format!("name {:?}", i.name),
                "XEP-0379 §5.2",
            ),
            None => pass(),
        })
    })
    .await
}

const UNKNOWN_TOKEN: Spec = Spec {
    id: "invites.roster.unknown-token",
    title: "A subscription request with an unknown token is an ordinary request",
    cites: &["PARS-3"],
    requires: "an unknown token is ignored: the request is delivered to the contact and not approved",
    negative: true,
    ..INV
};

/// Judge a request whose token must not approve it.
fn ordinary(approved: bool, delivered: bool, req: &str, what: &str) -> Outcome {
    match (approved, delivered) {
        (false, true) => pass(),
        (true, _) => fail(
            req,
            format!("{what}: an ordinary request"),
            "approved by the server",
        ),
        (false, false) => fail(
            req,
            format!("{what}: the request delivered to the contact"),
            "not delivered",
        ),
    }
}

async fn unknown_token(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let inviter = new_account(&ctx, &regd).await?;
        let r = new_account(&ctx, &regd).await?;
        let token = format!("gc{}", random_chars(22));
        ctx.secret(SecretKind::InviteToken, &token);
        let (approved, delivered, _) = try_preauth(&ctx, &r, &inviter, &token).await?;
        Ok(ordinary(approved, delivered, "PARS-3", "an unknown token"))
    })
    .await
}

const OTHER_INVITER: Spec = Spec {
    id: "invites.roster.other-inviters-token",
    title: "A token approves requests to its own inviter only",
    cites: &["PARS-3"],
    requires: "a token minted by A does not approve a subscription request sent to B: B gets an \
               ordinary request",
    negative: true,
    ..INV
};

async fn other_inviter(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let a = new_account(&ctx, &regd).await?;
        let b = new_account(&ctx, &regd).await?;
        let r = new_account(&ctx, &regd).await?;
        let inv = contact_invite(&ctx, &a).await?;
        let (approved, delivered, _) = try_preauth(&ctx, &r, &b, inv.token()).await?;
        Ok(ordinary(
            approved,
            delivered,
            "PARS-3",
            "another user's token",
        ))
    })
    .await
}

const SPENT_TOKEN: Spec = Spec {
    id: "invites.roster.spent-token",
    title: "A roster token approves once",
    cites: &["PARS-5", "PARS-2"],
    requires: "tokens are single-use by default: the second request with the same token takes the \
               manual path (delivered, not approved)",
    negative: true,
    ..INV
};

async fn spent_token(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let a = new_account(&ctx, &regd).await?;
        let r1 = new_account(&ctx, &regd).await?;
        let r2 = new_account(&ctx, &regd).await?;
        let inv = contact_invite(&ctx, &a).await?;
        let (first, _, _) = try_preauth(&ctx, &r1, &a, inv.token()).await?;
        if !first {
            return Err(skip("the first request with the token was not approved (invites.roster.preauth-approved)"));
        }
        let (approved, delivered, _) = try_preauth(&ctx, &r2, &a, inv.token()).await?;
        Ok(match (approved, delivered) {
            (false, true) => pass(),
            (true, _) => warn("PARS-5", "the spent token ignored", "approved a second time", "XEP-0379 §5.3: single-use by default"),
            (false, false) => fail("PARS-3", "the request delivered to the contact", "not delivered"),
        })
    })
    .await
}
