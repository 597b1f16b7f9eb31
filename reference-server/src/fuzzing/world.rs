//! The seeded world every run starts from: one configuration, one store seeded once (an account
//! with a low SCRAM iteration count, a FAST token and a spent one, an unspent and a spent
//! invitation, an OAuth2 client from stateless registration, a live and a revoked access token)
//! and the fixture values scripts refer to. Each run forks the store and assembles fresh
//! `Services` over it with `Env::deterministic`, so runs are independent and reproducible.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use gatecheck_proto::ns;
use gatecheck_proto::sasl::base64;
use gatecheck_proto::script::{Credential, Fixture, Fixtures, Mechanism, Profile};
use serde_json::Value;

use super::auth::authenticate;
use super::conn::Conn;
use crate::breaks::BreakSet;
use crate::c2s::budget::FailureBudget;
use crate::c2s::services::Services;
use crate::config::Config;
use crate::env::{Env, FixedClock, SeededRng};
use crate::http::wire::percent_encode;
use crate::http::{HttpRequest, HttpResponse, OAuth2Http, OAuth2Settings};
use crate::modules::invites::{
    InviteFor, InviteRequest, InviteSettings, create_invite, token_hash,
};
use crate::sasl::provider::DefaultMechanisms;
use crate::store::seal::SealKey;
use crate::store::{Account, MemoryState, MemoryStore, Redeem, Store};

/// The fixed instant of every run.
pub const NOW_SECS: u64 = 1_800_000_000;
/// SCRAM/PBKDF2 iterations of the seeded accounts and of accounts registered during a run: low so
/// a login costs microseconds. Never a server value (the server's floor is 4096).
pub const FUZZ_ITERATIONS: u32 = 16;
/// Seed of the RNG each run starts with (seeding uses another, so run tokens never repeat seeded ones).
const RUN_SEED: u64 = 0x5e55_1017;
const SEEDING_SEED: u64 = 0x5eed_0001;
/// `c2s_stanza_size_limit` of the world: small, so the fuzzer reaches the limit cheaply.
pub const STANZA_LIMIT: usize = 8 * 1024;
/// The DCR registration key (`oauth2_registration_key`, ≥ 32 bytes).
const REGISTRATION_KEY: &str = "fuzz-registration-key-0123456789abcdef";

/// Fixture values, and which of them are credentials that may legitimately authenticate.
#[derive(Debug, Clone)]
pub struct WorldValues {
    pub domain: String,
    pub username: String,
    pub password: String,
    pub wrong_password: String,
    pub unknown_user: String,
    /// SASL2 user-agent id the FAST token was issued to.
    pub user_agent: String,
    pub fast_token: String,
    /// User-agent id of the spent FAST token.
    pub spent_user_agent: String,
    pub spent_fast_token: String,
    pub invite_token: String,
    pub spent_invite_token: String,
    /// Store keys of the two invitations (the oracles look them up after every step).
    pub invite_hash: String,
    pub spent_invite_hash: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    pub access_token: String,
    /// A revoked access token (`Credential::Spent` with OAUTHBEARER; no fixture names it).
    pub revoked_access_token: String,
}

impl WorldValues {
    /// Whether rendering `fixture` hands the server something that may make a session succeed:
    /// a live credential, or an unspent invitation (register, then log in with any password).
    pub fn grants(fixture: Fixture) -> bool {
        matches!(
            fixture,
            Fixture::Password | Fixture::FastToken | Fixture::AccessToken | Fixture::InviteToken
        )
    }
}

impl Fixtures for WorldValues {
    fn resolve(&self, fixture: Fixture) -> Option<Vec<u8>> {
        let s = match fixture {
            Fixture::Domain => &self.domain,
            Fixture::Username => &self.username,
            Fixture::Password => &self.password,
            Fixture::WrongPassword => &self.wrong_password,
            Fixture::UnknownUser => &self.unknown_user,
            Fixture::FastToken => &self.fast_token,
            Fixture::SpentFastToken => &self.spent_fast_token,
            Fixture::InviteToken => &self.invite_token,
            Fixture::SpentInviteToken => &self.spent_invite_token,
            Fixture::ClientId => &self.client_id,
            Fixture::ClientSecret => &self.client_secret,
            Fixture::RedirectUri => &self.redirect_uri,
            Fixture::AccessToken => &self.access_token,
        };
        Some(s.as_bytes().to_vec())
    }
}

