//! RFC 6121 §2 roster management: get, set and remove, with roster pushes (§2.1.6) to every bound
//! resource of the account through the router. Roster versioning (§2.6) is not offered.

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

use super::resource::random_suffix;
use crate::env::Env;
use crate::module::reply::{self, StanzaCondition};
use crate::module::{Handled, Module, ModuleContext};
use crate::route::StanzaRouter;
use crate::store::{RosterItem, Store, Subscription};

/// Prosody's default `max_roster_items`.
pub const DEFAULT_MAX_ITEMS: usize = 250;

/// The roster module.
#[derive(Debug, Clone, Copy)]
pub struct Roster {
    /// `max_roster_items`: a set adding an item beyond this is refused.
    pub max_items: usize,
}

impl Default for Roster {
    fn default() -> Self {
        Self {
            max_items: DEFAULT_MAX_ITEMS,
        }
    }
}

impl Module for Roster {
    fn name(&self) -> &'static str {
        "roster"
    }

    fn iq_namespaces(&self) -> &'static [&'static str] {
        &[ns::ROSTER]
    }

    fn handle_iq(&self, el: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        if handle(el, cx, self.max_items) {
            Handled::Yes
        } else {
            Handled::No
        }
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::ROSTER]
    }
}

/// Largest roster item name and group name we store, in bytes.
pub const MAX_NAME: usize = 1024;
/// Most groups per item.
pub const MAX_GROUPS: usize = 32;

/// The `<item/>` element for a stored item.
pub fn item_element(i: &RosterItem) -> Element {
    let mut e = Element::new("item", ns::ROSTER)
        .with_attr("jid", i.jid.as_str())
        .with_attr("subscription", i.subscription.as_str());
    if let Some(n) = &i.name {
        e = e.with_attr("name", n.as_str());
    }
    if i.ask {
        e = e.with_attr("ask", "subscribe");
    }
    for g in &i.groups {
        e = e.with_child(Element::new("group", ns::ROSTER).with_text(g));
    }
    e
}

/// Pushes `item` (RFC 6121 §2.1.6) to every bound resource of `user@domain` via `router`.
pub fn push(router: &dyn StanzaRouter, env: &Env, bare: &str, item: Element) {
    for full in router.resources_of(bare) {
        let iq = Element::new("iq", ns::CLIENT)
            .with_attr("type", "set")
            .with_attr("id", format!("push-{}", random_suffix(env)))
            .with_attr("to", full.as_str())
            .with_child(Element::new("query", ns::ROSTER).with_child(item.clone()));
        // A full or vanished inbox only loses a push; the client re-fetches on reconnect.
        let _ = router.route(&full, iq.to_xml_in(ns::CLIENT).into_bytes());
    }
}

/// Whether `jid` looks like a bare JID we can store: non-empty, bounded, no resource, no spaces.
fn plausible_bare(jid: &str) -> bool {
    !jid.is_empty()
        && jid.len() <= 3071
        && !jid.contains('/')
        && !jid.chars().any(|c| c.is_whitespace() || c.is_control())
        && !jid.starts_with('@')
        && !jid.ends_with('@')
}

/// Parses a roster set's single item (RFC 6121 §2.3.2, §2.5.2).
fn parse_set(q: &Element) -> Result<(String, Option<Element>), StanzaCondition> {
    let mut items = q.children_named("item", ns::ROSTER);
    let item = items.next().ok_or(StanzaCondition::BadRequest)?;
    if items.next().is_some() {
        return Err(StanzaCondition::BadRequest);
    }
    let jid = item
        .attr("jid")
        .ok_or(StanzaCondition::BadRequest)?
        .to_lowercase();
    if !plausible_bare(&jid) {
        return Err(StanzaCondition::JidMalformed);
    }
    Ok((jid, Some(item.clone())))
}

/// Why a roster set was refused: the condition and, for limits, a text (RFC 6121 §2.3.3).
type Refused = (StanzaCondition, Option<String>);

