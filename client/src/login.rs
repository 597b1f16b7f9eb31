//! A complete SCRAM login over SASL2 that verifies the server signature, in one call, and the
//! pieces a test that deviates from it needs (mechanism choice, channel-binding data, the script).

use crate::conn::Conn;
use crate::error::ClientError;
use crate::features::Features;
use crate::legacy::{AuthProfile, success_data};
use crate::sasl2::Sasl2Reply;
use crate::scram::{FinalTweaks, ScramScript, ScramScriptError, ServerFirst, verify_server_final};
use gatecheck_proto::sasl::{ChannelBindingType, ChannelBindings, Mechanism, ScramHash};
use gatecheck_proto::xml::Element;

/// Why a login did not complete.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The connection failed or the server sent something unexpected.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The server's SCRAM message was unusable.
    #[error(transparent)]
    Scram(#[from] ScramScriptError),
    /// The server answered with a SASL2 reply other than the one the step needs.
    #[error("unexpected SASL2 reply: {}", .0.describe())]
    Reply(Sasl2Reply),
    /// `<success/>` had no decodable `additional-data` or its `v=` did not verify.
    #[error("server signature missing or wrong: {0}")]
    ServerSignature(String),
    /// The mechanism is not SCRAM, or needs channel binding data the client lacks.
    #[error("cannot log in with {0}")]
    Mechanism(String),
}

/// The hash of a SCRAM mechanism name and whether it is -PLUS (proto's [`Mechanism`] names).
pub fn scram_hash(mechanism: &str) -> Option<(ScramHash, bool)> {
    let m = Mechanism::from_name(mechanism)?;
    Some((m.scram_hash()?, m.uses_channel_binding()))
}

/// Channel-binding data the client computed for `cb_type` (`None` if unknown or unavailable).
pub fn binding_data(tls: Option<&ChannelBindings>, cb_type: &str) -> Option<Vec<u8>> {
    tls?.data(ChannelBindingType::from_name(cb_type)?)
        .map(<[u8]>::to_vec)
}

/// The cb type to use: tls-exporter when advertised (the RFC 9266 default), else
/// tls-server-end-point.
pub fn preferred_binding(features: &Features) -> Option<&'static str> {
    [
        ChannelBindingType::TlsExporter,
        ChannelBindingType::TlsServerEndPoint,
    ]
    .map(ChannelBindingType::name)
    .into_iter()
    .find(|t| features.cb_types().iter().any(|c| c == t))
}

/// The localpart the account logs in with (`alice` for `alice@example.org`).
pub fn username_of(jid: &str) -> &str {
    jid.split_once('@').map_or(jid, |(l, _)| l)
}

/// The best advertised non-PLUS SCRAM mechanism over SASL2 (SHA-512, SHA-256, then SHA-1).
pub fn best_scram(features: &Features) -> Option<&'static str> {
    best_scram_in(AuthProfile::Sasl2, features)
}

/// The best non-PLUS SCRAM mechanism `profile` advertises (SHA-512, SHA-256, then SHA-1).
pub fn best_scram_in(profile: AuthProfile, features: &Features) -> Option<&'static str> {
    Mechanism::scram_unbound()
        .map(Mechanism::name)
        .find(|m| profile.offers(features, m))
}

/// Every SCRAM mechanism `profile` advertises, with (`plus`) or without channel binding, in
/// advertised order.
pub fn scram_mechanisms(profile: AuthProfile, features: &Features, plus: bool) -> Vec<String> {
    profile
        .mechanisms(features)
        .iter()
        .filter(|m| scram_hash(m).is_some_and(|(_, p)| p == plus))
        .cloned()
        .collect()
}

/// A completed login.
#[derive(Debug, Clone)]
pub struct Login {
    /// The `<success/>` element.
    pub success: Element,
    /// The server-first-message.
    pub server_first: ServerFirst,
}

/// Build the script for `mechanism`, binding with `cb_type` for -PLUS mechanisms.
pub fn script_for(
    conn: &Conn,
    mechanism: &str,
    username: &str,
    cb_type: Option<&str>,
) -> Result<ScramScript, LoginError> {
    let (hash, plus) =
        scram_hash(mechanism).ok_or_else(|| LoginError::Mechanism(mechanism.to_owned()))?;
    let script = ScramScript::new(hash, username);
    if !plus {
        return Ok(script);
    }
    let t =
        cb_type.ok_or_else(|| LoginError::Mechanism(format!("{mechanism} without a cb type")))?;
    let data = binding_data(conn.tls(), t)
        .ok_or_else(|| LoginError::Mechanism(format!("{mechanism} with {t}: no data")))?;
    Ok(script.with_binding(t, data))
}

