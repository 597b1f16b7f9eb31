//! The server's mechanism policy: which SASL mechanisms a stream offers, and the factory that
//! assembles the default c2s core from the configuration and the store.

use std::sync::Arc;

use gatecheck_proto::sasl::Mechanism;

use super::inline::InlineRegistry;
use super::mechanism::{MechanismContext, MechanismProvider, Profile, ServerMechanism};
use super::plain_mech::PlainMechanism;
use super::scram_mech::{ScramMechanism, ScramShared};
use super::services::{C2sSettings, Services};
use super::session::C2sFactory;
use crate::modules::bind2::Bind2;
use crate::store::{Store, StoreError};
use crate::tls::TlsInfo;

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
    /// A provider over `store`, presenting `iterations` for unknown users.
    pub fn new(store: Arc<dyn Store>, iterations: u32) -> Result<Self, StoreError> {
        let (ns, key) = FAKE_SECRET_KEY;
        let secret = match store.kv_get(ns, key, 0)? {
            Some(s) => s,
            None => {
                let mut s = vec![0u8; 32];
                getrandom::fill(&mut s)
                    .map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?;
                store.kv_put(ns, key, &s, None)?;
                s
            }
        };
        Ok(Self {
            scram: Arc::new(ScramShared {
                store,
                fake_secret: secret,
                iterations,
            }),
            sasl2_offer_plain: false,
            allow_unencrypted_plain: false,
        })
    }
}

impl MechanismProvider for DefaultMechanisms {
    fn offered(&self, tls: Option<&TlsInfo>, profile: Profile) -> Vec<Mechanism> {
        let cb = tls.is_some_and(|t| !t.binding_types().is_empty());
        let plain = match profile {
            Profile::Sasl2 => self.sasl2_offer_plain && tls.is_some(),
            Profile::Legacy => tls.is_some() || self.allow_unencrypted_plain,
        };
        Mechanism::ALL
            .into_iter()
            .filter(|m| match m {
                Mechanism::Scram { plus, .. } => !plus || cb,
                Mechanism::Plain => plain,
                Mechanism::HtSha256(_) => false,
            })
            .collect()
    }

    fn start(&self, mechanism: Mechanism, ctx: &MechanismContext) -> Box<dyn ServerMechanism> {
        match mechanism {
            Mechanism::Scram { hash, plus } => {
                Box::new(ScramMechanism::new(self.scram.clone(), hash, plus, ctx))
            }
            Mechanism::Plain => Box::new(PlainMechanism::new(self.scram.store.clone())),
            // Never offered, so the profiles never start them; refuse defensively.
            _ => Box::new(Refuse),
        }
    }
}

struct Refuse;

impl ServerMechanism for Refuse {
    fn step(
        &mut self,
        _: Option<&[u8]>,
    ) -> Result<super::mechanism::MechanismStep, super::mechanism::MechanismFailure> {
        Err(super::mechanism::MechanismFailure::new(
            gatecheck_proto::sasl::SaslCondition::InvalidMechanism,
        ))
    }
}

/// The default c2s core factory for `config` over `store`: SCRAM mechanisms and Bind 2.
pub fn default_factory(
    config: &crate::Config,
    store: Arc<dyn Store>,
) -> Result<C2sFactory, StoreError> {
    let mechanisms = Arc::new(DefaultMechanisms::new(
        store.clone(),
        config.scram_iteration_count,
    )?);
    let mut inline = InlineRegistry::new();
    inline.register(Arc::new(Bind2));
    Ok(C2sFactory::new(Services {
        settings: C2sSettings::from_config(config),
        store,
        mechanisms,
        inline,
    }))
}
