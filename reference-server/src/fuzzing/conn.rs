//! One client connection to the sans-IO c2s core: feeds bytes, performs the core's actions the
//! way the shell would (TLS handshakes become `on_tls_established` with fixed bindings), and
//! reads every write through the output oracle.

use std::sync::Arc;

use gatecheck_proto::ns;
use gatecheck_proto::sasl::{ChannelBindings, TlsVersion};
use gatecheck_proto::xml::Element;

use super::Violation;
use super::output::OutputCheck;
use crate::c2s::core::{Action, SessionCore};
use crate::c2s::services::Services;
use crate::c2s::session::C2sSession;
use crate::route::NullRouter;

/// The channel bindings of every fake TLS handshake: TLS 1.3 with exporter and end-point data.
pub fn bindings() -> ChannelBindings {
    let mut t = ChannelBindings::none(TlsVersion::Tls13);
    t.tls_exporter = Some(vec![7; 32]);
    t.tls_server_end_point = Some(vec![1; 32]);
    t
}

/// A connection and what the client has seen on it.
pub struct Conn {
    core: C2sSession,
    output: OutputCheck,
    /// The core asked for a TLS handshake that has not run yet.
    pub starttls_pending: bool,
    /// TLS is established.
    pub tls: bool,
    /// The core closed the connection.
    pub closed: bool,
    /// The core reported `Action::Authenticated` or wrote a SASL `<success/>`.
    pub authenticated: bool,
    /// The most recent `<stream:features/>` since the last stream (re)start.
    pub features: Option<Element>,
    /// Bytes the client has written.
    pub input_bytes: usize,
    /// A FAST `<token/>` arrived in something other than `<success/>` (a failed exchange).
    pub token_outside_success: bool,
}

impl Conn {
    /// Connects over plain TCP (so STARTTLS is exercised).
    pub fn open(svc: Arc<Services>) -> Result<Self, Violation> {
        let mut core = C2sSession::new(svc, Arc::new(NullRouter));
        let actions = core.on_connect("192.0.2.1:5222".parse().expect("literal address"), None);
        let mut conn = Self {
            core,
            output: OutputCheck::default(),
            starttls_pending: false,
            tls: false,
            closed: false,
            authenticated: false,
            features: None,
            input_bytes: 0,
            token_outside_success: false,
        };
        conn.apply(actions)?;
        Ok(conn)
    }

    /// Bytes the server has written.
    pub fn output_bytes(&self) -> usize {
        self.output.bytes
    }

    /// Writes `bytes` as one read of the server; returns the elements it answered with. Nothing
    /// happens once the connection is closed or a handshake is due (the shell would not read).
    pub fn send(&mut self, bytes: &[u8]) -> Result<Vec<Element>, Violation> {
        if self.closed || self.starttls_pending {
            return Ok(Vec::new());
        }
        self.input_bytes = self.input_bytes.saturating_add(bytes.len());
        let actions = self.core.on_bytes(bytes);
        self.apply(actions)
    }

    /// Runs the handshake the core asked for; returns false (the session ends, as a failed
    /// handshake would end it) when it did not ask.
    pub fn start_tls(&mut self) -> Result<bool, Violation> {
        if self.closed || !self.starttls_pending {
            self.closed = true;
            return Ok(false);
        }
        self.starttls_pending = false;
        self.tls = true;
        self.features = None;
        let actions = self.core.on_tls_established(&bindings());
        self.apply(actions)?;
        Ok(true)
    }

    /// The stream header the executor's own client opens streams with.
    pub fn header(domain: &str, from: &str) -> String {
        format!(
            "<stream:stream xmlns='{}' xmlns:stream='{}' to='{domain}' from='{from}' \
             version='1.0'>",
            ns::CLIENT,
            ns::STREAMS
        )
    }

    fn apply(&mut self, actions: Vec<Action>) -> Result<Vec<Element>, Violation> {
        let mut elements = Vec::new();
        for action in actions {
            match action {
                Action::Send(bytes) => {
                    for e in self.output.feed(&bytes)? {
                        if e.is("features", ns::STREAMS) {
                            self.features = Some(e.clone());
                        }
                        if e.is("success", ns::SASL2) || e.is("success", ns::SASL) {
                            self.authenticated = true;
                        }
                        if !e.is("success", ns::SASL2) && e.child("token", ns::FAST).is_some() {
                            self.token_outside_success = true;
                        }
                        if e.is("success", ns::SASL) {
                            // The stream restarts: features of the old stream no longer apply.
                            self.features = None;
                        }
                        elements.push(e);
                    }
                }
                Action::StartTls => self.starttls_pending = true,
                Action::Authenticated => self.authenticated = true,
                Action::Bind(_) => {}
                Action::Close => self.closed = true,
            }
        }
        Ok(elements)
    }
}
