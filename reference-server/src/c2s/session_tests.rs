//! Unit tests of the session core fed bytes directly (no sockets), with a scripted mechanism so
//! the SASL2/legacy state machines are tested independently of SCRAM.

use std::sync::Arc;
use std::time::SystemTime;

use gatecheck_proto::sasl::{ChannelBindings, Mechanism, SaslCondition, TlsVersion};
use gatecheck_proto::xml::{JABBER_CLIENT_NS, Limits, StreamEvent, StreamParser};
use proptest::prelude::*;

use super::budget::{BudgetSettings, FailureBudget};
use super::core::{Action, SessionCore};
use super::services::{C2sSettings, Services};
use super::session::C2sSession;
use crate::env::Env;
use crate::route::NullRouter;
use crate::sasl::mechanism::*;
use crate::store::MemoryStore;

/// PLAIN-shaped script: IR `\0alice\0good` succeeds at once; `\0alice\0more` asks one challenge
/// `more?` whose response must be `yes`; anything else is `not-authorized`.
struct Scripted {
    waiting: bool,
}

impl ServerMechanism for Scripted {
    fn step(&mut self, input: Option<&[u8]>) -> Result<MechanismStep, MechanismFailure> {
        let ok = |authzid: Option<&str>| MechanismStep::Success {
            username: "alice".into(),
            authzid: authzid.map(Into::into),
            additional_data: Some(b"done".to_vec()),
            renewal_due: false,
        };
        match (self.waiting, input) {
            (true, Some(b"yes")) => Ok(ok(None)),
            (false, Some(b"\0alice\0good")) => Ok(ok(None)),
            (false, Some(b"Alice@Example.org\0alice\0good")) => Ok(ok(Some("Alice@Example.org"))),
            (false, Some(b"bob@example.org\0alice\0good")) => Ok(ok(Some("bob@example.org"))),
            (false, Some(b"\0alice\0more")) => {
                self.waiting = true;
                Ok(MechanismStep::Challenge(b"more?".to_vec()))
            }
            (false, Some(b"")) | (false, None) => {
                Err(MechanismFailure::new(SaslCondition::MalformedRequest))
            }
            _ => Err(MechanismFailure::new(SaslCondition::NotAuthorized)),
        }
    }
}

struct ScriptedProvider;

impl MechanismProvider for ScriptedProvider {
    fn offered(&self, _: Option<&ChannelBindings>, _: Profile) -> Vec<Mechanism> {
        vec![Mechanism::Plain]
    }
    fn start(&self, _: Mechanism, _: &MechanismContext) -> Box<dyn ServerMechanism> {
        Box::new(Scripted { waiting: false })
    }
}

fn tls() -> ChannelBindings {
    let mut t = ChannelBindings::none(TlsVersion::Tls13);
    t.tls_exporter = Some(vec![7; 32]);
    t.tls_server_end_point = Some(vec![1; 32]);
    t
}

fn core(require_encryption: bool) -> C2sSession {
    core_with(require_encryption, crate::root::modules().unwrap())
}

fn core_with(require_encryption: bool, modules: crate::module::ModuleRegistry) -> C2sSession {
    let svc = Services {
        settings: C2sSettings {
            domain: "example.org".into(),
            require_encryption,
            max_auth_attempts: 3,
            limits: Limits::default(),
        },
        store: Arc::new(MemoryStore::new()),
        mechanisms: Arc::new(ScriptedProvider),
        modules,
        env: Env::deterministic(SystemTime::UNIX_EPOCH, 1),
        budget: Arc::new(FailureBudget::new(BudgetSettings::OFF)),
    };
    C2sSession::new(Arc::new(svc), Arc::new(NullRouter))
}

const HEADER: &str = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>";

fn feed(c: &mut C2sSession, s: &str) -> (String, Vec<Action>) {
    let actions = c.on_bytes(s.as_bytes());
    let mut text = String::new();
    for a in &actions {
        if let Action::Send(b) = a {
            text.push_str(&String::from_utf8_lossy(b));
        }
    }
    (text, actions)
}

