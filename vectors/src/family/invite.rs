//! Invitation URI vectors through `proto::uri::InviteUri::parse`: kind, decoded JID, decoded
//! preauth token and the `ibr` flag must match; rejections map through [`crate::errors::uri_code`].

use crate::errors::uri_code;
use crate::model::{Expect, impl_meta};
use crate::report::Observed;
use gatecheck_proto::uri::{InviteKind, InviteUri};
use serde::Deserialize;

/// The single invite-uri group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteGroup {
    /// Always `InviteUri`.
    #[serde(rename = "type")]
    pub kind: InviteType,
    /// The tests.
    pub tests: Vec<InviteTest>,
}

/// The group `type` tag.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum InviteType {
    /// The only value.
    InviteUri,
}

/// One invitation URI test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InviteTest {
    /// Test id.
    pub tc_id: u64,
    /// What the test is.
    pub comment: String,
    /// The URI to parse.
    pub uri: String,
    /// Parsed fields (valid tests).
    pub expected: Option<Expected>,
    /// Reason code (invalid tests).
    pub error: Option<String>,
    /// Expected result.
    pub result: Expect,
    /// Flags.
    pub flags: Vec<String>,
}
impl_meta!(InviteTest);

/// The decoded invitation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// `register` or `roster`.
    pub kind: Kind,
    /// The decoded bare JID.
    pub jid: String,
    /// The decoded preauth token.
    pub preauth: String,
    /// Whether in-band registration is offered (`ibr=y` on a roster invite).
    pub ibr: bool,
}

/// Invitation kinds as spelt in the vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Account invitation (XEP-0401).
    Register,
    /// Contact invitation (XEP-0379).
    Roster,
}

fn compare(got: &InviteUri, want: &Expected) -> Result<(), String> {
    let kind = match got.kind {
        InviteKind::Register => Kind::Register,
        InviteKind::Roster => Kind::Roster,
    };
    super::same("kind", kind, want.kind)?;
    super::same("jid", got.jid.to_string().as_str(), want.jid.as_str())?;
    super::same("preauth", got.preauth.as_str(), want.preauth.as_str())?;
    super::same("ibr", got.ibr, want.ibr)
}

impl super::Group for InviteGroup {
    type Test = InviteTest;
    fn tests(&self) -> &[InviteTest] {
        &self.tests
    }
    fn observe<'a>(&self, t: &'a InviteTest) -> (Option<&'a str>, Observed) {
        let observed = match InviteUri::parse(&t.uri) {
            Err(e) => Observed::Rejected(uri_code(&e).to_owned()),
            Ok(got) => Observed::Accepted(match &t.expected {
                Some(want) => compare(&got, want),
                None if t.result == Expect::Valid => Err("valid test lacks expected".to_owned()),
                None => Ok(()),
            }),
        };
        (t.error.as_deref(), observed)
    }
}
