//! FAST (XEP-0484) on the kit: a session whose stream header names the account (FAST clients
//! MUST send `from`, §4.1), the `<fast/>` request, the HT-* initial response over the
//! connection's channel binding, the issued `<token/>`, and the responder check (mutual
//! authentication). The HT cryptography is proto's (`gatecheck_proto::sasl::ht`).

use gatecheck_proto::ns;
use gatecheck_proto::sasl::ChannelBindings;
use gatecheck_proto::sasl::ht::{self, HtDraft, HtError, HtMechanism};
use gatecheck_proto::xml::Element;

use crate::conn::{Conn, Connect};
use crate::error::ClientError;
use crate::features::Features;
use crate::login::{Login, LoginError, best_scram, script_for};
use crate::sasl2::{Sasl2Reply, additional_data};
use crate::scram::{FinalTweaks, ServerFirst, verify_server_final};

/// Why a FAST step could not be built or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum FastError {
    /// The name is not an HT mechanism proto knows.
    #[error("not an HT mechanism: {0}")]
    Mechanism(String),
    /// The connection has no data for the mechanism's channel binding.
    #[error("no channel-binding data for {0}")]
    NoBinding(String),
    /// Building or verifying an HT message failed.
    #[error(transparent)]
    Ht(#[from] HtError),
    /// `<success/>` has no (valid base64) `<additional-data/>` to verify.
    #[error("success without a decodable additional-data")]
    NoAdditionalData,
    /// The connection failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A token as issued in `<success/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The `token` attribute (the HMAC key).
    pub token: String,
    /// The `expiry` attribute, verbatim.
    pub expiry: String,
}

/// The `<token xmlns='urn:xmpp:fast:0'/>` of a success element, if any with both attributes.
pub fn issued_token(success: &Element) -> Option<IssuedToken> {
    let t = success.child("token", ns::FAST)?;
    Some(IssuedToken {
        token: t.attr("token")?.to_owned(),
        expiry: t.attr("expiry")?.to_owned(),
    })
}

/// `<fast xmlns='urn:xmpp:fast:0' count=… invalidate='true'/>`: "I authenticate with a token".
pub fn fast_request(count: Option<u64>, invalidate: bool) -> Element {
    let mut e = Element::new("fast", ns::FAST);
    if let Some(c) = count {
        e = e.with_attr("count", c.to_string());
    }
    if invalidate {
        e = e.with_attr("invalidate", "true");
    }
    e
}

/// A SASL2 `<user-agent id=…/>` with a chosen id (the kit's builder uses a fixed one; FAST
/// binds tokens to the id, so tests need a second client installation).
pub fn user_agent_with_id(id: &str) -> Element {
    Element::new("user-agent", ns::SASL2)
        .with_attr("id", id)
        .with_child(Element::new("software", ns::SASL2).with_text("gatecheck"))
}

/// The HT mechanism called `name`.
pub fn ht_mechanism(name: &str) -> Result<HtMechanism, FastError> {
    HtMechanism::from_name(name).ok_or_else(|| FastError::Mechanism(name.to_owned()))
}

/// The channel-binding data `mech` hashes on this connection (empty for `-NONE`).
pub fn cb_data(mech: HtMechanism, tls: Option<&ChannelBindings>) -> Result<Vec<u8>, FastError> {
    match mech.binding {
        None => Ok(Vec::new()),
        Some(t) => tls
            .and_then(|b| b.data(t))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| FastError::NoBinding(t.name().to_owned())),
    }
}

/// The -09 initiator message `authcid NUL HMAC(token, "Initiator" || cb)` for this connection.
pub fn initiator(
    mechanism: &str,
    authcid: &str,
    token: &str,
    tls: Option<&ChannelBindings>,
) -> Result<Vec<u8>, FastError> {
    let mech = ht_mechanism(mechanism)?;
    let cb = cb_data(mech, tls)?;
    Ok(ht::initiator_message(
        mech,
        HtDraft::Schmaus09,
        authcid,
        token.as_bytes(),
        &cb,
        b"",
    )?)
}

/// Checks the `<additional-data/>` of `success` is the responder HMAC for `token` on this
/// connection; returns the draft format it verified in (-09 raw, or ietf-00 NUL-prefixed).
pub fn verify_success(
    mechanism: &str,
    token: &str,
    tls: Option<&ChannelBindings>,
    success: &Element,
) -> Result<HtDraft, FastError> {
    let mech = ht_mechanism(mechanism)?;
    let cb = cb_data(mech, tls)?;
    let Some(Some(data)) = additional_data(success) else {
        return Err(FastError::NoAdditionalData);
    };
    let first = [HtDraft::Schmaus09, HtDraft::Ietf00]
        .into_iter()
        .find(|&d| ht::verify_responder(mech, d, token.as_bytes(), &cb, &data).is_ok());
    match first {
        Some(d) => Ok(d),
        None => Err(
            ht::verify_responder(mech, HtDraft::Schmaus09, token.as_bytes(), &cb, &data)
                .err()
                .unwrap_or(HtError::ResponderMismatch)
                .into(),
        ),
    }
}

