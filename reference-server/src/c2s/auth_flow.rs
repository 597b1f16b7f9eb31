//! SASL sequencing for both profiles (XEP-0388 §1.9 state machine; RFC 6120 §6.4): starting an
//! attempt, feeding responses, abort, failure accounting and success handling. The profile's wire
//! shapes come from the module that provides it ([`crate::sasl::profile::SaslProfile`]).

use gatecheck_proto::jid::Jid;
use gatecheck_proto::sasl::{Mechanism, SaslCondition};
use gatecheck_proto::xml::{Element, StreamErrorCondition};

use super::core::Action;
use super::features;
use super::session::{AuthState, C2sSession};
use crate::breaks::{Break, inject};
use crate::module::SuccessContext;
use crate::modules::payload::MAX_PAYLOAD;
use crate::sasl::claim::claimed_username;
use crate::sasl::mechanism::{MechanismContext, MechanismFailure, MechanismStep, Profile};

/// What the failure budget needs about an unauthenticated stream: the client's address and the
/// account the running attempt claims. Kept in the stream's [`crate::module::StreamState`] from
/// connect until authentication succeeds (then removed, so authenticated sessions do not keep it).
#[derive(Debug, Default)]
pub(super) struct AuthGuard {
    pub(super) peer: Option<std::net::IpAddr>,
    pub(super) claimed: Option<String>,
}

/// The RFC 7622-normalised bare form of `jid` (SASL2-11); `None` when it is not a valid JID.
fn normalise_bare(jid: &str) -> Option<String> {
    Jid::parse(jid).ok().map(|j| j.to_bare().to_string())
}

impl C2sSession {
    /// A start element of the profile provided by registry entry `profile`, while unauthenticated.
    pub(super) fn on_auth_start(&mut self, profile: usize, mut el: Element) {
        let svc = self.svc.clone();
        let Some(p) = svc.modules.sasl_profile(profile) else {
            return;
        };
        let kind = p.kind();
        let brk = self.breaks();
        let sasl2 = kind == Profile::Sasl2;
        if brk.has(Break::R126ExitOnMalformed) && sasl2 && el.attr("mechanism").is_none() {
            std::process::exit(70);
        }
        if brk.has(Break::R125TaskPanicOnOversized) && inject::oversized(&el, MAX_PAYLOAD) {
            panic!("oversized SASL payload");
        }
        if brk.has(Break::R9MechanismCaseInsensitive) {
            for a in el.attrs.iter_mut().filter(|a| a.name == "mechanism") {
                a.value = a.value.to_ascii_uppercase();
            }
        }
        let advertised = match kind {
            Profile::Sasl2 => &self.sasl2_offered,
            Profile::Legacy => &self.legacy_offered,
        };
        let every: Vec<Mechanism>;
        let acceptable = if brk.has(Break::R9UnadvertisedMechanismAccepted) {
            every = Mechanism::ALL.into_iter().filter(|m| !m.is_ht()).collect();
            &every
        } else {
            advertised
        };
        let mut start = match p.parse_start(&el, acceptable) {
            Ok(s) => s,
            Err(_) if brk.has(Break::R125MalformedDropped) && sasl2 => return,
            Err(f) => return self.fail(profile, f),
        };
        if start.initial_response.as_deref() == Some(&[])
            && ((brk.has(Break::R15EmptyIrAsAbsent) && sasl2)
                || (brk.has(Break::R204LegacyEmptyIrAsAbsent) && !sasl2))
        {
            start.initial_response = None;
        }
        if brk.has(Break::R26InlineCarriedOver) {
            start.inline_requests.append(&mut self.carried_inline);
        }
        let hashed = if brk.has(Break::R122SsdpSasl2ListOnLegacy) {
            &self.sasl2_offered
        } else {
            advertised
        };
        let ctx = MechanismContext {
            domain: svc.settings.domain.clone(),
            tls: self.tls.clone(),
            // HT-* are listed only inside FAST's <fast/>, not as <mechanism/>s, so they are not
            // part of the list XEP-0474 hashes.
            advertised: hashed
                .iter()
                .filter(|m| !m.is_ht())
                .map(|m| m.name().to_owned())
                .collect(),
            cb_types: self.cb_types.iter().map(|t| t.name().to_owned()).collect(),
            profile: kind,
            user_agent_id: start.user_agent_id.clone(),
            inline_requests: start.inline_requests.clone(),
            env: svc.env.clone(),
            breaks: brk,
        };
        let claimed = start
            .initial_response
            .as_deref()
            .and_then(|ir| claimed_username(start.mechanism, ir))
            .or_else(|| self.header_account());
        if let Err(refusal) = self.budget_admits(claimed) {
            return self.fail(profile, refusal);
        }
        let mut mechanism = svc
            .modules
            .start_mechanism(start.mechanism, &ctx)
            .unwrap_or_else(|| svc.mechanisms.start(start.mechanism, &ctx));
        let step = mechanism.step(start.initial_response.as_deref());
        self.auth = AuthState::InProgress {
            profile,
            mechanism,
            mechanism_name: start.mechanism,
            inline_requests: start.inline_requests,
            user_agent_id: start.user_agent_id,
            software: brk
                .has(Break::R12ResourceRevealsSoftware)
                .then(|| inject::software(&el))
                .flatten(),
        };
        self.after_step(profile, step);
    }

