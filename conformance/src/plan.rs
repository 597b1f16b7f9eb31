//! From the selected cases and what the target offers to the list of runs: each case expanded
//! into its variants (one per offered profile, one per accepted TLS version), and each variant
//! either runnable or decided before it starts (`unsupported` when the target does not offer
//! what it needs, `skip` when the user did not supply what it needs).

use crate::capabilities::Capabilities;
use crate::case::{Capability, Case, Variant};
use crate::config::RunConfig;
use crate::kinds::{Offer, Profile};
use crate::outcome::{self, Outcome};
use gatecheck_proto::sasl::TlsVersion;

/// The one wording of a case whose target lacks something it needs (issue 15): the text report
/// groups every case with this message into one line.
pub fn not_offered(offer: Offer) -> String {
    format!("{offer}: not offered")
}

/// [`not_offered`] for one TLS version: the target offers it, but not on this version.
pub fn not_offered_on(offer: Offer, version: TlsVersion) -> String {
    format!("{offer}: not offered on {}", version.label())
}

/// If `message` is a "not offered" wording, the offer it names.
pub fn offer_not_offered(message: &str) -> Option<Offer> {
    let name = message.strip_suffix(": not offered")?;
    Offer::ALL.into_iter().find(|o| o.as_str() == name)
}

/// One run of one case.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The case.
    pub case: Case,
    /// Its profile and TLS version (both `None` for a case with one variant).
    pub variant: Variant,
    /// The result id: `case.id` plus the variant suffix.
    pub id: String,
    /// The TLS version every connection offers: the variant's, else the one `--tls` picked.
    pub pinned: Option<TlsVersion>,
    /// Decided without running (unsupported / skip); `None`: run the body.
    pub decided: Option<Outcome>,
}

/// The capability a case needs that the configuration lacks, with the option that would supply it.
pub fn missing_capability(case: &Case, config: &RunConfig) -> Option<String> {
    case.needs.iter().find_map(|cap| {
        let have = match cap {
            // Both target schemes are TLS-protected, and so is the embedded server.
            Capability::Tls => true,
            Capability::Account => !config.accounts.is_empty(),
            Capability::SecondAccount => config.accounts.len() >= 2,
            Capability::InviteMinting => {
                config.invite_cmd.is_some() || config.invite_hook.is_some()
            }
            Capability::Admin => config.admin.is_some(),
            Capability::Http => config.http.is_some(),
        };
        let how = match cap {
            Capability::Tls => "a TLS-capable target",
            Capability::Account => "an account (--account JID:PASSWORD)",
            Capability::SecondAccount => "a second account (a second --account)",
            Capability::InviteMinting => "a way to mint invitations (--invite-cmd)",
            Capability::Admin => "administrator credentials (--admin)",
            Capability::Http => "an HTTP base URL (--http)",
        };
        (!have).then(|| format!("needs {how}"))
    })
}

/// The profiles a case runs over: those it lists that the target offers (all it lists when
/// discovery learnt nothing). Empty list: the case is not per profile.
fn profiles(case: &Case, caps: &Capabilities) -> Vec<Option<Profile>> {
    if case.profiles.is_empty() {
        return vec![None];
    }
    case.profiles
        .iter()
        .filter(|p| caps.offers(p.offer()))
        .map(|p| Some(*p))
        .collect()
}

/// The TLS versions a per-TLS case runs under: the selected ones the target accepted (the
/// selected ones when discovery learnt nothing).
fn versions(case: &Case, caps: &Capabilities, config: &RunConfig) -> Vec<Option<TlsVersion>> {
    if !case.per_tls {
        return vec![None];
    }
    let selected = config.tls.versions();
    let accepted: Vec<TlsVersion> = caps
        .versions()
        .into_iter()
        .filter(|v| selected.contains(v))
        .collect();
    let vs = if accepted.is_empty() {
        selected
    } else {
        accepted
    };
    vs.into_iter().map(Some).collect()
}

/// Whether this variant's target offers everything the case needs; else the "not offered"
/// outcome. A per-TLS variant is judged on its own version's stream.
fn offered(case: &Case, variant: Variant, caps: &Capabilities) -> Option<Outcome> {
    let needed = case
        .offers
        .iter()
        .copied()
        .chain(variant.profile.map(Profile::offer));
    for offer in needed {
        if !caps.offers(offer) {
            return Some(outcome::unsupported(not_offered(offer)));
        }
        if let Some(v) = variant.tls
            && caps.known()
            && offer != Offer::Http
            && !caps.offers_on(offer, v)
        {
            return Some(outcome::unsupported(not_offered_on(offer, v)));
        }
    }
    None
}

