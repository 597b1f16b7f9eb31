//! Test harness for FAST through the sans-IO session core: whole streams fed as bytes, a clock
//! the test advances, fixed TLS facts, PLAIN (one round trip) as the password mechanism so a
//! password login is one element. Shared by the unit tests and the model-based test.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gatecheck_proto::ns;
use gatecheck_proto::sasl::ht::{self, HtDraft, HtMechanism};
use gatecheck_proto::sasl::{ChannelBindings, Mechanism, TlsVersion};
use gatecheck_proto::xml::{Element, Limits, StreamEvent, StreamParser};

use crate::breaks::BreakSet;
use crate::c2s::core::{Action, SessionCore};
use crate::c2s::services::Services;
use crate::c2s::session::C2sSession;
use crate::env::{Env, ManualClock, SeededRng};
use crate::route::NullRouter;
use crate::sasl::provider::DefaultMechanisms;
use crate::store::seal::SealKey;
use crate::store::{Account, MemoryStore, Store};

/// First client installation.
pub const UA1: &str = "d4565fa7-4d72-4749-b3d3-740edbf87770";
/// Second client installation of the same account.
pub const UA2: &str = "0b9d4c1e-2f3a-4b5c-8d6e-7f8091a2b3c4";
/// Token lifetime in the harness (seconds).
pub const TTL: u64 = 1000;
/// Rotation age in the harness (seconds).
pub const MIN_TTL: u64 = 100;
/// The account.
pub const USER: &str = "alice";
/// Its password.
pub const PASSWORD: &str = "pencil";

/// HT-SHA-256-EXPR.
pub const EXPR: Mechanism =
    Mechanism::HtSha256(Some(gatecheck_proto::sasl::ChannelBindingType::TlsExporter));
/// HT-SHA-256-ENDP.
pub const ENDP: Mechanism = Mechanism::HtSha256(Some(
    gatecheck_proto::sasl::ChannelBindingType::TlsServerEndPoint,
));
/// HT-SHA-256-NONE.
pub const NONE: Mechanism = Mechanism::HtSha256(None);

/// TLS 1.3 with exporter and end-point data.
pub fn tls() -> ChannelBindings {
    let mut t = ChannelBindings::none(TlsVersion::Tls13);
    t.tls_exporter = Some(vec![7; 32]);
    t.tls_server_end_point = Some(vec![1; 32]);
    t
}

/// A server core with a hand-moved clock.
pub struct Harness {
    /// Shared services (the FAST module inside).
    pub svc: Arc<Services>,
    /// The clock.
    pub clock: Arc<ManualClock>,
    /// The store.
    pub store: Arc<dyn Store>,
}

/// Iterations for the harness's SCRAM credentials: FAST never touches them and PLAIN logins
/// derive once per login, so a tiny count keeps the model test in seconds. Never a server value.
pub const TEST_ITERATIONS: u32 = 16;

/// Fresh credentials (new salts) for `pencil`.
pub fn credentials() -> Vec<crate::store::ScramCredential> {
    crate::credentials::derive_all(PASSWORD, TEST_ITERATIONS).unwrap()
}

/// Creates `alice`/`pencil` in `store`.
pub fn add_alice(store: &dyn Store) {
    store
        .create_account(&Account {
            username: USER.into(),
            created_at: 0,
            credentials: credentials(),
        })
        .unwrap();
}

impl Harness {
    /// A fresh server over a memory store holding `alice`.
    pub fn new(breaks: BreakSet) -> Self {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        add_alice(store.as_ref());
        let key = SealKey::generate(&SeededRng::new(77));
        Self::over(store, key, breaks)
    }

