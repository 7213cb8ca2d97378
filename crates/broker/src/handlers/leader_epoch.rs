//! OffsetForLeaderEpoch (KIP-101, KIP-279, KIP-320): for a leader epoch, the
//! largest epoch at most it that the leader's log knows and the offset where
//! that epoch ended. A follower truncates its log there after a leader
//! change; a consumer checks its position after one. Only the leader answers,
//! and only in the leader epoch the asker knows.

use strata_protocol::generated::offset_for_leader_epoch_response::{EpochEndOffset, OffsetForLeaderTopicResult};
use strata_protocol::generated::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse};
use strata_protocol::ErrorCode;

use super::fetch::check_leader;
use crate::broker::Broker;

/// Serves an OffsetForLeaderEpoch request.
pub(super) fn handle(broker: &Broker, req: OffsetForLeaderEpochRequest) -> OffsetForLeaderEpochResponse {
    let topics = req
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partitions
                .into_iter()
                .map(|p| {
                    let answer = EpochEndOffset {
                        partition: p.partition,
                        leader_epoch: -1,
                        end_offset: -1,
                        ..Default::default()
                    };
                    let Some(partition) = broker.replicas.get(&t.topic, p.partition) else {
                        return EpochEndOffset { error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code(), ..answer };
                    };
                    if let Err(code) = check_leader(&partition, p.current_leader_epoch, broker.config.node_id) {
                        return EpochEndOffset { error_code: code.code(), ..answer };
                    }
                    match partition.log.end_offset_for_epoch(p.leader_epoch) {
                        Some((leader_epoch, end_offset)) => EpochEndOffset { leader_epoch, end_offset, ..answer },
                        None => answer,
                    }
                })
                .collect();
            OffsetForLeaderTopicResult { topic: t.topic, partitions, ..Default::default() }
        })
        .collect();
    OffsetForLeaderEpochResponse { topics, ..Default::default() }
}
