//! The producer: records are appended to a per-partition batch as they are
//! sent; a background task ships batches that are full, lingered long
//! enough, or flushed, one Produce request per leader broker, and resolves
//! each record's [`Delivery`] from the answer.
//!
//! Invariants:
//! * Records of a partition leave in the order they were sent: batches are
//!   closed in order, queued in order, and written to the leader's
//!   connection in order by that broker's one sender task. As in Kafka
//!   without idempotence, a retried batch may land after a later one when
//!   `max.in.flight.requests.per.connection` > 1; set it to 1 to rule that out.
//! * A record's bytes are copied once, into its batch; the batch's bytes go
//!   to the socket as built. No allocation per record: deliveries share
//!   their batch's `BatchOutcome`, and a send takes the state lock once.
//! * Every batch ends exactly once: delivered, failed with a non-retriable
//!   error, or timed out after `delivery.timeout.ms`.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use strata_protocol::generated::produce_request::{PartitionProduceData, ProduceRequest, TopicProduceData};
use strata_protocol::generated::produce_response::ProduceResponse;
use strata_records::{BatchBuilder, Compression};
use tokio::sync::{mpsc, Notify, Semaphore};

use crate::cluster::{ClientConfig, Cluster, PartitionCount};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::partitioner::{partition_for_key, Sticky, Xorshift};

/// `acks`: how many replicas must have a batch before it counts as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acks {
    /// `acks=0`: no answer is awaited; offsets are unknown (-1).
    None,
    /// `acks=1`: the leader has it.
    Leader,
    /// `acks=all` (-1): every in-sync replica has it.
    All,
}

impl Acks {
    fn wire(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

impl std::str::FromStr for Acks {
    type Err = Error;
    fn from_str(s: &str) -> Result<Acks> {
        match s {
            "0" => Ok(Acks::None),
            "1" => Ok(Acks::Leader),
            "all" | "-1" => Ok(Acks::All),
            _ => Err(Error::invalid(format!("acks must be 0, 1, all or -1, not {s:?}"))),
        }
    }
}

/// The producer's settings, by the Java client's names.
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// Settings shared by every client.
    pub client: ClientConfig,
    /// `acks` (default all, as Kafka's since 3.0).
    pub acks: Acks,
    /// `linger.ms`: how long a batch waits for more records (default 5 ms).
    pub linger: Duration,
    /// `batch.size`: a batch is sent once it holds this many bytes (default 16 KiB).
    pub batch_size: usize,
    /// `compression.type` (default none).
    pub compression: Compression,
    /// `retries` (default unlimited, bounded by `delivery.timeout.ms`).
    pub retries: u32,
    /// `delivery.timeout.ms` (default 120 s).
    pub delivery_timeout: Duration,
    /// `max.in.flight.requests.per.connection` (default 5).
    pub max_in_flight: usize,
    /// `buffer.memory`: bytes of unsent records before `send` waits (default 32 MiB).
    pub buffer_memory: usize,
    /// `max.block.ms`: the longest `send` waits for metadata or buffer space (default 60 s).
    pub max_block: Duration,
    /// `max.request.size`: the largest record accepted (default 1 MiB).
    pub max_request_size: usize,
}

impl ProducerConfig {
    /// Kafka's defaults, for the given bootstrap servers.
    pub fn new(bootstrap_servers: &str) -> ProducerConfig {
        ProducerConfig {
            client: ClientConfig::new(bootstrap_servers),
            acks: Acks::All,
            linger: Duration::from_millis(5),
            batch_size: 16 * 1024,
            compression: Compression::None,
            retries: u32::MAX,
            delivery_timeout: Duration::from_secs(120),
            max_in_flight: 5,
            buffer_memory: 32 * 1024 * 1024,
            max_block: Duration::from_secs(60),
            max_request_size: 1024 * 1024,
        }
    }
}

/// A record to send. Its bytes are borrowed: `send` copies them into a batch.
#[derive(Debug, Clone, Copy)]
pub struct ProducerRecord<'a> {
    /// The topic.
    pub topic: &'a str,
    /// An explicit partition; `None` lets the partitioner choose.
    pub partition: Option<i32>,
    /// The key (`None` for null).
    pub key: Option<&'a [u8]>,
    /// The value (`None` for null, a tombstone on compacted topics).
    pub value: Option<&'a [u8]>,
    /// Headers, in order.
    pub headers: &'a [(&'a str, Option<&'a [u8]>)],
    /// CreateTime in ms since the epoch; `None` for now.
    pub timestamp: Option<i64>,
}

