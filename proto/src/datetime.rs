//! XEP-0082 date and time profiles: a strict hand-written parser and formatter.
//!
//! Only the exact XEP-0082 shapes are accepted: `CCYY-MM-DD` (Date), `hh:mm:ss[.sss][TZD]` (Time)
//! and `CCYY-MM-DDThh:mm:ss[.sss]TZD` (DateTime), with TZD `Z` or `±hh:mm` (at most 14:00, as in
//! XML Schema). Years are 0001..=9999, the fraction has 1..=9 digits, `T`/`Z` are upper case.
//! Leap seconds (`:60`) and `24:00:00` are rejected: instants are Unix time, which has neither.

use std::fmt;

/// Longest accepted input, in bytes.
pub const MAX_INPUT_LEN: usize = 64;

/// A UTC instant: seconds since 1970-01-01T00:00:00Z plus nanoseconds, within years 0001..=9999
/// so that every value can be formatted back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Why a date/time string was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateTimeError {
    /// Longer than [`MAX_INPUT_LEN`].
    #[error("input longer than {MAX_INPUT_LEN} bytes")]
    TooLong,
    /// Not the profile's shape (wrong separators, missing parts, trailing text, bad digits).
    #[error("not an XEP-0082 {0}")]
    Syntax(&'static str),
    /// A field is out of range (month 13, day 31 in April, minute 60, offset over 14:00, ...).
    #[error("{0} out of range")]
    OutOfRange(&'static str),
}

const MIN_SECS: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
const MAX_SECS: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

impl Timestamp {
    /// Builds a timestamp; `None` outside years 0001..=9999 or with `nanos >= 1e9`.
    pub fn new(secs: i64, nanos: u32) -> Option<Self> {
        ((MIN_SECS..=MAX_SECS).contains(&secs) && nanos < 1_000_000_000)
            .then_some(Self { secs, nanos })
    }

    /// Seconds since the Unix epoch.
    pub fn unix_secs(self) -> i64 {
        self.secs
    }

    /// Sub-second nanoseconds.
    pub fn nanos(self) -> u32 {
        self.nanos
    }
}

/// A calendar date (XEP-0082 Date profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Year, 1..=9999.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31 (valid for the month).
    pub day: u8,
}

/// A time of day (XEP-0082 Time profile); `offset_secs` is `None` when no TZD was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59.
    pub second: u8,
    /// Nanoseconds.
    pub nanos: u32,
    /// UTC offset in seconds (east positive), if a TZD was present.
    pub offset_secs: Option<i32>,
}

fn digits(s: &[u8], what: &'static str) -> Result<u32, DateTimeError> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return Err(DateTimeError::Syntax(what));
    }
    Ok(s.iter()
        .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0')))
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Parses the Date profile `CCYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, DateTimeError> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(DateTimeError::Syntax("date"));
    }
    let (y, m, d) = (
        digits(&b[0..4], "date")?,
        digits(&b[5..7], "date")?,
        digits(&b[8..10], "date")?,
    );
    if y == 0 {
        return Err(DateTimeError::OutOfRange("year"));
    }
    if !(1..=12).contains(&m) {
        return Err(DateTimeError::OutOfRange("month"));
    }
    if d == 0 || d > days_in_month(y, m) {
        return Err(DateTimeError::OutOfRange("day"));
    }
    Ok(Date {
        year: y as u16,
        month: m as u8,
        day: d as u8,
    })
}

fn parse_tzd(b: &[u8]) -> Result<i32, DateTimeError> {
    match b {
        b"Z" => Ok(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2], "time zone")?;
            let m = digits(&[*m1, *m2], "time zone")?;
            if m > 59 || h * 60 + m > 14 * 60 {
                return Err(DateTimeError::OutOfRange("time zone offset"));
            }
            let secs = (h * 3600 + m * 60) as i32;
            Ok(if *sign == b'-' { -secs } else { secs })
        }
        _ => Err(DateTimeError::Syntax("time zone")),
    }
}

/// Parses the Time profile `hh:mm:ss[.sss][TZD]`.
pub fn parse_time(s: &str) -> Result<Time, DateTimeError> {
    let b = s.as_bytes();
    if b.len() > MAX_INPUT_LEN {
        return Err(DateTimeError::TooLong);
    }
    if b.len() < 8 || b.get(2) != Some(&b':') || b.get(5) != Some(&b':') {
        return Err(DateTimeError::Syntax("time"));
    }
    let (h, mi, sec) = (
        digits(&b[0..2], "time")?,
        digits(&b[3..5], "time")?,
        digits(&b[6..8], "time")?,
    );
    if h > 23 || mi > 59 || sec > 59 {
        return Err(DateTimeError::OutOfRange("time of day"));
    }
    let mut rest = &b[8..];
    let mut nanos = 0;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(DateTimeError::Syntax("fraction"));
        }
        nanos = digits(&frac[..n], "fraction")? * 10u32.pow(9 - n as u32);
        rest = &frac[n..];
    }
    let offset_secs = if rest.is_empty() {
        None
    } else {
        Some(parse_tzd(rest)?)
    };
    Ok(Time {
        hour: h as u8,
        minute: mi as u8,
        second: sec as u8,
        nanos,
        offset_secs,
    })
}

/// Parses the DateTime profile `CCYY-MM-DDThh:mm:ss[.sss]TZD` (TZD required) to a UTC instant.
pub fn parse_datetime(s: &str) -> Result<Timestamp, DateTimeError> {
    if s.len() > MAX_INPUT_LEN {
        return Err(DateTimeError::TooLong);
    }
    let (date, time) = s.split_once('T').ok_or(DateTimeError::Syntax("datetime"))?;
    let date = parse_date(date)?;
    let time = parse_time(time)?;
    let offset = time.offset_secs.ok_or(DateTimeError::Syntax("datetime"))?;
    let days = days_from_civil(
        i64::from(date.year),
        i64::from(date.month),
        i64::from(date.day),
    );
    let secs = days * 86_400
        + i64::from(time.hour) * 3600
        + i64::from(time.minute) * 60
        + i64::from(time.second)
        - i64::from(offset);
    Timestamp::new(secs, time.nanos).ok_or(DateTimeError::OutOfRange("instant"))
}

/// Formats the DateTime profile in UTC: `2026-07-21T10:00:00Z`, with a fraction (trailing zeros
/// trimmed) only when there are nanoseconds.
pub fn format_datetime(t: Timestamp) -> String {
    t.to_string()
}

/// Formats the Date profile.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod % 3600 / 60,
            sod % 60
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}
