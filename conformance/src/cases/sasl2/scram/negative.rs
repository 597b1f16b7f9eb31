//! Client SCRAM messages the server must reject (RFC 5802 §5.1, §6, §7) and the one deviation it
//! must tolerate (an unknown extension attribute). Each rejected deviation is one case whose body
//! names its [`Deviation`]; [`deviate`] runs them all the same way.

use super::super::SASL2;
use super::{expect_rejected, hash_of};
use crate::cases::prelude::*;

/// The negative SCRAM cases, in registry order.
pub fn cases() -> Vec<Case> {
    vec![
        RESERVED_M.with(reserved_m),
        BAD_ESCAPE.with(bad_escape),
        WRONG_NONCE.with(wrong_nonce),
        C_MISMATCH.with(c_mismatch),
        FLAG_Y.with(flag_y),
        BOGUS_CB_TYPE.with(bogus_cb_type),
        WRONG_CB_DATA.with(wrong_cb_data),
        PROHIBITED_USERNAME.with(prohibited_username),
        WRONG_PROOF.with(wrong_proof),
        UNKNOWN_EXTENSION.with(unknown_extension),
    ]
}

/// What every rejected-deviation case accepts.
const REJECTED: Spec = Spec {
    accepts: &[
        "any single RFC 6120 condition (the spec maps no SCRAM error to a condition)",
        "a stream error instead of <failure/> (the attempt still fails), pass with note",
    ],
    needs: &[Capability::Account],
    ..SASL2
};

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

const RESERVED_M: Spec = Spec {
    id: "sasl2.scram.reserved-m",
    title: "m= in client-first is rejected",
    cites: &["SASL2-103"],
    requires: "the presence of the reserved m= attribute MUST cause authentication failure",
    ..REJECTED
};

async fn reserved_m(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-103", Deviation::ReservedM).await
}

const BAD_ESCAPE: Spec = Spec {
    id: "sasl2.scram.bad-escape",
    title: "Bad = escape in the username is rejected",
    cites: &["SASL2-101"],
    requires: "an = in the username not followed by 2C or 3D MUST fail",
    ..REJECTED
};

async fn bad_escape(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-101", Deviation::BadEscape).await
}

const WRONG_NONCE: Spec = Spec {
    id: "sasl2.scram.wrong-nonce",
    title: "client-final with a wrong nonce is rejected",
    cites: &["SASL2-105"],
    requires: "the server MUST check that the client-final nonce equals the combined nonce",
    ..REJECTED
};

async fn wrong_nonce(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-105", Deviation::WrongNonce).await
}

const C_MISMATCH: Spec = Spec {
    id: "sasl2.scram.c-mismatch",
    title: "c= not matching the GS2 header is rejected",
    cites: &["SASL2-108"],
    requires: "the server MUST rebuild c= from the GS2 header and fail on mismatch",
    ..REJECTED
};

async fn c_mismatch(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-108", Deviation::CMismatch).await
}

const FLAG_Y: Spec = Spec {
    id: "sasl2.scram.flag-y",
    title: "Flag y while channel binding is supported is rejected",
    cites: &["SASL2-109"],
    requires: "flag y while the server supports channel binding MUST fail (possible downgrade)",
    ..REJECTED
};

async fn flag_y(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-109", Deviation::FlagY).await
}

const BOGUS_CB_TYPE: Spec = Spec {
    id: "sasl2.scram.bogus-cb-type",
    title: "p= with an unknown cb type is rejected",
    cites: &["SASL2-110"],
    requires: "p=<type> for an unsupported type MUST fail",
    ..REJECTED
};

async fn bogus_cb_type(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-110", Deviation::BogusType).await
}

const WRONG_CB_DATA: Spec = Spec {
    id: "sasl2.scram.wrong-cb-data",
    title: "Wrong channel-binding data is rejected",
    cites: &["SASL2-111"],
    requires: "correct flag and type with wrong cb-data MUST fail",
    ..REJECTED
};

async fn wrong_cb_data(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-111", Deviation::WrongCbData).await
}

const PROHIBITED_USERNAME: Spec = Spec {
    id: "sasl2.scram.prohibited-username",
    title: "A username SASLprep prohibits is rejected",
    cites: &["SASL2-102"],
    requires: "the server SASLpreps the username and aborts when that fails (U+0007 is \
               prohibited)",
    ..REJECTED
};

async fn prohibited_username(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-102", Deviation::ProhibitedUsername).await
}