    /// Any element while an exchange is running: `<response/>` and `<abort/>` of the same
    /// profile; in legacy SASL also a new `<auth/>`, which discards the running handshake and
    /// starts the new one (RFC 6120 §6.4.2). Anything else ends the stream: XEP-0388 §2.4
    /// (SASL2-16) for SASL2, and for legacy SASL, where RFC 6120 §6.4 defines no other element
    /// during a handshake, the same rule.
    pub(super) fn on_auth_element(&mut self, el: Element) {
        let AuthState::InProgress { profile, .. } = &self.auth else {
            return;
        };
        let profile = *profile;
        let svc = self.svc.clone();
        let Some(p) = svc.modules.sasl_profile(profile) else {
            return;
        };
        let brk = self.breaks();
        let legacy = p.kind() == Profile::Legacy;
        if el.is("abort", p.namespace()) {
            self.auth = AuthState::Idle;
            if brk.has(Break::R31AbortIgnored) {
                return;
            }
            let cond = if brk.has(Break::R202LegacyAbortWrongCondition) && legacy {
                SaslCondition::MalformedRequest
            } else {
                SaslCondition::Aborted
            };
            return self.fail(profile, MechanismFailure::new(cond));
        }
        if legacy && el.is(p.start_name(), p.namespace()) {
            // RFC 6120 §6.4.2: the old handshake is discarded without a failure (so it does not
            // count against the retries) and the new one is processed.
            self.auth = AuthState::Idle;
            return self.on_auth_start(profile, el);
        }
        if !el.is("response", p.namespace()) {
            if brk.has(Break::R16StanzaMidAuthIgnored) {
                return;
            }
            if brk.has(Break::R127CloseWithoutStreamError) {
                return self.close_silently();
            }
            return self.stream_error(
                StreamErrorCondition::PolicyViolation,
                Some("only response or abort is allowed during authentication"),
            );
        }
        if brk.has(Break::R125TaskPanicOnOversized) && inject::oversized(&el, MAX_PAYLOAD) {
            panic!("oversized SASL payload");
        }
        let step = match p.decode_response(&el.text()) {
            Ok(d) => {
                let input = d.as_deref().unwrap_or_default();
                // SCRAM without an initial response names its account only now.
                let unclaimed = self
                    .module_state
                    .get::<AuthGuard>()
                    .is_some_and(|g| g.claimed.is_none());
                if let (true, AuthState::InProgress { mechanism_name, .. }) =
                    (unclaimed, &self.auth)
                    && let Some(user) = claimed_username(*mechanism_name, input)
                    && let Err(refusal) = self.budget_admits(Some(user))
                {
                    return self.fail(profile, refusal);
                }
                match &mut self.auth {
                    AuthState::InProgress { mechanism, .. } => mechanism.step(Some(input)),
                    _ => return,
                }
            }
            Err(f) => Err(f),
        };
        self.after_step(profile, step);
    }

