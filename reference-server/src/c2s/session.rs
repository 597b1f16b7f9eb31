//! The sans-IO c2s session core: stream open and restart, STARTTLS, features and dispatch of
//! top-level elements by authentication state. SASL sequencing is in [`super::auth_flow`], the
//! authenticated stanza services in [`super::stanza`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use gatecheck_proto::sasl::Mechanism;
use gatecheck_proto::xml::{
    Element, JABBER_CLIENT_NS, STREAM_CLOSE, StreamErrorCondition, StreamEvent, StreamHeader,
    StreamParser,
};

use super::core::{Action, ConnectionContext, CoreFactory, SessionCore};
use super::features;
use super::mechanism::{Profile, ServerMechanism};
use super::ns;
use super::router::StanzaRouter;
use super::services::Services;
use super::stream::{response_header, stream_error_bytes, validate_header};
use super::stream_error::new_stream_id;
use crate::tls::TlsInfo;

/// Where authentication stands on this stream.
pub(crate) enum AuthState {
    /// No exchange running.
    Idle,
    /// A mechanism is waiting for the client's next response.
    InProgress {
        profile: Profile,
        mechanism: Box<dyn ServerMechanism>,
        /// SASL2 inline requests, processed only if this attempt succeeds (SASL2-26).
        inline_requests: Vec<Element>,
        user_agent_id: Option<String>,
    },
    /// Authenticated as `username`; `resource` once bound.
    Done {
        username: String,
        resource: Option<String>,
    },
}

