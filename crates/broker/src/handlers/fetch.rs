//! Fetch: reads whole batches from each partition below its high watermark,
//! within the partition and response byte limits (and at least one batch,
//! KIP-74), long-polling until min_bytes arrive or max_wait_ms passes;
//! fetch sessions (KIP-227) decide which partitions are read and sent.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use strata_protocol::generated::fetch_response::{AbortedTransaction, PartitionData};
use strata_protocol::generated::FetchRequest;
use strata_protocol::{ErrorCode, Uuid};
use strata_storage::StorageError;
use tokio::sync::watch;

use super::fetch_response::{FetchOutcome, PartitionResult, TopicResult};
use crate::broker::Broker;
use crate::error::storage_error_code;
use crate::fetch_session::{Cached, Key, Plan, Sent};
use crate::replicas::Partition;
use crate::replication;
use crate::time::now_ms;

/// Resolves the session now; returns the (possibly long-polling) read.
pub(super) fn handle(
    broker: &Arc<Broker>,
    req: FetchRequest,
    version: i16,
) -> impl Future<Output = FetchOutcome> + Send + 'static {
    let image = broker.image();
    let key = |id: Uuid, name: String, partition: i32| -> Key {
        if version >= 13 {
            let name = image.topic_by_id(&id).map(|t| t.name.clone()).unwrap_or_default();
            (id, name, partition)
        } else {
            (Uuid::ZERO, name, partition)
        }
    };
    let replica = if version >= 15 { req.replica_state.replica_id } else { req.replica_id };
    let mut requested = Vec::new();
    for t in req.topics {
        for p in t.partitions {
            let key = key(t.topic_id, t.topic.clone(), p.partition);
            let wanted = Cached::new(p.fetch_offset, p.partition_max_bytes, p.current_leader_epoch);
            if replica >= 0 {
                let durable = replication::durable_offset(&p.unknown_tagged_fields, p.fetch_offset);
                follower_fetched(broker, replica, &key, &wanted, durable);
            }
            requested.push((key, wanted));
        }
    }
    let forgotten = req
        .forgotten_topics_data
        .into_iter()
        .flat_map(|t| t.partitions.into_iter().map(move |p| (t.topic_id, t.topic.clone(), p)))
        .map(|(id, n, p)| key(id, n, p))
        .collect();
    let plan = broker.sessions.lock().unwrap_or_else(|p| p.into_inner()).plan(
        req.session_id,
        req.session_epoch,
        requested,
        forgotten,
    );
    let broker = broker.clone();
    let limits = Limits {
        max_bytes: usize::try_from(req.max_bytes).unwrap_or(0),
        min_bytes: usize::try_from(req.min_bytes).unwrap_or(0),
        max_wait: Duration::from_millis(u64::try_from(req.max_wait_ms).unwrap_or(0)),
        read_committed: req.isolation_level == 1,
        replica: (replica >= 0).then_some(replica),
        by_id: version >= 13,
        node_id: broker.config.node_id,
    };
    async move {
        match plan {
            Ok(plan) => read(&broker, plan, limits).await,
            Err(error) => FetchOutcome { error, session_id: 0, topics: Vec::new() },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_bytes: usize,
    min_bytes: usize,
    max_wait: Duration,
    read_committed: bool,
    /// The follower fetching (None: a consumer): it reads up to the log end.
    replica: Option<i32>,
    by_id: bool,
    /// This broker: only partitions it leads are served.
    node_id: i32,
}

/// One partition's read.
struct Read {
    result: PartitionResult,
    error: bool,
}

async fn read(broker: &Arc<Broker>, plan: Plan, limits: Limits) -> FetchOutcome {
    let partitions: Vec<Option<Arc<Partition>>> =
        plan.partitions.iter().map(|((_, name, index), _)| broker.replicas.get(name, *index)).collect();
    let deadline = tokio::time::Instant::now() + limits.max_wait;
    let reads = loop {
        let mut watches: Vec<watch::Receiver<i64>> =
            partitions.iter().flatten().map(|p| p.changes(limits.replica.is_some())).collect();
        let reads = read_once(&plan, &partitions, limits);
        let bytes: usize = reads.iter().filter_map(|r| r.result.region.as_ref()).map(|r| r.len).sum();
        let done = bytes >= limits.min_bytes || reads.iter().any(|r| r.error) || watches.is_empty();
        if done || tokio::time::Instant::now() >= deadline {
            break reads;
        }
        if tokio::time::timeout_at(deadline, any_changed(&mut watches)).await.is_err() {
            break read_once(&plan, &partitions, limits);
        }
    };
    for (p, r) in partitions.iter().zip(&reads) {
        if let (Some(p), Some(region)) = (p, &r.result.region) {
            p.traffic.fetched(limits.replica.is_some(), region.len);
        }
    }
    let sent: Vec<Sent<'_>> = plan
        .partitions
        .iter()
        .zip(&reads)
        .map(|((key, _), r)| Sent {
            key,
            has_records: r.result.region.is_some(),
            has_error: r.error,
            offsets: (r.result.data.high_watermark, r.result.data.last_stable_offset, r.result.data.log_start_offset),
        })
        .collect();
    let include = broker.sessions.lock().unwrap_or_else(|p| p.into_inner()).record(&plan, &sent);
    let mut topics: Vec<TopicResult> = Vec::new();
    for (((id, name, _), _), (read, included)) in plan.partitions.iter().zip(reads.into_iter().zip(include)) {
        if !included {
            continue;
        }
        match topics.last_mut().filter(|t| if limits.by_id { t.id == *id } else { t.name == *name }) {
            Some(t) => t.partitions.push(read.result),
            None => topics.push(TopicResult { name: name.clone(), id: *id, partitions: vec![read.result] }),
        }
    }
    FetchOutcome { error: ErrorCode::NONE, session_id: plan.session_id, topics }
}

/// Waits until any partition's end offset moves.
async fn any_changed(watches: &mut [watch::Receiver<i64>]) {
    let mut waits: Vec<Pin<Box<_>>> = watches.iter_mut().map(|w| Box::pin(w.changed())).collect();
    poll_fn(|cx| if waits.iter_mut().any(|w| w.as_mut().poll(cx).is_ready()) { Poll::Ready(()) } else { Poll::Pending })
        .await
}

fn read_once(plan: &Plan, partitions: &[Option<Arc<Partition>>], limits: Limits) -> Vec<Read> {
    let mut budget = limits.max_bytes;
    let mut first = true;
    plan.partitions
        .iter()
        .zip(partitions)
        .map(|(((_, name, index), cached), partition)| {
            let read = read_partition(name, *index, cached, partition.as_deref(), &mut budget, first, limits);
            first &= read.result.region.is_none();
            read
        })
        .collect()
}

fn read_partition(
    name: &str,
    index: i32,
    cached: &Cached,
    partition: Option<&Partition>,
    budget: &mut usize,
    first: bool,
    limits: Limits,
) -> Read {
    let base = PartitionData {
        partition_index: index,
        high_watermark: -1,
        last_stable_offset: -1,
        log_start_offset: -1,
        aborted_transactions: limits.read_committed.then(Vec::new),
        ..Default::default()
    };
    let error = |code: ErrorCode| Read {
        result: PartitionResult { data: PartitionData { error_code: code.code(), ..base.clone() }, region: None },
        error: true,
    };
    let Some(p) = partition else {
        return error(if limits.by_id && name.is_empty() {
            ErrorCode::UNKNOWN_TOPIC_ID
        } else {
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
        });
    };
    if let Err(code) = check_leader(p, cached.leader_epoch, limits.node_id) {
        return error(code);
    }
    let hw = p.high_watermark();
    let lso = p.last_stable_offset();
    let limit = match (limits.replica, limits.read_committed) {
        (Some(_), _) => i64::MAX,
        (None, true) => lso,
        (None, false) => hw,
    };
    let max = usize::try_from(cached.max_bytes).unwrap_or(0).min(*budget);
    let read = match p.log.read(cached.fetch_offset, max, limit, first) {
        Ok(r) => r,
        Err(e @ StorageError::OffsetOutOfRange { .. }) => return error(storage_error_code(&e)),
        Err(e) => {
            tracing::error!(topic = name, partition = index, error = %e, "fetch read failed");
            return error(storage_error_code(&e));
        }
    };
    if let Some(region) = &read.region {
        *budget = budget.saturating_sub(region.len);
    }
    let aborted_transactions = match (&read.region, limits.read_committed) {
        (Some(_), true) => Some(aborted(p, cached.fetch_offset, lso)),
        (_, committed) => committed.then(Vec::new),
    };
    let data = PartitionData {
        high_watermark: hw,
        last_stable_offset: lso,
        log_start_offset: read.log_start_offset,
        aborted_transactions,
        ..base
    };
    Read { result: PartitionResult { data, region: read.region }, error: false }
}

/// Whether this broker leads `p` in the epoch the fetcher knows (KIP-320):
/// an older epoch is fenced, a newer one not known here yet.
pub(super) fn check_leader(p: &Partition, leader_epoch: i32, node: i32) -> Result<(), ErrorCode> {
    let ours = p.leader_epoch();
    match leader_epoch {
        _ if !p.is_led_by(node) => Err(ErrorCode::NOT_LEADER_OR_FOLLOWER),
        e if e != -1 && e < ours => Err(ErrorCode::FENCED_LEADER_EPOCH),
        e if e > ours => Err(ErrorCode::UNKNOWN_LEADER_EPOCH),
        _ => Ok(()),
    }
}

/// A follower's fetch tells the leader its log end offset and the offset
/// below which its log is durable: the high watermark may move (and acks=all
/// produces complete).
fn follower_fetched(broker: &Broker, replica: i32, (_, name, index): &Key, wanted: &Cached, durable: i64) {
    let Some(p) = broker.replicas.get(name, *index) else { return };
    if check_leader(&p, wanted.leader_epoch, broker.config.node_id).is_err() {
        return;
    }
    let leo = p.log.log_end_offset();
    p.replication().fetched(replica, wanted.fetch_offset.min(leo), durable, leo, now_ms());
    p.advance_high_watermark();
}

/// The aborted transactions a read_committed consumer must skip in
/// `[from, lso)` (a superset of the data returned, as clients expect).
fn aborted(p: &Partition, from: i64, lso: i64) -> Vec<AbortedTransaction> {
    let aborted = p.log.aborted_transactions(from, lso);
    aborted
        .into_iter()
        .map(|t| AbortedTransaction { producer_id: t.producer_id, first_offset: t.first_offset, ..Default::default() })
        .collect()
}
