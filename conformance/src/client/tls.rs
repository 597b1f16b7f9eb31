//! TLS for the scripted client: rustls with the ring provider, an opt-in accept-anything verifier for
//! self-signed test servers, and the channel-binding data (RFC 9266 tls-exporter, RFC 5929
//! tls-server-end-point) the client computes, so SCRAM-PLUS cases can compare it with the server's.

use crate::config::RunConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

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

/// Build the client configuration the run asks for: accept-anything with `--insecure-tls`, else the
/// `--ca` file's certificates as the only roots (the suite ships no web PKI roots).
pub fn client_config(cfg: &RunConfig) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let builder =
        ClientConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let config = if cfg.insecure_tls {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider())))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        if let Some(path) = &cfg.ca {
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
    Ok(Arc::new(config))
}

/// What the client saw of the TLS session, for channel-binding cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// Negotiated protocol version, e.g. `TLSv1_3`.
    pub version: String,
    /// RFC 9266 tls-exporter data (32 bytes, empty context); `None` if the exporter failed.
    pub tls_exporter: Option<Vec<u8>>,
    /// RFC 5929 tls-server-end-point data; `None` when the certificate's signature hash is undefined
    /// for it (e.g. Ed25519) or the certificate could not be read.
    pub tls_server_end_point: Option<Vec<u8>>,
}

impl TlsInfo {
    /// Gather the data from an established client connection.
    pub fn from_connection(conn: &rustls::ClientConnection) -> TlsInfo {
        let version = conn
            .protocol_version()
            .map_or_else(|| "unknown".to_owned(), |v| format!("{v:?}"));
        let tls_exporter = conn
            .export_keying_material([0u8; 32], b"EXPORTER-Channel-Binding", Some(&[]))
            .ok()
            .map(|k| k.to_vec());
        let tls_server_end_point = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|leaf| server_end_point(leaf.as_ref()));
        TlsInfo {
            version,
            tls_exporter,
            tls_server_end_point,
        }
    }

    /// Whether TLS 1.3 was negotiated (tls-unique is undefined there, RFC 9266).
    pub fn is_tls13(&self) -> bool {
        self.version.contains("1_3")
    }
}

/// RFC 5929 §4.1 tls-server-end-point data for a leaf certificate; shared with the reference server
/// through proto so client and server cannot disagree on the hash choice.
pub use gatecheck_proto::sasl::channel_binding::tls_server_end_point as server_end_point;
