//! Building replies to stanzas: IQ results and RFC 6120 §8.3 stanza errors, with addresses swapped
//! the way §8.3.1 requires, so every module answers in one well-formed shape.

use gatecheck_proto::xml::{Element, JABBER_CLIENT_NS};

use gatecheck_proto::ns;

/// RFC 6120 §8.3.3 conditions this server uses, with their §8.3.2 error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StanzaCondition {
    /// §8.3.3.1: malformed request.
    BadRequest,
    /// §8.3.3.4: the requester may not do this.
    Forbidden,
    /// §8.3.3.8: a server error.
    InternalServerError,
    /// §8.3.3.9: the item does not exist.
    ItemNotFound,
    /// §8.3.3.16: no such recipient or service, also used to hide existence.
    ServiceUnavailable,
    /// §8.3.3.10: address malformed.
    JidMalformed,
    /// §8.3.3.12: not acceptable (e.g. a roster item set with several items).
    NotAcceptable,
    /// §8.3.3.14: the recipient's queue is full.
    ResourceConstraint,
    /// §8.3.3.15: remote domain not served by us (we do no federation).
    RemoteServerNotFound,
    /// §8.3.3.2: the resource is taken.
    Conflict,
    /// §8.3.3.11: the action is not allowed (e.g. a second bind on one stream).
    NotAllowed,
    /// §8.3.3.13: the requester must register first (XEP-0077 `<remove/>` before authentication).
    RegistrationRequired,
    /// §8.3.3.12 (policy-violation): a local policy forbids it (registration before TLS).
    PolicyViolation,
}

impl StanzaCondition {
    /// Element name and error `type`.
    pub fn parts(self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest => ("bad-request", "modify"),
            Self::Forbidden => ("forbidden", "auth"),
            Self::InternalServerError => ("internal-server-error", "cancel"),
            Self::ItemNotFound => ("item-not-found", "cancel"),
            Self::ServiceUnavailable => ("service-unavailable", "cancel"),
            Self::JidMalformed => ("jid-malformed", "modify"),
            Self::NotAcceptable => ("not-acceptable", "modify"),
            Self::ResourceConstraint => ("resource-constraint", "wait"),
            Self::RemoteServerNotFound => ("remote-server-not-found", "cancel"),
            Self::Conflict => ("conflict", "cancel"),
            Self::NotAllowed => ("not-allowed", "cancel"),
            Self::RegistrationRequired => ("registration-required", "auth"),
            Self::PolicyViolation => ("policy-violation", "modify"),
        }
    }
}

/// Copies `id`, and swaps `from`/`to` into a reply from `responder` to `requester`. An empty
/// `requester` (a stream not yet authenticated, which has no address) leaves `to` out.
fn reply_base(request: &Element, responder: Option<&str>, requester: &str) -> Element {
    let mut e = Element::new(request.name.clone(), JABBER_CLIENT_NS);
    if let Some(id) = request.attr("id") {
        e = e.with_attr("id", id);
    }
    if let Some(r) = responder {
        e = e.with_attr("from", r);
    }
    if requester.is_empty() {
        return e;
    }
    e.with_attr("to", requester)
}

/// `<iq type='result'/>` with an optional payload.
pub fn iq_result(
    request: &Element,
    responder: Option<&str>,
    requester: &str,
    payload: Option<Element>,
) -> Element {
    let mut e = reply_base(request, responder, requester).with_attr("type", "result");
    if let Some(p) = payload {
        e = e.with_child(p);
    }
    e
}

/// An error reply of the same stanza kind (RFC 6120 §8.3.1): `type='error'`, the condition.
/// The original payload is not echoed (§8.3.1 makes that optional).
pub fn error(
    request: &Element,
    responder: Option<&str>,
    requester: &str,
    cond: StanzaCondition,
) -> Element {
    let (name, kind) = cond.parts();
    reply_base(request, responder, requester)
        .with_attr("type", "error")
        .with_child(
            Element::new("error", JABBER_CLIENT_NS)
                .with_attr("type", kind)
                .with_child(Element::new(name, ns::STANZAS)),
        )
}

/// [`error`] with a human-readable `<text/>` (RFC 6120 §8.3.2) and, if given, an
/// application-specific condition element after it.
pub fn error_with(
    request: &Element,
    responder: Option<&str>,
    requester: &str,
    cond: StanzaCondition,
    text: Option<&str>,
    app: Option<Element>,
) -> Element {
    let mut e = error(request, responder, requester, cond);
    if let Some(gatecheck_proto::xml::Node::Element(err)) = e.children.last_mut() {
        if let Some(t) = text {
            err.children.push(gatecheck_proto::xml::Node::Element(
                Element::new("text", ns::STANZAS).with_text(t),
            ));
        }
        if let Some(a) = app {
            err.children.push(gatecheck_proto::xml::Node::Element(a));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shape() {
        let req = Element::new("iq", JABBER_CLIENT_NS)
            .with_attr("id", "1")
            .with_attr("type", "get");
        let e = error(
            &req,
            Some("d"),
            "u@d/r",
            StanzaCondition::ServiceUnavailable,
        );
        assert_eq!(
            e.to_xml_in(JABBER_CLIENT_NS),
            format!(
                "<iq id='1' from='d' to='u@d/r' type='error'><error type='cancel'>\
                 <service-unavailable xmlns='{}'/></error></iq>",
                ns::STANZAS
            )
        );
        let r = iq_result(&req, None, "u@d/r", None);
        assert_eq!(
            r.to_xml_in(JABBER_CLIENT_NS),
            "<iq id='1' to='u@d/r' type='result'/>"
        );
    }
}
