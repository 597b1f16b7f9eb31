//! TLS for the scripted client: rustls with the ring provider, an opt-in accept-anything verifier
//! for self-signed test servers, and the channel-binding data (RFC 9266 tls-exporter, RFC 5929
//! tls-server-end-point) the client computes, described with proto's [`ChannelBindings`] so client
//! and server answer "which bytes does type T bind to" with the same code.

use gatecheck_proto::sasl::bindings::{EXPORTER_LABEL, EXPORTER_LEN};
use gatecheck_proto::sasl::{ChannelBindings, TlsVersion};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

/// How the client reaches TLS on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain TCP then STARTTLS (`xmpp://`, default port 5222).
    StartTls,
    /// TLS from the first byte (`xmpps://`, default port 5223).
    Direct,
}

/// Which server certificates the client accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsTrust {
    /// Accept any certificate (handshake signatures are still checked): self-signed test servers.
    pub insecure: bool,
    /// A PEM file whose certificates are the only roots (the kit ships no web PKI roots).
    pub ca: Option<std::path::PathBuf>,
}

impl TlsTrust {
    /// Accept any certificate.
    pub fn insecure() -> TlsTrust {
        TlsTrust {
            insecure: true,
            ca: None,
        }
    }
}

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The `--ca` file could not be read or held no certificate.
    #[error("CA file {path}: {reason}")]
    CaFile {
        /// The path given.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// rustls rejected the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts any certificate but still checks handshake signatures, for `--insecure-tls`.
#[derive(Debug)]
struct AcceptAnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Build a client configuration: accept-anything when `trust.insecure`, else the CA file's
/// certificates as the only roots. Offers both TLS 1.2 and 1.3 (the server picks).
pub fn client_config(trust: &TlsTrust) -> Result<Arc<ClientConfig>, TlsSetupError> {
    client_config_for(trust, None)
}

/// The rustls protocol version for a proto [`TlsVersion`].
fn rustls_version(v: TlsVersion) -> &'static rustls::SupportedProtocolVersion {
    match v {
        TlsVersion::Tls12 => &rustls::version::TLS12,
        TlsVersion::Tls13 => &rustls::version::TLS13,
    }
}

/// [`client_config`] offering only `version` when it is `Some`: servers may advertise different
/// mechanisms and channel-binding types per TLS version, so the suite pins one per case variant
/// (a server that refuses the version fails the handshake, which callers report as such).
/// Session resumption is off so every handshake is a full one and the channel-binding data of
/// each connection is its own.
pub fn client_config_for(
    trust: &TlsTrust,
    version: Option<TlsVersion>,
) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let builder = ClientConfig::builder_with_provider(provider());
    let builder = match version {
        Some(v) => builder.with_protocol_versions(&[rustls_version(v)])?,
        None => builder.with_safe_default_protocol_versions()?,
    };
    let config = if trust.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider())))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        if let Some(path) = &trust.ca {
            let err = |reason: String| TlsSetupError::CaFile {
                path: path.display().to_string(),
                reason,
            };
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| err(e.to_string()))?
                .collect::<Result<_, _>>()
                .map_err(|e| err(e.to_string()))?;
            if certs.is_empty() {
                return Err(err("no certificate in file".into()));
            }
            for c in certs {
                roots.add(c)?;
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    let mut config = config;
    if version.is_some() {
        config.resumption = rustls::client::Resumption::disabled();
    }
    Ok(Arc::new(config))
}

/// `config` that refuses TLS 1.2 servers without the extended master secret (RFC 7627). Capability
/// discovery connects once with it: RFC 9266 §4.2 forbids `tls-exporter` on TLS 1.2 without EMS,
/// so whether the server negotiates EMS decides what a TLS 1.2 `-PLUS` offer may bind to.
pub fn requiring_ems(config: &Arc<ClientConfig>) -> Arc<ClientConfig> {
    let mut c = ClientConfig::clone(config);
    c.require_ems = true;
    Arc::new(c)
}

/// The channel-binding data of an established client connection (tls-unique is never computed:
/// rustls does not expose it, and RFC 9266 leaves it undefined on TLS 1.3).
pub fn channel_bindings(conn: &rustls::ClientConnection) -> ChannelBindings {
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_2) => TlsVersion::Tls12,
        _ => TlsVersion::Tls13,
    };
    let tls_exporter = conn
        .export_keying_material([0u8; EXPORTER_LEN], EXPORTER_LABEL, Some(&[]))
        .ok()
        .map(|k| k.to_vec());
    let tls_server_end_point = conn
        .peer_certificates()
        .and_then(|c| c.first())
        .and_then(|leaf| server_end_point(leaf.as_ref()));
    ChannelBindings {
        version,
        tls_exporter,
        tls_server_end_point,
        tls_unique: None,
    }
}

/// The negotiated version as rustls names it (`TLSv1_3`), for transcript notes.
pub fn version_name(conn: &rustls::ClientConnection) -> String {
    conn.protocol_version()
        .map_or_else(|| "unknown".to_owned(), |v| format!("{v:?}"))
}

/// RFC 5929 §4.1 tls-server-end-point data for a leaf certificate; shared with the reference server
/// through proto so client and server cannot disagree on the hash choice.
pub use gatecheck_proto::sasl::channel_binding::tls_server_end_point as server_end_point;