/// A core with TLS up (direct TLS) and the stream opened.
fn opened() -> C2sSession {
    let mut c = core(true);
    c.on_connect("127.0.0.1:1".parse().unwrap(), Some(&tls()));
    let (out, _) = feed(&mut c, HEADER);
    assert!(
        out.contains("<authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism>"),
        "{out}"
    );
    c
}

fn auth2(ir: &str, extra: &str) -> String {
    format!(
        "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>{ir}</initial-response>{extra}</authenticate>"
    )
}

fn b64(s: &[u8]) -> String {
    crate::modules::payload::encode(s)
}

#[test]
fn starttls_required_then_sasl2_offered() {
    let mut c = core(true);
    let (out, _) = feed(&mut c, HEADER);
    assert!(
        out.contains("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>")
    );
    assert!(!out.contains("urn:xmpp:sasl:2"), "SASL2 before TLS: {out}");
    let (out, actions) = feed(
        &mut c,
        "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><injected/>",
    );
    assert_eq!(out, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    assert_eq!(actions.last(), Some(&Action::StartTls));
    assert!(c.on_tls_established(&tls()).is_empty());
    let (out, _) = feed(&mut c, HEADER);
    assert!(out.contains("<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-server-end-point'/><channel-binding type='tls-exporter'/>"), "{out}");
    assert!(!out.contains("starttls"));
    assert!(out.contains("<bind xmlns='urn:xmpp:bind:0'><inline/></bind>"));
}

#[test]
fn plaintext_stanza_with_required_tls_is_policy_violation() {
    let mut c = core(true);
    feed(&mut c, HEADER);
    let (out, actions) = feed(&mut c, &auth2("", ""));
    assert!(out.contains("<policy-violation"), "{out}");
    assert!(out.ends_with("</stream:stream>"));
    assert_eq!(actions.last(), Some(&Action::Close));
}

#[test]
fn sasl2_success_with_bind2_and_challenge() {
    let mut c = opened();
    let (out, _) = feed(
        &mut c,
        &auth2(
            &b64(b"\0alice\0more"),
            "<bind xmlns='urn:xmpp:bind:0'><tag>App</tag></bind>",
        ),
    );
    assert_eq!(
        out,
        format!(
            "<challenge xmlns='urn:xmpp:sasl:2'>{}</challenge>",
            b64(b"more?")
        )
    );
    let (out, actions) = feed(
        &mut c,
        &format!(
            "<response xmlns='urn:xmpp:sasl:2'>{}</response>",
            b64(b"yes")
        ),
    );
    assert!(out.starts_with(&format!("<success xmlns='urn:xmpp:sasl:2'><additional-data>{}</additional-data><authorization-identifier>alice@example.org/App.", b64(b"done"))), "{out}");
    assert!(
        out.contains("<bound xmlns='urn:xmpp:bind:0'/></success><stream:features/>"),
        "{out}"
    );
    assert!(actions.contains(&Action::Authenticated));
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Bind(j) if j.starts_with("alice@example.org/App.")))
    );
    let (out, actions) = feed(&mut c, &auth2(&b64(b"\0alice\0good"), ""));
    assert!(
        out.contains("<policy-violation"),
        "second authenticate: {out}"
    );
    assert_eq!(actions.last(), Some(&Action::Close));
}

#[test]
fn failure_retry_abort_and_limit() {
    let mut c = opened();
    let (out, actions) = feed(
        &mut c,
        &auth2(&b64(b"\0alice\0bad"), "<bind xmlns='urn:xmpp:bind:0'/>"),
    );
    // SASL2-26: the inline bind of a failed attempt is never processed.
    assert!(
        !actions
            .iter()
            .any(|a| matches!(a, Action::Bind(_) | Action::Authenticated))
    );
    assert_eq!(
        out,
        "<failure xmlns='urn:xmpp:sasl:2'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></failure>"
    );
    let (out, _) = feed(&mut c, &auth2(&b64(b"\0alice\0more"), ""));
    assert!(out.starts_with("<challenge"));
    let (out, _) = feed(&mut c, "<abort xmlns='urn:xmpp:sasl:2'/>");
    assert_eq!(
        out,
        "<failure xmlns='urn:xmpp:sasl:2'><aborted xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></failure>"
    );
    let (out, actions) = feed(&mut c, "<authenticate xmlns='urn:xmpp:sasl:2'/>");
    assert!(out.contains("<malformed-request"), "{out}");
    assert!(
        out.contains("<policy-violation"),
        "third failure ends the stream: {out}"
    );
    assert_eq!(actions.last(), Some(&Action::Close));
}

