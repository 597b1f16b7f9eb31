//! The malformed-element table for registration and preauth (issue 11, "bad input"): XEP-0077
//! requests with a missing, empty, repeated or oversized field, `<preauth/>` without a token,
//! with an empty or a 1 MiB one, and requests in the wrong stream state (after authentication,
//! before TLS). Each input is valid in every respect but the one under test: a fresh `gc-`
//! username, a non-empty password, a token the target minted and validated on that stream.
//! After the answer the driver checks that nothing happened: the row's username does not log in
//! and the row's token still preauths (IBR-28). The machinery is [`crate::cases::table`].

use super::*;
use crate::cases::table::{Allow, Answer, AnswerFuture, Otherwise, Row, Table, before};
use gatecheck_client::iq::{iq, submit_form};

/// The state a row starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// A fresh TLS stream on which a freshly minted token was validated with `<preauth/>`.
    Preauthed,
    /// A fresh TLS stream, nothing sent (the row's token, if any, is freshly minted).
    Fresh,
    /// A session of `--account` (the row's token is freshly minted).
    Authenticated,
    /// A stream before STARTTLS (the row's token is freshly minted).
    BeforeTls,
}

/// What a row sends.
#[derive(Debug)]
pub struct Input {
    /// The state to reach first.
    pub setup: Setup,
    /// Whether the row needs a minted token.
    pub token: bool,
    /// The IQ sent (id `m1`).
    pub iq: fn(&Env) -> Element,
}

/// What a row's IQ is built from.
#[derive(Debug)]
pub struct Env {
    /// A fresh `gc-` username.
    pub user: String,
    /// A fresh password.
    pub password: String,
    /// The minted token (empty when the row needs none).
    pub token: String,
}

fn q(children: Vec<Element>) -> Element {
    children
        .into_iter()
        .fold(Element::new("query", ns::REGISTER), Element::with_child)
}

fn field(name: &str, text: &str) -> Element {
    let e = Element::new(name, ns::REGISTER);
    if text.is_empty() {
        e
    } else {
        e.with_text(text)
    }
}

fn set(payload: Element) -> Element {
    iq("set", "m1", None, payload)
}

fn preauth_set(token: Option<&str>) -> Element {
    set(reg::preauth(token))
}

/// 1 MiB of token characters.
fn mib_token() -> String {
    "A".repeat(1 << 20)
}

/// A username of 2000 bytes: over RFC 7622's 1023-byte localpart limit.
fn long_user(e: &Env) -> String {
    format!("{}.{}", e.user, "a".repeat(2000))
}

const NOT_ACC: &[&str] = &["not-acceptable"];
const BAD: &[&str] = &["bad-request", "not-acceptable"];

