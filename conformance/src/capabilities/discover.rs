//! The wire procedure behind [`Capabilities`]: for each TLS version, a fresh connection that
//! offers only that version, STARTTLS (or direct TLS), and the features of the TLS-protected
//! stream; for STARTTLS targets also the features before TLS, once. Versions are probed
//! concurrently; every wait is bounded by the reply timeout, so a silent target costs one
//! reply timeout, not one per version.

use super::{Capabilities, PreTls, TlsCaps, TlsProbe};
use crate::config::{RunConfig, Target};
use crate::transcript::Transcript;
use gatecheck_client::{
    ClientError, Conn, Connect, Endpoint, TlsTrust, client_config_for, requiring_ems,
};
use gatecheck_proto::ns;
use gatecheck_proto::sasl::TlsVersion;
use gatecheck_proto::xml::Element;
use std::time::Duration;

/// Where and how to probe: built from the run configuration.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    /// The server.
    pub target: Target,
    /// The XMPP domain.
    pub domain: String,
    /// Certificate trust.
    pub trust: TlsTrust,
    /// Longest wait for each reply.
    pub wait: Duration,
    /// The `--http` base URL, probed for OAuth2 metadata.
    pub http: Option<String>,
    /// The bare JID the TLS-protected stream header names (`from`, the first `--account`):
    /// servers list account-dependent mechanisms and FAST only for a named account
    /// (XEP-0388 §2.1, XEP-0484 §4.1).
    pub from: Option<String>,
}

impl ProbeTarget {
    /// The probe target of a run, or `None` when the run has no target (synthetic runs).
    pub fn of(config: &RunConfig) -> Option<ProbeTarget> {
        let target = config.target.clone()?;
        let domain = config.domain()?.to_owned();
        Some(ProbeTarget {
            target,
            domain,
            trust: TlsTrust {
                insecure: config.insecure_tls,
                ca: config.ca.clone(),
            },
            wait: config.reply_timeout,
            http: config.http.clone(),
            from: config.accounts.first().map(|a| a.jid.clone()),
        })
    }

    fn connect(&self, version: TlsVersion, transcript: &Transcript) -> Connect {
        Connect::host(self.target.host.clone(), self.target.port)
            .domain(self.domain.clone())
            .tls(self.target.tls)
            .trust(self.trust.clone())
            .tls_version(version)
            .wait(self.wait)
            .transcript(transcript.clone())
            .label(format!("probe-{}", version.label()))
    }
}

/// Whether a TLS 1.2 handshake that requires the extended master secret succeeds.
async fn negotiates_ems(t: &ProbeTarget, transcript: &Transcript) -> bool {
    let Ok(config) = client_config_for(&t.trust, Some(TlsVersion::Tls12)) else {
        return false;
    };
    let endpoint = Endpoint::new(
        t.target.host.clone(),
        t.target.port,
        t.target.tls,
        t.domain.clone(),
        requiring_ems(&config),
    );
    let attempt = async {
        let mut c = Conn::connect(endpoint, transcript.clone(), "probe-ems", t.wait).await?;
        if c.tls().is_none() {
            c.open_stream(None).await?;
            c.features_element().await?;
            c.negotiate_tls().await?;
        }
        c.abandon();
        Ok::<_, ClientError>(())
    };
    attempt.await.is_ok()
}

/// The features of one version's TLS-protected stream, and the pre-TLS features on the way.
async fn probe_version(
    t: &ProbeTarget,
    version: TlsVersion,
    transcript: &Transcript,
) -> Result<(Option<PreTls>, Element), ClientError> {
    let mut c: Conn = t.connect(version, transcript).connect().await?;
    let direct = c.tls().is_some();
    c.open_stream(if direct { t.from.as_deref() } else { None })
        .await?;
    let mut features = c.features_element().await?;
    let mut pre = None;
    if !direct {
        let starttls = features
            .child("starttls", ns::TLS)
            .map(|s| s.child("required", ns::TLS).is_some());
        let sasl = features.child("mechanisms", ns::SASL).map(|m| {
            m.children_named("mechanism", ns::SASL)
                .map(|e| e.text().trim().to_owned())
                .collect()
        });
        pre = Some(PreTls {
            starttls,
            sasl,
            features: features.clone(),
        });
        c.negotiate_tls().await?;
        c.open_stream(t.from.as_deref()).await?;
        features = c.features_element().await?;
    }
    let negotiated = c.tls().map(|b| b.version);
    let _ = c.close_stream().await;
    if negotiated != Some(version) {
        return Err(ClientError::Tls(format!(
            "asked for {} only, negotiated {}",
            version.label(),
            negotiated.map_or("none", TlsVersion::label)
        )));
    }
    Ok((pre, features))
}

/// Probe every version in `versions` (concurrently) and record what the target offers under
/// each. The transcript gets every byte, under `probe-tls1.2` / `probe-tls1.3`.
pub async fn discover(
    t: &ProbeTarget,
    versions: &[TlsVersion],
    transcript: &Transcript,
) -> Capabilities {
    let http = async {
        match &t.http {
            Some(base) => Some(super::http::probe(base, &t.trust, t.wait).await),
            None => None,
        }
    };
    let mut set = tokio::task::JoinSet::new();
    for &v in versions {
        let (t, transcript) = (t.clone(), transcript.clone());
        set.spawn(async move { (v, probe_version(&t, v, &transcript).await) });
    }
    let versions_done = async {
        let mut results = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(r) => results.push(r),
                Err(e) => transcript.note(&format!("capability probe task failed: {e}")),
            }
        }
        results
    };
    let (mut results, http) = tokio::join!(versions_done, http);
    // Oldest version first, so the pre-TLS features recorded are those of a fixed probe.
    results.sort_by_key(|(v, _)| *v);
    let mut caps = Capabilities {
        transport: Some(t.target.tls),
        http,
        ..Capabilities::default()
    };
    for (v, r) in results {
        let probe = match r {
            Ok((pre, features)) => {
                if caps.pre_tls.is_none() {
                    caps.pre_tls = pre;
                }
                let mut c = TlsCaps::parse(&features);
                if v == TlsVersion::Tls12 {
                    c.ems = Some(negotiates_ems(t, transcript).await);
                }
                TlsProbe::Offered(Box::new(c))
            }
            Err(e) => TlsProbe::Refused(e.to_string()),
        };
        caps.tls.insert(v, probe);
    }
    caps
}
