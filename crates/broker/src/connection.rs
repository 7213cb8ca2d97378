//! One client connection: a reader that takes frames off the socket and runs
//! each request's ordered part, and a writer that awaits each reply in
//! request order and writes it.
//!
//! ```text
//! socket ─▶ read frame ─▶ dispatch (ordered part: appends, metadata changes)
//!                              │ reply future (long-poll fetch, fsync wait)
//!                              ▼
//!                   bounded queue, request order ─▶ writer ─▶ socket
//! ```
//!
//! Invariants: responses leave in request order; requests start in request
//! order, so appends from one connection land in the order sent; at most
//! [`MAX_QUEUED`] replies wait per connection, so a client that never reads
//! stops being read instead of growing the broker's memory; a frame's bytes
//! are counted against queued.max.request.bytes before its body is read.

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use strata_protocol::frame::frame_size;
use strata_protocol::ApiKey;
use tokio::io::{AsyncReadExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};

use crate::broker::Broker;
use crate::handlers::{self, Dispatched, Reply};
use crate::response;

/// Bytes buffered from the socket per connection (headers and small requests).
const READ_BUFFER: usize = 8 * 1024;

/// Replies waiting for the writer, per connection.
pub(crate) const MAX_QUEUED: usize = 64;

/// Limits every connection shares.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// socket.request.max.bytes.
    pub(crate) max_request: usize,
    /// connections.max.idle.ms.
    pub(crate) idle: Duration,
    /// queued.max.request.bytes, as permits of one byte.
    pub(crate) request_memory: Arc<Semaphore>,
    /// The pool's size (a larger frame takes the whole pool).
    pub(crate) request_memory_total: usize,
}

/// A request's API and when it was read, for the metrics (none for an
/// unknown API, which closes the connection).
type Timed = Option<(ApiKey, Instant)>;

/// Why a connection ended.
enum End {
    Closed,
    Idle,
    Shutdown,
    /// The socket failed (a reset, say): the client's doing, logged quietly.
    Lost(std::io::Error),
    Refused(String),
}

/// Serves one connection until the client closes it, it misbehaves, it idles
/// out, or the broker shuts down; in-flight replies are written first.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    broker: Arc<Broker>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let (rd, mut wr) = stream.into_split();
    // Small: every connection holds one, and bodies larger than it bypass it.
    let mut rd = BufReader::with_capacity(READ_BUFFER, rd);
    let (tx, mut rx) = mpsc::channel::<(Reply, Timed)>(MAX_QUEUED);
    let probe = broker.clone();
    let writer = tokio::spawn(async move {
        while let Some((reply, timed)) = rx.recv().await {
            if let Some(response) = reply.await {
                response::write(&mut wr, response).await?;
            }
            if let Some((key, read)) = timed {
                probe.probe.request_done(key, read.elapsed());
            }
        }
        Ok::<_, std::io::Error>(())
    });
    let end = loop {
        let frame = tokio::select! {
            frame = read_frame(&mut rd, &limits) => frame,
            _ = shutdown.changed() => break End::Shutdown,
        };
        let (bytes, permit) = match frame {
            Ok(Some(f)) => f,
            Ok(None) => break End::Closed,
            Err(end) => break end,
        };
        let read = Instant::now();
        let (dispatched, key) = handlers::dispatch(&broker, peer, bytes).await;
        let timed = key.map(|key| (key, read));
        drop(permit);
        match dispatched {
            Dispatched::Reply(reply) => {
                if tx.send((reply, timed)).await.is_err() {
                    break End::Closed;
                }
            }
            Dispatched::Close(reason) => break End::Refused(reason),
        }
    };
    match &end {
        End::Refused(reason) => tracing::warn!(%peer, %reason, "closing connection"),
        End::Idle => tracing::debug!(%peer, "closing idle connection"),
        End::Lost(e) => tracing::debug!(%peer, error = %e, "connection lost"),
        End::Closed | End::Shutdown => tracing::debug!(%peer, "connection closed"),
    }
    drop(tx);
    if !matches!(end, End::Refused(_)) {
        if let Ok(Err(e)) = writer.await {
            tracing::debug!(%peer, error = %e, "writing responses failed");
        }
    } else {
        writer.abort();
    }
}

/// Reads one frame (without its size prefix), holding its bytes' worth of
/// the request memory pool. `Ok(None)` on a clean end of stream.
async fn read_frame(
    rd: &mut BufReader<OwnedReadHalf>,
    limits: &Limits,
) -> Result<Option<(Bytes, OwnedSemaphorePermit)>, End> {
    let mut prefix = [0u8; 4];
    match tokio::time::timeout(limits.idle, rd.read_exact(&mut prefix)).await {
        Err(_) => return Err(End::Idle),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Ok(Err(e)) => return Err(End::Lost(e)),
        Ok(Ok(_)) => {}
    }
    let size =
        frame_size(prefix, limits.max_request).map_err(|e| End::Refused(format!("{e} (socket.request.max.bytes)")))?;
    let permits = size.clamp(1, limits.request_memory_total) as u32;
    let permit = limits.request_memory.clone().acquire_many_owned(permits).await.map_err(|_| End::Shutdown)?;
    // A large request (a producer's megabyte of batches) wakes this task a
    // few times rather than once per arriving segment (strata-net).
    let socket = rd.get_ref().as_ref().as_raw_fd();
    match tokio::time::timeout(limits.idle, strata_net::read_body(rd, socket, size)).await {
        Err(_) => Err(End::Refused(format!("a {size}-byte request did not arrive within connections.max.idle.ms"))),
        Ok(Err(e)) => Err(End::Refused(format!("connection ended inside a {size}-byte request: {e}"))),
        Ok(Ok(body)) => Ok(Some((body, permit))),
    }
}