#[test]
fn bad_inputs_get_defined_answers() {
    let cases = [
        (
            "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='X-BOGUS'/>",
            "<invalid-mechanism",
        ),
        (&auth2("***", "") as &str, "<incorrect-encoding"),
        (&auth2("", ""), "<malformed-request"),
        (
            &auth2(&b64(b"bob@example.org\0alice\0good"), ""),
            "<invalid-authzid",
        ),
    ];
    for (input, expect) in cases {
        let mut c = opened();
        let (out, actions) = feed(&mut c, input);
        assert!(
            out.starts_with("<failure xmlns='urn:xmpp:sasl:2'>") && out.contains(expect),
            "{input}: {out}"
        );
        assert!(!actions.contains(&Action::Close));
    }
    let mut c = opened();
    let (out, _) = feed(&mut c, &auth2(&b64(b"Alice@Example.org\0alice\0good"), ""));
    assert!(
        out.contains("<authorization-identifier>alice@example.org</authorization-identifier>"),
        "{out}"
    );
    let mut c = opened();
    let (out, _) = feed(
        &mut c,
        "<authenticate xmlns='urn:xmpp:sasl:1' mechanism='PLAIN'/>",
    );
    assert!(out.contains("<unsupported-stanza-type"), "{out}");
}

#[test]
fn mid_auth_stanza_or_whitespace_closes() {
    for intruder in [
        "<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>",
        " ",
    ] {
        let mut c = opened();
        feed(&mut c, &auth2(&b64(b"\0alice\0more"), ""));
        let (out, actions) = feed(&mut c, intruder);
        assert!(out.contains("<policy-violation"), "{out}");
        assert_eq!(actions.last(), Some(&Action::Close));
    }
}

#[test]
fn legacy_sasl_restart_bind_session_ping() {
    let mut c = opened();
    let (out, actions) = feed(
        &mut c,
        &format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{}</auth>{HEADER}",
            b64(b"\0alice\0good")
        ),
    );
    assert!(
        out.starts_with(&format!(
            "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</success><?xml",
            b64(b"done")
        )),
        "{out}"
    );
    assert!(
        out.contains("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"),
        "{out}"
    );
    assert!(actions.contains(&Action::Authenticated));
    let (out, _) = feed(
        &mut c,
        "<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>",
    );
    assert!(out.contains("<not-authorized"), "stanza before bind: {out}");
    let mut c = opened();
    feed(
        &mut c,
        &format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{}</auth>{HEADER}",
            b64(b"\0alice\0good")
        ),
    );
    let (out, actions) = feed(
        &mut c,
        "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>phone</resource></bind></iq>",
    );
    assert_eq!(
        out,
        "<iq id='b' to='alice@example.org/phone' type='result'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.org/phone</jid></bind></iq>"
    );
    assert!(actions.contains(&Action::Bind("alice@example.org/phone".into())));
    let (out, _) = feed(
        &mut c,
        "<iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq><iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq><iq type='get' id='v'><query xmlns='jabber:iq:version'/></iq>",
    );
    assert!(
        out.contains("<iq id='s' to='alice@example.org/phone' type='result'/>"),
        "{out}"
    );
    assert!(
        out.contains("<iq id='p' to='alice@example.org/phone' type='result'/>"),
        "{out}"
    );
    assert!(out.contains("<iq id='v' to='alice@example.org/phone' type='error'><error type='cancel'><service-unavailable"), "{out}");
}

#[test]
fn header_errors() {
    let mut c = core(false);
    let (out, actions) = feed(
        &mut c,
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='other.org' version='1.0'>",
    );
    assert!(
        out.starts_with("<?xml") && out.contains("<host-unknown"),
        "{out}"
    );
    assert_eq!(actions.last(), Some(&Action::Close));
    let mut c = core(false);
    let (out, _) = feed(
        &mut c,
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'><a><b></a>",
    );
    assert!(
        out.contains("<not-well-formed") && out.ends_with("</stream:stream>"),
        "{out}"
    );
}