impl<'a> ProducerRecord<'a> {
    /// A record with a value and nothing else, to `topic`.
    pub fn new(topic: &'a str, value: &'a [u8]) -> ProducerRecord<'a> {
        ProducerRecord { topic, partition: None, key: None, value: Some(value), headers: &[], timestamp: None }
    }

    /// With a key.
    pub fn key(mut self, key: &'a [u8]) -> Self {
        self.key = Some(key);
        self
    }

    /// To a given partition.
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// With headers.
    pub fn headers(mut self, headers: &'a [(&'a str, Option<&'a [u8]>)]) -> Self {
        self.headers = headers;
        self
    }

    /// With a CreateTime timestamp (ms since the epoch).
    pub fn timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    fn size(&self) -> usize {
        let headers: usize = self.headers.iter().map(|(k, v)| k.len() + v.map_or(0, <[u8]>::len) + 4).sum();
        self.key.map_or(0, <[u8]>::len) + self.value.map_or(0, <[u8]>::len) + headers + 16
    }
}

/// Where a record was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    /// The topic.
    pub topic: Arc<str>,
    /// The partition.
    pub partition: i32,
    /// The record's offset (-1 with acks=0).
    pub offset: i64,
    /// The record's timestamp: its CreateTime, or the broker's LogAppendTime.
    pub timestamp: i64,
}

/// What became of a batch, shared by the deliveries of its records: where
/// it went and, once it ended, its base offset and LogAppendTime (-1 for
/// CreateTime) or its error. Set once; waiters are woken after it is set.
#[derive(Debug)]
struct BatchOutcome {
    topic: Arc<str>,
    partition: i32,
    outcome: OnceLock<Result<(i64, i64)>>,
    waiters: Mutex<Vec<Waker>>,
}

impl BatchOutcome {
    /// Sets the outcome, unless already set, and wakes every waiter.
    fn end(&self, outcome: Result<(i64, i64)>) {
        if self.outcome.set(outcome).is_ok() {
            let waiters = std::mem::take(&mut *self.waiters.lock().expect("waiters lock"));
            waiters.into_iter().for_each(Waker::wake);
        }
    }
}

/// The producer's side of a [`BatchOutcome`]: a batch dropped before it
/// ended (the producer itself dropped) ends its deliveries with
/// [`Error::Closed`] rather than leaving them waiting.
#[derive(Debug)]
struct Resolver(Arc<BatchOutcome>);

impl Drop for Resolver {
    fn drop(&mut self) {
        self.0.end(Err(Error::Closed));
    }
}

/// The pending delivery of one record; `.await` it for its [`RecordMetadata`].
#[derive(Debug)]
pub struct Delivery {
    batch: Arc<BatchOutcome>,
    index: i32,
    timestamp: i64,
}

impl Delivery {
    /// True once the record's batch ended: awaiting it then returns at once.
    /// A check without a lock, for callers that track many deliveries.
    pub fn is_finished(&self) -> bool {
        self.batch.outcome.get().is_some()
    }

    /// The record's offset once its batch ended (-1 with acks=0), or the
    /// error it ended with; `None` while it has not. Cheaper than awaiting
    /// it (no [`RecordMetadata`] is built), for callers that track many
    /// deliveries and need only where each record went.
    pub fn offset(&self) -> Option<Result<i64>> {
        Some(self.batch.outcome.get()?.as_ref().map(|(base, _)| self.offset_from(*base)).map_err(Clone::clone))
    }

