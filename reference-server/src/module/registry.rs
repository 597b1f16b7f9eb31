//! The catalog of modules (after hickory-dns's `Catalog` of zone handlers): registration order is
//! feature, inline and stanza-hook order; IQs are looked up by payload namespace, so adding a
//! module never touches a dispatch chain.

use std::collections::HashMap;
use std::sync::Arc;

use gatecheck_proto::xml::Element;

use super::{
    DiscoItem, FeatureContext, Handled, IqPhase, Module, ModuleContext, OfferContext,
    SuccessContext,
};
use crate::breaks::BreakSet;
use crate::sasl::mechanism::{MechanismContext, ServerMechanism};
use crate::sasl::profile::SaslProfile;
use gatecheck_proto::sasl::Mechanism;

/// Why a module could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Two modules claim the same IQ payload namespace.
    #[error("IQ namespace {namespace} is claimed by both {first} and {second}")]
    DuplicateIqNamespace {
        /// The namespace.
        namespace: &'static str,
        /// The module registered first.
        first: &'static str,
        /// The module being registered.
        second: &'static str,
    },
    /// `modules_disabled` names a module the server does not have (a typo would otherwise
    /// silently leave the module running).
    #[error("modules_disabled: unknown module {name:?} (known: {known})")]
    UnknownModule {
        /// The name as configured.
        name: String,
        /// The registered module names, comma-separated.
        known: String,
    },
}

/// The registered modules, shared by every session.
#[derive(Default, Clone)]
pub struct ModuleRegistry {
    modules: Vec<Arc<dyn Module>>,
    iq: HashMap<&'static str, usize>,
    disco: Vec<&'static str>,
    items: Vec<DiscoItem>,
    breaks: BreakSet,
}

