//! The peer transport on the controller listener: Raft's three RPCs
//! between voters (and from the leader to learners), a broker-only node's
//! request to join as a learner, and opaque calls from any node to the
//! active controller (the broker puts Kafka request frames in them).
//!
//! Each message is one frame: a 4-byte big-endian length, then the
//! postcard encoding of a [`PeerRequest`] or [`PeerResponse`]. A connection
//! carries one request at a time; a frame over [`MAX_FRAME`] or one that does
//! not decode closes the connection.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use openraft::error::{InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse, VoteRequest,
    VoteResponse,
};
use openraft::{BasicNode, ChangeMembers, Raft};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::TypeConfig;

/// The largest frame either side accepts (a snapshot chunk is 3 MiB by default).
pub(crate) const MAX_FRAME: usize = 64 << 20;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves a call from another node: request bytes in, response bytes out.
pub type CallHandler = Arc<dyn Fn(Bytes) -> Pin<Box<dyn Future<Output = Result<Bytes, String>> + Send>> + Send + Sync>;

/// A request between nodes.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum PeerRequest {
    Vote(VoteRequest<u64>),
    Append(AppendEntriesRequest<TypeConfig>),
    Snapshot(InstallSnapshotRequest<TypeConfig>),
    Call(#[serde(with = "serde_bytes")] Vec<u8>),
    /// A broker-only node asks to receive the metadata log, as a learner.
    Join {
        id: u64,
        addr: String,
    },
}

/// The answer to a [`PeerRequest`] of the same kind.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum PeerResponse {
    Vote(Result<VoteResponse<u64>, RaftError<u64>>),
    Append(Result<AppendEntriesResponse<u64>, RaftError<u64>>),
    Snapshot(Result<InstallSnapshotResponse<u64>, RaftError<u64, InstallSnapshotError>>),
    Call(Result<serde_bytes::ByteBuf, String>),
    Join(Result<(), String>),
}

async fn write_frame(stream: &mut TcpStream, message: &impl Serialize) -> std::io::Result<()> {
    let body = postcard::to_stdvec(message).map_err(std::io::Error::other)?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    stream.write_all(&frame).await
}

async fn read_frame<T: for<'de> Deserialize<'de>>(stream: &mut TcpStream) -> std::io::Result<T> {
    let len = stream.read_u32().await? as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("a {len}-byte frame")));
    }
    let mut body = vec![0; len];
    stream.read_exact(&mut body).await?;
    postcard::from_bytes(&body).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// One connection to another node, made on first use and after a failure.
#[derive(Debug)]
pub(crate) struct Peer {
    addr: String,
    stream: Option<TcpStream>,
}

impl Peer {
    pub(crate) fn new(addr: String) -> Peer {
        Peer { addr, stream: None }
    }

    /// Sends `request` and waits at most `timeout` for its answer.
    pub(crate) async fn request(&mut self, request: &PeerRequest, timeout: Duration) -> std::io::Result<PeerResponse> {
        let result = tokio::time::timeout(timeout, self.exchange(request)).await;
        let result = result.unwrap_or_else(|_| Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out")));
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    async fn exchange(&mut self, request: &PeerRequest) -> std::io::Result<PeerResponse> {
        if self.stream.is_none() {
            let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.addr))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
        }
        let stream = self.stream.as_mut().expect("connected above");
        write_frame(stream, request).await?;
        read_frame(stream).await
    }
}

/// Makes a [`Link`] per target for openraft.
#[derive(Debug, Clone, Default)]
pub(crate) struct Network;

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Link;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> Link {
        Link { target, peer: Peer::new(node.addr.clone()) }
    }
}

/// openraft's connection to one target.
#[derive(Debug)]
pub(crate) struct Link {
    target: u64,
    peer: Peer,
}

type RpcResult<T, E = openraft::error::Infallible> = Result<T, RPCError<u64, BasicNode, RaftError<u64, E>>>;