/// The c2s session core (one per connection).
pub struct C2sSession {
    pub(crate) svc: Arc<Services>,
    pub(crate) router: Arc<dyn StanzaRouter>,
    pub(crate) parser: StreamParser,
    pub(crate) tls: Option<TlsInfo>,
    /// Whether our header for the current stream has been written.
    pub(crate) header_sent: bool,
    /// Bare JID from the client's header `from`, if any.
    pub(crate) from_hint: Option<String>,
    pub(crate) auth: AuthState,
    pub(crate) failures: u32,
    pub(crate) closed: bool,
    pub(crate) out: Vec<Action>,
    /// SASL2 mechanisms advertised on this stream (empty before TLS).
    pub(crate) sasl2_offered: Vec<Mechanism>,
    /// Legacy mechanisms advertised on this stream.
    pub(crate) legacy_offered: Vec<Mechanism>,
    /// XEP-0440 channel-binding types advertised.
    pub(crate) cb_types: Vec<String>,
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
        let parser =
            StreamParser::new(svc.settings.limits).expecting_content_namespace(JABBER_CLIENT_NS);
        Self {
            svc,
            router,
            parser,
            tls: None,
            header_sent: false,
            from_hint: None,
            auth: AuthState::Idle,
            failures: 0,
            closed: false,
            out: Vec::new(),
            sasl2_offered: Vec::new(),
            legacy_offered: Vec::new(),
            cb_types: Vec::new(),
        }
    }

    pub(crate) fn send(&mut self, s: impl Into<Vec<u8>>) {
        self.out.push(Action::Send(s.into()));
    }

    pub(crate) fn send_el(&mut self, e: &Element) {
        self.send(e.to_xml_in(JABBER_CLIENT_NS));
    }

    /// Sends a stream error, closes the stream and stops processing input.
    pub(crate) fn stream_error(&mut self, cond: StreamErrorCondition, text: Option<&str>) {
        if self.closed {
            return;
        }
        let domain = self.svc.settings.domain.clone();
        self.send(stream_error_bytes(&domain, self.header_sent, cond, text));
        self.out.push(Action::Close);
        self.closed = true;
    }

    fn take(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    /// Starts over after STARTTLS or legacy SASL success (RFC 6120 §5.4.3.3, §6.4.6).
    pub(crate) fn restart(&mut self, keep_buffered: bool) {
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
            Err(e) => return self.stream_error(e.condition(), Some(&e.to_string())),
        };
        self.from_hint = from;
        let domain = self.svc.settings.domain.clone();
        let header = response_header(&domain, &new_stream_id(), h.from.as_deref());
        self.send(header);
        self.header_sent = true;
        let feats = self.current_features();
        self.send(features::features_xml(&feats));
    }

    /// Features for the current state (RFC 6120 §4.3.2).
    fn current_features(&mut self) -> Vec<Element> {
        if let AuthState::Done { resource, .. } = &self.auth {
            return features::authenticated(resource.is_some());
        }
        let s = &self.svc.settings;
        let mut v = Vec::new();
        if self.tls.is_none() {
            v.push(features::starttls(s.require_encryption));
            if s.require_encryption {
                self.sasl2_offered.clear();
                self.legacy_offered.clear();
                return v;
            }
        }
        let tls = self.tls.as_ref();
        self.cb_types = tls
            .map(|t| t.binding_types().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        // SASL2 only on TLS-protected streams (SASL2-1).
        self.sasl2_offered = if tls.is_some() {
            self.svc.mechanisms.offered(tls, Profile::Sasl2)
        } else {
            Vec::new()
        };
        self.legacy_offered = self.svc.mechanisms.offered(tls, Profile::Legacy);
        v.extend(features::sasl2_authentication(
            &self.sasl2_offered,
            &self.svc.inline,
        ));
        if tls.is_some() {
            v.extend(features::channel_binding(&self.cb_types));
        }
        v.extend(features::legacy_mechanisms(&self.legacy_offered));
        v
    }

    fn on_element(&mut self, el: Element) {
        if matches!(self.auth, AuthState::InProgress { .. }) {
            return self.on_auth_element(el);
        }
        if let AuthState::Done { .. } = self.auth {
            if el.is("authenticate", ns::SASL2) || el.is("auth", ns::SASL) {
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
        if el.is("authenticate", ns::SASL2) || el.is("auth", ns::SASL) {
            return self.on_auth_start(el);
        }
        if el.ns == JABBER_CLIENT_NS && matches!(el.name.as_str(), "iq" | "message" | "presence") {
            // RFC 6120 §4.9.3.12: stanzas before authentication.
            return self.stream_error(StreamErrorCondition::NotAuthorized, None);
        }
        // RFC 6120 §4.9.3.24: a top-level element we do not know (wrong namespace included).
        self.stream_error(StreamErrorCondition::UnsupportedStanzaType, None)
    }

    fn on_starttls(&mut self) {
        if self.tls.is_some() {
            // RFC 6120 §5.4.2.2: failure, then close the stream.
            self.send(format!("<failure xmlns='{}'/>{STREAM_CLOSE}", ns::TLS));
            self.out.push(Action::Close);
            self.closed = true;
            return;
        }
        self.send(format!("<proceed xmlns='{}'/>", ns::TLS));
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
    fn on_connect(
        &mut self,
        _: SocketAddr,
        secure: Option<&TlsInfo>,
        _: SystemTime,
    ) -> Vec<Action> {
        self.tls = secure.cloned();
        Vec::new()
    }

    fn on_bytes(&mut self, data: &[u8], _: SystemTime) -> Vec<Action> {
        if !self.closed {
            self.parser.feed(data);
            self.pump();
        }
        self.take()
    }

    fn on_tls_established(&mut self, info: &TlsInfo, _: SystemTime) -> Vec<Action> {
        self.tls = Some(info.clone());
        self.take()
    }

    fn on_idle_timeout(&mut self, _: SystemTime) -> Vec<Action> {
        self.stream_error(StreamErrorCondition::ConnectionTimeout, None);
        self.take()
    }

    fn on_routed(&mut self, stanza: Vec<u8>, _: SystemTime) -> Vec<Action> {
        if !self.closed && self.header_sent {
            self.send(stanza);
        }
        self.take()
    }

    fn on_shutdown(&mut self, _: SystemTime) -> Vec<Action> {
        self.stream_error(StreamErrorCondition::SystemShutdown, None);
        self.take()
    }
}
