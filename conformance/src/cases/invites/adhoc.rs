//! The XEP-0401 commands (XEP-0050 ad-hoc): listed, `#invite` and its invitation form,
//! `#create-account` for admins only, with its form and username validation.

use super::*;
use gatecheck_client::iq::DataForm;
use gatecheck_client::register::{CommandReply, INVITATION_FORM, NODE_CREATE_ACCOUNT, NODE_INVITE};

pub(super) fn all() -> Vec<Case> {
    vec![
        LISTED.with(listed),
        INVITE_FORM.with(invite_form),
        CREATE_FORBIDDEN.with(create_forbidden),
        CREATE_FORM.with(create_form),
        CREATE_BAD_USERNAME.with(create_bad_username),
    ]
}

/// Execute `node` as a logged-in session; the command reply or the stanza error.
async fn execute(
    ctx: &CaseCtx,
    conn: &mut Conn,
    node: &str,
    req: &str,
) -> Flow<Result<CommandReply, StanzaError>> {
    ctx.step(&format!("execute {node}"));
    let x = ask(
        ctx,
        conn,
        &reg::command_execute("cmd", &domain(ctx), node),
        req,
        "the command's answer",
    )
    .await?;
    match x.reply {
        IqReply::Error(e) => Ok(Err(e)),
        IqReply::Result(ref el) => el
            .child("command", ns::COMMANDS)
            .and_then(CommandReply::parse)
            .map(Ok)
            .ok_or_else(|| fail(req, "a <command/> in the result", el.to_xml())),
    }
}

/// The `uri` of an invitation form.
fn uri_of(form: Option<&DataForm>) -> Option<String> {
    form.and_then(|f| f.value("uri")).map(str::to_owned)
}

/// `#invite` as `who`: the URI and the reply (for minting and the form cases).
pub(crate) async fn invite(ctx: &CaseCtx, who: &Creds) -> Result<(String, CommandReply), String> {
    let (mut conn, _) = session(ctx, "adhoc", who).await.map_err(|o| said(&o))?;
    let r = execute(ctx, &mut conn, NODE_INVITE, "INV-5")
        .await
        .map_err(|o| said(&o))?
        .map_err(|e| e.describe())?;
    let uri = uri_of(r.form.as_ref()).ok_or("no uri field in the #invite result")?;
    Ok((uri, r))
}

/// `#create-account` as `admin`, submitting `username` when the command asks: the URI.
pub(crate) async fn create_account(
    ctx: &CaseCtx,
    admin: &Creds,
    username: Option<&str>,
) -> Result<String, String> {
    let (mut conn, _) = session(ctx, "adhoc", admin).await.map_err(|o| said(&o))?;
    let r = execute(ctx, &mut conn, NODE_CREATE_ACCOUNT, "INV-12")
        .await
        .map_err(|o| said(&o))?
        .map_err(|e| e.describe())?;
    let r = if r.status == "executing" {
        let fields: Vec<(&str, &str)> = username.map(|u| vec![("username", u)]).unwrap_or_default();
        let form_type = r
            .form
            .as_ref()
            .and_then(|f| f.form_type().map(str::to_owned));
        let submit = reg::command_submit(
            "cmd2",
            &domain(ctx),
            NODE_CREATE_ACCOUNT,
            &r.sessionid,
            form_type.as_deref(),
            &fields,
        );
        let x = conn.request(&submit).await.map_err(|e| e.to_string())?;
        match x.reply {
            IqReply::Error(e) => return Err(e.describe()),
            IqReply::Result(el) => el
                .child("command", ns::COMMANDS)
                .and_then(CommandReply::parse)
                .ok_or("no <command/> in the result")?,
        }
    } else if username.is_some() {
        return Err("#create-account completed without asking for a username".into());
    } else {
        r
    };
    uri_of(r.form.as_ref()).ok_or_else(|| "no uri field in the #create-account result".into())
}