impl Link {
    async fn send<T, E: std::error::Error>(
        &mut self,
        request: PeerRequest,
        option: &RPCOption,
        unpack: impl FnOnce(PeerResponse) -> Option<Result<T, RaftError<u64, E>>>,
    ) -> RpcResult<T, E> {
        let response = self.peer.request(&request, option.hard_ttl()).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => RPCError::Network(NetworkError::new(&e)),
            _ => RPCError::Unreachable(Unreachable::new(&e)),
        })?;
        let mismatch = std::io::Error::new(std::io::ErrorKind::InvalidData, "an answer of another kind");
        match unpack(response) {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            None => Err(RPCError::Network(NetworkError::new(&mismatch))),
        }
    }
}

impl RaftNetwork<TypeConfig> for Link {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<AppendEntriesResponse<u64>> {
        self.send(PeerRequest::Append(rpc), &option, |r| match r {
            PeerResponse::Append(r) => Some(r),
            _ => None,
        })
        .await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<InstallSnapshotResponse<u64>, InstallSnapshotError> {
        self.send(PeerRequest::Snapshot(rpc), &option, |r| match r {
            PeerResponse::Snapshot(r) => Some(r),
            _ => None,
        })
        .await
    }

    async fn vote(&mut self, rpc: VoteRequest<u64>, option: RPCOption) -> RpcResult<VoteResponse<u64>> {
        self.send(PeerRequest::Vote(rpc), &option, |r| match r {
            PeerResponse::Vote(r) => Some(r),
            _ => None,
        })
        .await
    }
}

/// Serves the controller listener until `stop` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    raft: Raft<TypeConfig>,
    calls: Arc<OnceLock<CallHandler>>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let (raft, calls, stop) = (raft.clone(), calls.clone(), stop.clone());
                    tokio::spawn(async move {
                        if let Err(e) = serve_connection(stream, raft, calls, stop).await {
                            tracing::debug!(%peer, error = %e, "peer connection closed");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept on the controller listener failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = stop.changed() => return,
        }
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    raft: Raft<TypeConfig>,
    calls: Arc<OnceLock<CallHandler>>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    loop {
        let request: PeerRequest = tokio::select! {
            r = read_frame(&mut stream) => r?,
            _ = stop.changed() => return Ok(()),
        };
        let response = match request {
            PeerRequest::Vote(r) => PeerResponse::Vote(raft.vote(r).await),
            PeerRequest::Append(r) => PeerResponse::Append(raft.append_entries(r).await),
            PeerRequest::Snapshot(r) => PeerResponse::Snapshot(raft.install_snapshot(r).await),
            PeerRequest::Call(bytes) => PeerResponse::Call(match calls.get() {
                Some(handler) => handler(Bytes::from(bytes)).await.map(|b| serde_bytes::ByteBuf::from(b.to_vec())),
                None => Err("this node is still starting".to_string()),
            }),
            PeerRequest::Join { id, addr } => PeerResponse::Join(add_learner(&raft, id, addr).await),
        };
        write_frame(&mut stream, &response).await?;
    }
}

/// On the leader, adds node `id` at `addr` as a learner: it receives the
/// metadata log but does not vote. Joining again at the same address
/// changes nothing; joining at another one (the node restarted on a new
/// host or port) moves it there, which for a learner is safe: it has no
/// vote to split. A voter cannot join as a learner.
async fn add_learner(raft: &Raft<TypeConfig>, id: u64, addr: String) -> Result<(), String> {
    let metrics = raft.metrics().borrow().clone();
    if metrics.current_leader != Some(metrics.id) {
        return Err("this controller is not the leader".into());
    }
    let membership = metrics.membership_config.membership();
    if membership.voter_ids().any(|v| v == id) {
        return Err(format!("node {id} is a voter"));
    }
    let result = match membership.get_node(&id) {
        Some(n) if n.addr == addr => return Ok(()),
        Some(n) => {
            tracing::info!(node = id, from = %n.addr, to = %addr, "a learner of the metadata quorum moves");
            let moved = BTreeMap::from([(id, BasicNode::new(&addr))]);
            raft.change_membership(ChangeMembers::SetNodes(moved), false).await.map(|_| ())
        }
        None => {
            tracing::info!(node = id, %addr, "a broker-only node joins the metadata quorum as a learner");
            raft.add_learner(id, BasicNode::new(&addr), false).await.map(|_| ())
        }
    };
    result.map_err(|e| e.to_string())
}