const ROWS: &[Row<Input>] = &[
    Row {
        id: "r1-password-missing",
        element: "jabber:iq:register set",
        mutation: "no <password/>",
        allowed: &[Allow::Failure(NOT_ACC)],
        otherwise: Otherwise::Fail("IBR-10"),
        cites: &["IBR-10", "IBR-28"],
        why: "XEP-0077 §3.1: missing required information is modify/not-acceptable",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| set(q(vec![field("username", &e.user)])),
        },
    },
    Row {
        id: "r2-password-empty",
        element: "jabber:iq:register set",
        mutation: "an empty <password/>",
        allowed: &[Allow::Failure(NOT_ACC)],
        otherwise: Otherwise::Fail("IBR-10"),
        cites: &["IBR-10", "IBR-28"],
        why: "XEP-0077 §3.1: an empty password is missing information",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| set(q(vec![field("username", &e.user), field("password", "")])),
        },
    },
    Row {
        id: "r3-username-missing",
        element: "jabber:iq:register set",
        mutation: "no <username/>",
        allowed: &[Allow::Failure(BAD)],
        otherwise: Otherwise::Fail("IBR-10"),
        cites: &["IBR-10", "IBR-28"],
        why: "XEP-0077 §3.1: the username is required for a registration",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| set(q(vec![field("password", &e.password)])),
        },
    },
    Row {
        id: "r4-username-empty",
        element: "jabber:iq:register set",
        mutation: "an empty <username/>",
        allowed: &[Allow::Failure(BAD)],
        otherwise: Otherwise::Fail("IBR-10"),
        cites: &["IBR-10", "IBR-28"],
        why: "XEP-0077 §3.1: an empty username is missing information (and no valid localpart)",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| {
                set(q(vec![
                    field("username", ""),
                    field("password", &e.password),
                ]))
            },
        },
    },
    Row {
        id: "r5-username-repeated",
        element: "jabber:iq:register set",
        mutation: "<username/> twice (two different names)",
        allowed: &[Allow::Failure(BAD)],
        otherwise: Otherwise::Warn("IBR-10"),
        cites: &["IBR-10", "IBR-28"],
        why: "XEP-0077's schema has one username; which name a server would register is \
              undefined, so the spec is vague here: warn",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| {
                set(q(vec![
                    field("username", &e.user),
                    field("username", &format!("{}x", e.user)),
                    field("password", &e.password),
                ]))
            },
        },
    },
    Row {
        id: "r6-password-repeated",
        element: "jabber:iq:register set",
        mutation: "<password/> twice (two different values)",
        allowed: &[Allow::Failure(BAD)],
        otherwise: Otherwise::Warn("IBR-10"),
        cites: &["IBR-10", "IBR-28"],
        why: "XEP-0077's schema has one password; the spec is vague about duplicates: warn",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| {
                set(q(vec![
                    field("username", &e.user),
                    field("password", &e.password),
                    field("password", &format!("{}x", e.password)),
                ]))
            },
        },
    },
    Row {
        id: "r7-username-oversized",
        element: "jabber:iq:register set",
        mutation: "a 2000-byte <username/> (over RFC 7622's 1023-byte localpart)",
        allowed: &[
            Allow::Failure(&["not-acceptable", "bad-request", "jid-malformed"]),
            Allow::StreamError,
        ],
        otherwise: Otherwise::Fail("IBR-10"),
        cites: &["IBR-10", "IBR-28"],
        why: "an invalid username is not-acceptable (XEP-0077 §3.1, Prosody); a stream error for \
              an oversized stanza is RFC 6120's policy-violation",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| {
                set(q(vec![
                    field("username", &long_user(e)),
                    field("password", &e.password),
                ]))
            },
        },
    },
    Row {
        id: "f1-form-password-missing",
        element: "jabber:iq:register set with a data form",
        mutation: "the form has no password field",
        allowed: &[Allow::Failure(NOT_ACC)],
        otherwise: Otherwise::Fail("IBR-10"),
        cites: &["IBR-10", "IBR-21", "IBR-28"],
        why: "XEP-0077 §3.1/§4: the form's required password is missing",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| {
                set(q(vec![submit_form(
                    Some(ns::REGISTER),
                    &[("username", &e.user)],
                )]))
            },
        },
    },
    Row {
        id: "f2-form-username-repeated",
        element: "jabber:iq:register set with a data form",
        mutation: "the username field twice (two different names)",
        allowed: &[Allow::Failure(BAD)],
        otherwise: Otherwise::Warn("IBR-10"),
        cites: &["IBR-10", "IBR-21", "IBR-28"],
        why: "XEP-0004 §3.2: a field var is unique in a form; the spec names no condition: warn",
        input: Input {
            setup: Setup::Preauthed,
            token: true,
            iq: |e| {
                let other = format!("{}x", e.user);
                set(q(vec![submit_form(
                    Some(ns::REGISTER),
                    &[
                        ("username", &e.user),
                        ("username", &other),
                        ("password", &e.password),
                    ],
                )]))
            },
        },
    },
    Row {
        id: "p1-preauth-no-token",
        element: "<preauth xmlns='urn:xmpp:pars:0'/>",
        mutation: "no token attribute",
        allowed: &[Allow::Failure(&["bad-request"])],
        otherwise: Otherwise::Fail("INV-21"),
        cites: &["INV-21", "IBR-28"],
        why: "XEP-0445 §4: the token is validated; without one there is nothing valid \
              (modify/bad-request expected)",
        input: Input {
            setup: Setup::Fresh,
            token: false,
            iq: |_| preauth_set(None),
        },
    },
    Row {
        id: "p2-preauth-empty-token",
        element: "<preauth xmlns='urn:xmpp:pars:0'/>",
        mutation: "token=''",
        allowed: &[Allow::Failure(&[
            "item-not-found",
            "forbidden",
            "bad-request",
        ])],
        otherwise: Otherwise::Fail("INV-21"),
        cites: &["INV-21", "IBR-28"],
        why: "XEP-0445 §4: an empty token is no valid token",
        input: Input {
            setup: Setup::Fresh,
            token: false,
            iq: |_| preauth_set(Some("")),
        },
    },
    Row {
        id: "p3-preauth-token-1mib",
        element: "<preauth xmlns='urn:xmpp:pars:0'/>",
        mutation: "a 1 MiB token",
        allowed: &[
            Allow::Failure(&[
                "item-not-found",
                "forbidden",
                "bad-request",
                "policy-violation",
            ]),
            Allow::StreamError,
        ],
        otherwise: Otherwise::Fail("INV-21"),
        cites: &["INV-21", "IBR-28"],
        why: "an unknown token is refused (XEP-0445 §4); a stanza this size may end the stream \
              (RFC 6120 §4.9.3.12 policy-violation)",
        input: Input {
            setup: Setup::Fresh,
            token: false,
            iq: |_| preauth_set(Some(&mib_token())),
        },
    },
    Row {
        id: "s1-preauth-after-auth",
        element: "<preauth xmlns='urn:xmpp:pars:0'/>",
        mutation: "sent on an authenticated stream, with a valid token",
        allowed: &[Allow::Failure(&[]), Allow::Success],
        otherwise: Otherwise::Warn("IBR-28"),
        cites: &["IBR-28", "INV-21"],
        why: "XEP-0445 defines preauth before registration only; an error or a harmless result are \
              both permitted, but the token must not be spent",
        input: Input {
            setup: Setup::Authenticated,
            token: true,
            iq: |e| preauth_set(Some(&e.token)),
        },
    },
    Row {
        id: "s2-preauth-before-tls",
        element: "<preauth xmlns='urn:xmpp:pars:0'/>",
        mutation: "sent before STARTTLS, with a valid token",
        allowed: &[Allow::Failure(&[]), Allow::StreamError],
        otherwise: Otherwise::Warn("IBR-25"),
        cites: &["IBR-25", "IBR-28"],
        why: "XEP-0077 §11: no registration over an unprotected channel; a server requiring TLS \
              refuses the stanza or ends the stream (RFC 6120 §5.3.1)",
        input: Input {
            setup: Setup::BeforeTls,
            token: true,
            iq: |e| preauth_set(Some(&e.token)),
        },
    },
    Row {
        id: "s3-remove-unauthenticated",
        element: "jabber:iq:register set <remove/>",
        mutation: "sent before authentication",
        allowed: &[Allow::Failure(&[
            "registration-required",
            "not-authorized",
            "forbidden",
            "not-allowed",
            "bad-request",
            "service-unavailable",
        ])],
        otherwise: Otherwise::Fail("IBR-13"),
        cites: &["IBR-13", "IBR-7"],
        why: "XEP-0077 §3.2: before authentication the requester is unregistered; there is \
              nothing to remove (registration-required)",
        input: Input {
            setup: Setup::Fresh,
            token: false,
            iq: |_| set(q(vec![Element::new("remove", ns::REGISTER)])),
        },
    },
];

