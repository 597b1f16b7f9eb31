//! The narrow views a module works through: [`ModuleContext`] for stanza and pre-auth hooks, and
//! [`SuccessContext`] for SASL2 inline processing. They lend exactly the stream's identity, the
//! clock and RNG, the store, the router and the output sink, not the session.

use crate::breaks::{Break, BreakSet};
use gatecheck_proto::ns;
use gatecheck_proto::sasl::{ChannelBindings, Mechanism};
use gatecheck_proto::xml::{Element, STREAM_CLOSE, StreamErrorCondition};

use super::reply::{self, StanzaCondition};
use super::{DiscoItem, StreamState};
use crate::action::Action;
use crate::env::Env;
use crate::route::{RouteError, StanzaRouter};
use crate::store::Store;

/// The domain part of a JID string (between an optional `local@` and an optional `/resource`),
/// lower-cased for comparison. Domains are case-insensitive (RFC 7622 §3.2).
pub fn domain_of(jid: &str) -> String {
    let no_res = jid.split_once('/').map_or(jid, |(b, _)| b);
    let domain = no_res.rsplit_once('@').map_or(no_res, |(_, d)| d);
    domain.trim_end_matches('.').to_ascii_lowercase()
}

/// Who is on the other end of the stream, as far as it has been established.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Our domain (lower-case).
    pub domain: String,
    /// The authenticated account's local part.
    pub username: Option<String>,
    /// The bound resource.
    pub resource: Option<String>,
}

impl Identity {
    /// `user@domain` once authenticated.
    pub fn bare_jid(&self) -> Option<String> {
        self.username
            .as_ref()
            .map(|u| format!("{u}@{}", self.domain))
    }

    /// `user@domain/resource` once bound.
    pub fn full_jid(&self) -> Option<String> {
        match (&self.username, &self.resource) {
            (Some(u), Some(r)) => Some(format!("{u}@{}/{r}", self.domain)),
            _ => None,
        }
    }
}

/// The view of one stream a module's stanza and pre-auth hooks get.
pub struct ModuleContext<'a> {
    /// The stream's identity; only binding changes it, through [`ModuleContext::bind_resource`].
    pub(crate) identity: &'a mut Identity,
    /// Clock and RNG.
    pub env: &'a Env,
    /// Accounts, rosters, key-value state.
    pub store: &'a dyn Store,
    /// Other sessions.
    pub router: &'a dyn StanzaRouter,
    /// Channel-binding data of the TLS session, if any.
    pub tls: Option<&'a ChannelBindings>,
    /// Every module's XEP-0030 features, sorted (for disco#info).
    pub server_features: &'a [&'static str],
    /// Every module's XEP-0030 items (for disco#items).
    pub server_items: &'a [DiscoItem],
    /// Deliberately injected bugs (empty except in `break-builds` test runs).
    pub breaks: BreakSet,
    pub(crate) state: &'a mut StreamState,
    pub(crate) out: &'a mut Vec<Action>,
}

