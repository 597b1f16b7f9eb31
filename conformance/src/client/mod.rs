//! The scripted XMPP client the cases drive: TCP, STARTTLS or direct TLS, every byte recorded in the
//! case transcript, and helpers that make case bodies read like the exchange they check.

pub mod conn;
pub mod error;
pub mod features;
pub mod login;
pub mod sasl2;
pub mod scram;
pub mod tls;

pub use conn::{Conn, Endpoint, TLS_NS};
pub use error::ClientError;
pub use features::{Features, Sasl2Offer, canonical, valid_mechanism_name};
pub use sasl2::{Sasl2Reply, USER_AGENT_ID};
pub use tls::{TlsInfo, TlsSetupError, client_config, server_end_point};
