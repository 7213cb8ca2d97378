//! One TCP connection to one broker: version negotiation, pipelined
//! requests, responses matched to requests in order.
//!
//! Invariants:
//! * Kafka answers the requests of a connection in the order they were
//!   sent, so the pending answers form a FIFO queue; a response whose
//!   correlation id is not the oldest pending one breaks the connection.
//! * A request is queued as pending before its bytes are written, under the
//!   same lock, so the reader can never see an answer it does not expect.
//! * A response's size prefix is checked against [`MAX_RESPONSE`] before its
//!   body is allocated.
//! * Once broken (I/O error, bad frame, a timed-out request), a connection is
//!   never used again: every pending request fails with
//!   [`Error::Disconnected`] and the pool dials a new one.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use strata_protocol::codec::Reader;
use strata_protocol::frame::{request_header_version, response_header_version};
use strata_protocol::generated::{ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader};
use strata_protocol::generated::{ProduceRequest, ProduceResponse};
use strata_protocol::{decode_message, encode_message, Message, Request, Struct, VersionRange};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::produce_request::{self, OutOfLine};

/// The largest response frame accepted (a fetch answer is bounded by
/// `fetch.max.bytes`, 50 MiB by default, plus its framing).
pub(crate) const MAX_RESPONSE: usize = 256 * 1024 * 1024;

type Reply = oneshot::Sender<Result<Bytes>>;

/// A connection to one broker.
#[derive(Debug)]
pub(crate) struct Connection {
    address: String,
    client_id: Arc<str>,
    timeout: Duration,
    writer: tokio::sync::Mutex<Writer>,
    pending: Arc<Mutex<VecDeque<(i32, Reply)>>>,
    correlation: AtomicI32,
    broken: Arc<AtomicBool>,
    versions: Vec<Option<VersionRange>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Connection {
    /// Dials `address` and asks the broker which API versions it serves.
    pub(crate) async fn open(address: &str, client_id: Arc<str>, timeout: Duration) -> Result<Connection> {
        let unreachable = |reason: String| Error::Unreachable { address: address.to_string(), reason: reason.into() };
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
            Err(_) => return Err(unreachable("connection timed out".into())),
            Ok(Err(e)) => return Err(unreachable(e.to_string())),
            Ok(Ok(s)) => s,
        };
        stream.set_nodelay(true).map_err(|e| unreachable(e.to_string()))?;
        let (read, write) = stream.into_split();
        let pending = Arc::new(Mutex::new(VecDeque::new()));
        let broken = Arc::new(AtomicBool::new(false));
        let reader = tokio::spawn(read_responses(read, pending.clone(), broken.clone(), address.to_string()));
        let mut conn = Connection {
            address: address.to_string(),
            client_id,
            timeout,
            writer: tokio::sync::Mutex::new(Writer { socket: write, frame: BytesMut::new() }),
            pending,
            correlation: AtomicI32::new(0),
            broken,
            versions: Vec::new(),
            reader,
        };
        conn.versions = conn.negotiate().await?;
        Ok(conn)
    }

