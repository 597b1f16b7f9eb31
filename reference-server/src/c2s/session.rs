//! The sans-IO c2s session core: stream open and restart, STARTTLS, features and dispatch of
//! top-level elements by authentication state. SASL sequencing is in [`super::auth_flow`], the
//! authenticated stanza dispatch in [`super::dispatch`]; everything protocol-specific beyond
//! that comes from the modules in [`Services::modules`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use gatecheck_proto::ns;
use gatecheck_proto::sasl::{
    ChannelBindingType, ChannelBindings, Mechanism, ScramHash, TlsVersion,
};
use gatecheck_proto::xml::{
    Element, STREAM_CLOSE, StreamErrorCondition, StreamEvent, StreamHeader, StreamParser,
};

use super::core::{Action, ConnectionContext, CoreFactory, SessionCore};
use super::features;
use super::services::Services;
use super::stream::{
    HeaderError, new_stream_id, response_header, stream_error_bytes, validate_header,
};
use crate::breaks::{Break, BreakSet};
use crate::module::{
    FeatureContext, Handled, Identity, IqPhase, ModuleContext, ModuleRegistry, OfferContext,
    StreamPhase, StreamState,
};
use crate::route::StanzaRouter;
use crate::sasl::mechanism::{Profile, ServerMechanism, advertised_bindings};

/// Where authentication stands on this stream.
pub(crate) enum AuthState {
    /// No exchange running.
    Idle,
    /// A mechanism is waiting for the client's next response.
    InProgress {
        /// Registry index of the module whose SASL profile carries the exchange.
        profile: usize,
        mechanism: Box<dyn ServerMechanism>,
        /// Which mechanism runs (FAST needs to know at success whether a token was used).
        mechanism_name: Mechanism,
        /// SASL2 inline requests, processed only if this attempt succeeds (SASL2-26).
        inline_requests: Vec<Element>,
        user_agent_id: Option<String>,
        /// `<user-agent><software/>`, captured only for the SASL2-12 broken build.
        software: Option<String>,
    },
    /// Authenticated; the account and resource are in [`C2sSession::identity`].
    Done,
}

/// The c2s session core (one per connection).
pub struct C2sSession {
    pub(super) svc: Arc<Services>,
    pub(super) router: Arc<dyn StanzaRouter>,
    parser: StreamParser,
    pub(super) tls: Option<ChannelBindings>,
    /// Whether our header for the current stream has been written.
    header_sent: bool,
    /// Bare JID from the client's header `from`, if any.
    pub(super) from_hint: Option<String>,
    pub(super) auth: AuthState,
    pub(super) identity: Identity,
    pub(super) failures: u32,
    closed: bool,
    pub(super) out: Vec<Action>,
    /// SASL2 mechanisms advertised on this stream (empty before TLS).
    pub(super) sasl2_offered: Vec<Mechanism>,
    /// Legacy mechanisms advertised on this stream.
    pub(super) legacy_offered: Vec<Mechanism>,
    /// XEP-0440 channel-binding types advertised.
    pub(super) cb_types: Vec<ChannelBindingType>,
    /// Inline requests of a failed attempt, kept only by the SASL2-26 broken build.
    pub(super) carried_inline: Vec<Element>,
    /// What modules remember about this stream ([`ModuleContext::state`]).
    pub(super) module_state: StreamState,
}

/// Factory for [`C2sSession`]: the server's default core.
pub struct C2sFactory {
    svc: Arc<Services>,
}

impl C2sFactory {
    /// A factory sharing `svc` between all sessions.
    pub fn new(svc: Services) -> Self {
        Self { svc: Arc::new(svc) }
    }
}

impl CoreFactory for C2sFactory {
    fn create(&self, ctx: &ConnectionContext) -> Box<dyn SessionCore> {
        Box::new(C2sSession::new(self.svc.clone(), ctx.router.clone()))
    }
}

impl C2sSession {
    /// A fresh core awaiting the client's stream header.
    pub fn new(svc: Arc<Services>, router: Arc<dyn StanzaRouter>) -> Self {
        let parser = StreamParser::new(svc.settings.limits).expecting_content_namespace(ns::CLIENT);
        let identity = Identity {
            domain: svc.settings.domain.clone(),
            username: None,
            resource: None,
        };
        Self {
            svc,
            router,
            parser,
            tls: None,
            header_sent: false,
            from_hint: None,
            auth: AuthState::Idle,
            identity,
            failures: 0,
            closed: false,
            out: Vec::new(),
            sasl2_offered: Vec::new(),
            legacy_offered: Vec::new(),
            cb_types: Vec::new(),
            carried_inline: Vec::new(),
            module_state: StreamState::default(),
        }
    }

