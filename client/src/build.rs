//! Builders for the elements a client sends and the replies a test expects, in the style of h2's
//! test-support `frames` module: `build::authenticate("SCRAM-SHA-256").initial_response(b"n,,…")`
//! reads like the line of the transcript it produces. Every builder converts into an [`Element`],
//! so it can be sent with [`crate::Conn::send`] or expected with [`crate::Conn::expect`].

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

/// The user-agent id the kit sends: a fixed UUID v4, so tests can check it never leaks into a
/// resource.
pub const USER_AGENT_ID: &str = "5f3c1e9a-7b2d-4c8e-9a61-3d2f4b8c0e17";

/// SASL data as XEP-0388 carries it: standard base64 with padding.
fn encode_b64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// `<authenticate xmlns='urn:xmpp:sasl:2' mechanism='…'/>` being built.
#[derive(Debug, Clone)]
pub struct Authenticate {
    mechanism: String,
    initial_response: Option<String>,
    user_agent: bool,
    user_agent_id: Option<String>,
    inline: Vec<Element>,
}

/// Start an `<authenticate/>` for `mechanism`, with the kit's `<user-agent/>` and no initial
/// response.
pub fn authenticate(mechanism: &str) -> Authenticate {
    Authenticate {
        mechanism: mechanism.to_owned(),
        initial_response: None,
        user_agent: true,
        user_agent_id: None,
        inline: Vec::new(),
    }
}

impl Authenticate {
    /// The initial response, base64-encoded; `b""` sends an empty `<initial-response/>` (which
    /// XEP-0388 distinguishes from an absent one).
    pub fn initial_response(self, data: &[u8]) -> Authenticate {
        self.initial_response_text(&encode_b64(data))
    }

    /// The `<initial-response/>` text verbatim (for malformed base64).
    pub fn initial_response_text(mut self, text: &str) -> Authenticate {
        self.initial_response = Some(text.to_owned());
        self
    }

    /// Send `<user-agent/>` with this id instead of [`USER_AGENT_ID`].
    pub fn user_agent_id(mut self, id: &str) -> Authenticate {
        self.user_agent_id = Some(id.to_owned());
        self
    }

    /// Leave out `<user-agent/>`.
    pub fn without_user_agent(mut self) -> Authenticate {
        self.user_agent = false;
        self
    }

    /// Inline requests (Bind 2, FAST, SM), after the user agent.
    pub fn inline<E: Into<Element>>(mut self, els: impl IntoIterator<Item = E>) -> Authenticate {
        self.inline.extend(els.into_iter().map(Into::into));
        self
    }
}

impl From<Authenticate> for Element {
    fn from(a: Authenticate) -> Element {
        let mut el = Element::new("authenticate", ns::SASL2).with_attr("mechanism", a.mechanism);
        if let Some(ir) = a.initial_response {
            let mut i = Element::new("initial-response", ns::SASL2);
            if !ir.is_empty() {
                i = i.with_text(ir);
            }
            el = el.with_child(i);
        }
        if a.user_agent {
            el = el.with_child(user_agent_with(
                a.user_agent_id.as_deref().unwrap_or(USER_AGENT_ID),
            ));
        }
        for e in a.inline {
            el = el.with_child(e);
        }
        el
    }
}

/// The Bind 2 `<tag/>` the kit's cases use: different from the user-agent strings, so a resource
/// that contains the software or device name is told apart from one that contains the tag.
pub const BIND2_TAG: &str = "gctag";

fn random_hex8() -> String {
    let mut b = [0u8; 4];
    rand::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The `<software/>` the kit sends: `gcsw-` and 8 random hex digits, fixed for the process, so a
/// leak of it (SASL2-12) is recognisable.
pub fn software() -> &'static str {
    static S: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    S.get_or_init(|| format!("gcsw-{}", random_hex8()))
}

/// The `<device/>` the kit sends: `gcdev-` and 8 random hex digits, fixed for the process.
pub fn device() -> &'static str {
    static S: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    S.get_or_init(|| format!("gcdev-{}", random_hex8()))
}

/// The kit's `<user-agent/>`: a fixed id, so tests can check it never leaks into a resource, and
/// the per-process [`software`] and [`device`] strings.
pub fn user_agent() -> Element {
    user_agent_with(USER_AGENT_ID)
}

/// A `<user-agent/>` with `id` and the kit's software and device strings.
pub fn user_agent_with(id: &str) -> Element {
    Element::new("user-agent", ns::SASL2)
        .with_attr("id", id)
        .with_child(Element::new("software", ns::SASL2).with_text(software()))
        .with_child(Element::new("device", ns::SASL2).with_text(device()))
}

/// `<response/>` carrying `data` base64-encoded.
pub fn response(data: &[u8]) -> Element {
    Element::new("response", ns::SASL2).with_text(encode_b64(data))
}

/// `<abort/>`.
pub fn abort() -> Element {
    Element::new("abort", ns::SASL2)
}

/// A SASL2 `<failure/>` with one RFC 6120 condition, for [`crate::Conn::expect`].
pub fn failure(condition: &str) -> Element {
    Element::new("failure", ns::SASL2).with_child(Element::new(condition, ns::SASL))
}

/// `<starttls/>`.
pub fn starttls() -> Element {
    Element::new("starttls", ns::TLS)
}

/// An inline Bind 2 request being built.
#[derive(Debug, Clone, Default)]
pub struct Bind2 {
    tag: Option<String>,
}

/// Start an inline `<bind xmlns='urn:xmpp:bind:0'/>`.
pub fn bind2() -> Bind2 {
    Bind2::default()
}

impl Bind2 {
    /// The client's `<tag/>` (the resource prefix the server may use).
    pub fn tag(mut self, tag: &str) -> Bind2 {
        self.tag = Some(tag.to_owned());
        self
    }
}

impl From<Bind2> for Element {
    fn from(b: Bind2) -> Element {
        let el = Element::new("bind", ns::BIND2);
        match b.tag {
            Some(t) => el.with_child(Element::new("tag", ns::BIND2).with_text(t)),
            None => el,
        }
    }
}

/// An inline FAST `<request-token mechanism='…'/>`.
pub fn request_token(mechanism: &str) -> Element {
    Element::new("request-token", ns::FAST).with_attr("mechanism", mechanism)
}

/// `<iq type='get' id='…'><ping xmlns='urn:xmpp:ping'/></iq>`.
pub fn ping(id: &str) -> Element {
    Element::new("iq", ns::CLIENT)
        .with_attr("type", "get")
        .with_attr("id", id)
        .with_child(Element::new("ping", ns::PING))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticate_orders_ir_user_agent_then_inline() {
        let el: Element = authenticate("PLAIN")
            .initial_response(b"n,,")
            .inline([bind2().tag("t")])
            .into();
        let names: Vec<&str> = el.elements().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["initial-response", "user-agent", "bind"]);
        let bare: Element = authenticate("PLAIN").without_user_agent().into();
        assert_eq!(bare.elements().count(), 0);
        let empty: Element = authenticate("PLAIN").initial_response(b"").into();
        assert_eq!(
            empty
                .child("initial-response", ns::SASL2)
                .map(Element::text),
            Some(String::new())
        );
    }
}
