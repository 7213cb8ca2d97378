//! strata-quorum: the cluster's metadata log, replicated by Raft (layer L2).
//!
//! The controllers (the voters) replicate the metadata log with
//! [openraft](https://docs.rs/openraft); every node applies the committed
//! entries, in order, into a [`MetadataImage`] and publishes each new image
//! ([`Quorum::subscribe`]). Changes are proposed only by the leader, the
//! active controller: [`Quorum::write`] decides against the image as of
//! everything committed and proposes the records the decision returns.
//!
//! * `entry`: a Raft entry as one record batch of `__cluster_metadata-0`.
//! * `log_store`: openraft's log storage on a strata-storage log, plus the
//!   `quorum-state` file (vote, committed and purged log ids).
//! * `state_machine`: the image, and snapshots of it as metadata records.
//! * `network`: the peer transport on the controller listener: Raft's RPCs,
//!   and calls from any node to the active controller.

mod entry;
mod log_store;
mod network;
mod state_machine;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use openraft::error::{CheckIsLeaderError, ClientWriteError, RaftError};
use openraft::{BasicNode, Raft, ServerState, SnapshotPolicy};
use serde::{Deserialize, Serialize};
use strata_metadata::{MetadataImage, MetadataRecord};
use strata_storage::{Log, LogConfig, OpenFiles};
use tokio::sync::watch;

pub use network::CallHandler;
use network::{Network, Peer, PeerRequest, PeerResponse};

/// The directory of the metadata log within the data directory.
pub const METADATA_DIR: &str = "__cluster_metadata-0";

openraft::declare_raft_types!(
    /// openraft's types for the metadata log.
    pub TypeConfig:
        D = Change,
        R = Outcome,
        NodeId = u64,
        Node = BasicNode,
        SnapshotData = std::io::Cursor<Vec<u8>>,
);

type Entry = openraft::Entry<TypeConfig>;

/// One metadata change: records applied together, as one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Change(pub Vec<MetadataRecord>);

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let frames: Vec<serde_bytes::ByteBuf> =
            self.0.iter().map(|r| serde_bytes::ByteBuf::from(r.encode().to_vec())).collect();
        frames.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Change, D::Error> {
        let frames = Vec::<serde_bytes::ByteBuf>::deserialize(d)?;
        let records = frames
            .into_iter()
            .map(|f| MetadataRecord::decode(Bytes::from(f.into_vec())))
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom)?;
        Ok(Change(records))
    }
}

/// What applying an entry gave: `Some(reason)` if its records did not apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome(pub Option<String>);

/// The image as of a log index.
#[derive(Debug)]
pub struct Applied {
    /// The image.
    pub image: Arc<MetadataImage>,
    /// The index of the last entry applied (None before the first).
    pub index: Option<u64>,
}

/// Errors of the quorum.
#[derive(Debug, thiserror::Error)]
pub enum QuorumError {
    /// The metadata log or a snapshot does not read back.
    #[error("{0}")]
    Corrupt(String),
    /// Starting failed.
    #[error("{0}")]
    Startup(String),
    /// This node is not the active controller; the leader, if known.
    #[error("this node is not the active controller")]
    NotLeader(Option<u64>),
    /// No controller is active right now.
    #[error("no active controller")]
    NoLeader,
    /// The change was proposed but did not apply, or Raft failed.
    #[error("{0}")]
    Failed(String),
}

/// How long a leader waits for the entries of its log to apply before it
/// decides a change; past it, it acts as if no controller were active.
const UNAPPLIED_WAIT: Duration = Duration::from_secs(10);

/// How to run this node's part of the quorum.
#[derive(Debug, Clone)]
pub struct QuorumConfig {
    /// This node's id.
    pub node_id: u64,
    /// The voters: node id → controller address.
    pub voters: BTreeMap<u64, String>,
    /// The controller listener to bind; None when this node is the only voter.
    pub listen: Option<String>,
    /// The data directory; the log is `METADATA_DIR` within it.
    pub data_dir: PathBuf,
    /// controller.quorum.election.timeout.ms.
    pub election_timeout_ms: u64,
    /// A snapshot is taken after this many entries (and the log before it,
    /// but for the last half of that many entries, is purged).
    pub snapshot_after_entries: u64,
}