/// Why the world could not be seeded (a bug in the seeding or a broken build that breaks it).
#[derive(Debug, thiserror::Error)]
#[error("seeding the fuzz world failed: {0}")]
pub struct SeedError(String);

fn seed_err(e: impl std::fmt::Display) -> SeedError {
    SeedError(e.to_string())
}

/// The configuration, seeded store, FAST key and fixture values.
pub struct World {
    pub(crate) config: Config,
    store: MemoryStore,
    /// The servers of the previous run, reset and reused by the next (assembling services costs
    /// more than a short session).
    spare: Mutex<Option<Instance>>,
    /// The seeded store's state: every run's "before".
    pub(crate) before: MemoryState,
    key: SealKey,
    /// What fixtures resolve to.
    pub values: WorldValues,
}

/// One run's servers over one fork of the store.
pub(crate) struct Instance {
    pub store: Arc<MemoryStore>,
    pub svc: Arc<Services>,
    pub http: OAuth2Http,
    rng: Arc<SeededRng>,
}

impl World {
    /// The world of an unbroken server, seeded once per process.
    pub fn shared() -> &'static World {
        static WORLD: OnceLock<World> = OnceLock::new();
        WORLD.get_or_init(|| World::new(BreakSet::default()).expect("seeding the fuzz world"))
    }

    /// A world whose server runs with `breaks` (tests prove the oracles see them).
    pub fn new(breaks: BreakSet) -> Result<World, SeedError> {
        let config = Config {
            domain: "example.org".into(),
            http_address: Some(([127, 0, 0, 1], 5281).into()),
            oauth2_registration_key: Some(REGISTRATION_KEY.into()),
            admins: vec!["alice@example.org".into()],
            scram_iteration_count: FUZZ_ITERATIONS,
            // PLAIN in SASL2 too, so a script can log in with bytes alone (no interactive step).
            sasl2_offer_plain: true,
            c2s_stanza_size_limit: STANZA_LIMIT,
            breaks,
            ..Config::default()
        };
        let key = SealKey::generate(&SeededRng::new(SEEDING_SEED));
        let store = MemoryStore::new();
        store
            .create_account(&Account {
                username: "alice".into(),
                created_at: 0,
                credentials: crate::credentials::derive_all("pencil", FUZZ_ITERATIONS)
                    .map_err(seed_err)?,
            })
            .map_err(seed_err)?;
        let mut world = World {
            config,
            store,
            spare: Mutex::new(None),
            before: MemoryState::default(),
            key,
            values: WorldValues {
                domain: "example.org".into(),
                username: "alice".into(),
                password: "pencil".into(),
                wrong_password: "pencil-but-wrong".into(),
                unknown_user: "nobody".into(),
                user_agent: "d4565fa7-4d72-4749-b3d3-740edbf87770".into(),
                fast_token: String::new(),
                spent_user_agent: "0b9d4c1e-2f3a-4b5c-8d6e-7f8091a2b3c4".into(),
                spent_fast_token: String::new(),
                invite_token: String::new(),
                spent_invite_token: String::new(),
                invite_hash: String::new(),
                spent_invite_hash: String::new(),
                client_id: String::new(),
                client_secret: String::new(),
                redirect_uri: "https://app.example/cb".into(),
                access_token: String::new(),
                revoked_access_token: String::new(),
            },
        };
        world.seed_fast()?;
        world.seed_invites()?;
        world.seed_oauth2()?;
        world.before = world.store.inspect(Clone::clone);
        Ok(world)
    }

    fn rng(seed: u64) -> Arc<SeededRng> {
        Arc::new(SeededRng::new(seed))
    }

    /// Servers over the seeded state for one run: the previous run's, reset (store state, RNG
    /// seed and failure budget as after seeding), or new ones over a fork of the store.
    pub(crate) fn instance(&self) -> Instance {
        let spare = self.spare.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(mut i) = spare
            && let Some(svc) = Arc::get_mut(&mut i.svc)
        {
            svc.budget = Arc::new(FailureBudget::new(svc.budget.settings()));
            i.store.restore(&self.before);
            i.rng.reseed(RUN_SEED);
            return i;
        }
        self.instance_over(Arc::new(self.store.fork()), Self::rng(RUN_SEED))
    }

    /// Hands a finished run's servers back for the next run.
    pub(crate) fn recycle(&self, instance: Instance) {
        *self.spare.lock().unwrap_or_else(|p| p.into_inner()) = Some(instance);
    }

    fn instance_over(&self, store: Arc<MemoryStore>, rng: Arc<SeededRng>) -> Instance {
        let env = Env {
            clock: Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(NOW_SECS))),
            rng: rng.clone(),
        };
        let dyn_store: Arc<dyn Store> = store.clone();
        let mut svc = crate::root::services_with_key(
            &self.config,
            dyn_store.clone(),
            env.clone(),
            self.key.clone(),
        )
        .expect("the fuzz configuration assembles");
        // The same policy with the low iteration floor of the seeded accounts.
        let mut mechanisms =
            DefaultMechanisms::new(dyn_store.clone(), FUZZ_ITERATIONS, env.rng.as_ref())
                .expect("the in-memory store cannot fail")
                .with_min_iterations(FUZZ_ITERATIONS);
        mechanisms.sasl2_offer_plain = self.config.sasl2_offer_plain;
        mechanisms.allow_unencrypted_plain = self.config.allow_unencrypted_plain_auth;
        svc.mechanisms = Arc::new(mechanisms);
        let http = OAuth2Http::new(
            OAuth2Settings::from_config(&self.config),
            "https://example.org:5281".into(),
            dyn_store,
            env,
            self.config.breaks,
        );
        Instance {
            store,
            svc: Arc::new(svc),
            http,
            rng,
        }
    }

    /// Runs `f` against servers over the store being seeded (changes stay in it).
    fn seeding<T>(&mut self, seed: u64, f: impl FnOnce(&Instance, &WorldValues) -> T) -> T {
        let store = Arc::new(std::mem::take(&mut self.store));
        let instance = self.instance_over(store, Self::rng(seed));
        let out = f(&instance, &self.values);
        drop(instance.svc);
        drop(instance.http);
        self.store = Arc::try_unwrap(instance.store).unwrap_or_else(|shared| shared.fork());
        out
    }

    /// A FAST token for `user_agent`, from a SCRAM login with `<request-token/>`.
    fn fast_token_for(&mut self, seed: u64, user_agent: &str) -> Result<String, SeedError> {
        let request = format!(
            "<request-token xmlns='{}' mechanism='HT-SHA-256-NONE'/>",
            ns::FAST
        );
        let mut values = self.values.clone();
        values.user_agent = user_agent.to_owned();
        self.seeding(seed, |i, _| {
            let mut conn = Conn::open(i.svc.clone()).map_err(seed_err)?;
            let r = authenticate(
                &mut conn,
                &values,
                Profile::Sasl2,
                Mechanism::ScramSha256,
                Credential::Valid,
                &request,
            )
            .map_err(seed_err)?;
            r.success
                .as_ref()
                .and_then(|s| s.child("token", ns::FAST))
                .and_then(|t| t.attr("token"))
                .map(str::to_owned)
                .ok_or_else(|| SeedError(format!("no FAST token: {:?}", r.success)))
        })
    }

    fn seed_fast(&mut self) -> Result<(), SeedError> {
        let ua = self.values.user_agent.clone();
        self.values.fast_token = self.fast_token_for(SEEDING_SEED + 1, &ua)?;
        let spent_ua = self.values.spent_user_agent.clone();
        let spent = self.fast_token_for(SEEDING_SEED + 2, &spent_ua)?;
        self.values.spent_fast_token = spent;
        // Use it once with invalidate='1' (XEP-0484 §3.4): both slots are cleared.
        let invalidate = format!("<fast xmlns='{}' invalidate='1'/>", ns::FAST);
        self.seeding(SEEDING_SEED + 3, |i, v| {
            let mut conn = Conn::open(i.svc.clone()).map_err(seed_err)?;
            let r = authenticate(
                &mut conn,
                v,
                Profile::Sasl2,
                Mechanism::HtSha256None,
                Credential::Spent,
                &invalidate,
            )
            .map_err(seed_err)?;
            r.success
                .map(|_| ())
                .ok_or_else(|| SeedError("invalidating login failed".into()))
        })
    }

    fn seed_invites(&mut self) -> Result<(), SeedError> {
        let env = Env::deterministic(UNIX_EPOCH + Duration::from_secs(NOW_SECS), SEEDING_SEED + 4);
        let settings = InviteSettings::from_config(&self.config);
        let account = || {
            InviteRequest::new(InviteFor::Account {
                username: None,
                subscribe_to: None,
            })
        };
        self.values.invite_token = create_invite(&self.store, &env, &settings, &account())
            .map_err(seed_err)?
            .token;
        let spent = create_invite(&self.store, &env, &settings, &account())
            .map_err(seed_err)?
            .token;
        let carol = Account {
            username: "carol".into(),
            created_at: NOW_SECS,
            credentials: crate::credentials::derive_all("carols-password", FUZZ_ITERATIONS)
                .map_err(seed_err)?,
        };
        self.store
            .invite_redeem(
                Some(&token_hash(&spent)),
                NOW_SECS,
                &Redeem::Create {
                    account: carol,
                    roster: Vec::new(),
                },
                true,
            )
            .map_err(seed_err)?;
        self.values.invite_hash = token_hash(&self.values.invite_token);
        self.values.spent_invite_hash = token_hash(&spent);
        self.values.spent_invite_token = spent;
        Ok(())
    }

    fn seed_oauth2(&mut self) -> Result<(), SeedError> {
        let redirect = self.values.redirect_uri.clone();
        let (id, secret, access, revoked) = self.seeding(SEEDING_SEED + 5, |i, v| {
            let metadata = serde_json::json!({
                "redirect_uris": [redirect],
                "grant_types": ["authorization_code", "refresh_token"],
                "client_name": "gatecheck fuzz",
            });
            let r = post(
                &i.http,
                "/oauth2/register",
                "application/json",
                metadata.to_string(),
            );
            let reg = json(&r)?;
            let id = reg["client_id"].as_str().unwrap_or_default().to_owned();
            let secret = reg["client_secret"].as_str().unwrap_or_default().to_owned();
            let access = access_token(&i.http, v, &id, &secret)?;
            let revoked = access_token(&i.http, v, &id, &secret)?;
            let r = post(
                &i.http,
                "/oauth2/revoke",
                "application/x-www-form-urlencoded",
                form(&[
                    ("token", &revoked),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ]),
            );
            if r.status != 200 {
                return Err(SeedError(format!("revocation answered {}", r.status)));
            }
            Ok((id, secret, access, revoked))
        })?;
        self.values.client_id = id;
        self.values.client_secret = secret;
        self.values.access_token = access;
        self.values.revoked_access_token = revoked;
        Ok(())
    }
}

