//! Producer ids for InitProducerId, handed out one at a time from a block of
//! [`PRODUCER_ID_BLOCK_SIZE`] that the controller allocates through the
//! metadata log (a ProducerIdsRecord), so no id is ever given twice, across
//! restarts and (with the Raft quorum) across brokers. A restart abandons the
//! rest of its block, as in Kafka.

use std::ops::Range;

use strata_metadata::controller::{allocate_producer_ids, PRODUCER_ID_BLOCK_SIZE};
use strata_metadata::ApiError;

use crate::broker::Broker;

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
            let mut allocated = None;
            broker
                .commit(false, |image| {
                    let (ids, record) = allocate_producer_ids(image, broker.config.node_id)?;
                    allocated = Some(ids);
                    Ok(vec![record])
                })
                .await?;
            *block = allocated.unwrap_or_default();
            tracing::debug!(first = block.start, size = PRODUCER_ID_BLOCK_SIZE, "allocated a producer id block");
        }
        let id = block.start;
        block.start += 1;
        Ok(id)
    }
}
