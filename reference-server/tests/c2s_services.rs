//! Post-authentication services between two live sessions: presence subscription (RFC 6121 §3)
//! with roster pushes, presence broadcast, message routing and undeliverable stanzas.

mod support;

use gatecheck_proto::xml::Element;
use support::*;

const ROSTER: &str = "jabber:iq:roster";

/// Reads elements until one matches `pred`; panics on close.
async fn until(c: &mut Client, what: &str, pred: impl Fn(&Element) -> bool) -> Element {
    for _ in 0..10 {
        let e = c.el().await;
        if pred(&e) {
            return e;
        }
    }
    panic!("no {what}");
}

fn push_item(e: &Element) -> Option<&Element> {
    (e.name == "iq" && e.attr("type") == Some("set"))
        .then(|| e.child("query", ROSTER)?.child("item", ROSTER))
        .flatten()
}

#[tokio::test]
async fn subscription_roster_pushes_presence_and_messages() {
    let dir = tempdir("services");
    let cfg = config(&dir);
    add_account(&cfg, "bob", "builder");
    let server = start(&cfg).await;
    let (mut alice, alice_jid) = login_bound(&server, "alice", "pencil").await;
    let (mut bob, bob_jid) = login_bound(&server, "bob", "builder").await;

    alice
        .send("<presence type='subscribe' to='bob@example.test'/>")
        .await;
    let p = until(&mut alice, "ask push", |e| push_item(e).is_some()).await;
    let item = push_item(&p).unwrap();
    assert_eq!(
        (item.attr("subscription"), item.attr("ask")),
        (Some("none"), Some("subscribe"))
    );
    let req = until(&mut bob, "subscribe", |e| e.name == "presence").await;
    assert_eq!(
        (req.attr("type"), req.attr("from")),
        (Some("subscribe"), Some("alice@example.test"))
    );

    bob.send("<presence type='subscribed' to='alice@example.test'/>")
        .await;
    let p = until(&mut bob, "from push", |e| push_item(e).is_some()).await;
    assert_eq!(push_item(&p).unwrap().attr("subscription"), Some("from"));
    let p = until(&mut alice, "to push", |e| push_item(e).is_some()).await;
    let item = push_item(&p).unwrap();
    assert_eq!(
        (item.attr("subscription"), item.attr("ask")),
        (Some("to"), None)
    );
    until(&mut alice, "subscribed", |e| {
        e.name == "presence" && e.attr("type") == Some("subscribed")
    })
    .await;

    // Bob's available presence reaches alice, who is subscribed to him.
    bob.send("<presence><status>here</status></presence>").await;
    let pres = until(&mut alice, "presence", |e| {
        e.name == "presence" && e.attr("type").is_none()
    })
    .await;
    assert_eq!(pres.attr("from"), Some(bob_jid.as_str()));

    // A message to the bare JID reaches bob's resource with alice's full JID stamped.
    alice.send("<message type='chat' to='bob@example.test' from='forged@evil'><body>hi</body></message>").await;
    let m = until(&mut bob, "message", |e| e.name == "message").await;
    assert_eq!(m.attr("from"), Some(alice_jid.as_str()));
    assert_eq!(m.child("body", "jabber:client").unwrap().text(), "hi");

    // Undeliverable: an unbound resource and another domain.
    alice
        .send("<message id='m1' to='bob@example.test/nope'><body>x</body></message>")
        .await;
    let err = until(&mut alice, "error", |e| e.attr("id") == Some("m1")).await;
    assert_eq!(err.attr("type"), Some("error"));
    assert!(
        err.child("error", "jabber:client")
            .unwrap()
            .child("service-unavailable", "urn:ietf:params:xml:ns:xmpp-stanzas")
            .is_some()
    );
    alice
        .send("<iq id='i1' type='get' to='x@remote.example'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await;
    let err = until(&mut alice, "remote error", |e| e.attr("id") == Some("i1")).await;
    assert!(
        err.child("error", "jabber:client")
            .unwrap()
            .child(
                "remote-server-not-found",
                "urn:ietf:params:xml:ns:xmpp-stanzas"
            )
            .is_some()
    );

    // Disco on the own bare JID: account/registered.
    alice.send("<iq id='d' type='get' to='alice@example.test'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>").await;
    let d = until(&mut alice, "disco", |e| e.attr("id") == Some("d")).await;
    let id = d
        .child("query", "http://jabber.org/protocol/disco#info")
        .unwrap()
        .child("identity", "http://jabber.org/protocol/disco#info")
        .unwrap();
    assert_eq!(
        (id.attr("category"), id.attr("type")),
        (Some("account"), Some("registered"))
    );

    // Roster remove pushes subscription='remove'; removing again is item-not-found.
    alice.send("<iq id='rm' type='set'><query xmlns='jabber:iq:roster'><item jid='bob@example.test' subscription='remove'/></query></iq>").await;
    let p = until(&mut alice, "remove push", |e| push_item(e).is_some()).await;
    assert_eq!(push_item(&p).unwrap().attr("subscription"), Some("remove"));
    alice.send("<iq id='rm2' type='set'><query xmlns='jabber:iq:roster'><item jid='bob@example.test' subscription='remove'/></query></iq>").await;
    let e = until(&mut alice, "rm2", |e| e.attr("id") == Some("rm2")).await;
    assert!(
        e.child("error", "jabber:client")
            .unwrap()
            .child("item-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas")
            .is_some()
    );
    server.shutdown(STEP).await;
}
