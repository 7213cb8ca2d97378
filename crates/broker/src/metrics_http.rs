//! `GET /metrics` over HTTP/1.x on `metrics.listen`: the broker's metrics
//! ([`crate::probe`]) in Prometheus' text format, one answer per connection
//! (`Connection: close`), as scrapers ask for them.
//!
//! Written by hand rather than on an HTTP library: it is one route and one
//! method, and an HTTP stack would be most of the new code in the binary.
//! The request head is read under a size limit ([`MAX_HEAD`]) and a time
//! limit ([`HEAD_TIMEOUT`]); past either the connection is closed. Another
//! path gets 404, another method 405, a head that is not HTTP 400.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::broker::Broker;
use crate::probe;

/// The longest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client has to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// Prometheus' text exposition format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Answers scrapes on `listener` until `shutdown`.
pub(crate) async fn serve(listener: TcpListener, broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream, broker.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a metrics connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => return,
        }
    }
}

async fn answer(mut stream: TcpStream, broker: Arc<Broker>) {
    let Ok(Ok(head)) = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await else { return };
    let (status, content_type, body) = route(&head, &broker);
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if stream.write_all(head.as_bytes()).await.is_ok() && stream.write_all(body.as_bytes()).await.is_ok() {
        let _ = stream.shutdown().await;
    }
}

/// Reads up to the blank line that ends the request head, at most [`MAX_HEAD`] bytes.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
}

/// The status, content type and body answering a request head.
fn route(head: &[u8], broker: &Broker) -> (&'static str, &'static str, String) {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    let (method, target, version) = (words.next(), words.next(), words.next());
    if !version.is_some_and(|v| v.starts_with("HTTP/1.")) {
        return ("400 Bad Request", "text/plain", "expected an HTTP/1.x request line\n".into());
    }
    let path = target.map(|t| t.split('?').next().unwrap_or_default());
    match (method, path) {
        (Some("GET"), Some("/metrics")) => ("200 OK", PROMETHEUS_TEXT, probe::render(broker)),
        (Some("GET"), _) => ("404 Not Found", "text/plain", "strata serves GET /metrics here\n".into()),
        _ => ("405 Method Not Allowed", "text/plain", "strata serves GET /metrics here\n".into()),
    }
}
