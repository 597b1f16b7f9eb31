//! Replays a SCRAM vector through proto's `ScramServer` and `ScramClient` with the vector's fixed
//! nonces. The server runs first; a failure there is the server detecting the fault. If the
//! server-first in the vector is one an honest server cannot send (malformed, nonce not extended,
//! iteration count under the floor) the server is skipped and the client must detect it. Then the
//! client runs; every message both sides produce must equal the vector's, byte for byte, and
//! valid tests also check every intermediate through `scram::primitives`.

use super::scram::{Intermediates, ScramGroup, ScramTest};
use super::{hex, same, to_hex};
use crate::errors::scram_code;
use crate::model::Expect;
use crate::report::Observed;
use gatecheck_proto::sasl::scram::client::{ClientBinding, ScramClient};
use gatecheck_proto::sasl::scram::messages::{self, Gs2Flag};
use gatecheck_proto::sasl::scram::primitives::{self as p, ScramCredentials};
use gatecheck_proto::sasl::scram::server::{FakeCredentialSeed, ScramServer, ScramServerConfig};
use gatecheck_proto::sasl::{ChannelBindingType, MechanismError, ScramHash, ssdp};

/// How a side ended: proto's error, or a produced message differing from the vector.
enum Step {
    Failed(MechanismError),
    Differs(String),
}

impl From<MechanismError> for Step {
    fn from(e: MechanismError) -> Self {
        Self::Failed(e)
    }
}

impl From<String> for Step {
    fn from(why: String) -> Self {
        Self::Differs(why)
    }
}

/// A produced message as text for comparison and readable failures (SCRAM messages are UTF-8).
fn text(msg: &[u8]) -> String {
    String::from_utf8_lossy(msg).into_owned()
}

fn server_config(g: &ScramGroup, t: &ScramTest, cb: &[u8]) -> ScramServerConfig {
    let types = t
        .server_cb_types
        .clone()
        .unwrap_or_else(|| t.cb_type.iter().cloned().collect());
    let channel_bindings = types
        .iter()
        .filter_map(|n| ChannelBindingType::from_name(n))
        .map(|ty| (ty, cb.to_vec()))
        .collect::<Vec<_>>();
    let ssdp_h = messages::parse_server_first(t.server_first.as_bytes())
        .ok()
        .and_then(|sf| sf.extension('h').map(str::to_owned));
    ScramServerConfig {
        plus: t.mechanism.ends_with("-PLUS"),
        supports_channel_binding: !types.is_empty(),
        channel_bindings,
        ssdp_h,
        min_iterations: g.min_iterations,
    }
}

/// Server side. `Ok(false)`: the vector's server-first is not one an honest server sends, so the
/// client must be the one to object.
fn server(g: &ScramGroup, t: &ScramTest, h: ScramHash, cb: &[u8]) -> Result<bool, Step> {
    let mut srv = ScramServer::new(h, server_config(g, t, cb));
    let first = srv.client_first(t.client_first.as_bytes())?;
    let client_nonce = messages::parse_client_first(t.client_first.as_bytes())?.nonce;
    let Ok(sf) = messages::parse_server_first(t.server_first.as_bytes()) else {
        return Ok(false);
    };
    let server_nonce = match sf.nonce.strip_prefix(client_nonce.as_str()) {
        Some(n) if !n.is_empty() && sf.iterations >= g.min_iterations => n,
        _ => return Ok(false),
    };
    let creds = ScramCredentials::derive(h, &t.password, &sf.salt, sf.iterations)?;
    let fake = FakeCredentialSeed {
        salt: sf.salt.clone(),
        iterations: sf.iterations,
    };
    let out = srv.server_first(Some(&creds), fake, server_nonce)?;
    same("server-first", text(&out).as_str(), t.server_first.as_str())?;
    let fin = srv.client_final(t.client_final.as_bytes())?;
    same("username", fin.username.as_str(), first.username.as_str())?;
    if t.error.is_none() {
        same(
            "server-final",
            text(&fin.message).as_str(),
            t.server_final.as_str(),
        )?;
    }
    Ok(true)
}

/// Client side, with the username, authzid and nonce the vector's client-first carries.
fn client(g: &ScramGroup, t: &ScramTest, h: ScramHash, cb: &[u8]) -> Result<(), Step> {
    let cf = messages::parse_client_first(t.client_first.as_bytes())?;
    let binding = match (&t.cb_type, &cf.gs2.flag) {
        (Some(name), _) => match ChannelBindingType::from_name(name) {
            Some(ty) => ClientBinding::Bound(ty, cb.to_vec()),
            None => return Err(format!("proto has no channel-binding type {name}").into()),
        },
        (None, Gs2Flag::ClientSupports) => ClientBinding::NotOffered,
        (None, _) => ClientBinding::Unsupported,
    };
    let mut cl = ScramClient::new(
        h,
        &cf.username,
        &t.password,
        cf.gs2.authzid.as_deref(),
        binding,
        &cf.nonce,
    )?
    .with_min_iterations(g.min_iterations);
    // Extensions a client sends in client-final (e.g. RFC 5802's example `x=`) are the client's
    // choice, so they are taken from the vector's client-final when it parses.
    if let Ok(fin) = messages::parse_client_final(t.client_final.as_bytes()) {
        cl = cl.with_final_extensions(fin.extensions);
    }
    if let Some(lists) = &t.ssdp {
        cl = cl.with_expected_ssdp(ssdp::downgrade_hash(h, &lists.mechanisms, &lists.cb_types));
    }
    let first = cl.client_first()?;
    same(
        "client-first",
        text(&first).as_str(),
        t.client_first.as_str(),
    )?;
    let fin = cl.server_first(t.server_first.as_bytes())?;
    same("client-final", text(&fin).as_str(), t.client_final.as_str())?;
    cl.server_final(t.server_final.as_bytes())?;
    Ok(())
}

