//! DeleteRecords: moves a partition's log start offset forward.

use std::sync::Arc;

use strata_protocol::generated::delete_records_response::{DeleteRecordsPartitionResult, DeleteRecordsTopicResult};
use strata_protocol::generated::{DeleteRecordsRequest, DeleteRecordsResponse};
use strata_protocol::ErrorCode;

use crate::broker::Broker;
use crate::error::storage_error_code;

/// Serves DeleteRecords; offset -1 means the high watermark.
pub(super) fn delete(broker: &Arc<Broker>, req: DeleteRecordsRequest) -> DeleteRecordsResponse {
    let topics = req
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partitions
                .into_iter()
                .map(|p| {
                    let base = DeleteRecordsPartitionResult {
                        partition_index: p.partition_index,
                        low_watermark: -1,
                        ..Default::default()
                    };
                    let Some(partition) = broker.replicas.get(&t.name, p.partition_index) else {
                        return DeleteRecordsPartitionResult {
                            error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code(),
                            ..base
                        };
                    };
                    let hw = partition.high_watermark();
                    let offset = if p.offset == -1 { hw } else { p.offset };
                    if offset < 0 || offset > hw {
                        return DeleteRecordsPartitionResult {
                            error_code: ErrorCode::OFFSET_OUT_OF_RANGE.code(),
                            ..base
                        };
                    }
                    match partition.log.delete_records_before(offset) {
                        Ok(low) => DeleteRecordsPartitionResult { low_watermark: low, ..base },
                        Err(e) => DeleteRecordsPartitionResult { error_code: storage_error_code(&e).code(), ..base },
                    }
                })
                .collect();
            DeleteRecordsTopicResult { name: t.name, partitions, ..Default::default() }
        })
        .collect();
    DeleteRecordsResponse { topics, ..Default::default() }
}
