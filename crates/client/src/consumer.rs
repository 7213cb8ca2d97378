//! The consumer: pulls records of its partitions from their leaders, as a
//! member of a consumer group ([`Consumer::subscribe`]) or from partitions it
//! names itself ([`Consumer::assign`]), and commits its position.
//!
//! Like the Java consumer, it does its work inside the caller's calls
//! ([`Consumer::recv`], [`Consumer::stream`]): rebalancing, looking up
//! committed offsets, resetting positions and fetching. Only the group
//! heartbeat runs in the background.
//!
//! Invariants:
//! * Each assigned partition has a fetch position (the next offset to ask
//!   for) and a consumed position (after the last record handed out); a
//!   commit sends the consumed position.
//! * Records come out of a partition in offset order, each once, unless a
//!   seek or a rebalance moves the position.
//! * With `isolation.level=read_committed`, records of aborted transactions
//!   and control batches never come out (Kafka's aborted-transaction filter).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::future::{maybe_done, MaybeDone};
use strata_protocol::generated::fetch_request::{FetchPartition, FetchRequest, FetchTopic};
use strata_protocol::generated::fetch_response::{FetchResponse, PartitionData};
use strata_protocol::generated::list_offsets_request::{ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic};
use strata_protocol::generated::offset_commit_request::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use strata_protocol::generated::offset_fetch_request::{OffsetFetchRequest, OffsetFetchRequestTopic};
use strata_protocol::ErrorCode;
use strata_records::{Batches, ControlRecord, ControlType};

use crate::assignor::Strategy;
use crate::cluster::{ClientConfig, Cluster, Metadata};
use crate::error::{check, Error, Result};
use crate::group::{GroupConfig, Membership};
use crate::TopicPartition;

/// Where to start reading a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    /// The log start offset.
    Beginning,
    /// The end of the log (only records written from now on).
    End,
    /// This offset.
    At(i64),
    /// The first record with a timestamp at or after this one (ms since the
    /// epoch); the end when there is none.
    Timestamp(i64),
}

/// `auto.offset.reset`: where to start when there is no committed offset
/// or the position is out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetReset {
    /// `earliest`.
    Earliest,
    /// `latest` (Kafka's default).
    Latest,
    /// `none`: fail instead.
    None,
}

/// `isolation.level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsolationLevel {
    /// `read_uncommitted` (default): everything below the high watermark.
    ReadUncommitted,
    /// `read_committed`: only committed transactional records, below the last stable offset.
    ReadCommitted,
}

