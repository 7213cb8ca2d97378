//! ListOffsets: earliest (-2, and -4 for earliest-local), latest (-1), max
//! timestamp (-3), or the first offset at or after a timestamp. Answers stop
//! at the last fetchable offset, as Kafka's: the high watermark, or with
//! isolation_level=1 (read_committed) the last stable offset, which is then
//! also what latest returns. A leader whose high watermark has not yet
//! reached the log end at the start of its leadership answers consumers
//! OFFSET_NOT_AVAILABLE (LEADER_NOT_AVAILABLE before v5, both retriable) for
//! latest and for a timestamp it cannot place, as Kafka's does (KIP-207):
//! its high watermark may still be below the previous leader's, and an
//! answer from it could send a consumer back to records it already read.

use std::sync::Arc;

use strata_protocol::generated::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use strata_protocol::generated::{ListOffsetsRequest, ListOffsetsResponse};
use strata_protocol::ErrorCode;

use crate::broker::Broker;
use crate::error::storage_error_code;
use crate::replicas::Partition;

/// Serves a ListOffsets request.
pub(super) fn handle(broker: &Arc<Broker>, req: ListOffsetsRequest, version: i16) -> ListOffsetsResponse {
    let read_committed = req.isolation_level == 1;
    let consumer = req.replica_id == -1;
    let not_available = if version >= 5 { ErrorCode::OFFSET_NOT_AVAILABLE } else { ErrorCode::LEADER_NOT_AVAILABLE };
    let topics = req
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partitions
                .into_iter()
                .map(|p| {
                    let base = ListOffsetsPartitionResponse {
                        partition_index: p.partition_index,
                        timestamp: -1,
                        offset: -1,
                        ..Default::default()
                    };
                    let Some(partition) = broker.replicas.get(&t.name, p.partition_index) else {
                        return ListOffsetsPartitionResponse {
                            error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code(),
                            ..base
                        };
                    };
                    let epoch = if version >= 4 { p.current_leader_epoch } else { -1 };
                    if let Err(code) = super::fetch::check_leader(&partition, epoch, broker.config.node_id) {
                        return ListOffsetsPartitionResponse { error_code: code.code(), ..base };
                    }
                    let lagging = consumer && partition.high_watermark_lags_epoch_start();
                    match lookup(&partition, p.timestamp, read_committed, lagging.then_some(not_available)) {
                        Ok((offset, timestamp)) => ListOffsetsPartitionResponse {
                            offset,
                            timestamp,
                            leader_epoch: if version >= 4 { partition.leader_epoch() } else { -1 },
                            ..base
                        },
                        Err(code) => ListOffsetsPartitionResponse { error_code: code.code(), ..base },
                    }
                })
                .collect();
            ListOffsetsTopicResponse { name: t.name, partitions, ..Default::default() }
        })
        .collect();
    ListOffsetsResponse { topics, ..Default::default() }
}

/// (offset, timestamp) for a ListOffsets timestamp; (-1, -1) when no
/// fetchable record qualifies. `lagging`: the error for latest, or for a
/// timestamp not placed below the last fetchable offset, while the high
/// watermark lags the start of this leadership.
fn lookup(
    p: &Partition,
    timestamp: i64,
    read_committed: bool,
    lagging: Option<ErrorCode>,
) -> Result<(i64, i64), ErrorCode> {
    let log = &p.log;
    let fetchable = if read_committed { p.last_stable_offset() } else { p.high_watermark() };
    let found = match timestamp {
        -1 => return lagging.map_or(Ok((fetchable, -1)), Err),
        -2 | -4 => return Ok((log.log_start_offset(), -1)),
        -3 => log.max_timestamp().map(|(ts, offset)| (offset, ts)),
        ts if ts >= 0 => log.offset_for_timestamp(ts).map_err(|e| storage_error_code(&e))?,
        _ => return Err(ErrorCode::INVALID_REQUEST),
    };
    match (found.filter(|(offset, _)| *offset < fetchable), lagging) {
        (Some(found), _) => Ok(found),
        (None, Some(code)) => Err(code),
        (None, None) => Ok((-1, -1)),
    }
}
