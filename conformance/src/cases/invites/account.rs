//! XEP-0077 for a registered account: `<registered/>`, password change (and the empty password
//! it must refuse), `<remove/>` ending the account's other sessions, and the disco feature.

use super::*;

pub(super) fn all() -> Vec<Case> {
    vec![
        NOT_SUPPORTED.with(not_supported),
        REGISTERED.with(registered),
        DISCO_FEATURE.with(disco_feature),
        PASSWORD_CHANGE.with(password_change),
        EMPTY_PASSWORD.with(empty_password),
        REMOVE.with(remove_account),
    ]
}

const NOT_SUPPORTED: Spec = Spec {
    id: "invites.ibr.not-supported",
    title: "A server without in-band registration says service-unavailable",
    cites: &["IBR-4"],
    requires: "a server that does not support in-band registration answers a jabber:iq:register \
               get with service-unavailable",
    accepts: &["a not-authorized stream error (RFC 6120: stanzas before authentication)"],
    ..Spec::module(Module::Invites)
};

async fn not_supported(ctx: CaseCtx) -> Flow {
    if ctx.caps().offers(Offer::Register) || ctx.caps().offers(Offer::Invite) {
        return Err(skip(
            "the target offers in-band registration (IBR-4 is about targets that do not)",
        ));
    }
    let (mut c, _) = unauth(&ctx, "c1").await?;
    let x = match c.request(&reg::register_get("g")).await {
        Ok(x) => x,
        // RFC 6120 §6.4.6 lets a server refuse any stanza before authentication this way.
        Err(ClientError::StreamError { condition, .. }) if condition == "not-authorized" => {
            return Ok(pass().with_message(
                "<not-authorized/> stream error for a stanza before authentication (RFC 6120)",
            ));
        }
        Err(e) => return Ok(unanswered_iq(&ctx, "IBR-4", "service-unavailable", &e)),
    };
    Ok(match x.reply.error() {
        Some(e) if e.condition == "service-unavailable" => pass(),
        _ => fail("IBR-4", "cancel/service-unavailable", x.reply.describe()),
    })
}

const REGISTERED: Spec = Spec {
    id: "invites.ibr.registered",
    title: "A registered entity's get says <registered/>",
    cites: &["IBR-6", "IBR-7"],
    requires: "on an authenticated stream the get result contains an empty <registered/> and \
               SHOULD include the username",
    needs: &[Capability::Account],
    ..IBR
};

async fn registered(ctx: CaseCtx) -> Flow {
    let me = first_account(&ctx)?;
    let (mut conn, _) = session(&ctx, "c1", &me).await?;
    let x = ask(
        &ctx,
        &mut conn,
        &reg::register_get("g"),
        "IBR-6",
        "the registration data",
    )
    .await?;
    let Some(q) = x
        .reply
        .payload()
        .filter(|q| q.is("query", ns::REGISTER))
        .cloned()
    else {
        return Ok(fail("IBR-6", "<query><registered/>…", x.reply.describe()));
    };
    let info = reg::RegisterInfo::parse(&q);
    Ok(if !info.registered {
        fail("IBR-6", "<registered/>", q.to_xml())
    } else if info.username.as_deref() != Some(me.user.as_str()) {
        warn(
            "IBR-6",
            format!("<username>{}</username>", me.user),
            format!("{:?}", info.username),
            "XEP-0077 §3.2.1: SHOULD include the current data",
        )
    } else {
        pass()
    })
}

const DISCO_FEATURE: Spec = Spec {
    id: "invites.ibr.disco-feature",
    title: "The server advertises jabber:iq:register in disco#info",
    cites: &["IBR-24"],
    requires: "a server supporting in-band registration SHOULD list the jabber:iq:register feature",
    needs: &[Capability::Account],
    ..IBR
};

async fn disco_feature(ctx: CaseCtx) -> Flow {
    let me = first_account(&ctx)?;
    let (mut conn, _) = session(&ctx, "c1", &me).await?;
    let q = Element::new("query", ns::DISCO_INFO);
    let iq = gatecheck_client::iq::iq("get", "di", Some(&domain(&ctx)), q);
    let x = ask(&ctx, &mut conn, &iq, "IBR-24", "disco#info").await?;
    let has = x.reply.payload().is_some_and(|p| {
        p.children_named("feature", ns::DISCO_INFO)
            .any(|f| f.attr("var") == Some(ns::REGISTER))
    });
    Ok(if has {
        pass()
    } else {
        warn(
            "IBR-24",
            "feature jabber:iq:register",
            x.reply.describe(),
            "XEP-0077 §8",
        )
    })
}

