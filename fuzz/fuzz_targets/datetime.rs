//! XEP-0082 date, time and datetime profiles (proto::datetime).
//! Oracles: no panic; a parsed datetime formats (in UTC) to a string that parses to the same
//! instant and formats identically; a parsed date formats back to itself modulo nothing (the Date
//! profile has one spelling); any instant in range formats to a string that parses back to it.
#![no_main]

use gatecheck_proto::datetime::{
    Timestamp, format_date, format_datetime, parse_date, parse_datetime, parse_time,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 12 {
        // Also from the other side: an arbitrary instant round-trips through the formatter.
        let secs = i64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        let nanos = u32::from_le_bytes(data[8..12].try_into().expect("4 bytes"));
        let secs = secs.rem_euclid(253_402_300_800 + 62_135_596_800) - 62_135_596_800;
        if let Some(t) = Timestamp::new(secs, nanos % 1_000_000_000) {
            let text = format_datetime(t);
            assert_eq!(parse_datetime(&text), Ok(t), "{text}");
        }
    }
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = parse_datetime(s) {
        let text = format_datetime(t);
        assert_eq!(parse_datetime(&text), Ok(t), "{s:?} formatted as {text:?}");
        assert!(text.ends_with('Z'));
    }
    if let Ok(d) = parse_date(s) {
        assert_eq!(format_date(d), s, "the Date profile has one spelling");
    }
    if let Ok(t) = parse_time(s) {
        assert!(t.hour < 24 && t.minute < 60 && t.second < 60 && t.nanos < 1_000_000_000);
        assert!(t.offset_secs.is_none_or(|o| o.abs() <= 14 * 3600));
    }
});
