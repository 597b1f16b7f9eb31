//! What a case body receives: the run configuration, its transcript, its seed, the variant it
//! runs as (profile, TLS version) and what capability discovery learnt about the target.

use crate::capabilities::Capabilities;
use crate::config::{Account, RunConfig};
use crate::kinds::{Profile, Variant};
use crate::transcript::{SecretKind, Transcript};
use gatecheck_proto::sasl::TlsVersion;
use std::sync::Arc;
use std::time::Duration;

/// The context handed to a case body.
#[derive(Debug, Clone)]
pub struct CaseCtx {
    /// The run configuration.
    pub config: Arc<RunConfig>,
    /// The transcript to record into (the network client records bytes here).
    pub transcript: Transcript,
    /// This case's seed, derived from the run seed and the case id.
    pub seed: u64,
    /// The result id (base id plus any `@profile@tls` suffix), for labels and logs.
    pub case_id: String,
    /// The TLS version every connection of this run of the case offers (`None`: both).
    tls: Option<TlsVersion>,
    /// The SASL profile of this run of the case.
    profile: Profile,
    /// What discovery learnt about the target, shared by every case of the run.
    caps: Arc<Capabilities>,
}

impl CaseCtx {
    /// A context for `case_id`; registers every configured password so it is redacted.
    pub fn new(config: Arc<RunConfig>, case_id: &str, transcript: Transcript) -> CaseCtx {
        for a in config.accounts.iter().chain(config.admin.iter()) {
            transcript.secret(SecretKind::Password, &a.password);
        }
        if let Some(k) = &config.oauth2_key {
            transcript.secret(SecretKind::ClientSecret, k);
        }
        let seed = case_seed(config.seed, case_id);
        CaseCtx {
            config,
            transcript,
            seed,
            case_id: case_id.to_owned(),
            tls: None,
            profile: Profile::Sasl2,
            caps: Arc::new(Capabilities::default()),
        }
    }

    /// This context pinned to a variant (profile and TLS version) with the run's capabilities.
    /// A variant without a profile runs as [`Profile::Sasl2`]; one without a TLS version offers
    /// both (unless `--tls` picked one, which the runner passes as the variant's version).
    pub fn with_variant(mut self, variant: Variant, caps: Arc<Capabilities>) -> CaseCtx {
        self.tls = variant.tls;
        self.profile = variant.profile.unwrap_or(Profile::Sasl2);
        self.caps = caps;
        self
    }

    /// The TLS version this variant pinned (`None`: whatever the target negotiates).
    pub fn tls_version(&self) -> Option<TlsVersion> {
        self.tls
    }

    /// The SASL profile of this variant ([`Profile::Sasl2`] when the case has no `profiles`).
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// What the target offers, discovered once per run before the cases.
    pub fn caps(&self) -> &Capabilities {
        &self.caps
    }

    /// What the target offers on the streams this variant opens: under the pinned TLS version,
    /// else under the newest version it accepted (what an unpinned handshake negotiates). `None`
    /// when discovery learnt nothing about that version.
    pub fn tls_caps(&self) -> Option<&crate::capabilities::TlsCaps> {
        let v = self
            .tls
            .or_else(|| self.caps.versions().into_iter().max())?;
        self.caps.on(v)
    }

    /// The longest wait for any one reply the spec requires (`--reply-timeout`, default 5 s):
    /// no answer within it is a finding against the target, not a suite error.
    pub fn reply_timeout(&self) -> Duration {
        self.config.reply_timeout
    }

    /// Mark the step the case is at (reported if the case times out).
    pub fn step(&self, name: &str) {
        self.transcript.step(name);
    }

    /// Add a note to the transcript.
    pub fn note(&self, text: &str) {
        self.transcript.note(text);
    }

    /// Register a secret learnt during the case (a token, an invite, a client secret).
    pub fn secret(&self, kind: SecretKind, value: &str) {
        self.transcript.secret(kind, value);
    }

    /// The `n`th configured account (0-based).
    pub fn account(&self, n: usize) -> Option<&Account> {
        self.config.accounts.get(n)
    }

    /// The per-case timeout, for bodies that wait on their own.
    pub fn timeout(&self) -> Duration {
        self.config.timeout
    }
}

/// Derive a per-case seed from the run seed and the case id (FNV-1a then SplitMix64), so one case's
/// randomness does not change when cases are added, removed or reordered.
pub fn case_seed(run_seed: u64, case_id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in case_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = run_seed ^ h;
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_caps_follow_the_pinned_version_else_the_newest() {
        use crate::capabilities::{TlsCaps, TlsProbe};
        use gatecheck_proto::xml::{Limits, parse_element};
        let f = |mech: &str| {
            let xml = format!(
                "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
                 <mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>{mech}</mechanism>\
                 </mechanisms></stream:features>"
            );
            let el = parse_element(&xml, &Limits::default()).expect("xml");
            TlsProbe::Offered(Box::new(TlsCaps::parse(&el)))
        };
        let mut caps = Capabilities::default();
        caps.tls.insert(TlsVersion::Tls12, f("A"));
        caps.tls.insert(TlsVersion::Tls13, f("B"));
        let caps = Arc::new(caps);
        let ctx = CaseCtx::new(Arc::new(RunConfig::default()), "x.y", Transcript::new());
        let unpinned = ctx.clone().with_variant(Variant::default(), caps.clone());
        let sasl = |c: &CaseCtx| c.tls_caps().and_then(|t| t.sasl.clone());
        assert_eq!(sasl(&unpinned), Some(vec!["B".to_owned()]));
        let pinned = ctx.with_variant(
            Variant {
                profile: Some(Profile::Sasl),
                tls: Some(TlsVersion::Tls12),
            },
            caps,
        );
        assert_eq!(sasl(&pinned), Some(vec!["A".to_owned()]));
        assert_eq!(pinned.profile(), Profile::Sasl);
        assert_eq!(pinned.tls_version(), Some(TlsVersion::Tls12));
        assert_eq!(unpinned.profile(), Profile::Sasl2);
        assert_eq!(
            unpinned.reply_timeout(),
            crate::config::DEFAULT_REPLY_TIMEOUT
        );
    }

    #[test]
    fn case_seeds_are_stable_and_distinct() {
        assert_eq!(case_seed(7, "a.b"), case_seed(7, "a.b"));
        assert_ne!(case_seed(7, "a.b"), case_seed(8, "a.b"));
        assert_ne!(case_seed(7, "a.b"), case_seed(7, "a.c"));
    }
}
