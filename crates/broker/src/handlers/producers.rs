//! InitProducerId for idempotent producers, and DescribeProducers: the
//! producer state each partition keeps.

use std::sync::Arc;

use strata_protocol::generated::describe_producers_response::{PartitionResponse, ProducerState, TopicResponse};
use strata_protocol::generated::{
    DescribeProducersRequest, DescribeProducersResponse, InitProducerIdRequest, InitProducerIdResponse,
};
use strata_protocol::ErrorCode;

use super::transactions;
use crate::broker::Broker;

/// InitProducerId: an idempotent producer (no transactional id) gets a new
/// producer id with epoch 0, also when it names its old id and epoch to bump
/// them (KIP-360), as Kafka does. A transactional id goes to the transaction
/// coordinator.
pub(super) async fn init_producer_id(
    broker: &Arc<Broker>,
    req: InitProducerIdRequest,
    version: i16,
) -> InitProducerIdResponse {
    let fail = |code: ErrorCode| InitProducerIdResponse {
        error_code: code.code(),
        producer_id: -1,
        producer_epoch: -1,
        ..Default::default()
    };
    if (req.producer_id == -1) != (req.producer_epoch == -1) {
        return fail(ErrorCode::INVALID_REQUEST);
    }
    match req.transactional_id.as_deref() {
        None => {}
        Some("") => return fail(ErrorCode::INVALID_REQUEST),
        Some(id) => {
            let expected = (req.producer_id >= 0).then_some((req.producer_id, req.producer_epoch));
            return transactions::init_producer_id(broker, id, req.transaction_timeout_ms, expected, version).await;
        }
    }
    match broker.producer_ids.next(broker).await {
        Ok(id) => InitProducerIdResponse { producer_id: id, producer_epoch: 0, ..Default::default() },
        Err(e) => {
            tracing::warn!(error = %e, "allocating a producer id failed");
            fail(e.code)
        }
    }
}

/// DescribeProducers (KIP-664): the active producers of each partition.
pub(super) fn describe(broker: &Arc<Broker>, req: DescribeProducersRequest) -> DescribeProducersResponse {
    let topics = req
        .topics
        .into_iter()
        .map(|t| {
            let partitions =
                t.partition_indexes.iter().map(|&index| describe_partition(broker, &t.name, index)).collect();
            TopicResponse { name: t.name, partitions, ..Default::default() }
        })
        .collect();
    DescribeProducersResponse { topics, ..Default::default() }
}

fn describe_partition(broker: &Broker, topic: &str, index: i32) -> PartitionResponse {
    let Some(partition) = broker.replicas.get(topic, index) else {
        return PartitionResponse {
            partition_index: index,
            error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code(),
            error_message: Some(format!("This server does not host {topic}-{index}.")),
            ..Default::default()
        };
    };
    let mut producers = partition.log.producers();
    producers.sort_unstable_by_key(|(id, _)| *id);
    let active_producers = producers
        .into_iter()
        .map(|(producer_id, e)| ProducerState {
            producer_id,
            producer_epoch: i32::from(e.epoch),
            last_sequence: e.last_seq().unwrap_or(-1),
            last_timestamp: e.last_timestamp,
            coordinator_epoch: -1,
            current_txn_start_offset: e.txn_first_offset.unwrap_or(-1),
            ..Default::default()
        })
        .collect();
    PartitionResponse { partition_index: index, active_producers, ..Default::default() }
}
