//! The server's extension point: the [`Module`] trait through which a protocol module contributes
//! to every c2s stream, the narrow [`ModuleContext`] it works through, and the
//! [`ModuleRegistry`] (the catalog) that the session consults.
//!
//! Dependency direction: the session core (`c2s`) depends on this module; the modules
//! (`crate::modules::*`) depend on this module and never on the session, so neither can reach
//! into the other's state. A module is a stateless service shared by all sessions; per-stream
//! facts reach it through the context.

mod context;
mod registry;
pub mod reply;
mod state;

use gatecheck_proto::sasl::{ChannelBindingType, ChannelBindings, Mechanism};
use gatecheck_proto::xml::Element;

pub use context::{Identity, ModuleContext, SuccessContext, domain_of};

pub use registry::{ModuleRegistry, RegistryError};
pub use state::StreamState;

/// One XEP-0030 item the server lists under a disco#items `node` (e.g. an XEP-0050 command
/// under `http://jabber.org/protocol/commands`); the item's JID is the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoItem {
    /// The queried node the item is listed under.
    pub parent: &'static str,
    /// The item's own node.
    pub node: &'static str,
    /// Its human-readable name.
    pub name: &'static str,
}

use crate::breaks::BreakSet;
use crate::sasl::mechanism::{MechanismContext, Profile, ServerMechanism};
use crate::sasl::profile::SaslProfile;

/// Where a stream stands, for choosing features and which handlers may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamPhase {
    /// Not authenticated, no TLS yet (only reached when TLS is not required).
    PreTls,
    /// Not authenticated, TLS up.
    PreAuth,
    /// Authenticated; `bound` once a resource is bound.
    PostAuth {
        /// Whether a resource is bound.
        bound: bool,
    },
}

/// Where an IQ arrived, for routing it to a module that serves that phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IqPhase {
    /// Before authentication (XEP-0077 registration will answer here).
    PreAuth,
    /// Authenticated, no resource bound yet (RFC 6120 §7.1: only binding).
    PreBind,
    /// A resource is bound: ordinary stanza traffic.
    Bound,
}

/// Whether a hook consumed its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// The module answered; nobody else sees the input.
    Yes,
    /// Not this module's; the next one (or the session's default) decides.
    No,
}

/// The stream facts that decide which mechanisms and inline features a module offers: never the
/// identity a client claims, only whether its stream header names one (SASL2-34).
#[derive(Debug, Clone, Copy)]
pub struct OfferContext<'a> {
    /// Channel-binding data of the TLS session, if any.
    pub tls: Option<&'a ChannelBindings>,
    /// The SASL profile the mechanisms are for.
    pub profile: Profile,
    /// Whether the stream header's `from` names an account (`user@domain`): FAST is offered only
    /// then (XEP-0484 §4.1 makes clients send it; Prosody advertises on the same condition).
    pub names_user: bool,
}

/// What a module may look at when contributing stream features.
#[derive(Debug, Clone, Copy)]
pub struct FeatureContext<'a> {
    /// The stream's phase.
    pub phase: StreamPhase,
    /// Channel-binding data of the TLS session, if any.
    pub tls: Option<&'a ChannelBindings>,
    /// Mechanisms the SASL2 profile offers on this stream (empty before TLS).
    pub sasl2_mechanisms: &'a [Mechanism],
    /// Mechanisms the legacy SASL profile offers on this stream.
    pub legacy_mechanisms: &'a [Mechanism],
    /// XEP-0440 channel-binding types advertised, in wire order.
    pub cb_types: &'a [ChannelBindingType],
    /// Every module's SASL2 inline advertisement, in registration order.
    pub inline: &'a [Element],
    /// Deliberately injected bugs (empty except in `break-builds` test runs).
    pub breaks: BreakSet,
}

/// One protocol module. Every hook has a do-nothing default, so a module implements only what it
/// contributes. Hooks run in registration order.
pub trait Module: Send + Sync {
    /// A short name for logs and registry errors.
    fn name(&self) -> &'static str;

    /// Children of `<stream:features/>` for this phase (RFC 6120 §4.3.2). Must depend only on
    /// the stream's state, never on a claimed identity (SASL2-34).
    fn stream_features(&self, _cx: &FeatureContext<'_>) -> Vec<Element> {
        Vec::new()
    }

    /// The SASL profile this module provides (SASL2, legacy SASL), if any.
    fn sasl_profile(&self) -> Option<&dyn SaslProfile> {
        None
    }

    /// SASL mechanisms this module provides (FAST's HT-* family, for example), as offered on a
    /// stream with these TLS facts in `profile`. SCRAM and PLAIN come from the server's built-in
    /// [`crate::sasl::mechanism::MechanismProvider`]; the session merges both lists into
    /// [`gatecheck_proto::sasl::Mechanism::ALL`] order. Must depend only on the stream's state,
    /// never on a claimed identity (SASL2-7, SASL2-34).
    fn mechanisms(&self, _cx: &OfferContext<'_>) -> Vec<Mechanism> {
        Vec::new()
    }

    /// Starts one attempt of `mechanism` if it is one of this module's (already checked to be
    /// offered on this stream); `None` leaves it to the next module or the built-in provider.
    fn start_mechanism(
        &self,
        _mechanism: Mechanism,
        _cx: &MechanismContext,
    ) -> Option<Box<dyn ServerMechanism>> {
        None
    }

    /// The element this module advertises inside SASL2 `<inline/>` (XEP-0388 §2.1), on a stream
    /// with these facts offering `sasl2_mechanisms` (every module's, HT-* included).
    fn inline_advertisement(
        &self,
        _cx: &OfferContext<'_>,
        _sasl2_mechanisms: &[Mechanism],
    ) -> Option<Element> {
        None
    }

    /// Whether `request` (a foreign-namespace child of `<authenticate/>`) is this module's.
    fn handles_inline(&self, _request: &Element) -> bool {
        false
    }

    /// Processes this module's inline request after full success (never after a failure,
    /// SASL2-26); returns the elements to put inside `<success/>`.
    fn on_inline_success(&self, _request: &Element, _cx: &mut SuccessContext<'_>) -> Vec<Element> {
        Vec::new()
    }

    /// A top-level non-stanza element before authentication, after STARTTLS policy and SASL.
    fn pre_auth_element(&self, _el: &Element, _cx: &mut ModuleContext<'_>) -> Handled {
        Handled::No
    }

    /// Payload namespaces of the IQs this module answers (one module per namespace).
    fn iq_namespaces(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether this module's IQs are served in `phase` (default: bound streams only).
    fn serves_iq(&self, phase: IqPhase) -> bool {
        phase == IqPhase::Bound
    }

    /// Answers an IQ addressed to the server or the own account whose payload is in one of
    /// [`Module::iq_namespaces`]. `Handled::No` lets the session answer `service-unavailable`.
    fn handle_iq(&self, _iq: &Element, _cx: &mut ModuleContext<'_>) -> Handled {
        Handled::No
    }

    /// A `<presence/>` or `<message/>` from a bound resource; `Handled::No` leaves it to the
    /// session's default (messages are delivered, presence is dropped).
    fn handle_stanza(&self, _stanza: &Element, _cx: &mut ModuleContext<'_>) -> Handled {
        Handled::No
    }

    /// XEP-0030 features this module implements, listed by the server's disco#info.
    fn disco_features(&self) -> &'static [&'static str] {
        &[]
    }

    /// XEP-0030 items this module lists on the server JID, by node (served by disco#items).
    fn disco_items(&self) -> &'static [DiscoItem] {
        &[]
    }
}
