//! Client SCRAM messages the server must reject (RFC 5802 §5.1, §6, §7) and the one deviation it
//! must tolerate (an unknown extension attribute).

use super::prelude::*;
use crate::client::login::{preferred_binding, scram_hash};
use crate::client::sasl2::encode_b64;
use crate::ctx::CaseCtx;

/// How one negative case deviates from a correct exchange.
#[derive(Clone, Copy)]
enum Deviation {
    /// `m=ext,` before `n=` in client-first.
    ReservedM,
    /// `n=` with `=` followed by something other than `2C`/`3D`.
    BadEscape,
    /// Last character of the combined nonce changed in client-final.
    WrongNonce,
    /// `c=` of `y,,` after an `n,,` header.
    CMismatch,
    /// Flag `y` while -PLUS is offered.
    FlagY,
    /// `p=bogus-type`.
    BogusType,
    /// Correct flag and type, random 32-byte data.
    WrongCbData,
    /// Proof with one flipped bit (wrong password equivalent).
    WrongProof,
    /// A username SASLprep prohibits (U+0007).
    ProhibitedUsername,
}

async fn run(ctx: CaseCtx, req: &'static str, dev: Deviation) -> Outcome {
    let (user, _) = match creds(&ctx) {
        Ok(v) => v,
        Err(o) => return o,
    };
    let (mut c, f, mut mech) = match scram_session(&ctx).await {
        Ok(v) => v,
        Err(o) => return o,
    };
    let plus_needed = matches!(
        dev,
        Deviation::FlagY | Deviation::BogusType | Deviation::WrongCbData
    );
    let plus = f
        .mechanisms()
        .iter()
        .find(|m| m.starts_with("SCRAM-") && m.ends_with("-PLUS"))
        .cloned();
    if plus_needed && plus.is_none() {
        return unsupported(
            "no SCRAM -PLUS mechanism offered (the server does not do channel binding)",
        );
    }
    let hash = |m: &str| scram_hash(m).map_or(gatecheck_proto::sasl::ScramHash::Sha256, |(h, _)| h);
    let mut script = ScramScript::new(hash(mech), &user);
    let mut first = None;
    let mut tweaks = FinalTweaks::default();
    let plus_mech = plus.unwrap_or_default();
    match dev {
        Deviation::ReservedM => {
            first = Some(format!("n,,m=ext,{}", script.first_bare).into_bytes())
        }
        Deviation::BadEscape => {
            script.first_bare = format!("n={}=41x,r={}", user, script.client_nonce);
        }
        Deviation::WrongNonce => tweaks.nonce = Some(String::new()),
        Deviation::CMismatch => tweaks.channel_binding = Some("eSws".into()),
        Deviation::FlagY => script.gs2_header = "y,,".into(),
        Deviation::BogusType => {
            mech = "";
            script = ScramScript::new(hash(&plus_mech), &user)
                .with_binding("gatecheck-bogus", vec![0; 32]);
        }
        Deviation::WrongCbData => {
            mech = "";
            let Some(t) = preferred_binding(&f) else {
                return unsupported("no computable cb type advertised");
            };
            let mut junk = [0u8; 32];
            rand::fill(&mut junk);
            script = ScramScript::new(hash(&plus_mech), &user).with_binding(t, junk.to_vec());
        }
        Deviation::WrongProof => tweaks.corrupt_proof = true,
        Deviation::ProhibitedUsername => {
            script.first_bare = format!("n=\u{7}{user},r={}", script.client_nonce);
        }
    }
    let mech = if mech.is_empty() {
        plus_mech.as_str()
    } else {
        mech
    };
    if let Deviation::WrongNonce = dev {
        return wrong_nonce(&ctx, req, mech, script, &mut c).await;
    }
    expect_rejected(&ctx, req, mech, script, first, tweaks, &mut c).await
}

