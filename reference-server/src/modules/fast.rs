//! XEP-0484 FAST: token issue, HT-SHA-256-* authentication and the token lifecycle, as one module
//! on the seams (`mechanisms`/`start_mechanism` for HT-*, `inline_advertisement` for `<fast/>`,
//! `on_inline_success` for `<request-token/>` and rotation).
//!
//! Decisions where the XEP leaves room (digest §6.2), each checked by the tests below:
//! - Offered only on TLS streams whose header `from` names an account (as Prosody), only in SASL2,
//!   and never as top-level `<mechanism/>`s: `-EXPR` and `-ENDP` where the TLS session has that
//!   binding, and `-NONE`. Never `-UNIQ`: rustls cannot compute tls-unique (it exposes no Finished
//!   message), and tls-unique is undefined on TLS 1.3 and unsafe on TLS 1.2 without EMS anyway.
//! - Answers in the draft-schmaus-09 format (raw responder HMAC), or ietf-01 for ietf-01 requests.
//! - Two slots (`new`, `current`) per (account, user-agent id), XEP-0484 §5.1. Using a token
//!   removes every token of that client with an earlier expiry; issuing removes the never-used one.
//!   `invalidate` clears both slots (digest §6.2 item 25).
//! - `count`: when present it must exceed the highest count processed with that token, whether or
//!   not the request came in 0-RTT (this server never accepts early data, so `tls-0rtt` is never
//!   advertised). Without `count` the attempt is accepted and the recorded count is unchanged:
//!   XEP-0484 requires `count` only in 0-RTT data, which cannot reach this server.
//! - An expired token, or one issued before a password change, fails with `credentials-expired`
//!   and is deleted; the stream stays open for a password mechanism (FAST-20). An unknown token,
//!   user or user-agent fails with `not-authorized` after the same work (two unseals, two HMACs).
//! - `<request-token/>` naming a mechanism not offered on the stream, or without a user-agent id,
//!   gets no token (the success is otherwise unchanged).

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatecheck_proto::datetime::{Timestamp, format_datetime};
use gatecheck_proto::ns;
use gatecheck_proto::sasl::ht::{self, HtMechanism, InitiatorMessage};
use gatecheck_proto::sasl::{ChannelBindingType, ChannelBindings, Mechanism, SaslCondition};
use gatecheck_proto::xml::Element;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::breaks::{Break, BreakSet};
use crate::env::Env;
use crate::module::{Module, OfferContext, SuccessContext};
use crate::sasl::mechanism::{
    MechanismContext, MechanismFailure, MechanismStep, Profile, ServerMechanism,
};
use crate::store::seal::SealKey;
use crate::store::{Account, FastSlots, FastToken, Store};

/// The HT mechanisms FAST may offer, in advertisement order (channel binding first, FAST-3).
const HT_MECHANISMS: [Mechanism; 3] = [
    Mechanism::HtSha256(Some(ChannelBindingType::TlsExporter)),
    Mechanism::HtSha256(Some(ChannelBindingType::TlsServerEndPoint)),
    Mechanism::HtSha256(None),
];

/// Random bytes in a token: 192 bits, well over the drafts' 128.
const TOKEN_BYTES: usize = 24;

/// The client key the `fast-29-any-user-agent` broken build files every token under.
const ANY_CLIENT: &str = "*";

/// Token lifetimes, from `sasl2_fast_token_ttl` and `sasl2_fast_token_min_ttl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastSettings {
    /// Seconds from issue to expiry.
    pub token_ttl: u64,
    /// Age in seconds after which a successful use rotates the token.
    pub token_min_ttl: u64,
}

impl FastSettings {
    /// The settings of `config`.
    pub fn from_config(c: &crate::Config) -> Self {
        Self {
            token_ttl: c.sasl2_fast_token_ttl,
            token_min_ttl: c.sasl2_fast_token_min_ttl,
        }
    }
}

/// The FAST module.
#[derive(Clone)]
pub struct Fast {
    inner: Arc<Shared>,
}

struct Shared {
    settings: FastSettings,
    key: SealKey,
    store: Arc<dyn Store>,
}