/// Every byte the core emits must parse: each stream (a restart writes a new declaration and
/// header) is fed to a fresh framer, which must not report an error.
fn assert_parses(all: &str) {
    for stream in all.split("<?xml version='1.0'?>").filter(|s| !s.is_empty()) {
        let mut p =
            StreamParser::new(Limits::default()).expecting_content_namespace(JABBER_CLIENT_NS);
        p.feed(stream.as_bytes());
        loop {
            match p.next_event() {
                Ok(Some(StreamEvent::Close)) | Ok(None) => break,
                Ok(Some(_)) => {}
                Err(e) => panic!("server output does not parse: {e}: {all}"),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_input_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..6), tls_up in any::<bool>(), with_header in any::<bool>()) {
        let mut c = core(!tls_up);
        if tls_up {
            c.on_connect("127.0.0.1:1".parse().unwrap(), Some(&tls()));
        }
        let mut all = String::new();
        let mut first = if with_header { HEADER.as_bytes().to_vec() } else { Vec::new() };
        first.extend(chunks.first().cloned().unwrap_or_default());
        for chunk in std::iter::once(first).chain(chunks.into_iter().skip(1)) {
            for a in c.on_bytes(&chunk) {
                if let Action::Send(b) = a {
                    all.push_str(std::str::from_utf8(&b).expect("server output is UTF-8"));
                }
            }
        }
        assert_parses(&all);
    }
}

/// A module contributing a mechanism through the `Module::mechanisms` hook (the seam FAST's HT-*
/// mechanisms use): HT-SHA-256-NONE, whose script answers an absent initial response with an
/// empty challenge and accepts the response `tok`.
struct TokenModule;

struct TokenMechanism;

impl ServerMechanism for TokenMechanism {
    fn step(&mut self, input: Option<&[u8]>) -> Result<MechanismStep, MechanismFailure> {
        match input {
            None => Ok(MechanismStep::Challenge(Vec::new())),
            Some(b"tok") => Ok(MechanismStep::Success {
                username: "alice".into(),
                authzid: None,
                additional_data: None,
                renewal_due: false,
            }),
            Some(_) => Err(MechanismFailure::new(SaslCondition::NotAuthorized)),
        }
    }
}

const HT: Mechanism = Mechanism::HtSha256(None);

impl crate::module::Module for TokenModule {
    fn name(&self) -> &'static str {
        "token"
    }
    fn mechanisms(&self, cx: &crate::module::OfferContext<'_>) -> Vec<Mechanism> {
        if cx.tls.is_some() {
            vec![HT]
        } else {
            Vec::new()
        }
    }
    fn start_mechanism(
        &self,
        m: Mechanism,
        cx: &MechanismContext,
    ) -> Option<Box<dyn ServerMechanism>> {
        assert_eq!(cx.domain, "example.org");
        (m == HT).then(|| Box::new(TokenMechanism) as Box<dyn ServerMechanism>)
    }
}

fn opened_with_token_module() -> (C2sSession, String) {
    let mut modules = crate::root::modules().unwrap();
    modules.register(TokenModule).unwrap();
    let mut c = core_with(true, modules);
    c.on_connect("127.0.0.1:1".parse().unwrap(), Some(&tls()));
    let (out, _) = feed(&mut c, HEADER);
    (c, out)
}

#[test]
fn module_contributes_mechanisms() {
    let (mut c, out) = opened_with_token_module();
    // Merged with the built-in provider's list, in Mechanism::ALL order, in both profiles; in
    // SASL2 an HT-* mechanism is offered (accepted below) but never listed as a top-level
    // <mechanism/> (XEP-0484 §3.1: only FAST's <fast/> lists them).
    assert!(
        out.contains(
            "<authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism><inline>"
        ),
        "{out}"
    );
    assert!(
        out.contains("<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>HT-SHA-256-NONE</mechanism></mechanisms>"),
        "{out}"
    );
    let (out, actions) = feed(
        &mut c,
        &format!(
            "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='HT-SHA-256-NONE'><initial-response>{}</initial-response></authenticate>",
            b64(b"tok")
        ),
    );
    assert!(
        out.starts_with("<success xmlns='urn:xmpp:sasl:2'>"),
        "{out}"
    );
    assert!(actions.contains(&Action::Authenticated));
    // Without the module the name is not offered, so it is refused.
    let mut c = opened();
    let (out, _) = feed(
        &mut c,
        "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='HT-SHA-256-NONE'/>",
    );
    assert!(out.contains("<invalid-mechanism"), "{out}");
}