    /// True once the connection failed; it must not be used again.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Relaxed)
    }

    /// How many requests await their answer.
    pub(crate) fn in_flight(&self) -> usize {
        self.pending.lock().map_or(0, |p| p.len())
    }

    /// ApiVersions v3, falling back to v0 when the broker is older (it then
    /// answers UNSUPPORTED_VERSION in the v0 format, with its versions).
    async fn negotiate(&self) -> Result<Vec<Option<VersionRange>>> {
        let request = ApiVersionsRequest {
            client_software_name: "strata-client".into(),
            client_software_version: env!("CARGO_PKG_VERSION").into(),
            ..Default::default()
        };
        let mut response: ApiVersionsResponse = self.call_at(&request, 3).await?;
        if response.error_code == strata_protocol::ErrorCode::UNSUPPORTED_VERSION.code() {
            response = self.call_at(&request, 0).await?;
        }
        crate::error::check(response.error_code, Some("ApiVersions"))?;
        let mut versions = vec![None; 128];
        for api in response.api_keys {
            if let Some(slot) = usize::try_from(api.api_key).ok().and_then(|k| versions.get_mut(k)) {
                *slot = Some(VersionRange::new(api.min_version, api.max_version));
            }
        }
        Ok(versions)
    }

    /// The highest version of `R` that both sides speak, at most `cap`.
    pub(crate) fn version<R: Request>(&self, cap: i16) -> Result<i16> {
        let broker = self.versions.get(R::KEY as usize).copied().flatten();
        let ours = R::VERSIONS;
        let theirs = <R::Response as Message>::VERSIONS;
        let unsupported = || Error::UnsupportedVersion { api: R::KEY.name(), address: self.address.clone() };
        let broker = broker.ok_or_else(unsupported)?;
        let max = broker.max.min(ours.max).min(theirs.max).min(cap);
        let min = broker.min.max(ours.min).max(theirs.min);
        if min > max {
            return Err(unsupported());
        }
        Ok(max)
    }

    /// Sends `request` at the highest common version, at most `cap`, and awaits its response.
    pub(crate) async fn call_capped<R: Request>(&self, request: &R, cap: i16) -> Result<R::Response> {
        let version = self.version::<R>(cap)?;
        self.call_at(request, version).await
    }

    /// Sends `request` at `version` and decodes its response.
    pub(crate) async fn call_at<R: Request>(&self, request: &R, version: i16) -> Result<R::Response> {
        self.start(request, version).await?.await
    }

    /// Writes `request` at `version` and returns, without waiting for the
    /// answer, a future of its response: requests started one after the
    /// other on a connection go out in that order.
    pub(crate) async fn start<R: Request>(
        &self,
        request: &R,
        version: i16,
    ) -> Result<impl std::future::Future<Output = Result<R::Response>> + Send + 'static> {
        self.start_timed(request, version, self.timeout).await
    }

    /// As [`Connection::call_capped`], waiting `timeout` instead of
    /// `request.timeout.ms` (a JoinGroup may wait a whole rebalance).
    pub(crate) async fn call_timed<R: Request>(&self, request: &R, cap: i16, timeout: Duration) -> Result<R::Response> {
        let version = self.version::<R>(cap)?;
        self.start_timed(request, version, timeout).await?.await
    }

    async fn start_timed<R: Request>(
        &self,
        request: &R,
        version: i16,
        timeout: Duration,
    ) -> Result<impl std::future::Future<Output = Result<R::Response>> + Send + 'static> {
        let body = |frame: &mut BytesMut| encode_message(request, frame, version).map(|()| Vec::new());
        let rx = self.send_encoded::<R>(version, true, body).await?.expect("a reply was asked for");
        Ok(self.answer::<R>(rx, version, timeout))
    }

    /// Writes a Produce request with each batch sent from its own buffer
    /// (versions 3 to 11); the future of its answer, or `None` with acks=0.
    pub(crate) async fn produce(
        &self,
        request: &ProduceRequest,
        version: i16,
    ) -> Result<Option<impl std::future::Future<Output = Result<ProduceResponse>> + Send + 'static>> {
        if !produce_request::VERSIONS.contains(&version) {
            return Err(Error::UnsupportedVersion { api: "Produce", address: self.address.clone() });
        }
        let body = |frame: &mut BytesMut| produce_request::encode_body(request, version, frame);
        let rx = self.send_encoded::<ProduceRequest>(version, request.acks != 0, body).await?;
        Ok(rx.map(|rx| self.answer::<ProduceRequest>(rx, version, self.timeout)))
    }

    /// The future of the answer that `rx` will carry, decoded as `R`'s response.
    fn answer<R: Request>(
        &self,
        rx: oneshot::Receiver<Result<Bytes>>,
        version: i16,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Result<R::Response>> + Send + 'static {
        let (pending, broken, address) = (self.pending.clone(), self.broken.clone(), self.address.clone());
        async move {
            let bytes = match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(result)) => result?,
                Ok(Err(_)) => {
                    return Err(Error::Disconnected { address, reason: "connection closed".into() });
                }
                Err(_) => {
                    fail_all(&pending, &broken, &address, "request timed out");
                    return Err(Error::Timeout { api: R::KEY.name(), address });
                }
            };
            decode::<R>(bytes, version)
        }
    }

    /// Sends a request of type `R` whose body `body` encodes into the frame,
    /// returning the records it left out of it; they are written in place.
    async fn send_encoded<R: Request>(
        &self,
        version: i16,
        reply: bool,
        body: impl FnOnce(&mut BytesMut) -> std::result::Result<OutOfLine, strata_protocol::EncodeError>,
    ) -> Result<Option<oneshot::Receiver<Result<Bytes>>>> {
        let mut writer = self.writer.lock().await;
        if self.is_broken() {
            return Err(self.disconnected("connection is broken"));
        }
        let correlation = self.correlation.fetch_add(1, Ordering::Relaxed);
        let header = RequestHeader {
            request_api_key: R::KEY as i16,
            request_api_version: version,
            correlation_id: correlation,
            client_id: Some(self.client_id.to_string()),
            ..Default::default()
        };
        let Writer { socket, frame } = &mut *writer;
        frame.clear();
        frame.put_i32(0);
        let unencodable =
            |e: strata_protocol::EncodeError| Error::invalid(format!("cannot encode {} v{version}: {e}", R::NAME));
        header.encode(frame, request_header_version(R::KEY, version)).map_err(unencodable)?;
        let records = body(frame).map_err(unencodable)?;
        let size = frame.len() - 4 + records.iter().map(|(_, r)| r.len()).sum::<usize>();
        let len = i32::try_from(size).map_err(|_| Error::invalid("request larger than 2 GiB"))?;
        frame[..4].copy_from_slice(&len.to_be_bytes());
        let rx = reply.then(|| {
            let (tx, rx) = oneshot::channel();
            self.pending.lock().expect("pending lock").push_back((correlation, tx));
            rx
        });
        let written = write_frame(socket, frame, &records).await;
        if frame.capacity() > MAX_KEPT_FRAME {
            *frame = BytesMut::new();
        }
        if let Err(e) = written {
            self.fail_all(&e.to_string());
            return Err(self.disconnected(&e.to_string()));
        }
        Ok(rx)
    }

    fn disconnected(&self, reason: &str) -> Error {
        Error::Disconnected { address: self.address.clone(), reason: reason.into() }
    }

    fn fail_all(&self, reason: &str) {
        fail_all(&self.pending, &self.broken, &self.address, reason);
    }
}

