//! Test harness for invitations and registration through the sans-IO session core: whole
//! streams fed as bytes, a clock the test advances, an in-memory router so several streams see
//! each other's roster pushes and presence, PLAIN over SASL2 with Bind 2 as the login. Shared by
//! the unit tests, the break tests and the model-based test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use gatecheck_proto::ns;
use gatecheck_proto::sasl::{ChannelBindings, TlsVersion};
use gatecheck_proto::xml::{Element, Limits, StreamEvent, StreamParser};

use super::invites::{InviteFor, InviteRequest, InviteSettings, Minted, create_invite};
use crate::breaks::BreakSet;
use crate::c2s::core::{Action, SessionCore};
use crate::c2s::services::Services;
use crate::c2s::session::C2sSession;
use crate::env::{Env, ManualClock, SeededRng};
use crate::route::{RouteError, StanzaRouter};
use crate::sasl::provider::DefaultMechanisms;
use crate::store::{Account, MemoryStore, Store, Subscription};

/// The domain.
pub const DOMAIN: &str = "example.org";
/// Password of every pre-made account.
pub const PASSWORD: &str = "pencil";
/// The admin account (listed in `admins`).
pub const ADMIN: &str = "admin";
/// An ordinary account.
pub const ALICE: &str = "alice";
/// Invitation lifetime in the harness (seconds).
pub const EXPIRY: u64 = 1000;
/// SCRAM iterations of registered accounts: tiny, so the model test runs in seconds.
pub const TEST_ITERATIONS: u32 = 16;

/// A router over in-memory inboxes.
#[derive(Default)]
pub struct TestRouter {
    inboxes: Mutex<HashMap<String, Vec<Vec<u8>>>>,
}

impl TestRouter {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Vec<u8>>>> {
        self.inboxes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bind(&self, full: &str) {
        self.lock().entry(full.to_owned()).or_default();
    }

    fn unbind(&self, full: &str) {
        self.lock().remove(full);
    }

    fn take(&self, full: &str) -> Vec<Vec<u8>> {
        self.lock()
            .get_mut(full)
            .map(std::mem::take)
            .unwrap_or_default()
    }
}

impl StanzaRouter for TestRouter {
    fn route(&self, full_jid: &str, stanza: Vec<u8>) -> Result<(), RouteError> {
        match self.lock().get_mut(full_jid) {
            Some(q) => {
                q.push(stanza);
                Ok(())
            }
            None => Err(RouteError::NotConnected(full_jid.to_owned())),
        }
    }

    fn resources_of(&self, bare_jid: &str) -> Vec<String> {
        let prefix = format!("{bare_jid}/");
        let mut v: Vec<String> = self
            .lock()
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        v.sort();
        v
    }
}

/// A server core with a hand-moved clock.
pub struct Harness {
    /// Shared services.
    pub svc: Arc<Services>,
    /// The clock.
    pub clock: Arc<ManualClock>,
    /// The store.
    pub store: Arc<dyn Store>,
    /// The router every stream of this harness shares.
    pub router: Arc<TestRouter>,
    /// The settings the modules run with.
    pub settings: InviteSettings,
    env: Env,
}

/// Creates `name`/[`PASSWORD`] in `store`.
pub fn add_account(store: &dyn Store, name: &str) {
    store
        .create_account(&Account {
            username: name.into(),
            created_at: 0,
            credentials: crate::credentials::derive_all(PASSWORD, TEST_ITERATIONS).unwrap(),
        })
        .unwrap();
}

impl Harness {
    /// A fresh server holding `admin` and `alice`.
    pub fn new(breaks: BreakSet) -> Self {
        Self::with_config(breaks, |_| {})
    }

