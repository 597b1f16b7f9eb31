//! Stream framing behaviour and hostile inputs, each asserting the typed error and condition.

use gatecheck_proto::xml::{
    Element, JABBER_CLIENT_NS, LimitKind, Limits, Restricted, STREAMS_NS,
    StreamErrorCondition as C, StreamEvent, StreamHeader, StreamParser, XML_NS, XmlError,
    parse_element, parse_element_in,
};

const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0' xml:lang='en'>";

/// Feeds everything, then drains; returns events and the first error.
fn run(parser: &mut StreamParser, chunks: &[&[u8]]) -> (Vec<StreamEvent>, Option<XmlError>) {
    let mut events = Vec::new();
    for chunk in chunks {
        parser.feed(chunk);
        loop {
            match parser.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

fn stream_error(input: &[u8]) -> XmlError {
    let mut p = StreamParser::new(Limits::default());
    let (_, err) = run(&mut p, &[input]);
    let err = err.expect("input must be rejected");
    // Once failed, always failed, even when fed more.
    p.feed(b"<message/>");
    assert_eq!(p.next_event(), Err(err.clone()));
    err
}

fn in_stream(body: &str) -> Vec<u8> {
    format!("{HEADER}{body}").into_bytes()
}

#[test]
fn header_stanzas_keepalive_close() {
    let mut p = StreamParser::new(Limits::default()).expecting_content_namespace(JABBER_CLIENT_NS);
    let input = in_stream(
        "<message to='a@b' type='chat'><body>hi &amp; bye</body><x xmlns='urn:x'/></message> \n\
         <stream:features/></stream:stream>",
    );
    let (events, err) = run(&mut p, &[&input]);
    assert_eq!(err, None);
    let StreamEvent::Header(h) = &events[0] else {
        panic!("no header: {events:?}")
    };
    assert_eq!(h.to.as_deref(), Some("example.org"));
    assert_eq!(h.version.as_deref(), Some("1.0"));
    assert_eq!(h.lang.as_deref(), Some("en"));
    assert_eq!(h.default_ns, JABBER_CLIENT_NS);
    assert_eq!(h.stream_prefix, "stream");
    let StreamEvent::Element(m) = &events[1] else {
        panic!()
    };
    assert!(m.is("message", JABBER_CLIENT_NS));
    assert_eq!(
        m.child("body", JABBER_CLIENT_NS).map(Element::text),
        Some("hi & bye".into())
    );
    assert!(m.child("x", "urn:x").is_some());
    assert_eq!(
        m.to_xml_in(JABBER_CLIENT_NS),
        "<message to='a@b' type='chat'><body>hi &amp; bye</body><x xmlns='urn:x'/></message>"
    );
    assert_eq!(events[2], StreamEvent::Text(" \n".into()));
    let StreamEvent::Element(f) = &events[3] else {
        panic!()
    };
    assert!(f.is("features", STREAMS_NS));
    assert_eq!(events[4], StreamEvent::Close);
    assert_eq!(events.len(), 5);
    assert_eq!(p.finish(), Ok(()));
}

#[test]
fn keepalive_is_reported_before_the_next_stanza_arrives() {
    let mut p = StreamParser::new(Limits::default());
    let (events, _) = run(&mut p, &[&in_stream(" ")]);
    assert_eq!(events.last(), Some(&StreamEvent::Text(" ".into())));
}

#[test]
fn header_serialisation_parses_back() {
    let mut h = StreamHeader::new(JABBER_CLIENT_NS);
    h.to = Some("example.org".into());
    h.id = Some("a'b".into());
    h.lang = Some("en".into());
    let mut p = StreamParser::new(Limits::default());
    let text = h.to_opening_xml(true);
    let (events, err) = run(&mut p, &[text.as_bytes(), h.closing_xml().as_bytes()]);
    assert_eq!(err, None);
    assert_eq!(events, vec![StreamEvent::Header(h), StreamEvent::Close]);
}

#[test]
fn reset_expects_a_new_header_and_drops_buffered_bytes() {
    let mut p = StreamParser::new(Limits::default());
    let (_, err) = run(
        &mut p,
        &[&in_stream(
            "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><injected/>",
        )],
    );
    assert_eq!(err, None);
    p.reset();
    let (events, err) = run(&mut p, &[HEADER.as_bytes()]);
    assert_eq!(err, None);
    assert!(matches!(events.as_slice(), [StreamEvent::Header(_)]));
}

#[test]
fn empty_stream_header_yields_close() {
    let mut p = StreamParser::new(Limits::default());
    let (events, err) = run(
        &mut p,
        &[b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>"],
    );
    assert_eq!(err, None);
    assert!(matches!(
        events.as_slice(),
        [StreamEvent::Header(_), StreamEvent::Close]
    ));
}

#[test]
fn prefixed_attributes_and_cdata() {
    let e = parse_element(
        "<a xmlns='urn:a' xmlns:p='urn:p' xml:lang='de' p:x='1'>t<![CDATA[<&>]]>u<p:b/></a>",
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(e.attr("xml:lang"), Some("de"));
    assert_eq!(e.attr_ns("lang", XML_NS), Some("de"));
    assert_eq!(e.attr_ns("x", "urn:p"), Some("1"));
    assert_eq!(e.text(), "t<&>u");
    assert!(e.child("b", "urn:p").is_some());
    assert_eq!(parse_element(e.to_xml(), &Limits::default()), Ok(e));
}

#[test]
fn default_namespace_is_inherited_in_fragments() {
    let e = parse_element_in("<iq type='get'/>", JABBER_CLIENT_NS, &Limits::default()).unwrap();
    assert!(e.is("iq", JABBER_CLIENT_NS));
    assert_eq!(
        parse_element("  ", &Limits::default()),
        Err(XmlError::NoElement)
    );
    assert_eq!(
        parse_element("<a/><b/>", &Limits::default()),
        Err(XmlError::TrailingContent)
    );
}

#[test]
fn billion_laughs_is_restricted() {
    let doc = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><a>&lol2;</a>"#;
    let e = stream_error(doc);
    assert_eq!(e, XmlError::Restricted(Restricted::Dtd));
    assert_eq!(e.condition(), C::RestrictedXml);
}

#[test]
fn external_entity_is_restricted() {
    let e = stream_error(
        b"<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><foo>&xxe;</foo>",
    );
    assert_eq!(e.condition(), C::RestrictedXml);
    // Without the DTD, the undeclared reference alone is restricted too.
    let e = stream_error(&in_stream("<message><body>&xxe;</body></message>"));
    assert_eq!(e, XmlError::Restricted(Restricted::EntityReference));
    let e = stream_error(&in_stream("<message a='&xxe;'/>"));
    assert_eq!(e.condition(), C::RestrictedXml);
}

#[test]
fn deep_nesting_is_a_policy_violation() {
    let mut body = String::new();
    for _ in 0..100_000 {
        body.push_str("<a>");
    }
    let e = stream_error(&in_stream(&body));
    assert_eq!(
        e,
        XmlError::LimitExceeded {
            kind: LimitKind::Depth,
            max: Limits::default().max_depth
        }
    );
    assert_eq!(e.condition(), C::PolicyViolation);
}

#[test]
fn invalid_utf8_split_across_chunks() {
    let mut p = StreamParser::new(Limits::default());
    let start = in_stream("<message><body>caf");
    // 0xC3 starts a two-byte sequence; 0x28 cannot continue it.
    let (_, err) = run(&mut p, &[&start, b"\xC3", b"\x28</body></message>"]);
    assert_eq!(err, Some(XmlError::InvalidUtf8));
    assert_eq!(err.map(|e| e.condition()), Some(C::UnsupportedEncoding));
    // A valid sequence split the same way is fine.
    let mut p = StreamParser::new(Limits::default());
    let (events, err) = run(&mut p, &[&start, b"\xC3", b"\xA9</body></message>"]);
    assert_eq!(err, None);
    let Some(StreamEvent::Element(m)) = events.last() else {
        panic!()
    };
    assert_eq!(
        m.child("body", JABBER_CLIENT_NS).map(Element::text),
        Some("café".into())
    );
}

#[test]
fn unclosed_tag_at_end_of_input() {
    let mut p = StreamParser::new(Limits::default());
    let (_, err) = run(&mut p, &[&in_stream("<message><body")]);
    assert_eq!(err, None);
    assert_eq!(p.finish(), Err(XmlError::UnexpectedEof));
    assert_eq!(p.next_event(), Err(XmlError::UnexpectedEof));
    assert_eq!(
        parse_element("<a><b></b>", &Limits::default()),
        Err(XmlError::UnexpectedEof)
    );
    assert_eq!(XmlError::UnexpectedEof.condition(), C::NotWellFormed);
}

#[test]
fn comment_and_pi_are_restricted() {
    assert_eq!(
        stream_error(&in_stream("<!-- hi -->")),
        XmlError::Restricted(Restricted::Comment)
    );
    assert_eq!(
        stream_error(&in_stream("<a><?php x?></a>")),
        XmlError::Restricted(Restricted::ProcessingInstruction)
    );
    assert_eq!(
        stream_error(b"<?xml-stylesheet href='x'?>"),
        XmlError::Restricted(Restricted::ProcessingInstruction)
    );
    // The declaration is only allowed first.
    assert_eq!(
        stream_error(b" <?xml version='1.0'?>"),
        XmlError::Restricted(Restricted::ProcessingInstruction)
    );
}

#[test]
fn undeclared_prefix() {
    let e = stream_error(&in_stream("<foo:bar/>"));
    assert_eq!(e, XmlError::UnboundPrefix("foo".into()));
    assert_eq!(e.condition(), C::NotWellFormed);
    assert_eq!(
        stream_error(&in_stream("<a foo:x='1'/>")),
        XmlError::UnboundPrefix("foo".into())
    );
}

#[test]
fn too_many_attributes() {
    let attrs: String = (0..65).map(|i| format!(" a{i}='x'")).collect();
    let e = stream_error(&in_stream(&format!("<message{attrs}/>")));
    assert_eq!(
        e,
        XmlError::LimitExceeded {
            kind: LimitKind::Attributes,
            max: 64
        }
    );
    assert_eq!(e.condition(), C::PolicyViolation);
    let decls: String = (0..17).map(|i| format!(" xmlns:p{i}='urn:{i}'")).collect();
    let e = stream_error(&in_stream(&format!("<message{decls}/>")));
    assert_eq!(
        e,
        XmlError::LimitExceeded {
            kind: LimitKind::NamespaceDeclarations,
            max: 16
        }
    );
}

#[test]
fn namespace_errors() {
    let e = stream_error(b"<stream:stream xmlns:stream='urn:wrong'>");
    assert_eq!(e.condition(), C::InvalidNamespace);
    let mut p = StreamParser::new(Limits::default()).expecting_content_namespace(JABBER_CLIENT_NS);
    let (_, err) = run(&mut p, &[b"<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>"]);
    assert_eq!(
        err,
        Some(XmlError::InvalidContentNamespace {
            expected: "jabber:client".into(),
            found: "jabber:server".into()
        })
    );
    assert_eq!(err.map(|e| e.condition()), Some(C::InvalidNamespace));
    assert!(matches!(
        stream_error(&in_stream("<a xmlns:p=''/>")),
        XmlError::InvalidNamespaceDeclaration(_)
    ));
    assert!(matches!(
        stream_error(&in_stream("<a xmlns:p='u' xmlns:q='u' p:x='1' q:x='2'/>")),
        XmlError::DuplicateAttribute(_)
    ));
}

#[test]
fn well_formedness_errors() {
    let e = stream_error(&in_stream("<a></b>"));
    assert_eq!(
        e,
        XmlError::MismatchedEndTag {
            expected: "a".into(),
            found: "b".into()
        }
    );
    assert_eq!(e.condition(), C::NotWellFormed);
    assert_eq!(
        stream_error(&in_stream("</stream:other>")).condition(),
        C::NotWellFormed
    );
    assert_eq!(
        stream_error(&in_stream("<a>\u{1}</a>")),
        XmlError::InvalidChar
    );
    assert_eq!(
        stream_error(&in_stream("<1a/>")),
        XmlError::InvalidName("1a".into())
    );
    assert_eq!(
        stream_error(&in_stream("<a b='1' b='2'/>")).condition(),
        C::NotWellFormed
    );
    assert_eq!(
        stream_error(&in_stream("hello")),
        XmlError::TextAtStreamLevel
    );
    assert_eq!(XmlError::TextAtStreamLevel.condition(), C::BadFormat);
    assert_eq!(
        stream_error(&in_stream("</stream:stream><a/>")),
        XmlError::TrailingContent
    );
    assert_eq!(
        stream_error(b"<?xml version='1.0' encoding='ISO-8859-1'?>").condition(),
        C::UnsupportedEncoding
    );
}

#[test]
fn element_and_header_byte_limits() {
    let limits = Limits {
        max_element_bytes: 100,
        max_header_bytes: 300,
        ..Limits::default()
    };
    let mut p = StreamParser::new(limits);
    let (_, err) = run(&mut p, &[&in_stream(&format!("<a>{}</a>", "x".repeat(95)))]);
    assert_eq!(
        err,
        Some(XmlError::LimitExceeded {
            kind: LimitKind::ElementBytes,
            max: 100
        })
    );
    let mut p = StreamParser::new(limits);
    let (events, err) = run(
        &mut p,
        &[&in_stream(&format!("<a>{}</a><b/>", "x".repeat(90)))],
    );
    assert_eq!(err, None, "the budget is per element");
    assert_eq!(events.len(), 3);
    let mut p = StreamParser::new(limits);
    let (_, err) = run(
        &mut p,
        &[format!("<stream:stream a='{}'", "x".repeat(400)).as_bytes()],
    );
    assert_eq!(
        err,
        Some(XmlError::LimitExceeded {
            kind: LimitKind::HeaderBytes,
            max: 300
        })
    );
    let mut p = StreamParser::new(Limits {
        max_top_level_text: 3,
        ..limits
    });
    let (_, err) = run(&mut p, &[&in_stream("  "), b"  "]);
    assert_eq!(
        err,
        Some(XmlError::LimitExceeded {
            kind: LimitKind::TopLevelText,
            max: 3
        })
    );
}

#[test]
fn declaration_split_after_question_mark_is_still_checked() {
    // Regression (fuzzer): an empty re-scan made quick-xml's PiParser forget a trailing `?`.
    let mut p = StreamParser::new(Limits::default());
    p.feed(b"<?xml version='1.0' encoding='latin1'?");
    assert_eq!(p.next_event(), Ok(None));
    assert_eq!(p.next_event(), Ok(None));
    p.feed(b">");
    assert_eq!(
        p.next_event(),
        Err(XmlError::UnsupportedEncoding("latin1".into()))
    );
}

#[test]
fn whitespace_before_bad_text_is_reported_whole_or_split() {
    // Regression (fuzzer): events must not depend on chunking even when an error follows.
    for chunks in [&[&b"\tx"[..]][..], &[&b"\t"[..], &b"x"[..]][..]] {
        let mut p = StreamParser::for_fragments(Limits::default(), JABBER_CLIENT_NS);
        let (events, err) = run(&mut p, chunks);
        assert_eq!(events, vec![StreamEvent::Text("\t".into())]);
        assert_eq!(err, Some(XmlError::TextAtStreamLevel));
    }
}

#[test]
fn element_in_the_xml_namespace_round_trips() {
    // Regression (fuzzer): `<xml:lang/>` must not be re-serialised as `xmlns='…/XML/1998/namespace'`.
    let e = parse_element_in(
        "<a><xml:lang><b/></xml:lang></a>",
        JABBER_CLIENT_NS,
        &Limits::default(),
    )
    .unwrap();
    let inner = e.child("lang", XML_NS).unwrap();
    assert!(inner.child("b", JABBER_CLIENT_NS).is_some());
    let xml = e.to_xml_in(JABBER_CLIENT_NS);
    assert_eq!(xml, "<a><xml:lang><b/></xml:lang></a>");
    assert_eq!(
        parse_element_in(&xml, JABBER_CLIENT_NS, &Limits::default()),
        Ok(e)
    );
}

/// Regression (found by the `xml_stream` fuzz target): a whitespace run past `max_top_level_text`
/// yields the same text, up to the limit, and the same error whether it arrives whole or split.
#[test]
fn overlong_keepalive_run_is_chunking_invariant() {
    let limits = Limits {
        max_top_level_text: 256,
        ..Limits::default()
    };
    let input = in_stream(&" \t\r\n".repeat(100));
    let text_of = |events: &[StreamEvent]| -> String {
        events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    };
    let (whole, whole_err) = run(&mut StreamParser::new(limits), &[&input]);
    let (head, tail) = input.split_at(HEADER.len() + 100);
    let (split, split_err) = run(&mut StreamParser::new(limits), &[head, tail]);
    assert_eq!(text_of(&whole).len(), 256);
    assert_eq!(text_of(&whole), text_of(&split));
    let whole_err = whole_err.expect("limit exceeded");
    assert_eq!(Some(whole_err.clone()), split_err);
    assert_eq!(whole_err.condition(), C::PolicyViolation);
}