/// Expand the selected cases into their runs, in registry order.
pub fn plan(cases: &[Case], caps: &Capabilities, config: &RunConfig) -> Vec<Planned> {
    let mut out = Vec::new();
    for case in cases {
        let profiles = profiles(case, caps);
        if profiles.is_empty() {
            // Lists profiles, none offered: one result for the case, said once.
            let first = case.profiles.first().copied().unwrap_or(Profile::Sasl2);
            out.push(Planned {
                case: case.clone(),
                variant: Variant::default(),
                id: case.id.clone(),
                pinned: config.tls.pinned(),
                decided: Some(outcome::unsupported(not_offered(first.offer()))),
            });
            continue;
        }
        for profile in profiles {
            for tls in versions(case, caps, config) {
                let variant = Variant { profile, tls };
                let decided = offered(case, variant, caps)
                    .or_else(|| missing_capability(case, config).map(outcome::skip));
                out.push(Planned {
                    case: case.clone(),
                    variant,
                    id: variant.id(&case.id),
                    pinned: tls.or(config.tls.pinned()),
                    decided,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::{TlsCaps, TlsProbe};
    use crate::case::Module;
    use gatecheck_proto::xml::{Limits, parse_element};

    fn caps_with(features: &str, versions: &[TlsVersion]) -> Capabilities {
        let el = parse_element(features, &Limits::default()).expect("xml");
        let mut c = Capabilities::default();
        for v in versions {
            c.tls
                .insert(*v, TlsProbe::Offered(Box::new(TlsCaps::parse(&el))));
        }
        c
    }

    const SASL_ONLY: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
        <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-256</mechanism>\
        </mechanisms></stream:features>";

    fn ids(p: &[Planned]) -> Vec<&str> {
        p.iter().map(|p| p.id.as_str()).collect()
    }

    #[test]
    fn expands_per_offered_profile_and_accepted_version() {
        let caps = caps_with(SASL_ONLY, &TlsVersion::ALL);
        let config = RunConfig::default();
        let scram = Case::new("scram.nonce", Module::Scram, "n")
            .profiles(&[Profile::Sasl, Profile::Sasl2])
            .per_tls();
        let p = plan(&[scram], &caps, &config);
        assert_eq!(
            ids(&p),
            ["scram.nonce@sasl@tls1.2", "scram.nonce@sasl@tls1.3"]
        );
        assert!(p.iter().all(|p| p.decided.is_none()));
        assert_eq!(p[0].pinned, Some(TlsVersion::Tls12));
    }

    #[test]
    fn missing_offer_is_unsupported_with_the_shared_wording() {
        let caps = caps_with(SASL_ONLY, &[TlsVersion::Tls13]);
        let config = RunConfig {
            tls: crate::config::TlsChoice::Tls13,
            ..RunConfig::default()
        };
        let c = Case::new("sasl2.features.stable", Module::Sasl2, "s")
            .offers(&[Offer::Sasl2])
            .per_tls();
        let p = plan(&[c], &caps, &config);
        assert_eq!(ids(&p), ["sasl2.features.stable@tls1.3"]);
        let o = p[0].decided.clone().expect("decided");
        assert_eq!(o.verdict, crate::outcome::Verdict::Unsupported);
        assert_eq!(o.message.as_deref(), Some("sasl2: not offered"));
        assert_eq!(offer_not_offered("sasl2: not offered"), Some(Offer::Sasl2));
        let only = Case::new("scram.x", Module::Scram, "x").profiles(&[Profile::Sasl2]);
        let p = plan(&[only], &caps, &config);
        assert_eq!(ids(&p), ["scram.x"], "said once, under the base id");
        assert_eq!(
            p[0].pinned,
            Some(TlsVersion::Tls13),
            "--tls pins every case"
        );
    }

    #[test]
    fn a_version_without_the_offer_is_unsupported_on_that_version() {
        let mut caps = caps_with(SASL_ONLY, &[TlsVersion::Tls12]);
        let sasl2 = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
            <authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism></authentication>\
            </stream:features>";
        let el = parse_element(sasl2, &Limits::default()).expect("xml");
        caps.tls.insert(
            TlsVersion::Tls13,
            TlsProbe::Offered(Box::new(TlsCaps::parse(&el))),
        );
        let c = Case::new("sasl2.a.b", Module::Sasl2, "s")
            .offers(&[Offer::Sasl2])
            .per_tls();
        let p = plan(&[c], &caps, &RunConfig::default());
        assert_eq!(
            p[0].decided.as_ref().and_then(|o| o.message.as_deref()),
            Some("sasl2: not offered on tls1.2")
        );
        assert!(p[1].decided.is_none());
    }

    #[test]
    fn user_preconditions_still_skip() {
        let caps = Capabilities::default();
        let config = RunConfig::default();
        let c = Case::new("sasl2.a.b", Module::Sasl2, "s")
            .offers(&[Offer::Sasl2])
            .needs(&[Capability::Account]);
        let p = plan(&[c], &caps, &config);
        let o = p[0].decided.clone().expect("skip");
        assert_eq!(o.verdict, crate::outcome::Verdict::Skip);
    }
}