#[test]
fn legacy_empty_challenge_is_an_empty_element() {
    // RFC 6120 §6.4.3 defines no `=` for challenges (only §6.4.2 for the initial response and
    // §6.4.6 for success data).
    let (mut c, _) = opened_with_token_module();
    let (out, _) = feed(
        &mut c,
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='HT-SHA-256-NONE'/>",
    );
    assert_eq!(out, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    let (out, _) = feed(
        &mut c,
        &format!(
            "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</response>",
            b64(b"tok")
        ),
    );
    assert_eq!(out, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
}

#[test]
fn legacy_auth_mid_handshake_restarts_it() {
    // RFC 6120 §6.4.2: a new <auth/> during a handshake discards the old one and starts anew;
    // the discarded handshake is not a failure, so it does not use up a retry.
    let mut c = opened();
    let auth = |ir: &[u8]| {
        format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{}</auth>",
            b64(ir)
        )
    };
    for _ in 0..5 {
        let (out, actions) = feed(&mut c, &auth(b"\0alice\0more"));
        assert_eq!(
            out,
            format!(
                "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>",
                b64(b"more?")
            )
        );
        assert!(!actions.contains(&Action::Close));
    }
    let (out, actions) = feed(&mut c, &auth(b"\0alice\0good"));
    assert!(
        out.starts_with("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"),
        "{out}"
    );
    assert!(actions.contains(&Action::Authenticated));
    // SASL2 keeps XEP-0388 §2.4: a second <authenticate/> mid-exchange ends the stream.
    let mut c = opened();
    feed(&mut c, &auth2(&b64(b"\0alice\0more"), ""));
    let (out, actions) = feed(&mut c, &auth2(&b64(b"\0alice\0good"), ""));
    assert!(out.contains("<policy-violation"), "{out}");
    assert_eq!(actions.last(), Some(&Action::Close));
}

#[test]
fn retries_option_allows_that_many_retries() {
    // RFC 6120 §6.4.5: c2s_max_auth_retries = 2 means the first attempt plus two retries.
    let config = crate::Config {
        domain: "example.org".into(),
        c2s_max_auth_retries: 2,
        ..crate::Config::default()
    };
    let settings = C2sSettings::from_config(&config);
    assert_eq!(settings.max_auth_attempts, 3);
    let svc = Services {
        settings,
        store: Arc::new(MemoryStore::new()),
        mechanisms: Arc::new(ScriptedProvider),
        modules: crate::root::modules().unwrap(),
        env: Env::deterministic(SystemTime::UNIX_EPOCH, 1),
        budget: Arc::new(FailureBudget::new(BudgetSettings::OFF)),
    };
    let mut c = C2sSession::new(Arc::new(svc), Arc::new(NullRouter));
    c.on_connect("127.0.0.1:1".parse().unwrap(), Some(&tls()));
    feed(&mut c, HEADER);
    for attempt in 1..=3 {
        let (out, actions) = feed(&mut c, &auth2(&b64(b"\0alice\0bad"), ""));
        assert!(out.contains("<not-authorized"), "{out}");
        assert_eq!(
            actions.contains(&Action::Close),
            attempt == 3,
            "attempt {attempt}: {out}"
        );
    }
}

/// Issue 13, problem 2: failures are counted per address and per account across connections
/// (shared `Services::budget`, injected clock); once a budget is spent the next attempt gets
/// `<temporary-auth-failure/>` with a text and the mechanism does not run (the right password is
/// refused too); after the lockout a success clears the account.
#[test]
fn failure_budget_spans_connections_and_refuses_without_running_the_mechanism() {
    use crate::env::{ManualClock, SeededRng};
    let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH));
    let svc = Arc::new(Services {
        settings: C2sSettings {
            domain: "example.org".into(),
            require_encryption: false,
            max_auth_attempts: 3,
            limits: Limits::default(),
        },
        store: Arc::new(MemoryStore::new()),
        mechanisms: Arc::new(ScriptedProvider),
        modules: crate::root::modules().unwrap(),
        env: Env {
            clock: clock.clone(),
            rng: Arc::new(SeededRng::new(1)),
        },
        budget: Arc::new(FailureBudget::new(BudgetSettings {
            period: 300,
            per_address: 5,
            per_account: 3,
        })),
    });
    let connect = |peer: &str| {
        let mut c = C2sSession::new(svc.clone(), Arc::new(NullRouter));
        c.on_connect(peer.parse().unwrap(), Some(&tls()));
        feed(&mut c, HEADER);
        c
    };
    // Three wrong passwords for alice, one per connection from three addresses.
    for i in 1..=3 {
        let mut c = connect(&format!("192.0.2.{i}:1000"));
        let (out, _) = feed(&mut c, &auth2(&b64(b"\0alice\0bad"), ""));
        assert!(out.contains("<not-authorized"), "{out}");
    }
    // The account is locked now, for everybody, even with the right password.
    let mut c = connect("198.51.100.9:1000");
    let (out, _) = feed(&mut c, &auth2(&b64(b"\0alice\0good"), ""));
    assert!(out.contains("<temporary-auth-failure"), "{out}");
    assert!(out.contains("try again in 300 s"), "{out}");
    // Another account from a fresh address is unaffected.
    let mut c = connect("198.51.100.10:1000");
    let (out, _) = feed(&mut c, &auth2(&b64(b"\0bob\0bad"), ""));
    assert!(out.contains("<not-authorized"), "{out}");
    // After the lockout the right password works and clears the account's record.
    clock.advance(std::time::Duration::from_secs(301));
    let mut c = connect("198.51.100.9:1000");
    let (out, actions) = feed(&mut c, &auth2(&b64(b"\0alice\0good"), ""));
    assert!(out.contains("<success"), "{out}");
    assert!(actions.contains(&Action::Authenticated));
    // An authenticated session keeps nothing of the budget's per-stream facts.
    assert!(
        c.module_state
            .get::<super::auth_flow::AuthGuard>()
            .is_none()
    );
    // The address budget: five failures from one address over any accounts.
    for i in 0..5 {
        let mut c = connect("203.0.113.7:1000");
        let user = format!("\0user{i}\0bad");
        let (out, _) = feed(&mut c, &auth2(&b64(user.as_bytes()), ""));
        assert!(out.contains("<not-authorized"), "{out}");
    }
    let mut c = connect("203.0.113.7:2000");
    let (out, _) = feed(&mut c, &auth2(&b64(b"\0alice\0good"), ""));
    assert!(out.contains("<temporary-auth-failure"), "{out}");
    assert!(out.contains("from your address"), "{out}");
    // The RFC 6120 profile gets the same refusal.
    let mut c = connect("203.0.113.7:3000");
    let legacy = format!(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{}</auth>",
        b64(b"\0alice\0good")
    );
    let (out, _) = feed(&mut c, &legacy);
    assert!(out.contains("<temporary-auth-failure/>"), "{out}");
    assert!(out.contains("<text"), "{out}");
}

/// Issue 13, problem 4: whitespace keepalives (RFC 6120 §4.6.1), one per read, are allowed
/// indefinitely (10,000 of them is more than twice the 4 KiB run limit, i.e. about a week of one
/// per minute); one run of whitespace larger than the limit in a single read is still refused.
#[test]
fn keepalives_never_end_a_session_but_a_huge_run_does() {
    let mut c = core(false);
    c.on_connect("127.0.0.1:1".parse().unwrap(), Some(&tls()));
    feed(&mut c, HEADER);
    for i in 0..10_000 {
        let (out, actions) = feed(&mut c, " ");
        assert!(
            !out.contains("policy-violation") && !actions.contains(&Action::Close),
            "keepalive {i}: {out}"
        );
    }
    let (out, actions) = feed(
        &mut c,
        &" ".repeat(Limits::default().max_top_level_text + 1),
    );
    assert!(out.contains("policy-violation"), "{out}");
    assert!(actions.contains(&Action::Close));
}