    fn after_step(&mut self, profile: usize, step: Result<MechanismStep, MechanismFailure>) {
        match step {
            Ok(MechanismStep::Challenge(c)) => {
                let svc = self.svc.clone();
                let brk = self.breaks();
                if let Some(p) = svc.modules.sasl_profile(profile) {
                    let mut ch = p.challenge(&c);
                    if brk.has(Break::R14Base64LineBreaks) && p.kind() == Profile::Sasl2 {
                        inject::wrap_base64(&mut ch);
                    }
                    if brk.has(Break::R17WhitespaceDuringAuth) {
                        self.send(" ");
                    }
                    self.send_el(&ch);
                }
            }
            Ok(MechanismStep::Success {
                username,
                authzid,
                additional_data,
                renewal_due,
            }) => self.succeed(profile, username, authzid, additional_data, renewal_due),
            Err(f) => {
                if f.condition == SaslCondition::NotAuthorized {
                    self.budget_failed();
                }
                let state = std::mem::replace(&mut self.auth, AuthState::Idle);
                let mut extra = Vec::new();
                if let AuthState::InProgress {
                    inline_requests,
                    user_agent_id,
                    mechanism_name,
                    ..
                } = state
                {
                    if self.breaks().has(Break::Fast8TokenOnFailure) {
                        extra =
                            self.inline_on_failure(&inline_requests, user_agent_id, mechanism_name);
                    }
                    if self.breaks().has(Break::R26InlineCarriedOver) {
                        self.carried_inline = inline_requests;
                    }
                }
                self.fail_with(profile, f, extra);
            }
        }
    }

    /// The account the stream header's `from` names (SASL2 clients usually send it).
    fn header_account(&self) -> Option<String> {
        let (user, domain) = self.from_hint.as_deref()?.split_once('@')?;
        (domain.eq_ignore_ascii_case(&self.svc.settings.domain) && !user.is_empty())
            .then(|| user.to_lowercase())
    }

