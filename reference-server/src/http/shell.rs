//! The axum shell of the OAuth2 core: accepts TCP, runs the TLS handshake (the server's
//! certificate, ALPN `http/1.1`) with a timeout in its own task, hands finished TLS streams to
//! axum, and turns each axum request into an [`HttpRequest`] for [`OAuth2Http::handle`]. The
//! body is read up to [`MAX_BODY`] + 1 bytes, so a 10 MiB upload costs 64 KiB of memory.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::OAuth2Http;
use super::wire::{HttpRequest, HttpResponse, MAX_BODY};

/// Most TLS handshakes in flight at once; further connections wait in the accept queue.
const MAX_HANDSHAKES: usize = 64;

/// Finished TLS connections, as axum's `serve` wants them.
struct TlsListener {
    rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(c) => c,
            // The accept loop ended (shutdown): never yield another connection.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Serves `core` on `socket` until `shutdown` turns true. `alive` is held until every
/// connection has finished, like the c2s accept loops.
pub async fn serve(
    socket: TcpListener,
    acceptor: TlsAcceptor,
    core: Arc<OAuth2Http>,
    handshake_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
) {
    let local = match socket.local_addr() {
        Ok(a) => a,
        Err(e) => {
            tracing::error!("http listener has no address: {e}");
            return;
        }
    };
    let (tx, rx) = mpsc::channel(MAX_HANDSHAKES);
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    let mut stop = shutdown.clone();
    let accept = async move {
        loop {
            let (tcp, peer) = tokio::select! {
                r = socket.accept() => match r {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::debug!("http accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = async { let _ = stop.wait_for(|s| *s).await; } => return,
            };
            let Ok(permit) = handshakes.clone().acquire_owned().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                let _permit = permit;
                match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send((tls, peer)).await;
                    }
                    Ok(Err(e)) => tracing::debug!(%peer, "http tls handshake failed: {e}"),
                    Err(_) => tracing::debug!(%peer, "http tls handshake timed out"),
                }
            });
        }
    };
    let app = axum::Router::new().fallback(move |req: Request| {
        let core = core.clone();
        async move { handle(core, req).await }
    });
    let server = axum::serve(TlsListener { rx, local }, app).with_graceful_shutdown(async move {
        let _ = shutdown.wait_for(|s| *s).await;
    });
    tokio::spawn(accept);
    if let Err(e) = server.await {
        tracing::warn!("http server ended: {e}");
    }
    drop(alive);
}

async fn handle(core: Arc<OAuth2Http>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY + 1).await {
        Ok(b) => b.to_vec(),
        // Over the limit (or the client went away): a body one byte too long makes the core
        // answer 413 without it having to know about streams.
        Err(_) => vec![0; MAX_BODY + 1],
    };
    let request = HttpRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body,
    };
    // Password checks run PBKDF2 and the store is synchronous: keep both off the reactor.
    let response = tokio::task::spawn_blocking(move || core.handle(&request))
        .await
        .unwrap_or_else(|_| HttpResponse::error(500, "server_error", "internal error"));
    to_axum(response)
}

fn to_axum(r: HttpResponse) -> Response {
    let mut builder = Response::builder().status(r.status);
    for (n, v) in &r.headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    builder.body(Body::from(r.body)).unwrap_or_else(|_| {
        let mut fallback = Response::new(Body::empty());
        *fallback.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
