//! ElectLeaders (what `kafka-leader-election.sh` sends): preferred-leader
//! election for the partitions named, or for every partition when none are.
//! Only election type 0 (preferred) is served: an unclean election (type 1)
//! could lose acknowledged records, so it is refused per partition.

use std::sync::Arc;

use strata_metadata::controller::elect_preferred;
use strata_metadata::{ApiError, MetadataImage};
use strata_protocol::generated::elect_leaders_response::{PartitionResult, ReplicaElectionResult};
use strata_protocol::generated::{ElectLeadersRequest, ElectLeadersResponse};
use strata_protocol::ErrorCode;

use crate::broker::Broker;

/// ElectLeaders, on the active controller: one metadata change for all the
/// elections that can happen, and a result for every partition asked about.
pub(super) async fn elect(broker: &Arc<Broker>, req: ElectLeadersRequest) -> ElectLeadersResponse {
    let mut results = Vec::new();
    let committed = broker
        .commit(false, |image| {
            let mut records = Vec::new();
            for (topic, partitions) in asked(image, &req) {
                let partition_result = partitions
                    .into_iter()
                    .map(|p| {
                        let elected = if req.election_type == 0 {
                            elect_preferred(image, &topic, p)
                        } else {
                            Err(ApiError::new(
                                ErrorCode::INVALID_REQUEST,
                                "only preferred elections (type 0) are served",
                            ))
                        };
                        let (error_code, error_message) = match elected {
                            Ok(record) => {
                                records.push(record);
                                (0, None)
                            }
                            Err(e) => (e.code.code(), Some(e.message)),
                        };
                        PartitionResult { partition_id: p, error_code, error_message, ..Default::default() }
                    })
                    .collect();
                results.push(ReplicaElectionResult { topic, partition_result, ..Default::default() });
            }
            Ok(records)
        })
        .await;
    match committed {
        Ok(_) => ElectLeadersResponse { replica_election_results: results, ..Default::default() },
        Err(e) => ElectLeadersResponse { error_code: e.code.code(), ..Default::default() },
    }
}

/// The partitions a request names, or every partition when it names none.
fn asked(image: &MetadataImage, req: &ElectLeadersRequest) -> Vec<(String, Vec<i32>)> {
    match &req.topic_partitions {
        Some(named) => named.iter().map(|t| (t.topic.clone(), t.partitions.clone())).collect(),
        None => image.topics().map(|t| (t.name.clone(), (0..t.partitions.len() as i32).collect())).collect(),
    }
}