impl Fast {
    /// FAST over `store`, sealing tokens under `key`.
    pub fn new(settings: FastSettings, key: SealKey, store: Arc<dyn Store>) -> Self {
        Self {
            inner: Arc::new(Shared {
                settings,
                key,
                store,
            }),
        }
    }
}

fn unix_now(env: &Env) -> u64 {
    env.clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The associated data a token is sealed with: the row it belongs to.
fn aad(username: &str, client: &str, mechanism: &str) -> Vec<u8> {
    format!("gatecheck-fast-v1\0{username}\0{client}\0{mechanism}").into_bytes()
}

/// A digest of the account's credentials: changes with every password change (fresh salts).
fn credential_tag(account: &Account) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"gatecheck fast credential tag");
    for c in &account.credentials {
        h.update(c.hash.name().as_bytes());
        h.update(&c.salt);
        h.update(&c.server_key);
    }
    h.finalize().get(..16).unwrap_or_default().to_vec()
}

/// The store key of a client's slots.
fn client_key(ua: &str, breaks: BreakSet) -> &str {
    if breaks.has(Break::Fast29AnyUserAgent) {
        ANY_CLIENT
    } else {
        ua
    }
}

fn is_true(v: Option<&str>) -> bool {
    matches!(v, Some("1" | "true"))
}

impl Module for Fast {
    fn name(&self) -> &'static str {
        "fast"
    }

    fn mechanisms(&self, cx: &OfferContext<'_>) -> Vec<Mechanism> {
        let Some(tls) = cx.tls else {
            return Vec::new();
        };
        if cx.profile != Profile::Sasl2 || !cx.names_user {
            return Vec::new();
        }
        HT_MECHANISMS
            .into_iter()
            .filter(|m| match m {
                Mechanism::HtSha256(Some(t)) => tls.data(*t).is_some(),
                _ => true,
            })
            .collect()
    }

    fn start_mechanism(
        &self,
        mechanism: Mechanism,
        cx: &MechanismContext,
    ) -> Option<Box<dyn ServerMechanism>> {
        let ht = HtMechanism::from_mechanism(mechanism)?;
        HT_MECHANISMS.contains(&mechanism).then(|| {
            Box::new(HtAttempt {
                shared: self.inner.clone(),
                mechanism: ht,
                cx: cx.clone(),
                done: false,
            }) as Box<dyn ServerMechanism>
        })
    }

    fn inline_advertisement(
        &self,
        _cx: &OfferContext<'_>,
        sasl2_mechanisms: &[Mechanism],
    ) -> Option<Element> {
        let mut fast = Element::new("fast", ns::FAST);
        let mut any = false;
        for m in sasl2_mechanisms.iter().filter(|m| m.is_ht()) {
            fast = fast.with_child(Element::new("mechanism", ns::FAST).with_text(m.name()));
            any = true;
        }
        any.then_some(fast)
    }

    fn handles_inline(&self, request: &Element) -> bool {
        request.ns == ns::FAST && matches!(request.name.as_str(), "fast" | "request-token")
    }

    fn on_inline_success(&self, _request: &Element, cx: &mut SuccessContext<'_>) -> Vec<Element> {
        let brk = cx.breaks;
        let Some(ua) = cx.user_agent_id.clone() else {
            return Vec::new();
        };
        let find = |name: &str| {
            cx.inline_requests
                .iter()
                .find(|r| r.is(name, ns::FAST))
                .cloned()
        };
        let request = find("request-token");
        let used_token = cx.mechanism.is_ht();
        let invalidate = used_token && find("fast").is_some_and(|f| is_true(f.attr("invalidate")));
        let wanted = match &request {
            Some(r) => r
                .attr("mechanism")
                .and_then(Mechanism::from_name)
                .filter(|m| m.is_ht() && cx.offered.contains(m)),
            None if used_token && invalidate && brk.has(Break::Fast18TokenWithInvalidate) => {
                Some(cx.mechanism)
            }
            None if used_token && cx.renewal_due && !invalidate => Some(cx.mechanism),
            None => None,
        };
        let Some(mechanism) = wanted else {
            return Vec::new();
        };
        let rotation = request.is_none();
        self.issue(cx, &ua, mechanism, rotation)
            .into_iter()
            .collect()
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::FAST]
    }
}

