//! What one TLS connection offers for channel binding, seen from either end.
//!
//! The reference server and the conformance client both describe their TLS session with this one
//! type, so "which types exist on this connection" and "which bytes does type T bind to" are
//! answered by the same code on both sides (SCRAM -PLUS, HT-*-EXPR/-ENDP/-UNIQ, XEP-0440).

use super::ChannelBindingType;

/// The negotiated TLS protocol version; channel-binding rules differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl TlsVersion {
    /// Both versions, oldest first.
    pub const ALL: [TlsVersion; 2] = [Self::Tls12, Self::Tls13];

    /// A short label for reports and case ids: `tls1.2`, `tls1.3`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Tls12 => "tls1.2",
            Self::Tls13 => "tls1.3",
        }
    }

    /// Whether `cb` is defined on this version at all: RFC 9266 §3 (and RFC 8446 §C.5) leave
    /// `tls-unique` undefined on TLS 1.3. Every other type is defined on both.
    pub fn defines(self, cb: ChannelBindingType) -> bool {
        !(self == Self::Tls13 && cb == ChannelBindingType::TlsUnique)
    }
}

/// Channel-binding data of one established TLS connection.
///
/// A field is `None` when this end cannot compute that type on this connection (for example no
/// `tls-unique` from rustls, or no `tls-server-end-point` for an Ed25519 certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelBindings {
    /// Negotiated version.
    pub version: TlsVersion,
    /// RFC 9266 `tls-exporter`: label `EXPORTER-Channel-Binding`, empty context, 32 bytes.
    pub tls_exporter: Option<Vec<u8>>,
    /// RFC 5929 §4.1 `tls-server-end-point`: hash of the server's leaf certificate.
    pub tls_server_end_point: Option<Vec<u8>>,
    /// RFC 5929 §3.1 `tls-unique`: the first Finished message (TLS 1.2 only).
    pub tls_unique: Option<Vec<u8>>,
}

/// The exporter label RFC 9266 §2 defines for `tls-exporter`.
pub const EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";
/// The exporter output length RFC 9266 §2 defines.
pub const EXPORTER_LEN: usize = 32;

impl ChannelBindings {
    /// No binding data at all on a connection of `version`.
    pub fn none(version: TlsVersion) -> Self {
        Self {
            version,
            tls_exporter: None,
            tls_server_end_point: None,
            tls_unique: None,
        }
    }

    /// The bytes `cb` binds to on this connection, or `None` when this end cannot produce them or
    /// the type is undefined on the negotiated version.
    pub fn data(&self, cb: ChannelBindingType) -> Option<&[u8]> {
        if !self.version.defines(cb) {
            return None;
        }
        match cb {
            ChannelBindingType::TlsExporter => self.tls_exporter.as_deref(),
            ChannelBindingType::TlsServerEndPoint => self.tls_server_end_point.as_deref(),
            ChannelBindingType::TlsUnique => self.tls_unique.as_deref(),
        }
    }

    /// Every type with data on this connection, in [`ChannelBindingType::ALL`] order.
    pub fn available(&self) -> Vec<ChannelBindingType> {
        ChannelBindingType::ALL
            .into_iter()
            .filter(|&t| self.data(t).is_some())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_unique_is_never_available_on_tls13_even_with_data() {
        let mut b = ChannelBindings::none(TlsVersion::Tls13);
        b.tls_unique = Some(vec![1; 12]);
        b.tls_exporter = Some(vec![2; 32]);
        assert_eq!(b.data(ChannelBindingType::TlsUnique), None);
        assert_eq!(b.available(), vec![ChannelBindingType::TlsExporter]);
        b.version = TlsVersion::Tls12;
        assert_eq!(
            b.available(),
            vec![
                ChannelBindingType::TlsExporter,
                ChannelBindingType::TlsUnique
            ]
        );
    }

    #[test]
    fn labels_are_stable() {
        assert_eq!(TlsVersion::Tls12.label(), "tls1.2");
        assert_eq!(TlsVersion::Tls13.label(), "tls1.3");
    }
}
