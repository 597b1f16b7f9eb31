//! One scripted connection: TCP, then STARTTLS or direct TLS, stream headers, and element-level
//! send and receive with every byte recorded in the case transcript under the connection's label.

use crate::error::{ClientError, stream_error_of};
use crate::features::Features;
use crate::tls::{TlsMode, TlsTrust, channel_bindings, client_config_for, version_name};
use crate::transcript::Transcript;
use gatecheck_proto::ns;
use gatecheck_proto::sasl::{ChannelBindings, TlsVersion};
use gatecheck_proto::xml::{Element, Limits, StreamEvent, StreamHeader, StreamParser};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// Longest single wait for the server when the caller's timeout is longer; callers shorten it for
/// "nothing should happen" checks with [`Conn::set_wait`].
pub const MAX_WAIT: Duration = Duration::from_secs(10);

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
    /// An endpoint with an explicit TLS configuration.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        tls: TlsMode,
        domain: impl Into<String>,
        tls_config: Arc<ClientConfig>,
    ) -> Endpoint {
        Endpoint {
            host: host.into(),
            port,
            tls,
            domain: domain.into(),
            tls_config,
        }
    }
}

/// Builds a connection the way a test states it: where, which domain, how TLS is reached, which
/// certificates are trusted, and under which label the bytes are recorded.
///
/// ```no_run
/// # async fn f(addr: std::net::SocketAddr) -> Result<(), gatecheck_client::ClientError> {
/// use gatecheck_client::Connect;
/// let (conn, features) = Connect::to(addr).domain("localhost").insecure_tls().session().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Connect {
    host: String,
    port: u16,
    domain: String,
    mode: TlsMode,
    trust: TlsTrust,
    transcript: Transcript,
    label: String,
    wait: Duration,
    version: Option<TlsVersion>,
}

impl Connect {
    /// Connect to `addr` (STARTTLS, domain `localhost`, label `c1`, strict certificate checks).
    pub fn to(addr: SocketAddr) -> Connect {
        Connect::host(addr.ip().to_string(), addr.port())
    }

    /// Connect to `host:port`.
    pub fn host(host: impl Into<String>, port: u16) -> Connect {
        Connect {
            host: host.into(),
            port,
            domain: "localhost".to_owned(),
            mode: TlsMode::StartTls,
            trust: TlsTrust::default(),
            transcript: Transcript::new(),
            label: "c1".to_owned(),
            wait: MAX_WAIT,
            version: None,
        }
    }

    /// The XMPP domain (stream `to`, TLS server name).
    pub fn domain(mut self, domain: impl Into<String>) -> Connect {
        self.domain = domain.into();
        self
    }

    /// STARTTLS or direct TLS.
    pub fn tls(mut self, mode: TlsMode) -> Connect {
        self.mode = mode;
        self
    }

    /// TLS from the first byte.
    pub fn direct_tls(self) -> Connect {
        self.tls(TlsMode::Direct)
    }

    /// Which certificates to accept.
    pub fn trust(mut self, trust: TlsTrust) -> Connect {
        self.trust = trust;
        self
    }

    /// Accept any certificate (self-signed test servers).
    pub fn insecure_tls(self) -> Connect {
        self.trust(TlsTrust::insecure())
    }

    /// Record into `transcript` (shared with the caller) instead of a fresh one.
    pub fn transcript(mut self, transcript: Transcript) -> Connect {
        self.transcript = transcript;
        self
    }

    /// The connection label in the transcript.
    pub fn label(mut self, label: impl Into<String>) -> Connect {
        self.label = label.into();
        self
    }

    /// Longest single wait for the server.
    pub fn wait(mut self, wait: Duration) -> Connect {
        self.wait = wait;
        self
    }

    /// Offer only this TLS version in the handshake (default: both 1.2 and 1.3, the server picks).
    pub fn tls_version(mut self, version: TlsVersion) -> Connect {
        self.version = Some(version);
        self
    }

    /// Open the TCP connection (and direct TLS); nothing is sent yet.
    pub async fn connect(self) -> Result<Conn, ClientError> {
        let config = client_config_for(&self.trust, self.version)
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        let ep = Endpoint::new(self.host, self.port, self.mode, self.domain, config);
        Conn::connect(ep, self.transcript, &self.label, self.wait).await
    }