impl Fast {
    /// Mints a token for `mechanism`, files it in the client's `new` slot and renders `<token/>`.
    /// `None` if the store fails (the success then simply carries no token).
    fn issue(
        &self,
        cx: &SuccessContext<'_>,
        ua: &str,
        mechanism: Mechanism,
        rotation: bool,
    ) -> Option<Element> {
        let s = &self.inner;
        let brk = cx.breaks;
        let client = client_key(ua, brk);
        let now = unix_now(cx.env);
        let token = mint(cx.env, &cx.username, ua, brk);
        let account = s.store.get_account(&cx.username).ok().flatten()?;
        let name = mechanism.name();
        let stored = FastToken {
            mechanism: name.to_owned(),
            sealed: s.key.seal(
                cx.env.rng.as_ref(),
                token.as_bytes(),
                &aad(&cx.username, client, name),
            ),
            issued_at: now,
            expires_at: now.saturating_add(s.settings.token_ttl),
            last_count: None,
            credential_tag: credential_tag(&account),
        };
        let expires_at = stored.expires_at;
        let mut stored = Some(stored);
        let r = s.store.fast_update(&cx.username, client, &mut |slots| {
            if brk.has(Break::Fast16UnusedKept) && slots.new.is_some() {
                slots.current = slots.new.take();
            }
            if rotation && brk.has(Break::Fast14RotationDropsOld) {
                slots.current = None;
            }
            // SHOULD (XEP-0484 §3.5): the never-used token in `new` is replaced.
            slots.new = stored.take();
        });
        if let Err(e) = r {
            tracing::warn!("FAST: cannot store a token for {}: {e}", cx.username);
            return None;
        }
        let expiry = if brk.has(Break::Fast7ExpiryNotDatetime) {
            expires_at.to_string()
        } else {
            let secs = i64::try_from(expires_at).unwrap_or(i64::MAX);
            format_datetime(Timestamp::new(secs, 0)?)
        };
        Some(
            Element::new("token", ns::FAST)
                .with_attr("expiry", &expiry)
                .with_attr("token", &token),
        )
    }
}

/// A fresh token: `fast-` and 192 CSPRNG bits in base64url. ASCII only, since the HMAC key is the
/// string's UTF-8 octets (digest §6.2 item 27).
fn mint(env: &Env, username: &str, ua: &str, brk: BreakSet) -> String {
    if brk.has(Break::Fast6SameToken) {
        let d = Sha256::digest(format!("{username}\0{ua}").as_bytes());
        return format!(
            "fast-{}",
            URL_SAFE_NO_PAD.encode(d.get(..TOKEN_BYTES).unwrap_or_default())
        );
    }
    let n = if brk.has(Break::Fast23ShortToken) {
        6
    } else {
        TOKEN_BYTES
    };
    let mut b = vec![0u8; n];
    env.rng.fill(&mut b);
    format!("fast-{}", URL_SAFE_NO_PAD.encode(&b))
}

/// One HT-SHA-256-* authentication attempt: exactly one step (FAST-2), no challenge.
struct HtAttempt {
    shared: Arc<Shared>,
    mechanism: HtMechanism,
    cx: MechanismContext,
    done: bool,
}

/// What checking the slots found.
enum Verdict {
    /// No token of this client verifies (or the user, the client or the mechanism is unknown).
    NoMatch,
    /// The token verified but is expired or predates a password change.
    Expired,
    /// The token verified but `count` was not above the highest processed one.
    Replay,
    /// Authenticated with this token (plaintext, for the responder HMAC).
    Ok { token: Vec<u8>, renewal_due: bool },
}

/// One token presentation, as parsed from `<authenticate/>`.
struct Presented<'a> {
    /// The account (authcid, lower-cased).
    username: &'a str,
    /// The store key of the client's slots.
    client: &'a str,
    /// The initiator message.
    msg: &'a InitiatorMessage,
    /// The channel-binding data of the mechanism on this stream.
    cb: &'a [u8],
    /// The account's current credential tag (`None`: no such account).
    tag: Option<&'a [u8]>,
    /// `<fast count>`.
    count: Option<u64>,
    /// `<fast invalidate>`.
    invalidate: bool,
}

