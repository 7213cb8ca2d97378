//! Writing a transaction's COMMIT or ABORT marker into one partition, in two
//! steps: [`write`] appends it (in a request's ordered part), [`settle`]
//! waits until it is durable on every ISR member and then, in a
//! `__consumer_offsets` partition, lets the group coordinator apply or drop
//! the producer's pending offset commits. Only a partition's leader writes
//! its markers. Used by WriteTxnMarkers and by the transaction coordinator.

use std::sync::Arc;

use strata_protocol::ErrorCode;
use strata_records::control::{ControlRecord, ControlType};
use strata_storage::AppendOptions;

use crate::broker::Broker;
use crate::error::storage_error_code;
use crate::groups::OFFSETS_TOPIC;
use crate::replicas::Partition;
use crate::time::now_ms;

/// Appends one marker; the partition and the end offset to make durable.
pub(crate) fn write(
    broker: &Broker,
    topic: &str,
    index: i32,
    producer_id: i64,
    producer_epoch: i16,
    marker: ControlRecord,
) -> Result<(Arc<Partition>, i64), ErrorCode> {
    let partition = broker.replicas.get(topic, index).ok_or(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)?;
    if !partition.is_leader() {
        return Err(ErrorCode::NOT_LEADER_OR_FOLLOWER);
    }
    let opts = AppendOptions { leader_epoch: partition.leader_epoch(), now_ms: now_ms() };
    match partition.log.append_marker(producer_id, producer_epoch, marker, opts) {
        Ok(info) => {
            let end = info.last_offset + 1;
            partition.appended();
            Ok((partition, end))
        }
        Err(e) => {
            tracing::warn!(topic, partition = index, producer_id, error = %e, "transaction marker refused");
            Err(storage_error_code(&e))
        }
    }
}

/// How long a marker waits for its partition's ISR.
const MARKER_REPLICATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Waits for a written marker to be durable on every ISR member; then, in `__consumer_offsets`,
/// the producer's pending offset commits of that partition take effect (or
/// are dropped). The marker's error code.
pub(crate) async fn settle(
    broker: &Broker,
    topic: &str,
    index: i32,
    producer_id: i64,
    marker: ControlRecord,
    written: Result<(Arc<Partition>, i64), ErrorCode>,
) -> ErrorCode {
    let (partition, end) = match written {
        Ok(w) => w,
        Err(code) => return code,
    };
    if let Err((code, _)) = partition.clone().flush_to(end).await {
        return code;
    }
    // As Kafka writes markers: with acks=all.
    if let Err(code) = partition.replicated(end, MARKER_REPLICATION_TIMEOUT).await {
        return code;
    }
    if topic == OFFSETS_TOPIC {
        let commit = marker.kind == ControlType::Commit;
        broker.groups.direct(|g| g.end_transaction(index, producer_id, commit));
    }
    ErrorCode::NONE
}
