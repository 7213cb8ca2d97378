//! Committed offsets: OffsetCommit (answered once durable), OffsetFetch
//! (one group before v8, several from v8) and OffsetDelete.

use std::future::Future;
use std::sync::Arc;

use strata_coordinator::{Fetched, Wanted};
use strata_protocol::generated::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use strata_protocol::generated::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetDeleteRequest, OffsetDeleteResponse, OffsetFetchRequest,
    OffsetFetchResponse,
};
use strata_protocol::ErrorCode;

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
    let exists = move |topic: &str, partition: i32| {
        image.topic(topic).is_some_and(|t| usize::try_from(partition).is_ok_and(|p| p < t.partitions.len()))
    };
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

/// OffsetFetch. `require_stable` (v7+) asks to wait for pending
/// transactional commits; with no transactions yet there are none.
pub(super) fn fetch(broker: &Arc<Broker>, req: OffsetFetchRequest, version: i16) -> OffsetFetchResponse {
    if version >= 8 {
        let groups = req
            .groups
            .into_iter()
            .map(|g| {
                let wanted: Wanted = g.topics.map(|ts| ts.into_iter().map(|t| (t.name, t.partition_indexes)).collect());
                let fetched = broker.groups.direct(|e| {
                    e.validate_offset_fetch(&g.group_id, g.member_id.as_deref(), g.member_epoch)
                        .and_then(|()| e.fetch_offsets(&g.group_id, wanted))
                });
                group_v8(g.group_id, fetched)
            })
            .collect();
        return OffsetFetchResponse { groups, ..Default::default() };
    }
    let wanted: Wanted = req.topics.map(|ts| ts.into_iter().map(|t| (t.name, t.partition_indexes)).collect());
    let asked = wanted.clone();
    match broker.groups.direct(|e| e.fetch_offsets(&req.group_id, wanted)) {
        Ok(fetched) => OffsetFetchResponse { topics: topics_v0(version, fetched, None), ..Default::default() },
        Err(code) if version >= 2 => OffsetFetchResponse { error_code: code.code(), ..Default::default() },
        Err(code) => {
            // v0 and v1 carry errors only per partition.
            let fetched =
                asked.unwrap_or_default().into_iter().map(|(t, ps)| (t, ps.into_iter().map(|p| (p, None)).collect()));
            OffsetFetchResponse { topics: topics_v0(version, fetched.collect(), Some(code)), ..Default::default() }
        }
    }
}

fn topics_v0(version: i16, fetched: Fetched, error: Option<ErrorCode>) -> Vec<OffsetFetchResponseTopic> {
    fetched
        .into_iter()
        .map(|(name, partitions)| OffsetFetchResponseTopic {
            name,
            partitions: partitions
                .into_iter()
                .map(|(partition_index, c)| OffsetFetchResponsePartition {
                    partition_index,
                    committed_offset: c.as_ref().map_or(-1, |c| c.offset),
                    committed_leader_epoch: c.as_ref().filter(|_| version >= 5).map_or(-1, |c| c.leader_epoch),
                    metadata: Some(c.map(|c| c.metadata).unwrap_or_default()),
                    error_code: error.map_or(0, |e| e.code()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect()
}

fn group_v8(group_id: String, fetched: Result<Fetched, ErrorCode>) -> OffsetFetchResponseGroup {
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
                .map(|(partition_index, c)| OffsetFetchResponsePartitions {
                    partition_index,
                    committed_offset: c.as_ref().map_or(-1, |c| c.offset),
                    committed_leader_epoch: c.as_ref().map_or(-1, |c| c.leader_epoch),
                    metadata: Some(c.map(|c| c.metadata).unwrap_or_default()),
                    ..Default::default()
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
