//! Mechanism names and their properties (hash, channel binding), so that callers never compare
//! mechanism strings by hand.

use std::fmt;

/// The hash function of a SCRAM or HT mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScramHash {
    /// SHA-1 (RFC 5802).
    Sha1,
    /// SHA-256 (RFC 7677).
    Sha256,
    /// SHA-512 (draft-melnikov-scram-sha-512).
    Sha512,
}

impl ScramHash {
    /// Every supported hash, weakest first (the order credentials are derived and stored in).
    pub const ALL: [ScramHash; 3] = [ScramHash::Sha1, ScramHash::Sha256, ScramHash::Sha512];

    /// Parses [`ScramHash::name`] output; the server's credential store keys rows by this name.
    pub fn from_name(name: &str) -> Option<ScramHash> {
        ScramHash::ALL.into_iter().find(|h| h.name() == name)
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// The hash name as it appears inside mechanism names (`SHA-1`, `SHA-256`, `SHA-512`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha512 => "SHA-512",
        }
    }
}

/// A channel-binding type from the IANA registry (RFC 5056), as advertised by XEP-0440.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChannelBindingType {
    /// RFC 9266: TLS exporter, label `EXPORTER-Channel-Binding`, empty context, 32 bytes.
    TlsExporter,
    /// RFC 5929 §4: hash of the server's end-entity certificate.
    TlsServerEndPoint,
    /// RFC 5929 §3: the first Finished message; undefined on TLS 1.3.
    TlsUnique,
}

impl ChannelBindingType {
    /// Every type, in a stable order.
    pub const ALL: [ChannelBindingType; 3] =
        [Self::TlsExporter, Self::TlsServerEndPoint, Self::TlsUnique];

    /// The IANA name used in gs2 headers and in `<channel-binding type=.../>`.
    pub fn name(self) -> &'static str {
        match self {
            Self::TlsExporter => "tls-exporter",
            Self::TlsServerEndPoint => "tls-server-end-point",
            Self::TlsUnique => "tls-unique",
        }
    }

    /// Parses an IANA name; unknown names are `None` (callers decide which condition that is).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The suffix of the HT mechanism that binds to this type (`EXPR`, `ENDP`, `UNIQ`).
    pub fn ht_suffix(self) -> &'static str {
        match self {
            Self::TlsExporter => "EXPR",
            Self::TlsServerEndPoint => "ENDP",
            Self::TlsUnique => "UNIQ",
        }
    }
}

/// A SASL mechanism this project implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mechanism {
    /// `SCRAM-<hash>` or `SCRAM-<hash>-PLUS` (when `plus`).
    Scram {
        /// The hash.
        hash: ScramHash,
        /// Whether this is the channel-binding (`-PLUS`) variant.
        plus: bool,
    },
    /// `PLAIN` (RFC 4616).
    Plain,
    /// `OAUTHBEARER` (RFC 7628): an OAuth 2.0 bearer token (RFC 6750) as the credential.
    OAuthBearer,
    /// `HT-SHA-256-<cb>`: the FAST token mechanism; `None` binding means `-NONE`.
    HtSha256(Option<ChannelBindingType>),
}

impl Mechanism {
    /// Every mechanism we implement, in a stable order (strongest first within each family).
    pub const ALL: [Mechanism; 12] = [
        Self::Scram {
            hash: ScramHash::Sha512,
            plus: true,
        },
        Self::Scram {
            hash: ScramHash::Sha512,
            plus: false,
        },
        Self::Scram {
            hash: ScramHash::Sha256,
            plus: true,
        },
        Self::Scram {
            hash: ScramHash::Sha256,
            plus: false,
        },
        Self::Scram {
            hash: ScramHash::Sha1,
            plus: true,
        },
        Self::Scram {
            hash: ScramHash::Sha1,
            plus: false,
        },
        Self::Plain,
        Self::OAuthBearer,
        Self::HtSha256(Some(ChannelBindingType::TlsExporter)),
        Self::HtSha256(Some(ChannelBindingType::TlsServerEndPoint)),
        Self::HtSha256(Some(ChannelBindingType::TlsUnique)),
        Self::HtSha256(None),
    ];