    fn offset_from(&self, base: i64) -> i64 {
        if base < 0 {
            -1
        } else {
            base + i64::from(self.index)
        }
    }

    fn metadata(&self, outcome: &Result<(i64, i64)>) -> Result<RecordMetadata> {
        let (base, log_append_time) = outcome.clone()?;
        Ok(RecordMetadata {
            topic: self.batch.topic.clone(),
            partition: self.batch.partition,
            offset: self.offset_from(base),
            timestamp: if log_append_time >= 0 { log_append_time } else { self.timestamp },
        })
    }
}

impl Future for Delivery {
    type Output = Result<RecordMetadata>;

    /// Ready once the record's batch ended. The outcome is read again under
    /// the waiters' lock, which `end` takes only after setting it, so no
    /// wake-up is missed.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(outcome) = self.batch.outcome.get() {
            return Poll::Ready(self.metadata(outcome));
        }
        let mut waiters = self.batch.waiters.lock().expect("waiters lock");
        if let Some(outcome) = self.batch.outcome.get() {
            drop(waiters);
            return Poll::Ready(self.metadata(outcome));
        }
        if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
            waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// A batch being filled.
#[derive(Debug)]
struct OpenBatch {
    builder: BatchBuilder,
    outcome: Resolver,
    created: Instant,
    bytes: usize,
}

impl OpenBatch {
    fn close(self) -> Batch {
        Batch {
            records: self.builder.build(),
            outcome: self.outcome,
            created: self.created,
            bytes: self.bytes,
            attempts: 0,
        }
    }
}

/// A closed batch on its way to the leader.
#[derive(Debug)]
struct Batch {
    records: Bytes,
    outcome: Resolver,
    created: Instant,
    bytes: usize,
    attempts: u32,
}

impl Batch {
    fn topic(&self) -> &Arc<str> {
        &self.outcome.0.topic
    }

    fn partition(&self) -> i32 {
        self.outcome.0.partition
    }
}

/// A topic's open batches (by partition) and its sticky partition.
#[derive(Debug)]
struct TopicBatches {
    name: Arc<str>,
    /// The partition count, kept until the metadata changes: a record's
    /// partition is chosen without reading the metadata.
    partitions: PartitionCount,
    open: Vec<Option<OpenBatch>>,
    sticky: Sticky,
}

/// The producer's topics, found by name for every record: the one used
/// last is checked first (a name compare, where the index costs a hash), as
/// a producer usually sends runs of records to one topic.
#[derive(Debug, Default)]
struct Topics {
    all: Vec<TopicBatches>,
    /// Positions in `all`; the names are the application's own, not a
    /// peer's, hence a fast hash.
    index: HashMap<Arc<str>, usize, foldhash::fast::RandomState>,
    last: usize,
}

impl Topics {
    fn get_mut(&mut self, name: &str) -> Option<&mut TopicBatches> {
        let i = match self.all.get(self.last) {
            Some(t) if *t.name == *name => self.last,
            _ => *self.index.get(name)?,
        };
        self.last = i;
        Some(&mut self.all[i])
    }

    /// `name`'s batches, added on its first record, with `count` kept.
    fn entry(&mut self, name: &str, count: PartitionCount) -> &mut TopicBatches {
        if self.get_mut(name).is_none() {
            let name: Arc<str> = Arc::from(name);
            self.last = self.all.len();
            self.index.insert(name.clone(), self.last);
            self.all.push(TopicBatches { name, partitions: count, open: Vec::new(), sticky: Sticky::default() });
        }
        let topic = &mut self.all[self.last];
        topic.partitions = count;
        topic
    }
}

#[derive(Debug)]
struct State {
    topics: Topics,
    /// Draws sticky partitions.
    rng: Xorshift,
    ready: VecDeque<Batch>,
    /// Bytes of records accepted and not yet ended.
    buffered: usize,
    /// Batches (open or closed) not yet ended.
    unfinished: usize,
    flushing: usize,
}

