//! TLS for the scripted client: rustls with the ring provider, an opt-in accept-anything verifier for
//! self-signed test servers, and the channel-binding data (RFC 9266 tls-exporter, RFC 5929
//! tls-server-end-point) the client computes, so SCRAM-PLUS cases can compare it with the server's.

use crate::config::RunConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::Digest;
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

/// Which hash RFC 5929 §4.1 prescribes for a certificate signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EndPointHash {
    Sha256,
    Sha384,
    Sha512,
}

/// RFC 5929 §4.1: hash the leaf DER with the certificate signature's hash, MD5 and SHA-1 upgraded to
/// SHA-256; `None` for algorithms without a single hash (Ed25519, RSA-PSS) or unreadable DER.
pub fn server_end_point(der: &[u8]) -> Option<Vec<u8>> {
    let hash = signature_hash(der)?;
    Some(match hash {
        EndPointHash::Sha256 => sha2::Sha256::digest(der).to_vec(),
        EndPointHash::Sha384 => sha2::Sha384::digest(der).to_vec(),
        EndPointHash::Sha512 => sha2::Sha512::digest(der).to_vec(),
    })
}

/// Read one DER TLV at the start of `input`: (tag, contents, rest).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, rest) = rest.split_at(n);
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (contents, rest) = rest.split_at(len);
    Some((tag, contents, rest))
}

fn signature_hash(der: &[u8]) -> Option<EndPointHash> {
    let (0x30, cert, _) = der_tlv(der)? else {
        return None;
    };
    let (0x30, _tbs, rest) = der_tlv(cert)? else {
        return None;
    };
    let (0x30, alg, _) = der_tlv(rest)? else {
        return None;
    };
    let (0x06, oid, _) = der_tlv(alg)? else {
        return None;
    };
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04];
    match oid {
        // md5WithRSA (4), sha1WithRSA (5), sha256WithRSA (11)
        [p @ .., 4 | 5 | 11] if p == RSA => Some(EndPointHash::Sha256),
        [p @ .., 12] if p == RSA => Some(EndPointHash::Sha384),
        [p @ .., 13] if p == RSA => Some(EndPointHash::Sha512),
        // ecdsa-with-SHA1 (1), -SHA256 (3.2), -SHA384 (3.3), -SHA512 (3.4)
        [p @ .., 1] if p == ECDSA => Some(EndPointHash::Sha256),
        [p @ .., 3, 2] if p == ECDSA => Some(EndPointHash::Sha256),
        [p @ .., 3, 3] if p == ECDSA => Some(EndPointHash::Sha384),
        [p @ .., 3, 4] if p == ECDSA => Some(EndPointHash::Sha512),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_point_uses_sha256_for_ecdsa_sha256_certs() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        let der = cert.der().as_ref();
        assert_eq!(signature_hash(der), Some(EndPointHash::Sha256));
        assert_eq!(
            server_end_point(der),
            Some(sha2::Sha256::digest(der).to_vec())
        );
    }

    #[test]
    fn end_point_sha384_and_undefined_cases() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).expect("key");
        let cert = rcgen::CertificateParams::new(vec!["x".to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        assert_eq!(server_end_point(cert.der()).map(|v| v.len()), Some(48));
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("key");
        let cert = rcgen::CertificateParams::new(vec!["x".to_owned()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        assert_eq!(server_end_point(cert.der()), None);
        for junk in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x05, 0x30],
        ] {
            assert_eq!(server_end_point(junk), None);
        }
    }
}
