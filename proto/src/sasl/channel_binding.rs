//! `tls-server-end-point` (RFC 5929 §4.1): hash the leaf certificate's DER with the hash of its
//! signatureAlgorithm, upgrading MD5 and SHA-1 to SHA-256. Needs only the signatureAlgorithm OID,
//! so a tiny bounds-checked DER walker is enough; it never panics on malformed input.
//!
//! Lives in proto so the reference server and the conformance client compute the binding with the
//! same code and cannot drift apart.

use sha2::{Digest, Sha256, Sha384, Sha512};

/// The hash RFC 5929 §4.1 selects for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndPointHash {
    /// SHA-256 (also used for MD5 and SHA-1 signatures).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

// DER content bytes of the signature algorithm OIDs we recognise.
const OIDS: &[(&[u8], EndPointHash)] = &[
    // md5WithRSAEncryption 1.2.840.113549.1.1.4, sha1WithRSAEncryption .5
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04],
        EndPointHash::Sha256,
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05],
        EndPointHash::Sha256,
    ),
    // sha256/384/512WithRSAEncryption .11 .12 .13
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
        EndPointHash::Sha256,
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c],
        EndPointHash::Sha384,
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d],
        EndPointHash::Sha512,
    ),
    // ecdsa-with-SHA1 1.2.840.10045.4.1
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01],
        EndPointHash::Sha256,
    ),
    // ecdsa-with-SHA256/384/512 1.2.840.10045.4.3.2 .3 .4
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02],
        EndPointHash::Sha256,
    ),
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
        EndPointHash::Sha384,
    ),
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
        EndPointHash::Sha512,
    ),
];

/// Reads one DER TLV at the start of `input`: (tag, content, rest). Only definite lengths up to
/// 4 length bytes, as DER requires.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, r) = rest.split_at_checked(n)?;
        rest = r;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}

/// The hash RFC 5929 prescribes for this certificate, or `None` when its signature algorithm has no
/// single hash (Ed25519, Ed448, RSA-PSS with parameters) or the DER cannot be read.
pub fn end_point_hash(cert_der: &[u8]) -> Option<EndPointHash> {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }
    let (0x30, cert, _) = tlv(cert_der)? else {
        return None;
    };
    let (0x30, _tbs, rest) = tlv(cert)? else {
        return None;
    };
    let (0x30, alg, _) = tlv(rest)? else {
        return None;
    };
    let (0x06, oid, _) = tlv(alg)? else {
        return None;
    };
    OIDS.iter().find(|(o, _)| *o == oid).map(|(_, h)| *h)
}

/// `tls-server-end-point` channel-binding data for a leaf certificate, if defined.
pub fn tls_server_end_point(cert_der: &[u8]) -> Option<Vec<u8>> {
    Some(match end_point_hash(cert_der)? {
        EndPointHash::Sha256 => Sha256::digest(cert_der).to_vec(),
        EndPointHash::Sha384 => Sha384::digest(cert_der).to_vec(),
        EndPointHash::Sha512 => Sha512::digest(cert_der).to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_with(alg: &'static rcgen::SignatureAlgorithm) -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(alg).unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn picks_hash_from_signature_algorithm() {
        assert_eq!(
            end_point_hash(&cert_with(&rcgen::PKCS_ECDSA_P256_SHA256)),
            Some(EndPointHash::Sha256)
        );
        assert_eq!(
            end_point_hash(&cert_with(&rcgen::PKCS_ECDSA_P384_SHA384)),
            Some(EndPointHash::Sha384)
        );
        let ed = cert_with(&rcgen::PKCS_ED25519);
        assert_eq!(end_point_hash(&ed), None);
        assert_eq!(tls_server_end_point(&ed), None);
        let p384 = cert_with(&rcgen::PKCS_ECDSA_P384_SHA384);
        assert_eq!(
            tls_server_end_point(&p384).unwrap(),
            Sha384::digest(&p384).to_vec()
        );
    }

    #[test]
    fn malformed_der_gives_none() {
        let good = cert_with(&rcgen::PKCS_ECDSA_P256_SHA256);
        for cut in 0..good.len().min(64) {
            assert_eq!(end_point_hash(&good[..cut]), None, "cut {cut}");
        }
        assert_eq!(end_point_hash(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(end_point_hash(&[0x30, 0x85, 1, 1, 1, 1, 1]), None);
        assert_eq!(end_point_hash(b""), None);
        for junk in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x05, 0x30],
        ] {
            assert_eq!(tls_server_end_point(junk), None);
        }
    }

    #[test]
    fn ecdsa_sha256_cert_binds_to_sha256_of_der() {
        let der = cert_with(&rcgen::PKCS_ECDSA_P256_SHA256);
        assert_eq!(
            tls_server_end_point(&der),
            Some(Sha256::digest(&der).to_vec())
        );
        let p384 = cert_with(&rcgen::PKCS_ECDSA_P384_SHA384);
        assert_eq!(tls_server_end_point(&p384).map(|v| v.len()), Some(48));
    }
}