/// A record on its way into a batch.
struct Append<'r, 'a> {
    record: &'r ProducerRecord<'a>,
    /// The topic's partition count, looked up because the one kept with
    /// its batches was missing or older than the metadata.
    looked_up: Option<PartitionCount>,
    timestamp: i64,
    size: usize,
}

/// Why [`Shared::try_append`] did not append a record.
enum Blocked {
    /// The topic's partition count is unknown or out of date: look it up.
    Metadata,
    /// `buffer.memory` is full: wait for progress.
    Full,
    /// The record names a partition the topic does not have, as far as
    /// the metadata knows.
    NoPartition(i32),
}

#[derive(Debug)]
struct Shared {
    config: ProducerConfig,
    cluster: Arc<Cluster>,
    state: Mutex<State>,
    /// Wakes the sender task: a batch is ready, or a flush or close began.
    wake: Notify,
    /// Wakes senders waiting for buffer space, and flushes waiting for the end.
    progress: Notify,
    closed: AtomicBool,
}

/// An asynchronous Kafka producer. Cheap to share behind an `Arc`; all
/// methods take `&self`.
#[derive(Debug)]
pub struct Producer {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Producer {
    /// A producer for `config`; connects lazily, on the first send.
    pub fn new(config: ProducerConfig) -> Result<Producer> {
        if config.batch_size == 0 || config.max_in_flight == 0 {
            return Err(Error::invalid("batch.size and max.in.flight.requests.per.connection must be positive"));
        }
        let cluster = Cluster::new(config.client.clone())?;
        let shared = Arc::new(Shared {
            config,
            cluster,
            state: Mutex::new(State {
                topics: Topics::default(),
                rng: Xorshift::from_clock(),
                ready: VecDeque::new(),
                buffered: 0,
                unfinished: 0,
                flushing: 0,
            }),
            wake: Notify::new(),
            progress: Notify::new(),
            closed: AtomicBool::new(false),
        });
        let task = tokio::spawn(run_sender(shared.clone()));
        Ok(Producer { shared, task })
    }

    /// Appends `record` to its partition's batch and returns its delivery.
    /// Waits (at most `max.block.ms`) for the topic's metadata and for
    /// buffer space; fails for a partition the topic does not have (after
    /// one refresh of the metadata) and at once for a record larger than
    /// `max.request.size`.
    pub async fn send(&self, record: ProducerRecord<'_>) -> Result<Delivery> {
        let shared = &self.shared;
        if shared.closed.load(Ordering::Relaxed) {
            return Err(Error::Closed);
        }
        // A caller sending in a loop rarely waits, so without this it would
        // hold its worker thread until the buffer filled: the sender task,
        // woken on that thread when a batch closes, could not start there,
        // and the other worker may not take it (tokio's LIFO slot).
        tokio::task::consume_budget().await;
        let size = record.size();
        if size > shared.config.max_request_size {
            return Err(Error::invalid(format!(
                "a record of {size} bytes exceeds max.request.size ({})",
                shared.config.max_request_size
            )));
        }
        let timestamp = record.timestamp.unwrap_or_else(now_ms);
        let append = Append { record: &record, looked_up: None, timestamp, size };
        match shared.try_append(&append) {
            Ok(delivery) => Ok(delivery),
            // Boxed: its waits would otherwise make every send's future (moved
            // for each record) as large as the largest of them.
            Err(blocked) => Box::pin(self.send_blocked(append, blocked)).await,
        }
    }

