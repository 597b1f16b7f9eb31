//! SCRAM and channel binding, tested as the mechanism independent of the profile it runs over:
//! each case runs over the SASL profile of its variant ([`profile`]: RFC 6120 SASL or SASL2),
//! for every offered SCRAM hash (servers have per-hash code paths) and, for channel binding, for
//! every advertised type. Negative inputs are valid in every respect but the one under test.

use crate::cases::prelude::*;
use gatecheck_client::AuthProfile;
use gatecheck_client::login::{scram_hash, scram_mechanisms};
use gatecheck_proto::sasl::{ChannelBindingType, ScramHash, TlsVersion, ssdp};

mod negative;
mod positive;

/// The base registration of the SCRAM cases (`..SCRAM`): module `scram`, run over each SASL
/// profile the target offers (`@sasl`, `@sasl2`).
const SCRAM: Spec = Spec {
    profiles: &[Profile::Sasl, Profile::Sasl2],
    ..Spec::module(Module::Scram)
};

/// The SCRAM cases, in registry order.
pub fn cases() -> Vec<Case> {
    let mut v = positive::cases();
    v.extend(negative::cases());
    v
}

/// The hash of a SCRAM mechanism name (SHA-256 for anything else, which the callers never pass).
fn hash_of(mech: &str) -> ScramHash {
    scram_hash(mech).map_or(ScramHash::Sha256, |(h, _)| h)
}

/// The XEP-0474 `h=` a server offering `mechanisms` and `cb_types` sends with `mechanism`.
fn ssdp_h(mechanism: &str, mechanisms: &[String], cb_types: &[String]) -> Option<String> {
    let (hash, _) = scram_hash(mechanism)?;
    Some(ssdp::downgrade_hash(hash, mechanisms, cb_types))
}

/// A fresh TLS stream offering the variant's profile, and its features.
async fn fresh(ctx: &CaseCtx, p: AuthProfile, label: &str) -> Flow<(Conn, Features)> {
    let (c, f, _) = profile_session(ctx, p, label).await?;
    Ok((c, f))
}

/// The SCRAM mechanisms (`plus`: the -PLUS ones) the profile offers, read on a first stream that
/// is returned too (its channel-binding data serves as "a previous connection's").
async fn offered(ctx: &CaseCtx, p: AuthProfile, plus: bool) -> Flow<(Conn, Features, Vec<String>)> {
    let (c, f) = fresh(ctx, p, "c0").await?;
    let mechs = scram_mechanisms(p, &f, plus);
    if mechs.is_empty() {
        let what = if plus { "SCRAM -PLUS" } else { "plain SCRAM" };
        return Err(unsupported(format!(
            "no {what} mechanism offered over {}",
            p.title()
        )));
    }
    Ok((c, f, mechs))
}

/// The TLS version of a connection (`None` before TLS).
fn version(c: &Conn) -> Option<TlsVersion> {
    c.tls().map(|t| t.version)
}

/// The advertised channel-binding types the suite can compute on `c`, in advertised order.
fn computable(c: &Conn, f: &Features) -> Vec<String> {
    f.cb_types()
        .iter()
        .filter(|t| binding_data(c.tls(), t).is_some())
        .cloned()
        .collect()
}

/// The channel-binding type to bind with on `c`: the preferred advertised one, or, when the
/// server advertises no XEP-0440 types at all, the RFC 9266 §3 default for TLS 1.3
/// (tls-exporter); `None` when neither applies.
fn binding_for(c: &Conn, f: &Features) -> Option<&'static str> {
    preferred_binding(f).or_else(|| {
        (f.channel_binding.is_none() && version(c) == Some(TlsVersion::Tls13))
            .then_some("tls-exporter")
    })
}

/// The types to exercise on `c`: the advertised computable ones, or the RFC 9266 default on
/// TLS 1.3 when no XEP-0440 types are advertised.
fn exercisable(c: &Conn, f: &Features) -> Vec<String> {
    if f.channel_binding.is_none() && version(c) == Some(TlsVersion::Tls13) {
        return vec!["tls-exporter".to_owned()];
    }
    computable(c, f)
}

/// Whether `t` is defined on `v` (RFC 9266: tls-unique is not defined on TLS 1.3); unknown
/// names count as defined (the suite cannot tell).
fn defined_on(t: &str, v: Option<TlsVersion>) -> bool {
    match (ChannelBindingType::from_name(t), v) {
        (Some(cb), Some(v)) => v.defines(cb),
        _ => true,
    }
}

/// A failure as a verdict for a rejected deviation: exactly one condition passes (the specs map
/// no SCRAM error to a particular condition); several or none fail SASL2-24 (SASL2) or SASL2-203
/// (RFC 6120 SASL).
fn judge_rejection(p: AuthProfile, req: &str, reply: &Sasl2Reply) -> Outcome {
    let count_req = match p {
        AuthProfile::Sasl2 => "SASL2-24",
        AuthProfile::Sasl => "SASL2-203",
    };
    match reply {
        Sasl2Reply::Failure { conditions, .. } if conditions.len() == 1 => {
            pass().with_message(format!("rejected with <{}/>", conditions.join("")))
        }
        Sasl2Reply::Failure { conditions, .. } => fail(
            count_req,
            "exactly one RFC 6120 condition in <failure/>",
            format!("{conditions:?}"),
        ),
        other => fail(req, "<failure/>", other.describe()),
    }
}

#[cfg(test)]
mod tests {
    use super::{defined_on, ssdp_h};
    use gatecheck_proto::sasl::TlsVersion;

    /// The digest's §3.4 row for SCRAM-SHA-1, through the mechanism-name lookup.
    #[test]
    fn ssdp_uses_the_mechanisms_hash() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            ssdp_h(
                "SCRAM-SHA-1",
                &s(&["SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"]),
                &s(&["tls-server-end-point", "tls-exporter"])
            )
            .as_deref(),
            Some("G6k/rBLDqgOhRRaCuuatSDFkJ08=")
        );
        assert_eq!(ssdp_h("PLAIN", &[], &[]), None);
    }

    #[test]
    fn tls_unique_is_undefined_on_tls13_only() {
        assert!(!defined_on("tls-unique", Some(TlsVersion::Tls13)));
        assert!(defined_on("tls-unique", Some(TlsVersion::Tls12)));
        assert!(defined_on("tls-exporter", Some(TlsVersion::Tls13)));
        assert!(defined_on("x-unknown", Some(TlsVersion::Tls13)));
    }
}