const PASSWORD_CHANGE: Spec = Spec {
    id: "invites.ibr.password-change",
    title: "An authenticated password change takes effect",
    cites: &["IBR-16"],
    requires: "username + new password on an authenticated stream gets a result; the new password \
               logs in, the old one no longer does",
    ..IBR
};

async fn password_change(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let c = new_account(&ctx, &regd).await?;
        let (mut conn, _) = session(&ctx, "c1", &c).await?;
        let new = Creds {
            password: fresh(&ctx).password,
            ..c.clone()
        };
        let iq = reg::register_legacy("pw", Some(&c.user), Some(&new.password));
        let x = ask(
            &ctx,
            &mut conn,
            &iq,
            "IBR-16",
            "an answer to the password change",
        )
        .await?;
        if let IqReply::Error(e) = &x.reply {
            return Ok(fail("IBR-16", "an empty result", e.describe()));
        }
        regd.set_password(&c.user, &new.password);
        if !can_login(&ctx, &new).await? {
            return Ok(fail("IBR-16", "the new password logs in", "it does not"));
        }
        Ok(if can_login(&ctx, &c).await? {
            fail("IBR-16", "the old password refused", "it still logs in")
        } else {
            pass()
        })
    })
    .await
}

const EMPTY_PASSWORD: Spec = Spec {
    id: "invites.ibr.empty-password",
    title: "A password change to an empty password is refused",
    cites: &["IBR-17", "IBR-10", "IBR-19"],
    requires: "an empty <password/> is not set (not-acceptable); the existing password still works \
               and the error does not echo the password",
    accepts: &["any IQ error (not-acceptable expected)"],
    negative: true,
    ..IBR
};

async fn empty_password(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let c = new_account(&ctx, &regd).await?;
        let (mut conn, _) = session(&ctx, "c1", &c).await?;
        let iq = reg::register_legacy("pw", Some(&c.user), Some(""));
        let x = ask(
            &ctx,
            &mut conn,
            &iq,
            "IBR-17",
            "an answer to the password change",
        )
        .await?;
        if !can_login(&ctx, &c).await? {
            let empty = Creds {
                password: String::new(),
                ..c.clone()
            };
            if can_login(&ctx, &empty).await.unwrap_or(false) {
                regd.set_password(&c.user, "");
            }
            return Ok(fail(
                "IBR-17",
                "the existing password kept",
                format!("{}; the old password no longer logs in", x.reply.describe()),
            ));
        }
        Ok(match &x.reply {
            IqReply::Result(_) => fail(
                "IBR-17",
                "an error for an empty password",
                "an empty result",
            ),
            IqReply::Error(e)
                if e.stanza
                    .child("query", ns::REGISTER)
                    .and_then(|q| q.child("password", ns::REGISTER))
                    .is_some() =>
            {
                warn(
                    "IBR-19",
                    "an error without the request's <password/>",
                    e.stanza.to_xml(),
                    "XEP-0077 §3.3: echoing the request puts the password in another stanza",
                )
            }
            IqReply::Error(e) if e.condition == "not-acceptable" => pass(),
            IqReply::Error(e) => {
                pass().with_message(format!("{} (not-acceptable suggested)", e.describe()))
            }
        })
    })
    .await
}

const REMOVE: Spec = Spec {
    id: "invites.ibr.remove",
    title: "<remove/> deletes the account and ends its other sessions",
    cites: &["IBR-14"],
    requires: "remove gets a result; another session of the account gets a not-authorized stream \
               error; the account no longer logs in",
    ..IBR
};

async fn remove_account(ctx: CaseCtx) -> Flow {
    let regd = Registered::default();
    tidy(&ctx, &regd, async {
        let c = new_account(&ctx, &regd).await?;
        let (mut other, _) = session(&ctx, "other", &c).await?;
        let (mut conn, _) = session(&ctx, "c1", &c).await?;
        let x = ask(
            &ctx,
            &mut conn,
            &reg::register_remove("rm"),
            "IBR-14",
            "an answer to <remove/>",
        )
        .await?;
        if let IqReply::Error(e) = &x.reply {
            return Ok(fail("IBR-14", "an empty result", e.describe()));
        }
        regd.forget(&c.user);
        ctx.step("other session: expect a stream error");
        let ended = loop {
            match other.recv().await {
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        if can_login(&ctx, &c).await? {
            regd.add(&c);
            return Ok(fail(
                "IBR-14",
                "the removed account no longer logs in",
                "it still does",
            ));
        }
        Ok(match ended.stream_condition() {
            Some("not-authorized") => pass(),
            _ => warn(
                "IBR-14",
                "<not-authorized/> stream error on the other session",
                ended.to_string(),
                "XEP-0077 §3.2: other sessions are terminated with not-authorized",
            ),
        })
    })
    .await
}
