//! WriteTxnMarkers: the transaction coordinator's request to write commit or
//! abort markers into the partitions of a transaction. Each marker is
//! appended in the ordered part and answered once durable; an abort is
//! recorded in the partition's aborted-transaction index.

use std::sync::Arc;

use strata_protocol::generated::write_txn_markers_response::{
    WritableTxnMarkerPartitionResult, WritableTxnMarkerResult, WritableTxnMarkerTopicResult,
};
use strata_protocol::generated::{WriteTxnMarkersRequest, WriteTxnMarkersResponse};
use strata_protocol::ErrorCode;
use strata_records::control::{ControlRecord, ControlType};
use strata_storage::AppendOptions;

use crate::broker::Broker;
use crate::error::storage_error_code;
use crate::replicas::Partition;
use crate::time::now_ms;

/// Writes every marker now; the reply waits until they are durable.
pub(super) fn handle(
    broker: &Arc<Broker>,
    req: WriteTxnMarkersRequest,
) -> impl std::future::Future<Output = WriteTxnMarkersResponse> + Send + 'static {
    let now = now_ms();
    let written: Vec<_> = req
        .markers
        .into_iter()
        .map(|m| {
            let kind = if m.transaction_result { ControlType::Commit } else { ControlType::Abort };
            let marker = ControlRecord { kind, coordinator_epoch: m.coordinator_epoch };
            let topics: Vec<_> = m
                .topics
                .into_iter()
                .map(|t| {
                    let partitions: Vec<_> = t
                        .partition_indexes
                        .iter()
                        .map(|&i| (i, write(broker, &t.name, i, m.producer_id, m.producer_epoch, marker, now)))
                        .collect();
                    (t.name, partitions)
                })
                .collect();
            (m.producer_id, topics)
        })
        .collect();
    async move {
        let mut markers = Vec::with_capacity(written.len());
        for (producer_id, topics) in written {
            let mut results = Vec::with_capacity(topics.len());
            for (name, partitions) in topics {
                let mut answers = Vec::with_capacity(partitions.len());
                for (partition_index, outcome) in partitions {
                    let code = match outcome {
                        Ok((p, end)) => p.flush_to(end).await.err().map_or(ErrorCode::NONE, |(code, _)| code),
                        Err(code) => code,
                    };
                    answers.push(WritableTxnMarkerPartitionResult {
                        partition_index,
                        error_code: code.code(),
                        ..Default::default()
                    });
                }
                results.push(WritableTxnMarkerTopicResult { name, partitions: answers, ..Default::default() });
            }
            markers.push(WritableTxnMarkerResult { producer_id, topics: results, ..Default::default() });
        }
        WriteTxnMarkersResponse { markers, ..Default::default() }
    }
}

/// Appends one marker; the partition and the end offset to make durable.
fn write(
    broker: &Broker,
    topic: &str,
    index: i32,
    producer_id: i64,
    producer_epoch: i16,
    marker: ControlRecord,
    now: i64,
) -> Result<(Arc<Partition>, i64), ErrorCode> {
    let partition = broker.replicas.get(topic, index).ok_or(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)?;
    let opts = AppendOptions { leader_epoch: partition.leader_epoch, now_ms: now };
    match partition.log.append_marker(producer_id, producer_epoch, marker, opts) {
        Ok(info) => {
            let end = info.last_offset + 1;
            partition.end_offset.send_replace(end);
            Ok((partition, end))
        }
        Err(e) => {
            tracing::warn!(topic, partition = index, producer_id, error = %e, "transaction marker refused");
            Err(storage_error_code(&e))
        }
    }
}
