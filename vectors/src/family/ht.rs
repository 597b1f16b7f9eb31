//! HT-* vectors through `proto::sasl::ht`, per draft. Server side: parse the initiator message,
//! verify it with the token and channel-binding data, build the responder message. Client side:
//! build the initiator message, verify the responder message. A valid test needs both sides to
//! succeed with byte-identical messages and HMACs; an invalid test needs the side the error
//! names to fail (`responder-mismatch`: the client; otherwise the server).

use crate::errors::ht_code;
use crate::model::{Expect, impl_meta};
use crate::report::Observed;
use gatecheck_proto::sasl::ht::{self, HtDraft, HtMechanism};
use serde::Deserialize;

/// One (draft, hash) group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtGroup {
    /// Always `HtExchange`.
    #[serde(rename = "type")]
    pub kind: HtType,
    /// Wire format.
    pub draft: Draft,
    /// Hash name (`SHA-256`, `SHA-512`, `SHA3-256`).
    pub hash: String,
    /// The tests.
    pub tests: Vec<HtTest>,
}

/// The group `type` tag.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum HtType {
    /// The only value.
    HtExchange,
}

/// HT drafts as spelt in the vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Draft {
    /// draft-schmaus-kitten-sasl-ht-09.
    #[serde(rename = "schmaus-09")]
    Schmaus09,
    /// draft-ietf-kitten-sasl-ht-00.
    #[serde(rename = "ietf-00")]
    Ietf00,
    /// draft-ietf-kitten-sasl-ht-01.
    #[serde(rename = "ietf-01")]
    Ietf01,
}

impl Draft {
    fn proto(self) -> HtDraft {
        match self {
            Self::Schmaus09 => HtDraft::Schmaus09,
            Self::Ietf00 => HtDraft::Ietf00,
            Self::Ietf01 => HtDraft::Ietf01,
        }
    }
}

/// One HT exchange.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HtTest {
    /// Test id.
    pub tc_id: u64,
    /// What the test is.
    pub comment: String,
    /// Mechanism name, e.g. `HT-SHA-256-ENDP`.
    pub mechanism: String,
    /// The token secret (its UTF-8 bytes are the HMAC key).
    pub token: String,
    /// The authentication identity.
    pub authcid: String,
    /// Channel-binding data (hex; empty for `-NONE`).
    pub cb_data: String,
    /// The server certificate ENDP data was derived from (base64 DER); informational here.
    pub certificate_der: Option<String>,
    /// ietf-01 initiator extras.
    pub extra_initiator: Option<String>,
    /// ietf-01 responder extras.
    pub extra_responder: Option<String>,
    /// base64 initiator message.
    pub initiator_message: String,
    /// base64 responder message.
    pub responder_message: Option<String>,
    /// Expected initiator HMAC (hex).
    pub initiator_hmac: Option<String>,
    /// Expected responder HMAC (hex).
    pub responder_hmac: Option<String>,
    /// Expected failure.
    pub error: Option<String>,
    /// Expected result.
    pub result: Expect,
    /// Flags.
    pub flags: Vec<String>,
}
impl_meta!(HtTest);

/// The decoded inputs shared by both sides.
struct Inputs {
    mech: HtMechanism,
    draft: HtDraft,
    cb: Vec<u8>,
    initiator: Vec<u8>,
    responder: Option<Vec<u8>>,
}

fn inputs(g: &HtGroup, t: &HtTest) -> Result<Inputs, String> {
    let mech = HtMechanism::from_name(&t.mechanism)
        .ok_or_else(|| format!("proto does not implement {}", t.mechanism))?;
    if mech.hash.name() != g.hash {
        return Err(format!("{} is not a {} mechanism", t.mechanism, g.hash));
    }
    Ok(Inputs {
        mech,
        draft: g.draft.proto(),
        cb: super::hex("cbData", &t.cb_data)?,
        initiator: super::b64("initiatorMessage", &t.initiator_message)?,
        responder: t
            .responder_message
            .as_deref()
            .map(|r| super::b64("responderMessage", r))
            .transpose()?,
    })
}

