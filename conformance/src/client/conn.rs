//! One scripted connection: TCP, then STARTTLS or direct TLS, stream headers, and element-level send
//! and receive with every byte recorded in the case transcript under the connection's label.

use super::error::{ClientError, stream_error_of};
use super::tls::{TlsInfo, client_config};
use crate::config::TlsMode;
use crate::ctx::CaseCtx;
use crate::transcript::Transcript;
use gatecheck_proto::xml::{
    Element, JABBER_CLIENT_NS, Limits, STREAMS_NS, StreamEvent, StreamHeader, StreamParser,
};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Longest single wait for the server when the case timeout is longer; cases shorten it for
/// "nothing should happen" checks with [`Conn::set_wait`].
pub const MAX_WAIT: Duration = Duration::from_secs(10);

/// The STARTTLS namespace (RFC 6120 §5).
pub const TLS_NS: &str = "urn:ietf:params:xml:ns:xmpp-tls";

/// Where to connect and how; built from the run configuration or directly by tests.
#[derive(Clone)]
pub struct Endpoint {
    /// Host or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// STARTTLS or direct TLS.
    pub tls: TlsMode,
    /// The XMPP domain (stream `to` and TLS server name).
    pub domain: String,
    /// The rustls configuration.
    pub tls_config: Arc<ClientConfig>,
}

impl Endpoint {
    /// The endpoint the run targets.
    pub fn from_ctx(ctx: &CaseCtx) -> Result<Endpoint, ClientError> {
        let target = ctx.config.target.as_ref().ok_or_else(|| {
            ClientError::Config("no --target given (embedded server not wired)".into())
        })?;
        let domain = ctx
            .config
            .domain()
            .ok_or_else(|| ClientError::Config("no domain".into()))?;
        let tls_config = client_config(&ctx.config).map_err(|e| ClientError::Tls(e.to_string()))?;
        Ok(Endpoint {
            host: target.host.clone(),
            port: target.port,
            tls: target.tls,
            domain: domain.to_owned(),
            tls_config,
        })
    }
}

enum Io {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// A scripted client-to-server connection.
pub struct Conn {
    io: Option<Io>,
    parser: StreamParser,
    transcript: Transcript,
    label: String,
    endpoint: Endpoint,
    wait: Duration,
    tls: Option<TlsInfo>,
    /// The server's most recent stream header.
    pub server_header: Option<StreamHeader>,
    /// Whitespace runs received between top-level elements since the last [`Conn::take_whitespace`].
    whitespace: usize,
}

impl Conn {
    /// Connect to the run's target, recording under `label`; direct TLS is negotiated here.
    pub async fn open(ctx: &CaseCtx, label: &str) -> Result<Conn, ClientError> {
        let ep = Endpoint::from_ctx(ctx)?;
        let wait = ctx.timeout().min(MAX_WAIT);
        Conn::connect(ep, ctx.transcript.clone(), label, wait).await
    }

    /// Connect to an explicit endpoint (tests, embedded server).
    pub async fn connect(
        endpoint: Endpoint,
        transcript: Transcript,
        label: &str,
        wait: Duration,
    ) -> Result<Conn, ClientError> {
        transcript.note(&format!(
            "{label}: connecting to {}:{}",
            endpoint.host, endpoint.port
        ));
        let tcp = tokio::time::timeout(
            wait,
            TcpStream::connect((endpoint.host.as_str(), endpoint.port)),
        )
        .await
        .map_err(|_| ClientError::Timeout("TCP connect".into()))??;
        let mut conn = Conn {
            io: Some(Io::Plain(tcp)),
            parser: StreamParser::new(Limits::default()),
            transcript,
            label: label.to_owned(),
            endpoint,
            wait,
            tls: None,
            server_header: None,
            whitespace: 0,
        };
        if conn.endpoint.tls == TlsMode::Direct {
            conn.handshake().await?;
        }
        Ok(conn)
    }

    /// Change the longest single wait for the server.
    pub fn set_wait(&mut self, wait: Duration) {
        self.wait = wait;
    }

    /// The XMPP domain this connection addresses.
    pub fn domain(&self) -> &str {
        &self.endpoint.domain
    }

    /// What the client saw of TLS, once negotiated.
    pub fn tls(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
    }

    /// The number of whitespace runs received since the last call, and reset the count.
    pub fn take_whitespace(&mut self) -> usize {
        std::mem::take(&mut self.whitespace)
    }

    async fn handshake(&mut self) -> Result<(), ClientError> {
        let Some(Io::Plain(tcp)) = self.io.take() else {
            return Err(ClientError::Tls("TLS already negotiated".into()));
        };
        let name = ServerName::try_from(self.endpoint.domain.clone())
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        let connector = tokio_rustls::TlsConnector::from(self.endpoint.tls_config.clone());
        let tls = tokio::time::timeout(self.wait, connector.connect(name, tcp))
            .await
            .map_err(|_| ClientError::Timeout("TLS handshake".into()))?
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        let info = TlsInfo::from_connection(tls.get_ref().1);
        self.transcript.note(&format!(
            "{}: TLS established ({})",
            self.label, info.version
        ));
        self.tls = Some(info);
        self.io = Some(Io::Tls(Box::new(tls)));
        self.parser.reset();
        Ok(())
    }

    /// Send raw bytes (for malformed input), recording them.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.transcript.sent(&self.label, bytes);
        match self.io.as_mut() {
            Some(Io::Plain(s)) => s.write_all(bytes).await?,
            Some(Io::Tls(s)) => {
                s.write_all(bytes).await?;
                s.flush().await?;
            }
            None => return Err(ClientError::Closed),
        }
        Ok(())
    }

