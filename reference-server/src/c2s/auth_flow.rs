//! SASL sequencing for both profiles (XEP-0388 §1.9 state machine; RFC 6120 §6.4): starting an
//! attempt, feeding responses, abort, failure accounting and success handling. The profile's wire
//! shapes come from the module that provides it ([`crate::sasl::profile::SaslProfile`]).

use gatecheck_proto::jid::Jid;
use gatecheck_proto::sasl::SaslCondition;
use gatecheck_proto::xml::{Element, StreamErrorCondition};

use super::core::Action;
use super::features;
use super::session::{AuthState, C2sSession};
use crate::module::SuccessContext;
use crate::sasl::mechanism::{MechanismContext, MechanismFailure, MechanismStep, Profile};

/// The RFC 7622-normalised bare form of `jid` (SASL2-11); `None` when it is not a valid JID.
fn normalise_bare(jid: &str) -> Option<String> {
    Jid::parse(jid).ok().map(|j| j.to_bare().to_string())
}

impl C2sSession {
    /// A start element of the profile provided by registry entry `profile`, while unauthenticated.
    pub(super) fn on_auth_start(&mut self, profile: usize, el: Element) {
        let svc = self.svc.clone();
        let Some(p) = svc.modules.sasl_profile(profile) else {
            return;
        };
        let kind = p.kind();
        let advertised = match kind {
            Profile::Sasl2 => &self.sasl2_offered,
            Profile::Legacy => &self.legacy_offered,
        };
        let start = match p.parse_start(&el, advertised) {
            Ok(s) => s,
            Err(f) => return self.fail(profile, f),
        };
        let ctx = MechanismContext {
            domain: svc.settings.domain.clone(),
            tls: self.tls.clone(),
            advertised: advertised.iter().map(|m| m.name().to_owned()).collect(),
            cb_types: self.cb_types.iter().map(|t| t.name().to_owned()).collect(),
            profile: kind,
            user_agent_id: start.user_agent_id.clone(),
            inline_requests: start.inline_requests.clone(),
            env: svc.env.clone(),
        };
        let mut mechanism = svc.mechanisms.start(start.mechanism, &ctx);
        let step = mechanism.step(start.initial_response.as_deref());
        self.auth = AuthState::InProgress {
            profile,
            mechanism,
            inline_requests: start.inline_requests,
            user_agent_id: start.user_agent_id,
        };
        self.after_step(profile, step);
    }

    /// Any element while an exchange is running: only `<response/>` and `<abort/>` of the same
    /// profile are allowed; anything else ends the stream (XEP-0388 §2.4, SASL2-16). We apply the
    /// same rule to legacy SASL, where RFC 6120 §6.4.2 also allows only responses and abort.
    pub(super) fn on_auth_element(&mut self, el: Element) {
        let AuthState::InProgress { profile, .. } = &self.auth else {
            return;
        };
        let profile = *profile;
        let svc = self.svc.clone();
        let Some(p) = svc.modules.sasl_profile(profile) else {
            return;
        };
        if el.is("abort", p.namespace()) {
            self.auth = AuthState::Idle;
            return self.fail(profile, MechanismFailure::new(SaslCondition::Aborted));
        }
        if !el.is("response", p.namespace()) {
            return self.stream_error(
                StreamErrorCondition::PolicyViolation,
                Some("only response or abort is allowed during authentication"),
            );
        }
        let step = match p.decode_response(&el.text()) {
            Ok(d) => match &mut self.auth {
                AuthState::InProgress { mechanism, .. } => {
                    mechanism.step(Some(d.as_deref().unwrap_or_default()))
                }
                _ => return,
            },
            Err(f) => Err(f),
        };
        self.after_step(profile, step);
    }

    fn after_step(&mut self, profile: usize, step: Result<MechanismStep, MechanismFailure>) {
        match step {
            Ok(MechanismStep::Challenge(c)) => {
                let svc = self.svc.clone();
                if let Some(p) = svc.modules.sasl_profile(profile) {
                    self.send_el(&p.challenge(&c));
                }
            }
            Ok(MechanismStep::Success {
                username,
                authzid,
                additional_data,
            }) => self.succeed(profile, username, authzid, additional_data),
            Err(f) => {
                self.auth = AuthState::Idle;
                self.fail(profile, f);
            }
        }
    }

    /// Sends `<failure/>` and counts it; past the allowance the stream ends with
    /// `<policy-violation/>` (RFC 6120 §6.4.5).
    pub(super) fn fail(&mut self, profile: usize, f: MechanismFailure) {
        self.auth = AuthState::Idle;
        let svc = self.svc.clone();
        if let Some(p) = svc.modules.sasl_profile(profile) {
            self.send_el(&p.failure(&f));
        }
        self.failures += 1;
        if self.failures >= svc.settings.max_auth_attempts {
            self.stream_error(
                StreamErrorCondition::PolicyViolation,
                Some("too many failed authentication attempts"),
            );
        }
    }

    fn succeed(
        &mut self,
        profile: usize,
        username: String,
        authzid: Option<String>,
        additional: Option<Vec<u8>>,
    ) {
        let svc = self.svc.clone();
        let Some(p) = svc.modules.sasl_profile(profile) else {
            return;
        };
        let domain = svc.settings.domain.clone();
        let own = normalise_bare(&format!("{username}@{domain}"));
        let authz_ok = authzid.as_deref().is_none_or(|a| normalise_bare(a) == own)
            && self
                .from_hint
                .as_deref()
                .is_none_or(|f| authzid.is_none() || normalise_bare(f) == own);
        if !authz_ok {
            // SASL2-10/11: we do not support acting for another entity, so a non-empty authzid
            // must name the authenticated account itself and agree with the stream `from`.
            return self.fail(
                profile,
                MechanismFailure::new(SaslCondition::InvalidAuthzid),
            );
        }
        let state = std::mem::replace(&mut self.auth, AuthState::Done);
        let (inline_requests, user_agent_id) = match state {
            AuthState::InProgress {
                inline_requests,
                user_agent_id,
                ..
            } => (inline_requests, user_agent_id),
            _ => (Vec::new(), None),
        };
        self.out.push(Action::Authenticated);
        self.identity.username = Some(username.clone());
        match p.kind() {
            Profile::Sasl2 => {
                let mut cx = SuccessContext {
                    username,
                    domain,
                    user_agent_id,
                    resource: None,
                    env: &svc.env,
                    store: svc.store.as_ref(),
                };
                let results = svc.modules.process_inline(&inline_requests, &mut cx);
                let authzid = cx.authorization_identifier();
                let resource = cx.resource.take();
                self.send_el(&p.success(additional.as_deref(), &authzid, results));
                if resource.is_some() {
                    self.out.push(Action::Bind(authzid));
                }
                self.identity.resource = resource;
                // SASL2-22: features immediately, no restart.
                let feats = self.current_features();
                self.send(features::features_xml(&feats));
            }
            Profile::Legacy => {
                self.send_el(&p.success(additional.as_deref(), "", Vec::new()));
                // RFC 6120 §6.4.6: the client restarts the stream; keep what it pipelined.
                self.restart(true);
            }
        }
    }
}
