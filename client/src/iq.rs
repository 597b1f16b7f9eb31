//! IQ requests and their replies (RFC 6120 §8.2.3), and XEP-0004 data forms: what the
//! registration, invitation, roster and ad-hoc command exchanges are built from.
//!
//! [`Conn::request`] sends one IQ and reads until the reply with its `id`, keeping every other
//! stanza that arrived on the way (roster pushes, presence) so a case can judge them too.

use crate::conn::Conn;
use crate::error::ClientError;
use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

/// An `<iq/>` of `kind` (`get`/`set`) with one payload child.
pub fn iq(kind: &str, id: &str, to: Option<&str>, payload: Element) -> Element {
    let mut el = Element::new("iq", ns::CLIENT)
        .with_attr("type", kind)
        .with_attr("id", id);
    if let Some(t) = to {
        el = el.with_attr("to", t);
    }
    el.with_child(payload)
}

/// The answer to one IQ request.
#[derive(Debug, Clone, PartialEq)]
pub enum IqReply {
    /// `type='result'`: the whole `<iq/>`.
    Result(Element),
    /// `type='error'`.
    Error(StanzaError),
}

/// A stanza error (RFC 6120 §8.3): its `type`, defined condition and the whole stanza.
#[derive(Debug, Clone, PartialEq)]
pub struct StanzaError {
    /// The `type` attribute of `<error/>` (`cancel`, `modify`, `auth`, …), empty if absent.
    pub kind: String,
    /// The defined condition (first child in the stanzas namespace other than `<text/>`), empty if
    /// none.
    pub condition: String,
    /// The legacy `code` attribute (XEP-0086), if any.
    pub code: Option<String>,
    /// The `<text/>`, if any.
    pub text: Option<String>,
    /// The stanza as received.
    pub stanza: Element,
}

impl StanzaError {
    /// Read the error out of a stanza of `type='error'` (missing parts are empty).
    pub fn of(stanza: &Element) -> StanzaError {
        let err = stanza.child("error", ns::CLIENT);
        let condition = err
            .and_then(|e| {
                e.elements()
                    .find(|c| c.ns == ns::STANZAS && c.name != "text")
            })
            .map(|c| c.name.to_string())
            .unwrap_or_default();
        StanzaError {
            kind: err
                .and_then(|e| e.attr("type"))
                .unwrap_or_default()
                .to_owned(),
            condition,
            code: err.and_then(|e| e.attr("code")).map(str::to_owned),
            text: err
                .and_then(|e| e.child("text", ns::STANZAS))
                .map(Element::text),
            stanza: stanza.clone(),
        }
    }

    /// `cancel/item-not-found` style, for reports.
    pub fn describe(&self) -> String {
        format!("error {}/{}", self.kind, self.condition)
    }
}

impl IqReply {
    /// Classify an `<iq/>` of type `result` or `error`; anything else is `None`.
    pub fn parse(el: &Element) -> Option<IqReply> {
        if !el.is("iq", ns::CLIENT) {
            return None;
        }
        match el.attr("type") {
            Some("result") => Some(IqReply::Result(el.clone())),
            Some("error") => Some(IqReply::Error(StanzaError::of(el))),
            _ => None,
        }
    }

    /// The payload of a result (its first child element).
    pub fn payload(&self) -> Option<&Element> {
        match self {
            IqReply::Result(el) => el.elements().next(),
            IqReply::Error(_) => None,
        }
    }

    /// The error, if this is one.
    pub fn error(&self) -> Option<&StanzaError> {
        match self {
            IqReply::Error(e) => Some(e),
            IqReply::Result(_) => None,
        }
    }

    /// Whether this is a result.
    pub fn is_result(&self) -> bool {
        matches!(self, IqReply::Result(_))
    }

    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            IqReply::Result(_) => "result".into(),
            IqReply::Error(e) => e.describe(),
        }
    }
}

/// A request's reply and the other stanzas that arrived before it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The reply.
    pub reply: IqReply,
    /// Stanzas received before the reply (pushes, presence, messages), in order.
    pub others: Vec<Element>,
}

impl Conn {
    /// Send `iq` (which must carry an `id`) and read until the `result`/`error` with the same
    /// `id`; other stanzas are kept in [`Exchange::others`]. Waits the connection's reply wait
    /// for each element.
    pub async fn request(&mut self, iq: &Element) -> Result<Exchange, ClientError> {
        let id = iq.attr("id").unwrap_or_default().to_owned();
        self.send(iq).await?;
        let mut others = Vec::new();
        loop {
            let el = self.recv().await?;
            if el.is("iq", ns::CLIENT)
                && el.attr("id") == Some(id.as_str())
                && let Some(reply) = IqReply::parse(&el)
            {
                return Ok(Exchange { reply, others });
            }
            if !el.is("iq", ns::CLIENT)
                && !el.is("presence", ns::CLIENT)
                && !el.is("message", ns::CLIENT)
            {
                return Err(ClientError::unexpected(
                    &format!("the reply to iq {id}"),
                    &el,
                ));
            }
            others.push(el);
        }
    }

