//! Roster bounds (issue 13, problem 5; RFC 6121 §2.3.3) through the session core.

use gatecheck_proto::ns;
use gatecheck_proto::xml::Element;

use super::invites_harness::{ALICE, Harness};
use crate::breaks::BreakSet;

fn item(jid: &str) -> Element {
    Element::new("query", ns::ROSTER)
        .with_child(Element::new("item", ns::ROSTER).with_attr("jid", jid))
}

fn xml(e: &Element) -> String {
    e.to_xml_in(ns::CLIENT)
}

#[test]
fn roster_set_beyond_max_roster_items_is_policy_violation() {
    let h = Harness::with_config(BreakSet::NONE, |c| c.max_roster_items = 3);
    let mut s = h.login(ALICE);
    for i in 0..3 {
        let r = s.iq("set", item(&format!("c{i}@example.net")));
        assert_eq!(r.attr("type"), Some("result"), "{}", xml(&r));
    }
    let r = s.iq("set", item("c3@example.net"));
    let text = xml(&r);
    assert_eq!(r.attr("type"), Some("error"), "{text}");
    assert!(text.contains("<policy-violation"), "{text}");
    assert!(text.contains("at most 3 items"), "{text}");
    // Updating an item already there is not an addition.
    let r = s.iq("set", item("c1@example.net"));
    assert_eq!(r.attr("type"), Some("result"), "{}", xml(&r));
    // After a removal there is room again.
    let remove = Element::new("query", ns::ROSTER).with_child(
        Element::new("item", ns::ROSTER)
            .with_attr("jid", "c0@example.net")
            .with_attr("subscription", "remove"),
    );
    assert_eq!(s.iq("set", remove).attr("type"), Some("result"));
    let r = s.iq("set", item("c3@example.net"));
    assert_eq!(r.attr("type"), Some("result"), "{}", xml(&r));
}

#[test]
fn oversized_roster_item_is_not_acceptable() {
    let h = Harness::new(BreakSet::NONE);
    let mut s = h.login(ALICE);
    let long_name = Element::new("query", ns::ROSTER).with_child(
        Element::new("item", ns::ROSTER)
            .with_attr("jid", "big@example.net")
            .with_attr("name", "n".repeat(super::roster::MAX_NAME + 1)),
    );
    let r = s.iq("set", long_name);
    let text = xml(&r);
    assert!(text.contains("<not-acceptable"), "{text}");
    assert!(text.contains("<text"), "{text}");
    let mut many = Element::new("item", ns::ROSTER).with_attr("jid", "groups@example.net");
    for g in 0..=super::roster::MAX_GROUPS {
        many = many.with_child(Element::new("group", ns::ROSTER).with_text(format!("g{g}")));
    }
    let r = s.iq("set", Element::new("query", ns::ROSTER).with_child(many));
    assert!(xml(&r).contains("<not-acceptable"), "{}", xml(&r));
}