/// The table (`invites.malformed.*`).
pub static TABLE: Table<Input> = Table {
    module: Module::Invites,
    prefix: "invites.malformed",
    silence_req: "IBR-27",
    liveness_req: "SASL2-126",
    rows: ROWS,
    drive,
};

/// The table's cases.
pub fn all() -> Vec<Case> {
    crate::cases::table::cases(&TABLE, |c| c.offers(&[Offer::Invite]).negative())
}

fn drive(ctx: CaseCtx, row: &'static Row<Input>) -> AnswerFuture {
    Box::pin(async move {
        let regd = Registered::default();
        let mut answer = None;
        let r = tidy(&ctx, &regd, async {
            answer = Some(drive_row(&ctx, &regd, row).await?);
            Ok(pass())
        })
        .await;
        match (r, answer) {
            (Ok(_), Some(a)) => Ok(a),
            (Err(o), _) | (Ok(o), None) => Err(o),
        }
    })
}

/// Read the answer to `m1`.
async fn read_answer(conn: &mut Conn) -> Answer {
    loop {
        match conn.recv().await {
            Ok(e) if e.is("iq", ns::CLIENT) && e.attr("id") == Some("m1") => {
                return match IqReply::parse(&e) {
                    Some(IqReply::Result(_)) => Answer::Success,
                    Some(IqReply::Error(err)) => Answer::Failure(vec![err.condition]),
                    None => Answer::Other(e.to_xml()),
                };
            }
            Ok(e)
                if e.is("iq", ns::CLIENT)
                    || e.is("presence", ns::CLIENT)
                    || e.is("message", ns::CLIENT) => {}
            Ok(e) => return Answer::Other(e.to_xml()),
            Err(e) => {
                return Answer::from_error(&e).unwrap_or_else(|| Answer::Other(e.to_string()));
            }
        }
    }
}