    /// The registered mechanism name.
    pub fn name(self) -> &'static str {
        use ScramHash::*;
        match self {
            Self::Scram {
                hash: Sha1,
                plus: false,
            } => "SCRAM-SHA-1",
            Self::Scram {
                hash: Sha1,
                plus: true,
            } => "SCRAM-SHA-1-PLUS",
            Self::Scram {
                hash: Sha256,
                plus: false,
            } => "SCRAM-SHA-256",
            Self::Scram {
                hash: Sha256,
                plus: true,
            } => "SCRAM-SHA-256-PLUS",
            Self::Scram {
                hash: Sha512,
                plus: false,
            } => "SCRAM-SHA-512",
            Self::Scram {
                hash: Sha512,
                plus: true,
            } => "SCRAM-SHA-512-PLUS",
            Self::Plain => "PLAIN",
            Self::OAuthBearer => "OAUTHBEARER",
            Self::HtSha256(None) => "HT-SHA-256-NONE",
            Self::HtSha256(Some(ChannelBindingType::TlsUnique)) => "HT-SHA-256-UNIQ",
            Self::HtSha256(Some(ChannelBindingType::TlsServerEndPoint)) => "HT-SHA-256-ENDP",
            Self::HtSha256(Some(ChannelBindingType::TlsExporter)) => "HT-SHA-256-EXPR",
        }
    }

    /// Looks a mechanism up by its exact (case-sensitive, RFC 4422 §3.1) name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The SCRAM hash of a `SCRAM-*` mechanism (either variant), `None` for every other family; with
    /// [`Mechanism::uses_channel_binding`] this replaces parsing `SCRAM-…[-PLUS]` names by hand.
    pub fn scram_hash(self) -> Option<ScramHash> {
        match self {
            Self::Scram { hash, .. } => Some(hash),
            _ => None,
        }
    }

    /// Every SCRAM mechanism without channel binding, strongest hash first (the order a client
    /// prefers them in).
    pub fn scram_unbound() -> impl Iterator<Item = Mechanism> {
        Self::ALL
            .into_iter()
            .filter(|m| matches!(m, Self::Scram { plus: false, .. }))
    }

    /// Whether this is a FAST token mechanism (listed only inside `<fast/>`, never as a top-level mechanism).
    pub fn is_ht(self) -> bool {
        matches!(self, Self::HtSha256(_))
    }

    /// Whether this mechanism binds to the TLS channel (SCRAM `-PLUS`, HT other than `-NONE`).
    pub fn uses_channel_binding(self) -> bool {
        matches!(
            self,
            Self::Scram { plus: true, .. } | Self::HtSha256(Some(_))
        )
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fit_rfc4422() {
        for m in Mechanism::ALL {
            assert_eq!(Mechanism::from_name(m.name()), Some(m));
            let n = m.name();
            assert!((1..=20).contains(&n.len()), "{n}");
            assert!(
                n.bytes().all(|b| b.is_ascii_uppercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'_')
            );
        }
        assert_eq!(Mechanism::from_name("scram-sha-1"), None);
        for t in ChannelBindingType::ALL {
            assert_eq!(ChannelBindingType::from_name(t.name()), Some(t));
        }
    }

    #[test]
    fn scram_helpers() {
        let m = Mechanism::from_name("SCRAM-SHA-256-PLUS").expect("known");
        assert_eq!(m.scram_hash(), Some(ScramHash::Sha256));
        assert!(m.uses_channel_binding());
        assert_eq!(Mechanism::Plain.scram_hash(), None);
        assert_eq!(Mechanism::HtSha256(None).scram_hash(), None);
        let names: Vec<&str> = Mechanism::scram_unbound().map(Mechanism::name).collect();
        assert_eq!(names, ["SCRAM-SHA-512", "SCRAM-SHA-256", "SCRAM-SHA-1"]);
    }

    #[test]
    fn scram_hash_names_are_the_stored_strings() {
        // The server's credential store keys rows by these exact strings; changing them would
        // orphan existing databases.
        let names: Vec<&str> = ScramHash::ALL.iter().map(|h| h.name()).collect();
        assert_eq!(names, ["SHA-1", "SHA-256", "SHA-512"]);
        for h in ScramHash::ALL {
            assert_eq!(ScramHash::from_name(h.name()), Some(h));
        }
        assert_eq!(ScramHash::from_name("sha-256"), None);
        assert_eq!(ScramHash::from_name("SHA256"), None);
    }
}