    /// UNIX seconds from the injected clock.
    fn now_secs(&self) -> u64 {
        self.svc
            .env
            .clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// Records `claimed` for this attempt and asks the failure budget whether it may run; a
    /// refusal is `<temporary-auth-failure/>` with a text saying when to retry (RFC 6120 §6.5.12,
    /// XEP-0388 uses the same conditions), and the mechanism never runs.
    fn budget_admits(&mut self, claimed: Option<String>) -> Result<(), MechanismFailure> {
        let now = self.now_secs();
        let guard = self.module_state.entry::<AuthGuard>();
        guard.claimed = claimed;
        let (peer, claimed) = (guard.peer, guard.claimed.clone());
        self.svc
            .budget
            .check(peer, claimed.as_deref(), now)
            .map_err(|refusal| {
                tracing::debug!(
                    peer = ?peer,
                    account = claimed.as_deref().unwrap_or("-"),
                    "authentication refused by the failure budget: {}",
                    refusal.text()
                );
                self.auth = AuthState::Idle;
                MechanismFailure::with_text(SaslCondition::TemporaryAuthFailure, &refusal.text())
            })
    }

    /// Counts a `not-authorized` against the address and the claimed account.
    fn budget_failed(&mut self) {
        let now = self.now_secs();
        let Some(guard) = self.module_state.get::<AuthGuard>() else {
            return;
        };
        let (peer, claimed) = (guard.peer, guard.claimed.clone());
        if let Some(refusal) = self.svc.budget.failed(peer, claimed.as_deref(), now) {
            let s = self.svc.budget.settings();
            tracing::warn!(
                peer = ?peer,
                account = claimed.as_deref().unwrap_or("-"),
                "authentication failure budget exhausted ({}); further attempts get \
                 temporary-auth-failure. Limits: limit_auth_max = {} per address, \
                 limit_auth_account_max = {} per account, per limit_auth_period = {} s; raise them \
                 (0 disables) if legitimate users hit them",
                refusal.text(),
                s.per_address,
                s.per_account,
                s.period
            );
        }
    }

    /// Sends `<failure/>` and counts it; past the allowance the stream ends with
    /// `<policy-violation/>` (RFC 6120 §6.4.5).
    pub(super) fn fail(&mut self, profile: usize, f: MechanismFailure) {
        self.fail_with(profile, f, Vec::new());
    }

    /// The `fast-8-token-on-failure` bug: inline requests processed for the account the stream
    /// header names although authentication failed.
    fn inline_on_failure(
        &self,
        requests: &[Element],
        user_agent_id: Option<String>,
        mechanism: Mechanism,
    ) -> Vec<Element> {
        let svc = self.svc.clone();
        let Some(username) = self
            .from_hint
            .as_deref()
            .and_then(|f| f.split_once('@'))
            .map(|(u, _)| u.to_lowercase())
        else {
            return Vec::new();
        };
        let mut cx = SuccessContext {
            username,
            domain: svc.settings.domain.clone(),
            user_agent_id,
            resource: None,
            mechanism,
            renewal_due: false,
            inline_requests: requests,
            offered: &self.sasl2_offered,
            env: &svc.env,
            store: svc.store.as_ref(),
            software: None,
            breaks: self.breaks(),
        };
        let fast: Vec<Element> = requests
            .iter()
            .filter(|r| r.ns == gatecheck_proto::ns::FAST)
            .cloned()
            .collect();
        svc.modules.process_inline(&fast, &mut cx)
    }

    /// [`Self::fail`] with extra children in the `<failure/>` (only broken builds add any).
    fn fail_with(&mut self, profile: usize, f: MechanismFailure, extra: Vec<Element>) {
        self.auth = AuthState::Idle;
        let svc = self.svc.clone();
        let brk = self.breaks();
        if let Some(p) = svc.modules.sasl_profile(profile) {
            let mut failure = p.failure(&f);
            for e in extra {
                failure = failure.with_child(e);
            }
            if brk.has(Break::R24ConditionInWrongNamespace) {
                inject::condition_in_wrapper_ns(&mut failure);
            }
            if brk.has(Break::R24TwoConditions) {
                inject::second_condition(&mut failure);
            }
            self.send_el(&failure);
        }
        self.failures += 1;
        let limit = if brk.has(Break::R27NoRetry) {
            1
        } else if brk.has(Break::R27OneRetryOnly) {
            2
        } else if brk.has(Break::R131UnlimitedRetries) {
            u32::MAX
        } else {
            svc.settings.max_auth_attempts
        };
        if self.failures >= limit {
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
        renewal_due: bool,
    ) {
        let svc = self.svc.clone();
        let Some(p) = svc.modules.sasl_profile(profile) else {
            return;
        };
        let domain = svc.settings.domain.clone();
        let brk = self.breaks();
        let normalise: fn(&str) -> Option<String> = if brk.has(Break::R11AuthzidNotNormalised) {
            |j| Some(j.to_owned())
        } else {
            normalise_bare
        };
        let own = normalise(&format!("{username}@{domain}"));
        let authz_ok = brk.has(Break::R10AuthzidIgnored)
            || (authzid.as_deref().is_none_or(|a| normalise(a) == own)
                && (brk.has(Break::R10FromNotCompared)
                    || self
                        .from_hint
                        .as_deref()
                        .is_none_or(|f| authzid.is_none() || normalise(f) == own)));
        if !authz_ok {
            // SASL2-10/11: we do not support acting for another entity, so a non-empty authzid
            // must name the authenticated account itself and agree with the stream `from`.
            return self.fail(
                profile,
                MechanismFailure::new(SaslCondition::InvalidAuthzid),
            );
        }
        let state = std::mem::replace(&mut self.auth, AuthState::Done);
        let (inline_requests, user_agent_id, software, mechanism) = match state {
            AuthState::InProgress {
                inline_requests,
                user_agent_id,
                software,
                mechanism_name,
                ..
            } => (inline_requests, user_agent_id, software, mechanism_name),
            _ => return,
        };
        self.out.push(Action::Authenticated);
        let peer = self
            .module_state
            .get::<AuthGuard>()
            .and_then(|guard| guard.peer);
        svc.budget.succeeded(&username, peer);
        self.module_state.remove::<AuthGuard>();
        self.identity.username = Some(username.clone());
        match p.kind() {
            Profile::Sasl2 => {
                let mut cx = SuccessContext {
                    username,
                    domain,
                    user_agent_id,
                    resource: None,
                    mechanism,
                    renewal_due,
                    inline_requests: &inline_requests,
                    offered: &self.sasl2_offered,
                    env: &svc.env,
                    store: svc.store.as_ref(),
                    software,
                    breaks: brk,
                };
                let results = svc.modules.process_inline(&inline_requests, &mut cx);
                let authzid = cx.authorization_identifier();
                let resource = cx.resource.take();
                let mut success = p.success(additional.as_deref(), &authzid, results);
                if brk.has(Break::R14Base64LineBreaks) {
                    inject::wrap_base64(&mut success);
                }
                self.send_el(&success);
                if resource.is_some() {
                    self.out.push(Action::Bind(authzid));
                }
                self.identity.resource = resource;
                // SASL2-22: features immediately, no restart.
                if !brk.has(Break::R22NoFeaturesAfterSuccess) {
                    let feats = self.current_features();
                    self.send(features::features_xml(&feats));
                }
            }
            Profile::Legacy => {
                self.send_el(&p.success(additional.as_deref(), "", Vec::new()));
                // RFC 6120 §6.4.6: the client restarts the stream; keep what it pipelined.
                self.restart(true);
            }
        }
    }
}
