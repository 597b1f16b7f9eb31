//! RFC 6121 presence: broadcast of the user's presence (§4.2, §4.4) to its own resources and to
//! contacts subscribed to it, directed presence, and subscription management between local
//! accounts (§3, the state transitions of Appendix A, without pending-in storage and without
//! presence probes: enough for invite-driven mutual subscriptions).

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

use super::roster;
use crate::module::{Handled, Module, ModuleContext, domain_of};
use crate::store::{RosterItem, Store, Subscription};

/// The presence module: takes every `<presence/>` of a bound stream.
#[derive(Debug, Default, Clone, Copy)]
pub struct Presence;

impl Module for Presence {
    fn name(&self) -> &'static str {
        "presence"
    }

    fn handle_stanza(&self, stanza: &Element, cx: &mut ModuleContext<'_>) -> Handled {
        if stanza.name != "presence" {
            return Handled::No;
        }
        if let Some(from) = cx.identity().full_jid() {
            handle(cx, stanza.clone(), &from);
        }
        Handled::Yes
    }
}

/// Loads (or starts) `user`'s roster item for `contact`, applies `change`, stores it if it changed,
/// and returns it then. Store failures are swallowed: presence has no error path to the client.
pub(crate) fn update(
    store: &dyn Store,
    user: &str,
    contact: &str,
    change: impl FnOnce(&mut RosterItem),
) -> Option<RosterItem> {
    let items = store.roster_get(user).ok()?;
    let old = items.into_iter().find(|i| i.jid == contact);
    let mut item = old.clone().unwrap_or(RosterItem {
        jid: contact.to_owned(),
        name: None,
        subscription: Subscription::None,
        ask: false,
        groups: Vec::new(),
    });
    change(&mut item);
    if Some(&item) == old.as_ref() {
        return None;
    }
    store.roster_set(user, &item).ok()?;
    Some(item)
}

pub(crate) fn with_to(sub: Subscription, on: bool) -> Subscription {
    use Subscription::*;
    match (sub, on) {
        (None, true) => To,
        (From, true) => Both,
        (To, false) => None,
        (Both, false) => From,
        (s, _) => s,
    }
}

pub(crate) fn with_from(sub: Subscription, on: bool) -> Subscription {
    use Subscription::*;
    match (sub, on) {
        (None, true) => From,
        (To, true) => Both,
        (From, false) => None,
        (Both, false) => To,
        (s, _) => s,
    }
}

/// Handles a presence stanza from the bound full JID `from`.
fn handle(s: &mut ModuleContext<'_>, el: Element, from: &str) {
    let kind = el.attr("type").unwrap_or_default().to_owned();
    match (el.attr("to").map(str::to_lowercase), kind.as_str()) {
        (None, "" | "unavailable") => broadcast(s, el, from),
        (Some(to), "subscribe" | "subscribed" | "unsubscribe" | "unsubscribed") => {
            subscription(s, el, &to, &kind)
        }
        (Some(_), "" | "unavailable" | "probe") => s.deliver(el, from),
        _ => {} // RFC 6121 §4.7.1: unknown types and errors to us are ignored.
    }
}

fn broadcast(s: &mut ModuleContext<'_>, mut el: Element, from: &str) {
    let (Some(user), Some(bare)) = (s.identity().username.clone(), s.identity().bare_jid()) else {
        return;
    };
    el.attrs
        .retain(|a| !(a.ns.is_empty() && matches!(a.name.as_str(), "from" | "to")));
    let el = el.with_attr("from", from);
    let mut targets = s.router.resources_of(&bare);
    if let Ok(items) = s.store.roster_get(&user) {
        for i in items
            .iter()
            .filter(|i| matches!(i.subscription, Subscription::From | Subscription::Both))
        {
            targets.extend(s.router.resources_of(&i.jid));
        }
    }
    for t in targets {
        let stanza = el.clone().with_attr("to", t.as_str());
        let _ = s
            .router
            .route(&t, stanza.to_xml_in(ns::CLIENT).into_bytes());
    }
}

fn subscription(s: &mut ModuleContext<'_>, el: Element, to: &str, kind: &str) {
    let (Some(user), Some(bare)) = (s.identity().username.clone(), s.identity().bare_jid()) else {
        return;
    };
    let contact = to.split_once('/').map_or(to, |(b, _)| b).to_owned();
    if domain_of(&contact) != s.domain() || contact == bare {
        return; // No federation; self-subscription is implicit (RFC 6121 §3.1.1 note).
    }
    let (store, router, env) = (s.store, s.router, s.env);
    // Outbound side: the user's roster item for the contact (RFC 6121 §3.1.2, §3.2.2, §3.3.2, §3.4.2).
    let mine = update(store, &user, &contact, |i| match kind {
        "subscribe" => i.ask = !matches!(i.subscription, Subscription::To | Subscription::Both),
        "subscribed" => i.subscription = with_from(i.subscription, true),
        "unsubscribe" => {
            i.subscription = with_to(i.subscription, false);
            i.ask = false;
        }
        _ => i.subscription = with_from(i.subscription, false),
    });
    if let Some(i) = mine {
        roster::push(router, env, &bare, roster::item_element(&i));
    }
    // Inbound side: the contact's roster item for the user, if the contact is a local account.
    let Some(contact_user) = contact.split_once('@').map(|(u, _)| u.to_owned()) else {
        return;
    };
    if !matches!(store.get_account(&contact_user), Ok(Some(_))) {
        return;
    }
    let theirs = update(store, &contact_user, &bare, |i| match kind {
        "subscribe" => {}
        "subscribed" => {
            if i.ask {
                i.subscription = with_to(i.subscription, true);
                i.ask = false;
            }
        }
        "unsubscribe" => i.subscription = with_from(i.subscription, false),
        _ => {
            i.subscription = with_to(i.subscription, false);
            i.ask = false;
        }
    });
    if let Some(i) = theirs {
        roster::push(router, env, &contact, roster::item_element(&i));
    }
    // Deliver the stanza itself from the user's bare JID (RFC 6121 §3.1.3: stamped bare).
    let mut out = el;
    out.attrs
        .retain(|a| !(a.ns.is_empty() && matches!(a.name.as_str(), "from" | "to")));
    let out = out
        .with_attr("to", contact.as_str())
        .with_attr("from", bare.as_str());
    let bytes = out.to_xml_in(ns::CLIENT).into_bytes();
    for r in router.resources_of(&contact) {
        let _ = router.route(&r, bytes.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        use Subscription::*;
        assert_eq!(with_to(None, true), To);
        assert_eq!(with_to(From, true), Both);
        assert_eq!(with_to(Both, false), From);
        assert_eq!(with_from(To, true), Both);
        assert_eq!(with_from(Both, false), To);
        assert_eq!(with_from(None, false), None);
    }
}
