//! WriteTxnMarkers: the transaction coordinator's request to write commit or
//! abort markers into the partitions of a transaction. Each marker is
//! appended in the ordered part and answered once durable; an abort is
//! recorded in the partition's aborted-transaction index. A marker in a
//! `__consumer_offsets` partition also settles the transaction's pending
//! offset commits there (see `crate::markers`, which the broker's own
//! transaction coordinator uses too).

use std::sync::Arc;

use strata_protocol::generated::write_txn_markers_response::{
    WritableTxnMarkerPartitionResult, WritableTxnMarkerResult, WritableTxnMarkerTopicResult,
};
use strata_protocol::generated::{WriteTxnMarkersRequest, WriteTxnMarkersResponse};
use strata_records::control::{ControlRecord, ControlType};

use crate::broker::Broker;
use crate::markers::{settle, write};

/// Writes every marker now; the reply waits until they are durable.
pub(super) fn handle(
    broker: &Arc<Broker>,
    req: WriteTxnMarkersRequest,
) -> impl std::future::Future<Output = WriteTxnMarkersResponse> + Send + 'static {
    let owned = broker.clone();
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
                        .map(|&i| (i, write(broker, &t.name, i, m.producer_id, m.producer_epoch, marker)))
                        .collect();
                    (t.name, partitions)
                })
                .collect();
            (m.producer_id, topics, marker)
        })
        .collect();
    async move {
        let mut markers = Vec::with_capacity(written.len());
        for (producer_id, topics, marker) in written {
            let mut results = Vec::with_capacity(topics.len());
            for (name, partitions) in topics {
                let mut answers = Vec::with_capacity(partitions.len());
                for (partition_index, outcome) in partitions {
                    let code = settle(&owned, &name, partition_index, producer_id, marker, outcome).await;
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