    /// The rest of a send that [`Shared::try_append`] refused at first:
    /// waits for metadata or buffer space, then appends.
    async fn send_blocked(&self, mut append: Append<'_, '_>, mut blocked: Blocked) -> Result<Delivery> {
        let shared = &self.shared;
        let topic = append.record.topic;
        let mut deadline = Deadline { max_block: shared.config.max_block, at: None };
        let mut refreshed = false;
        loop {
            match blocked {
                Blocked::Metadata => {
                    append.looked_up = Some(self.partition_count(topic, &mut deadline, false).await?);
                }
                // Partitions may have been added since: look once more, in
                // fresh metadata, as Java's producer does.
                Blocked::NoPartition(_) if !refreshed => {
                    refreshed = true;
                    append.looked_up = Some(self.partition_count(topic, &mut deadline, true).await?);
                }
                Blocked::NoPartition(p) => {
                    return Err(Error::invalid(format!("topic {topic} has no partition {p}")));
                }
                Blocked::Full => {
                    let progress = shared.progress.notified();
                    tokio::pin!(progress);
                    progress.as_mut().enable();
                    // Once more, registered for progress first, so none is missed.
                    match shared.try_append(&append) {
                        Ok(delivery) => return Ok(delivery),
                        Err(Blocked::Full) => {}
                        Err(other) => {
                            blocked = other;
                            continue;
                        }
                    }
                    if tokio::time::timeout_at(deadline.at().into(), progress).await.is_err() {
                        return Err(Error::invalid(format!(
                            "buffer.memory ({} bytes) stayed full for max.block.ms",
                            shared.config.buffer_memory
                        )));
                    }
                }
            }
            match shared.try_append(&append) {
                Ok(delivery) => return Ok(delivery),
                Err(b) => blocked = b,
            }
        }
    }

    /// Sends every buffered record now and waits until each has ended.
    pub async fn flush(&self) {
        let shared = &self.shared;
        shared.state.lock().expect("state lock").flushing += 1;
        loop {
            let progress = shared.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            shared.close_all_open();
            if shared.state.lock().expect("state lock").unfinished == 0 {
                break;
            }
            progress.await;
        }
        shared.state.lock().expect("state lock").flushing -= 1;
    }

    /// Flushes, then stops the background task. Later sends fail with [`Error::Closed`].
    pub async fn close(self) {
        self.flush().await;
        self.shared.closed.store(true, Ordering::Relaxed);
        self.task.abort();
    }

