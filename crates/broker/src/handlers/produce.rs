//! Produce: validates and appends each partition's batches in the ordered
//! part; with acks=all the reply waits until the appended records are
//! durable here (one group-committed fsync covers every producer waiting on
//! the partition) and the high watermark has passed them, that is every ISR
//! member has them on disk; acks=all is refused with NOT_ENOUGH_REPLICAS
//! while the ISR is smaller than `min.insync.replicas`. With acks=0 there is
//! no reply. A partition named more than once in one request is refused
//! with INVALID_REQUEST at each naming and none of its batches is appended:
//! an answer names a partition once per naming, so a client could not tell
//! which base offset belongs to which batch. A transactional batch that
//! opens its producer's transaction here is appended only once verified
//! with the transaction coordinator (see `super::verification`).

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use strata_protocol::generated::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use strata_protocol::generated::{ProduceRequest, ProduceResponse};
use strata_protocol::ErrorCode;
use strata_storage::AppendOptions;

use super::verification::Verified;
use crate::broker::Broker;
use crate::error::storage_error_code;
use crate::replicas::Partition;
use crate::time::now_ms;

/// A partition's answer, and for acks=all the offset that must be durable first.
struct Appended {
    response: PartitionProduceResponse,
    flush: Option<(Arc<Partition>, i64)>,
}

/// Appends now, each partition as `verified` says; returns the reply to await.
pub(super) fn handle(
    broker: &Arc<Broker>,
    req: ProduceRequest,
    verified: &Verified,
) -> impl Future<Output = Option<ProduceResponse>> + Send + 'static {
    let acks = req.acks;
    let timeout = Duration::from_millis(u64::try_from(req.timeout_ms).unwrap_or(0));
    let now = now_ms();
    let repeated = repeated_partitions(&req);
    let mut topics: Vec<(String, Vec<Appended>)> = Vec::with_capacity(req.topic_data.len());
    for t in req.topic_data {
        let partitions = t
            .partition_data
            .into_iter()
            .map(|p| match !repeated.is_empty() && repeated.contains(&(t.name.clone(), p.index)) {
                true => refused(
                    p.index,
                    ErrorCode::INVALID_REQUEST,
                    format!("{}-{} is named more than once in this request.", t.name, p.index),
                ),
                false => append(broker, &t.name, p.index, p.records, acks, now, verified),
            })
            .collect();
        topics.push((t.name, partitions));
    }
    async move {
        // Every partition's fsync and replication wait at once: a request
        // naming many partitions waits as long as its slowest, not their sum.
        let answers = topics.into_iter().map(|(name, partitions)| async move {
            let answers = partitions.into_iter().map(|a| async move {
                match a.flush {
                    Some((p, end)) => replicated(p, end, timeout, a.response).await,
                    None => a.response,
                }
            });
            TopicProduceResponse { name, partition_responses: join_all(answers).await, ..Default::default() }
        });
        let responses = join_all(answers).await;
        (acks != 0).then(|| ProduceResponse { responses, ..Default::default() })
    }
}

/// The partitions `req` names more than once; usually none, found without
/// a set when it names a single partition. Linear in the request's size,
/// however many repeats a hostile request holds.
fn repeated_partitions(req: &ProduceRequest) -> HashSet<(String, i32)> {
    let mut repeated = HashSet::new();
    if req.topic_data.iter().map(|t| t.partition_data.len()).sum::<usize>() > 1 {
        let mut seen = HashSet::new();
        for t in &req.topic_data {
            for p in &t.partition_data {
                if !seen.insert((t.name.as_str(), p.index)) {
                    repeated.insert((t.name.clone(), p.index));
                }
            }
        }
    }
    repeated
}

/// Nothing appended to partition `index`: `code` and why.
fn refused(index: i32, code: ErrorCode, message: String) -> Appended {
    let response = PartitionProduceResponse {
        index,
        error_code: code.code(),
        error_message: Some(message),
        base_offset: -1,
        log_append_time_ms: -1,
        log_start_offset: -1,
        ..Default::default()
    };
    Appended { response, flush: None }
}

fn append(
    broker: &Broker,
    topic: &str,
    index: i32,
    records: Option<bytes::Bytes>,
    acks: i16,
    now: i64,
    verified: &Verified,
) -> Appended {
    let fail = |code: ErrorCode, message: String| refused(index, code, message);
    if !matches!(acks, -1..=1) {
        return fail(ErrorCode::INVALID_REQUIRED_ACKS, format!("acks must be -1, 0 or 1, not {acks}"));
    }
    let Some(partition) = broker.replicas.get(topic, index) else {
        return fail(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("This server does not host {topic}-{index}."));
    };
    if !partition.is_led_by(broker.config.node_id) {
        return fail(ErrorCode::NOT_LEADER_OR_FOLLOWER, format!("This server is not the leader of {topic}-{index}."));
    }
    if let Some((isr, min)) = partition.insync_shortfall().filter(|_| acks == -1) {
        return fail(
            ErrorCode::NOT_ENOUGH_REPLICAS,
            format!("{topic}-{index} has {isr} in-sync replicas; min.insync.replicas is {min}."),
        );
    }
    let Some(records) = records else {
        return fail(ErrorCode::CORRUPT_MESSAGE, "the partition's records are null".into());
    };
    let txn = match verified.append_as(topic, index) {
        Ok(txn) => txn,
        Err((code, message)) => return fail(code, message),
    };
    let opts = AppendOptions { leader_epoch: partition.leader_epoch(), now_ms: now };
    match partition.log.append_verified(&records, opts, txn) {
        Ok(info) => {
            let end = info.last_offset + 1;
            if !info.duplicate {
                partition.traffic.produced((end - info.first_offset) as u64, records.len());
                partition.appended();
            }
            let response = PartitionProduceResponse {
                index,
                base_offset: info.first_offset,
                log_append_time_ms: info.log_append_time,
                log_start_offset: info.log_start_offset,
                ..Default::default()
            };
            Appended { response, flush: (acks == -1).then_some((partition, end)) }
        }
        Err(e) => {
            tracing::debug!(topic, partition = index, error = %e, "produce refused");
            fail(storage_error_code(&e), e.to_string())
        }
    }
}

/// Waits until `end` is durable here and on every ISR member.
async fn replicated(
    partition: Arc<Partition>,
    end: i64,
    timeout: Duration,
    ok: PartitionProduceResponse,
) -> PartitionProduceResponse {
    let fail = |code: ErrorCode, message: String| PartitionProduceResponse {
        error_code: code.code(),
        error_message: Some(message),
        ..ok.clone()
    };
    // The local fsync and the followers' copies proceed together.
    let (flushed, replicated) = tokio::join!(partition.clone().flush_to(end), partition.replicated(end, timeout));
    match (flushed, replicated) {
        (Err((code, message)), _) => fail(code, message),
        (Ok(()), Err(code)) => fail(code, format!("the records were not replicated to the ISR: {}", code.name())),
        (Ok(()), Ok(())) => ok,
    }
}