fn malformed(e: impl std::fmt::Display) -> Error {
    Error::Malformed(e.to_string().into())
}

/// Decodes a response frame (after its size prefix) to `R` at `version`.
fn decode<R: Request>(bytes: Bytes, version: i16) -> Result<R::Response> {
    let mut reader = Reader::new(bytes);
    ResponseHeader::decode(&mut reader, response_header_version(R::KEY, version)).map_err(malformed)?;
    decode_message::<R::Response>(&mut reader, version).map_err(malformed)
}

fn fail_all(pending: &Mutex<VecDeque<(i32, Reply)>>, broken: &AtomicBool, address: &str, reason: &str) {
    broken.store(true, Ordering::Relaxed);
    for (_, reply) in pending.lock().expect("pending lock").drain(..) {
        let _ = reply.send(Err(Error::Disconnected { address: address.to_string(), reason: reason.into() }));
    }
}

/// The sending half of a connection, with the buffer each request is
/// encoded into: kept between requests, so a 1 MiB Produce is not encoded
/// into a buffer grown by doubling from nothing (copied again at each
/// step) every time.
#[derive(Debug)]
struct Writer {
    socket: OwnedWriteHalf,
    frame: BytesMut,
}

/// Writes `frame` with `records` in their places, in as few system calls as
/// the socket takes them.
async fn write_frame(socket: &mut OwnedWriteHalf, frame: &[u8], records: &OutOfLine) -> std::io::Result<()> {
    if records.is_empty() {
        return socket.write_all(frame).await;
    }
    let mut slices = Vec::with_capacity(2 * records.len() + 1);
    let mut at = 0;
    for (offset, bytes) in records {
        slices.push(IoSlice::new(&frame[at..*offset]));
        slices.push(IoSlice::new(bytes));
        at = *offset;
    }
    slices.push(IoSlice::new(&frame[at..]));
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        match socket.write_vectored(slices).await? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => IoSlice::advance_slices(&mut slices, n),
        }
    }
    Ok(())
}

/// The largest encoding buffer a connection keeps after a request.
const MAX_KEPT_FRAME: usize = 8 * 1024 * 1024;

/// Reads response frames and hands each to the oldest pending request.
async fn read_responses(
    read: OwnedReadHalf,
    pending: Arc<Mutex<VecDeque<(i32, Reply)>>>,
    broken: Arc<AtomicBool>,
    address: String,
) {
    let mut read = BufReader::with_capacity(64 * 1024, read);
    let reason = loop {
        let frame = match read_frame(&mut read).await {
            Ok(frame) => frame,
            Err(reason) => break reason,
        };
        let Some(correlation) = frame.get(..4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]])) else {
            break "response shorter than its header".to_string();
        };
        let Some((expected, reply)) = pending.lock().expect("pending lock").pop_front() else {
            break format!("unexpected response with correlation id {correlation}");
        };
        if expected != correlation {
            let reason = format!("response to correlation id {correlation} where {expected} was expected");
            let _ = reply.send(Err(Error::Disconnected { address: address.clone(), reason: reason.as_str().into() }));
            break reason;
        }
        let _ = reply.send(Ok(frame));
    };
    fail_all(&pending, &broken, &address, &reason);
}

async fn read_frame(read: &mut BufReader<OwnedReadHalf>) -> Result<Bytes, String> {
    let size = match read.read_i32().await {
        Ok(size) => size,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err("closed by the broker".into()),
        Err(e) => return Err(e.to_string()),
    };
    let size = usize::try_from(size).map_err(|_| format!("negative response size {size}"))?;
    if size > MAX_RESPONSE {
        return Err(format!("response of {size} bytes exceeds the limit of {MAX_RESPONSE}"));
    }
    // Few wake-ups per large answer (SO_RCVLOWAT), no zeroing: strata-net.
    let socket = read.get_ref().as_ref().as_raw_fd();
    strata_net::read_body(read, socket, size).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "closed by the broker mid-response".to_string(),
        _ => e.to_string(),
    })
}
