//! Starting and stopping the server in-process: the conformance suite embeds it on ephemeral
//! ports, and the binary's `serve` is a thin wrapper around the same API.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;

use crate::c2s::core::{CoreFactory, ListenerKind};
use crate::c2s::limits::ConnectionLimiter;
use crate::c2s::router::Router;
use crate::c2s::shell::{Shared, accept_loop};
use crate::config::Config;
use crate::listener::Listener;
use crate::tls::{TlsError, TlsIdentity};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// TLS setup failed (bad PEM files, key mismatch).
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// An HTTP listener was listed but no OAuth2 core given ([`Server::start`] serves c2s only).
    #[error("an HTTP listener needs the OAuth2 core (Server::start_with_http)")]
    NoHttpCore,
    /// The listener list lacks a c2s listener of this kind.
    #[error("no {0:?} c2s listener configured")]
    MissingListener(ListenerKind),
    /// A listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Builds the OAuth2 HTTP core for an issuer (known only once the listener is bound).
pub type HttpCoreBuilder = Box<dyn FnOnce(String) -> crate::http::OAuth2Http + Send>;

/// Entry point for starting a server.
pub struct Server;

/// A started server. Dropping it without [`RunningServer::shutdown`] also stops it (listeners close
/// and connections get `on_shutdown`), but without waiting.
pub struct RunningServer {
    /// Bound STARTTLS c2s address (the real port when 0 was asked for).
    pub c2s_addr: SocketAddr,
    /// Bound direct-TLS c2s address.
    pub c2s_tls_addr: SocketAddr,
    /// Bound OAuth2 HTTPS address, when an HTTP listener was asked for.
    pub http_addr: Option<SocketAddr>,
    /// The OAuth2 issuer (`https://DOMAIN:PORT`), when an HTTP listener runs.
    pub oauth2_issuer: Option<String>,
    /// The certificate chain and channel-binding constants in use.
    pub tls: Arc<TlsIdentity>,
    /// The session router, for modules that push stanzas from outside a session.
    pub router: Arc<Router>,
    handle: ShutdownHandle,
    alive: mpsc::Receiver<()>,
}

/// Triggers shutdown from anywhere (a signal handler, a test).
#[derive(Clone)]
pub struct ShutdownHandle {
    tx: Arc<watch::Sender<bool>>,
}

impl ShutdownHandle {
    /// Stops accepting and asks every session to close; returns immediately.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }
}

impl Server {
    /// Binds `listeners` (see [`crate::root::listeners`]), prepares TLS (loading or generating
    /// the certificate) and starts accepting; every c2s connection gets a core from `factory`.
    /// An HTTP listener is refused here; use [`Server::start_with_http`].
    pub async fn start(
        config: &Config,
        listeners: &[Listener],
        factory: Arc<dyn CoreFactory>,
    ) -> Result<RunningServer, ServerError> {
        Self::start_with_http(config, listeners, factory, None).await
    }

    /// [`Server::start`] plus the OAuth2 HTTPS listener: `http` builds the core once the bound
    /// address (and so the issuer) is known.
    pub async fn start_with_http(
        config: &Config,
        listeners: &[Listener],
        factory: Arc<dyn CoreFactory>,
        http: Option<HttpCoreBuilder>,
    ) -> Result<RunningServer, ServerError> {
        let tls = Arc::new(TlsIdentity::load_or_generate(
            &config.domain,
            config.certificate.as_deref(),
            config.key.as_deref(),
        )?);
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|source| ServerError::Bind { addr, source })
        };
        let mut bound = Vec::new();
        let mut http_socket = None;
        for l in listeners {
            let (kind, address) = match *l {
                Listener::C2s { kind, address } => (Some(kind), address),
                Listener::Http { address } => (None, address),
            };
            let socket = bind(address).await?;
            let local = socket.local_addr().map_err(|source| ServerError::Bind {
                addr: address,
                source,
            })?;
            match kind {
                Some(kind) => bound.push((kind, socket, local)),
                None => http_socket = Some((socket, local)),
            }
        }
        let addr_of = |want: ListenerKind| {
            bound
                .iter()
                .find(|(k, _, _)| *k == want)
                .map(|(_, _, a)| *a)
                .ok_or(ServerError::MissingListener(want))
        };
        let c2s_addr = addr_of(ListenerKind::StartTls)?;
        let c2s_tls_addr = addr_of(ListenerKind::DirectTls)?;

        let (tx, rx) = watch::channel(false);
        let router = Arc::new(Router::new());
        let shared = Arc::new(Shared {
            factory,
            acceptor: TlsAcceptor::from(tls.config.clone()),
            end_point: tls.end_point.clone(),
            limiter: ConnectionLimiter::new(
                config.c2s_max_connections,
                config.c2s_max_connections_per_ip,
            ),
            router: router.clone(),
            domain: Arc::from(config.domain.as_str()),
            idle_timeout: config.unauthenticated_timeout(),
            handshake_timeout: config.tls_handshake_timeout(),
            read_size: config.c2s_read_size,
            send_buffer_limit: config.max_send_buffer_size,
            next_id: AtomicU64::new(1),
            shutdown: rx,
        });
        let (alive_tx, alive_rx) = mpsc::channel(1);
        for (kind, socket, _) in bound {
            tokio::spawn(accept_loop(socket, kind, shared.clone(), alive_tx.clone()));
        }
        let (http_addr, oauth2_issuer) = match (http_socket, http) {
            (Some((socket, local)), Some(build)) => {
                let issuer = format!("https://{}:{}", config.domain, local.port());
                let core = Arc::new(build(issuer.clone()));
                let mut http_tls = (*tls.config).clone();
                http_tls.alpn_protocols = vec![b"http/1.1".to_vec()];
                tokio::spawn(crate::http::shell::serve(
                    socket,
                    TlsAcceptor::from(Arc::new(http_tls)),
                    core,
                    config.tls_handshake_timeout(),
                    shared.shutdown.clone(),
                    alive_tx.clone(),
                ));
                (Some(local), Some(issuer))
            }
            (Some(_), None) => return Err(ServerError::NoHttpCore),
            (None, _) => (None, None),
        };
        drop(alive_tx);
        tracing::info!(%c2s_addr, %c2s_tls_addr, ?http_addr, domain = %config.domain, "listening");
        Ok(RunningServer {
            c2s_addr,
            c2s_tls_addr,
            http_addr,
            oauth2_issuer,
            tls,
            router,
            handle: ShutdownHandle { tx: Arc::new(tx) },
            alive: alive_rx,
        })
    }
}

impl RunningServer {
    /// A handle that can trigger shutdown from another task.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.handle.clone()
    }

    /// Waits until shutdown is triggered and every connection has finished.
    pub async fn wait(mut self) {
        // Each accept loop and connection task holds a sender; recv() yields None once all are gone.
        while self.alive.recv().await.is_some() {}
    }

    /// Graceful shutdown: stop accepting, let every core say goodbye, and wait up to `grace` for
    /// connections to finish. Returns whether all finished in time.
    pub async fn shutdown(self, grace: Duration) -> bool {
        self.handle.trigger();
        tokio::time::timeout(grace, self.wait()).await.is_ok()
    }
}