const LISTED: Spec = Spec {
    id: "invites.adhoc.listed",
    title: "The invitation commands are listed",
    cites: &["INV-3"],
    requires: "disco#items of node http://jabber.org/protocol/commands on the server lists \
               urn:xmpp:invite#invite for a user",
    needs: &[Capability::Account],
    ..INV
};

async fn listed(ctx: CaseCtx) -> Flow {
    let me = first_account(&ctx)?;
    let (mut conn, _) = session(&ctx, "c1", &me).await?;
    let x = ask(
        &ctx,
        &mut conn,
        &reg::disco_items("d", &domain(&ctx), Some(ns::COMMANDS)),
        "INV-3",
        "the command list",
    )
    .await?;
    let nodes = x.reply.payload().map(reg::item_nodes).unwrap_or_default();
    Ok(if nodes.iter().any(|n| n == NODE_INVITE) {
        pass().with_message(format!("{nodes:?}"))
    } else {
        warn(
            "INV-3",
            format!("node {NODE_INVITE}"),
            format!("{nodes:?} ({})", x.reply.describe()),
            "clients find the invitation command through this list",
        )
    })
}

const INVITE_FORM: Spec = Spec {
    id: "invites.adhoc.invite-form",
    title: "#invite completes at once with a well-formed invitation form",
    cites: &["INV-4", "INV-5", "INV-6", "INV-10", "INV-11"],
    requires: "#invite completes immediately with a form (FORM_TYPE urn:xmpp:invite#invitation, \
               no <item/>) whose uri is xmpp:INVITER?roster;preauth=TOKEN and whose expire, if \
               present, is a XEP-0082 DateTime",
    accepts: &["no FORM_TYPE (Prosody-compatible, warned)"],
    needs: &[Capability::Account],
    ..INV
};

async fn invite_form(ctx: CaseCtx) -> Flow {
    let me = first_account(&ctx)?;
    let (mut conn, _) = session(&ctx, "c1", &me).await?;
    let r = match execute(&ctx, &mut conn, NODE_INVITE, "INV-5").await? {
        Ok(r) => r,
        Err(e) if e.condition == "item-not-found" || e.condition == "feature-not-implemented" => {
            return Err(unsupported(format!(
                "#invite not available: {}",
                e.describe()
            )));
        }
        Err(e) => {
            return Err(skip(format!(
                "#invite refused for this user: {}",
                e.describe()
            )));
        }
    };
    let Some(form) = r.form.clone() else {
        return Ok(fail("INV-5", "a form with field uri", "no form"));
    };
    let Some(uri) = form.value("uri") else {
        return Ok(fail("INV-5", "a field uri", format!("{:?}", form.fields)));
    };
    ctx.secret(SecretKind::InviteToken, uri);
    let parsed = match InviteUri::parse(uri) {
        Ok(p) => p,
        Err(e) => {
            return Ok(fail(
                "INV-5",
                "an xmpp: invitation URI",
                format!("{uri}: {e}"),
            ));
        }
    };
    ctx.secret(SecretKind::InviteToken, &parsed.preauth);
    if let Some(exp) = form.value("expire")
        && gatecheck_proto::datetime::parse_datetime(exp).is_err()
    {
        return Ok(fail("INV-10", "a XEP-0082 DateTime", exp.to_owned()));
    }
    if r.status != "completed" {
        return Ok(warn(
            "INV-4",
            "status='completed'",
            r.status,
            "XEP-0401 §5.1",
        ));
    }
    if parsed.kind != InviteKind::Roster || parsed.jid.to_string() != me.jid {
        return Ok(warn(
            "INV-6",
            format!("xmpp:{}?roster;preauth=…", me.jid),
            uri.to_owned(),
            "a contact invitation names the inviter",
        ));
    }
    if form.has_items {
        return Ok(fail(
            "INV-11",
            "text-single fields, no <item/>",
            "a multi-item form",
        ));
    }
    Ok(match form.form_type() {
        Some(INVITATION_FORM) => pass(),
        None => pass().with_message(
            "no FORM_TYPE: tolerated (INV-11 test hint: Prosody-compatible), recorded here",
        ),
        other => warn(
            "INV-11",
            format!("FORM_TYPE {INVITATION_FORM}"),
            format!("{other:?}"),
            "clients identify the invitation form by it (tolerated for Prosody compatibility)",
        ),
    })
}