/// Run a whole SCRAM exchange over SASL2 (see [`scram_exchange_in`]).
pub async fn scram_exchange(
    conn: &mut Conn,
    mechanism: &str,
    script: &ScramScript,
    password: &str,
    tweaks: &FinalTweaks,
    extra: &[Element],
) -> Result<Login, LoginError> {
    let p = AuthProfile::Sasl2;
    scram_exchange_in(conn, p, mechanism, script, password, tweaks, extra).await
}

/// Run a whole SCRAM exchange with `script` over `profile` on an open, unauthenticated stream
/// and verify `v=`; `extra` are inline requests (SASL2 only). What follows `<success/>` (features,
/// or the restart RFC 6120 SASL needs) is left for the caller
/// ([`Conn::after_success`]).
pub async fn scram_exchange_in(
    conn: &mut Conn,
    profile: AuthProfile,
    mechanism: &str,
    script: &ScramScript,
    password: &str,
    tweaks: &FinalTweaks,
    extra: &[Element],
) -> Result<Login, LoginError> {
    let first = conn
        .start_auth(profile, mechanism, Some(&script.client_first()), extra)
        .await?;
    let Sasl2Reply::Challenge { data: Some(sf), .. } = first else {
        return Err(LoginError::Reply(first));
    };
    let server_first = ServerFirst::parse(&sf, &script.client_nonce)?;
    let (msg, signature) = script.client_final(&server_first, password, tweaks)?;
    let reply = conn.respond_in(profile, &msg).await?;
    let Sasl2Reply::Success(success) = reply else {
        return Err(LoginError::Reply(reply));
    };
    match success_data(profile, &success) {
        Some(Some(v)) if verify_server_final(&v, &signature) => Ok(Login {
            success,
            server_first,
        }),
        Some(Some(v)) => Err(LoginError::ServerSignature(
            String::from_utf8_lossy(&v).into_owned(),
        )),
        Some(None) => Err(LoginError::ServerSignature(
            "success data not base64".into(),
        )),
        None => Err(LoginError::ServerSignature(match profile {
            AuthProfile::Sasl2 => "no additional-data".into(),
            AuthProfile::Sasl => "no success data (server-final missing)".into(),
        })),
    }
}

/// Log `username` in over SASL2 with the best plain SCRAM mechanism offered in `features`,
/// verifying the server signature; `extra` are inline requests (Bind 2, FAST). The post-success
/// features are left for the caller to read.
pub async fn login(
    conn: &mut Conn,
    features: &Features,
    username: &str,
    password: &str,
    extra: &[Element],
) -> Result<Login, LoginError> {
    login_in(
        conn,
        AuthProfile::Sasl2,
        features,
        username,
        password,
        extra,
    )
    .await
}

/// [`login`] over `profile`.
pub async fn login_in(
    conn: &mut Conn,
    profile: AuthProfile,
    features: &Features,
    username: &str,
    password: &str,
    extra: &[Element],
) -> Result<Login, LoginError> {
    let mech = best_scram_in(profile, features)
        .ok_or_else(|| LoginError::Mechanism(format!("no SCRAM offered over {profile}")))?;
    let script = script_for(conn, mech, username, None)?;
    let tweaks = FinalTweaks::default();
    scram_exchange_in(conn, profile, mech, &script, password, &tweaks, extra).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mechanism_helpers() {
        assert_eq!(
            scram_hash("SCRAM-SHA-256-PLUS"),
            Some((ScramHash::Sha256, true))
        );
        assert_eq!(scram_hash("SCRAM-SHA-1"), Some((ScramHash::Sha1, false)));
        assert_eq!(scram_hash("PLAIN"), None);
        assert_eq!(username_of("alice@localhost"), "alice");
        assert_eq!(username_of("alice"), "alice");
        let mut tls = ChannelBindings::none(gatecheck_proto::sasl::TlsVersion::Tls13);
        tls.tls_exporter = Some(vec![1]);
        assert_eq!(binding_data(Some(&tls), "tls-exporter"), Some(vec![1]));
        assert_eq!(binding_data(Some(&tls), "tls-server-end-point"), None);
        assert_eq!(binding_data(None, "tls-exporter"), None);
    }
}
