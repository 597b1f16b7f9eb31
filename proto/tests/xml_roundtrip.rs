//! Property tests: any element tree round-trips through serialisation, and any chunking of a
//! stream yields the same events as feeding it whole.

use gatecheck_proto::xml::{
    Attr, Element, JABBER_CLIENT_NS, Limits, Node, StreamEvent, StreamParser, XML_NS, XmlError,
    parse_element, parse_element_in,
};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_\u{e9}\u{4e2d}][a-zA-Z0-9_.\u{e9}-]{0,6}"
}

fn namespace() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(JABBER_CLIENT_NS.to_owned()),
        Just("urn:xmpp:sasl:2".to_owned()),
        "urn:x:[a-z&<'\"]{1,5}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    "[\t\n\r a-z&<>\"'\u{e9}\u{4e2d}\u{1f600}\\]]{0,12}"
}

fn attrs() -> impl Strategy<Value = Vec<Attr>> {
    let attr = (
        name(),
        prop_oneof![
            Just(String::new()),
            Just(XML_NS.to_owned()),
            Just("urn:attr".to_owned())
        ],
        text(),
    )
        .prop_map(|(name, ns, value)| Attr {
            name: name.into(),
            ns: ns.into(),
            value,
        });
    proptest::collection::vec(attr, 0..4).prop_map(|mut v| {
        let mut seen = Vec::new();
        v.retain(|a| {
            let key = (a.name.clone(), a.ns.clone());
            let fresh = !seen.contains(&key);
            seen.push(key);
            fresh
        });
        v
    })
}

fn element() -> impl Strategy<Value = Element> {
    let leaf = (name(), namespace(), attrs()).prop_map(|(name, ns, attrs)| Element {
        name: name.into(),
        ns: ns.into(),
        attrs,
        children: Vec::new(),
    });
    leaf.prop_recursive(4, 32, 4, |inner| {
        (
            name(),
            namespace(),
            attrs(),
            proptest::collection::vec(
                prop_oneof![inner.prop_map(Node::Element), text().prop_map(Node::Text)],
                0..4,
            ),
        )
            .prop_map(|(name, ns, attrs, children)| {
                let mut e = Element {
                    name: name.into(),
                    ns: ns.into(),
                    attrs,
                    children: Vec::new(),
                };
                for child in children {
                    match child {
                        Node::Element(c) => e.children.push(Node::Element(c)),
                        Node::Text(t) => e.push_text(&t),
                    }
                }
                e
            })
    })
}

/// Drains events, merging adjacent top-level text (keepalives surface per chunk).
fn events(chunks: &[&[u8]]) -> Result<Vec<StreamEvent>, XmlError> {
    let mut parser = StreamParser::new(Limits::default());
    let mut out: Vec<StreamEvent> = Vec::new();
    for chunk in chunks {
        parser.feed(chunk);
        while let Some(event) = parser.next_event()? {
            match (out.last_mut(), event) {
                (Some(StreamEvent::Text(prev)), StreamEvent::Text(t)) => prev.push_str(&t),
                (_, event) => out.push(event),
            }
        }
    }
    parser.finish()?;
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn element_round_trips(e in element()) {
        let xml = e.to_xml();
        prop_assert_eq!(parse_element(&xml, &Limits::default()), Ok(e.clone()), "{}", xml);
        let in_stream = e.to_xml_in(JABBER_CLIENT_NS);
        prop_assert_eq!(parse_element_in(&in_stream, JABBER_CLIENT_NS, &Limits::default()), Ok(e));
    }

    #[test]
    fn any_chunking_gives_the_same_events(
        stanzas in proptest::collection::vec(element(), 0..4),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let mut stream = String::from("<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
            xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
        for s in &stanzas {
            s.write_xml(&mut stream, JABBER_CLIENT_NS);
            stream.push_str(" \n");
        }
        stream.push_str("</stream:stream>");
        let bytes = stream.as_bytes();
        let whole = events(&[bytes]);
        prop_assert!(whole.is_ok(), "{:?}", whole);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut last = 0;
        for p in points {
            chunks.push(&bytes[last..p]);
            last = p;
        }
        chunks.push(&bytes[last..]);
        prop_assert_eq!(events(&chunks), whole.clone());
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(events(&bytewise), whole.clone());
        let parsed: Vec<Element> = whole
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| match e { StreamEvent::Element(e) => Some(e), _ => None })
            .collect();
        prop_assert_eq!(parsed, stanzas);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256), cut in 0usize..256) {
        let cut = cut.min(data.len());
        let _ = events(&[&data[..cut], &data[cut..]]);
        let _ = parse_element(&data, &Limits::default());
    }
}