/// The fixed stand-in sealed under every key's place when a slot is empty, so unknown users and
/// clients cost one AEAD open and one HMAC per slot like known ones.
const DUMMY_SEALED: [u8; 64] = [0u8; 64];

fn fail(c: SaslCondition, text: &str) -> MechanismFailure {
    MechanismFailure::with_text(c, text)
}

impl HtAttempt {
    /// Whether `msg` verifies with `token` under the stream's channel binding.
    fn verifies(&self, msg: &InitiatorMessage, token: &[u8], cb: &[u8]) -> bool {
        let brk = self.cx.breaks;
        if brk.has(Break::Fast24HmacPrefixOnly) {
            let extras = msg.extras.as_deref().unwrap_or_default();
            let want = ht::ht_hmac(self.mechanism.hash, token, b"Initiator", cb, extras);
            let n = 16.min(want.len()).min(msg.mac.len());
            return n == 16
                && bool::from(
                    want.get(..n)
                        .unwrap_or_default()
                        .ct_eq(msg.mac.get(..n).unwrap_or_default()),
                );
        }
        let ok = msg.verify(self.mechanism, token, cb).is_ok();
        if !ok && brk.has(Break::Fast11CbNotChecked) {
            return msg.verify(self.mechanism, token, b"").is_ok();
        }
        ok
    }

    /// Checks both slots (always both, always the same work) and applies the lifecycle rules to
    /// them. Runs inside the store's transaction.
    fn judge(&self, slots: &mut FastSlots, p: &Presented<'_>) -> Verdict {
        let Presented {
            username,
            client,
            msg,
            cb,
            tag,
            count,
            invalidate,
        } = *p;
        let s = &self.shared;
        let brk = self.cx.breaks;
        let name = self.mechanism.name();
        let now = unix_now(&self.cx.env);
        let mut hit: Option<(bool, Vec<u8>)> = None;
        for (is_new, slot) in [(true, &slots.new), (false, &slots.current)] {
            let (sealed, row_mech) = match slot {
                Some(t) => (t.sealed.as_slice(), t.mechanism.as_str()),
                None => (&DUMMY_SEALED[..], name.as_str()),
            };
            let token = s
                .key
                .open(sealed, &aad(username, client, row_mech))
                .unwrap_or_else(|| b"gatecheck-no-token".to_vec());
            let mac_ok = self.verifies(msg, &token, cb);
            let mech_ok = row_mech == name || brk.has(Break::Fast10AnyMechanism);
            if slot.is_some() && mac_ok && mech_ok && hit.is_none() {
                hit = Some((is_new, token));
            }
        }
        let Some((is_new, token)) = hit else {
            return Verdict::NoMatch;
        };
        let slot = if is_new {
            &mut slots.new
        } else {
            &mut slots.current
        };
        let Some(mut used) = slot.clone() else {
            return Verdict::NoMatch;
        };
        let expired = now >= used.expires_at && !brk.has(Break::Fast20ExpiryNotChecked);
        let revoked = !brk.has(Break::Fast20PasswordChangeIgnored)
            && tag.is_none_or(|t| !bool::from(t.ct_eq(&used.credential_tag)));
        if expired || revoked {
            *slot = None;
            return Verdict::Expired;
        }
        if let (Some(c), Some(last)) = (count, used.last_count)
            && c <= last
            && !brk.has(Break::Fast13CountReplayAccepted)
        {
            return Verdict::Replay;
        }
        if count.is_some() {
            used.last_count = count;
        }
        let renewal_due = now.saturating_sub(used.issued_at) > s.settings.token_min_ttl;
        if invalidate && !brk.has(Break::Fast17InvalidateIgnored) {
            *slots = FastSlots::default();
            return Verdict::Ok {
                token,
                renewal_due: false,
            };
        }
        let older = if is_new {
            slots.new = None;
            slots.current.replace(used.clone())
        } else {
            slots.current = Some(used.clone());
            None
        };
        if brk.has(Break::Fast15EarlierExpiryKept) {
            slots.new = older;
        }
        // MUST (XEP-0484 §3.5): every token of this client with an earlier expiry is invalid.
        if slots
            .new
            .as_ref()
            .is_some_and(|n| n.expires_at < used.expires_at)
            && !brk.has(Break::Fast15EarlierExpiryKept)
        {
            slots.new = None;
        }
        Verdict::Ok { token, renewal_due }
    }
}

