//! `<stream:features/>` parsed into what the cases ask about (SASL2 mechanisms and inline features,
//! legacy SASL, XEP-0440 channel-binding types, STARTTLS), plus order-insensitive comparison,
//! because child order carries no meaning and order-sensitive matching made other suites flaky.

use crate::compare::canonical;
use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

/// The SASL2 `<authentication/>` feature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sasl2Offer {
    /// Mechanism names in advertised order, trimmed of surrounding whitespace (for matching).
    pub mechanisms: Vec<String>,
    /// The same names verbatim (for the SASL2-3 syntax check only).
    pub raw_mechanisms: Vec<String>,
    /// Children of `<inline/>` (empty when absent).
    pub inline: Vec<Element>,
}

impl Sasl2Offer {
    /// Whether `name` was advertised.
    pub fn offers(&self, name: &str) -> bool {
        self.mechanisms.iter().any(|m| m == name)
    }

    /// The inline Bind 2 offer, if any.
    pub fn bind2(&self) -> Option<&Element> {
        self.inline.iter().find(|e| e.is("bind", ns::BIND2))
    }

    /// Mechanisms offered inside the inline FAST feature (empty if FAST is not offered).
    pub fn fast_mechanisms(&self) -> Vec<String> {
        self.inline
            .iter()
            .find(|e| e.is("fast", ns::FAST))
            .map(|f| {
                f.children_named("mechanism", ns::FAST)
                    .map(|m| m.text().trim().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether inline SM resumption is offered.
    pub fn inline_sm(&self) -> bool {
        self.inline.iter().any(|e| e.is("sm", ns::SM))
    }
}

/// One stream-features element, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features {
    /// The element as received.
    pub element: Element,
    /// SASL2 offer.
    pub sasl2: Option<Sasl2Offer>,
    /// RFC 6120 `<mechanisms/>` names, if offered (trimmed, for matching).
    pub legacy_mechanisms: Option<Vec<String>>,
    /// The RFC 6120 names verbatim (for the syntax check only).
    pub legacy_raw_mechanisms: Option<Vec<String>>,
    /// XEP-0440 channel-binding types, if the element is present (possibly empty: a violation).
    pub channel_binding: Option<Vec<String>>,
    /// `<channel-binding/>` children without a (non-empty) `type` (a SASL2-120 violation).
    pub untyped_channel_bindings: usize,
    /// STARTTLS: `Some(required)` when offered.
    pub starttls: Option<bool>,
}

impl Features {
    /// Parse a `<stream:features/>` element (never fails: absent parts are `None`).
    pub fn parse(element: &Element) -> Features {
        let trimmed = |v: &[String]| v.iter().map(|m| m.trim().to_owned()).collect::<Vec<_>>();
        let sasl2 = element
            .child("authentication", ns::SASL2)
            .map(|a| {
                let raw: Vec<String> = a
                    .children_named("mechanism", ns::SASL2)
                    .map(Element::text)
                    .collect();
                (a, raw)
            })
            .map(|(a, raw)| Sasl2Offer {
                mechanisms: trimmed(&raw),
                raw_mechanisms: raw,
                inline: a
                    .child("inline", ns::SASL2)
                    .map(|i| i.elements().cloned().collect())
                    .unwrap_or_default(),
            });
        let legacy_raw_mechanisms: Option<Vec<String>> =
            element.child("mechanisms", ns::SASL).map(|m| {
                m.children_named("mechanism", ns::SASL)
                    .map(Element::text)
                    .collect()
            });
        let legacy_mechanisms = legacy_raw_mechanisms.as_deref().map(trimmed);
        let cb = element.child("sasl-channel-binding", ns::SASL_CB);
        let channel_binding = cb.map(|c| {
            c.children_named("channel-binding", ns::SASL_CB)
                .filter_map(|b| b.attr("type").filter(|t| !t.is_empty()).map(str::to_owned))
                .collect()
        });
        let untyped_channel_bindings = cb.map_or(0, |c| {
            c.children_named("channel-binding", ns::SASL_CB)
                .filter(|b| b.attr("type").is_none_or(str::is_empty))
                .count()
        });
        let starttls = element
            .child("starttls", ns::TLS)
            .map(|s| s.child("required", ns::TLS).is_some());
        Features {
            element: element.clone(),
            sasl2,
            legacy_mechanisms,
            legacy_raw_mechanisms,
            channel_binding,
            untyped_channel_bindings,
            starttls,
        }
    }

    /// SASL2 mechanisms advertised (empty when SASL2 is not offered).
    pub fn mechanisms(&self) -> &[String] {
        self.sasl2.as_ref().map_or(&[], |s| s.mechanisms.as_slice())
    }

    /// Advertised channel-binding types (empty when XEP-0440 is absent).
    pub fn cb_types(&self) -> &[String] {
        self.channel_binding.as_deref().unwrap_or(&[])
    }

    /// Every channel-binding mechanism offered anywhere in these features: SCRAM `-PLUS` in SASL2
    /// and in RFC 6120 SASL, and the FAST `HT-*-UNIQ`/`-ENDP`/`-EXPR` mechanisms (deduplicated).
    pub fn cb_mechanisms(&self) -> Vec<String> {
        let fast = self
            .sasl2
            .as_ref()
            .map(Sasl2Offer::fast_mechanisms)
            .unwrap_or_default();
        let mut v: Vec<String> = Vec::new();
        let all = self
            .mechanisms()
            .iter()
            .chain(self.legacy_mechanisms.iter().flatten())
            .chain(fast.iter());
        for m in all {
            let m = m.trim();
            let cb = m.ends_with("-PLUS")
                || (m.starts_with("HT-")
                    && ["-UNIQ", "-ENDP", "-EXPR"].iter().any(|s| m.ends_with(s)));
            if cb && !v.iter().any(|x| x == m) {
                v.push(m.to_owned());
            }
        }
        v
    }

    /// Whether these features equal `other` ignoring the order of children and attributes.
    pub fn same_as(&self, other: &Features) -> bool {
        canonical(&self.element) == canonical(&other.element)
    }
}

/// RFC 4422 §3.1 mechanism name: 1 to 20 characters of `A-Z`, `0-9`, `-`, `_`.
pub fn valid_mechanism_name(name: &str) -> bool {
    (1..=20).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::xml::{Limits, parse_element};

    const FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
        <authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256</mechanism>\
        <mechanism>SCRAM-SHA-256-PLUS</mechanism><inline><sm xmlns='urn:xmpp:sm:3'/>\
        <bind xmlns='urn:xmpp:bind:0'><inline><feature var='urn:xmpp:sm:3'/></inline></bind>\
        <fast xmlns='urn:xmpp:fast:0'><mechanism>HT-SHA-256-NONE</mechanism></fast></inline>\
        </authentication><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>\
        <channel-binding type='tls-server-end-point'/><channel-binding type='tls-exporter'/>\
        </sasl-channel-binding><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
        <mechanism>PLAIN</mechanism></mechanisms></stream:features>";

    fn parse(s: &str) -> Features {
        Features::parse(&parse_element(s, &Limits::default()).expect("xml"))
    }

    #[test]
    fn parses_every_part() {
        let f = parse(FEATURES);
        let s = f.sasl2.as_ref().expect("sasl2");
        assert_eq!(s.mechanisms, ["SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"]);
        assert!(s.offers("SCRAM-SHA-256-PLUS") && !s.offers("PLAIN"));
        assert!(s.bind2().is_some());
        assert!(s.inline_sm());
        assert_eq!(s.fast_mechanisms(), ["HT-SHA-256-NONE"]);
        assert_eq!(f.cb_types(), ["tls-server-end-point", "tls-exporter"]);
        assert_eq!(
            f.legacy_mechanisms.as_deref(),
            Some(&["PLAIN".to_owned()][..])
        );
        assert_eq!(f.starttls, None);
        assert_eq!(f.cb_mechanisms(), ["SCRAM-SHA-256-PLUS"]);
        assert_eq!(f.untyped_channel_bindings, 0);
    }

    #[test]
    fn trims_for_matching_and_keeps_untyped_bindings() {
        let f = parse(
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
             <authentication xmlns='urn:xmpp:sasl:2'><mechanism>\n SCRAM-SHA-256\n</mechanism>\
             </authentication><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>\
             <channel-binding type='tls-exporter'/><channel-binding/></sasl-channel-binding>\
             <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1-PLUS\
             </mechanism></mechanisms></stream:features>",
        );
        let s = f.sasl2.as_ref().expect("sasl2");
        assert!(s.offers("SCRAM-SHA-256"));
        assert_eq!(s.raw_mechanisms, ["\n SCRAM-SHA-256\n"]);
        assert_eq!(f.cb_types(), ["tls-exporter"]);
        assert_eq!(f.untyped_channel_bindings, 1);
        assert_eq!(f.cb_mechanisms(), ["SCRAM-SHA-1-PLUS"]);
    }

    #[test]
    fn parses_starttls_and_absences() {
        let f = parse(
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
             <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>",
        );
        assert_eq!(f.starttls, Some(true));
        assert!(f.sasl2.is_none() && f.channel_binding.is_none());
        assert!(f.mechanisms().is_empty() && f.cb_types().is_empty());
    }

    #[test]
    fn comparison_ignores_order_but_not_content() {
        let a = parse(FEATURES);
        let reordered = FEATURES
            .replace(
                "<channel-binding type='tls-server-end-point'/><channel-binding type='tls-exporter'/>",
                "<channel-binding type='tls-exporter'/> <channel-binding type='tls-server-end-point'/>",
            )
            .replace(
                "<mechanism>SCRAM-SHA-256</mechanism>\
        <mechanism>SCRAM-SHA-256-PLUS</mechanism>",
                "<mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism>",
            );
        assert_ne!(reordered, FEATURES);
        assert!(a.same_as(&parse(&reordered)));
        let changed = FEATURES.replace("tls-exporter", "tls-unique");
        assert!(!a.same_as(&parse(&changed)));
    }

    #[test]
    fn mechanism_names() {
        for ok in ["SCRAM-SHA-1", "PLAIN", "X_Y-1", "ABCDEFGHIJKLMNOPQRST"] {
            assert!(valid_mechanism_name(ok), "{ok}");
        }
        for bad in ["", "scram-sha-1", "A B", "ABCDEFGHIJKLMNOPQRSTU", "É"] {
            assert!(!valid_mechanism_name(bad), "{bad}");
        }
    }
}
