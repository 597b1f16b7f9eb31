//! What the target offers, discovered once per run before the cases (issue 15): per TLS version,
//! whether the version is accepted and the stream features of the TLS-protected stream (RFC 6120
//! SASL mechanisms, SASL2 with its inline features, XEP-0440 channel-binding types, registration
//! features), the features before TLS, and the OAuth2 metadata endpoint when `--http` is given.
//!
//! Cases read it through [`crate::CaseCtx::caps`]; the engine uses it to mark cases whose module
//! the target does not offer as `unsupported` once, to expand per-TLS-version cases over the
//! versions the target accepts, and every report opens with it. The wire procedure is in
//! [`discover`]; this module is the record and the questions cases ask of it.

pub mod discover;
pub mod http;

use crate::kinds::{Module, Offer};
use gatecheck_client::TlsMode;
use gatecheck_proto::ns;
use gatecheck_proto::sasl::TlsVersion;
use gatecheck_proto::xml::Element;
use std::collections::BTreeMap;

/// Everything discovery learnt about the target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Capabilities {
    /// STARTTLS or direct TLS; `None` when there was no target to probe (synthetic runs).
    pub transport: Option<TlsMode>,
    /// STARTTLS targets: the stream features before TLS (version-independent, recorded once).
    pub pre_tls: Option<PreTls>,
    /// One entry per TLS version tried (the `--tls` selection).
    pub tls: BTreeMap<TlsVersion, TlsProbe>,
    /// The OAuth2 metadata probe, only with `--http`.
    pub http: Option<HttpProbe>,
}

/// The features of the first (plaintext) stream of a STARTTLS target.
#[derive(Debug, Clone, PartialEq)]
pub struct PreTls {
    /// `Some(required)` when STARTTLS is offered.
    pub starttls: Option<bool>,
    /// RFC 6120 SASL mechanisms offered before TLS (offering any is a finding for the cases).
    pub sasl: Option<Vec<String>>,
    /// The element as received.
    pub features: Element,
}

/// The result of trying one TLS version.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsProbe {
    /// The version could not be used: the handshake (or the stream before it) failed.
    Refused(String),
    /// The version was negotiated; what the TLS-protected stream offers.
    Offered(Box<TlsCaps>),
}

/// What the target offers on a stream protected by one TLS version.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsCaps {
    /// The `<stream:features/>` as received.
    pub features: Element,
    /// RFC 6120 `<mechanisms/>`, if present.
    pub sasl: Option<Vec<String>>,
    /// XEP-0388 `<authentication/>`, if present.
    pub sasl2: Option<Sasl2Caps>,
    /// XEP-0440 `<sasl-channel-binding/>` types, if present (`None` entries: a
    /// `<channel-binding/>` without `type`, kept so the cases can judge it).
    pub cb_types: Option<Vec<Option<String>>>,
    /// Registration stream features.
    pub register: Register,
    /// TLS 1.2 only: whether the server negotiates the extended master secret (RFC 7627), which
    /// RFC 9266 §4.2 requires for `tls-exporter` on TLS 1.2. `None` on TLS 1.3 or when unknown.
    pub ems: Option<bool>,
}

/// The SASL2 offer and its inline features.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sasl2Caps {
    /// Mechanism names as advertised (text content, trimmed).
    pub mechanisms: Vec<String>,
    /// Inline Bind 2 (XEP-0386): `Some(features offered inline with bind)`.
    pub bind2: Option<Vec<String>>,
    /// Inline FAST (XEP-0484): `Some(its mechanisms)`.
    pub fast: Option<Vec<String>>,
    /// Inline stream management (XEP-0198).
    pub sm: bool,
}

/// Registration-related stream features (XEP-0077, XEP-0401, XEP-0445).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Register {
    /// `<register xmlns='http://jabber.org/features/iq-register'/>`.
    pub iq_register: bool,
    /// `<register xmlns='urn:xmpp:invite'/>`.
    pub invite: bool,
    /// `<register xmlns='urn:xmpp:ibr-token:0'/>`.
    pub ibr_token: bool,
}

/// The OAuth2 authorization-server metadata probe (RFC 8414 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpProbe {
    /// The `--http` base URL.
    pub base: String,
    /// The HTTP status of `GET /.well-known/oauth-authorization-server`, or why there was none.
    pub metadata: Result<u16, String>,
}

impl HttpProbe {
    /// Whether the metadata endpoint answered 200.
    pub fn reachable(&self) -> bool {
        self.metadata == Ok(200)
    }
}

fn texts(parent: &Element, name: &str, namespace: &str) -> Vec<String> {
    parent
        .children_named(name, namespace)
        .map(|e| e.text().trim().to_owned())
        .collect()
}