    /// Send one element in the `jabber:client` content namespace.
    pub async fn send(&mut self, el: &Element) -> Result<(), ClientError> {
        let xml = el.to_xml_in(JABBER_CLIENT_NS);
        self.send_raw(xml.as_bytes()).await
    }

    /// Send a stream header to the domain (`from` optional) and wait for the server's header.
    pub async fn open_stream(&mut self, from: Option<&str>) -> Result<StreamHeader, ClientError> {
        let mut h = StreamHeader::new(JABBER_CLIENT_NS);
        h.to = Some(self.endpoint.domain.clone());
        h.from = from.map(str::to_owned);
        h.lang = Some("en".into());
        self.parser.reset_keep_buffered();
        self.server_header = None;
        self.send_raw(h.to_opening_xml(true).as_bytes()).await?;
        loop {
            match self.next_event("stream header").await? {
                StreamEvent::Header(h) => {
                    self.server_header = Some(h.clone());
                    return Ok(h);
                }
                StreamEvent::Element(e) if e.is("error", STREAMS_NS) => {
                    return Err(stream_error_of(&e));
                }
                StreamEvent::Element(e) => {
                    return Err(ClientError::unexpected("stream header", &e));
                }
                StreamEvent::Close => return Err(ClientError::StreamClosed),
                StreamEvent::Text(_) => self.whitespace += 1,
            }
        }
    }

    /// Send `</stream:stream>`.
    pub async fn close_stream(&mut self) -> Result<(), ClientError> {
        self.send_raw(b"</stream:stream>").await
    }

    async fn read_some(&mut self) -> Result<usize, ClientError> {
        let mut buf = [0u8; 16 * 1024];
        let read = async {
            match self.io.as_mut() {
                Some(Io::Plain(s)) => s.read(&mut buf).await,
                Some(Io::Tls(s)) => s.read(&mut buf).await,
                None => Ok(0),
            }
        };
        let n = match tokio::time::timeout(self.wait, read).await {
            Err(_) => return Err(ClientError::Timeout(String::new())),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => 0,
            Ok(r) => r?,
        };
        if n == 0 {
            self.io = None;
            return Ok(0);
        }
        let data = buf.get(..n).unwrap_or_default();
        self.transcript.received(&self.label, data);
        self.parser.feed(data);
        Ok(n)
    }

    async fn next_event(&mut self, what: &str) -> Result<StreamEvent, ClientError> {
        loop {
            if let Some(ev) = self.parser.next_event()? {
                return Ok(ev);
            }
            match self.read_some().await {
                Ok(0) => {
                    self.parser.finish()?;
                    return Err(ClientError::Closed);
                }
                Ok(_) => {}
                Err(ClientError::Timeout(_)) => return Err(ClientError::Timeout(what.to_owned())),
                Err(e) => return Err(e),
            }
        }
    }

    /// The next top-level element; a stream error, `</stream:stream>` or a closed socket is an error.
    pub async fn recv(&mut self) -> Result<Element, ClientError> {
        loop {
            match self.next_event("an element").await? {
                StreamEvent::Element(e) if e.is("error", STREAMS_NS) => {
                    return Err(stream_error_of(&e));
                }
                StreamEvent::Element(e) => return Ok(e),
                StreamEvent::Text(_) => self.whitespace += 1,
                StreamEvent::Close => return Err(ClientError::StreamClosed),
                StreamEvent::Header(h) => {
                    return Err(ClientError::Unexpected {
                        expected: "an element".into(),
                        got: h.to_opening_xml(false),
                    });
                }
            }
        }
    }

    /// Wait for `<stream:features/>`.
    pub async fn features_element(&mut self) -> Result<Element, ClientError> {
        let e = self.recv().await?;
        if e.is("features", STREAMS_NS) {
            Ok(e)
        } else {
            Err(ClientError::unexpected("<stream:features/>", &e))
        }
    }

    /// Negotiate STARTTLS (features already read), then open a new stream over TLS.
    pub async fn starttls(&mut self) -> Result<StreamHeader, ClientError> {
        self.negotiate_tls().await?;
        self.open_stream(None).await
    }

    /// Send `<starttls/>`, expect `<proceed/>` and run the handshake, without opening a new stream
    /// (for cases that need a particular stream header over TLS).
    pub async fn negotiate_tls(&mut self) -> Result<(), ClientError> {
        self.send(&Element::new("starttls", TLS_NS)).await?;
        let e = self.recv().await?;
        if !e.is("proceed", TLS_NS) {
            return Err(ClientError::unexpected("<proceed/>", &e));
        }
        self.handshake().await
    }

    /// Expect a stream error next; returns its condition. Elements before it are an `Unexpected`.
    pub async fn expect_stream_error(&mut self) -> Result<String, ClientError> {
        match self.recv().await {
            Err(ClientError::StreamError { condition, .. }) => Ok(condition),
            Ok(e) => Err(ClientError::unexpected("<stream:error/>", &e)),
            Err(e) => Err(e),
        }
    }

    /// Expect the server to end the stream: `</stream:stream>` or the socket closing (further
    /// elements before that are an `Unexpected`).
    pub async fn expect_closed(&mut self) -> Result<(), ClientError> {
        match self.recv().await {
            Err(ClientError::StreamClosed | ClientError::Closed) => Ok(()),
            Ok(e) => Err(ClientError::unexpected("the stream to close", &e)),
            Err(e) => Err(e),
        }
    }

    /// Drop the connection without closing the stream.
    pub fn abandon(&mut self) {
        self.io = None;
    }
}
