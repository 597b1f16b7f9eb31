//! The server's mechanism policy: which SASL mechanisms a stream offers, and how each starts.

use std::sync::Arc;

use gatecheck_proto::sasl::{ChannelBindings, Mechanism};

use super::mechanism::{
    MechanismContext, MechanismFailure, MechanismProvider, MechanismStep, Profile, ServerMechanism,
    advertised_bindings,
};
use super::plain::PlainMechanism;
use super::scram::{ScramMechanism, ScramShared};
use crate::env::Rng;
use crate::store::{Store, StoreError};

/// kv namespace and key of the persisted secret behind unknown users' fake SCRAM salts; persisted
/// so a probe sees the same salt before and after a restart.
pub const FAKE_SECRET_KEY: (&str, &str) = ("c2s", "scram-fake-salt-secret");

/// SCRAM-SHA-512/256/1, each preceded by its -PLUS form when the connection offers channel
/// binding, then PLAIN where policy allows, in proto's stable order (SASL2-7). The same list for
/// every claimed identity (SASL2-34), so it is not randomised.
///
/// PLAIN policy: in SASL2 only with `sasl2_offer_plain` on a TLS stream (SASL2-33 says SHOULD
/// NOT); in legacy SASL on TLS streams, and on plaintext ones only with
/// `allow_unencrypted_plain_auth`.
pub struct DefaultMechanisms {
    scram: Arc<ScramShared>,
    /// `sasl2_offer_plain`.
    pub sasl2_offer_plain: bool,
    /// `allow_unencrypted_plain_auth`.
    pub allow_unencrypted_plain: bool,
}

impl DefaultMechanisms {
    /// A provider over `store`, presenting `iterations` for unknown users; a missing fake-salt
    /// secret is drawn from `rng` and persisted.
    pub fn new(store: Arc<dyn Store>, iterations: u32, rng: &dyn Rng) -> Result<Self, StoreError> {
        let (ns, key) = FAKE_SECRET_KEY;
        let secret = match store.kv_get(ns, key, 0)? {
            Some(s) => s,
            None => {
                let mut s = vec![0u8; 32];
                rng.fill(&mut s);
                store.kv_put(ns, key, &s, None)?;
                s
            }
        };
        Ok(Self {
            scram: Arc::new(ScramShared {
                store,
                fake_secret: secret,
                iterations,
                min_iterations: crate::config::MIN_SCRAM_ITERATIONS,
            }),
            sasl2_offer_plain: false,
            allow_unencrypted_plain: false,
        })
    }

    /// Lowers the stored iteration count SCRAM accepts below the server's floor: only the
    /// whole-session fuzzer does this, so that a login in every run stays cheap.
    #[cfg(any(test, feature = "fuzzing"))]
    pub fn with_min_iterations(mut self, min: u32) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.scram) {
            shared.min_iterations = min;
        }
        self
    }
}

impl MechanismProvider for DefaultMechanisms {
    fn offered(&self, tls: Option<&ChannelBindings>, profile: Profile) -> Vec<Mechanism> {
        let cb = tls.is_some_and(|t| !advertised_bindings(t).is_empty());
        let plain = match profile {
            Profile::Sasl2 => self.sasl2_offer_plain && tls.is_some(),
            Profile::Legacy => tls.is_some() || self.allow_unencrypted_plain,
        };
        Mechanism::ALL
            .into_iter()
            .filter(|m| match m {
                Mechanism::Scram { plus, .. } => !plus || cb,
                Mechanism::Plain => plain,
                Mechanism::HtSha256(_) | Mechanism::OAuthBearer => false,
            })
            .collect()
    }

    fn start(&self, mechanism: Mechanism, ctx: &MechanismContext) -> Box<dyn ServerMechanism> {
        match mechanism {
            Mechanism::Scram { hash, plus } => {
                Box::new(ScramMechanism::new(self.scram.clone(), hash, plus, ctx))
            }
            Mechanism::Plain => Box::new(PlainMechanism::new(self.scram.clone())),
            // Never offered, so the profiles never start them; refuse defensively.
            _ => Box::new(Refuse),
        }
    }
}

struct Refuse;

impl ServerMechanism for Refuse {
    fn step(&mut self, _: Option<&[u8]>) -> Result<MechanismStep, MechanismFailure> {
        Err(MechanismFailure::new(
            gatecheck_proto::sasl::SaslCondition::InvalidMechanism,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::SeededRng;
    use crate::store::MemoryStore;
    use gatecheck_proto::sasl::{ScramHash, TlsVersion};

    fn tls(cb: bool) -> ChannelBindings {
        let mut t = ChannelBindings::none(TlsVersion::Tls13);
        t.tls_exporter = cb.then(|| vec![1; 32]);
        t
    }

    fn names(v: Vec<Mechanism>) -> Vec<&'static str> {
        v.into_iter().map(Mechanism::name).collect()
    }

    #[test]
    fn plain_and_plus_policy() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let mut p = DefaultMechanisms::new(store.clone(), 4096, &SeededRng::new(1)).unwrap();
        assert_eq!(
            names(p.offered(Some(&tls(true)), Profile::Sasl2)),
            [
                "SCRAM-SHA-512-PLUS",
                "SCRAM-SHA-512",
                "SCRAM-SHA-256-PLUS",
                "SCRAM-SHA-256",
                "SCRAM-SHA-1-PLUS",
                "SCRAM-SHA-1"
            ]
        );
        assert!(
            !names(p.offered(Some(&tls(false)), Profile::Sasl2))
                .iter()
                .any(|n| n.ends_with("-PLUS"))
        );
        assert!(names(p.offered(Some(&tls(true)), Profile::Legacy)).contains(&"PLAIN"));
        assert!(!names(p.offered(None, Profile::Legacy)).contains(&"PLAIN"));
        p.sasl2_offer_plain = true;
        p.allow_unencrypted_plain = true;
        assert!(names(p.offered(Some(&tls(true)), Profile::Sasl2)).contains(&"PLAIN"));
        assert!(names(p.offered(None, Profile::Legacy)).contains(&"PLAIN"));
        assert!(!names(p.offered(None, Profile::Sasl2)).contains(&"PLAIN"));
        // The fake-salt secret persists, so unknown users see the same salt after a restart.
        let again = DefaultMechanisms::new(store, 4096, &SeededRng::new(2)).unwrap();
        let a = p.scram.fake_seed(ScramHash::Sha256, "ghost");
        assert_eq!(a, again.scram.fake_seed(ScramHash::Sha256, "ghost"));
        assert_ne!(a, p.scram.fake_seed(ScramHash::Sha256, "ghost2"));
        assert_eq!((a.salt.len(), a.iterations), (16, 4096));
    }
}