impl TlsCaps {
    /// Read the capabilities out of a TLS-protected stream's features.
    pub fn parse(features: &Element) -> TlsCaps {
        let sasl = features
            .child("mechanisms", ns::SASL)
            .map(|m| texts(m, "mechanism", ns::SASL));
        let sasl2 = features.child("authentication", ns::SASL2).map(|a| {
            let inline = a.child("inline", ns::SASL2);
            let bind2 = inline.and_then(|i| i.child("bind", ns::BIND2)).map(|b| {
                b.child("inline", ns::BIND2)
                    .map(|i| {
                        i.children_named("feature", ns::BIND2)
                            .filter_map(|f| f.attr("var").map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            });
            let fast = inline
                .and_then(|i| i.child("fast", ns::FAST))
                .map(|f| texts(f, "mechanism", ns::FAST));
            Sasl2Caps {
                mechanisms: texts(a, "mechanism", ns::SASL2),
                bind2,
                fast,
                sm: inline.is_some_and(|i| i.child("sm", ns::SM).is_some()),
            }
        });
        let cb_types = features
            .child("sasl-channel-binding", ns::SASL_CB)
            .map(|c| {
                c.children_named("channel-binding", ns::SASL_CB)
                    .map(|b| b.attr("type").map(str::to_owned))
                    .collect()
            });
        let register = Register {
            iq_register: features.child("register", ns::REGISTER_FEATURE).is_some(),
            invite: features.child("register", ns::INVITE).is_some(),
            ibr_token: features.child("register", ns::IBR_TOKEN).is_some(),
        };
        TlsCaps {
            features: features.clone(),
            sasl,
            sasl2,
            cb_types,
            register,
            ems: None,
        }
    }

    /// Whether this stream offers `offer` (`Http` is not a stream feature: always false here).
    pub fn offers(&self, offer: Offer) -> bool {
        match offer {
            Offer::Sasl => self.sasl.is_some(),
            Offer::Sasl2 => self.sasl2.is_some(),
            Offer::Bind2 => self.sasl2.as_ref().is_some_and(|s| s.bind2.is_some()),
            Offer::Fast => self.sasl2.as_ref().is_some_and(|s| s.fast.is_some()),
            Offer::Register => self.register.iq_register,
            Offer::Invite => self.register.invite || self.register.ibr_token,
            Offer::Http => false,
        }
    }
}

impl Capabilities {
    /// Whether discovery learnt anything: at least one TLS version was negotiated. When it did
    /// not (no target, or the target never completed a stream), nothing is known to be missing,
    /// so [`Capabilities::offers`] says yes and cases report what they actually meet.
    pub fn known(&self) -> bool {
        self.tls.values().any(|p| matches!(p, TlsProbe::Offered(_)))
    }

    /// The TLS versions the target accepted, oldest first.
    pub fn versions(&self) -> Vec<TlsVersion> {
        self.tls
            .iter()
            .filter(|(_, p)| matches!(p, TlsProbe::Offered(_)))
            .map(|(v, _)| *v)
            .collect()
    }

    /// What the stream under `version` offers, if that version was accepted.
    pub fn on(&self, version: TlsVersion) -> Option<&TlsCaps> {
        match self.tls.get(&version) {
            Some(TlsProbe::Offered(c)) => Some(c),
            _ => None,
        }
    }

    /// Whether the target offers `offer` under any accepted TLS version (`Http`: the metadata
    /// endpoint answered 200). True when discovery learnt nothing (see [`Capabilities::known`]).
    pub fn offers(&self, offer: Offer) -> bool {
        if offer == Offer::Http {
            return self.http.as_ref().is_some_and(HttpProbe::reachable);
        }
        !self.known()
            || self.tls.values().any(|p| match p {
                TlsProbe::Offered(c) => c.offers(offer),
                TlsProbe::Refused(_) => false,
            })
    }

    /// Whether the stream under `version` offers `offer` (false when the version was refused).
    pub fn offers_on(&self, offer: Offer, version: TlsVersion) -> bool {
        self.on(version).is_some_and(|c| c.offers(offer))
    }

    /// RFC 6120 SASL mechanisms under `version` (empty when not offered).
    pub fn sasl_mechanisms(&self, version: TlsVersion) -> &[String] {
        self.on(version)
            .and_then(|c| c.sasl.as_deref())
            .unwrap_or(&[])
    }

    /// SASL2 mechanisms under `version` (empty when not offered).
    pub fn sasl2_mechanisms(&self, version: TlsVersion) -> &[String] {
        self.on(version)
            .and_then(|c| c.sasl2.as_ref())
            .map_or(&[], |s| s.mechanisms.as_slice())
    }

    /// FAST mechanisms inline in SASL2 under `version` (empty when FAST is not offered).
    pub fn fast_mechanisms(&self, version: TlsVersion) -> &[String] {
        self.on(version)
            .and_then(|c| c.sasl2.as_ref())
            .and_then(|s| s.fast.as_deref())
            .unwrap_or(&[])
    }

    /// TLS 1.2: whether the server negotiates the extended master secret (`None` on TLS 1.3 or
    /// when the version was refused).
    pub fn ems(&self, version: TlsVersion) -> Option<bool> {
        self.on(version).and_then(|c| c.ems)
    }

    /// XEP-0440 channel-binding types (those with a `type`) under `version`.
    pub fn cb_types(&self, version: TlsVersion) -> Vec<&str> {
        self.on(version)
            .and_then(|c| c.cb_types.as_ref())
            .map(|t| t.iter().flatten().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Whether the target offers `module` at all (what `--require` checks). Unlike
    /// [`Capabilities::offers`], nothing known means not offered: a requirement cannot be
    /// confirmed against a target that never completed a stream. `scram` is offered when
    /// either SASL profile has a SCRAM mechanism on some accepted version.
    pub fn module_offered(&self, module: Module) -> bool {
        if module.offer() == Some(Offer::Http) {
            return self.offers(Offer::Http);
        }
        if !self.known() {
            return false;
        }
        match module.offer() {
            Some(offer) => self.offers(offer),
            None => self.versions().into_iter().any(|v| {
                self.sasl_mechanisms(v)
                    .iter()
                    .chain(self.sasl2_mechanisms(v))
                    .any(|m| m.starts_with("SCRAM-"))
            }),
        }
    }

    /// Every mechanism name offered anywhere on the target (RFC 6120 SASL, SASL2, FAST), sorted
    /// and deduplicated: the "(offered: …)" of a "not offered" line.
    pub fn all_mechanisms(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .tls
            .values()
            .filter_map(|p| match p {
                TlsProbe::Offered(c) => Some(c),
                TlsProbe::Refused(_) => None,
            })
            .flat_map(|c| {
                let sasl2 = c.sasl2.clone().unwrap_or_default();
                c.sasl
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .chain(sasl2.mechanisms)
                    .chain(sasl2.fast.unwrap_or_default())
            })
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::xml::{Limits, parse_element};

    const FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
        <authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256</mechanism>\
        <mechanism> SCRAM-SHA-256-PLUS </mechanism><inline><sm xmlns='urn:xmpp:sm:3'/>\
        <bind xmlns='urn:xmpp:bind:0'><inline><feature var='urn:xmpp:sm:3'/></inline></bind>\
        <fast xmlns='urn:xmpp:fast:0'><mechanism>HT-SHA-256-NONE</mechanism></fast></inline>\
        </authentication><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>\
        <channel-binding type='tls-exporter'/><channel-binding/>\
        </sasl-channel-binding><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
        <mechanism>PLAIN</mechanism></mechanisms>\
        <register xmlns='urn:xmpp:invite'/></stream:features>";

    fn caps() -> Capabilities {
        let el = parse_element(FEATURES, &Limits::default()).expect("xml");
        let mut c = Capabilities::default();
        c.tls.insert(
            TlsVersion::Tls13,
            TlsProbe::Offered(Box::new(TlsCaps::parse(&el))),
        );
        c.tls
            .insert(TlsVersion::Tls12, TlsProbe::Refused("handshake".into()));
        c
    }

    #[test]
    fn parses_every_offer() {
        let c = caps();
        let v = TlsVersion::Tls13;
        assert_eq!(c.versions(), [v]);
        assert_eq!(c.sasl_mechanisms(v), ["PLAIN"]);
        assert_eq!(
            c.sasl2_mechanisms(v),
            ["SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"]
        );
        assert_eq!(c.fast_mechanisms(v), ["HT-SHA-256-NONE"]);
        assert_eq!(c.cb_types(v), ["tls-exporter"]);
        let raw = c.on(v).and_then(|t| t.cb_types.clone()).expect("xep-0440");
        assert_eq!(raw.len(), 2, "a typeless <channel-binding/> is kept");
        for o in [
            Offer::Sasl,
            Offer::Sasl2,
            Offer::Bind2,
            Offer::Fast,
            Offer::Invite,
        ] {
            assert!(c.offers(o), "{o}");
        }
        assert!(!c.offers(Offer::Register));
        assert!(!c.offers(Offer::Http));
        assert!(!c.offers_on(Offer::Sasl2, TlsVersion::Tls12));
        assert!(c.sasl2_mechanisms(TlsVersion::Tls12).is_empty());
        assert_eq!(
            c.all_mechanisms(),
            [
                "HT-SHA-256-NONE",
                "PLAIN",
                "SCRAM-SHA-256",
                "SCRAM-SHA-256-PLUS"
            ]
        );
    }

    #[test]
    fn modules_offered_for_require() {
        let c = caps();
        assert!(c.module_offered(Module::Sasl2));
        assert!(c.module_offered(Module::Scram));
        assert!(c.module_offered(Module::Fast));
        assert!(!c.module_offered(Module::Oauth2));
        assert!(!Capabilities::default().module_offered(Module::Sasl2));
    }

    #[test]
    fn nothing_known_means_nothing_missing() {
        let mut c = Capabilities::default();
        assert!(c.offers(Offer::Sasl2));
        c.tls
            .insert(TlsVersion::Tls13, TlsProbe::Refused("no".into()));
        assert!(!c.known());
        assert!(c.offers(Offer::Fast));
        assert!(!c.offers(Offer::Http), "HTTP is known from --http alone");
    }
}
