//! Where the coordinators' records go: a [`Journal`] over the partitions of
//! an internal topic (`__consumer_offsets`, `__transaction_state`). Records
//! are appended at once, under the coordinator's lock, so the log holds them
//! in the order the state changed, and only on the partition's leader (a
//! coordinator serves the partitions its broker leads); [`durable`] then
//! fsyncs each partition written, one group-committed fsync per partition,
//! and waits until every ISR member has the records, before replies leave.
//! [`replay`] reads a partition back when a coordinator loads it, and
//! [`to_load`] says which partitions it must load.

use std::collections::HashMap;
use std::sync::Arc;

use strata_coordinator::record::Encoded;
use strata_coordinator::Journal;
use strata_metadata::config::Layers;
use strata_metadata::MetadataImage;
use strata_protocol::ErrorCode;
use strata_records::control::{ControlRecord, ControlType};
use strata_records::{BatchBuilder, Batches, Compression, RecordBatch};
use strata_storage::{AppendOptions, Log, TxnVerification};

use crate::error::{storage_error_code, BrokerError};
use crate::replicas::{Partition, Replicas};
use crate::time::now_ms;

/// The partition count of a coordinator's internal topic: the topic's own
/// once it exists, else the broker config `config` (its count when created).
pub(crate) fn internal_partitions(layers: &Layers<'_>, image: &MetadataImage, topic: &str, config: &str) -> i32 {
    match image.topic(topic) {
        Some(t) => i32::try_from(t.partitions.len()).unwrap_or(i32::MAX),
        None => layers.broker_value(config),
    }
}

/// A partition written and the end offset to make durable.
pub(crate) type Flush = (Arc<Partition>, i64);

/// Appends a coordinator's records to the partitions of `topic`.
pub(crate) struct TopicJournal<'a> {
    pub(crate) topic: &'static str,
    pub(crate) replicas: &'a Replicas,
    /// What must be fsynced before the call's replies leave.
    pub(crate) flushes: Vec<Flush>,
    /// How a transactional batch that opens its producer's transaction in a
    /// partition is checked (KIP-890; a verified TxnOffsetCommit's guard).
    pub(crate) txn: TxnVerification,
}

impl<'a> TopicJournal<'a> {
    /// A journal over `topic`'s partitions.
    pub(crate) fn new(topic: &'static str, replicas: &'a Replicas) -> TopicJournal<'a> {
        TopicJournal { topic, replicas, flushes: Vec::new(), txn: TxnVerification::Off }
    }

    fn write(&mut self, partition: i32, builder: BatchBuilder, records: &[Encoded]) -> Result<(), ErrorCode> {
        let p = self.replicas.get(self.topic, partition).filter(|p| p.is_leader()).ok_or(ErrorCode::NOT_COORDINATOR)?;
        let now = now_ms();
        let mut builder = builder;
        for (key, value) in records {
            builder.push(now, Some(key), value.as_deref(), &[]);
        }
        let opts = AppendOptions { leader_epoch: p.leader_epoch(), now_ms: now };
        let info = p.log.append_from_coordinator(&builder.build(), opts, self.txn).map_err(|e| {
            tracing::error!(topic = self.topic, partition, error = %e, "a coordinator's append failed");
            storage_error_code(&e)
        })?;
        let end = info.last_offset + 1;
        p.appended();
        self.flushes.push((p, end));
        Ok(())
    }
}

impl Journal for TopicJournal<'_> {
    fn append(&mut self, partition: i32, records: Vec<Encoded>) -> Result<(), ErrorCode> {
        self.write(partition, BatchBuilder::new(Compression::None), &records)
    }

    fn append_transactional(
        &mut self,
        partition: i32,
        producer_id: i64,
        producer_epoch: i16,
        records: Vec<Encoded>,
    ) -> Result<(), ErrorCode> {
        let builder = BatchBuilder::new(Compression::None).producer(producer_id, producer_epoch, -1).transactional();
        self.write(partition, builder, &records)
    }
}

/// How long a coordinator's write waits for its ISR.
const REPLICATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Makes the journal's appends durable: one fsync per partition, up to the
/// last end offset written to it, then the ISR's copies. KAFKA_STORAGE_ERROR
/// if an fsync fails, NOT_COORDINATOR if leadership moved meanwhile,
/// COORDINATOR_NOT_AVAILABLE if the ISR did not follow in time.
pub(crate) async fn durable(flushes: Vec<Flush>) -> Result<(), ErrorCode> {
    let mut last: HashMap<usize, Flush> = HashMap::new();
    for (p, end) in flushes {
        let entry = last.entry(Arc::as_ptr(&p) as usize).or_insert((p, end));
        entry.1 = entry.1.max(end);
    }
    for (_, (p, end)) in last {
        if let Err((_, message)) = p.clone().flush_to(end).await {
            tracing::error!(error = %message, "fsync of a coordinator's records failed");
            return Err(ErrorCode::KAFKA_STORAGE_ERROR);
        }
        // As Kafka's coordinators write with acks=all: on every ISR member.
        match p.replicated(end, REPLICATION_TIMEOUT).await {
            Ok(()) => {}
            Err(ErrorCode::NOT_LEADER_OR_FOLLOWER) => return Err(ErrorCode::NOT_COORDINATOR),
            Err(_) => return Err(ErrorCode::COORDINATOR_NOT_AVAILABLE),
        }
    }
    Ok(())
}

