//! JID parsing and normalisation table, length limits and panic freedom.

use gatecheck_proto::jid::*;
use proptest::prelude::*;

#[test]
fn normalisation_table() {
    let cases = [
        ("Romeo@Example.COM", "romeo@example.com"),
        ("romeo@example.com/Orchard", "romeo@example.com/Orchard"),
        (
            "ROMEO@EXAMPLE.com/Res/With@Slash",
            "romeo@example.com/Res/With@Slash",
        ),
        ("example.com.", "example.com"),
        ("example.com", "example.com"),
        ("Ünïcode@Bücher.example", "ünïcode@bücher.example"),
        ("user@[::1]", "user@[::1]"),
        ("user@127.0.0.1/r", "user@127.0.0.1/r"),
        ("STRASSE@x.example", "strasse@x.example"),
    ];
    for (input, want) in cases {
        let jid = Jid::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(jid.to_string(), want, "{input}");
        assert_eq!(Jid::parse(want).unwrap(), jid, "idempotent: {want}");
    }
    let j: Jid = "Juliet@Capulet.lit/Balcony".parse().unwrap();
    assert_eq!(j.node(), Some("juliet"));
    assert_eq!(j.domain(), "capulet.lit");
    assert_eq!(j.resource(), Some("Balcony"));
    assert!(!j.is_bare());
    assert_eq!(j.to_bare().to_string(), "juliet@capulet.lit");
    assert!(j.to_bare().is_bare());
}

#[test]
fn invalid_table() {
    use JidPart::*;
    let cases = [
        ("", JidError::EmptyPart(Domain)),
        ("@example.com", JidError::EmptyPart(Node)),
        ("user@", JidError::EmptyPart(Domain)),
        ("example.com/", JidError::EmptyPart(Resource)),
        ("a\"b@example.com", JidError::Prohibited(Node)),
        ("a b@example.com", JidError::Prohibited(Node)),
        ("a:b@example.com", JidError::Prohibited(Node)),
        ("a<b@example.com", JidError::Prohibited(Node)),
        ("user@exa mple.com", JidError::Prohibited(Domain)),
        ("user@exa_mple.com", JidError::Prohibited(Domain)),
        ("user@a..b", JidError::Prohibited(Domain)),
        ("user@[zz]", JidError::Prohibited(Domain)),
        ("user@example.com/a\u{7}b", JidError::Prohibited(Resource)),
        ("a@b@c", JidError::Prohibited(Domain)),
    ];
    for (input, err) in cases {
        assert_eq!(Jid::parse(input), Err(err), "{input:?}");
    }
}

#[test]
fn length_limits() {
    let max = "a".repeat(MAX_PART_LEN);
    let over = "a".repeat(MAX_PART_LEN + 1);
    assert!(Jid::parse(&format!("{max}@example.com/{max}")).is_ok());
    assert_eq!(
        Jid::parse(&format!("{over}@example.com")),
        Err(JidError::TooLong(JidPart::Node))
    );
    assert_eq!(
        Jid::parse(&format!("x@example.com/{over}")),
        Err(JidError::TooLong(JidPart::Resource))
    );
    assert_eq!(Jid::parse(&over), Err(JidError::TooLong(JidPart::Domain)));
}

#[test]
fn localparts_for_registration() {
    assert!(localpart_is_valid("juliet"));
    assert!(localpart_is_valid("Jüliet"));
    assert!(!localpart_is_valid(""));
    assert!(!localpart_is_valid("a@b"));
    assert!(!localpart_is_valid("a/b"));
    assert!(!localpart_is_valid("a'b"));
    assert_eq!(prepare_localpart("JULIET").unwrap(), "juliet");
    assert_eq!(
        Jid::new(Some("Bob"), "Example.com", None)
            .unwrap()
            .to_string(),
        "bob@example.com"
    );
}

proptest! {
    #[test]
    fn parse_never_panics_and_is_idempotent(s in ".{0,80}") {
        if let Ok(j) = Jid::parse(&s) {
            let again = Jid::parse(&j.to_string()).unwrap();
            prop_assert_eq!(again, j);
        }
    }
}

#[test]
fn localpart_query_allows_unassigned_stored_does_not() {
    use gatecheck_proto::jid::{prepare_localpart, prepare_localpart_query};
    // U+0221 is unassigned in Unicode 3.2 (RFC 3454 table A.1): RFC 3454 §7.
    assert!(prepare_localpart("\u{221}").is_err());
    assert_eq!(prepare_localpart_query("\u{221}").unwrap(), "\u{221}");
    assert_eq!(prepare_localpart_query("Juliet").unwrap(), "juliet");
    assert_eq!(
        prepare_localpart_query("a@b"),
        Err(JidError::Prohibited(JidPart::Node))
    );
    assert_eq!(
        prepare_localpart_query("\u{AD}"),
        Err(JidError::EmptyPart(JidPart::Node))
    );
}

/// Found by the invite_uri fuzz target: U+1D3C is unassigned in Unicode 3.2 but today's NFKC maps
/// it to `O` after the case fold, so the domain prepared to "lOx…" and re-preparing gave "lox…".
/// Stored-string preparation refuses unassigned input code points, so every prepared JID is stable.
#[test]
fn code_points_unassigned_in_unicode_3_2_are_refused_before_nfkc() {
    assert_eq!(
        Jid::parse("l\u{1D3C}x.example"),
        Err(JidError::Prohibited(JidPart::Domain))
    );
    assert_eq!(
        Jid::parse("l\u{1D3C}x@example.org"),
        Err(JidError::Prohibited(JidPart::Node))
    );
    assert_eq!(
        Jid::parse("L\u{1F3C}x.Example").unwrap().domain(),
        "l\u{1F34}x.example"
    );
    for input in ["lOx\u{1F34}j", "l\u{1F3C}X@example.org"] {
        let j = Jid::parse(input).unwrap();
        assert_eq!(Jid::parse(&j.to_string()).unwrap(), j, "{input}");
    }
}