    /// `topic`'s partition count from the metadata, refreshed (and the
    /// topic auto-created, where the broker allows) while it knows none,
    /// or first with `fresh`.
    async fn partition_count(&self, topic: &str, deadline: &mut Deadline, fresh: bool) -> Result<PartitionCount> {
        let cluster = &self.shared.cluster;
        if let Some(count) = cluster.partition_count(topic).filter(|_| !fresh) {
            return Ok(count);
        }
        loop {
            let last = match cluster.refresh(Some(&[topic.to_string()]), true).await {
                Ok(meta) => match meta.topics.get(topic) {
                    Some(Ok(t)) if !t.partitions.is_empty() => match cluster.partition_count(topic) {
                        Some(count) => return Ok(count),
                        None => Error::UnknownTopic(topic.into()),
                    },
                    Some(Err(code)) => Error::from_code(*code, Some(topic)),
                    _ => Error::UnknownTopic(topic.into()),
                },
                Err(e) => e,
            };
            if (!last.is_retriable() && !matches!(last, Error::UnknownTopic(_))) || Instant::now() >= deadline.at() {
                return Err(match last.code() {
                    Some(strata_protocol::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION) => Error::UnknownTopic(topic.into()),
                    _ => last,
                });
            }
            cluster.backoff().await;
        }
    }
}

/// When a send stops waiting: `max.block.ms` after it first had to wait.
/// The clock is read only then, not for every record.
struct Deadline {
    max_block: Duration,
    at: Option<Instant>,
}

impl Deadline {
    fn at(&mut self) -> Instant {
        *self.at.get_or_insert_with(|| Instant::now() + self.max_block)
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Shared {
    /// Adds the record to its partition's open batch, closing that batch
    /// first when the record would take it past `batch.size`, and returns
    /// its delivery; with nothing changed, [`Blocked`] says why not.
    fn try_append(&self, a: &Append<'_, '_>) -> std::result::Result<Delivery, Blocked> {
        let mut guard = self.state.lock().expect("state lock");
        if guard.buffered > 0 && guard.buffered + a.size > self.config.buffer_memory {
            return Err(Blocked::Full);
        }
        let State { topics, rng, ready, unfinished, flushing, buffered } = &mut *guard;
        let topic = match a.looked_up {
            Some(count) => topics.entry(a.record.topic, count),
            None => match topics.get_mut(a.record.topic) {
                Some(topic) if topic.partitions.version == self.cluster.version() => topic,
                _ => return Err(Blocked::Metadata),
            },
        };
        let partitions = topic.partitions.partitions;
        let partition = match (a.record.partition, a.record.key) {
            (Some(p), _) if (0..partitions).contains(&p) => p,
            (Some(p), _) => return Err(Blocked::NoPartition(p)),
            (None, Some(key)) => partition_for_key(key, partitions),
            (None, None) => topic.sticky.partition(rng, partitions, a.size, self.config.batch_size),
        };
        *buffered += a.size;
        if topic.open.len() < partitions as usize {
            topic.open.resize_with(partitions as usize, || None);
        }
        let slot = &mut topic.open[partition as usize];
        let mut woke = false;
        if slot.as_ref().is_some_and(|b| b.bytes + a.size > self.config.batch_size && !b.builder.is_empty()) {
            ready.push_back(slot.take().expect("checked").close());
            woke = true;
        }
        // A new batch wakes the sender, which then knows when it lingered long enough.
        woke |= slot.is_none();
        let open = slot.get_or_insert_with(|| {
            *unfinished += 1;
            self.open_batch(&topic.name, partition)
        });
        let delivery = Delivery { batch: open.outcome.0.clone(), index: open.builder.len(), timestamp: a.timestamp };
        open.builder.push(a.timestamp, a.record.key, a.record.value, a.record.headers);
        open.bytes += a.size;
        if open.bytes >= self.config.batch_size || *flushing > 0 {
            ready.push_back(slot.take().expect("just filled").close());
            woke = true;
        }
        drop(guard);
        if woke {
            self.wake.notify_one();
        }
        Ok(delivery)
    }

    fn open_batch(&self, topic: &Arc<str>, partition: i32) -> OpenBatch {
        let outcome =
            BatchOutcome { topic: topic.clone(), partition, outcome: OnceLock::new(), waiters: Mutex::default() };
        OpenBatch {
            builder: BatchBuilder::with_capacity(self.config.compression, self.config.batch_size),
            outcome: Resolver(Arc::new(outcome)),
            created: Instant::now(),
            bytes: 0,
        }
    }

    /// Closes every open batch (a flush).
    fn close_all_open(&self) {
        let mut guard = self.state.lock().expect("state lock");
        let state = &mut *guard;
        for topic in state.topics.all.iter_mut() {
            state.ready.extend(topic.open.iter_mut().filter_map(Option::take).map(OpenBatch::close));
        }
        drop(guard);
        self.wake.notify_one();
    }

    /// Closes the batches that lingered long enough; returns when the next
    /// open batch will have.
    fn close_lingered(&self, now: Instant) -> Option<Instant> {
        let mut guard = self.state.lock().expect("state lock");
        let state = &mut *guard;
        let mut next: Option<Instant> = None;
        for topic in state.topics.all.iter_mut() {
            for slot in &mut topic.open {
                let Some(open) = slot else { continue };
                let due = open.created + self.config.linger;
                if due <= now {
                    state.ready.push_back(slot.take().expect("checked").close());
                } else {
                    next = Some(next.map_or(due, |n| n.min(due)));
                }
            }
        }
        next
    }

    /// Ends a batch: resolves its deliveries and frees its buffer space.
    fn finish(&self, batch: Batch, outcome: Result<(i64, i64)>) {
        batch.outcome.0.end(outcome);
        let mut state = self.state.lock().expect("state lock");
        state.buffered = state.buffered.saturating_sub(batch.bytes);
        state.unfinished -= 1;
        drop(state);
        self.progress.notify_waiters();
    }

    /// Queues a batch again after `retry.backoff.ms`, or ends it when it
    /// has no retries or time left.
    fn retry(self: &Arc<Self>, mut batch: Batch, error: Error) {
        let expired = batch.created.elapsed() >= self.config.delivery_timeout;
        if !error.is_retriable() || batch.attempts > self.config.retries || expired {
            let error = if expired {
                Error::DeliveryTimeout(self.config.delivery_timeout.as_millis() as u64, error.to_string().into())
            } else {
                error
            };
            self.finish(batch, Err(error));
            return;
        }
        let shared = self.clone();
        tokio::spawn(async move {
            if error.needs_refresh() {
                let _ = shared.cluster.refresh(Some(&[batch.topic().to_string()]), false).await;
            }
            shared.cluster.backoff().await;
            batch.attempts += 1;
            shared.state.lock().expect("state lock").ready.push_front(batch);
            shared.wake.notify_one();
        });
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The sender task: closes lingered batches and hands ready ones to the
/// task of their leader broker.
async fn run_sender(shared: Arc<Shared>) {
    let mut brokers: HashMap<i32, mpsc::UnboundedSender<Vec<Batch>>> = HashMap::new();
    loop {
        let wake = shared.wake.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let next_linger = shared.close_lingered(Instant::now());
        let ready: Vec<Batch> = shared.state.lock().expect("state lock").ready.drain(..).collect();
        let metadata = shared.cluster.metadata();
        let mut by_leader: HashMap<i32, Vec<Batch>> = HashMap::new();
        for batch in ready {
            match metadata.leader(batch.topic(), batch.partition()) {
                Some(leader) => by_leader.entry(leader).or_default().push(batch),
                None => {
                    let error = Error::Kafka {
                        code: strata_protocol::ErrorCode::LEADER_NOT_AVAILABLE,
                        detail: Some(format!("{}-{}", batch.topic(), batch.partition()).into()),
                    };
                    shared.retry(batch, error);
                }
            }
        }
        for (leader, batches) in by_leader {
            for request in one_per_partition(batches) {
                let tx = brokers.entry(leader).or_insert_with(|| spawn_broker_sender(shared.clone(), leader));
                if let Err(mpsc::error::SendError(request)) = tx.send(request) {
                    let tx = spawn_broker_sender(shared.clone(), leader);
                    let _ = tx.send(request);
                    brokers.insert(leader, tx);
                }
            }
        }
        match next_linger {
            Some(at) => {
                let _ = tokio::time::timeout_at(at.into(), wake).await;
            }
            None => wake.await,
        }
    }
}

/// Splits one leader's ready batches into Produce requests holding at most
/// one batch per partition, as Java's producer drains them: an answer names
/// each partition once, so a second batch of a partition in the same
/// request got the first one's base offset. Request `k` takes each
/// partition's `k`-th batch, so a partition's batches go out in order.
fn one_per_partition(batches: Vec<Batch>) -> Vec<Vec<Batch>> {
    let mut requests: Vec<Vec<Batch>> = Vec::new();
    let mut taken: HashMap<(Arc<str>, i32), usize> = HashMap::new();
    for batch in batches {
        let k = taken.entry((batch.topic().clone(), batch.partition())).or_default();
        if requests.len() == *k {
            requests.push(Vec::new());
        }
        requests[*k].push(batch);
        *k += 1;
    }
    requests
}

/// One broker's sender: writes its Produce requests in order, at most
/// `max.in.flight.requests.per.connection` unanswered at a time.
fn spawn_broker_sender(shared: Arc<Shared>, broker: i32) -> mpsc::UnboundedSender<Vec<Batch>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Batch>>();
    tokio::spawn(async move {
        let in_flight = Arc::new(Semaphore::new(shared.config.max_in_flight));
        while let Some(batches) = rx.recv().await {
            let permit = in_flight.clone().acquire_owned().await.expect("never closed");
            let conn = match shared.cluster.broker(broker).await {
                Ok(conn) => conn,
                Err(e) => {
                    batches.into_iter().for_each(|b| shared.retry(b, e.clone()));
                    continue;
                }
            };
            let shared = shared.clone();
            match start_produce(&shared, &conn, &batches).await {
                Ok(None) => batches.into_iter().for_each(|b| shared.finish(b, Ok((-1, -1)))),
                Ok(Some(answer)) => {
                    tokio::spawn(async move {
                        let answer = answer.await;
                        drop(permit);
                        complete(&shared, batches, answer);
                    });
                }
                Err(e) => batches.into_iter().for_each(|b| shared.retry(b, e.clone())),
            }
        }
    });
    tx
}

type Answer = Pin<Box<dyn Future<Output = Result<ProduceResponse>> + Send>>;

/// Writes one Produce request holding `batches`; `None` with acks=0.
async fn start_produce(shared: &Shared, conn: &Connection, batches: &[Batch]) -> Result<Option<Answer>> {
    // Versions below 3 (no transactional id) are refused by `Connection::produce`.
    let version = conn.version::<ProduceRequest>(11)?;
    let mut topics: Vec<TopicProduceData> = Vec::new();
    for b in batches {
        let data =
            PartitionProduceData { index: b.partition(), records: Some(b.records.clone()), ..Default::default() };
        match topics.iter_mut().find(|t| *t.name == **b.topic()) {
            Some(t) => t.partition_data.push(data),
            None => topics.push(TopicProduceData {
                name: b.topic().to_string(),
                partition_data: vec![data],
                ..Default::default()
            }),
        }
    }
    let request = ProduceRequest {
        transactional_id: None,
        acks: shared.config.acks.wire(),
        timeout_ms: shared.config.client.request_timeout.as_millis().min(i32::MAX as u128) as i32,
        topic_data: topics,
        ..Default::default()
    };
    Ok(conn.produce(&request, version).await?.map(|answer| Box::pin(answer) as Answer))
}

/// Resolves each batch of a Produce request from its answer.
fn complete(shared: &Arc<Shared>, batches: Vec<Batch>, answer: Result<ProduceResponse>) {
    let response = match answer {
        Ok(r) => r,
        Err(e) => {
            batches.into_iter().for_each(|b| shared.retry(b, e.clone()));
            return;
        }
    };
    for batch in batches {
        let part = response
            .responses
            .iter()
            .filter(|t| *t.name == **batch.topic())
            .flat_map(|t| &t.partition_responses)
            .find(|p| p.index == batch.partition());
        match part {
            None => {
                let e = Error::Malformed(format!("no answer for {}-{}", batch.topic(), batch.partition()).into());
                shared.finish(batch, Err(e));
            }
            Some(p) if p.error_code == 0 => shared.finish(batch, Ok((p.base_offset, p.log_append_time_ms))),
            Some(p) => {
                let e = Error::from_code(p.error_code, p.error_message.as_deref());
                shared.retry(batch, e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each name finds its own batches whichever was used last, and a
    /// lookup of a name never added finds none.
    #[test]
    fn topics_are_found_by_name_whichever_was_used_last() {
        let count = |partitions| PartitionCount { partitions, version: 1 };
        let mut topics = Topics::default();
        assert!(topics.get_mut("a").is_none());
        topics.entry("a", count(1));
        topics.entry("b", count(2));
        for name in ["a", "b", "b", "a", "a", "b"] {
            let found = topics.get_mut(name).expect("added");
            assert_eq!(&*found.name, name);
            assert_eq!(found.partitions.partitions, if name == "a" { 1 } else { 2 });
        }
        assert!(topics.get_mut("c").is_none());
        assert_eq!(topics.entry("a", count(3)).partitions.partitions, 3, "a newer count is kept");
        assert_eq!(topics.all.len(), 2);
    }
}
