//! XEP-0004 data forms, as much as registration (XEP-0077 §4) and invitations (XEP-0401) need:
//! building forms and results, and reading the fields of a submitted form.

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

/// Most fields read from one submitted form; more is a malformed request.
pub const MAX_FIELDS: usize = 32;

/// `<x xmlns='jabber:x:data' type='…'>` with a hidden `FORM_TYPE` field.
pub fn form(kind: &str, form_type: &str) -> Element {
    Element::new("x", ns::DATA_FORMS)
        .with_attr("type", kind)
        .with_child(field("FORM_TYPE", "hidden", Some(form_type)))
}

/// One `<field/>` with an optional value.
pub fn field(var: &str, kind: &str, value: Option<&str>) -> Element {
    let mut f = Element::new("field", ns::DATA_FORMS)
        .with_attr("var", var)
        .with_attr("type", kind);
    if let Some(v) = value {
        f = f.with_child(Element::new("value", ns::DATA_FORMS).with_text(v));
    }
    f
}

/// A `<field/>` marked `<required/>`, with a label.
pub fn required(var: &str, kind: &str, label: &str) -> Element {
    field(var, kind, None)
        .with_attr("label", label)
        .with_child(Element::new("required", ns::DATA_FORMS))
}

/// Why a submitted form could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormError {
    /// A field appears twice, or has several values where one is expected, or there are more
    /// than [`MAX_FIELDS`] fields.
    Repeated,
}

/// The single value of each field of a submitted form (`var` → value; a field without
/// `<value/>` reads as the empty string), `FORM_TYPE` included.
pub fn values(x: &Element) -> Result<Vec<(String, String)>, FormError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for f in x.children_named("field", ns::DATA_FORMS) {
        let Some(var) = f.attr("var") else { continue };
        let mut vals = f.children_named("value", ns::DATA_FORMS);
        let v = vals.next().map(|v| v.text()).unwrap_or_default();
        if vals.next().is_some() || out.iter().any(|(k, _)| k == var) || out.len() >= MAX_FIELDS {
            return Err(FormError::Repeated);
        }
        out.push((var.to_owned(), v));
    }
    Ok(out)
}

/// The value of `var` in `values`.
pub fn get<'a>(values: &'a [(String, String)], var: &str) -> Option<&'a str> {
    values
        .iter()
        .find(|(k, _)| k == var)
        .map(|(_, v)| v.as_str())
}

/// XEP-0004 §3.3 boolean: `1`/`true` are true.
pub fn truthy(v: Option<&str>) -> bool {
    matches!(v, Some("1" | "true"))
}