impl ModuleContext<'_> {
    /// The stream's identity.
    pub fn identity(&self) -> &Identity {
        self.identity
    }

    /// Our domain.
    pub fn domain(&self) -> &str {
        &self.identity.domain
    }

    /// What modules remember about this stream between hooks (see [`StreamState`]).
    pub fn state(&mut self) -> &mut StreamState {
        self.state
    }

    /// Ends this stream with a stream error (`not-authorized` after XEP-0077 `<remove/>`).
    pub fn end_stream(&mut self, condition: StreamErrorCondition) {
        let bytes = gatecheck_proto::xml::stream_error_xml(condition, None);
        self.out
            .push(Action::Send(format!("{bytes}{STREAM_CLOSE}").into_bytes()));
        self.out.push(Action::Close);
    }

    /// Ends every other session bound to the bare JID `bare` with a stream error: a routed
    /// `<stream:error>` closes the receiving stream (see `C2sSession::on_routed`).
    pub fn end_sessions_of(&mut self, bare: &str, condition: StreamErrorCondition) {
        let own = self.identity.full_jid();
        let bytes = gatecheck_proto::xml::stream_error_xml(condition, None).into_bytes();
        for full in self.router.resources_of(bare) {
            if Some(&full) != own.as_ref() {
                let _ = self.router.route(&full, bytes.clone());
            }
        }
    }

    /// Writes an element (a stanza or a nonza) to this client.
    pub fn send(&mut self, e: &Element) {
        self.out
            .push(Action::Send(e.to_xml_in(ns::CLIENT).into_bytes()));
    }

    /// Binds `resource` (RFC 6120 §7) and asks the shell to register it with the router.
    pub fn bind_resource(&mut self, resource: String) {
        self.identity.resource = Some(resource);
        if let Some(full) = self.identity.full_jid() {
            self.out.push(Action::Bind(full));
        }
    }

    /// Stamps `from` (RFC 6120 §8.1.2.1) and delivers to a local full JID, or to every resource of
    /// a local bare JID. Undeliverable IQ get/set and messages get `service-unavailable`; other
    /// domains get `remote-server-not-found` (no federation).
    pub fn deliver(&mut self, mut el: Element, from: &str) {
        let to = el.attr("to").unwrap_or_default().to_owned();
        if domain_of(&to) != self.identity.domain {
            return self.bounce(&el, from, StanzaCondition::RemoteServerNotFound);
        }
        el.attrs.retain(|a| !(a.name == "from" && a.ns.is_empty()));
        el = el.with_attr("from", from);
        let bytes = el.to_xml_in(ns::CLIENT).into_bytes();
        let targets = if to.contains('/') {
            vec![to.clone()]
        } else if el.name == "iq" {
            Vec::new() // RFC 6121 §8.5.2.1.3: an IQ to a bare JID is answered by the server.
        } else {
            self.router.resources_of(&to.to_lowercase())
        };
        let mut delivered = false;
        let mut full = false;
        for t in &targets {
            match self.router.route(t, bytes.clone()) {
                Ok(()) => delivered = true,
                Err(RouteError::Backpressure(_)) => full = true,
                Err(RouteError::NotConnected(_)) => {}
            }
        }
        if !delivered {
            let cond = if full {
                StanzaCondition::ResourceConstraint
            } else {
                StanzaCondition::ServiceUnavailable
            };
            self.bounce(&el, from, cond);
        }
    }

    /// Sends an error back unless the stanza was itself an error or a result (RFC 6120 §8.3.1
    /// forbids answering errors), and never for presence (RFC 6121 §4.6 drops silently).
    fn bounce(&mut self, el: &Element, from: &str, cond: StanzaCondition) {
        let kind = el.attr("type").unwrap_or_default();
        if el.name == "presence" || kind == "error" || kind == "result" {
            return;
        }
        let err = reply::error(el, el.attr("to"), from, cond);
        self.send(&err);
    }
}

/// What SASL2 inline features learn and decide when authentication has fully succeeded.
pub struct SuccessContext<'a> {
    /// The authenticated account's local part.
    pub username: String,
    /// Our domain.
    pub domain: String,
    /// The `<user-agent id>` the client sent (validated UUID), if any; FAST binds tokens to it.
    pub user_agent_id: Option<String>,
    /// Set by Bind 2 when it binds a resource; the authorization identifier then becomes the full JID.
    pub resource: Option<String>,
    /// The mechanism that authenticated the stream.
    pub mechanism: Mechanism,
    /// The mechanism authenticated with a short-lived credential that is due for renewal (a FAST
    /// token older than `sasl2_fast_token_min_ttl`, XEP-0484 §3.5).
    pub renewal_due: bool,
    /// Every inline request of the `<authenticate/>` (a module may need a sibling of its own
    /// request, e.g. FAST's `<request-token/>` next to `<fast/>`).
    pub inline_requests: &'a [Element],
    /// The SASL2 mechanisms advertised on this stream, HT-* included.
    pub offered: &'a [Mechanism],
    /// Clock and RNG (resource suffixes, token expiry).
    pub env: &'a Env,
    /// Accounts and key-value state (FAST tokens).
    pub store: &'a dyn Store,
    /// The `<user-agent><software/>` text, only captured for the `break-builds` bug that leaks
    /// it (SASL2-12); always `None` in the correct server.
    pub software: Option<String>,
    /// Deliberately injected bugs (empty except in `break-builds` test runs).
    pub breaks: BreakSet,
}

impl SuccessContext<'_> {
    /// `user@domain`.
    pub fn bare_jid(&self) -> String {
        format!("{}@{}", self.username, self.domain)
    }

    /// The authorization identifier to report (SASL2-19): full JID once bound, else bare.
    pub fn authorization_identifier(&self) -> String {
        match &self.resource {
            Some(_) if self.breaks.has(Break::R19BareJidAfterBind) => self.bare_jid(),
            Some(r) => format!("{}/{r}", self.bare_jid()),
            None => self.bare_jid(),
        }
    }
}
