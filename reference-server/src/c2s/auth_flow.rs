//! SASL sequencing for both profiles (XEP-0388 §1.9 state machine; RFC 6120 §6.4): starting an
//! attempt, feeding responses, abort, failure accounting and success handling.

use gatecheck_proto::jid::Jid;
use gatecheck_proto::sasl::SaslCondition;
use gatecheck_proto::xml::{Element, StreamErrorCondition};

use super::core::Action;
use super::features;
use super::inline::SuccessContext;
use super::mechanism::{MechanismContext, MechanismFailure, MechanismStep, Profile};
use super::ns;
use super::session::{AuthState, C2sSession};
use crate::modules::{legacy_auth, payload, sasl2};

/// The RFC 7622-normalised bare form of `jid` (SASL2-11); `None` when it is not a valid JID.
fn normalise_bare(jid: &str) -> Option<String> {
    Jid::parse(jid).ok().map(|j| j.to_bare().to_string())
}

impl C2sSession {
    /// `<authenticate/>` (SASL2) or `<auth/>` (legacy) while unauthenticated.
    pub(crate) fn on_auth_start(&mut self, el: Element) {
        let profile = if el.ns == ns::SASL2 {
            Profile::Sasl2
        } else {
            Profile::Legacy
        };
        let parsed = match profile {
            Profile::Sasl2 => sasl2::parse_authenticate(&el, &self.sasl2_offered).map(|r| {
                (
                    r.mechanism,
                    r.initial_response,
                    r.inline_requests,
                    r.user_agent_id,
                )
            }),
            Profile::Legacy => legacy_auth::parse_auth(&el, &self.legacy_offered)
                .map(|r| (r.mechanism, r.initial_response, Vec::new(), None)),
        };
        let (mech, ir, inline_requests, user_agent_id) = match parsed {
            Ok(p) => p,
            Err(f) => return self.fail(profile, f),
        };
        let advertised = match profile {
            Profile::Sasl2 => &self.sasl2_offered,
            Profile::Legacy => &self.legacy_offered,
        };
        let ctx = MechanismContext {
            domain: self.svc.settings.domain.clone(),
            tls: self.tls.clone(),
            advertised: advertised.iter().map(|m| m.name().to_owned()).collect(),
            cb_types: self.cb_types.clone(),
            profile,
        };
        let mut mechanism = self.svc.mechanisms.start(mech, &ctx);
        let step = mechanism.step(ir.as_deref());
        self.auth = AuthState::InProgress {
            profile,
            mechanism,
            inline_requests,
            user_agent_id,
        };
        self.after_step(profile, step);
    }

    /// Any element while an exchange is running: only `<response/>` and `<abort/>` of the same
    /// profile are allowed; anything else ends the stream (XEP-0388 §2.4, SASL2-16). We apply the
    /// same rule to legacy SASL, where RFC 6120 §6.4.2 also allows only responses and abort.
    pub(crate) fn on_auth_element(&mut self, el: Element) {
        let AuthState::InProgress { profile, .. } = &self.auth else {
            return;
        };
        let profile = *profile;
        let sasl_ns = match profile {
            Profile::Sasl2 => ns::SASL2,
            Profile::Legacy => ns::SASL,
        };
        if el.is("abort", sasl_ns) {
            self.auth = AuthState::Idle;
            return self.fail(profile, MechanismFailure::new(SaslCondition::Aborted));
        }
        if !el.is("response", sasl_ns) {
            return self.stream_error(
                StreamErrorCondition::PolicyViolation,
                Some("only response or abort is allowed during authentication"),
            );
        }
        let data = match profile {
            Profile::Sasl2 => payload::decode(&el.text()).map(Some),
            Profile::Legacy => legacy_auth::decode_optional(&el.text()),
        };
        let step = match data {
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

    fn after_step(&mut self, profile: Profile, step: Result<MechanismStep, MechanismFailure>) {
        match step {
            Ok(MechanismStep::Challenge(c)) => match profile {
                Profile::Sasl2 => self.send_el(&sasl2::challenge(&c)),
                Profile::Legacy => self.send_el(&legacy_auth::challenge(&c)),
            },
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
    pub(crate) fn fail(&mut self, profile: Profile, f: MechanismFailure) {
        self.auth = AuthState::Idle;
        match profile {
            Profile::Sasl2 => self.send_el(&sasl2::failure(&f)),
            Profile::Legacy => self.send_el(&legacy_auth::failure(&f)),
        }
        self.failures += 1;
        if self.failures >= self.svc.settings.max_auth_attempts {
            self.stream_error(
                StreamErrorCondition::PolicyViolation,
                Some("too many failed authentication attempts"),
            );
        }
    }

    fn succeed(
        &mut self,
        profile: Profile,
        username: String,
        authzid: Option<String>,
        additional: Option<Vec<u8>>,
    ) {
        let domain = self.svc.settings.domain.clone();
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
        let state = std::mem::replace(&mut self.auth, AuthState::Idle);
        let (inline_requests, user_agent_id) = match state {
            AuthState::InProgress {
                inline_requests,
                user_agent_id,
                ..
            } => (inline_requests, user_agent_id),
            _ => (Vec::new(), None),
        };
        self.out.push(Action::Authenticated);
        match profile {
            Profile::Sasl2 => {
                let mut ctx = SuccessContext {
                    username: username.clone(),
                    domain,
                    user_agent_id,
                    resource: None,
                };
                let results = self.svc.inline.process(&inline_requests, &mut ctx);
                let authzid = ctx.authorization_identifier();
                self.send_el(&sasl2::success(additional.as_deref(), &authzid, results));
                if ctx.resource.is_some() {
                    self.out.push(Action::Bind(authzid));
                }
                let bound = ctx.resource.is_some();
                self.auth = AuthState::Done {
                    username,
                    resource: ctx.resource,
                };
                // SASL2-22: features immediately, no restart.
                self.send(features::features_xml(&features::authenticated(bound)));
            }
            Profile::Legacy => {
                self.send_el(&legacy_auth::success(additional.as_deref()));
                self.auth = AuthState::Done {
                    username,
                    resource: None,
                };
                // RFC 6120 §6.4.6: the client restarts the stream; keep what it pipelined.
                self.restart(true);
            }
        }
    }
}