const WRONG_PROOF: Spec = Spec {
    id: "sasl2.scram.wrong-proof",
    title: "A wrong proof (wrong password) is rejected",
    cites: &["SASL2-112"],
    requires: "the server MUST verify ClientProof against StoredKey and fail on mismatch",
    ..REJECTED
};

async fn wrong_proof(ctx: CaseCtx) -> Flow {
    deviate(ctx, "SASL2-112", Deviation::WrongProof).await
}

const UNKNOWN_EXTENSION: Spec = Spec {
    id: "sasl2.scram.unknown-extension",
    title: "An unknown client extension attribute is ignored",
    cites: &["SASL2-114"],
    requires: "unrecognised optional extension attributes in client-final MUST be ignored (and \
               are part of AuthMessage)",
    needs: &[Capability::Account],
    ..SASL2
};

async fn unknown_extension(ctx: CaseCtx) -> Flow {
    let (user, password) = creds(&ctx)?;
    let (mut c, _, mech) = scram_session(&ctx).await?;
    let script = script_for(&c, mech, &user, None).map_err(|_| setup("script", mech))?;
    let tweaks = FinalTweaks {
        extension: Some(format!("x={}", encode_b64(b"gatecheck"))),
        ..FinalTweaks::default()
    };
    Ok(
        match scram_exchange(&mut c, mech, &script, &password, &tweaks, &[]).await {
            Ok(_) => pass(),
            Err(e) => login_failed("SASL2-114", e),
        },
    )
}

/// Run the exchange with `dev` applied and expect the server to reject it (`req` is failed when
/// it does not).
async fn deviate(ctx: CaseCtx, req: &'static str, dev: Deviation) -> Flow {
    let (user, _) = creds(&ctx)?;
    let (mut c, f, mut mech) = scram_session(&ctx).await?;
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
        return Ok(unsupported(
            "no SCRAM -PLUS mechanism offered (the server does not do channel binding)",
        ));
    }
    let mut script = ScramScript::new(hash_of(mech), &user);
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
            script = ScramScript::new(hash_of(&plus_mech), &user)
                .with_binding("gatecheck-bogus", vec![0; 32]);
        }
        Deviation::WrongCbData => {
            mech = "";
            let t = preferred_binding(&f)
                .ok_or_else(|| unsupported("no computable cb type advertised"))?;
            let mut junk = [0u8; 32];
            rand::fill(&mut junk);
            script = ScramScript::new(hash_of(&plus_mech), &user).with_binding(t, junk.to_vec());
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
        return altered_nonce(&ctx, req, mech, script, &mut c).await;
    }
    expect_rejected(&ctx, req, mech, script, first, tweaks, &mut c).await
}

/// The nonce must be known before it can be altered: run the first step, then send the combined
/// nonce with its last character changed.
async fn altered_nonce(
    ctx: &CaseCtx,
    req: &'static str,
    mech: &str,
    script: ScramScript,
    c: &mut Conn,
) -> Flow {
    let sf = match c
        .authenticate(mech, Some(&script.client_first()), &[])
        .await
    {
        Ok(Sasl2Reply::Challenge { data: Some(d), .. }) => {
            ServerFirst::parse(&d, &script.client_nonce)
                .map_err(|e| fail("SASL2-106", "a valid server-first-message", e.to_string()))?
        }
        Ok(other) => return Err(setup("authenticate", other.describe())),
        Err(e) => return Err(setup("authenticate", e)),
    };
    let mut nonce = sf.nonce.clone();
    let last = nonce
        .pop()
        .map_or('A', |ch| if ch == 'A' { 'B' } else { 'A' });
    nonce.push(last);
    let (_, password) = creds(ctx)?;
    let tweaks = FinalTweaks {
        nonce: Some(nonce),
        ..FinalTweaks::default()
    };
    let (msg, _) = script
        .client_final(&sf, &password, &tweaks)
        .map_err(|_| setup("client-final", "derivation"))?;
    Ok(match c.respond(&msg).await {
        Ok(Sasl2Reply::Failure { conditions, .. }) if conditions.len() == 1 => {
            pass().with_message(format!("rejected with {conditions:?}"))
        }
        Ok(Sasl2Reply::Failure { conditions, .. }) => fail(
            "SASL2-24",
            "exactly one condition",
            format!("{conditions:?}"),
        ),
        Ok(other) => fail(req, "<failure/>", other.describe()),
        Err(e) if e.is_termination() => ended(&e),
        Err(e) => setup("response", e),
    })
}
