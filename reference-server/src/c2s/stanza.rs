//! The authenticated stream's identity, as the stanza modules see it, and the hook from the
//! session's element dispatch into [`crate::modules::dispatch`].

use gatecheck_proto::xml::{Element, JABBER_CLIENT_NS};

use super::core::Action;
use super::session::{AuthState, C2sSession};

impl C2sSession {
    /// A top-level element after authentication.
    pub(crate) fn on_stanza(&mut self, el: Element) {
        crate::modules::dispatch::handle(self, el);
    }

    /// Our domain.
    pub(crate) fn domain(&self) -> String {
        self.svc.settings.domain.clone()
    }

    /// The authenticated account's local part.
    pub(crate) fn username(&self) -> Option<&str> {
        match &self.auth {
            AuthState::Done { username, .. } => Some(username),
            _ => None,
        }
    }

    /// `user@domain` once authenticated.
    pub(crate) fn bare_jid(&self) -> Option<String> {
        self.username()
            .map(|u| format!("{u}@{}", self.svc.settings.domain))
    }

    /// The bound full JID, if a resource is bound.
    pub(crate) fn full_jid(&self) -> Option<String> {
        match &self.auth {
            AuthState::Done {
                username,
                resource: Some(r),
            } => Some(format!("{username}@{}/{r}", self.svc.settings.domain)),
            _ => None,
        }
    }

    /// Binds `resource` (RFC 6120 §7) and registers it with the router.
    pub(crate) fn bind_resource(&mut self, resource: String) {
        if let AuthState::Done { resource: r, .. } = &mut self.auth {
            *r = Some(resource);
        }
        if let Some(full) = self.full_jid() {
            self.out.push(Action::Bind(full));
        }
    }

    /// Writes a stanza to this client.
    pub(crate) fn send_stanza(&mut self, e: &Element) {
        self.send(e.to_xml_in(JABBER_CLIENT_NS));
    }
}