    /// The deliberately injected bugs (always empty in a normal build).
    pub(super) fn breaks(&self) -> BreakSet {
        self.svc.modules.breaks()
    }

    /// Ends the connection without a stream error (only the SASL2-127 broken build does this).
    pub(super) fn close_silently(&mut self) {
        self.out.push(Action::Close);
        self.closed = true;
    }

    /// The mechanisms `profile` offers on this stream: the built-in provider's (SCRAM, PLAIN) and
    /// every module's, in [`Mechanism::ALL`] order.
    fn offered(&self, profile: Profile) -> Vec<Mechanism> {
        let tls = self.tls.as_ref();
        let mut v = self.svc.mechanisms.offered(tls, profile);
        v.extend(self.svc.modules.mechanisms(&self.offer_context(profile)));
        let brk = self.breaks();
        if profile == Profile::Sasl2 {
            if brk.has(Break::R33PlainOffered) && tls.is_some() {
                v.push(Mechanism::Plain);
            }
            static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
            if brk.has(Break::R7UnstableFeatures)
                && CONNECTIONS.fetch_add(1, Ordering::Relaxed) % 2 == 1
            {
                v.retain(|m| {
                    !matches!(
                        m,
                        Mechanism::Scram {
                            hash: ScramHash::Sha1,
                            ..
                        }
                    )
                });
            }
        }
        if brk.has(Break::R115MissingPlusVariant) {
            let plus = Mechanism::Scram {
                hash: ScramHash::Sha256,
                plus: true,
            };
            v.retain(|m| *m != plus);
        }
        v.sort_by_key(|m| Mechanism::ALL.iter().position(|a| a == m));
        v.dedup();
        v
    }

