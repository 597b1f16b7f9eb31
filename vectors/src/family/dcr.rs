//! Stateless DCR vectors through `proto::dcr` and `proto::jose`: derive the per-host key, verify
//! the HS256 client_id (alg pinned), `exp` against `now`, and the client_secret. Valid tests also
//! re-sign the exact `header`/`payload` bytes and must reproduce the client_id.

use crate::errors::dcr_code;
use crate::model::{Expect, impl_meta};
use crate::report::Observed;
use gatecheck_proto::dcr::{self, DcrError};
use gatecheck_proto::jose::{self, JwsLimits};
use serde::Deserialize;

/// One (key scheme, host) group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DcrGroup {
    /// Always `StatelessDcr`.
    #[serde(rename = "type")]
    pub kind: DcrType,
    /// Which key signs the client_id.
    pub signing_key: SigningKey,
    /// The server's registration secret (UTF-8 bytes).
    pub registration_key: String,
    /// The virtual host.
    pub host: String,
    /// The tests.
    pub tests: Vec<DcrTest>,
}

/// The group `type` tag.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum DcrType {
    /// The only value.
    StatelessDcr,
}

/// Which key the client_id is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SigningKey {
    /// `HMAC-SHA-256(registrationKey, host)` (gatecheck, digest §5.8).
    PerHostKey,
    /// The registration key itself (Prosody's mod_http_oauth2).
    RegistrationKey,
}

/// One client_id / client_secret pair.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DcrTest {
    /// Test id.
    pub tc_id: u64,
    /// What the test is.
    pub comment: String,
    /// Exact JWS header JSON (valid tests).
    pub header: Option<String>,
    /// Exact JWS payload JSON (valid tests).
    pub payload: Option<String>,
    /// Verification time (Unix seconds); absent means no expiry check applies.
    pub now: Option<u64>,
    /// Expected per-host key (hex, valid tests).
    pub per_host_key: Option<String>,
    /// The client_id presented.
    pub client_id: String,
    /// The client_secret presented.
    pub client_secret: String,
    /// Expected failure.
    pub error: Option<String>,
    /// Expected result.
    pub result: Expect,
    /// Flags.
    pub flags: Vec<String>,
}
impl_meta!(DcrTest);

impl DcrGroup {
    /// The server's verification, as the group's key scheme prescribes.
    fn verify(&self, per_host: &[u8; 32], t: &DcrTest) -> Result<(), DcrError> {
        let now = t.now.unwrap_or(0);
        match self.signing_key {
            SigningKey::PerHostKey => {
                dcr::verify_client_id(per_host, &t.client_id, now)?;
            }
            SigningKey::RegistrationKey => {
                // Prosody's keys are operator strings, often under RFC 7518's 32 bytes; the
                // vector pins the key, so the length floor is lifted for this scheme only.
                let limits = JwsLimits {
                    min_key_len: 1,
                    ..JwsLimits::default()
                };
                jose::verify(&t.client_id, self.registration_key.as_bytes(), &limits)?;
            }
        }
        dcr::verify_client_secret(per_host, &t.client_id, &t.client_secret)
    }

    fn outputs(&self, per_host: &[u8; 32], t: &DcrTest) -> Result<(), String> {
        let (Some(header), Some(payload), Some(key_hex)) = (&t.header, &t.payload, &t.per_host_key)
        else {
            return Err("test lacks header, payload or perHostKey".to_owned());
        };
        super::same(
            "perHostKey",
            super::to_hex(per_host).as_str(),
            key_hex.as_str(),
        )?;
        let key: &[u8] = match self.signing_key {
            SigningKey::PerHostKey => per_host,
            SigningKey::RegistrationKey => self.registration_key.as_bytes(),
        };
        let signed = jose::sign(header.as_bytes(), payload.as_bytes(), key);
        super::same(
            "client_id re-signed from header/payload",
            signed.as_str(),
            t.client_id.as_str(),
        )?;
        let secret = dcr::client_secret(per_host, &t.client_id);
        super::same("clientSecret", secret.as_str(), t.client_secret.as_str())
    }
}

impl super::Group for DcrGroup {
    type Test = DcrTest;
    fn tests(&self) -> &[DcrTest] {
        &self.tests
    }
    fn observe<'a>(&self, t: &'a DcrTest) -> (Option<&'a str>, Observed) {
        let per_host = dcr::per_host_key(self.registration_key.as_bytes(), &self.host);
        let observed = match self.verify(&per_host, t) {
            Err(e) => Observed::Rejected(dcr_code(&e).to_owned()),
            Ok(()) if t.result != Expect::Invalid => Observed::Accepted(self.outputs(&per_host, t)),
            Ok(()) => Observed::Accepted(Ok(())),
        };
        (t.error.as_deref(), observed)
    }
}