/// This node's part of the quorum.
pub struct Quorum {
    node_id: u64,
    raft: Raft<TypeConfig>,
    log: Arc<Log>,
    applied: watch::Receiver<Arc<Applied>>,
    writes: tokio::sync::Mutex<()>,
    calls: Arc<OnceLock<CallHandler>>,
    peers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Peer>>>>,
    local_addr: Option<std::net::SocketAddr>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Quorum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quorum").field("node_id", &self.node_id).field("local_addr", &self.local_addr).finish()
    }
}

/// Where the quorum stands, for DescribeQuorum.
#[derive(Debug, Clone)]
pub struct QuorumStatus {
    /// The leader, if known.
    pub leader: Option<u64>,
    /// The current term (Kafka's leader epoch of the metadata log).
    pub term: u64,
    /// The index after the last committed entry (the high watermark).
    pub high_watermark: i64,
    /// Each voter with the end of its log as the leader knows it (-1 if unknown).
    pub voters: Vec<(u64, i64)>,
    /// Each learner (a broker-only node), likewise.
    pub observers: Vec<(u64, i64)>,
}

impl Quorum {
    /// Opens the metadata log, starts Raft, binds the controller listener,
    /// and forms the quorum on first start. Returns once everything that was
    /// committed before the last stop is applied again (or after 30 s).
    pub async fn start(config: QuorumConfig, files: Arc<OpenFiles>) -> Result<Quorum, QuorumError> {
        let dir = config.data_dir.join(METADATA_DIR);
        let log_config = LogConfig { retention_ms: -1, segment_bytes: 16 << 20, ..LogConfig::default() };
        let log = Log::open(&dir, log_config, now_ms(), files).map_err(|e| QuorumError::Startup(e.to_string()))?;
        let log = Arc::new(log);
        if !dir.join(log_store::STATE_FILE).exists() && log.log_end_offset() > 0 {
            return Err(QuorumError::Startup(format!(
                "{} was written by a strata without a Raft quorum; start from an empty data directory",
                dir.display()
            )));
        }
        let store = log_store::LogStore::open(log.clone()).map_err(|e| QuorumError::Startup(e.to_string()))?;
        let committed = store.state().committed.map(|c| c.index);
        let (machine, applied) = state_machine::StateMachine::open(&dir).map_err(QuorumError::Startup)?;
        let raft_config = raft_config(&config)?;
        let raft = Raft::new(config.node_id, raft_config, Network, store, machine)
            .await
            .map_err(|e| QuorumError::Startup(e.to_string()))?;
        let calls = Arc::new(OnceLock::new());
        let (stop, stopped) = watch::channel(false);
        let mut local_addr = None;
        if let Some(listen) = &config.listen {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| QuorumError::Startup(format!("controller listener {listen}: {e}")))?;
            local_addr = listener.local_addr().ok();
            tokio::spawn(network::serve(listener, raft.clone(), calls.clone(), stopped));
        }
        let quorum = Quorum {
            node_id: config.node_id,
            raft,
            log,
            applied,
            writes: tokio::sync::Mutex::new(()),
            calls,
            peers: Mutex::new(HashMap::new()),
            local_addr,
            stop,
        };
        quorum.form(&config).await?;
        quorum.catch_up(committed).await;
        let is_voter = config.voters.contains_key(&config.node_id);
        if config.voters.len() == 1 && is_voter {
            quorum.until_leading().await;
        }
        if !is_voter {
            tokio::spawn(join(quorum.raft.clone(), config, quorum.stop.subscribe()));
        } else if config.voters.len() > 1 {
            let election = config.election_timeout_ms.max(MIN_ELECTION_TIMEOUT_MS);
            tokio::spawn(break_election_ties(quorum.raft.clone(), election, quorum.stop.subscribe()));
        }
        Ok(quorum)
    }

    async fn form(&self, config: &QuorumConfig) -> Result<(), QuorumError> {
        let is_voter = config.voters.contains_key(&config.node_id);
        let initialized = self.raft.is_initialized().await.map_err(|e| QuorumError::Startup(e.to_string()))?;
        if is_voter && !initialized {
            let members: BTreeMap<u64, BasicNode> =
                config.voters.iter().map(|(id, addr)| (*id, BasicNode::new(addr))).collect();
            // Every voter proposes the same first entry, so whichever wins
            // agrees; a lone voter elects itself at once.
            if let Err(e) = self.raft.initialize(members).await {
                tracing::debug!(error = %e, "quorum already formed");
            }
        } else if config.voters.len() == 1 && is_voter {
            // A lone voter need not wait out an election timeout after a restart.
            let _ = self.raft.trigger().elect().await;
        }
        Ok(())
    }

    /// A lone voter leads at once: waits (up to 10 s) until it does, so that
    /// a single node serves only once it can make changes.
    async fn until_leading(&self) {
        let mut metrics = self.raft.metrics();
        let leading = metrics.wait_for(|m| m.state == ServerState::Leader && m.current_leader == Some(self.node_id));
        if tokio::time::timeout(Duration::from_secs(10), leading).await.is_err() {
            tracing::warn!("a lone controller is not leading 10 s after start; starting anyway");
        }
    }

    async fn catch_up(&self, committed: Option<u64>) {
        let Some(committed) = committed else { return };
        let mut applied = self.applied.clone();
        let wait = applied.wait_for(|a| a.index.is_some_and(|i| i >= committed));
        if tokio::time::timeout(Duration::from_secs(30), wait).await.is_err() {
            tracing::warn!(
                committed,
                "the metadata committed before the last stop is not applied yet; starting anyway"
            );
        }
    }

    /// The controller listener's address, if one is bound.
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.local_addr
    }

    /// Sets what serves calls from other nodes (once).
    pub fn serve_calls(&self, handler: CallHandler) {
        let _ = self.calls.set(handler);
    }

    /// The newest image and the index it is at.
    pub fn applied(&self) -> Arc<Applied> {
        self.applied.borrow().clone()
    }

    /// A receiver of every newly applied image.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Applied>> {
        self.applied.clone()
    }

    /// The active controller, if known.
    pub fn leader(&self) -> Option<u64> {
        self.raft.metrics().borrow().current_leader
    }

    /// Whether this node is the active controller.
    pub fn is_leader(&self) -> bool {
        let m = self.raft.metrics();
        let m = m.borrow();
        m.state == ServerState::Leader && m.current_leader == Some(self.node_id)
    }

    /// Makes one change as the active controller: waits until every entry
    /// of its log is applied (see `applied_through_last_entry`),
    /// runs `decide` on that image, and
    /// proposes its records; returns the image once they are applied.
    /// Changes are serialised, so each decision sees the ones before it.
    /// An empty decision writes nothing. `E` is the decision's refusal.
    pub async fn write<E>(
        &self,
        decide: impl FnOnce(&MetadataImage) -> Result<Vec<MetadataRecord>, E>,
    ) -> Result<Result<Arc<MetadataImage>, E>, QuorumError> {
        let _serial = self.writes.lock().await;
        self.raft.ensure_linearizable().await.map_err(|e| match e {
            RaftError::APIError(CheckIsLeaderError::ForwardToLeader(f)) => QuorumError::NotLeader(f.leader_id),
            other => QuorumError::Failed(other.to_string()),
        })?;
        let image = self.applied_through_last_entry().await?;
        let records = match decide(&image) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        if records.is_empty() {
            return Ok(Ok(image));
        }
        let response = self.raft.client_write(Change(records)).await.map_err(|e| match e {
            RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => QuorumError::NotLeader(f.leader_id),
            other => QuorumError::Failed(other.to_string()),
        })?;
        if let Some(reason) = response.data.0 {
            return Err(QuorumError::Failed(reason));
        }
        let index = response.log_id.index;
        let mut applied = self.applied.clone();
        let image = match applied.wait_for(|a| a.index.is_some_and(|i| i >= index)).await {
            Ok(done) => done.image.clone(),
            Err(_) => return Err(QuorumError::Failed("the quorum stopped".into())),
        };
        Ok(Ok(image))
    }

    /// The image once every entry of this leader's log is applied. A leader
    /// restored at start (openraft restores one whose vote was committed)
    /// may hold entries of its earlier run that are not committed yet; they
    /// are committed before any new one, so a decision that did not see them
    /// would be applied after them all the same (seen: a broker fenced on an
    /// image without the previous change, leaving a leader outside the ISR).
    /// The new term's first entry covers the same for a newly elected leader.
    async fn applied_through_last_entry(&self) -> Result<Arc<MetadataImage>, QuorumError> {
        let last = self.raft.metrics().borrow().last_log_index;
        let Some(last) = last else { return Ok(self.applied().image.clone()) };
        let mut applied = self.applied.clone();
        let caught_up =
            async { applied.wait_for(|a| a.index.is_some_and(|i| i >= last)).await.map(|a| a.image.clone()) };
        match tokio::time::timeout(UNAPPLIED_WAIT, caught_up).await {
            Ok(Ok(image)) => Ok(image),
            Ok(Err(_)) => Err(QuorumError::Failed("the quorum stopped".into())),
            Err(_) => Err(QuorumError::NoLeader),
        }
    }

    /// Sends `request` to the active controller's call handler (this node's
    /// own when it leads) and returns its answer.
    pub async fn call_leader(&self, request: Bytes, timeout: Duration) -> Result<Bytes, QuorumError> {
        let (leader, addr) = {
            let m = self.raft.metrics();
            let m = m.borrow();
            let leader = m.current_leader.ok_or(QuorumError::NoLeader)?;
            let addr = m.membership_config.membership().get_node(&leader).map(|n| n.addr.clone());
            (leader, addr)
        };
        if leader == self.node_id {
            let handler = self.calls.get().ok_or(QuorumError::NoLeader)?;
            return handler(request).await.map_err(QuorumError::Failed);
        }
        let addr = addr.ok_or(QuorumError::NoLeader)?;
        let peer = {
            let mut peers = self.peers.lock().unwrap_or_else(|p| p.into_inner());
            peers.entry(addr.clone()).or_insert_with(|| Arc::new(tokio::sync::Mutex::new(Peer::new(addr)))).clone()
        };
        let mut peer = peer.lock().await;
        match peer.request(&PeerRequest::Call(request.to_vec()), timeout).await {
            Ok(PeerResponse::Call(Ok(bytes))) => Ok(Bytes::from(bytes.into_vec())),
            Ok(PeerResponse::Call(Err(e))) => Err(QuorumError::Failed(e)),
            Ok(_) => Err(QuorumError::Failed("an answer of another kind".into())),
            Err(_) => Err(QuorumError::NoLeader),
        }
    }

    /// Where the quorum stands (for DescribeQuorum).
    pub fn status(&self) -> QuorumStatus {
        let m = self.raft.metrics();
        let m = m.borrow();
        let membership = m.membership_config.membership();
        let voters: BTreeSet<u64> = membership.voter_ids().collect();
        let learners: BTreeSet<u64> = membership.learner_ids().collect();
        let ends = m.replication.clone().unwrap_or_default();
        let own_end = m.last_log_index.map_or(0, |i| i as i64 + 1);
        let end = |id: u64| {
            if id == self.node_id {
                own_end
            } else {
                ends.get(&id).map_or(-1, |l| l.map_or(0, |l| l.index as i64 + 1))
            }
        };
        let voters = voters.into_iter().map(|id| (id, end(id))).collect();
        let observers = learners.into_iter().map(|id| (id, end(id))).collect();
        let high_watermark = m.last_applied.map_or(0, |l| l.index as i64 + 1);
        QuorumStatus { leader: m.current_leader, term: m.current_term, high_watermark, voters, observers }
    }

    /// Stops Raft and the controller listener and flushes the log.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.raft.shutdown().await {
            tracing::warn!(error = %e, "stopping Raft");
        }
        if let Err(e) = self.log.flush() {
            tracing::error!(error = %e, "flushing the metadata log");
        }
    }
}