/// One entry of an internal topic's log, as replay meets it.
pub(crate) enum Entry<'a> {
    /// A record, with the producer id of the transactional batch holding it.
    Record { key: &'a [u8], value: Option<&'a [u8]>, transactional: Option<i64> },
    /// A producer's end-of-transaction marker: commit (true) or abort.
    Marker { producer_id: i64, commit: bool },
}

/// A coordinator whose state is loaded from its internal topic one
/// partition at a time, each in the leader epoch it was loaded in.
pub(crate) trait PartitionLoads {
    /// The leader epoch `partition` was loaded in, if it is loaded.
    fn loaded_epoch(&self, partition: i32) -> Option<i32>;
    /// Drops `partition`'s state.
    fn unload(&mut self, partition: i32);
}

impl PartitionLoads for strata_coordinator::GroupCoordinator {
    fn loaded_epoch(&self, partition: i32) -> Option<i32> {
        self.loaded_epoch(partition)
    }
    fn unload(&mut self, partition: i32) {
        self.unload(partition)
    }
}

impl PartitionLoads for strata_coordinator::TxnCoordinator {
    fn loaded_epoch(&self, partition: i32) -> Option<i32> {
        self.loaded_epoch(partition)
    }
    fn unload(&mut self, partition: i32) {
        self.unload(partition)
    }
}

/// The partitions of `topic` (of `partitions`) that `coordinator` must
/// load now: those this broker leads and has not loaded in their current
/// leader epoch. It first unloads each one it no longer leads, and each one
/// loaded in an older epoch: another broker may have led it meanwhile and
/// written records this one has not seen, which the log now holds.
pub(crate) fn to_load(
    coordinator: &mut impl PartitionLoads,
    replicas: &Replicas,
    topic: &str,
    partitions: i32,
) -> Vec<(i32, Arc<Partition>)> {
    let mut out = Vec::new();
    for index in 0..partitions {
        let led = replicas.get(topic, index).filter(|p| p.is_leader());
        let loaded = coordinator.loaded_epoch(index);
        if let (Some(p), Some(epoch)) = (&led, loaded) {
            if epoch == p.leader_epoch() {
                continue;
            }
        }
        if loaded.is_some() {
            coordinator.unload(index);
            tracing::info!(topic, partition = index, "unloaded a coordinator partition");
        }
        out.extend(led.map(|p| (index, p)));
    }
    out
}

/// Reads partition `index` of `topic` from start to end, handing `f` each
/// record with a key and each transaction marker; returns how many.
pub(crate) fn replay(log: &Log, topic: &str, index: i32, mut f: impl FnMut(Entry<'_>)) -> Result<usize, BrokerError> {
    let mut count = 0usize;
    for_each_batch(log, topic, |batch| {
        let corrupt = |e: String| BrokerError::Startup(format!("{topic}-{index}: {e}"));
        let h = &batch.header;
        let data = batch.records_data(64 << 20).map_err(|e| corrupt(e.to_string()))?;
        for record in batch.records(&data) {
            let record = record.map_err(|e| corrupt(e.to_string()))?;
            count += 1;
            if h.attributes.control() {
                let marker = ControlRecord::parse(&record).map_err(|e| corrupt(e.to_string()))?;
                if let ControlType::Commit | ControlType::Abort = marker.kind {
                    f(Entry::Marker { producer_id: h.producer_id, commit: marker.kind == ControlType::Commit });
                }
            } else if let Some(key) = record.key {
                let transactional = h.attributes.transactional().then_some(h.producer_id);
                f(Entry::Record { key, value: record.value, transactional });
            }
        }
        Ok(())
    })?;
    Ok(count)
}

/// Reads every batch of `log` from its start to its end, in order (replay at
/// start); `what` names the log in errors.
fn for_each_batch(
    log: &Log,
    what: &str,
    mut f: impl FnMut(&RecordBatch) -> Result<(), BrokerError>,
) -> Result<(), BrokerError> {
    let mut offset = log.log_start_offset();
    while offset < log.log_end_offset() {
        let read = log.read(offset, 1 << 20, i64::MAX, true)?;
        let Some(region) = read.region else { break };
        let bytes = region.read().map_err(|e| BrokerError::Startup(format!("reading {what}: {e}")))?;
        for batch in Batches::new(bytes) {
            let batch = batch.map_err(|e| BrokerError::Startup(format!("{what}: {e}")))?;
            f(&batch)?;
            offset = batch.header.last_offset() + 1;
        }
    }
    Ok(())
}