impl ModuleRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a module. Fails if it claims an IQ namespace another module already serves.
    pub fn register(&mut self, m: impl Module + 'static) -> Result<&mut Self, RegistryError> {
        self.register_shared(Arc::new(m))
    }

    /// [`ModuleRegistry::register`] for a module that is already shared.
    fn register_shared(&mut self, m: Arc<dyn Module>) -> Result<&mut Self, RegistryError> {
        let index = self.modules.len();
        for &namespace in m.iq_namespaces() {
            if let Some(&other) = self.iq.get(namespace) {
                let first = self.modules.get(other).map_or("?", |o| o.name());
                return Err(RegistryError::DuplicateIqNamespace {
                    namespace,
                    first,
                    second: m.name(),
                });
            }
            self.iq.insert(namespace, index);
        }
        self.disco.extend(m.disco_features());
        // XEP-0030 §3.1 feature lists are sets; sorted so the answer is stable.
        self.disco.sort_unstable();
        self.disco.dedup();
        self.items.extend(m.disco_items());
        self.modules.push(m);
        Ok(self)
    }

    /// This registry without the modules named in `disabled` (Prosody's `modules_disabled`),
    /// keeping the order of the rest and the injected bugs. A name no registered module has is
    /// an error, so a misspelt module is never left running unnoticed.
    pub fn without(self, disabled: &[String]) -> Result<ModuleRegistry, RegistryError> {
        if let Some(name) = disabled
            .iter()
            .find(|n| !self.modules.iter().any(|m| m.name() == n.as_str()))
        {
            return Err(RegistryError::UnknownModule {
                name: name.clone(),
                known: self
                    .modules
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let mut kept = ModuleRegistry::new();
        kept.breaks = self.breaks;
        for m in self.modules {
            if !disabled.iter().any(|n| n == m.name()) {
                kept.register_shared(m)?;
            }
        }
        Ok(kept)
    }

    /// The names of the registered modules, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.modules.iter().map(|m| m.name()).collect()
    }

    /// Switches on deliberately injected bugs for every session (`break-builds` only).
    pub fn set_breaks(&mut self, breaks: BreakSet) {
        self.breaks = breaks;
    }

    /// The injected bugs (always empty in a normal build).
    pub fn breaks(&self) -> BreakSet {
        self.breaks
    }

    /// Every module's mechanisms offered on a stream with these TLS facts in `profile`, in
    /// registration order.
    pub fn mechanisms(&self, cx: &OfferContext<'_>) -> Vec<Mechanism> {
        self.modules.iter().flat_map(|m| m.mechanisms(cx)).collect()
    }

    /// Starts `mechanism` with the first module that provides it.
    pub fn start_mechanism(
        &self,
        mechanism: Mechanism,
        cx: &MechanismContext,
    ) -> Option<Box<dyn ServerMechanism>> {
        self.modules
            .iter()
            .find_map(|m| m.start_mechanism(mechanism, cx))
    }

    /// Every module's stream features for `cx`, in registration order.
    pub fn stream_features(&self, cx: &FeatureContext<'_>) -> Vec<Element> {
        self.modules
            .iter()
            .flat_map(|m| m.stream_features(cx))
            .collect()
    }

    /// Every module's SASL2 inline advertisement, in registration order.
    pub fn inline_advertisements(
        &self,
        cx: &OfferContext<'_>,
        sasl2_mechanisms: &[Mechanism],
    ) -> Vec<Element> {
        self.modules
            .iter()
            .filter_map(|m| m.inline_advertisement(cx, sasl2_mechanisms))
            .collect()
    }

    /// Runs every module whose request is among `requests`, in registration order (XEP-0388
    /// §1.8: resume, then bind, then FAST), and collects their results. Requests no module
    /// claims are ignored (XEP-0388 §2.3: unknown payloads).
    pub fn process_inline(
        &self,
        requests: &[Element],
        cx: &mut SuccessContext<'_>,
    ) -> Vec<Element> {
        let mut out = Vec::new();
        for m in &self.modules {
            if let Some(r) = requests.iter().find(|r| m.handles_inline(r)) {
                out.extend(m.on_inline_success(r, cx));
            }
        }
        out
    }

    /// The index of the module whose SASL profile starts with `el`, if any.
    pub fn sasl_profile_for(&self, el: &Element) -> Option<usize> {
        self.modules.iter().position(|m| {
            m.sasl_profile()
                .is_some_and(|p| el.is(p.start_name(), p.namespace()))
        })
    }

    /// The SASL profile of the module at `index`.
    pub fn sasl_profile(&self, index: usize) -> Option<&dyn SaslProfile> {
        self.modules.get(index).and_then(|m| m.sasl_profile())
    }

    /// Whether `el` would start an attempt in any profile (used to refuse re-authentication).
    pub fn is_sasl_start(&self, el: &Element) -> bool {
        self.sasl_profile_for(el).is_some()
    }

    /// Offers a pre-authentication element to each module in turn.
    pub fn pre_auth_element(&self, el: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        for m in &self.modules {
            if m.pre_auth_element(el, cx) == Handled::Yes {
                return Handled::Yes;
            }
        }
        Handled::No
    }

    /// Routes an IQ to the module serving its payload's namespace in `phase`.
    pub fn handle_iq(&self, phase: IqPhase, iq: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        let Some(payload) = iq.elements().next() else {
            return Handled::No;
        };
        match self
            .iq
            .get(payload.ns.as_str())
            .and_then(|&i| self.modules.get(i))
        {
            Some(m) if m.serves_iq(phase) => m.handle_iq(iq, cx),
            _ => Handled::No,
        }
    }

    /// Offers a presence or message stanza to each module in turn.
    pub fn handle_stanza(&self, stanza: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        for m in &self.modules {
            if m.handle_stanza(stanza, cx) == Handled::Yes {
                return Handled::Yes;
            }
        }
        Handled::No
    }

    /// The union of every module's XEP-0030 features, sorted.
    pub fn disco_features(&self) -> &[&'static str] {
        &self.disco
    }

    /// Every module's XEP-0030 items, in registration order.
    pub fn disco_items(&self) -> &[DiscoItem] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_drops_named_modules_and_rejects_unknown_names() {
        let all = crate::root::modules().expect("modules");
        assert!(all.names().contains(&"sasl2"));
        let kept = all
            .clone()
            .without(&["sasl2".to_owned()])
            .expect("sasl2 is known");
        let expected: Vec<&str> = all.names().into_iter().filter(|n| *n != "sasl2").collect();
        assert_eq!(kept.names(), expected, "the rest, in order");
        let err = all
            .without(&["sasl3".to_owned()])
            .err()
            .expect("typo is an error");
        assert!(
            matches!(&err, RegistryError::UnknownModule { name, known } if name == "sasl3" && known.contains("sasl2")),
            "{err}"
        );
    }
}
