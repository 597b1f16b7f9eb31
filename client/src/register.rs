//! Registration and invitations on the wire: XEP-0077 `jabber:iq:register` (legacy fields and
//! data form, `<remove/>`, password change), XEP-0445/XEP-0401 `<preauth xmlns='urn:xmpp:pars:0'/>`,
//! XEP-0050 ad-hoc commands with XEP-0401's invitation form, the roster (RFC 6121) and XEP-0379
//! subscription requests carrying a preauth token. Builders return [`Element`]s to send with
//! [`Conn::request`](crate::Conn::request) or [`Conn::send`](crate::Conn::send); parsers read the replies.

use crate::iq::{DataForm, iq, submit_form};
use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

/// `<query xmlns='jabber:iq:register'/>`.
fn query() -> Element {
    Element::new("query", ns::REGISTER)
}

/// `<iq type='get'><query xmlns='jabber:iq:register'/></iq>`.
pub fn register_get(id: &str) -> Element {
    iq("get", id, None, query())
}

/// A registration (or, authenticated, a password change) with the legacy fields; `None` leaves a
/// field out, `Some("")` sends it empty.
pub fn register_legacy(id: &str, username: Option<&str>, password: Option<&str>) -> Element {
    register_fields(id, &[("username", username), ("password", password)])
}

/// `jabber:iq:register` set with legacy fields in order: `(name, None)` is left out, a name
/// may repeat (for malformed-input rows).
pub fn register_fields(id: &str, fields: &[(&str, Option<&str>)]) -> Element {
    let mut q = query();
    for (name, value) in fields {
        if let Some(v) = value {
            let mut f = Element::new(*name, ns::REGISTER);
            if !v.is_empty() {
                f = f.with_text(*v);
            }
            q = q.with_child(f);
        }
    }
    iq("set", id, None, q)
}

/// A registration with a XEP-0004 form (`FORM_TYPE` `jabber:iq:register`) of `fields`.
pub fn register_form(id: &str, fields: &[(&str, &str)]) -> Element {
    let x = submit_form(Some(ns::REGISTER), fields);
    iq("set", id, None, query().with_child(x))
}

/// `<query xmlns='jabber:iq:register'><remove/></query>` (XEP-0077 §3.2).
pub fn register_remove(id: &str) -> Element {
    iq(
        "set",
        id,
        None,
        query().with_child(Element::new("remove", ns::REGISTER)),
    )
}

/// `<iq type='set'><preauth xmlns='urn:xmpp:pars:0' token='…'/></iq>`; `None` leaves the
/// attribute out.
pub fn preauth_iq(id: &str, token: Option<&str>) -> Element {
    iq("set", id, None, preauth(token))
}

/// `<preauth xmlns='urn:xmpp:pars:0' token='…'/>`.
pub fn preauth(token: Option<&str>) -> Element {
    let el = Element::new("preauth", ns::PREAUTH);
    match token {
        Some(t) => el.with_attr("token", t),
        None => el,
    }
}

/// What a `jabber:iq:register` get result offers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegisterInfo {
    /// `<registered/>` present (XEP-0077 §3.2.1: the requester is registered).
    pub registered: bool,
    /// Names of the legacy field children (`username`, `password`, …), in order.
    pub fields: Vec<String>,
    /// The `<username/>` text, if present.
    pub username: Option<String>,
    /// `<instructions/>` present.
    pub instructions: bool,
    /// The embedded data form, if any.
    pub form: Option<DataForm>,
}

impl RegisterInfo {
    /// Parse the `<query xmlns='jabber:iq:register'/>` of a result.
    pub fn parse(query: &Element) -> RegisterInfo {
        let mut info = RegisterInfo::default();
        for c in query.elements() {
            if c.ns == ns::REGISTER {
                match c.name.as_str() {
                    "registered" => info.registered = true,
                    "instructions" => info.instructions = true,
                    name => {
                        if name == "username" {
                            info.username = Some(c.text());
                        }
                        info.fields.push(name.to_owned());
                    }
                }
            }
        }
        info.form = DataForm::find(query);
        info
    }

    /// Whether `name` is asked for, as a legacy field or a form field.
    pub fn asks(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f == name)
            || self.form.as_ref().is_some_and(|f| f.field(name).is_some())
    }
}

/// XEP-0050 `execute` of `node` on `to`.
pub fn command_execute(id: &str, to: &str, node: &str) -> Element {
    iq(
        "set",
        id,
        Some(to),
        Element::new("command", ns::COMMANDS)
            .with_attr("node", node)
            .with_attr("action", "execute"),
    )
}

/// XEP-0050 submit (`action='complete'`) of a form in session `sessionid`.
pub fn command_submit(
    id: &str,
    to: &str,
    node: &str,
    sessionid: &str,
    form_type: Option<&str>,
    fields: &[(&str, &str)],
) -> Element {
    iq(
        "set",
        id,
        Some(to),
        Element::new("command", ns::COMMANDS)
            .with_attr("node", node)
            .with_attr("sessionid", sessionid)
            .with_attr("action", "complete")
            .with_child(submit_form(form_type, fields)),
    )
}

/// A XEP-0050 `<command/>` reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandReply {
    /// `status` (`executing`, `completed`, `canceled`).
    pub status: String,
    /// `sessionid`.
    pub sessionid: String,
    /// The data form, if any.
    pub form: Option<DataForm>,
}

impl CommandReply {
    /// Parse the `<command/>` of a result.
    pub fn parse(command: &Element) -> Option<CommandReply> {
        command.is("command", ns::COMMANDS).then(|| CommandReply {
            status: command.attr("status").unwrap_or_default().to_owned(),
            sessionid: command.attr("sessionid").unwrap_or_default().to_owned(),
            form: DataForm::find(command),
        })
    }
}