    /// Read stanzas until one matches `pred` or the reply wait passes without one; returns the
    /// match (or `None` on silence) and every stanza read.
    pub async fn collect_until(
        &mut self,
        pred: impl Fn(&Element) -> bool,
    ) -> Result<(Option<Element>, Vec<Element>), ClientError> {
        let mut seen = Vec::new();
        loop {
            match self.recv().await {
                Ok(el) if pred(&el) => {
                    seen.push(el.clone());
                    return Ok((Some(el), seen));
                }
                Ok(el) => seen.push(el),
                Err(ClientError::Timeout(_)) => return Ok((None, seen)),
                Err(e) => return Err(e),
            }
        }
    }
}

/// One field of a data form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Field {
    /// `var`.
    pub var: String,
    /// `type` (empty when absent, which XEP-0004 reads as `text-single`).
    pub kind: String,
    /// The `<value/>` texts.
    pub values: Vec<String>,
    /// Whether it carries `<required/>`.
    pub required: bool,
}

impl Field {
    /// The first value, if any.
    pub fn value(&self) -> Option<&str> {
        self.values.first().map(String::as_str)
    }
}

/// A XEP-0004 data form (`<x xmlns='jabber:x:data'/>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataForm {
    /// `type` (`form`, `submit`, `result`, `cancel`).
    pub kind: String,
    /// The fields in order, `FORM_TYPE` included.
    pub fields: Vec<Field>,
    /// Whether the form has `<item/>` or `<reported/>` children (a multi-item result).
    pub has_items: bool,
}

impl DataForm {
    /// Parse `<x xmlns='jabber:x:data'/>`.
    pub fn parse(x: &Element) -> DataForm {
        let fields = x
            .children_named("field", ns::DATA_FORMS)
            .map(|f| Field {
                var: f.attr("var").unwrap_or_default().to_owned(),
                kind: f.attr("type").unwrap_or_default().to_owned(),
                values: f
                    .children_named("value", ns::DATA_FORMS)
                    .map(Element::text)
                    .collect(),
                required: f.child("required", ns::DATA_FORMS).is_some(),
            })
            .collect();
        DataForm {
            kind: x.attr("type").unwrap_or_default().to_owned(),
            fields,
            has_items: x.child("item", ns::DATA_FORMS).is_some()
                || x.child("reported", ns::DATA_FORMS).is_some(),
        }
    }

    /// The first form directly inside `parent`.
    pub fn find(parent: &Element) -> Option<DataForm> {
        parent.child("x", ns::DATA_FORMS).map(DataForm::parse)
    }

    /// The field named `var`.
    pub fn field(&self, var: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.var == var)
    }

    /// The first value of field `var`.
    pub fn value(&self, var: &str) -> Option<&str> {
        self.field(var).and_then(Field::value)
    }

    /// The `FORM_TYPE` value (hidden field), if any.
    pub fn form_type(&self) -> Option<&str> {
        self.value("FORM_TYPE")
    }
}

/// A `type='submit'` form: `FORM_TYPE` (hidden) when given, then `(var, value)` fields.
pub fn submit_form(form_type: Option<&str>, fields: &[(&str, &str)]) -> Element {
    let mut x = Element::new("x", ns::DATA_FORMS).with_attr("type", "submit");
    if let Some(t) = form_type {
        x = x.with_child(
            Element::new("field", ns::DATA_FORMS)
                .with_attr("var", "FORM_TYPE")
                .with_attr("type", "hidden")
                .with_child(Element::new("value", ns::DATA_FORMS).with_text(t)),
        );
    }
    for (var, value) in fields {
        x = x.with_child(
            Element::new("field", ns::DATA_FORMS)
                .with_attr("var", *var)
                .with_child(Element::new("value", ns::DATA_FORMS).with_text(*value)),
        );
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::xml::{Limits, parse_element};

    fn el(xml: &str) -> Element {
        parse_element(xml, &Limits::default()).expect("xml")
    }

    #[test]
    fn parses_results_errors_and_forms() {
        let e = el(
            "<iq xmlns='jabber:client' type='error' id='a'><error type='cancel' code='409'>\
                    <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
                    <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>taken</text></error></iq>",
        );
        let r = IqReply::parse(&e).expect("iq");
        let err = r.error().expect("error");
        assert_eq!(
            (
                err.kind.as_str(),
                err.condition.as_str(),
                err.code.as_deref()
            ),
            ("cancel", "conflict", Some("409"))
        );
        assert_eq!(err.text.as_deref(), Some("taken"));
        let ok = el("<iq xmlns='jabber:client' type='result' id='a'><query xmlns='q'/></iq>");
        assert!(IqReply::parse(&ok).expect("iq").payload().is_some());
        assert!(IqReply::parse(&el("<iq xmlns='jabber:client' type='get' id='a'/>")).is_none());
        let x = el("<x xmlns='jabber:x:data' type='result'>\
                    <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:invite#invitation</value></field>\
                    <field var='uri'><value>xmpp:a@b?roster;preauth=x</value><required/></field></x>");
        let f = DataForm::parse(&x);
        assert_eq!(f.form_type(), Some("urn:xmpp:invite#invitation"));
        assert!(f.field("uri").is_some_and(|u| u.required));
        assert!(!f.has_items);
        let s = DataForm::parse(&submit_form(Some("t"), &[("username", "u")]));
        assert_eq!(
            (s.kind.as_str(), s.value("username")),
            ("submit", Some("u"))
        );
    }
}
