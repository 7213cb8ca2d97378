//! Committed offsets: OffsetCommit (answered once durable), OffsetFetch
//! (one group before v8, several from v8) and OffsetDelete.

use std::future::Future;
use std::sync::Arc;

use strata_coordinator::{Committed, Fetched, GroupCoordinator, Wanted};
use strata_protocol::generated::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use strata_protocol::generated::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use strata_protocol::generated::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetDeleteRequest, OffsetDeleteResponse, OffsetFetchRequest,
    OffsetFetchResponse, TxnOffsetCommitRequest, TxnOffsetCommitResponse,
};
use strata_protocol::ErrorCode;
use strata_storage::TxnVerification;

use crate::broker::Broker;
use crate::time::now_ms;

/// OffsetCommit: offsets of partitions that exist are written to the
/// group's `__consumer_offsets` partition; the answer waits for the fsync.
pub(super) fn commit(
    broker: &Arc<Broker>,
    req: OffsetCommitRequest,
    version: i16,
) -> impl Future<Output = OffsetCommitResponse> + Send + 'static {
    let now = now_ms();
    let image = broker.image();
    let exists = move |topic: &str, partition: i32| image.has_partition(topic, partition);
    let call = broker.groups.call(&broker.replicas, |e, j| e.commit_offsets(now, version, req, &exists, j));
    async move {
        let (mut r, durable) = call.durable().await;
        if let Err(code) = durable {
            for p in r.topics.iter_mut().flat_map(|t| t.partitions.iter_mut()) {
                p.error_code = code.code();
            }
        }
        r
    }
}

/// TxnOffsetCommit: like OffsetCommit, but the offsets are written inside
/// the producer's transaction and take effect when it commits. `verified`
/// is the transaction coordinator's word (`super::verification`): how the
/// append checks a batch that opens the transaction in the group's
/// partition, or the error every partition is answered with.
pub(super) fn txn_commit(
    broker: &Arc<Broker>,
    req: TxnOffsetCommitRequest,
    version: i16,
    verified: Result<TxnVerification, ErrorCode>,
) -> impl Future<Output = TxnOffsetCommitResponse> + Send + 'static {
    let now = now_ms();
    let image = broker.image();
    let exists = move |topic: &str, partition: i32| image.has_partition(topic, partition);
    let call = match verified {
        Ok(txn) => Ok(broker
            .groups
            .call_verified(&broker.replicas, txn, |e, j| e.txn_commit_offsets(now, version, req, &exists, j))),
        Err(code) => Err((refused(req), code)),
    };
    async move {
        let (mut r, outcome) = match call {
            Ok(call) => call.durable().await,
            Err((r, code)) => (r, Err(code)),
        };
        if let Err(code) = outcome {
            for p in r.topics.iter_mut().flat_map(|t| t.partitions.iter_mut()) {
                p.error_code = code.code();
            }
        }
        r
    }
}

/// An answer naming each partition of `req`, to fill with one error.
fn refused(req: TxnOffsetCommitRequest) -> TxnOffsetCommitResponse {
    let topics = req
        .topics
        .into_iter()
        .map(|t| TxnOffsetCommitResponseTopic {
            name: t.name,
            partitions: t
                .partitions
                .into_iter()
                .map(|p| TxnOffsetCommitResponsePartition { partition_index: p.partition_index, ..Default::default() })
                .collect(),
            ..Default::default()
        })
        .collect();
    TxnOffsetCommitResponse { topics, ..Default::default() }
}

/// OffsetFetch. With `require_stable` (v7+), a partition whose offset a
/// transaction is still committing answers UNSTABLE_OFFSET_COMMIT, and the
/// client retries; without it the last committed offset is given.
pub(super) fn fetch(broker: &Arc<Broker>, req: OffsetFetchRequest, version: i16) -> OffsetFetchResponse {
    let stable = req.require_stable;
    if version >= 8 {
        let groups = req
            .groups
            .into_iter()
            .map(|g| {
                let wanted: Wanted = g.topics.map(|ts| ts.into_iter().map(|t| (t.name, t.partition_indexes)).collect());
                let fetched = broker.groups.direct(|e| {
                    e.validate_offset_fetch(&g.group_id, g.member_id.as_deref(), g.member_epoch)
                        .and_then(|()| e.fetch_offsets(&g.group_id, wanted))
                        .map(|f| with_stability(e, &g.group_id, f, stable))
                });
                group_v8(g.group_id, fetched)
            })
            .collect();
        return OffsetFetchResponse { groups, ..Default::default() };
    }
    let wanted: Wanted = req.topics.map(|ts| ts.into_iter().map(|t| (t.name, t.partition_indexes)).collect());
    let asked = wanted.clone();
    let group = req.group_id;
    match broker.groups.direct(|e| e.fetch_offsets(&group, wanted).map(|f| with_stability(e, &group, f, stable))) {
        Ok(fetched) => OffsetFetchResponse { topics: topics_v0(version, fetched, None), ..Default::default() },
        Err(code) if version >= 2 => OffsetFetchResponse { error_code: code.code(), ..Default::default() },
        Err(code) => {
            // v0 and v1 carry errors only per partition.
            let fetched = asked
                .unwrap_or_default()
                .into_iter()
                .map(|(t, ps)| (t, ps.into_iter().map(|p| (p, Err(code))).collect()));
            OffsetFetchResponse { topics: topics_v0(version, fetched.collect(), None), ..Default::default() }
        }
    }
}