/// The consumer's settings, by the Java client's names.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// Settings shared by every client.
    pub client: ClientConfig,
    /// `group.id`: needed to subscribe and to commit.
    pub group_id: Option<String>,
    /// `group.instance.id`: a static member's id.
    pub group_instance_id: Option<String>,
    /// `auto.offset.reset` (default latest).
    pub auto_offset_reset: OffsetReset,
    /// `enable.auto.commit` (default true).
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms` (default 5 s).
    pub auto_commit_interval: Duration,
    /// `session.timeout.ms` (default 45 s).
    pub session_timeout: Duration,
    /// `heartbeat.interval.ms` (default 3 s).
    pub heartbeat_interval: Duration,
    /// `max.poll.interval.ms`, sent as the rebalance timeout (default 5 min).
    pub max_poll_interval: Duration,
    /// `partition.assignment.strategy`, in order of preference (default range, cooperative-sticky).
    pub strategies: Vec<Strategy>,
    /// `fetch.min.bytes` (default 1).
    pub fetch_min_bytes: i32,
    /// `fetch.max.wait.ms` (default 500 ms).
    pub fetch_max_wait: Duration,
    /// `fetch.max.bytes` (default 50 MiB).
    pub fetch_max_bytes: i32,
    /// `max.partition.fetch.bytes` (default 1 MiB).
    pub max_partition_fetch_bytes: i32,
    /// `isolation.level` (default read_uncommitted).
    pub isolation_level: IsolationLevel,
}

impl ConsumerConfig {
    /// Kafka's defaults, for the given bootstrap servers.
    pub fn new(bootstrap_servers: &str) -> ConsumerConfig {
        ConsumerConfig {
            client: ClientConfig::new(bootstrap_servers),
            group_id: None,
            group_instance_id: None,
            auto_offset_reset: OffsetReset::Latest,
            enable_auto_commit: true,
            auto_commit_interval: Duration::from_secs(5),
            session_timeout: Duration::from_secs(45),
            heartbeat_interval: Duration::from_secs(3),
            max_poll_interval: Duration::from_secs(300),
            strategies: vec![Strategy::Range, Strategy::CooperativeSticky],
            fetch_min_bytes: 1,
            fetch_max_wait: Duration::from_millis(500),
            fetch_max_bytes: 50 * 1024 * 1024,
            max_partition_fetch_bytes: 1024 * 1024,
            isolation_level: IsolationLevel::ReadUncommitted,
        }
    }

    /// With `group.id`.
    pub fn group(mut self, group_id: &str) -> ConsumerConfig {
        self.group_id = Some(group_id.to_string());
        self
    }
}

/// A record header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Its name.
    pub key: String,
    /// Its value (`None` for null).
    pub value: Option<Bytes>,
}

/// What a record's timestamp means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampType {
    /// Set by the producer.
    CreateTime,
    /// Set by the broker when it appended the batch.
    LogAppendTime,
}

/// One record read from a partition. Key and value share the fetched
/// bytes (no copy for uncompressed batches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    /// The topic.
    pub topic: Arc<str>,
    /// The partition.
    pub partition: i32,
    /// The record's offset.
    pub offset: i64,
    /// Its timestamp, ms since the epoch.
    pub timestamp: i64,
    /// What the timestamp means.
    pub timestamp_type: TimestampType,
    /// The key (`None` for null).
    pub key: Option<Bytes>,
    /// The value (`None` for null).
    pub value: Option<Bytes>,
    /// Headers, in order.
    pub headers: Vec<Header>,
}

/// The largest decompressed batch accepted.
const MAX_DECOMPRESSED: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
struct Assigned {
    /// Next offset to fetch; `None` until known.
    fetch: Option<i64>,
    /// After the last record handed out; what a commit sends.
    consumed: Option<i64>,
    /// A pending seek to resolve with ListOffsets.
    reset: Option<Offset>,
    paused: bool,
    high_watermark: i64,
}

/// An asynchronous Kafka consumer.
#[derive(Debug)]
pub struct Consumer {
    config: ConsumerConfig,
    cluster: Arc<Cluster>,
    assigned: BTreeMap<TopicPartition, Assigned>,
    buffer: VecDeque<ConsumerRecord>,
    /// The buffer's records as runs, one per partition and fetch, in buffer order.
    runs: VecDeque<Run>,
    /// The next fetch, sent while the buffer is handed out (pipelining).
    prefetch: Option<Prefetch>,
    subscription: Vec<String>,
    membership: Option<Membership>,
    /// A JoinGroup/SyncGroup round in progress (it holds the membership).
    joining: Option<tokio::task::JoinHandle<(Membership, Result<Vec<TopicPartition>>)>>,
    last_commit: Instant,
}

impl Drop for Consumer {
    fn drop(&mut self) {
        if let Some(join) = self.joining.take() {
            join.abort();
        }
    }
}

/// Consecutive buffered records of one partition, from one fetch.
#[derive(Debug)]
struct Run {
    partition: TopicPartition,
    /// Records of the run still in the buffer.
    left: usize,
    /// After the last record handed out, once one was.
    consumed: Option<i64>,
    /// The partition's consumed position once the run is handed out (the
    /// fetch position, past any control batches).
    end: i64,
}

/// Answers of one round of fetches, each with the offsets it asked for.
type Fetched = Vec<(Result<FetchResponse>, Vec<(TopicPartition, i64)>)>;

/// A round of fetches in flight, awaited by the consumer's own task: the
/// connection's reader wakes the consumer directly, one thread hop per
/// fetch where a spawned task made three (reader, fetch task, consumer);
/// `strata bench consume` counted half the context switches.
struct Prefetch(MaybeDone<Pin<Box<dyn Future<Output = Fetched> + Send + Sync>>>);

impl Prefetch {
    /// Starts `round`: polled once at once, with a waker that does nothing,
    /// so the requests to leaders already connected are written now, on
    /// this thread; the rest (a connection still to open) goes on when the
    /// consumer awaits the round, and never holds up the records buffered.
    fn start(round: impl Future<Output = Fetched> + Send + Sync + 'static) -> Prefetch {
        let mut round = maybe_done(Box::pin(round) as Pin<Box<dyn Future<Output = Fetched> + Send + Sync>>);
        let _ = Pin::new(&mut round).poll(&mut Context::from_waker(Waker::noop()));
        Prefetch(round)
    }

    /// The answers, once all have come.
    async fn answers(&mut self) -> Fetched {
        (&mut self.0).await;
        Pin::new(&mut self.0).take_output().expect("a round's answers are taken once")
    }
}

impl std::fmt::Debug for Prefetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prefetch")
    }
}

impl Consumer {
    /// A consumer for `config`; connects lazily.
    pub fn new(config: ConsumerConfig) -> Result<Consumer> {
        let cluster = Cluster::new(config.client.clone())?;
        if config.strategies.is_empty() {
            return Err(Error::invalid("partition.assignment.strategy is empty"));
        }
        Ok(Consumer {
            config,
            cluster,
            assigned: BTreeMap::new(),
            buffer: VecDeque::new(),
            runs: VecDeque::new(),
            prefetch: None,
            subscription: Vec::new(),
            membership: None,
            joining: None,
            last_commit: Instant::now(),
        })
    }

    /// Joins `group.id` for `topics`; the group's leader assigns partitions.
    pub fn subscribe(&mut self, topics: &[&str]) -> Result<()> {
        let group_id = self.config.group_id.clone().ok_or_else(|| Error::invalid("subscribe needs group.id"))?;
        if topics.is_empty() {
            return Err(Error::invalid("subscribe to at least one topic"));
        }
        self.subscription = topics.iter().map(|t| t.to_string()).collect();
        if self.membership.is_none() && self.joining.is_none() {
            let config = GroupConfig {
                group_id,
                instance_id: self.config.group_instance_id.clone(),
                session_timeout: self.config.session_timeout,
                rebalance_timeout: self.config.max_poll_interval,
                heartbeat_interval: self.config.heartbeat_interval,
                strategies: self.config.strategies.clone(),
            };
            self.membership = Some(Membership::new(config, self.cluster.clone()));
            self.assigned.clear();
            self.clear_buffer();
        }
        if let Some(m) = &self.membership {
            m.rejoin.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    /// Reads exactly `partitions`, outside any group membership (commits,
    /// if `group.id` is set, go to that group as a standalone consumer).
    pub fn assign(&mut self, partitions: &[TopicPartition]) {
        if let Some(join) = self.joining.take() {
            join.abort();
        }
        self.membership = None;
        self.subscription.clear();
        self.assigned = partitions.iter().map(|tp| (tp.clone(), Assigned::default())).collect();
        self.clear_buffer();
    }

    /// The partitions assigned now.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.assigned.keys().cloned().collect()
    }

    /// Moves a partition's position; takes effect on the next fetch.
    pub fn seek(&mut self, partition: &TopicPartition, offset: Offset) -> Result<()> {
        if let Offset::At(o @ ..0) = offset {
            return Err(Error::invalid(format!("offset {o} is negative")));
        }
        if !self.assigned.contains_key(partition) {
            return Err(Error::invalid(format!("{partition} is not assigned")));
        }
        self.drop_buffered(std::slice::from_ref(partition));
        let state = self.assigned.get_mut(partition).expect("checked above");
        match offset {
            Offset::At(o) => {
                state.fetch = Some(o);
                state.consumed = Some(o);
                state.reset = None;
            }
            other => {
                state.fetch = None;
                state.reset = Some(other);
            }
        }
        Ok(())
    }

    /// Stops fetching `partitions` until [`Consumer::resume`]; their
    /// buffered records are dropped and fetched again on resume.
    pub fn pause(&mut self, partitions: &[TopicPartition]) {
        self.drop_buffered(partitions);
        for tp in partitions {
            if let Some(state) = self.assigned.get_mut(tp) {
                state.paused = true;
                state.fetch = state.consumed.or(state.fetch);
            }
        }
    }

    /// Fetches paused partitions again.
    pub fn resume(&mut self, partitions: &[TopicPartition]) {
        for tp in partitions {
            if let Some(state) = self.assigned.get_mut(tp) {
                state.paused = false;
            }
        }
    }

    /// The paused partitions.
    pub fn paused(&self) -> Vec<TopicPartition> {
        self.assigned.iter().filter(|(_, s)| s.paused).map(|(tp, _)| tp.clone()).collect()
    }

    /// The next offset [`Consumer::recv`] would hand out for a partition, once known.
    pub fn position(&self, partition: &TopicPartition) -> Option<i64> {
        match self.runs.front() {
            Some(run) if run.partition == *partition && run.consumed.is_some() => run.consumed,
            _ => self.assigned.get(partition).and_then(|s| s.consumed),
        }
    }

    /// The partition's high watermark as of the last fetch (-1 before one).
    pub fn high_watermark(&self, partition: &TopicPartition) -> i64 {
        self.assigned.get(partition).map_or(-1, |s| if s.fetch.is_some() { s.high_watermark } else { -1 })
    }

    /// The next record; waits for one.
    pub async fn recv(&mut self) -> Result<ConsumerRecord> {
        loop {
            if let Some(record) = self.buffer.pop_front() {
                self.handed_out(record.offset + 1);
                return Ok(record);
            }
            self.poll_once().await?;
        }
    }

    /// Records as a stream; it never ends, each item is [`Consumer::recv`]'s result.
    pub fn stream(&mut self) -> impl Stream<Item = Result<ConsumerRecord>> + '_ {
        futures_util::stream::unfold(self, |consumer| async move {
            let next = consumer.recv().await;
            Some((next, consumer))
        })
    }

    /// Commits the consumed position of every assigned partition.
    pub async fn commit(&mut self) -> Result<()> {
        self.sync_front();
        let offsets: Vec<(TopicPartition, i64)> =
            self.assigned.iter().filter_map(|(tp, s)| s.consumed.map(|o| (tp.clone(), o))).collect();
        self.commit_offsets(&offsets).await
    }

    /// Commits the given offsets (the next offset to read, per partition).
    pub async fn commit_offsets(&mut self, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        let group = self.config.group_id.clone().ok_or_else(|| Error::invalid("committing needs group.id"))?;
        if offsets.is_empty() {
            return Ok(());
        }
        let (generation, member, instance) = match &self.membership {
            Some(m) => (m.generation, m.member_id.clone(), m.instance_id()),
            None => (-1, String::new(), None),
        };
        let request = commit_request(group, (generation, member, instance), offsets);
        let (cluster, request) = (&self.cluster, &request);
        let group = &request.group_id;
        let response = cluster
            .retrying(&[], || async move { cluster.coordinator(group).await?.call_capped(request, 9).await })
            .await?;
        self.last_commit = Instant::now();
        for t in &response.topics {
            for p in &t.partitions {
                if let Err(e) = check(p.error_code, Some(&format!("committing {}-{}", t.name, p.partition_index))) {
                    if matches!(
                        e.code(),
                        Some(
                            ErrorCode::REBALANCE_IN_PROGRESS
                                | ErrorCode::ILLEGAL_GENERATION
                                | ErrorCode::UNKNOWN_MEMBER_ID
                        )
                    ) {
                        if let Some(m) = &self.membership {
                            m.rejoin.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The committed offsets of `partitions` (`None` where nothing is committed).
    pub async fn committed(&mut self, partitions: &[TopicPartition]) -> Result<Vec<(TopicPartition, Option<i64>)>> {
        let group = self.config.group_id.clone().ok_or_else(|| Error::invalid("committed offsets need group.id"))?;
        fetch_committed(&self.cluster, &group, partitions, self.config.isolation_level == IsolationLevel::ReadCommitted)
            .await
    }

    /// Commits (with auto-commit on), leaves the group and drops the connections.
    pub async fn close(mut self) -> Result<()> {
        if let Some(join) = self.joining.take() {
            join.abort();
            if let Ok((membership, _)) = join.await {
                self.membership = Some(membership);
            }
        }
        let committed =
            if self.config.enable_auto_commit && self.config.group_id.is_some() { self.commit().await } else { Ok(()) };
        if let Some(m) = &mut self.membership {
            m.leave().await;
        }
        committed
    }

    /// One round: rebalance if needed, auto-commit if due, resolve
    /// positions, fetch once.
    async fn poll_once(&mut self) -> Result<()> {
        self.ensure_group().await?;
        if self.config.enable_auto_commit
            && self.config.group_id.is_some()
            && self.last_commit.elapsed() >= self.config.auto_commit_interval
        {
            if let Err(e) = self.commit().await {
                tracing::warn!(error = %e, "auto-commit failed");
            }
        }
        self.resolve_positions().await?;
        self.fetch_once().await
    }

    /// Joins the group when the coordinator or a revocation asks for it,
    /// and applies the new assignment. The join runs as a task of its own,
    /// so a caller that gives up on `recv` (a timeout, a `select!`) does
    /// not abandon a JoinGroup half-way: the next call awaits the same task.
    async fn ensure_group(&mut self) -> Result<()> {
        if self.joining.is_none() {
            let Some(membership) = &self.membership else { return Ok(()) };
            if !membership.needs_join() {
                return Ok(());
            }
            if membership.is_eager() && !self.assigned.is_empty() {
                let offsets = self.give_up(&self.assignment());
                self.commit_revoked(offsets).await;
            }
            let mut membership = self.membership.take().expect("checked above");
            let (topics, owned) = (self.subscription.clone(), self.assignment());
            self.joining = Some(tokio::spawn(async move {
                let result = membership.join(&topics, &owned).await;
                (membership, result)
            }));
        }
        let joined = self.joining.as_mut().expect("set above").await;
        self.joining = None;
        let (membership, result) = joined.map_err(|e| Error::invalid(format!("the group join task failed: {e}")))?;
        let generation = membership.generation;
        let rejoin = membership.rejoin.clone();
        self.membership = Some(membership);
        let assignment = result?;
        let revoked: Vec<TopicPartition> =
            self.assigned.keys().filter(|tp| !assignment.contains(tp)).cloned().collect();
        for tp in assignment {
            self.assigned.entry(tp).or_default();
        }
        tracing::debug!(assignment = ?self.assignment(), generation, ?revoked, "joined the group");
        if !revoked.is_empty() {
            // Cooperative: give up what moved, then join again so it can be handed over.
            rejoin.store(true, std::sync::atomic::Ordering::Relaxed);
            let offsets = self.give_up(&revoked);
            self.commit_revoked(offsets).await;
        }
        Ok(())
    }

    /// Drops `partitions` from the assignment; returns their consumed positions.
    fn give_up(&mut self, partitions: &[TopicPartition]) -> Vec<(TopicPartition, i64)> {
        self.drop_buffered(partitions);
        partitions
            .iter()
            .filter_map(|tp| self.assigned.remove(tp).and_then(|s| s.consumed).map(|o| (tp.clone(), o)))
            .collect()
    }

    /// Records that `next` follows the record just handed out, which is
    /// the front run's; a finished run moves its partition's position.
    fn handed_out(&mut self, next: i64) {
        let run = self.runs.front_mut().expect("every buffered record is in a run");
        run.left -= 1;
        run.consumed = Some(next);
        if run.left == 0 {
            let run = self.runs.pop_front().expect("just seen");
            if let Some(state) = self.assigned.get_mut(&run.partition) {
                state.consumed = Some(run.end);
            }
        }
    }

    /// Writes the front run's progress into its partition's position.
    fn sync_front(&mut self) {
        if let Some(run) = self.runs.front() {
            if let (Some(consumed), Some(state)) = (run.consumed, self.assigned.get_mut(&run.partition)) {
                state.consumed = Some(consumed);
            }
        }
    }

    /// Drops the buffered records of `partitions` (their positions stay
    /// after the last record handed out).
    fn drop_buffered(&mut self, partitions: &[TopicPartition]) {
        self.sync_front();
        let gone: HashSet<(&str, i32)> = partitions.iter().map(|tp| (tp.topic.as_str(), tp.partition)).collect();
        self.buffer.retain(|r| !gone.contains(&(&*r.topic, r.partition)));
        self.runs.retain(|run| !gone.contains(&(run.partition.topic.as_str(), run.partition.partition)));
    }

    fn clear_buffer(&mut self) {
        self.buffer.clear();
        self.runs.clear();
    }

    /// Commits the positions of revoked partitions (with auto-commit on);
    /// a failure is logged, as the Java consumer does.
    async fn commit_revoked(&mut self, offsets: Vec<(TopicPartition, i64)>) {
        if self.config.enable_auto_commit && !offsets.is_empty() {
            if let Err(e) = self.commit_offsets(&offsets).await {
                tracing::warn!(error = %e, "committing revoked partitions failed");
            }
        }
    }

    /// Gives every partition without a position one: its committed offset,
    /// else `auto.offset.reset`; then resolves seeks with ListOffsets.
    async fn resolve_positions(&mut self) -> Result<()> {
        let unknown: Vec<TopicPartition> = self
            .assigned
            .iter()
            .filter(|(_, s)| s.fetch.is_none() && s.reset.is_none())
            .map(|(tp, _)| tp.clone())
            .collect();
        if !unknown.is_empty() {
            let committed = match &self.config.group_id {
                Some(_) => self.committed(&unknown).await?,
                None => unknown.iter().map(|tp| (tp.clone(), None)).collect(),
            };
            for (tp, offset) in committed {
                let reset = match (offset, self.config.auto_offset_reset) {
                    (Some(o), _) => Offset::At(o),
                    (None, OffsetReset::Earliest) => Offset::Beginning,
                    (None, OffsetReset::Latest) => Offset::End,
                    (None, OffsetReset::None) => {
                        return Err(Error::invalid(format!("no committed offset for {tp} and auto.offset.reset=none")));
                    }
                };
                if let Some(state) = self.assigned.get_mut(&tp) {
                    match reset {
                        Offset::At(o) => (state.fetch, state.consumed) = (Some(o), Some(o)),
                        other => state.reset = Some(other),
                    }
                }
            }
        }
        let seeks: Vec<(TopicPartition, Offset)> =
            self.assigned.iter().filter_map(|(tp, s)| s.reset.map(|o| (tp.clone(), o))).collect();
        if seeks.is_empty() {
            return Ok(());
        }
        let isolation = self.config.isolation_level;
        let found = list_offsets(&self.cluster, &seeks, isolation).await?;
        for (tp, offset) in found {
            if let Some(state) = self.assigned.get_mut(&tp) {
                (state.fetch, state.consumed, state.reset) = (Some(offset), Some(offset), None);
            }
        }
        Ok(())
    }

    /// One round of fetches: the one sent ahead (pipelined) if any, else a
    /// new one to each leader of a fetchable partition. While the records
    /// it brings are handed out, the next round is already on its way.
    async fn fetch_once(&mut self) -> Result<()> {
        let topics: Vec<String> = {
            let mut t: Vec<String> = self.assigned.keys().map(|tp| tp.topic.clone()).collect();
            t.dedup();
            t
        };
        if self.prefetch.is_none() {
            let metadata = self.cluster.metadata_for(&topics, false).await?;
            let (round, leaderless) = self.start_fetch(&metadata);
            if leaderless {
                let _ = self.cluster.refresh(Some(&topics), false).await;
            }
            match round {
                Some(round) => self.prefetch = Some(round),
                None => {
                    tokio::time::sleep(self.config.fetch_max_wait.min(Duration::from_millis(100))).await;
                    return Ok(());
                }
            }
        }
        let fetched = self.prefetch.as_mut().expect("set above").answers().await;
        self.prefetch = None;
        let mut refresh = false;
        for (answer, asked) in fetched {
            match answer {
                Ok(response) => refresh |= self.absorb(response, &asked)?,
                Err(e) if e.is_retriable() => refresh = true,
                Err(e) => return Err(e),
            }
        }
        if refresh {
            self.cluster.refresh(Some(&topics), false).await?;
            self.cluster.backoff().await;
        } else if !self.buffer.is_empty() {
            self.prefetch = self.start_fetch(&self.cluster.metadata()).0;
        }
        Ok(())
    }

    /// Sends one Fetch to each leader of a fetchable partition; also says
    /// whether some partition had no known leader.
    fn start_fetch(&self, metadata: &Metadata) -> (Option<Prefetch>, bool) {
        let mut by_leader: BTreeMap<i32, Vec<(TopicPartition, i64)>> = BTreeMap::new();
        let mut leaderless = false;
        for (tp, state) in &self.assigned {
            let (Some(offset), false) = (state.fetch, state.paused) else { continue };
            match metadata.leader(&tp.topic, tp.partition) {
                Some(leader) => by_leader.entry(leader).or_default().push((tp.clone(), offset)),
                None => leaderless = true,
            }
        }
        if by_leader.is_empty() {
            return (None, leaderless);
        }
        let requests: Vec<_> = by_leader
            .into_iter()
            .map(|(leader, asked)| {
                let request = self.fetch_request(&asked);
                let cluster = self.cluster.clone();
                async move {
                    let answer = match cluster.broker(leader).await {
                        Ok(conn) => conn.call_capped(&request, 12).await,
                        Err(e) => Err(e),
                    };
                    (answer, asked)
                }
            })
            .collect();
        (Some(Prefetch::start(futures_util::future::join_all(requests))), leaderless)
    }

    fn fetch_request(&self, partitions: &[(TopicPartition, i64)]) -> FetchRequest {
        let mut topics: Vec<FetchTopic> = Vec::new();
        for (tp, offset) in partitions {
            let p = FetchPartition {
                partition: tp.partition,
                current_leader_epoch: -1,
                fetch_offset: *offset,
                last_fetched_epoch: -1,
                log_start_offset: -1,
                partition_max_bytes: self.config.max_partition_fetch_bytes,
                ..Default::default()
            };
            match topics.iter_mut().find(|t| t.topic == tp.topic) {
                Some(t) => t.partitions.push(p),
                None => topics.push(FetchTopic { topic: tp.topic.clone(), partitions: vec![p], ..Default::default() }),
            }
        }
        FetchRequest {
            replica_id: -1,
            max_wait_ms: self.config.fetch_max_wait.as_millis() as i32,
            min_bytes: self.config.fetch_min_bytes,
            max_bytes: self.config.fetch_max_bytes,
            isolation_level: i8::from(self.config.isolation_level == IsolationLevel::ReadCommitted),
            session_id: 0,
            session_epoch: -1,
            topics,
            ..Default::default()
        }
    }

    /// Buffers a fetch answer's records; true when metadata must be refreshed.
    /// Answers for partitions whose position moved since `asked` (a seek,
    /// a pause, a rebalance) are dropped.
    fn absorb(&mut self, response: FetchResponse, asked: &[(TopicPartition, i64)]) -> Result<bool> {
        if response.error_code != 0 {
            let e = Error::from_code(response.error_code, Some("Fetch"));
            return if e.is_retriable() { Ok(true) } else { Err(e) };
        }
        let mut refresh = false;
        let read_committed = self.config.isolation_level == IsolationLevel::ReadCommitted;
        for topic in response.responses {
            let name: Arc<str> = Arc::from(topic.topic.as_str());
            for data in topic.partitions {
                let tp = TopicPartition::new(topic.topic.clone(), data.partition_index);
                let Some(state) = self.assigned.get_mut(&tp) else { continue };
                let Some(offset) = state.fetch else { continue };
                let current = asked.iter().any(|(a, o)| *a == tp && *o == offset);
                if state.paused || !current {
                    continue;
                }
                match data.error_code {
                    0 => {
                        state.high_watermark = data.high_watermark;
                        let before = self.buffer.len();
                        let next = decode_records(&name, &data, offset, read_committed, &mut self.buffer)?;
                        state.fetch = Some(next);
                        match self.buffer.len() - before {
                            0 => state.consumed = Some(next),
                            left => self.runs.push_back(Run { partition: tp, left, consumed: None, end: next }),
                        }
                    }
                    code if code == ErrorCode::OFFSET_OUT_OF_RANGE.code() => {
                        state.fetch = None;
                        state.reset = match self.config.auto_offset_reset {
                            OffsetReset::Earliest => Some(Offset::Beginning),
                            OffsetReset::Latest => Some(Offset::End),
                            OffsetReset::None => {
                                return Err(Error::from_code(code, Some(&format!("{tp} at offset {offset}"))));
                            }
                        };
                    }
                    code => {
                        let e = Error::from_code(code, Some(&tp.to_string()));
                        if !e.is_retriable() {
                            return Err(e);
                        }
                        refresh = true;
                    }
                }
            }
        }
        Ok(refresh)
    }
}

/// Appends the records of one partition's fetch answer at or after
/// `offset` to `out`; returns the next offset to fetch.
fn decode_records(
    topic: &Arc<str>,
    data: &PartitionData,
    offset: i64,
    read_committed: bool,
    out: &mut VecDeque<ConsumerRecord>,
) -> Result<i64> {
    let Some(records) = data.records.clone() else { return Ok(offset) };
    let mut aborted: Vec<(i64, i64)> =
        data.aborted_transactions.iter().flatten().map(|a| (a.first_offset, a.producer_id)).collect();
    aborted.sort_unstable();
    let mut aborted = aborted.into_iter().peekable();
    let mut aborting: HashSet<i64> = HashSet::new();
    let mut next = offset;
    for batch in Batches::new(records) {
        let batch = match batch {
            Ok(b) => b,
            // A fetch answer may end with a partial batch.
            Err(strata_records::RecordsError::Truncated { .. }) => break,
            Err(e) => return Err(Error::Malformed(format!("{topic}-{}: {e}", data.partition_index).into())),
        };
        let h = batch.header;
        batch.validate_crc().map_err(|e| Error::Malformed(format!("{topic}-{}: {e}", data.partition_index).into()))?;
        if h.last_offset() < next {
            continue;
        }
        if read_committed {
            while let Some((_, pid)) = aborted.next_if(|(first, _)| *first <= h.last_offset()) {
                aborting.insert(pid);
            }
        }
        let payload = batch
            .records_data(MAX_DECOMPRESSED)
            .map_err(|e| Error::Malformed(format!("{topic}-{}: {e}", data.partition_index).into()))?;
        if h.attributes.control() {
            if read_committed {
                let is_abort = batch
                    .records(&payload)
                    .next()
                    .and_then(|r| r.ok())
                    .and_then(|r| ControlRecord::parse(&r).ok())
                    .is_some_and(|c| c.kind == ControlType::Abort);
                if is_abort {
                    aborting.remove(&h.producer_id);
                }
            }
            next = h.last_offset() + 1;
            continue;
        }
        if read_committed && h.attributes.transactional() && aborting.contains(&h.producer_id) {
            next = h.last_offset() + 1;
            continue;
        }
        let timestamp_type =
            if h.attributes.log_append_time() { TimestampType::LogAppendTime } else { TimestampType::CreateTime };
        for record in batch.records(&payload) {
            let r = record.map_err(|e| Error::Malformed(format!("{topic}-{}: {e}", data.partition_index).into()))?;
            let offset = h.base_offset + i64::from(r.offset_delta);
            if offset < next {
                continue;
            }
            let timestamp =
                if h.attributes.log_append_time() { h.max_timestamp } else { h.base_timestamp + r.timestamp_delta };
            out.push_back(ConsumerRecord {
                topic: topic.clone(),
                partition: data.partition_index,
                offset,
                timestamp,
                timestamp_type,
                key: r.key.map(|k| payload.slice_ref(k)),
                value: r.value.map(|v| payload.slice_ref(v)),
                headers: r
                    .headers
                    .map(|h| Header { key: h.key.to_string(), value: h.value.map(|v| payload.slice_ref(v)) })
                    .collect(),
            });
        }
        next = h.last_offset() + 1;
    }
    Ok(next)
}

/// An OffsetCommit of `offsets` by the member (generation, member id, instance id).
pub(crate) fn commit_request(
    group: String,
    (generation, member_id, instance): (i32, String, Option<String>),
    offsets: &[(TopicPartition, i64)],
) -> OffsetCommitRequest {
    let mut topics: BTreeMap<&str, Vec<OffsetCommitRequestPartition>> = BTreeMap::new();
    for (tp, offset) in offsets {
        topics.entry(&tp.topic).or_default().push(OffsetCommitRequestPartition {
            partition_index: tp.partition,
            committed_offset: *offset,
            committed_leader_epoch: -1,
            commit_timestamp: -1,
            committed_metadata: Some(String::new()),
            ..Default::default()
        });
    }
    OffsetCommitRequest {
        group_id: group,
        generation_id_or_member_epoch: generation,
        member_id,
        group_instance_id: instance,
        retention_time_ms: -1,
        topics: topics
            .into_iter()
            .map(|(name, partitions)| OffsetCommitRequestTopic {
                name: name.to_string(),
                partitions,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// OffsetFetch for one group: each partition's committed offset, if any.
pub(crate) async fn fetch_committed(
    cluster: &Cluster,
    group: &str,
    partitions: &[TopicPartition],
    require_stable: bool,
) -> Result<Vec<(TopicPartition, Option<i64>)>> {
    let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in partitions {
        topics.entry(&tp.topic).or_default().push(tp.partition);
    }
    let request = OffsetFetchRequest {
        group_id: group.to_string(),
        topics: Some(
            topics
                .into_iter()
                .map(|(name, partition_indexes)| OffsetFetchRequestTopic {
                    name: name.to_string(),
                    partition_indexes,
                    ..Default::default()
                })
                .collect(),
        ),
        require_stable,
        ..Default::default()
    };
    let request = &request;
    let response = cluster
        .retrying(&[], || async move {
            let response = cluster.coordinator(group).await?.call_capped(request, 7).await?;
            check(response.error_code, Some("OffsetFetch")).map(|_| response)
        })
        .await?;
    let mut found: HashMap<(String, i32), i64> = HashMap::new();
    for t in response.topics {
        for p in t.partitions {
            check(p.error_code, Some(&format!("{}-{}", t.name, p.partition_index)))?;
            if p.committed_offset >= 0 {
                found.insert((t.name.clone(), p.partition_index), p.committed_offset);
            }
        }
    }
    Ok(partitions.iter().map(|tp| (tp.clone(), found.get(&(tp.topic.clone(), tp.partition)).copied())).collect())
}

/// ListOffsets for each partition's [`Offset`], asked of its leader.
pub(crate) async fn list_offsets(
    cluster: &Cluster,
    wanted: &[(TopicPartition, Offset)],
    isolation: IsolationLevel,
) -> Result<Vec<(TopicPartition, i64)>> {
    let topics: Vec<String> = wanted.iter().map(|(tp, _)| tp.topic.clone()).collect();
    cluster.retrying(&topics, || list_offsets_once(cluster, wanted, isolation, &topics)).await
}

async fn list_offsets_once(
    cluster: &Cluster,
    wanted: &[(TopicPartition, Offset)],
    isolation: IsolationLevel,
    topics: &[String],
) -> Result<Vec<(TopicPartition, i64)>> {
    let metadata = cluster.metadata_for(topics, false).await?;
    let mut by_leader: BTreeMap<i32, Vec<&(TopicPartition, Offset)>> = BTreeMap::new();
    let mut out = Vec::new();
    for w in wanted {
        if let Offset::At(o) = w.1 {
            out.push((w.0.clone(), o));
            continue;
        }
        if metadata.topic(&w.0.topic).is_none() {
            return Err(Error::UnknownTopic(w.0.topic.as_str().into()));
        }
        let leader = metadata.leader(&w.0.topic, w.0.partition).ok_or_else(|| Error::Kafka {
            code: ErrorCode::LEADER_NOT_AVAILABLE,
            detail: Some(w.0.to_string().into()),
        })?;
        by_leader.entry(leader).or_default().push(w);
    }
    let mut ends = Vec::new();
    for (leader, items) in by_leader {
        let mut topics: Vec<ListOffsetsTopic> = Vec::new();
        for (tp, offset) in &items {
            let timestamp = match offset {
                Offset::Beginning => -2,
                Offset::End => -1,
                Offset::Timestamp(ts) => *ts,
                Offset::At(_) => unreachable!("resolved above"),
            };
            let p = ListOffsetsPartition {
                partition_index: tp.partition,
                current_leader_epoch: -1,
                timestamp,
                max_num_offsets: 1,
                ..Default::default()
            };
            match topics.iter_mut().find(|t| t.name == tp.topic) {
                Some(t) => t.partitions.push(p),
                None => {
                    topics.push(ListOffsetsTopic { name: tp.topic.clone(), partitions: vec![p], ..Default::default() })
                }
            }
        }
        let request = ListOffsetsRequest {
            replica_id: -1,
            isolation_level: i8::from(isolation == IsolationLevel::ReadCommitted),
            topics,
            timeout_ms: 30_000,
            ..Default::default()
        };
        let conn = cluster.broker(leader).await?;
        let response = conn.call_capped(&request, 8).await?;
        for t in response.topics {
            for p in t.partitions {
                let tp = TopicPartition::new(t.name.clone(), p.partition_index);
                check(p.error_code, Some(&tp.to_string()))?;
                if p.offset >= 0 {
                    out.push((tp, p.offset));
                } else {
                    ends.push((tp, Offset::End));
                }
            }
        }
    }
    if !ends.is_empty() {
        // A timestamp after every record: start at the end, as Kafka's consumer does.
        out.extend(Box::pin(list_offsets_once(cluster, &ends, isolation, topics)).await?);
    }
    Ok(out)
}
