//! FAST (XEP-0484) with the HT-* mechanisms (draft-schmaus-kitten-sasl-ht-09): advertisement,
//! token issue, one-round-trip authentication, binding, the HMACs, and the token lifecycle
//! (rotation, invalidation, `count`, expiry). Every case uses its own `<user-agent/>` id, so its
//! tokens are its own even when cases run in parallel against the same account. The cases that
//! wait for a TTL take it from the target settings `--fast-ttl` / `--fast-min-ttl` and skip
//! without them; the password-change case runs `--passwd-cmd`. Negative inputs are valid in
//! every respect but the one under test: the right account, a token the server issued, the
//! mechanism it was issued for, this connection's channel binding.

use crate::cases::prelude::*;
use crate::transcript::SecretKind;
use gatecheck_client::ClientError;
use gatecheck_client::fast::{
    IssuedToken, cb_data, fast_request, ht_mechanism, initiator, issued_token, password_login,
    user_agent_with_id, verify_success,
};
use gatecheck_proto::sasl::ht::{self, HtDraft};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The base registration of the FAST cases (`..FAST`): SASL2 with inline `<fast/>`.
const FAST: Spec = Spec {
    offers: &[Offer::Sasl2, Offer::Fast],
    ..Spec::module(Module::Fast)
};

/// The FAST cases, in registry order.
pub fn all() -> Vec<Case> {
    vec![
        ADVERTISED_INLINE.with(advertised_inline),
        NOT_CLEARTEXT.with(not_cleartext),
        TOKEN_ISSUED.with(token_issued),
        NO_TOKEN_ON_FAILURE.with(no_token_on_failure),
        ONE_ROUND_TRIP.with(one_round_trip),
        RESPONDER_HMAC.with(responder_hmac),
        BOUND_TO_MECHANISM.with(bound_to_mechanism),
        BOUND_TO_USER_AGENT.with(bound_to_user_agent),
        WRONG_CHANNEL_BINDING.with(wrong_channel_binding),
        BIT_FLIPPED_HMAC.with(bit_flipped_hmac),
        ROTATION_KEEPS_OLD.with(rotation_keeps_old),
        EARLIER_EXPIRY_INVALID.with(earlier_expiry_invalid),
        NEVER_USED_INVALID.with(never_used_invalid),
        INVALIDATE.with(invalidate),
        COUNT_REPLAY.with(count_replay),
        COUNT_RACE.with(count_race),
        EXPIRED.with(expired),
        PASSWORD_CHANGE.with(password_change),
    ]
}

// ---------------------------------------------------------------------------------------------
// Shared steps
// ---------------------------------------------------------------------------------------------

/// The first account: bare JID, username, password (or a skip).
fn account(ctx: &CaseCtx) -> Flow<(String, String, String)> {
    let (user, password) = creds(ctx)?;
    let jid = ctx.account(0).map(|a| a.jid.clone()).unwrap_or_default();
    Ok((jid, user, password))
}

/// A new client installation id: a random UUID v4 (XEP-0388 §2.3.1), so every case's tokens are
/// its own. The transcript notes which case-local name (`tag`) it stands for.
fn ua(ctx: &CaseCtx, tag: &str) -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let id = format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    );
    ctx.note(&format!("client installation {tag}: user-agent id {id}"));
    id
}

/// A TLS stream naming the account (FAST clients MUST, XEP-0484 §4.1) and the FAST mechanisms
/// it offers inline; `unsupported` when it offers none.
async fn fast_stream(ctx: &CaseCtx, label: &str) -> Flow<(Conn, Features, Vec<String>)> {
    let (jid, _, _) = account(ctx)?;
    let (c, f, offer) = session_from(ctx, label, &jid).await?;
    let mechs = offer.fast_mechanisms();
    if mechs.is_empty() {
        return Err(unsupported(
            "no <fast/> with a mechanism in the SASL2 <inline/> of a stream naming the account",
        ));
    }
    Ok((c, f, mechs))
}

/// The offered FAST mechanisms the suite can compute on `c` (known HT names with binding data).
fn usable(c: &Conn, mechs: &[String]) -> Vec<String> {
    mechs
        .iter()
        .filter(|m| ht_mechanism(m).is_ok_and(|h| cb_data(h, c.tls()).is_ok()))
        .cloned()
        .collect()
}

/// Whether `m` binds to the channel (anything but `-NONE`).
fn binds(m: &str) -> bool {
    ht_mechanism(m).is_ok_and(|h| h.binding.is_some())
}

/// The mechanism a client prefers: a channel-binding one (XEP-0484 §6), else the first usable.
async fn preferred(ctx: &CaseCtx) -> Flow<String> {
    let (c, _, mechs) = fast_stream(ctx, "probe").await?;
    let u = usable(&c, &mechs);
    u.iter()
        .find(|m| binds(m))
        .or(u.first())
        .cloned()
        .ok_or_else(|| {
            unsupported(format!(
                "no offered FAST mechanism the suite computes: {mechs:?}"
            ))
        })
}

/// The mechanism the token-lifecycle cases (issue, rotation, invalidation, count, expiry) use:
/// `-NONE` where it is offered, else [`preferred`]. The lifecycle rules do not depend on the
/// binding, so a server whose channel-binding path is broken is reported once, by the cases about
/// binding and the HMACs (`fast.auth.*`, `fast.hmac.*`), not again by every lifecycle case.
async fn lifecycle(ctx: &CaseCtx) -> Flow<String> {
    let (c, _, mechs) = fast_stream(ctx, "probe").await?;
    match usable(&c, &mechs).into_iter().find(|m| !binds(m)) {
        Some(m) => Ok(m),
        None => preferred(ctx).await,
    }
}