    /// A server over `store` sealing with `key`.
    pub fn over(store: Arc<dyn Store>, key: SealKey, breaks: BreakSet) -> Self {
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        ));
        let env = Env {
            clock: clock.clone(),
            rng: Arc::new(SeededRng::new(5)),
        };
        let config = crate::Config {
            domain: "example.org".into(),
            sasl2_fast_token_ttl: TTL,
            sasl2_fast_token_min_ttl: MIN_TTL,
            // The FAST model does not model the authentication failure budget (issue 13; tested
            // in c2s::budget and session_tests): its op sequences fail logins at will.
            limit_auth_max: 0,
            limit_auth_account_max: 0,
            breaks,
            ..crate::Config::default()
        };
        let mut svc =
            crate::root::services_with_key(&config, store.clone(), env.clone(), key.clone())
                .unwrap();
        let mut mechs = DefaultMechanisms::new(store.clone(), 4096, env.rng.as_ref()).unwrap();
        mechs.sasl2_offer_plain = true;
        svc.mechanisms = Arc::new(mechs);
        Self {
            svc: Arc::new(svc),
            clock,
            store,
        }
    }

    /// The clock in UNIX seconds.
    pub fn now(&self) -> u64 {
        use crate::env::Clock;
        self.clock
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// Moves the clock.
    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    /// Opens a stream over TLS whose header carries `from` (if any).
    pub fn open(&self, from: Option<&str>) -> Stream {
        self.open_with(from, tls())
    }

    /// Opens a stream over TLS with these facts.
    pub fn open_with(&self, from: Option<&str>, tls: ChannelBindings) -> Stream {
        let mut core = C2sSession::new(self.svc.clone(), Arc::new(NullRouter));
        core.on_connect("127.0.0.1:1".parse().unwrap(), Some(&tls));
        let from = from.map(|f| format!(" from='{f}'")).unwrap_or_default();
        let header = format!(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' \
             to='example.org'{from} version='1.0'>"
        );
        let out = core.on_bytes(header.as_bytes());
        let mut parser = StreamParser::new(Limits::default());
        let features = elements(&mut parser, out)
            .into_iter()
            .find(|e| e.is("features", ns::STREAMS))
            .expect("features");
        Stream {
            core,
            parser,
            tls,
            features,
        }
    }
}

/// Feeds the core's output to `p` (a parser over the server's whole stream); returns the
/// complete elements.
fn elements(p: &mut StreamParser, actions: Vec<Action>) -> Vec<Element> {
    for a in actions {
        if let Action::Send(b) = a {
            p.feed(&b);
        }
    }
    let mut v = Vec::new();
    while let Ok(Some(ev)) = p.next_event() {
        if let StreamEvent::Element(e) = ev {
            v.push(e);
        }
    }
    v
}

/// One open stream.
pub struct Stream {
    core: C2sSession,
    parser: StreamParser,
    tls: ChannelBindings,
    /// The features after the header.
    pub features: Element,
}

/// The server's answer to one `<authenticate/>`.
#[derive(Debug, Clone)]
pub struct Reply {
    /// `<success/>`, `<failure/>` or `<challenge/>`.
    pub el: Element,
}

impl Reply {
    /// Whether it is `<success/>`.
    pub fn ok(&self) -> bool {
        self.el.is("success", ns::SASL2)
    }

    /// The failure condition.
    pub fn condition(&self) -> Option<String> {
        if !self.el.is("failure", ns::SASL2) {
            return None;
        }
        self.el
            .elements()
            .find(|c| c.ns == ns::SASL)
            .map(|c| c.name.to_string())
    }

    /// The issued `(token, expiry)`.
    pub fn token(&self) -> Option<(String, String)> {
        let t = self.el.child("token", ns::FAST)?;
        Some((t.attr("token")?.to_owned(), t.attr("expiry")?.to_owned()))
    }

    /// Decoded `<additional-data/>`.
    pub fn additional(&self) -> Option<Vec<u8>> {
        self.el
            .child("additional-data", ns::SASL2)
            .and_then(|a| crate::modules::payload::decode(&a.text()).ok())
    }
}

/// `<user-agent id=…/>`.
pub fn ua(id: &str) -> Element {
    Element::new("user-agent", ns::SASL2).with_attr("id", id)
}

/// `<request-token mechanism=…/>`.
pub fn request(m: &str) -> Element {
    Element::new("request-token", ns::FAST).with_attr("mechanism", m)
}

/// `<fast count=… invalidate=…/>`.
pub fn fast(count: Option<u64>, invalidate: bool) -> Element {
    let mut e = Element::new("fast", ns::FAST);
    if let Some(c) = count {
        e = e.with_attr("count", c.to_string());
    }
    if invalidate {
        e = e.with_attr("invalidate", "1");
    }
    e
}