const CREATE_FORBIDDEN: Spec = Spec {
    id: "invites.adhoc.create-account-not-admin",
    title: "#create-account is refused to a non-admin",
    cites: &["INV-3"],
    requires: "account invitations are an administrator's command: a plain user executing \
               urn:xmpp:invite#create-account gets auth/forbidden",
    accepts: &[
        "forbidden",
        "not-allowed",
        "item-not-found (the command is not listed)",
    ],
    needs: &[Capability::Account],
    negative: true,
    ..INV
};

async fn create_forbidden(ctx: CaseCtx) -> Flow {
    let me = first_account(&ctx)?;
    if ctx
        .config
        .admin
        .as_ref()
        .is_some_and(|a| a.jid == me.jid || a.jid == me.user)
    {
        return Err(skip("--account is the --admin"));
    }
    let (mut conn, _) = session(&ctx, "c1", &me).await?;
    Ok(
        match execute(&ctx, &mut conn, NODE_CREATE_ACCOUNT, "INV-3").await? {
            Err(e) if is_one_of(&e, &["forbidden", "not-allowed", "item-not-found"]) => {
                pass().with_message(e.describe())
            }
            Err(e) => pass().with_message(format!("{} (forbidden expected)", e.describe())),
            Ok(r) if uri_of(r.form.as_ref()).is_some() || r.status == "executing" => fail(
                "INV-3",
                "auth/forbidden for a non-admin",
                format!("status {}: the command ran", r.status),
            ),
            Ok(r) => pass().with_message(format!("status {} without an invitation", r.status)),
        },
    )
}

const CREATE_FORM: Spec = Spec {
    id: "invites.adhoc.create-account-form",
    title: "#create-account asks for an optional username and returns an account invitation",
    cites: &["INV-12", "INV-13", "INV-15"],
    requires: "an admin's #create-account returns a form with a text-single username field \
               (<required/> only if it is required) and an optional boolean roster-subscription; \
               the submitted result's uri is xmpp:host?register;preauth=TOKEN",
    accepts: &["completing at once without a form (Prosody, warned)"],
    needs: &[Capability::Admin],
    ..INV
};