    /// The stream facts modules choose their offers by.
    fn offer_context(&self, profile: Profile) -> OfferContext<'_> {
        OfferContext {
            tls: self.tls.as_ref(),
            profile,
            names_user: self.from_hint.as_deref().is_some_and(|f| f.contains('@')),
        }
    }

    pub(super) fn send(&mut self, s: impl Into<Vec<u8>>) {
        self.out.push(Action::Send(s.into()));
    }

    pub(super) fn send_el(&mut self, e: &Element) {
        self.send(e.to_xml_in(ns::CLIENT));
    }

    /// Runs `f` with the module registry and a [`ModuleContext`] over this stream.
    pub(super) fn with_modules<R>(
        &mut self,
        f: impl FnOnce(&ModuleRegistry, &mut ModuleContext<'_>) -> R,
    ) -> R {
        let svc = self.svc.clone();
        let mut cx = ModuleContext {
            identity: &mut self.identity,
            env: &svc.env,
            store: svc.store.as_ref(),
            router: self.router.as_ref(),
            tls: self.tls.as_ref(),
            server_features: svc.modules.disco_features(),
            server_items: svc.modules.disco_items(),
            breaks: svc.modules.breaks(),
            state: &mut self.module_state,
            out: &mut self.out,
        };
        let r = f(&svc.modules, &mut cx);
        if matches!(self.out.last(), Some(Action::Close)) {
            // A module ended the stream (ModuleContext::end_stream): read nothing more.
            self.closed = true;
        }
        r
    }

    /// Sends a stream error, closes the stream and stops processing input.
    pub(super) fn stream_error(&mut self, cond: StreamErrorCondition, text: Option<&str>) {
        if self.closed {
            return;
        }
        let id = (!self.header_sent).then(|| new_stream_id(&self.svc.env));
        let bytes = stream_error_bytes(&self.svc.settings.domain, id.as_deref(), cond, text);
        self.send(bytes);
        self.out.push(Action::Close);
        self.closed = true;
    }

    fn take(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    /// Starts over after STARTTLS or legacy SASL success (RFC 6120 §5.4.3.3, §6.4.6).
    pub(super) fn restart(&mut self, keep_buffered: bool) {
        if keep_buffered {
            self.parser.reset_keep_buffered();
        } else {
            self.parser.reset();
        }
        self.header_sent = false;
    }

    fn on_header(&mut self, h: StreamHeader) {
        let from = match validate_header(&h, &self.svc.settings.domain) {
            Ok(f) => f,
            Err(HeaderError::InvalidFrom(_)) if self.breaks().has(Break::R6ForeignFromAccepted) => {
                None
            }
            Err(e) => return self.stream_error(e.condition(), Some(&e.to_string())),
        };
        self.from_hint = from;
        let id = new_stream_id(&self.svc.env);
        let header = response_header(&self.svc.settings.domain, &id, h.from.as_deref());
        self.send(header);
        self.header_sent = true;
        let feats = self.current_features();
        self.send(features::features_xml(&feats));
    }

    /// The stream's phase, for features and handler selection.
    fn phase(&self) -> StreamPhase {
        match (&self.auth, &self.tls) {
            (AuthState::Done, _) => StreamPhase::PostAuth {
                bound: self.identity.resource.is_some(),
            },
            (_, None) => StreamPhase::PreTls,
            (_, Some(_)) => StreamPhase::PreAuth,
        }
    }

    /// Features for the current state (RFC 6120 §4.3.2): STARTTLS (the session's own), then
    /// every module's, in registration order.
    pub(super) fn current_features(&mut self) -> Vec<Element> {
        let phase = self.phase();
        let brk = self.breaks();
        let s = &self.svc.settings;
        let mut v = Vec::new();
        if phase == StreamPhase::PreTls {
            v.push(features::starttls(s.require_encryption));
            if s.require_encryption && !brk.has(Break::R1OfferedBeforeTls) {
                // RFC 6120 §5.3.1: nothing else is negotiable before TLS.
                self.sasl2_offered.clear();
                self.legacy_offered.clear();
                if brk.has(Break::Ibr25RegisterBeforeTls) {
                    let cx = FeatureContext {
                        phase,
                        tls: None,
                        sasl2_mechanisms: &[],
                        legacy_mechanisms: &[],
                        cb_types: &[],
                        inline: &[],
                        breaks: brk,
                    };
                    let feats = self.svc.modules.stream_features(&cx);
                    v.extend(feats.into_iter().filter(|e| e.name == "register"));
                }
                return v;
            }
        }
        if !matches!(phase, StreamPhase::PostAuth { .. }) {
            let tls = self.tls.as_ref();
            self.cb_types = tls.map(advertised_bindings).unwrap_or_default();
            let tls13 = tls.is_some_and(|t| t.version == TlsVersion::Tls13);
            if brk.has(Break::R119EndPointNotAdvertised) {
                self.cb_types
                    .retain(|t| *t != ChannelBindingType::TlsServerEndPoint);
            }
            if brk.has(Break::R128TlsUniqueAdvertisedOnTls13) && tls13 {
                self.cb_types.push(ChannelBindingType::TlsUnique);
            }
            if brk.has(Break::R130TlsExporterRefusedOnTls13) && tls13 {
                self.cb_types
                    .retain(|t| *t != ChannelBindingType::TlsExporter);
            }
            // SASL2 only on TLS-protected streams (SASL2-1).
            self.sasl2_offered = if tls.is_some() || brk.has(Break::R1OfferedBeforeTls) {
                self.offered(Profile::Sasl2)
            } else {
                Vec::new()
            };
            self.legacy_offered = self.offered(Profile::Legacy);
        }
        let inline = if self.sasl2_offered.is_empty() {
            Vec::new()
        } else {
            let cx = self.offer_context(Profile::Sasl2);
            self.svc
                .modules
                .inline_advertisements(&cx, &self.sasl2_offered)
        };
        let cx = FeatureContext {
            phase,
            tls: self.tls.as_ref(),
            sasl2_mechanisms: &self.sasl2_offered,
            legacy_mechanisms: &self.legacy_offered,
            cb_types: &self.cb_types,
            inline: &inline,
            breaks: brk,
        };
        v.extend(self.svc.modules.stream_features(&cx));
        if brk.has(Break::R37Bind2TopLevel) && phase == StreamPhase::PreAuth {
            v.push(Element::new("bind", ns::BIND2));
        }
        v
    }

    fn on_element(&mut self, el: Element) {
        if matches!(self.auth, AuthState::InProgress { .. }) {
            return self.on_auth_element(el);
        }
        if let AuthState::Done = self.auth {
            if let Some(profile) = self.svc.modules.sasl_profile_for(&el)
                && self.breaks().has(Break::R30SecondAuthenticateAccepted)
            {
                return self.on_auth_start(profile, el);
            }
            if self.svc.modules.is_sasl_start(&el) {
                // SASL2-30 / RFC 6120 §6.4.6: no second authentication on a stream.
                return self.stream_error(
                    StreamErrorCondition::PolicyViolation,
                    Some("already authenticated"),
                );
            }
            return self.on_stanza(el);
        }
        if el.is("starttls", ns::TLS) {
            return self.on_starttls();
        }
        if self.tls.is_none() && self.svc.settings.require_encryption {
            // RFC 6120 §5.3.1: TLS is mandatory-to-negotiate here; anything else is a policy
            // violation (§4.9.3.14). Chosen over not-authorized so that SASL attempts and stanzas
            // get the same answer before TLS.
            return self.stream_error(
                StreamErrorCondition::PolicyViolation,
                Some("STARTTLS required"),
            );
        }
        if let Some(profile) = self.svc.modules.sasl_profile_for(&el) {
            return self.on_auth_start(profile, el);
        }
        let is_stanza =
            el.ns == ns::CLIENT && matches!(el.name.as_str(), "iq" | "message" | "presence");
        let handled = self.with_modules(|m, cx| {
            if is_stanza {
                if el.name == "iq" {
                    m.handle_iq(IqPhase::PreAuth, &el, cx)
                } else {
                    Handled::No
                }
            } else {
                m.pre_auth_element(&el, cx)
            }
        });
        if handled == Handled::Yes {
            return;
        }
        if is_stanza {
            // RFC 6120 §4.9.3.12: stanzas before authentication.
            return self.stream_error(StreamErrorCondition::NotAuthorized, None);
        }
        // RFC 6120 §4.9.3.24: a top-level element we do not know (wrong namespace included).
        self.stream_error(StreamErrorCondition::UnsupportedStanzaType, None)
    }

    fn on_starttls(&mut self) {
        if self.tls.is_some() {
            // RFC 6120 §5.4.2.2: failure, then close the stream.
            let failure = Element::new("failure", ns::TLS).to_xml_in(ns::CLIENT);
            self.send(format!("{failure}{STREAM_CLOSE}"));
            self.out.push(Action::Close);
            self.closed = true;
            return;
        }
        self.send_el(&Element::new("proceed", ns::TLS));
        self.out.push(Action::StartTls);
        // Nothing sent before the handshake may be processed after it.
        self.restart(false);
    }

    fn on_text(&mut self) {
        if matches!(self.auth, AuthState::InProgress { .. }) {
            // XEP-0388 §2.4: no whitespace during authentication (SASL2-16).
            self.stream_error(
                StreamErrorCondition::PolicyViolation,
                Some("whitespace during authentication"),
            );
        }
    }

    fn pump(&mut self) {
        while !self.closed {
            match self.parser.next_event() {
                Ok(None) => break,
                Ok(Some(StreamEvent::Header(h))) => self.on_header(h),
                Ok(Some(StreamEvent::Element(e))) => self.on_element(e),
                Ok(Some(StreamEvent::Text(_))) => self.on_text(),
                Ok(Some(StreamEvent::Close)) => {
                    self.send(STREAM_CLOSE);
                    self.out.push(Action::Close);
                    self.closed = true;
                }
                Err(e) => self.stream_error(e.condition(), Some(&e.to_string())),
            }
            if matches!(self.out.last(), Some(Action::StartTls)) {
                break;
            }
        }
    }
}

impl SessionCore for C2sSession {
    fn on_connect(&mut self, peer: SocketAddr, secure: Option<&ChannelBindings>) -> Vec<Action> {
        self.tls = secure.cloned();
        // Kept (in the stream's state, not a field) until authentication succeeds, for the
        // failure budget; removed then, so an authenticated session does not carry it.
        self.module_state.insert(super::auth_flow::AuthGuard {
            peer: Some(peer.ip()),
            claimed: None,
        });
        Vec::new()
    }

    fn on_bytes(&mut self, data: &[u8]) -> Vec<Action> {
        if !self.closed {
            // Each read is a new keepalive run (issue 13, problem 4): whitespace is bounded per
            // run between elements, never summed over the session.
            self.parser.input_pause();
            self.parser.feed(data);
            self.pump();
        }
        self.take()
    }

    fn on_tls_established(&mut self, info: &ChannelBindings) -> Vec<Action> {
        self.tls = Some(info.clone());
        self.take()
    }

    fn on_idle_timeout(&mut self) -> Vec<Action> {
        self.stream_error(StreamErrorCondition::ConnectionTimeout, None);
        self.take()
    }

    fn on_routed(&mut self, stanza: Vec<u8>) -> Vec<Action> {
        if !self.closed && self.header_sent {
            // A routed stream error (ModuleContext::end_sessions_of, e.g. the account was
            // removed) ends this stream; anything else is a stanza to pass on.
            let ends = stanza.starts_with(b"<stream:error>");
            self.send(stanza);
            if ends {
                self.send(STREAM_CLOSE);
                self.out.push(Action::Close);
                self.closed = true;
            }
        }
        self.take()
    }

    fn on_send_overflow(&mut self) -> Vec<Action> {
        // RFC 6120 §4.9.3.17: the server lacks the resources to serve the stream; here, the
        // memory it would take to hold what a non-reading client has not read.
        self.stream_error(
            StreamErrorCondition::ResourceConstraint,
            Some("send buffer full: the client is not reading"),
        );
        self.take()
    }

    fn on_shutdown(&mut self) -> Vec<Action> {
        self.stream_error(StreamErrorCondition::SystemShutdown, None);
        self.take()
    }
}