    /// [`Harness::new`] with a changed configuration.
    pub fn with_config(breaks: BreakSet, tweak: impl FnOnce(&mut crate::Config)) -> Self {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        add_account(store.as_ref(), ADMIN);
        add_account(store.as_ref(), ALICE);
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        ));
        let env = Env {
            clock: clock.clone(),
            rng: Arc::new(SeededRng::new(11)),
        };
        let mut config = crate::Config {
            domain: DOMAIN.into(),
            invite_expiry: EXPIRY,
            admins: vec![format!("{ADMIN}@{DOMAIN}")],
            scram_iteration_count: TEST_ITERATIONS,
            // The invites model does not model the authentication failure budget (issue 13).
            limit_auth_max: 0,
            limit_auth_account_max: 0,
            breaks,
            ..crate::Config::default()
        };
        tweak(&mut config);
        let mut svc = crate::root::services(&config, store.clone(), env.clone()).unwrap();
        let mut mechs = DefaultMechanisms::new(store.clone(), 4096, env.rng.as_ref()).unwrap();
        mechs.sasl2_offer_plain = true;
        mechs.allow_unencrypted_plain = true;
        svc.mechanisms = Arc::new(mechs);
        Self {
            svc: Arc::new(svc),
            clock,
            store,
            router: Arc::new(TestRouter::default()),
            settings: InviteSettings::from_config(&config),
            env,
        }
    }

    /// The clock in UNIX seconds.
    pub fn now(&self) -> u64 {
        super::invites::unix_now(&self.env)
    }

    /// Moves the clock.
    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    /// Mints through [`create_invite`] (what the CLI does).
    pub fn mint(&self, what: InviteFor) -> Minted {
        create_invite(
            self.store.as_ref(),
            &self.env,
            &self.settings,
            &InviteRequest::new(what),
        )
        .unwrap()
    }

    /// An account invitation, username free.
    pub fn account_invite(&self) -> String {
        self.mint(InviteFor::Account {
            username: None,
            subscribe_to: None,
        })
        .token
    }

    /// An account invitation bound to `name`.
    pub fn bound_invite(&self, name: &str) -> String {
        self.mint(InviteFor::Account {
            username: Some(name.into()),
            subscribe_to: None,
        })
        .token
    }

    /// A reset invitation for `name`.
    pub fn reset_invite(&self, name: &str) -> String {
        self.mint(InviteFor::Reset {
            account: name.into(),
        })
        .token
    }

    /// A contact invitation of `inviter`.
    pub fn contact_invite(&self, inviter: &str, ibr: bool) -> String {
        self.mint(InviteFor::Contact {
            inviter: inviter.into(),
            ibr,
        })
        .token
    }

    /// Whether `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.store.get_account(name).unwrap().is_some()
    }

    /// `owner`'s subscription to `contact` (bare JID), if the roster has it.
    pub fn subscription(&self, owner: &str, contact: &str) -> Option<Subscription> {
        self.store
            .roster_get(owner)
            .unwrap()
            .into_iter()
            .find(|i| i.jid == contact)
            .map(|i| i.subscription)
    }

    /// Whether the invitation of `token` is spent.
    pub fn spent(&self, token: &str) -> bool {
        self.store
            .invite_get(&super::invites::token_hash(token))
            .unwrap()
            .is_some_and(|i| i.used_at.is_some())
    }

    /// Opens a stream over TLS 1.3.
    pub fn open(&self) -> Stream {
        let mut t = ChannelBindings::none(TlsVersion::Tls13);
        t.tls_exporter = Some(vec![7; 32]);
        self.open_with(Some(t))
    }

    /// Opens a stream with these TLS facts (`None`: plaintext).
    pub fn open_with(&self, tls: Option<ChannelBindings>) -> Stream {
        let mut core = C2sSession::new(self.svc.clone(), self.router.clone());
        core.on_connect("127.0.0.1:1".parse().unwrap(), tls.as_ref());
        let header = format!(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' \
             to='{DOMAIN}' version='1.0'>"
        );
        let out = core.on_bytes(header.as_bytes());
        let mut s = Stream {
            core,
            parser: StreamParser::new(Limits::default()),
            router: self.router.clone(),
            full: None,
            closed: false,
            features: Element::new("features", ns::STREAMS),
            next_id: 0,
        };
        let els = s.absorb(out);
        s.features = els
            .into_iter()
            .find(|e| e.is("features", ns::STREAMS))
            .expect("features");
        s
    }

    /// A bound stream of `user` (password [`PASSWORD`]).
    pub fn login(&self, user: &str) -> Stream {
        let mut s = self.open();
        assert!(s.login(user, PASSWORD), "login of {user}");
        s
    }
}

/// One open stream.
pub struct Stream {
    core: C2sSession,
    parser: StreamParser,
    router: Arc<TestRouter>,
    /// The bound full JID.
    pub full: Option<String>,
    /// Whether the server closed the stream.
    pub closed: bool,
    /// The features after the header.
    pub features: Element,
    next_id: u32,
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Some(f) = &self.full {
            self.router.unbind(f);
        }
    }
}