async fn drive_row(ctx: &CaseCtx, regd: &Registered, row: &'static Row<Input>) -> Flow<Answer> {
    let input = &row.input;
    let c = fresh(ctx);
    let inv = if input.token {
        Some(mint_account(ctx).await?)
    } else {
        None
    };
    let env = Env {
        user: c.user.clone(),
        password: c.password.clone(),
        token: inv
            .as_ref()
            .map(|i| i.token().to_owned())
            .unwrap_or_default(),
    };
    let mut conn = match input.setup {
        Setup::Preauthed => {
            let (mut conn, _) = unauth(ctx, "c1").await?;
            let r = preauth(ctx, &mut conn, &env.token, "INV-21").await?;
            if let IqReply::Error(e) = r {
                return Err(setup("preauth with a fresh token", e.describe()));
            }
            conn
        }
        Setup::Fresh => unauth(ctx, "c1").await?.0,
        Setup::Authenticated => {
            let me = first_account(ctx)?;
            session(ctx, "c1", &me).await?.0
        }
        Setup::BeforeTls => {
            if direct_tls(ctx) {
                return Err(skip("direct TLS: there is no stream before TLS"));
            }
            let mut conn = before(open(ctx, "c1").await, "connecting")?;
            before(conn.open_stream(None).await, "opening the stream")?;
            before(conn.features_element().await, "reading the features")?;
            conn
        }
    };
    ctx.step(&format!("send: {}", row.mutation));
    // A server may refuse an oversized stanza before it has all of it (a stream error, then
    // close): a failed write is then no error of the suite's, the answer is what was read.
    // (Not noted in the transcript: whether the write completes first is a matter of timing.)
    let _sent = conn.send(&(input.iq)(&env)).await;
    let answer = read_answer(&mut conn).await;
    conn.abandon();
    ctx.note(&format!("answer: {}", answer.describe(ctx)));
    let registered = answer == Answer::Success;
    if input.setup == Setup::Preauthed {
        ctx.step("check: no account was created");
        let mut created = Vec::new();
        for name in [c.user.clone(), format!("{}x", c.user), long_user(&env)] {
            let probe = Creds {
                jid: format!("{name}@{}", domain(ctx)),
                user: name,
                password: c.password.clone(),
            };
            if probe.user.len() <= 1023 && can_login(ctx, &probe).await? {
                regd.add(&probe);
                created.push(probe.user);
            }
        }
        if !registered && !created.is_empty() {
            let (expected, got) = (
                "no account created by a refused request",
                format!(
                    "{} answered, but {:?} can log in",
                    answer.describe(ctx),
                    created
                ),
            );
            return Err(match row.otherwise {
                Otherwise::Fail(_) => fail("IBR-28", expected, got),
                Otherwise::Warn(r) => warn(r, expected, got, row.why),
            });
        }
    }
    if let Some(inv) = inv.as_ref().filter(|_| !registered) {
        ctx.step("check: the token still preauths");
        let (mut conn, _) = unauth(ctx, "after").await?;
        if let IqReply::Error(e) = preauth(ctx, &mut conn, inv.token(), "IBR-27").await? {
            return Err(fail(
                "IBR-28",
                "the token unspent after the row",
                format!("preauth now gets {}", e.describe()),
            ));
        }
    }
    Ok(answer)
}