impl ServerMechanism for HtAttempt {
    fn step(&mut self, input: Option<&[u8]>) -> Result<MechanismStep, MechanismFailure> {
        if std::mem::replace(&mut self.done, true) {
            return Err(fail(SaslCondition::MalformedRequest, "HT has one message"));
        }
        let Some(input) = input else {
            return Err(fail(
                SaslCondition::MalformedRequest,
                "HT needs an initial response",
            ));
        };
        let msg = ht::parse_initiator(self.mechanism, input)
            .map_err(|e| fail(e.condition(), &e.to_string()))?;
        let fast = self
            .cx
            .inline_requests
            .iter()
            .find(|r| r.is("fast", ns::FAST));
        let Some(fast) = fast else {
            return Err(fail(
                SaslCondition::MalformedRequest,
                "token authentication needs <fast xmlns='urn:xmpp:fast:0'/>",
            ));
        };
        let count = match fast.attr("count") {
            None => None,
            Some(c) => Some(
                c.parse::<u64>()
                    .ok()
                    .filter(|&n| i64::try_from(n).is_ok())
                    .ok_or_else(|| fail(SaslCondition::MalformedRequest, "bad count"))?,
            ),
        };
        let invalidate = is_true(fast.attr("invalidate"));
        let Some(ua) = self.cx.user_agent_id.clone() else {
            return Err(fail(
                SaslCondition::MalformedRequest,
                "token authentication needs <user-agent id=.../>",
            ));
        };
        let cb = match self.mechanism.binding {
            None => Vec::new(),
            Some(t) => match self
                .cx
                .tls
                .as_ref()
                .and_then(|tls: &ChannelBindings| tls.data(t))
            {
                Some(d) => d.to_vec(),
                None => return Err(MechanismFailure::new(SaslCondition::NotAuthorized)),
            },
        };
        let s = self.shared.clone();
        let username = msg.authcid.to_lowercase();
        let client = client_key(&ua, self.cx.breaks).to_owned();
        let temporary = |e: crate::store::StoreError| {
            tracing::warn!("FAST: store failure: {e}");
            MechanismFailure::new(SaslCondition::TemporaryAuthFailure)
        };
        let tag = s
            .store
            .get_account(&username)
            .map_err(temporary)?
            .map(|a| credential_tag(&a));
        let presented = Presented {
            username: &username,
            client: &client,
            msg: &msg,
            cb: &cb,
            tag: tag.as_deref(),
            count,
            invalidate,
        };
        let mut verdict = Verdict::NoMatch;
        s.store
            .fast_update(&username, &client, &mut |slots| {
                verdict = self.judge(slots, &presented);
            })
            .map_err(temporary)?;
        match verdict {
            Verdict::NoMatch | Verdict::Replay => {
                Err(MechanismFailure::new(SaslCondition::NotAuthorized))
            }
            Verdict::Expired if self.cx.breaks.has(Break::Fast20ExpiredNotAuthorized) => {
                Err(MechanismFailure::new(SaslCondition::NotAuthorized))
            }
            Verdict::Expired => Err(fail(
                SaslCondition::CredentialsExpired,
                "token expired or revoked; authenticate with a password",
            )),
            Verdict::Ok { token, renewal_due } => {
                let extras = msg.extras.clone().unwrap_or_default();
                let mut reply =
                    ht::responder_message(self.mechanism, msg.reply_draft(), &token, &cb, &extras)
                        .map_err(|e| fail(SaslCondition::MalformedRequest, &e.to_string()))?;
                if self.cx.breaks.has(Break::Fast25WrongResponder)
                    && let Some(b) = reply.last_mut()
                {
                    *b ^= 1;
                }
                Ok(MechanismStep::Success {
                    username,
                    authzid: None,
                    additional_data: Some(reply),
                    renewal_due,
                })
            }
        }
    }
}