/// Server side: parse + verify the initiator, then build the responder message.
fn server(t: &HtTest, i: &Inputs) -> Result<Result<Vec<u8>, String>, ht::HtError> {
    let parsed = ht::parse_initiator(i.mech, &i.initiator)?;
    parsed.verify(i.mech, t.token.as_bytes(), &i.cb)?;
    let extras = t.extra_responder.as_deref().unwrap_or_default().as_bytes();
    let responder = ht::responder_message(i.mech, i.draft, t.token.as_bytes(), &i.cb, extras)?;
    let checks = (|| {
        super::same("authcid", parsed.authcid.as_str(), t.authcid.as_str())?;
        let want_extras = match i.draft {
            HtDraft::Ietf01 => Some(t.extra_initiator.as_deref().unwrap_or_default().as_bytes()),
            _ => None,
        };
        super::same("initiator extras", parsed.extras.as_deref(), want_extras)?;
        if let Some(want) = &t.initiator_hmac {
            super::same(
                "initiatorHmac",
                super::to_hex(&parsed.mac).as_str(),
                want.as_str(),
            )?;
        }
        // An invalid test's responderMessage is what a rogue server sent, not the honest one.
        if let (Some(want), None) = (&i.responder, &t.error) {
            super::same("responderMessage", &responder, want)?;
        }
        if let Some(want) = &t.responder_hmac {
            let n = i.mech.hash.output_len();
            let mac = responder
                .get(responder.len().saturating_sub(n)..)
                .unwrap_or_default();
            super::same("responderHmac", super::to_hex(mac).as_str(), want.as_str())?;
        }
        Ok(responder.clone())
    })();
    Ok(checks)
}

/// Client side: build the initiator message, then verify the responder message.
fn client(t: &HtTest, i: &Inputs) -> Result<Result<(), String>, ht::HtError> {
    let extras_i = t.extra_initiator.as_deref().unwrap_or_default().as_bytes();
    let built = ht::initiator_message(
        i.mech,
        i.draft,
        &t.authcid,
        t.token.as_bytes(),
        &i.cb,
        extras_i,
    )?;
    if let Err(why) = super::same("initiatorMessage (client-built)", &built, &i.initiator) {
        return Ok(Err(why));
    }
    let Some(responder) = &i.responder else {
        return Ok(Err("no responderMessage to verify".to_owned()));
    };
    let extras = ht::verify_responder(i.mech, i.draft, t.token.as_bytes(), &i.cb, responder)?;
    let want = match i.draft {
        HtDraft::Ietf01 => t.extra_responder.as_deref().unwrap_or_default().as_bytes(),
        _ => b"",
    };
    Ok(super::same("responder extras", extras.as_slice(), want))
}

impl super::Group for HtGroup {
    type Test = HtTest;
    fn tests(&self) -> &[HtTest] {
        &self.tests
    }
    fn observe<'a>(&self, t: &'a HtTest) -> (Option<&'a str>, Observed) {
        let error = t.error.as_deref();
        let i = match inputs(self, t) {
            Ok(i) => i,
            Err(why) => return (error, Observed::Rejected(format!("proto:{why}"))),
        };
        let observed = match server(t, &i) {
            Err(e) => Observed::Rejected(ht_code(&e).to_owned()),
            Ok(Err(why)) => Observed::Accepted(Err(format!("server side: {why}"))),
            Ok(Ok(_)) => match client(t, &i) {
                Err(e) => Observed::Rejected(ht_code(&e).to_owned()),
                Ok(Err(why)) => Observed::Accepted(Err(format!("client side: {why}"))),
                Ok(Ok(())) => Observed::Accepted(Ok(())),
            },
        };
        (error, observed)
    }
}
