//! gatecheck-client: the client kit. A scripted XMPP client that records every byte in a
//! [`Transcript`], plus builders that make a test read like the exchange it performs.
//!
//! The conformance suite, the benches, the fuzzers and (next) the reference server's integration
//! tests all speak the client side through this crate, so a SASL2 or RFC 6120 SASL login, a STARTTLS upgrade or a
//! deliberately broken SCRAM message is written once. It can send what the specifications forbid
//! (that is what conformance tests need), and it talks to servers only over sockets.
//!
//! ```no_run
//! # async fn f(addr: std::net::SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
//! use gatecheck_client::{Connect, build, login};
//! let (mut c, features) = Connect::to(addr).domain("localhost").insecure_tls().session().await?;
//! let bind = build::bind2().tag("kit").into();
//! let ok = login(&mut c, &features, "alice", "pencil", &[bind]).await?;
//! c.post_auth_features().await?;
//! # let _ = ok; Ok(()) }
//! ```

pub mod build;
pub mod compare;
pub mod conn;
pub mod error;
pub mod fast;
pub mod features;
pub mod http;
pub mod iq;
pub mod legacy;
pub mod login;
pub mod profile;
pub mod register;
pub mod sasl2;
pub mod scram;
pub mod tls;
pub mod transcript;
pub mod urlenc;

pub use compare::{canonical, same_element};
pub use conn::{Conn, Connect, Endpoint, MAX_WAIT, tls_session};
pub use error::ClientError;
pub use features::{Features, Sasl2Offer, valid_mechanism_name};
pub use iq::{DataForm, Exchange, IqReply, StanzaError};
pub use legacy::AuthProfile;
pub use login::{Login, LoginError, login, login_in};
pub use sasl2::{Sasl2Reply, USER_AGENT_ID};
pub use tls::{
    TlsMode, TlsSetupError, TlsTrust, client_config, client_config_for, requiring_ems,
    server_end_point,
};
pub use transcript::{SecretKind, Transcript};