async fn create_form(ctx: CaseCtx) -> Flow {
    let a = admin(&ctx).ok_or_else(|| skip("needs --admin"))?;
    let (mut conn, _) = session(&ctx, "c1", &a).await?;
    let r = match execute(&ctx, &mut conn, NODE_CREATE_ACCOUNT, "INV-12").await? {
        Ok(r) => r,
        Err(e) => {
            return Ok(fail(
                "INV-12",
                "the command runs for an admin",
                e.describe(),
            ));
        }
    };
    let (uri, note) = if r.status == "executing" {
        let Some(form) = r.form.clone() else {
            return Ok(fail("INV-12", "a form while executing", "no form"));
        };
        match form.field("username") {
            None => {
                return Ok(fail(
                    "INV-12",
                    "a username field",
                    format!("{:?}", form.fields),
                ));
            }
            Some(f) if !(f.kind.is_empty() || f.kind == "text-single") => {
                return Ok(fail("INV-12", "username text-single", f.kind.clone()));
            }
            Some(_) => {}
        }
        if let Some(f) = form.field("roster-subscription")
            && f.kind != "boolean"
        {
            return Ok(fail(
                "INV-12",
                "roster-subscription boolean",
                f.kind.clone(),
            ));
        }
        let ft = form.form_type().map(str::to_owned);
        let submit = reg::command_submit(
            "cmd2",
            &domain(&ctx),
            NODE_CREATE_ACCOUNT,
            &r.sessionid,
            ft.as_deref(),
            &[],
        );
        let x = ask(
            &ctx,
            &mut conn,
            &submit,
            "INV-12",
            "the submitted command's answer",
        )
        .await?;
        let done = x
            .reply
            .payload()
            .and_then(CommandReply::parse)
            .ok_or_else(|| fail("INV-12", "a <command/> result", x.reply.describe()))?;
        (uri_of(done.form.as_ref()), None)
    } else {
        (
            uri_of(r.form.as_ref()),
            Some("completed at once without asking for a username"),
        )
    };
    let Some(uri) = uri else {
        return Ok(fail("INV-5", "a field uri", "none"));
    };
    ctx.secret(SecretKind::InviteToken, &uri);
    let parsed = match InviteUri::parse(&uri) {
        Ok(p) => p,
        Err(e) => {
            return Ok(fail(
                "INV-5",
                "an xmpp: invitation URI",
                format!("{uri}: {e}"),
            ));
        }
    };
    ctx.secret(SecretKind::InviteToken, &parsed.preauth);
    if parsed.kind != InviteKind::Register || parsed.jid.node().is_some() {
        return Ok(warn(
            "INV-15",
            "xmpp:host?register;preauth=TOKEN",
            uri,
            "an invitation without a username names only the host",
        ));
    }
    // INV-12's test hint: Prosody completes without a form; record which.
    Ok(match note {
        Some(n) => pass().with_message(n),
        None => pass().with_message("executing form with a username field, then the invitation"),
    })
}

const CREATE_BAD_USERNAME: Spec = Spec {
    id: "invites.adhoc.create-account-bad-username",
    title: "#create-account refuses an invalid username",
    cites: &["INV-14"],
    requires: "a submitted username must be a valid localpart: `a@b` gets a command error \
               (modify/bad-request expected) and no invitation",
    accepts: &["any IQ error (bad-request expected)"],
    needs: &[Capability::Admin],
    negative: true,
    ..INV
};

async fn create_bad_username(ctx: CaseCtx) -> Flow {
    let a = admin(&ctx).ok_or_else(|| skip("needs --admin"))?;
    let (mut conn, _) = session(&ctx, "c1", &a).await?;
    let r = match execute(&ctx, &mut conn, NODE_CREATE_ACCOUNT, "INV-12").await? {
        Ok(r) => r,
        Err(e) => {
            return Err(skip(format!(
                "#create-account refused to --admin: {}",
                e.describe()
            )));
        }
    };
    if r.status != "executing" || r.form.as_ref().and_then(|f| f.field("username")).is_none() {
        return Err(skip("#create-account asks for no username"));
    }
    let ft = r
        .form
        .as_ref()
        .and_then(|f| f.form_type().map(str::to_owned));
    let submit = reg::command_submit(
        "cmd2",
        &domain(&ctx),
        NODE_CREATE_ACCOUNT,
        &r.sessionid,
        ft.as_deref(),
        &[("username", "a@b")],
    );
    let x = ask(&ctx, &mut conn, &submit, "INV-14", "a command error").await?;
    Ok(match &x.reply {
        IqReply::Error(e) if e.condition == "bad-request" => pass(),
        IqReply::Error(e) => {
            pass().with_message(format!("{} (bad-request suggested)", e.describe()))
        }
        IqReply::Result(_) => {
            let done = x
                .reply
                .payload()
                .and_then(CommandReply::parse)
                .unwrap_or_default();
            match uri_of(done.form.as_ref()) {
                Some(u) => {
                    ctx.secret(SecretKind::InviteToken, &u);
                    fail(
                        "INV-14",
                        "a command error for username a@b",
                        format!("an invitation: {u}"),
                    )
                }
                None => {
                    pass().with_message(format!("status {} without an invitation", done.status))
                }
            }
        }
    })
}
