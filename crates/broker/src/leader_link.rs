//! A broker's own Kafka requests: their frames (to the controller through
//! the quorum's calls), and a connection to another broker's client
//! listener, one request at a time: a follower's to its leader, as Kafka's
//! replica fetcher keeps; and, from a pool of [`Links`] kept open between
//! calls, the transaction coordinator's to the leaders of its transactions'
//! partitions and a leader's to the coordinator verifying a transaction.

use std::collections::{BTreeMap, HashMap};
use std::os::fd::AsRawFd;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use strata_protocol::frame::{decode_response, encode_request, frame_size};
use strata_protocol::generated::RequestHeader;
use strata_protocol::{RequestBody, ResponseBody};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::broker::Broker;

/// How long connecting to another broker may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest response a leader's answer may be.
const MAX_RESPONSE: usize = 256 << 20;
/// Idle links kept per broker in [`Links`].
const IDLE_LINKS: usize = 4;

/// A request frame from broker `node` (header and body; `prefixed` keeps the
/// size prefix).
pub(crate) fn request_frame(
    node: i32,
    body: &RequestBody,
    version: i16,
    correlation_id: i32,
    prefixed: bool,
) -> Result<Bytes, String> {
    let header = RequestHeader {
        request_api_key: body.api_key() as i16,
        request_api_version: version,
        correlation_id,
        client_id: Some(format!("strata-broker-{node}")),
        ..Default::default()
    };
    let mut frame = BytesMut::new();
    encode_request(&header, body, &mut frame).map_err(|e| e.to_string())?;
    let frame = frame.freeze();
    Ok(if prefixed { frame } else { frame.slice(4..) })
}

/// `partitions` grouped by topic, in topic order, as requests to other
/// brokers name them.
pub(crate) fn by_topic<'a>(partitions: impl IntoIterator<Item = &'a (String, i32)>) -> BTreeMap<&'a str, Vec<i32>> {
    let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (topic, index) in partitions {
        topics.entry(topic).or_default().push(*index);
    }
    topics
}

/// A connection to another broker's client listener.
#[derive(Debug)]
pub(crate) struct LeaderLink {
    node: i32,
    stream: BufReader<TcpStream>,
    correlation_id: i32,
}

impl LeaderLink {
    /// Connects to `address` within `timeout`, as broker `node`.
    pub(crate) async fn connect(node: i32, address: &str, timeout: Duration) -> Result<LeaderLink, String> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(address))
            .await
            .map_err(|_| format!("connecting to {address} timed out"))?
            .map_err(|e| format!("cannot connect to {address}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(LeaderLink { node, stream: BufReader::new(stream), correlation_id: 0 })
    }

    /// Connects to broker `id`'s client listener, as registered in the
    /// current metadata image.
    pub(crate) async fn to_broker(broker: &Broker, id: i32) -> Result<LeaderLink, String> {
        let image = broker.image();
        let b = image.broker(id).ok_or_else(|| format!("broker {id} is not registered"))?;
        LeaderLink::connect(broker.config.node_id, &format!("{}:{}", b.host, b.port), CONNECT_TIMEOUT).await
    }

    /// The broker this link speaks for.
    pub(crate) fn node(&self) -> i32 {
        self.node
    }

    /// Sends a request and reads its response within `timeout`.
    pub(crate) async fn call(
        &mut self,
        body: &RequestBody,
        version: i16,
        timeout: Duration,
    ) -> Result<ResponseBody, String> {
        self.correlation_id = self.correlation_id.wrapping_add(1);
        let frame = request_frame(self.node, body, version, self.correlation_id, true)?;
        let exchange = async {
            self.stream.get_mut().write_all(&frame).await?;
            let mut prefix = [0u8; 4];
            self.stream.read_exact(&mut prefix).await?;
            let size = frame_size(prefix, MAX_RESPONSE).map_err(std::io::Error::other)?;
            // A follower's fetch answers run to megabytes: read with few
            // wake-ups (SO_RCVLOWAT) and without zeroing, as the client does.
            let socket = self.stream.get_ref().as_raw_fd();
            strata_net::read_body(&mut self.stream, socket, size).await
        };
        let response = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| "the leader did not answer in time".to_string())?
            .map_err(|e| e.to_string())?;
        let (header, body) = decode_response(body.api_key(), version, response).map_err(|e| e.to_string())?;
        if header.correlation_id != self.correlation_id {
            return Err(format!("a response to request {} came for {}", header.correlation_id, self.correlation_id));
        }
        Ok(body)
    }
}

/// Links to other brokers, kept open while idle, by broker id.
#[derive(Debug, Default)]
pub(crate) struct Links(Mutex<HashMap<i32, Vec<LeaderLink>>>);

impl Links {
    fn idle(&self) -> MutexGuard<'_, HashMap<i32, Vec<LeaderLink>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a request to broker `id` over an idle link (or a new one) and
    /// reads its response within `timeout`; a link that answered is kept
    /// for the next call.
    pub(crate) async fn call(
        &self,
        broker: &Broker,
        id: i32,
        body: &RequestBody,
        version: i16,
        timeout: Duration,
    ) -> Result<ResponseBody, String> {
        let idle = self.idle().get_mut(&id).and_then(Vec::pop);
        let mut link = match idle {
            Some(link) => link,
            None => LeaderLink::to_broker(broker, id).await?,
        };
        let answer = link.call(body, version, timeout).await?;
        let mut idle = self.idle();
        let links = idle.entry(id).or_default();
        if links.len() < IDLE_LINKS {
            links.push(link);
        }
        Ok(answer)
    }
}