/// The first element named `name` in the FAST namespace at or below `el`.
fn find_desc<'a>(el: &'a Element, name: &str) -> Option<&'a Element> {
    if el.is(name, ns::FAST) {
        return Some(el);
    }
    el.elements().find_map(|c| find_desc(c, name))
}

/// Milliseconds since the UNIX epoch, now.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Seconds since the UNIX epoch, now.
fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A XEP-0082 DateTime (`CCYY-MM-DDThh:mm:ss[.sss]TZD`, TZD `Z` or `±hh:mm`) as UNIX seconds.
fn xep82_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        (!t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" => 0,
        _ if rest.len() == 6 && &rest[3..4] == ":" => {
            let sign = match &rest[..1] {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let oh: i64 = rest[1..3].parse().ok()?;
            let om: i64 = rest[4..6].parse().ok()?;
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Clock skew tolerated between the suite and the target when judging "in the future".
const SKEW_S: i64 = 2;

/// FAST-7: `expiry` is a XEP-0082 DateTime in the future.
fn check_expiry(t: &IssuedToken) -> Flow<i64> {
    let expected = "expiry: a XEP-0082 DateTime in the future";
    let at = xep82_datetime(&t.expiry)
        .ok_or_else(|| fail("FAST-7", expected, format!("expiry='{}'", t.expiry)))?;
    if at + SKEW_S <= now_s() {
        return Err(fail(
            "FAST-7",
            expected,
            format!("expiry='{}' is in the past", t.expiry),
        ));
    }
    Ok(at)
}

/// A password login from client `ua_id` asking for a token for `mech`; the token, checked
/// (present: FAST-6; `expiry`: FAST-7).
async fn obtain(ctx: &CaseCtx, mech: &str, ua_id: &str, label: &str) -> Flow<IssuedToken> {
    let (_, user, password) = account(ctx)?;
    let (mut c, f, _) = fast_stream(ctx, label).await?;
    ctx.step(&format!(
        "password login with <request-token mechanism='{mech}'/>"
    ));
    let l = password_login(
        &mut c,
        &f,
        &user,
        &password,
        ua_id,
        &[build::request_token(mech)],
    )
    .await
    .map_err(|e| login_failed("FAST-6", e))?;
    let t = issued_token(&l.success).ok_or_else(|| {
        fail(
            "FAST-6",
            "<token xmlns='urn:xmpp:fast:0' token=… expiry=…/> in <success/>",
            l.success.to_xml(),
        )
    })?;
    ctx.secret(SecretKind::Token, &t.token);
    check_expiry(&t)?;
    c.abandon();
    Ok(t)
}

/// How the initial response deviates from a correct one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tamper {
    /// A correct initiator message.
    None,
    /// The HMAC computed over empty channel-binding data.
    EmptyCb,
    /// One bit of the HMAC flipped (its last byte).
    FlipBit,
}

/// One HT attempt on a fresh stream from client `ua_id`: `<authenticate/>` with the initiator
/// message for `token`, `<user-agent/>` and the inline requests `inline` (`<fast/>` first);
/// the connection and the reply.
async fn attempt(
    ctx: &CaseCtx,
    label: &str,
    mech: &str,
    token: &str,
    ua_id: &str,
    inline: &[Element],
    tamper: Tamper,
) -> Flow<(Conn, Result<Sasl2Reply, ClientError>)> {
    let (_, user, _) = account(ctx)?;
    let (mut c, _, _) = fast_stream(ctx, label).await?;
    let ir = match tamper {
        Tamper::None | Tamper::FlipBit => initiator(mech, &user, token, c.tls()),
        Tamper::EmptyCb => ht_mechanism(mech).and_then(|h| {
            ht::initiator_message(h, HtDraft::Schmaus09, &user, token.as_bytes(), b"", b"")
                .map_err(Into::into)
        }),
    };
    let mut ir = ir.or_setup("building the HT initiator message")?;
    if tamper == Tamper::FlipBit
        && let Some(b) = ir.last_mut()
    {
        *b ^= 0x01;
    }
    let mut all = vec![user_agent_with_id(ua_id)];
    all.extend(inline.iter().cloned());
    let el: Element = build::authenticate(mech)
        .initial_response(&ir)
        .without_user_agent()
        .inline(all)
        .into();
    ctx.step(&format!("authenticate with {mech} ({tamper:?})"));
    let r = match c.send(&el).await {
        Ok(()) => c.sasl2_reply().await,
        Err(e) => Err(e),
    };
    Ok((c, r))
}

/// A correct FAST attempt with no inline requests but `<fast/>` (count `count`).
async fn use_token(
    ctx: &CaseCtx,
    label: &str,
    mech: &str,
    token: &str,
    ua_id: &str,
    count: Option<u64>,
) -> Flow<(Conn, Result<Sasl2Reply, ClientError>)> {
    let fast = fast_request(count, false);
    attempt(ctx, label, mech, token, ua_id, &[fast], Tamper::None).await
}

/// The reply must be a one-round-trip `<success/>` (`req`) whose `<additional-data/>` is the
/// responder HMAC (FAST-25); returns the element and the draft format it verified in.
fn expect_success(
    ctx: &CaseCtx,
    req: &str,
    mech: &str,
    token: &str,
    c: &Conn,
    r: Result<Sasl2Reply, ClientError>,
) -> Flow<(Element, HtDraft)> {
    let expected = format!("<success/> to {mech} with a valid token, in one round trip");
    if let Ok(Sasl2Reply::Success(el)) = &r
        && let Some(t) = issued_token(el)
    {
        ctx.secret(SecretKind::Token, &t.token);
    }
    match r {
        Ok(Sasl2Reply::Success(el)) => match verify_success(mech, token, c.tls(), &el) {
            Ok(d) => Ok((el, d)),
            Err(e) => Err(fail(
                "FAST-25",
                "<additional-data/> = HMAC(token, \"Responder\" || cb-data) (-09 raw, or \
                 ietf-00 NUL-prefixed)",
                format!("{e}: {}", el.to_xml()),
            )),
        },
        Ok(r @ Sasl2Reply::Challenge { .. }) => Err(fail("FAST-2", expected, r.describe())),
        Ok(Sasl2Reply::Continue(el)) => Err(fail(
            "FAST-19",
            "no interactive step (<continue/>) for FAST",
            el.to_xml(),
        )),
        Ok(other) => Err(fail(req, expected, other.describe())),
        Err(e) => Err(unanswered(ctx, req, &expected, &e, false)),
    }
}

/// The reply must reject the attempt (`req`): a `<failure/>` judged like every SASL2 failure
/// (one defined condition), or the stream ended with an error.
fn expect_rejected(ctx: &CaseCtx, req: &str, r: &Result<Sasl2Reply, ClientError>) -> Flow<()> {
    match r {
        Ok(Sasl2Reply::Failure { element, .. }) if find_desc(element, "token").is_some() => Err(
            fail("FAST-8", "no <token/> in <failure/>", element.to_xml()),
        ),
        Ok(reply @ Sasl2Reply::Failure { .. }) => require_failure(reply, None, req),
        Ok(other) => Err(fail(req, "<failure/>", other.describe())),
        Err(e @ ClientError::StreamError { .. }) => {
            ctx.note(&format!("the attempt ended with {e}"));
            Ok(())
        }
        Err(e) => Err(unanswered(ctx, req, "<failure/>", e, true)),
    }
}

/// The token in a FAST `<success/>`, if any (checked against FAST-7 when present).
fn token_in(ctx: &CaseCtx, success: &Element) -> Flow<Option<IssuedToken>> {
    let Some(t) = issued_token(success) else {
        return Ok(None);
    };
    ctx.secret(SecretKind::Token, &t.token);
    check_expiry(&t)?;
    Ok(Some(t))
}

/// A setting the case waits on, or a skip naming the option.
fn setting(v: Option<Duration>, option: &str) -> Flow<Duration> {
    v.ok_or_else(|| {
        skip(format!(
            "needs {option} SECS (the target's setting, short enough to wait out)"
        ))
    })
}

/// How long until 50 ms into the next whole second (targets may count whole seconds).
fn next_second() -> Duration {
    Duration::from_millis(u64::try_from(1050 - now_ms().rem_euclid(1000)).unwrap_or(0))
}

// ---------------------------------------------------------------------------------------------
// Advertisement
// ---------------------------------------------------------------------------------------------

const ADVERTISED_INLINE: Spec = Spec {
    id: "fast.advertise.inline",
    title: "<fast/> is advertised inside SASL2 <inline/> only, with HT mechanisms",
    cites: &["FAST-1", "FAST-2", "FAST-3"],
    requires: "FAST is advertised as <fast xmlns='urn:xmpp:fast:0'/> inside the SASL2 <inline/> \
               listing at least one mechanism, never as a top-level feature or mechanism; a \
               channel-binding and a non-binding mechanism SHOULD both be offered",
    per_tls: true,
    ..FAST
};

async fn advertised_inline(ctx: CaseCtx) -> Flow {
    let (_, f, mechs) = fast_stream(&ctx, "c1").await?;
    if let Some(top) = f.element.child("fast", ns::FAST) {
        return Err(fail(
            "FAST-1",
            "<fast/> only inside SASL2 <inline/>",
            format!("top-level {}", top.to_xml()),
        ));
    }
    let top_ht: Vec<String> = f
        .mechanisms()
        .iter()
        .chain(f.sasl2.iter().flat_map(|s| s.mechanisms.iter()))
        .filter(|m| m.starts_with("HT-"))
        .cloned()
        .collect();
    if !top_ht.is_empty() {
        return Err(fail(
            "FAST-1",
            "HT mechanisms listed only inside <fast/>",
            format!("top-level mechanisms {top_ht:?}"),
        ));
    }
    if let Some(bad) = mechs.iter().find(|m| !valid_mechanism_name(m)) {
        return Err(fail(
            "FAST-2",
            "<mechanism/> children naming SASL mechanisms",
            format!("{bad:?}"),
        ));
    }
    let cb = mechs.iter().any(|m| binds(m));
    let plain = mechs
        .iter()
        .any(|m| ht_mechanism(m).is_ok_and(|h| h.binding.is_none()));
    if !(cb && plain) {
        return Ok(warn(
            "FAST-3",
            "a channel-binding FAST mechanism and one without channel binding",
            format!("{mechs:?}"),
            "SHOULD: clients without channel-binding data, or behind TLS-terminating proxies, \
             need -NONE; clients MUST prefer a binding one where they can",
        ));
    }
    Ok(pass().with_message(format!("offered {mechs:?}")))
}

const NOT_CLEARTEXT: Spec = Spec {
    id: "fast.advertise.not-cleartext",
    title: "No <fast/> before TLS",
    cites: &["FAST-22"],
    requires: "FAST is only offered over TLS: the features of a cleartext stream naming the \
               account carry no <fast/>",
    ..FAST
};

async fn not_cleartext(ctx: CaseCtx) -> Flow {
    if direct_tls(&ctx) {
        return Err(skip(
            "the target speaks direct TLS: there is no cleartext stream",
        ));
    }
    let (jid, _, _) = account(&ctx)?;
    ctx.step("open a cleartext stream naming the account");
    let mut c = open(&ctx, "c1").await.or_setup("connecting")?;
    c.open_stream(Some(&jid))
        .await
        .or_setup("opening the stream")?;
    let f = c.features_element().await.or_setup("reading features")?;
    match find_desc(&f, "fast") {
        Some(e) => Err(fail("FAST-22", "no <fast/> before TLS", e.to_xml())),
        None => Ok(pass()),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

const TOKEN_ISSUED: Spec = Spec {
    id: "fast.token.issued",
    title: "<request-token/> on a password login returns a fresh token with a future expiry",
    cites: &["FAST-6", "FAST-7", "FAST-23"],
    requires: "a successful authentication with <request-token/> returns a new unique \
               <token token=… expiry=…/>, expiry a XEP-0082 DateTime in the future; tokens are \
               CSPRNG output with at least 128 bits",
    ..FAST
};

/// An upper bound on the bits a token can carry: the characters after the prefix two tokens
/// share, at the density of the narrowest alphabet they fit (hex 4, base64 6, else 6.6 bits).
fn entropy_bound(a: &str, b: &str) -> f64 {
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let rest: Vec<char> = a.chars().skip(common).collect();
    let per = if rest.iter().all(char::is_ascii_hexdigit) {
        4.0
    } else if rest
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || "+/-_=".contains(*c))
    {
        6.0
    } else {
        94f64.log2()
    };
    rest.len() as f64 * per
}

async fn token_issued(ctx: CaseCtx) -> Flow {
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t1 = obtain(&ctx, &mech, &id, "c1").await?;
    let t2 = obtain(&ctx, &mech, &id, "c2").await?;
    if t1.token == t2.token {
        return Err(fail(
            "FAST-6",
            "a new unique token for each <request-token/>",
            "the same token twice",
        ));
    }
    let bits = entropy_bound(&t1.token, &t2.token);
    if bits < 128.0 {
        return Ok(warn(
            "FAST-23",
            "at least 128 bits of CSPRNG output per token",
            format!(
                "tokens of {} characters carry at most {bits:.0} bits (characters after the \
                 prefix two tokens share)",
                t1.token.chars().count()
            ),
            "a heuristic upper bound from two tokens: the entropy itself is not observable",
        ));
    }
    Ok(pass().with_message(format!(
        "{mech}: expiry {}; at most {bits:.0} bits per token",
        t1.expiry
    )))
}

const NO_TOKEN_ON_FAILURE: Spec = Spec {
    id: "fast.token.none-on-failure",
    title: "A failed password login with <request-token/> gets no token",
    cites: &["FAST-8", "SASL2-112"],
    requires: "no token before full authentication: a wrong password with <request-token/> is \
               answered with <failure/> and no <token/>",
    negative: true,
    ..FAST
};

async fn no_token_on_failure(ctx: CaseCtx) -> Flow {
    let mech = lifecycle(&ctx).await?;
    let (_, user, password) = account(&ctx)?;
    let (mut c, f, _) = fast_stream(&ctx, "c1").await?;
    let wrong = format!("{password}-wrong");
    ctx.step("password login with a wrong password and <request-token/>");
    let r = password_login(
        &mut c,
        &f,
        &user,
        &wrong,
        &ua(&ctx, "a"),
        &[build::request_token(&mech)],
    )
    .await;
    match r {
        Err(LoginError::Reply(reply)) => {
            expect_rejected(&ctx, "FAST-8", &Ok(reply))?;
            Ok(pass())
        }
        Err(LoginError::Client(e)) => {
            expect_rejected(&ctx, "FAST-8", &Err(e))?;
            Ok(pass())
        }
        Ok(l) => Err(fail(
            "FAST-8",
            "<failure/> for a wrong password, without <token/>",
            l.success.to_xml(),
        )),
        Err(LoginError::ServerSignature(why)) => Err(fail(
            "SASL2-112",
            "<failure/> for a wrong password",
            format!("<success/> ({why})"),
        )),
        Err(e) => Err(setup("password login", e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

const ONE_ROUND_TRIP: Spec = Spec {
    id: "fast.auth.one-round-trip",
    title: "Every offered FAST mechanism authenticates with its token in one round trip",
    cites: &["FAST-9", "FAST-2", "FAST-25"],
    requires: "a valid token with its mechanism and <fast/> authenticates in one round trip \
               (<success/> to the initial response, never a challenge), carrying the responder \
               HMAC",
    per_tls: true,
    ..FAST
};

async fn one_round_trip(ctx: CaseCtx) -> Flow {
    let (c0, _, mechs) = fast_stream(&ctx, "c0").await?;
    let all = usable(&c0, &mechs);
    if all.is_empty() {
        return Err(unsupported(format!(
            "no offered FAST mechanism the suite computes: {mechs:?}"
        )));
    }
    let mut seen = Vec::new();
    for (i, mech) in all.iter().enumerate() {
        let id = ua(&ctx, &format!("m{i}"));
        let t = obtain(&ctx, mech, &id, &format!("p{i}")).await?;
        let (c, r) = use_token(&ctx, &format!("f{i}"), mech, &t.token, &id, None).await?;
        let (el, d) = expect_success(&ctx, "FAST-9", mech, &t.token, &c, r)?;
        token_in(&ctx, &el)?;
        seen.push(format!("{mech} ({d:?})"));
    }
    Ok(pass().with_message(seen.join(", ")))
}

const RESPONDER_HMAC: Spec = Spec {
    id: "fast.auth.responder-hmac",
    title: "FAST <success/> carries the responder HMAC (draft format recorded)",
    cites: &["FAST-25", "FAST-9"],
    requires: "the HT success carries HMAC(token, \"Responder\" || cb-data) in \
               <additional-data/> so the client can verify the server; the draft format it \
               uses (-09 raw, or ietf-00 NUL-prefixed) is recorded",
    ..FAST
};

async fn responder_hmac(ctx: CaseCtx) -> Flow {
    let mech = preferred(&ctx).await?;
    let id = ua(&ctx, "a");
    let t = obtain(&ctx, &mech, &id, "c1").await?;
    let (c, r) = use_token(&ctx, "c2", &mech, &t.token, &id, None).await?;
    let (_, d) = expect_success(&ctx, "FAST-9", &mech, &t.token, &c, r)?;
    let format = match d {
        HtDraft::Schmaus09 => "draft-schmaus-kitten-sasl-ht-09 (raw HMAC, as XEP-0484 cites)",
        HtDraft::Ietf00 => "schmaus-10 / draft-ietf-kitten-sasl-ht-00 (NUL-prefixed HMAC)",
        _ => "a later draft",
    };
    Ok(pass().with_message(format!("{mech}: responder message in {format}")))
}

const BOUND_TO_MECHANISM: Spec = Spec {
    id: "fast.binding.mechanism",
    title: "A token fails with a mechanism other than the one it was requested for",
    cites: &["FAST-10"],
    requires: "a token requested for one HT mechanism is rejected with another (XEP-0484 §3.4)",
    negative: true,
    ..FAST
};

async fn bound_to_mechanism(ctx: CaseCtx) -> Flow {
    let (c0, _, mechs) = fast_stream(&ctx, "c0").await?;
    let all = usable(&c0, &mechs);
    // Request for a binding mechanism, use with another (-NONE if offered): the XEP's example.
    let requested = all.iter().find(|m| binds(m)).or(all.first()).cloned();
    let other = requested.as_ref().and_then(|r| {
        all.iter()
            .filter(|m| *m != r)
            .max_by_key(|m| !binds(m))
            .cloned()
    });
    let (Some(requested), Some(other)) = (requested, other) else {
        return Err(unsupported(format!(
            "needs two offered FAST mechanisms the suite computes: {mechs:?}"
        )));
    };
    let id = ua(&ctx, "a");
    let t = obtain(&ctx, &requested, &id, "c1").await?;
    let (_, r) = use_token(&ctx, "c2", &other, &t.token, &id, None).await?;
    expect_rejected(&ctx, "FAST-10", &r)?;
    Ok(pass().with_message(format!("token for {requested} rejected with {other}")))
}

const BOUND_TO_USER_AGENT: Spec = Spec {
    id: "fast.binding.user-agent",
    title: "A token fails when presented by another client installation",
    cites: &["FAST-29"],
    requires: "tokens are per client installation: one issued to user-agent id A is rejected \
               with user-agent id B",
    negative: true,
    ..FAST
};

async fn bound_to_user_agent(ctx: CaseCtx) -> Flow {
    let mech = lifecycle(&ctx).await?;
    let t = obtain(&ctx, &mech, &ua(&ctx, "a"), "c1").await?;
    let (_, r) = use_token(&ctx, "c2", &mech, &t.token, &ua(&ctx, "b"), None).await?;
    expect_rejected(&ctx, "FAST-29", &r)?;
    Ok(pass())
}

const WRONG_CHANNEL_BINDING: Spec = Spec {
    id: "fast.hmac.wrong-channel-binding",
    title: "An initiator HMAC over empty channel-binding data fails for -ENDP/-EXPR/-UNIQ",
    cites: &["FAST-11"],
    requires: "the server checks the HMAC over this connection's channel-binding data: the \
               HMAC computed without it is rejected",
    negative: true,
    per_tls: true,
    ..FAST
};

async fn wrong_channel_binding(ctx: CaseCtx) -> Flow {
    let (c0, _, mechs) = fast_stream(&ctx, "c0").await?;
    let cb: Vec<String> = usable(&c0, &mechs)
        .into_iter()
        .filter(|m| binds(m))
        .collect();
    if cb.is_empty() {
        return Err(unsupported(format!(
            "no channel-binding FAST mechanism the suite computes: {mechs:?}"
        )));
    }
    for (i, mech) in cb.iter().enumerate() {
        let id = ua(&ctx, &format!("m{i}"));
        let t = obtain(&ctx, mech, &id, &format!("p{i}")).await?;
        let fast = fast_request(None, false);
        let (_, r) = attempt(
            &ctx,
            &format!("f{i}"),
            mech,
            &t.token,
            &id,
            &[fast],
            Tamper::EmptyCb,
        )
        .await?;
        expect_rejected(&ctx, "FAST-11", &r)?;
    }
    Ok(pass().with_message(format!("rejected for {cb:?}")))
}

const BIT_FLIPPED_HMAC: Spec = Spec {
    id: "fast.hmac.bit-flipped",
    title: "An initiator HMAC with one bit flipped fails",
    cites: &["FAST-24"],
    requires: "the server recomputes the whole initiator HMAC: one flipped bit (in its last \
               byte) fails the authentication",
    negative: true,
    ..FAST
};

async fn bit_flipped_hmac(ctx: CaseCtx) -> Flow {
    let mech = preferred(&ctx).await?;
    let id = ua(&ctx, "a");
    let t = obtain(&ctx, &mech, &id, "c1").await?;
    let fast = fast_request(None, false);
    let (_, r) = attempt(&ctx, "c2", &mech, &t.token, &id, &[fast], Tamper::FlipBit).await?;
    expect_rejected(&ctx, "FAST-24", &r)?;
    Ok(pass())
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

const ROTATION_KEEPS_OLD: Spec = Spec {
    id: "fast.rotation.old-token-valid",
    title: "Server-initiated rotation keeps the old token valid until the new one is used",
    cites: &["FAST-14", "FAST-9", "FAST-25"],
    requires: "after a rotation (a new <token/> in <success/> without <request-token/>) the old \
               token still authenticates until the new one has been used",
    ..FAST
};

async fn rotation_keeps_old(ctx: CaseCtx) -> Flow {
    let min_ttl = setting(ctx.config.fast_min_ttl, "--fast-min-ttl")?;
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t1 = obtain(&ctx, &mech, &id, "c1").await?;
    // Past the threshold on a clock of whole seconds: min ttl, then into the next second.
    let d = min_ttl + next_second();
    ctx.step("wait past the rotation threshold (--fast-min-ttl, into the next second)");
    tokio::time::sleep(d).await;
    let (c, r) = use_token(&ctx, "c2", &mech, &t1.token, &id, None).await?;
    let (el, _) = expect_success(&ctx, "FAST-9", &mech, &t1.token, &c, r)?;
    let Some(t2) = token_in(&ctx, &el)? else {
        return Err(unsupported(format!(
            "no rotation: no <token/> in <success/> for a token older than --fast-min-ttl {} s \
             (rotation is the server's choice)",
            min_ttl.as_secs()
        )));
    };
    ctx.note("rotated; the new token is not used yet");
    let (c, r) = use_token(&ctx, "c3", &mech, &t1.token, &id, None).await?;
    if !matches!(r, Ok(Sasl2Reply::Success(_))) {
        let got = match &r {
            Ok(reply) => reply.describe(),
            Err(e) => e.to_string(),
        };
        return Err(fail(
            "FAST-14",
            "<success/> for the old token while the rotated one is unused",
            got,
        ));
    }
    expect_success(&ctx, "FAST-14", &mech, &t1.token, &c, r)?;
    Ok(pass().with_message(format!("rotated to a token expiring {}", t2.expiry)))
}

const EARLIER_EXPIRY_INVALID: Spec = Spec {
    id: "fast.invalidate.earlier-expiry",
    title: "Using a newer token invalidates the client's tokens with an earlier expiry",
    cites: &["FAST-15", "FAST-9", "FAST-25"],
    requires: "after a successful authentication with token T2, every token of that client \
               with an earlier expiry (T1) fails",
    negative: true,
    ..FAST
};

async fn earlier_expiry_invalid(ctx: CaseCtx) -> Flow {
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t1 = obtain(&ctx, &mech, &id, "c1").await?;
    let e1 = check_expiry(&t1)?;
    // T2 must expire later than T1 for the rule to apply; expiries may have whole seconds, so
    // the next token is requested in the next second.
    tokio::time::sleep(next_second()).await;
    let fast = fast_request(None, false);
    let (c, r) = attempt(
        &ctx,
        "c2",
        &mech,
        &t1.token,
        &id,
        &[fast, build::request_token(&mech)],
        Tamper::None,
    )
    .await?;
    let (el, _) = expect_success(&ctx, "FAST-9", &mech, &t1.token, &c, r)?;
    let t2 = token_in(&ctx, &el)?.ok_or_else(|| {
        fail(
            "FAST-6",
            "a <token/> for <request-token/> on a FAST login",
            el.to_xml(),
        )
    })?;
    if t2.token == t1.token {
        return Err(fail(
            "FAST-6",
            "a new unique token for <request-token/>",
            "the token in use returned again",
        ));
    }
    let e2 = check_expiry(&t2)?;
    if e2 <= e1 {
        return Err(unsupported(format!(
            "the new token does not expire later ({} vs {}): FAST-15 does not apply",
            t2.expiry, t1.expiry
        )));
    }
    let (c, r) = use_token(&ctx, "c3", &mech, &t2.token, &id, None).await?;
    expect_success(&ctx, "FAST-9", &mech, &t2.token, &c, r)?;
    ctx.note("the newer token was used: the older must now fail");
    let (_, r) = use_token(&ctx, "c4", &mech, &t1.token, &id, None).await?;
    expect_rejected(&ctx, "FAST-15", &r)?;
    Ok(pass())
}

const NEVER_USED_INVALID: Spec = Spec {
    id: "fast.invalidate.never-used",
    title: "Issuing a new token invalidates the previously issued, never-used one",
    cites: &["FAST-16"],
    requires: "when the server issues a new token it SHOULD invalidate earlier tokens of that \
               client that were never used",
    negative: true,
    ..FAST
};

async fn never_used_invalid(ctx: CaseCtx) -> Flow {
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t1 = obtain(&ctx, &mech, &id, "c1").await?;
    let t2 = obtain(&ctx, &mech, &id, "c2").await?;
    if t2.token == t1.token {
        return Err(fail(
            "FAST-6",
            "a new unique token for each <request-token/>",
            "the same token twice",
        ));
    }
    ctx.note("t1 was issued and never used; t2 has been issued since");
    let (_, r) = use_token(&ctx, "c3", &mech, &t1.token, &id, None).await?;
    match r {
        Ok(Sasl2Reply::Success(_)) => Ok(warn(
            "FAST-16",
            "the never-used token rejected once a newer one was issued",
            "<success/> for it",
            format!(
                "SHOULD (XEP-0484 §3.5): a leaked unused token stays usable until {}",
                t1.expiry
            ),
        )),
        other => {
            expect_rejected(&ctx, "FAST-16", &other)?;
            Ok(pass().with_message(format!("rejected; the newer token expires {}", t2.expiry)))
        }
    }
}

const INVALIDATE: Spec = Spec {
    id: "fast.invalidate.request",
    title: "invalidate='true' ends the token at once and returns no new one",
    cites: &["FAST-17", "FAST-18", "FAST-9", "FAST-25"],
    requires: "a successful authentication with <fast invalidate='true'/> makes the token \
               unusable immediately, and <success/> carries no new <token/> without \
               <request-token/>",
    negative: true,
    ..FAST
};

async fn invalidate(ctx: CaseCtx) -> Flow {
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t = obtain(&ctx, &mech, &id, "c1").await?;
    let fast = fast_request(None, true);
    let (c, r) = attempt(&ctx, "c2", &mech, &t.token, &id, &[fast], Tamper::None).await?;
    let (el, _) = expect_success(&ctx, "FAST-9", &mech, &t.token, &c, r)?;
    if let Some(extra) = el.child("token", ns::FAST) {
        return Err(fail(
            "FAST-18",
            "no <token/> on invalidate without <request-token/>",
            extra.to_xml(),
        ));
    }
    let (_, r) = use_token(&ctx, "c3", &mech, &t.token, &id, None).await?;
    expect_rejected(&ctx, "FAST-17", &r)?;
    Ok(pass())
}

const COUNT_REPLAY: Spec = Spec {
    id: "fast.count.replay",
    title: "A count at or below the last processed one is rejected",
    cites: &["FAST-13", "FAST-9", "FAST-25"],
    requires: "the server tracks the highest count processed for a token and rejects a count at \
               or below it (mandated for 0-RTT; outside 0-RTT unspecified, so a warning)",
    negative: true,
    ..FAST
};

async fn count_replay(ctx: CaseCtx) -> Flow {
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t = obtain(&ctx, &mech, &id, "c1").await?;
    let (c, r) = use_token(&ctx, "c2", &mech, &t.token, &id, Some(5)).await?;
    expect_success(&ctx, "FAST-9", &mech, &t.token, &c, r)?;
    let (_, r) = use_token(&ctx, "c3", &mech, &t.token, &id, Some(5)).await?;
    judge_replay(
        &ctx,
        &r,
        "the same count=5 presented again on a new connection",
    )
}

/// A replayed count: rejected passes; accepted warns FAST-13 (the XEP mandates the check for
/// 0-RTT only, and the suite sends no early data).
fn judge_replay(ctx: &CaseCtx, r: &Result<Sasl2Reply, ClientError>, what: &str) -> Flow {
    match r {
        Ok(Sasl2Reply::Success(_)) => Ok(warn(
            "FAST-13",
            "a count at or below the highest processed count rejected",
            format!("<success/> for {what}"),
            "XEP-0484 §3.4 mandates the check for 0-RTT data only (digest §6.2 trap 19); a \
             server that skips it elsewhere lets a captured <authenticate/> be replayed if it \
             ever arrives as early data",
        )),
        other => {
            expect_rejected(ctx, "FAST-13", other)?;
            Ok(pass())
        }
    }
}

const COUNT_RACE: Spec = Spec {
    id: "fast.count.race",
    title: "Two connections presenting the same token and count at once: at most one succeeds",
    cites: &["FAST-13", "FAST-9", "FAST-25"],
    requires: "the replay check is atomic: of two simultaneous authentications with the same \
               token and count, at most one succeeds",
    negative: true,
    ..FAST
};

async fn count_race(ctx: CaseCtx) -> Flow {
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t = obtain(&ctx, &mech, &id, "c1").await?;
    let (a, b) = tokio::join!(
        use_token(&ctx, "c2", &mech, &t.token, &id, Some(7)),
        use_token(&ctx, "c3", &mech, &t.token, &id, Some(7)),
    );
    let ((ca, ra), (cb, rb)) = (a?, b?);
    let wins = [&ra, &rb]
        .iter()
        .filter(|r| matches!(r, Ok(Sasl2Reply::Success(_))))
        .count();
    match wins {
        2 => judge_replay(&ctx, &rb, "both of two simultaneous uses with count=7"),
        1 => {
            let ((wc, winner), loser) = if matches!(ra, Ok(Sasl2Reply::Success(_))) {
                ((ca, ra), rb)
            } else {
                ((cb, rb), ra)
            };
            expect_success(&ctx, "FAST-9", &mech, &t.token, &wc, winner)?;
            expect_rejected(&ctx, "FAST-13", &loser)?;
            Ok(pass().with_message("one succeeded, the other was rejected"))
        }
        _ => Err(fail(
            "FAST-9",
            "<success/> for one of two simultaneous uses of a valid token",
            format!(
                "{} / {}",
                ra.map_or_else(|e| e.to_string(), |r| r.describe()),
                rb.map_or_else(|e| e.to_string(), |r| r.describe())
            ),
        )),
    }
}

const EXPIRED: Spec = Spec {
    id: "fast.expiry.credentials-expired",
    title: "An expired token fails with credentials-expired, then a password works on the stream",
    cites: &["FAST-20"],
    requires: "a token the server no longer trusts (expired) fails with <credentials-expired/>, \
               and another mechanism is then accepted on the same stream",
    negative: true,
    ..FAST
};

/// The expired or revoked token must fail with `<credentials-expired/>`, then a password login
/// must succeed on the same stream (FAST-20).
async fn expect_expired_then_password(
    ctx: &CaseCtx,
    mut c: Conn,
    r: Result<Sasl2Reply, ClientError>,
    id: &str,
    why: &str,
) -> Flow {
    let expected = format!("<failure><credentials-expired/></failure> for {why}");
    match &r {
        Ok(Sasl2Reply::Failure { .. }) => {
            // One defined condition first (SASL2-24), then which one.
            expect_rejected(ctx, "FAST-20", &r)?;
            if r.as_ref().ok().and_then(Sasl2Reply::failure_condition)
                != Some("credentials-expired")
            {
                let got = r.as_ref().map(Sasl2Reply::describe).unwrap_or_default();
                return Err(fail("FAST-20", expected, got));
            }
        }
        Ok(other) => return Err(fail("FAST-20", expected, other.describe())),
        Err(e) => return Err(unanswered(ctx, "FAST-20", &expected, e, false)),
    }
    let (_, user, password) = account(ctx)?;
    // The mechanism offer of this stream: the same target offers the same to every stream
    // naming the account (read on a fresh one; this stream's features were consumed).
    let (_, f2, _) = fast_stream(ctx, "offer").await?;
    ctx.step("password login on the same stream");
    match password_login(&mut c, &f2, &user, &password, id, &[]).await {
        Ok(_) => Ok(pass()),
        Err(e) => Err(match login_failed("FAST-20", e) {
            o if o.verdict == crate::outcome::Verdict::Fail => o.with_message(
                "after <credentials-expired/> the stream must accept another mechanism",
            ),
            o => o,
        }),
    }
}

async fn expired(ctx: CaseCtx) -> Flow {
    let ttl = setting(ctx.config.fast_ttl, "--fast-ttl")?;
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t = obtain(&ctx, &mech, &id, "c1").await?;
    let at = check_expiry(&t)?;
    // Until one second past the stated expiry (whole seconds on the target's clock), but no
    // longer than --fast-ttl plus that second: a later expiry is the target's, not the setting's.
    let until_expiry =
        Duration::from_millis(u64::try_from((at + 1) * 1000 - now_ms()).unwrap_or(0));
    let d = until_expiry.min(ttl + Duration::from_secs(1));
    ctx.step("wait until one second past the token's expiry");
    tokio::time::sleep(d).await;
    let (c, r) = use_token(&ctx, "c2", &mech, &t.token, &id, None).await?;
    expect_expired_then_password(&ctx, c, r, &id, "an expired token").await
}

const PASSWORD_CHANGE: Spec = Spec {
    id: "fast.expiry.password-change",
    title: "A token issued before a password change fails with credentials-expired",
    cites: &["FAST-20"],
    requires: "a token revoked by a credential change fails with <credentials-expired/> and the \
               stream then accepts a password (that a password change revokes tokens is \
               implied, not stated: a token that still works is a warning)",
    negative: true,
    ..FAST
};

/// Run `--passwd-cmd` for `jid`, setting `password` (its current one: a credential change that
/// keeps the run's accounts usable).
async fn change_password(ctx: &CaseCtx, cmd: &str, jid: &str, password: &str) -> Flow<()> {
    use tokio::io::AsyncWriteExt;
    ctx.step("run --passwd-cmd");
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("GATECHECK_JID", jid)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .or_setup("starting --passwd-cmd")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(format!("{password}\n").as_bytes())
            .await
            .or_setup("writing the password to --passwd-cmd")?;
    }
    let out = child
        .wait_with_output()
        .await
        .or_setup("running --passwd-cmd")?;
    if !out.status.success() {
        return Err(setup(
            "--passwd-cmd",
            format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(())
}

async fn password_change(ctx: CaseCtx) -> Flow {
    let (cmd, hook) = (
        ctx.config.passwd_cmd.clone(),
        ctx.config.passwd_hook.clone(),
    );
    if cmd.is_none() && hook.is_none() {
        return Err(skip(
            "needs --passwd-cmd CMD (a way to change the account's password)",
        ));
    }
    let (jid, _, password) = account(&ctx)?;
    let mech = lifecycle(&ctx).await?;
    let id = ua(&ctx, "a");
    let t = obtain(&ctx, &mech, &id, "c1").await?;
    if let Some(cmd) = cmd {
        change_password(&ctx, &cmd, &jid, &password).await?;
    } else if let Some(hook) = hook {
        ctx.step("change the password (embedded server)");
        (hook.0)(&jid, &password).or_setup("changing the password")?;
    }
    let (c, r) = use_token(&ctx, "c2", &mech, &t.token, &id, None).await?;
    if let Ok(Sasl2Reply::Failure {
        conditions,
        element,
    }) = &r
        && !conditions.iter().any(|x| x == "credentials-expired")
    {
        expect_rejected(&ctx, "FAST-20", &r)?;
        return Ok(warn(
            "FAST-20",
            "<credentials-expired/> for a token issued before a password change",
            element.to_xml(),
            "the token was refused, but not as one the server no longer trusts (XEP-0484 §4.2);              a server that deleted it on the password change cannot tell it from an unknown              token (digest §6.2 trap 24), and a client then cannot tell a revoked token from a              mistyped one",
        ));
    }
    if let Ok(Sasl2Reply::Success(_)) = r {
        return Ok(warn(
            "FAST-20",
            "a token issued before a password change no longer trusted",
            "<success/> for it after --passwd-cmd",
            "XEP-0484 §4.2 requires <credentials-expired/> for revoked tokens but does not say a \
             password change revokes them; a user who changes a leaked password expects every \
             client to be logged out",
        ));
    }
    expect_expired_then_password(&ctx, c, r, &id, "a token issued before a password change").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xep82_datetimes() {
        assert_eq!(xep82_datetime("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(xep82_datetime("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(
            xep82_datetime("2000-03-01T02:00:00.123+02:00"),
            Some(951_868_800)
        );
        assert_eq!(xep82_datetime("1969-12-31T19:00:00-05:00"), Some(0));
        for bad in [
            "1700000000",
            "2000-03-01 00:00:00Z",
            "2000-03-01T00:00:00",
            "2000-13-01T00:00:00Z",
            "2000-03-01T00:00:00.Z",
            "2000-03-01T00:00:00+0200",
        ] {
            assert_eq!(xep82_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn entropy_bound_counts_what_differs() {
        let a = format!("fast-{}", "x".repeat(32));
        let b = format!("fast-{}", "y".repeat(32));
        assert_eq!(entropy_bound(&a, &b), 192.0);
        assert_eq!(entropy_bound("fast-abcdef12", "fast-01234567"), 32.0);
    }

    #[test]
    fn ids_are_distinct_and_cite_known_requirements() {
        let cases = all();
        let cat = crate::catalog::Catalog::global();
        for c in &cases {
            for r in &c.requirements {
                assert!(cat.get(r).is_some(), "{} cites unknown {r}", c.id);
            }
        }
        let mut ids: Vec<_> = cases.iter().map(|c| c.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), cases.len());
    }
}
