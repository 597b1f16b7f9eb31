//! The interim core the binary runs until the SASL2 session core is merged: it answers every
//! stream with an honest `<service-unavailable/>` stream error, so `serve` already exercises the
//! listeners, TLS, limits and timeouts end to end, and a client learns exactly why it cannot log in.

use std::net::SocketAddr;
use std::time::SystemTime;

use super::core::{Action, ConnectionContext, CoreFactory, SessionCore};
use super::stream_error::{StreamCondition, render_refusal};
use crate::tls::TlsInfo;

/// A core that refuses service with a stream error as soon as the client speaks.
pub struct UnavailableCore {
    domain: String,
}

/// Factory for [`UnavailableCore`].
pub struct UnavailableFactory;

impl CoreFactory for UnavailableFactory {
    fn create(&self, ctx: &ConnectionContext) -> Box<dyn SessionCore> {
        Box::new(UnavailableCore {
            domain: ctx.domain.to_string(),
        })
    }
}

impl UnavailableCore {
    fn refuse(&self, condition: StreamCondition, text: &str) -> Vec<Action> {
        vec![
            Action::Send(render_refusal(&self.domain, condition, text)),
            Action::Close,
        ]
    }
}

impl SessionCore for UnavailableCore {
    fn on_connect(&mut self, _: SocketAddr, _: Option<&TlsInfo>, _: SystemTime) -> Vec<Action> {
        Vec::new()
    }

    fn on_bytes(&mut self, _: &[u8], _: SystemTime) -> Vec<Action> {
        self.refuse(
            StreamCondition::ServiceUnavailable,
            "This build of gatecheck-server has no session core",
        )
    }

    fn on_tls_established(&mut self, _: &TlsInfo, _: SystemTime) -> Vec<Action> {
        Vec::new()
    }

    fn on_idle_timeout(&mut self, _: SystemTime) -> Vec<Action> {
        self.refuse(StreamCondition::ConnectionTimeout, "Idle for too long")
    }

    fn on_routed(&mut self, _: Vec<u8>, _: SystemTime) -> Vec<Action> {
        Vec::new()
    }

    fn on_shutdown(&mut self, _: SystemTime) -> Vec<Action> {
        self.refuse(StreamCondition::SystemShutdown, "Server shutting down")
    }
}
