//! XEP-0082 profiles: valid/invalid tables, digest §7.7 examples and a format→parse round trip.

use gatecheck_proto::datetime::*;
use proptest::prelude::*;

fn ts(s: &str) -> Timestamp {
    parse_datetime(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn digest_examples() {
    let a = ts("2026-07-14T10:00:00Z");
    assert_eq!(a, ts("2026-07-14T12:00:00+02:00"));
    assert_eq!(a, ts("2026-07-14T05:30:00-04:30"));
    let b = ts("2026-07-14T10:00:00.123Z");
    assert!(a < b);
    assert_eq!(b.nanos(), 123_000_000);
    assert_eq!(a.unix_secs(), 1_784_023_200);
    assert_eq!(format_datetime(a), "2026-07-14T10:00:00Z");
    assert_eq!(format_datetime(b), "2026-07-14T10:00:00.123Z");
    assert!(parse_datetime("2026-07-14 10:00:00").is_err());
}

#[test]
fn valid_table() {
    let cases = [
        ("1970-01-01T00:00:00Z", 0, 0),
        ("1969-12-31T23:59:59Z", -1, 0),
        ("2000-02-29T00:00:00Z", 951_782_400, 0),
        ("0001-01-01T00:00:00Z", -62_135_596_800, 0),
        (
            "9999-12-31T23:59:59.999999999Z",
            253_402_300_799,
            999_999_999,
        ),
        ("1970-01-01T14:00:00+14:00", 0, 0),
        ("1970-01-01T00:00:00.5-00:00", 0, 500_000_000),
    ];
    for (s, secs, nanos) in cases {
        let t = ts(s);
        assert_eq!((t.unix_secs(), t.nanos()), (secs, nanos), "{s}");
    }
    assert_eq!(
        parse_date("2024-02-29").unwrap(),
        Date {
            year: 2024,
            month: 2,
            day: 29
        }
    );
    assert_eq!(format_date(parse_date("0999-01-09").unwrap()), "0999-01-09");
    let t = parse_time("16:00:00").unwrap();
    assert_eq!((t.hour, t.offset_secs), (16, None));
    let t = parse_time("16:00:00.001-06:00").unwrap();
    assert_eq!((t.nanos, t.offset_secs), (1_000_000, Some(-21_600)));
}

#[test]
fn invalid_table() {
    use DateTimeError::*;
    let cases = [
        ("2026-07-14T10:00:00", Syntax("datetime")),
        ("2026-07-14t10:00:00Z", Syntax("datetime")),
        ("2026-07-14T10:00:00z", Syntax("time zone")),
        ("2026-7-14T10:00:00Z", Syntax("date")),
        ("+2026-07-14T10:00:00Z", Syntax("date")),
        ("2026-13-01T00:00:00Z", OutOfRange("month")),
        ("2026-00-01T00:00:00Z", OutOfRange("month")),
        ("2026-04-31T00:00:00Z", OutOfRange("day")),
        ("2025-02-29T00:00:00Z", OutOfRange("day")),
        ("1900-02-29T00:00:00Z", OutOfRange("day")),
        ("0000-01-01T00:00:00Z", OutOfRange("year")),
        ("2026-07-14T24:00:00Z", OutOfRange("time of day")),
        ("2026-07-14T10:60:00Z", OutOfRange("time of day")),
        ("2016-12-31T23:59:60Z", OutOfRange("time of day")),
        ("2026-07-14T10:00:00.Z", Syntax("fraction")),
        ("2026-07-14T10:00:00.1234567891Z", Syntax("fraction")),
        ("2026-07-14T10:00:00+15:00", OutOfRange("time zone offset")),
        ("2026-07-14T10:00:00+01:60", OutOfRange("time zone offset")),
        ("2026-07-14T10:00:00+0100", Syntax("time zone")),
        ("2026-07-14T10:00:00Z ", Syntax("time zone")),
        ("0001-01-01T00:00:00+01:00", OutOfRange("instant")),
        ("2026-07-14T1٠:00:00Z", Syntax("time")),
    ];
    for (s, err) in cases {
        assert_eq!(parse_datetime(s), Err(err), "{s:?}");
    }
    assert_eq!(parse_datetime(&"1".repeat(65)), Err(TooLong));
    assert!(Timestamp::new(0, 1_000_000_000).is_none());
    assert!(Timestamp::new(253_402_300_800, 0).is_none());
}

proptest! {
    #[test]
    fn format_parse_round_trip(secs in -62_135_596_800i64..=253_402_300_799, nanos in 0u32..1_000_000_000) {
        let t = Timestamp::new(secs, nanos).unwrap();
        let s = format_datetime(t);
        prop_assert_eq!(parse_datetime(&s), Ok(t));
        prop_assert_eq!(parse_date(&s[..10]).map(format_date), Ok(s[..10].to_owned()));
    }

    #[test]
    fn parsers_never_panic(s in ".{0,70}") {
        let _ = parse_datetime(&s);
        let _ = parse_date(&s);
        let _ = parse_time(&s);
    }
}
