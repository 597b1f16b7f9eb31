//! SASL2 inline features (XEP-0388 §2.1 `<inline/>`): an extension point so Bind 2 today and FAST
//! later plug into `<authenticate/>` processing without touching the SASL2 state machine.

use gatecheck_proto::xml::Element;

/// What inline features learn and decide when authentication has fully succeeded.
#[derive(Debug, Clone, Default)]
pub struct SuccessContext {
    /// The authenticated account's local part.
    pub username: String,
    /// Our domain.
    pub domain: String,
    /// The `<user-agent id>` the client sent (validated UUID), if any.
    pub user_agent_id: Option<String>,
    /// Set by Bind 2 when it binds a resource; the authorization identifier then becomes the full JID.
    pub resource: Option<String>,
}

impl SuccessContext {
    /// `user@domain`.
    pub fn bare_jid(&self) -> String {
        format!("{}@{}", self.username, self.domain)
    }

    /// The authorization identifier to report (SASL2-19): full JID once bound, else bare.
    pub fn authorization_identifier(&self) -> String {
        match &self.resource {
            Some(r) => format!("{}/{r}", self.bare_jid()),
            None => self.bare_jid(),
        }
    }
}

/// One inline-negotiable feature.
pub trait InlineFeature: Send + Sync {
    /// The element advertised inside SASL2 `<inline/>`.
    fn advertise(&self) -> Element;
    /// Whether `request` (a foreign-namespace child of `<authenticate/>`) belongs to this feature.
    fn handles(&self, request: &Element) -> bool;
    /// Processes the request after full success (never after a failure, SASL2-26); returns the
    /// result elements to put inside `<success/>`.
    fn on_success(&self, request: &Element, ctx: &mut SuccessContext) -> Vec<Element>;
}

/// The inline features in processing order (XEP-0388 §1.8: resume, then bind, then FAST).
#[derive(Default, Clone)]
pub struct InlineRegistry {
    features: Vec<std::sync::Arc<dyn InlineFeature>>,
}

impl InlineRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a feature; order of registration is processing and advertisement order.
    pub fn register(&mut self, f: std::sync::Arc<dyn InlineFeature>) {
        self.features.push(f);
    }

    /// The advertised elements, in order.
    pub fn advertise(&self) -> Vec<Element> {
        self.features.iter().map(|f| f.advertise()).collect()
    }

    /// Runs every feature whose request is among `requests`, in registry order, and collects
    /// their results. Requests no feature handles are ignored (XEP-0388 §2.3: unknown payloads).
    pub fn process(&self, requests: &[Element], ctx: &mut SuccessContext) -> Vec<Element> {
        let mut out = Vec::new();
        for f in &self.features {
            if let Some(r) = requests.iter().find(|r| f.handles(r)) {
                out.extend(f.on_success(r, ctx));
            }
        }
        out
    }
}