/// The nonce must be known before it can be altered: run the first step, then send the combined
/// nonce with its last character changed.
async fn wrong_nonce(
    ctx: &CaseCtx,
    req: &'static str,
    mech: &str,
    script: ScramScript,
    c: &mut crate::client::Conn,
) -> Outcome {
    let sf = match c
        .authenticate(mech, Some(&script.client_first()), &[])
        .await
    {
        Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => {
            match ServerFirst::parse(&d, &script.client_nonce) {
                Ok(sf) => sf,
                Err(e) => return fail("SASL2-106", "a valid server-first-message", e.to_string()),
            }
        }
        Ok(other) => return setup("authenticate", other.describe()),
        Err(e) => return setup("authenticate", e),
    };
    let mut nonce = sf.nonce.clone();
    let last = nonce
        .pop()
        .map_or('A', |ch| if ch == 'A' { 'B' } else { 'A' });
    nonce.push(last);
    let Some((_, password)) = creds(ctx).ok() else {
        return crate::outcome::skip("needs --account");
    };
    let tweaks = FinalTweaks {
        nonce: Some(nonce),
        ..FinalTweaks::default()
    };
    let Ok((msg, _)) = script.client_final(&sf, &password, &tweaks) else {
        return setup("client-final", "derivation");
    };
    match c.respond(&msg).await {
        Ok(Sasl2Reply::Failure { conditions, .. }) if conditions.len() == 1 => {
            pass().with_message(format!("rejected with {conditions:?}"))
        }
        Ok(Sasl2Reply::Failure { conditions, .. }) => fail(
            "SASL2-24",
            "exactly one condition",
            format!("{conditions:?}"),
        ),
        Ok(other) => fail(req, "<failure/>", other.describe()),
        Err(e) if e.is_termination() => pass().with_message(format!("ended with {e}")),
        Err(e) => setup("response", e),
    }
}

fn case(id: &str, title: &str, req: &'static str, requires: &str, dev: Deviation) -> Case {
    Case::new(id, Module::Sasl2, title)
        .cites(&[req])
        .requires(requires)
        .accepts("any single RFC 6120 condition (the spec maps no SCRAM error to a condition)")
        .accepts("a stream error instead of <failure/> (the attempt still fails), pass with note")
        .needs(&[Capability::Account])
        .body(move |ctx| run(ctx, req, dev))
}

/// The negative SCRAM cases.
pub fn cases() -> Vec<Case> {
    vec![
        case("sasl2.scram.reserved-m", "m= in client-first is rejected", "SASL2-103",
            "the presence of the reserved m= attribute MUST cause authentication failure", Deviation::ReservedM),
        case("sasl2.scram.bad-escape", "Bad = escape in the username is rejected", "SASL2-101",
            "an = in the username not followed by 2C or 3D MUST fail", Deviation::BadEscape),
        case("sasl2.scram.wrong-nonce", "client-final with a wrong nonce is rejected", "SASL2-105",
            "the server MUST check that the client-final nonce equals the combined nonce", Deviation::WrongNonce),
        case("sasl2.scram.c-mismatch", "c= not matching the GS2 header is rejected", "SASL2-108",
            "the server MUST rebuild c= from the GS2 header and fail on mismatch", Deviation::CMismatch),
        case("sasl2.scram.flag-y", "Flag y while channel binding is supported is rejected", "SASL2-109",
            "flag y while the server supports channel binding MUST fail (possible downgrade)", Deviation::FlagY),
        case("sasl2.scram.bogus-cb-type", "p= with an unknown cb type is rejected", "SASL2-110",
            "p=<type> for an unsupported type MUST fail", Deviation::BogusType),
        case("sasl2.scram.wrong-cb-data", "Wrong channel-binding data is rejected", "SASL2-111",
            "correct flag and type with wrong cb-data MUST fail", Deviation::WrongCbData),
        case("sasl2.scram.prohibited-username", "A username SASLprep prohibits is rejected", "SASL2-102",
            "the server SASLpreps the username and aborts when that fails (U+0007 is prohibited)", Deviation::ProhibitedUsername),
        case("sasl2.scram.wrong-proof", "A wrong proof (wrong password) is rejected", "SASL2-112",
            "the server MUST verify ClientProof against StoredKey and fail on mismatch", Deviation::WrongProof),
        Case::new("sasl2.scram.unknown-extension", Module::Sasl2, "An unknown client extension attribute is ignored")
            .cites(&["SASL2-114"])
            .requires("unrecognised optional extension attributes in client-final MUST be ignored (and are part of AuthMessage)")
            .needs(&[Capability::Account])
            .body(|ctx| async move {
                let (user, password) = match creds(&ctx) { Ok(v) => v, Err(o) => return o };
                let (mut c, _, mech) = match scram_session(&ctx).await { Ok(v) => v, Err(o) => return o };
                let Ok(script) = script_for(&c, mech, &user, None) else { return setup("script", mech) };
                let tweaks = FinalTweaks { extension: Some(format!("x={}", encode_b64(b"gatecheck"))), ..FinalTweaks::default() };
                match scram_exchange(&mut c, mech, &script, &password, &tweaks, &[]).await {
                    Ok(_) => pass(),
                    Err(e) => login_failed("SASL2-114", e),
                }
            }),
    ]
}
