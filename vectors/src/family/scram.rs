//! SCRAM vectors: the typed test shape. The exchange itself is replayed by [`super::scram_run`].

use crate::model::{Expect, impl_meta};
use serde::Deserialize;

/// One SCRAM hash group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScramGroup {
    /// Always `ScramExchange`.
    #[serde(rename = "type")]
    pub kind: ScramType,
    /// The hash of every mechanism in the group.
    pub hash: super::ssdp::Hash,
    /// The client's (and server's) iteration floor.
    pub min_iterations: u32,
    /// The tests.
    pub tests: Vec<ScramTest>,
}

/// The group `type` tag.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum ScramType {
    /// The only value.
    ScramExchange,
}

/// One SCRAM exchange.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScramTest {
    /// Test id.
    pub tc_id: u64,
    /// What the test is.
    pub comment: String,
    /// The selected mechanism (`-PLUS` or not).
    pub mechanism: String,
    /// The account password.
    pub password: String,
    /// The channel-binding type the client uses, if any.
    pub cb_type: Option<String>,
    /// The connection's channel-binding bytes (hex).
    pub cb_data: String,
    /// Channel-binding types the server supports (absent: just `cbType`, if any).
    pub server_cb_types: Option<Vec<String>>,
    /// The four messages.
    pub client_first: String,
    /// Server-first.
    pub server_first: String,
    /// Client-final.
    pub client_final: String,
    /// Server-final.
    pub server_final: String,
    /// Every intermediate value (valid tests).
    pub intermediates: Option<Intermediates>,
    /// XEP-0474 lists the client saw.
    pub ssdp: Option<SsdpLists>,
    /// Expected failure.
    pub error: Option<String>,
    /// Expected result.
    pub result: Expect,
    /// Flags.
    pub flags: Vec<String>,
}
impl_meta!(ScramTest);

/// RFC 5802 §3 intermediates, hex except `authMessage`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Intermediates {
    /// Salt.
    pub salt: String,
    /// Hi(password, salt, i).
    pub salted_password: String,
    /// HMAC(SaltedPassword, "Client Key").
    pub client_key: String,
    /// H(ClientKey).
    pub stored_key: String,
    /// HMAC(SaltedPassword, "Server Key").
    pub server_key: String,
    /// client-first-bare "," server-first "," client-final-without-proof.
    pub auth_message: String,
    /// HMAC(StoredKey, AuthMessage).
    pub client_signature: String,
    /// ClientKey XOR ClientSignature.
    pub client_proof: String,
    /// HMAC(ServerKey, AuthMessage).
    pub server_signature: String,
}

/// What the client saw advertised, for its XEP-0474 check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SsdpLists {
    /// Mechanisms.
    pub mechanisms: Vec<String>,
    /// Channel-binding types.
    pub cb_types: Vec<String>,
}
