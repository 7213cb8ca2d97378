//! WriteTxnMarkers: the transaction coordinator's request to write commit or
//! abort markers into the partitions of a transaction. Each marker is
//! appended in the ordered part and answered once durable; an abort is
//! recorded in the partition's aborted-transaction index. A marker in a
//! `__consumer_offsets` partition also settles the transaction's pending
//! offset commits there (see `crate::markers`, which the broker's own
//! transaction coordinator uses too).

use std::sync::Arc;

use futures_util::future::join_all;
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
        // Every marker settles at once: the reply waits for the slowest
        // partition, not for the sum of them all.
        let broker = &owned;
        let markers = join_all(written.into_iter().map(|(producer_id, topics, marker)| async move {
            let topics = join_all(topics.into_iter().map(|(name, partitions)| async move {
                let answers = join_all(partitions.into_iter().map(|(partition_index, outcome)| {
                    let name = &name;
                    async move {
                        let code = settle(broker, name, partition_index, producer_id, marker, outcome).await;
                        WritableTxnMarkerPartitionResult {
                            partition_index,
                            error_code: code.code(),
                            ..Default::default()
                        }
                    }
                }))
                .await;
                WritableTxnMarkerTopicResult { name, partitions: answers, ..Default::default() }
            }))
            .await;
            WritableTxnMarkerResult { producer_id, topics, ..Default::default() }
        }))
        .await;
        WriteTxnMarkersResponse { markers, ..Default::default() }
    }
}