    /// Connect, open a stream and reach TLS: the connection and the features offered under TLS.
    pub async fn session(self) -> Result<(Conn, Features), ClientError> {
        tls_session(self.connect().await?).await
    }
}

/// Open a stream on a fresh connection, negotiating STARTTLS when TLS is not up yet, and return the
/// features offered on the TLS-protected stream.
pub async fn tls_session(mut c: Conn) -> Result<(Conn, Features), ClientError> {
    c.open_stream(None).await?;
    let mut f = Features::parse(&c.features_element().await?);
    if c.tls().is_none() {
        c.starttls().await?;
        f = Features::parse(&c.features_element().await?);
    }
    Ok((c, f))
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
    tls: Option<ChannelBindings>,
    /// The server's most recent stream header.
    pub server_header: Option<StreamHeader>,
    /// Whitespace runs received between top-level elements since the last
    /// [`Conn::take_whitespace`].
    whitespace: usize,
}

impl Conn {
    /// Connect to an explicit endpoint, recording under `label`; direct TLS is negotiated here.
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

    /// The channel-binding data of the TLS session, once negotiated.
    pub fn tls(&self) -> Option<&ChannelBindings> {
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
        let (_, session) = tls.get_ref();
        self.transcript.note(&format!(
            "{}: TLS established ({})",
            self.label,
            version_name(session)
        ));
        self.tls = Some(channel_bindings(session));
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
        let xml = el.to_xml_in(ns::CLIENT);
        self.send_raw(xml.as_bytes()).await
    }

    /// Send a stream header to the domain (`from` optional) and wait for the server's header.
    pub async fn open_stream(&mut self, from: Option<&str>) -> Result<StreamHeader, ClientError> {
        let mut h = StreamHeader::new(ns::CLIENT);
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
                StreamEvent::Element(e) if e.is("error", ns::STREAMS) => {
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

    /// The next top-level element; a stream error, `</stream:stream>` or a closed socket is an
    /// error.
    pub async fn recv(&mut self) -> Result<Element, ClientError> {
        loop {
            match self.next_event("an element").await? {
                StreamEvent::Element(e) if e.is("error", ns::STREAMS) => {
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
        if e.is("features", ns::STREAMS) {
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
        self.send(&Element::new("starttls", ns::TLS)).await?;
        let e = self.recv().await?;
        if !e.is("proceed", ns::TLS) {
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

    /// The transcript this connection records into.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// Expect the next element to equal `expected`, ignoring the order of attributes and children
    /// (see [`crate::same_element`]); anything else is an `Unexpected` showing both.
    pub async fn expect(&mut self, expected: impl Into<Element>) -> Result<Element, ClientError> {
        let expected = expected.into();
        let got = self.recv().await?;
        if crate::compare::same_element(&got, &expected) {
            Ok(got)
        } else {
            Err(ClientError::unexpected(&expected.to_xml(), &got))
        }
    }

    /// The next stream event as framed (headers, elements, text, close), without judging it:
    /// for callers that send raw bytes of their own (the network fuzzer). The server's header is
    /// kept in `server_header`.
    pub async fn event(&mut self) -> Result<StreamEvent, ClientError> {
        let ev = self.next_event("a stream event").await?;
        if let StreamEvent::Header(h) = &ev {
            self.server_header = Some(h.clone());
        }
        Ok(ev)
    }

    /// Expect a new server stream header next (the caller sent a header of its own with
    /// [`Conn::send_raw`]); bytes already received stay buffered.
    pub fn restart_parser(&mut self) {
        self.parser.reset_keep_buffered();
        self.server_header = None;
    }

    /// Run the TLS handshake now (the caller already saw `<proceed/>`).
    pub async fn tls_handshake(&mut self) -> Result<(), ClientError> {
        self.handshake().await
    }

    /// Whether the socket is still open (not closed by either side).
    pub fn is_open(&self) -> bool {
        self.io.is_some()
    }

    /// Drop the connection without closing the stream.
    pub fn abandon(&mut self) {
        self.io = None;
    }
}
