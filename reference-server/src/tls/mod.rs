//! TLS for c2s (shell only): a rustls server configuration on the *ring* provider (TLS 1.2 and
//! 1.3), a self-signed certificate generated at start unless PEM files are given, and the
//! extraction of proto's [`ChannelBindings`] from a finished handshake, which is all the core sees.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Re-exported from proto, which the conformance client shares (one implementation of RFC 5929).
pub use gatecheck_proto::sasl::channel_binding::{
    EndPointHash, tls_server_end_point as end_point_hash_for,
};

pub use gatecheck_proto::sasl::bindings::{EXPORTER_LABEL, EXPORTER_LEN};
use gatecheck_proto::sasl::{ChannelBindings, TlsVersion};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or parsed.
    #[error("cannot load {what} from {path}: {reason}")]
    Pem {
        /// "certificate" or "private key".
        what: &'static str,
        /// The file.
        path: String,
        /// Parser or I/O message.
        reason: String,
    },
    /// The certificate file holds no certificate.
    #[error("no certificate in {0}")]
    NoCertificate(String),
    /// Certificate generation failed.
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls rejected the configuration (for example a key that does not match the certificate).
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Extracts the channel-binding data of a finished server handshake, for the core.
/// `tls-exporter` (RFC 9266) uses an empty (present, zero-length) context like Prosody; it is safe
/// on TLS 1.2 here because the server refuses TLS 1.2 without EMS. `tls-unique` stays `None`:
/// rustls does not expose the TLS 1.2 Finished message. `end_point` is the leaf certificate's
/// `tls-server-end-point` hash, computed once per identity.
pub fn channel_bindings(
    conn: &rustls::ServerConnection,
    end_point: Option<&[u8]>,
) -> Option<ChannelBindings> {
    let version = match conn.protocol_version()? {
        rustls::ProtocolVersion::TLSv1_3 => TlsVersion::Tls13,
        rustls::ProtocolVersion::TLSv1_2 => TlsVersion::Tls12,
        _ => return None,
    };
    let mut cb = ChannelBindings::none(version);
    cb.tls_exporter = conn
        .export_keying_material([0u8; EXPORTER_LEN], EXPORTER_LABEL, Some(&[]))
        .ok()
        .map(|e| e.to_vec());
    cb.tls_server_end_point = end_point.map(<[u8]>::to_vec);
    Some(cb)
}

/// The server's certificate chain, key and derived constants, shared by every connection.
pub struct TlsIdentity {
    /// rustls configuration used by the acceptors.
    pub config: Arc<ServerConfig>,
    /// The chain as sent, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// `tls-server-end-point` data for the leaf, computed once.
    pub end_point: Option<Vec<u8>>,
}

impl TlsIdentity {
    /// Loads PEM files, or generates a self-signed ECDSA P-256/SHA-256 certificate for `domain`
    /// when both paths are `None`.
    pub fn load_or_generate(
        domain: &str,
        cert: Option<&Path>,
        key: Option<&Path>,
    ) -> Result<TlsIdentity, TlsError> {
        match (cert, key) {
            (Some(c), Some(k)) => {
                let chain = load_chain(c)?;
                let key = PrivateKeyDer::from_pem_file(k).map_err(|e| TlsError::Pem {
                    what: "private key",
                    path: k.display().to_string(),
                    reason: e.to_string(),
                })?;
                TlsIdentity::new(chain, key)
            }
            _ => TlsIdentity::self_signed(domain),
        }
    }

    /// A fresh self-signed certificate (rcgen's default: ECDSA P-256 with SHA-256, so the
    /// `tls-server-end-point` hash is SHA-256).
    pub fn self_signed(domain: &str) -> Result<TlsIdentity, TlsError> {
        let ck = rcgen::generate_simple_self_signed(vec![domain.to_owned()])?;
        let chain = vec![ck.cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
        TlsIdentity::new(chain, key)
    }

    /// Builds the rustls configuration: ring provider, TLS 1.2 + 1.3, EMS required on TLS 1.2
    /// (RFC 7627; makes tls-exporter safe there), no client certificates, ALPN `xmpp-client`.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<TlsIdentity, TlsError> {
        let leaf = chain
            .first()
            .ok_or_else(|| TlsError::NoCertificate("(chain)".into()))?;
        let end_point = end_point_hash_for(leaf.as_ref());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_single_cert(chain.clone(), key)?;
        config.require_ems = true;
        // XEP-0368: direct TLS clients may send ALPN "xmpp-client"; clients sending none are fine.
        config.alpn_protocols = vec![b"xmpp-client".to_vec()];
        Ok(TlsIdentity {
            config: Arc::new(config),
            chain,
            end_point,
        })
    }
}

fn load_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Pem {
            what: "certificate",
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(path.display().to_string()));
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn self_signed_end_point_is_sha256_of_leaf() {
        let id = TlsIdentity::self_signed("localhost").unwrap();
        let expect = Sha256::digest(id.chain[0].as_ref()).to_vec();
        assert_eq!(id.end_point.as_deref(), Some(&expect[..]));
    }

    #[test]
    fn loads_pem_files() {
        let ck = rcgen::generate_simple_self_signed(vec!["example.org".into()]).unwrap();
        let dir = std::env::temp_dir().join(format!("gatecheck-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (c, k) = (dir.join("c.pem"), dir.join("k.pem"));
        std::fs::write(&c, ck.cert.pem()).unwrap();
        std::fs::write(&k, ck.signing_key.serialize_pem()).unwrap();
        let id = TlsIdentity::load_or_generate("ignored", Some(&c), Some(&k)).unwrap();
        assert_eq!(id.chain[0].as_ref(), ck.cert.der().as_ref());
        std::fs::write(&c, "not pem").unwrap();
        assert!(TlsIdentity::load_or_generate("x", Some(&c), Some(&k)).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