impl Stream {
    /// Sends `el`; returns the first SASL2 answer.
    pub fn send(&mut self, el: &Element) -> Reply {
        let out = self.core.on_bytes(el.to_xml_in(ns::CLIENT).as_bytes());
        let el = elements(&mut self.parser, out)
            .into_iter()
            .find(|e| e.ns == ns::SASL2)
            .expect("a SASL2 answer");
        Reply { el }
    }

    /// FAST mechanisms advertised in `<inline/>`.
    pub fn fast_mechanisms(&self) -> Vec<String> {
        self.features
            .child("authentication", ns::SASL2)
            .and_then(|a| a.child("inline", ns::SASL2))
            .and_then(|i| i.child("fast", ns::FAST))
            .map(|f| f.elements().map(Element::text).collect())
            .unwrap_or_default()
    }

    /// Top-level SASL2 mechanisms.
    pub fn mechanisms(&self) -> Vec<String> {
        self.features
            .child("authentication", ns::SASL2)
            .map(|a| {
                a.children_named("mechanism", ns::SASL2)
                    .map(Element::text)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// PLAIN login with `password`, user agent `ua_id` (if any) and `inline` requests.
    pub fn password(&mut self, password: &str, ua_id: Option<&str>, inline: &[Element]) -> Reply {
        let ir = format!("\0{USER}\0{password}");
        let mut a = Element::new("authenticate", ns::SASL2)
            .with_attr("mechanism", "PLAIN")
            .with_child(
                Element::new("initial-response", ns::SASL2)
                    .with_text(crate::modules::payload::encode(ir.as_bytes())),
            );
        if let Some(id) = ua_id {
            a = a.with_child(ua(id));
        }
        for e in inline {
            a = a.with_child(e.clone());
        }
        self.send(&a)
    }

    /// The channel-binding data `m` hashes on this stream.
    pub fn cb(&self, m: Mechanism) -> Vec<u8> {
        match m {
            Mechanism::HtSha256(Some(t)) => self.tls.data(t).unwrap_or_default().to_vec(),
            _ => Vec::new(),
        }
    }

    /// The -09 initiator message for `token` over this stream's binding for `m`.
    pub fn initiator(&self, m: Mechanism, user: &str, token: &str) -> Vec<u8> {
        let hm = HtMechanism::from_mechanism(m).unwrap();
        ht::initiator_message(
            hm,
            HtDraft::Schmaus09,
            user,
            token.as_bytes(),
            &self.cb(m),
            b"",
        )
        .unwrap()
    }

    /// `<authenticate mechanism=m>` with `initial` as initial response and `inline` requests.
    pub fn authenticate_raw(&mut self, m: Mechanism, initial: &[u8], inline: &[Element]) -> Reply {
        let mut a = Element::new("authenticate", ns::SASL2)
            .with_attr("mechanism", m.name())
            .with_child(
                Element::new("initial-response", ns::SASL2)
                    .with_text(crate::modules::payload::encode(initial)),
            );
        for e in inline {
            a = a.with_child(e.clone());
        }
        self.send(&a)
    }

    /// HT authentication of `USER` with `token` under `m`, as client `ua_id`, with `inline`
    /// requests (put `fast(..)` there).
    pub fn token(&mut self, m: Mechanism, ua_id: &str, token: &str, inline: &[Element]) -> Reply {
        let ir = self.initiator(m, USER, token);
        let mut all = vec![ua(ua_id)];
        all.extend_from_slice(inline);
        self.authenticate_raw(m, &ir, &all)
    }

    /// Whether `reply` carries the correct -09 responder HMAC for `token` under `m`.
    pub fn responder_ok(&self, m: Mechanism, token: &str, reply: &Reply) -> bool {
        let hm = HtMechanism::from_mechanism(m).unwrap();
        reply.additional().is_some_and(|d| {
            ht::verify_responder(hm, HtDraft::Schmaus09, token.as_bytes(), &self.cb(m), &d).is_ok()
        })
    }
}
