//! The HTTP half of discovery: does the `--http` base answer RFC 8414 authorization-server
//! metadata? Only reachability and the status are recorded for now (the OAuth2 cases will read
//! the document themselves), so this is one HTTP/1.1 GET over TCP or TLS, bounded by the reply
//! timeout, without an HTTP client dependency.

use super::HttpProbe;
use gatecheck_client::{TlsTrust, client_config};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// The `--http` base, parsed once by the kit (the OAuth2 cases use the same type).
pub use gatecheck_client::http::HttpBase;

/// GET `path` and return the status code.
async fn status_of<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    host: &str,
    path: &str,
) -> Result<u16, String> {
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nConnection: close\r\nUser-Agent: gatecheck\r\n\r\n"
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 8192 {
        let n = s.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or("");
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next().map(str::parse::<u16>)) {
        (Some(v), Some(Ok(code))) if v.starts_with("HTTP/") => Ok(code),
        _ => Err(format!("not an HTTP response: {line:?}")),
    }
}

async fn get(base: &HttpBase, trust: &TlsTrust) -> Result<u16, String> {
    let tcp = TcpStream::connect((base.host.as_str(), base.port))
        .await
        .map_err(|e| e.to_string())?;
    let host = if base.host.contains(':') {
        format!("[{}]:{}", base.host, base.port)
    } else {
        format!("{}:{}", base.host, base.port)
    };
    let path = base.metadata_path();
    if base.tls {
        let config = client_config(trust).map_err(|e| e.to_string())?;
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(base.host.clone())
            .map_err(|e| e.to_string())?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS: {e}"))?;
        status_of(tls, &host, &path).await
    } else {
        status_of(tcp, &host, &path).await
    }
}

/// Probe the metadata endpoint of `base` (the `--http` value), waiting at most `wait`.
pub async fn probe(base: &str, trust: &TlsTrust, wait: Duration) -> HttpProbe {
    let metadata = match base.parse::<HttpBase>() {
        Err(e) => Err(e),
        Ok(b) => match tokio::time::timeout(wait, get(&b, trust)).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {} s", wait.as_secs_f64())),
        },
    };
    HttpProbe {
        base: base.to_owned(),
        metadata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[test]
    fn parses_bases_and_places_the_well_known_suffix() {
        let b: HttpBase = "http://localhost:5280".parse().expect("ok");
        assert_eq!((b.tls, b.host.as_str(), b.port), (false, "localhost", 5280));
        assert_eq!(b.metadata_path(), "/.well-known/oauth-authorization-server");
        let b: HttpBase = "https://[::1]/issuer/one/".parse().expect("ok");
        assert_eq!((b.tls, b.host.as_str(), b.port), (true, "::1", 443));
        assert_eq!(
            b.metadata_path(),
            "/.well-known/oauth-authorization-server/issuer/one"
        );
        for bad in [
            "ftp://x",
            "http://",
            "http://h:0",
            "http://u@h",
            "http://[::1",
        ] {
            assert!(bad.parse::<HttpBase>().is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn records_the_status_or_why_there_was_none() {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("addr");
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.expect("accept");
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).await.expect("read");
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            let status =
                if req.starts_with("GET /.well-known/oauth-authorization-server HTTP/1.1\r\n") {
                    "200 OK"
                } else {
                    "400 Bad Request"
                };
            let _ = s
                .write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\n\r\n{{}}").as_bytes())
                .await;
        });
        let trust = TlsTrust::default();
        let p = probe(&format!("http://{addr}"), &trust, Duration::from_secs(2)).await;
        assert_eq!(p.metadata, Ok(200));
        assert!(p.reachable());
        let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let gone = closed.local_addr().expect("addr");
        drop(closed);
        let p = probe(&format!("http://{gone}"), &trust, Duration::from_secs(2)).await;
        assert!(p.metadata.is_err());
        assert!(!p.reachable());
    }
}