/// Recomputes every intermediate through `scram::primitives` and compares with the vector.
fn intermediates(t: &ScramTest, h: ScramHash, want: &Intermediates) -> Result<(), String> {
    let e = |err: MechanismError| err.to_string();
    let sf = messages::parse_server_first(t.server_first.as_bytes()).map_err(e)?;
    let cf = messages::parse_client_first(t.client_first.as_bytes()).map_err(e)?;
    let fin = messages::parse_client_final(t.client_final.as_bytes()).map_err(e)?;
    same("salt", to_hex(&sf.salt), want.salt.clone())?;
    let salted = p::salted_password(h, &t.password, &sf.salt, sf.iterations).map_err(e)?;
    same(
        "saltedPassword",
        to_hex(&salted),
        want.salted_password.clone(),
    )?;
    let ck = p::client_key(h, &salted);
    same("clientKey", to_hex(&ck), want.client_key.clone())?;
    let stored = p::hash(h, &ck);
    same("storedKey", to_hex(&stored), want.stored_key.clone())?;
    let sk = p::server_key(h, &salted);
    same("serverKey", to_hex(&sk), want.server_key.clone())?;
    let auth = p::auth_message(&cf.bare, &t.server_first, &fin.without_proof);
    same("authMessage", auth.as_str(), want.auth_message.as_str())?;
    let sig = p::client_signature(h, &stored, auth.as_bytes());
    same(
        "clientSignature",
        to_hex(&sig),
        want.client_signature.clone(),
    )?;
    let proof = p::client_proof(h, &ck, auth.as_bytes());
    same("clientProof", to_hex(&proof), want.client_proof.clone())?;
    same(
        "clientProof (message)",
        to_hex(&fin.proof),
        want.client_proof.clone(),
    )?;
    let ss = p::server_signature(h, &sk, auth.as_bytes());
    same(
        "serverSignature",
        to_hex(&ss),
        want.server_signature.clone(),
    )
}

/// Runs both sides and reports what proto did.
pub fn observe(g: &ScramGroup, t: &ScramTest) -> Observed {
    let h = g.hash.scram();
    let family = match g.hash {
        super::ssdp::Hash::Sha1 => "SCRAM-SHA-1",
        super::ssdp::Hash::Sha256 => "SCRAM-SHA-256",
        super::ssdp::Hash::Sha512 => "SCRAM-SHA-512",
    };
    if t.mechanism.strip_suffix("-PLUS").unwrap_or(&t.mechanism) != family {
        return Observed::Accepted(Err(format!("{} is not in a {family} group", t.mechanism)));
    }
    let cb = match hex("cbData", &t.cb_data) {
        Ok(cb) => cb,
        Err(why) => return Observed::Accepted(Err(why)),
    };
    let mut sides = vec![];
    match server(g, t, h, &cb) {
        Err(Step::Failed(e)) => return Observed::Rejected(scram_code(&e)),
        Err(Step::Differs(why)) => return Observed::Accepted(Err(format!("server side: {why}"))),
        Ok(true) => sides.push("server"),
        Ok(false) => {}
    }
    match client(g, t, h, &cb) {
        Err(Step::Failed(e)) => return Observed::Rejected(scram_code(&e)),
        Err(Step::Differs(why)) => return Observed::Accepted(Err(format!("client side: {why}"))),
        Ok(()) => sides.push("client"),
    }
    if sides.len() != 2 {
        return Observed::Accepted(Err("the server could not replay server-first".to_owned()));
    }
    Observed::Accepted(match (&t.intermediates, t.result) {
        (Some(want), _) => intermediates(t, h, want),
        (None, Expect::Valid) => Err("valid test lacks intermediates".to_owned()),
        (None, _) => Ok(()),
    })
}

impl super::Group for ScramGroup {
    type Test = ScramTest;
    fn tests(&self) -> &[ScramTest] {
        &self.tests
    }
    fn observe<'a>(&self, t: &'a ScramTest) -> (Option<&'a str>, Observed) {
        (t.error.as_deref(), observe(self, t))
    }
    fn audit(&self, t: &ScramTest) -> Result<(), String> {
        if t.result == Expect::Valid {
            Ok(())
        } else {
            super::scram_audit::audit(self, t)
        }
    }
}