/// Opens a stream naming `from` (the account, as FAST requires), over TLS (direct, or STARTTLS
/// followed by a second header that names `from` again); returns the TLS-protected features.
pub async fn fast_session(connect: Connect, from: &str) -> Result<(Conn, Features), ClientError> {
    let mut c = connect.connect().await?;
    c.open_stream(Some(from)).await?;
    let mut f = Features::parse(&c.features_element().await?);
    if c.tls().is_none() {
        c.negotiate_tls().await?;
        c.open_stream(Some(from)).await?;
        f = Features::parse(&c.features_element().await?);
    }
    Ok((c, f))
}

/// Sends one `<authenticate/>` with the HT initial response for `token` and the inline requests
/// `inline` (`<fast/>`, `<user-agent/>`, `<request-token/>`, Bind 2...), and reads the reply.
/// The kit's own `<user-agent/>` is left out: pass one in `inline`.
pub async fn authenticate_with_token(
    conn: &mut Conn,
    mechanism: &str,
    authcid: &str,
    token: &str,
    inline: &[Element],
) -> Result<Sasl2Reply, FastError> {
    let ir = initiator(mechanism, authcid, token, conn.tls())?;
    let el: Element = crate::build::authenticate(mechanism)
        .initial_response(&ir)
        .without_user_agent()
        .inline(inline.iter().cloned())
        .into();
    conn.send(&el).await?;
    Ok(conn.sasl2_reply().await?)
}

/// A SCRAM password login over SASL2 (the best plain SCRAM mechanism `features` offers) whose
/// `<user-agent/>` carries `ua_id` instead of the kit's fixed id, so FAST tokens can be obtained
/// for a chosen client installation; `extra` are further inline requests (`<request-token/>`).
/// Verifies the server signature like [`crate::login`].
pub async fn password_login(
    conn: &mut Conn,
    features: &Features,
    username: &str,
    password: &str,
    ua_id: &str,
    extra: &[Element],
) -> Result<Login, LoginError> {
    let mech = best_scram(features)
        .ok_or_else(|| LoginError::Mechanism("no SCRAM offered over SASL2".into()))?;
    let script = script_for(conn, mech, username, None)?;
    scram_exchange(conn, mech, &script, password, ua_id, extra).await
}

/// The SASL2 SCRAM exchange of [`password_login`] with the mechanism and client script given
/// (the fuzzer picks both, and builds scripts for unknown users).
pub async fn scram_exchange(
    conn: &mut Conn,
    mech: &str,
    script: &crate::scram::ScramScript,
    password: &str,
    ua_id: &str,
    extra: &[Element],
) -> Result<Login, LoginError> {
    let el: Element = crate::build::authenticate(mech)
        .initial_response(&script.client_first())
        .user_agent_id(ua_id)
        .inline(extra.iter().cloned())
        .into();
    conn.send(&el).await?;
    let first = conn.sasl2_reply().await?;
    let Sasl2Reply::Challenge { data: Some(sf), .. } = first else {
        return Err(LoginError::Reply(first));
    };
    let server_first = ServerFirst::parse(&sf, &script.client_nonce)?;
    let (msg, signature) = script.client_final(&server_first, password, &FinalTweaks::default())?;
    let reply = conn.respond(&msg).await?;
    let Sasl2Reply::Success(success) = reply else {
        return Err(LoginError::Reply(reply));
    };
    match additional_data(&success) {
        Some(Some(v)) if verify_server_final(&v, &signature) => Ok(Login {
            success,
            server_first,
        }),
        _ => Err(LoginError::ServerSignature(
            "additional-data missing or not the server signature".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_reads() {
        let f = fast_request(Some(3), true);
        assert_eq!(f.attr("count"), Some("3"));
        assert_eq!(f.attr("invalidate"), Some("true"));
        assert_eq!(fast_request(None, false).attrs.len(), 0);
        let s = Element::new("success", ns::SASL2).with_child(
            Element::new("token", ns::FAST)
                .with_attr("token", "t")
                .with_attr("expiry", "2026-01-01T00:00:00Z"),
        );
        assert_eq!(issued_token(&s).unwrap().token, "t");
        assert!(issued_token(&Element::new("success", ns::SASL2)).is_none());
        // Digest §2.4.3 vector: HT-SHA-256-NONE, token of the XEP example, authcid `user`.
        let ir = initiator(
            "HT-SHA-256-NONE",
            "user",
            "WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZm",
            None,
        )
        .unwrap();
        assert_eq!(
            crate::sasl2::encode_b64(&ir),
            "dXNlcgCQl3h0YaGE4PqE7ADBOBGQtsTRao7ERTx7KsXn/Pk17Q=="
        );
        assert!(matches!(
            initiator("HT-SHA-256-EXPR", "user", "t", None),
            Err(FastError::NoBinding(_))
        ));
        let ok = Element::new("success", ns::SASL2).with_child(
            Element::new("additional-data", ns::SASL2)
                .with_text("TlE0CWMUdIY7mGyfPoweJ8op0derntQJfnr9YAe/nGI="),
        );
        assert_eq!(
            verify_success(
                "HT-SHA-256-NONE",
                "WXZzciBwYmFmdmZnZiBqdmd1IGp2eXFhcmZm",
                None,
                &ok
            )
            .unwrap(),
            HtDraft::Schmaus09
        );
        assert!(verify_success("HT-SHA-256-NONE", "other", None, &ok).is_err());
    }
}