impl Stream {
    fn absorb(&mut self, actions: Vec<Action>) -> Vec<Element> {
        for a in actions {
            match a {
                Action::Send(b) => self.parser.feed(&b),
                Action::Bind(full) => {
                    self.router.bind(&full);
                    self.full = Some(full);
                }
                Action::Close => self.closed = true,
                _ => {}
            }
        }
        let mut v = Vec::new();
        while let Ok(Some(ev)) = self.parser.next_event() {
            if let StreamEvent::Element(e) = ev {
                v.push(e);
            }
        }
        v
    }

    /// Sends `el`; returns every element the server wrote back.
    pub fn send(&mut self, el: &Element) -> Vec<Element> {
        let out = self.core.on_bytes(el.to_xml_in(ns::CLIENT).as_bytes());
        self.absorb(out)
    }

    /// Sends raw bytes.
    pub fn send_raw(&mut self, bytes: &str) -> Vec<Element> {
        let out = self.core.on_bytes(bytes.as_bytes());
        self.absorb(out)
    }

    /// Delivers what other streams routed here; returns what the server wrote.
    pub fn inbox(&mut self) -> Vec<Element> {
        let Some(full) = self.full.clone() else {
            return Vec::new();
        };
        let mut v = Vec::new();
        for b in self.router.take(&full) {
            let out = self.core.on_routed(b);
            v.extend(self.absorb(out));
        }
        v
    }

    /// Sends an IQ of `kind` with `payload` (an id is added); returns the answer.
    pub fn iq(&mut self, kind: &str, payload: Element) -> Element {
        self.iq_to(kind, None, payload)
    }

    /// [`Stream::iq`] addressed `to`.
    pub fn iq_to(&mut self, kind: &str, to: Option<&str>, payload: Element) -> Element {
        self.next_id += 1;
        let id = format!("q{}", self.next_id);
        let mut iq = Element::new("iq", ns::CLIENT)
            .with_attr("type", kind)
            .with_attr("id", id.as_str());
        if let Some(t) = to {
            iq = iq.with_attr("to", t);
        }
        let iq = iq.with_child(payload);
        self.send(&iq)
            .into_iter()
            .find(|e| e.name == "iq" && e.attr("id") == Some(id.as_str()))
            .unwrap_or_else(|| Element::new("no-answer", ns::CLIENT))
    }

    /// `<preauth token=…/>`; returns the answer.
    pub fn preauth(&mut self, token: &str) -> Element {
        self.iq(
            "set",
            Element::new("preauth", ns::PREAUTH).with_attr("token", token),
        )
    }

    /// XEP-0077 registration with legacy fields.
    pub fn register(&mut self, user: &str, password: &str) -> Element {
        self.iq("set", register_query(Some(user), Some(password)))
    }

    /// SASL2 PLAIN with Bind 2; returns whether it succeeded.
    pub fn login(&mut self, user: &str, password: &str) -> bool {
        let ir = format!("\0{user}\0{password}");
        let a = Element::new("authenticate", ns::SASL2)
            .with_attr("mechanism", "PLAIN")
            .with_child(
                Element::new("initial-response", ns::SASL2)
                    .with_text(crate::modules::payload::encode(ir.as_bytes())),
            )
            .with_child(Element::new("bind", ns::BIND2));
        self.send(&a).iter().any(|e| e.is("success", ns::SASL2))
    }
}

/// `<query xmlns='jabber:iq:register'>` with the given legacy fields.
pub fn register_query(user: Option<&str>, password: Option<&str>) -> Element {
    let mut q = Element::new("query", ns::REGISTER);
    if let Some(u) = user {
        q = q.with_child(Element::new("username", ns::REGISTER).with_text(u));
    }
    if let Some(p) = password {
        q = q.with_child(Element::new("password", ns::REGISTER).with_text(p));
    }
    q
}

/// The stanza error condition of an answer (`None` for a result).
pub fn condition(answer: &Element) -> Option<String> {
    if answer.attr("type") != Some("error") {
        return None;
    }
    answer
        .child("error", ns::CLIENT)
        .and_then(|e| {
            e.elements()
                .find(|c| c.ns == ns::STANZAS && c.name != "text")
        })
        .map(|c| c.name.to_string())
}

/// Whether an answer is a result.
pub fn is_result(answer: &Element) -> bool {
    answer.name == "iq" && answer.attr("type") == Some("result")
}