/// The shortest election timeout used, whatever is configured.
const MIN_ELECTION_TIMEOUT_MS: u64 = 100;

/// Breaks a tie openraft 0.9 can hold forever. It draws each node's
/// election timeout once, when the node starts (0.10 draws it again for
/// every campaign). Two voters that drew timeouts a few milliseconds apart
/// therefore campaign in lockstep after they lose their leader: each votes
/// for itself, refuses the other in the same term, and times out again at
/// the same moment. The quorum test saw it in about 3% of runs (terms 3 to
/// 19, no leader, for 10 s). So while a voter knows no leader at two
/// checks in a row, it starts a campaign of its own at a random moment, in
/// a random pause of one to two election timeouts. That campaign's term is
/// higher than the other's, which grants it.
async fn break_election_ties(raft: Raft<TypeConfig>, election_ms: u64, mut stop: watch::Receiver<bool>) {
    let mut leaderless = false;
    loop {
        let pause = Duration::from_millis(election_ms + random_below(election_ms));
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return,
        }
        let no_leader = raft.metrics().borrow().current_leader.is_none();
        if no_leader && leaderless {
            tracing::debug!("no leader for two checks: campaigning at a random moment");
            if raft.trigger().elect().await.is_err() {
                return;
            }
        }
        leaderless = no_leader;
    }
}