/// Per topic, per partition: the committed offset, or the partition's error.
type Answered = Vec<(String, Vec<(i32, Result<Option<Committed>, ErrorCode>)>)>;

/// The fetched offsets, with UNSTABLE_OFFSET_COMMIT for partitions a
/// transaction holds an offset for when the request requires stable offsets.
fn with_stability(e: &GroupCoordinator, group: &str, fetched: Fetched, require_stable: bool) -> Answered {
    fetched
        .into_iter()
        .map(|(t, ps)| {
            let ps = ps
                .into_iter()
                .map(|(p, c)| match require_stable && e.is_unstable(group, &t, p) {
                    true => (p, Err(ErrorCode::UNSTABLE_OFFSET_COMMIT)),
                    false => (p, Ok(c)),
                })
                .collect();
            (t, ps)
        })
        .collect()
}

fn topics_v0(version: i16, fetched: Answered, error: Option<ErrorCode>) -> Vec<OffsetFetchResponseTopic> {
    fetched
        .into_iter()
        .map(|(name, partitions)| OffsetFetchResponseTopic {
            name,
            partitions: partitions
                .into_iter()
                .map(|(partition_index, answer)| {
                    let (c, code) = split(answer);
                    OffsetFetchResponsePartition {
                        partition_index,
                        committed_offset: c.as_ref().map_or(-1, |c| c.offset),
                        committed_leader_epoch: c.as_ref().filter(|_| version >= 5).map_or(-1, |c| c.leader_epoch),
                        metadata: Some(c.map(|c| c.metadata).unwrap_or_default()),
                        error_code: error.unwrap_or(code).code(),
                        ..Default::default()
                    }
                })
                .collect(),
            ..Default::default()
        })
        .collect()
}

/// A partition's committed offset (if any) and its error code.
fn split(answer: Result<Option<Committed>, ErrorCode>) -> (Option<Committed>, ErrorCode) {
    match answer {
        Ok(c) => (c, ErrorCode::NONE),
        Err(code) => (None, code),
    }
}

fn group_v8(group_id: String, fetched: Result<Answered, ErrorCode>) -> OffsetFetchResponseGroup {
    let (topics, code) = match fetched {
        Ok(f) => (f, ErrorCode::NONE),
        Err(code) => (Vec::new(), code),
    };
    let topics = topics
        .into_iter()
        .map(|(name, partitions)| OffsetFetchResponseTopics {
            name,
            partitions: partitions
                .into_iter()
                .map(|(partition_index, answer)| {
                    let (c, code) = split(answer);
                    OffsetFetchResponsePartitions {
                        partition_index,
                        committed_offset: c.as_ref().map_or(-1, |c| c.offset),
                        committed_leader_epoch: c.as_ref().map_or(-1, |c| c.leader_epoch),
                        metadata: Some(c.map(|c| c.metadata).unwrap_or_default()),
                        error_code: code.code(),
                        ..Default::default()
                    }
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    OffsetFetchResponseGroup { group_id, topics, error_code: code.code(), ..Default::default() }
}

/// OffsetDelete.
pub(super) fn delete(
    broker: &Arc<Broker>,
    req: OffsetDeleteRequest,
) -> impl Future<Output = OffsetDeleteResponse> + Send + 'static {
    let call = broker.groups.call(&broker.replicas, |e, j| e.delete_offsets(req, j));
    async move {
        match call.durable().await {
            (r, Ok(())) => r,
            (_, Err(code)) => OffsetDeleteResponse { error_code: code.code(), ..Default::default() },
        }
    }
}
