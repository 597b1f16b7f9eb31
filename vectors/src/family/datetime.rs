//! XEP-0082 vectors through `proto::datetime`: the epoch seconds (UTC; for `Time`, seconds after
//! 00:00 UTC modulo 86400) and the fraction digits must both match.

use crate::errors::datetime_code;
use crate::model::{Expect, impl_meta};
use crate::report::Observed;
use gatecheck_proto::datetime::{self, DateTimeError};
use serde::Deserialize;

/// A group of one XEP-0082 profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DtGroup {
    /// Always `Xep0082`.
    #[serde(rename = "type")]
    pub kind: DtType,
    /// Which profile parses `input`.
    pub profile: Profile,
    /// The tests.
    pub tests: Vec<DtTest>,
}

/// The group `type` tag.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum DtType {
    /// The only value.
    Xep0082,
}

/// XEP-0082 profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Profile {
    /// `CCYY-MM-DDThh:mm:ss[.sss]TZD`.
    DateTime,
    /// `CCYY-MM-DD`.
    Date,
    /// `hh:mm:ss[.sss][TZD]`.
    Time,
}

/// One XEP-0082 test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DtTest {
    /// Test id.
    pub tc_id: u64,
    /// What the test is.
    pub comment: String,
    /// The string to parse.
    pub input: String,
    /// Expected seconds (valid tests).
    pub epoch_seconds: Option<i64>,
    /// Expected fraction digits as written (valid tests).
    pub fraction: Option<String>,
    /// Expected result.
    pub result: Expect,
    /// Flags.
    pub flags: Vec<String>,
}
impl_meta!(DtTest);

/// The parsed value in the vector's terms: seconds plus nanoseconds.
fn parse(profile: Profile, input: &str) -> Result<(i64, u32), DateTimeError> {
    match profile {
        Profile::DateTime => datetime::parse_datetime(input).map(|t| (t.unix_secs(), t.nanos())),
        Profile::Date => {
            // proto exposes no day count; midnight UTC of the formatted date is the same instant.
            let d = datetime::parse_date(input)?;
            let t = datetime::parse_datetime(&format!("{}T00:00:00Z", datetime::format_date(d)))?;
            Ok((t.unix_secs(), 0))
        }
        Profile::Time => {
            let t = datetime::parse_time(input)?;
            let secs = i64::from(t.hour) * 3600 + i64::from(t.minute) * 60 + i64::from(t.second)
                - i64::from(t.offset_secs.unwrap_or(0));
            Ok((secs.rem_euclid(86_400), t.nanos))
        }
    }
}

/// The vector's fraction digits as nanoseconds, or `None` if they cannot be (over 9 digits).
fn fraction_nanos(digits: &str) -> Option<u32> {
    if digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{digits:0<9}");
    padded.parse().ok()
}

impl super::Group for DtGroup {
    type Test = DtTest;
    fn tests(&self) -> &[DtTest] {
        &self.tests
    }
    fn observe<'a>(&self, t: &'a DtTest) -> (Option<&'a str>, Observed) {
        let observed = match parse(self.profile, &t.input) {
            Err(e) => Observed::Rejected(datetime_code(&e).to_owned()),
            Ok((secs, nanos)) => Observed::Accepted(match (t.epoch_seconds, &t.fraction) {
                (Some(want_secs), Some(frac)) => super::same("epochSeconds", secs, want_secs)
                    .and_then(|()| match fraction_nanos(frac) {
                        Some(want) => super::same("fraction (ns)", nanos, want),
                        None => Err(format!("fraction {frac:?} has more than 9 digits")),
                    }),
                _ if t.result == Expect::Valid => Err("valid test lacks outputs".to_owned()),
                _ => Ok(()),
            }),
        };
        (None, observed)
    }
}