/// A number in `0..bound` (at least 1), random enough to set voters apart.
fn random_below(bound: u64) -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now()) % bound.max(1)
}

fn raft_config(config: &QuorumConfig) -> Result<Arc<openraft::Config>, QuorumError> {
    let election = config.election_timeout_ms.max(MIN_ELECTION_TIMEOUT_MS);
    let snapshot_after = config.snapshot_after_entries.max(2);
    let config = openraft::Config {
        cluster_name: "strata".into(),
        election_timeout_min: election,
        election_timeout_max: election * 2,
        heartbeat_interval: (election / 5).max(20),
        install_snapshot_timeout: 10_000,
        snapshot_policy: SnapshotPolicy::LogsSinceLast(snapshot_after),
        max_in_snapshot_log_to_keep: snapshot_after / 2,
        ..Default::default()
    };
    Ok(Arc::new(config.validate().map_err(|e| QuorumError::Startup(e.to_string()))?))
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Writes `name` in `dir` so that a crash leaves the old content or the new.
pub(crate) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))?;
    std::fs::File::open(dir)?.sync_all()
}

/// A broker-only node (not a voter) asks the voters, in turn, to add it as a
/// learner at its controller listener, until the membership names it at
/// that address: then the leader replicates the metadata log to it (openraft
/// pushes to learners, where Kafka's observers fetch). A node restarted at a
/// new address finds itself in the membership at its old one, and asks too.
/// Retries every 500 ms until `stop`.
async fn join(raft: Raft<TypeConfig>, config: QuorumConfig, mut stop: watch::Receiver<bool>) {
    let Some(addr) = config.listen.clone() else { return };
    let joined = |raft: &Raft<TypeConfig>| {
        raft.metrics().borrow().membership_config.membership().get_node(&config.node_id).is_some_and(|n| n.addr == addr)
    };
    while !joined(&raft) {
        for voter in config.voters.values() {
            let request = PeerRequest::Join { id: config.node_id, addr: addr.clone() };
            match Peer::new(voter.clone()).request(&request, Duration::from_secs(5)).await {
                Ok(PeerResponse::Join(Ok(()))) => break,
                Ok(PeerResponse::Join(Err(e))) => tracing::debug!(%voter, error = %e, "joining the quorum"),
                Ok(_) => tracing::debug!(%voter, "an answer of another kind to a join"),
                Err(e) => tracing::debug!(%voter, error = %e, "joining the quorum"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.changed() => return,
        }
    }
    tracing::info!("this broker-only node receives the metadata log");
}
