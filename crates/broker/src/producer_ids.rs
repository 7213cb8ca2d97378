//! Producer ids for InitProducerId, handed out one at a time from a block of
//! [`PRODUCER_ID_BLOCK_SIZE`] that the controller allocates through the
//! metadata log (a ProducerIdsRecord), so no id is ever given twice, across
//! restarts and across brokers: a broker that is not the active controller
//! asks it with AllocateProducerIds, as Kafka's do. A restart abandons the
//! rest of its block, as in Kafka.

use std::ops::Range;

use strata_metadata::controller::{allocate_producer_ids, PRODUCER_ID_BLOCK_SIZE};
use strata_metadata::ApiError;

use strata_protocol::generated::{AllocateProducerIdsRequest, AllocateProducerIdsResponse};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};

use crate::broker::Broker;
use crate::controller;

const ALLOCATE_VERSION: i16 = 0;

/// The block this broker hands ids out of.
#[derive(Debug, Default)]
pub(crate) struct ProducerIds {
    block: tokio::sync::Mutex<Range<i64>>,
}

impl ProducerIds {
    /// The next unused producer id, allocating a new block when this one is spent.
    pub(crate) async fn next(&self, broker: &Broker) -> Result<i64, ApiError> {
        let mut block = self.block.lock().await;
        if block.is_empty() {
            *block = if broker.quorum.is_leader() {
                allocate(broker, broker.config.node_id).await?
            } else {
                ask_controller(broker).await?
            };
            tracing::debug!(first = block.start, size = PRODUCER_ID_BLOCK_SIZE, "allocated a producer id block");
        }
        let id = block.start;
        block.start += 1;
        Ok(id)
    }
}

/// On the active controller: a new block for broker `broker_id`.
pub(crate) async fn allocate(broker: &Broker, broker_id: i32) -> Result<Range<i64>, ApiError> {
    let mut allocated = None;
    broker
        .commit(false, |image| {
            let (ids, record) = allocate_producer_ids(image, broker_id)?;
            allocated = Some(ids);
            Ok(vec![record])
        })
        .await?;
    Ok(allocated.unwrap_or_default())
}

/// AllocateProducerIds to the active controller, from a broker that is not it.
async fn ask_controller(broker: &Broker) -> Result<Range<i64>, ApiError> {
    let request = AllocateProducerIdsRequest {
        broker_id: broker.config.node_id,
        broker_epoch: broker.image().broker(broker.config.node_id).map_or(-1, |b| b.epoch),
        ..Default::default()
    };
    let body = RequestBody::AllocateProducerIds(request);
    let answer = controller::call(broker, body, ALLOCATE_VERSION)
        .await
        .map_err(|e| ApiError::new(ErrorCode::COORDINATOR_NOT_AVAILABLE, format!("no producer id block: {e}")))?;
    match answer {
        ResponseBody::AllocateProducerIds(r) if r.error_code == 0 => {
            Ok(r.producer_id_start..r.producer_id_start + i64::from(r.producer_id_len))
        }
        ResponseBody::AllocateProducerIds(r) => {
            let code = ErrorCode::from_code(r.error_code).unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR);
            Err(ApiError::new(code, "the controller allocated no producer id block"))
        }
        _ => Err(ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, "an answer of another kind")),
    }
}

/// AllocateProducerIds, on the active controller.
pub(crate) async fn allocation_received(broker: &Broker, r: AllocateProducerIdsRequest) -> AllocateProducerIdsResponse {
    let refuse = |code: ErrorCode| AllocateProducerIdsResponse { error_code: code.code(), ..Default::default() };
    if broker.image().broker(r.broker_id).is_none_or(|b| b.epoch != r.broker_epoch) {
        return refuse(ErrorCode::STALE_BROKER_EPOCH);
    }
    match allocate(broker, r.broker_id).await {
        Ok(ids) => AllocateProducerIdsResponse {
            producer_id_start: ids.start,
            producer_id_len: i32::try_from(ids.end - ids.start).unwrap_or(0),
            ..Default::default()
        },
        Err(e) => refuse(e.code),
    }
}