/// A PKCE verifier and its S256 challenge (RFC 7636 appendix B).
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn post(http: &OAuth2Http, path: &str, content_type: &str, body: String) -> HttpResponse {
    http.handle(&HttpRequest {
        method: "POST".into(),
        path: path.into(),
        query: String::new(),
        headers: vec![("content-type".into(), content_type.into())],
        body: body.into_bytes(),
    })
}

fn json(r: &HttpResponse) -> Result<Value, SeedError> {
    if !(200..300).contains(&r.status) {
        return Err(SeedError(format!(
            "HTTP {}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        )));
    }
    serde_json::from_slice(&r.body).map_err(seed_err)
}

/// Logs alice in on the authorize page and exchanges the code: one access token.
fn access_token(
    http: &OAuth2Http,
    v: &WorldValues,
    id: &str,
    secret: &str,
) -> Result<String, SeedError> {
    let login = form(&[
        ("response_type", "code"),
        ("client_id", id),
        ("redirect_uri", &v.redirect_uri),
        ("state", "s"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("username", &v.username),
        ("password", &v.password),
    ]);
    let r = post(
        http,
        "/oauth2/authorize",
        "application/x-www-form-urlencoded",
        login,
    );
    let code = r
        .header("location")
        .and_then(|l| l.split_once('?'))
        .and_then(|(_, q)| crate::http::wire::Form::parse(q.as_bytes()).ok())
        .and_then(|f| f.get("code").map(str::to_owned))
        .ok_or_else(|| SeedError(format!("authorize answered {}", r.status)))?;
    let exchange = form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", &v.redirect_uri),
        ("code_verifier", VERIFIER),
    ]);
    let basic =
        base64::encode(format!("{}:{}", percent_encode(id), percent_encode(secret)).as_bytes());
    let r = http.handle(&HttpRequest {
        method: "POST".into(),
        path: "/oauth2/token".into(),
        query: String::new(),
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("authorization".into(), format!("Basic {basic}")),
        ],
        body: exchange.into_bytes(),
    });
    Ok(json(&r)?["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}