/// The XEP-0401 contact-invitation command node.
pub const NODE_INVITE: &str = "urn:xmpp:invite#invite";
/// The XEP-0401 account-invitation command node.
pub const NODE_CREATE_ACCOUNT: &str = "urn:xmpp:invite#create-account";
/// The `FORM_TYPE` of XEP-0401's invitation result form.
pub const INVITATION_FORM: &str = "urn:xmpp:invite#invitation";

/// `disco#items` of `node` on `to`.
pub fn disco_items(id: &str, to: &str, node: Option<&str>) -> Element {
    let mut q = Element::new("query", ns::DISCO_ITEMS);
    if let Some(n) = node {
        q = q.with_attr("node", n);
    }
    iq("get", id, Some(to), q)
}

/// The `node` attributes of the `<item/>`s of a disco#items result payload.
pub fn item_nodes(query: &Element) -> Vec<String> {
    query
        .children_named("item", ns::DISCO_ITEMS)
        .filter_map(|i| i.attr("node").map(str::to_owned))
        .collect()
}

/// `<iq type='get'><query xmlns='jabber:iq:roster'/></iq>`.
pub fn roster_get(id: &str) -> Element {
    iq("get", id, None, Element::new("query", ns::ROSTER))
}

/// One roster item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterItem {
    /// `jid`.
    pub jid: String,
    /// `subscription` (`none` when absent, RFC 6121 §2.1.2.5).
    pub subscription: String,
    /// `ask`, if any.
    pub ask: Option<String>,
    /// `name`, if any.
    pub name: Option<String>,
}

/// The items of a roster `<query/>` (a result or a push).
pub fn roster_items(query: &Element) -> Vec<RosterItem> {
    query
        .children_named("item", ns::ROSTER)
        .map(|i| RosterItem {
            jid: i.attr("jid").unwrap_or_default().to_owned(),
            subscription: i.attr("subscription").unwrap_or("none").to_owned(),
            ask: i.attr("ask").map(str::to_owned),
            name: i.attr("name").map(str::to_owned),
        })
        .collect()
}

/// A roster push (`<iq type='set'><query xmlns='jabber:iq:roster'>…`): its items, else `None`.
pub fn roster_push(el: &Element) -> Option<Vec<RosterItem>> {
    (el.is("iq", ns::CLIENT) && el.attr("type") == Some("set"))
        .then(|| el.child("query", ns::ROSTER).map(roster_items))
        .flatten()
}

/// The result a client owes a roster push (RFC 6121 §2.1.6).
pub fn push_ack(push: &Element) -> Element {
    Element::new("iq", ns::CLIENT)
        .with_attr("type", "result")
        .with_attr("id", push.attr("id").unwrap_or_default())
}

/// `<presence type='…' to='…'/>`, with `extra` children (e.g. a [`preauth`]).
pub fn presence(kind: Option<&str>, to: Option<&str>, extra: Option<Element>) -> Element {
    let mut p = Element::new("presence", ns::CLIENT);
    if let Some(k) = kind {
        p = p.with_attr("type", k);
    }
    if let Some(t) = to {
        p = p.with_attr("to", t);
    }
    if let Some(e) = extra {
        p = p.with_child(e);
    }
    p
}

/// The bare JID of a JID (everything before the first `/`).
pub fn bare(jid: &str) -> &str {
    jid.split_once('/').map_or(jid, |(b, _)| b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatecheck_proto::xml::{Limits, parse_element};

    #[test]
    fn builds_and_parses_registration() {
        let set = register_legacy("r1", Some("gc-x"), Some(""));
        let q = set.child("query", ns::REGISTER).expect("query");
        let names: Vec<&str> = q.elements().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["username", "password"]);
        assert_eq!(
            q.child("password", ns::REGISTER).map(Element::text),
            Some(String::new())
        );
        let form = register_form("r2", &[("username", "u"), ("password", "p")]);
        let x = form
            .child("query", ns::REGISTER)
            .and_then(DataForm::find)
            .expect("form");
        assert_eq!(x.form_type(), Some(ns::REGISTER));
        let got = parse_element(
            "<query xmlns='jabber:iq:register'><registered/><username>alice</username>\
             <password/><instructions>x</instructions></query>",
            &Limits::default(),
        )
        .expect("xml");
        let info = RegisterInfo::parse(&got);
        assert!(info.registered && info.instructions);
        assert_eq!(info.username.as_deref(), Some("alice"));
        assert!(info.asks("password"));
        assert!(
            preauth_iq("p", None)
                .child("preauth", ns::PREAUTH)
                .is_some_and(|p| p.attr("token").is_none())
        );
    }

    #[test]
    fn parses_roster_and_commands() {
        let push = parse_element(
            "<iq xmlns='jabber:client' type='set' id='p'><query xmlns='jabber:iq:roster'>\
             <item jid='b@h' subscription='both'/></query></iq>",
            &Limits::default(),
        )
        .expect("xml");
        let items = roster_push(&push).expect("push");
        assert_eq!(items[0].subscription, "both");
        assert_eq!(push_ack(&push).attr("id"), Some("p"));
        let cmd = parse_element(
            "<command xmlns='http://jabber.org/protocol/commands' status='completed' sessionid='s'>\
             <x xmlns='jabber:x:data' type='result'><field var='uri'><value>u</value></field></x></command>",
            &Limits::default(),
        )
        .expect("xml");
        let r = CommandReply::parse(&cmd).expect("command");
        assert_eq!(r.status, "completed");
        assert_eq!(
            r.form
                .and_then(|f| f.value("uri").map(str::to_owned))
                .as_deref(),
            Some("u")
        );
        assert_eq!(bare("a@b/c"), "a@b");
    }
}
