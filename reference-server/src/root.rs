//! The composition root: the one place the server is assembled from its configuration — the
//! module list, the mechanism policy, the shared services, the clock and RNG, and the listener
//! list. `main.rs`, the integration tests' support code and the conformance suite's embedded
//! target all start the server through here, so they cannot drift apart.
//!
//! Adding a module is one line in [`modules`].

use std::sync::Arc;

use crate::c2s::budget::{BudgetSettings, FailureBudget};
use crate::c2s::core::ListenerKind;
use crate::c2s::services::{C2sSettings, Services};
use crate::c2s::session::C2sFactory;
use crate::config::Config;
use crate::env::Env;
pub use crate::listener::Listener;
use crate::module::{ModuleRegistry, RegistryError};
use crate::modules::fast::{Fast, FastSettings};
use crate::modules::invites::InviteSettings;
use crate::modules::oauth2::OAuth2;
use crate::modules::{
    bind, bind2, channel_binding, disco, invites, legacy_auth, ping, presence, register, roster,
    sasl2,
};
use crate::sasl::provider::DefaultMechanisms;
use crate::store::seal::SealKey;
use crate::store::{Store, StoreError};

/// Why the server could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum AssemblyError {
    /// The store failed while preparing shared state (the SCRAM fake-salt secret).
    #[error("preparing the c2s core: {0}")]
    Store(#[from] StoreError),
    /// Two modules claim the same IQ namespace.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The key FAST tokens are sealed under could not be read or created.
    #[error(transparent)]
    FastKey(#[from] crate::store::seal::KeyFileError),
}

/// Every module the server runs that needs no store or key, with the default configuration
/// (see [`modules_for`]).
pub fn modules() -> Result<ModuleRegistry, RegistryError> {
    modules_for(&Config::default())
}

/// Every module the server runs that needs no store or key, for `config`, in registration order:
/// the order of stream features, of SASL2 inline processing (XEP-0388 §1.8: bind before FAST)
/// and of stanza hooks (invites sees a subscription request before presence does, for XEP-0379
/// roster preauth). [`services`] appends FAST, which needs the store and the token key, and OAuth2
/// (OAUTHBEARER) when an HTTP listener is configured.
pub fn modules_for(config: &Config) -> Result<ModuleRegistry, RegistryError> {
    let invites = Arc::new(InviteSettings::from_config(config));
    let mut r = ModuleRegistry::new();
    r.register(sasl2::Sasl2)?
        .register(channel_binding::ChannelBinding)?
        .register(legacy_auth::LegacyAuth)?
        .register(bind2::Bind2)?
        .register(bind::ResourceBinding)?
        .register(roster::Roster {
            max_items: config.max_roster_items,
        })?
        .register(invites::Invites::new(invites.clone()))?
        .register(register::Register::new(invites))?
        .register(presence::Presence)?
        .register(disco::Disco)?
        .register(ping::Ping)?;
    Ok(r)
}

/// The shared state of every c2s session for `config` over `store`, with time and randomness
/// from `env` ([`Env::system`] in the server, [`Env::deterministic`] in tests and fuzz targets).
/// FAST tokens are sealed under a fresh key from the OS RNG (not from `env`, so the key does not
/// shift the deterministic byte stream tests pin), and so do not outlive this `Services`; the
/// server uses [`services_with_key`] with the key file instead.
pub fn services(
    config: &Config,
    store: Arc<dyn Store>,
    env: Env,
) -> Result<Services, AssemblyError> {
    let key = SealKey::generate(&crate::env::OsRng);
    services_with_key(config, store, env, key)
}

/// [`services`] with FAST tokens sealed under `fast_key`.
pub fn services_with_key(
    config: &Config,
    store: Arc<dyn Store>,
    env: Env,
    fast_key: SealKey,
) -> Result<Services, AssemblyError> {
    let mut mechanisms = DefaultMechanisms::new(
        store.clone(),
        config.scram_iteration_count,
        env.rng.as_ref(),
    )?;
    mechanisms.sasl2_offer_plain = config.sasl2_offer_plain;
    mechanisms.allow_unencrypted_plain = config.allow_unencrypted_plain_auth;
    let mut modules = modules_for(config)?;
    modules.register(Fast::new(
        FastSettings::from_config(config),
        fast_key,
        store.clone(),
    ))?;
    // OAUTHBEARER only where the HTTP listener issues tokens.
    if config.http_address.is_some() {
        modules.register(OAuth2::new(store.clone()))?;
    }
    modules.set_breaks(config.breaks);
    let modules = modules.without(&config.modules_disabled)?;
    Ok(Services {
        settings: C2sSettings::from_config(config),
        store,
        mechanisms: Arc::new(mechanisms),
        modules,
        env,
        budget: Arc::new(FailureBudget::new(BudgetSettings {
            period: config.limit_auth_period,
            per_address: config.limit_auth_max,
            per_account: config.limit_auth_account_max,
        })),
    })
}

/// The default c2s core factory (see [`services`]).
pub fn c2s_factory(
    config: &Config,
    store: Arc<dyn Store>,
    env: Env,
) -> Result<C2sFactory, AssemblyError> {
    services(config, store, env).map(C2sFactory::new)
}

/// Why [`start`] failed: the core could not be assembled, or the shell could not start it.
#[cfg(feature = "shell")]
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The composition root could not assemble the core.
    #[error(transparent)]
    Assembly(#[from] AssemblyError),
    /// The listeners or TLS could not be set up.
    #[error(transparent)]
    Server(#[from] crate::server::ServerError),
}

/// The listeners `config` asks for.
pub fn listeners(config: &Config) -> Vec<Listener> {
    let mut v = vec![
        Listener::C2s {
            kind: ListenerKind::StartTls,
            address: config.c2s_address,
        },
        Listener::C2s {
            kind: ListenerKind::DirectTls,
            address: config.c2s_tls_address,
        },
    ];
    if let Some(address) = config.http_address {
        v.push(Listener::Http { address });
    }
    v
}

/// Assembles and starts the whole server for `config` over `store`, with the system clock and
/// the OS RNG.
#[cfg(feature = "shell")]
pub async fn start(
    config: &Config,
    store: Arc<dyn Store>,
) -> Result<crate::server::RunningServer, StartError> {
    let env = Env::system();
    let key = crate::store::seal::load_or_create_key_file(
        &config.fast_token_key_path(),
        env.rng.as_ref(),
    )
    .map_err(AssemblyError::from)?;
    let factory = C2sFactory::new(services_with_key(config, store.clone(), env.clone(), key)?);
    let http = config.http_address.map(|_| {
        let settings = crate::http::OAuth2Settings::from_config(config);
        let breaks = config.breaks;
        Box::new(move |issuer: String| {
            crate::http::OAuth2Http::new(settings, issuer, store, env, breaks)
        }) as crate::server::HttpCoreBuilder
    });
    Ok(
        crate::server::Server::start_with_http(config, &listeners(config), Arc::new(factory), http)
            .await?,
    )
}