fn set(
    store: &dyn Store,
    user: &str,
    item: &Element,
    jid: &str,
    max_items: usize,
) -> Result<RosterItem, Refused> {
    let name = item
        .attr("name")
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let groups: Vec<String> = item
        .children_named("group", ns::ROSTER)
        .map(|g| g.text())
        .collect();
    if name.as_ref().is_some_and(|n| n.len() > MAX_NAME)
        || groups.len() > MAX_GROUPS
        || groups.iter().any(|g| g.is_empty() || g.len() > MAX_NAME)
    {
        // RFC 6121 §2.3.3: an item exceeding a size limit (name, groups) is not-acceptable.
        return Err((
            StanzaCondition::NotAcceptable,
            Some(format!(
                "roster item too large: name and group names at most {MAX_NAME} bytes, at most {MAX_GROUPS} groups"
            )),
        ));
    }
    let items = store
        .roster_get(user)
        .map_err(|_| (StanzaCondition::InternalServerError, None))?;
    let count = items.len();
    let existing = items.into_iter().find(|i| i.jid == jid);
    if existing.is_none() && count >= max_items {
        // RFC 6121 §2.3.3: a roster at its maximum number of items refuses an addition with
        // policy-violation.
        tracing::info!(
            user,
            count,
            "roster set refused: the roster is full (max_roster_items = {max_items})"
        );
        return Err((
            StanzaCondition::PolicyViolation,
            Some(format!("roster is full: at most {max_items} items")),
        ));
    }
    let new = RosterItem {
        jid: jid.to_owned(),
        name,
        // The client cannot set subscription state (RFC 6121 §2.1.2.5); keep the server's.
        subscription: existing
            .as_ref()
            .map_or(Subscription::None, |e| e.subscription),
        ask: existing.as_ref().is_some_and(|e| e.ask),
        groups,
    };
    store
        .roster_set(user, &new)
        .map_err(|_| (StanzaCondition::InternalServerError, None))?;
    Ok(new)
}

/// Answers roster get/set IQs; returns whether it did.
fn handle(el: &Element, cx: &mut ModuleContext<'_>, max_items: usize) -> bool {
    let Some(q) = el.child("query", ns::ROSTER) else {
        return false;
    };
    let id = cx.identity();
    let (Some(user), Some(bare), Some(from)) = (id.username.clone(), id.bare_jid(), id.full_jid())
    else {
        return false;
    };
    let from = from.as_str();
    if el.attr("to").is_some_and(|t| t.to_lowercase() != bare) {
        return false; // Roster of the server or another account: not ours to serve.
    }
    let store = cx.store;
    let outcome = match el.attr("type") {
        Some("get") => store
            .roster_get(&user)
            .map(|items| {
                let mut q = Element::new("query", ns::ROSTER);
                for i in &items {
                    q = q.with_child(item_element(i));
                }
                (Some(q), None)
            })
            .map_err(|_| (StanzaCondition::InternalServerError, None)),
        Some("set") => parse_set(q).map_err(|c| (c, None)).and_then(|(jid, item)| {
            let item = item.unwrap_or_default();
            if item.attr("subscription") == Some("remove") {
                match store.roster_remove(&user, &jid) {
                    Ok(true) => Ok((
                        None,
                        Some(
                            Element::new("item", ns::ROSTER)
                                .with_attr("jid", jid)
                                .with_attr("subscription", "remove"),
                        ),
                    )),
                    Ok(false) => Err((StanzaCondition::ItemNotFound, None)),
                    Err(_) => Err((StanzaCondition::InternalServerError, None)),
                }
            } else {
                set(store, &user, &item, &jid, max_items).map(|i| (None, Some(item_element(&i))))
            }
        }),
        _ => return false,
    };
    match outcome {
        Ok((payload, pushed)) => {
            let r = reply::iq_result(el, None, from, payload);
            cx.send(&r);
            if let Some(p) = pushed {
                push(cx.router, cx.env, &bare, p);
            }
        }
        Err((cond, text)) => {
            let e = reply::error_with(el, None, from, cond, text.as_deref(), None);
            cx.send(&e);
        }
    }
    true
}
