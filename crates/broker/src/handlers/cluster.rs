//! DescribeCluster, DescribeQuorum and DescribeLogDirs.

use std::sync::Arc;

use strata_protocol::generated::describe_cluster_response::DescribeClusterBroker;
use strata_protocol::generated::describe_log_dirs_response::{
    DescribeLogDirsPartition, DescribeLogDirsResult, DescribeLogDirsTopic,
};
use strata_protocol::generated::describe_quorum_response::{
    PartitionData as QuorumPartition, ReplicaState, TopicData as QuorumTopic,
};
use strata_protocol::generated::{
    DescribeClusterRequest, DescribeClusterResponse, DescribeLogDirsRequest, DescribeLogDirsResponse,
};
use strata_protocol::generated::{DescribeQuorumRequest, DescribeQuorumResponse};
use strata_protocol::ErrorCode;

use crate::broker::Broker;

/// The metadata log's topic name, as DescribeQuorum names it.
const METADATA_TOPIC: &str = "__cluster_metadata";

/// DescribeCluster: the live brokers and the active controller.
pub(super) fn describe(broker: &Arc<Broker>, req: DescribeClusterRequest) -> DescribeClusterResponse {
    if req.endpoint_type > 1 {
        return DescribeClusterResponse {
            error_code: ErrorCode::UNSUPPORTED_ENDPOINT_TYPE.code(),
            error_message: Some("strata serves broker endpoints only".into()),
            endpoint_type: req.endpoint_type,
            ..Default::default()
        };
    }
    DescribeClusterResponse {
        cluster_id: broker.cluster_id.clone(),
        controller_id: broker.controller_id(),
        endpoint_type: req.endpoint_type,
        brokers: broker
            .brokers_for_clients(&broker.image(), false)
            .into_iter()
            .map(|(broker_id, host, port, rack)| DescribeClusterBroker {
                broker_id,
                host,
                port: i32::from(port),
                rack,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// DescribeQuorum: the metadata log's leader, epoch, high watermark and
/// each voter's and observer's (broker-only node's) log end offset (as the leader knows it; forwarded to the
/// active controller, which alone knows its followers' progress).
pub(super) fn describe_quorum(broker: &Arc<Broker>, req: DescribeQuorumRequest) -> DescribeQuorumResponse {
    let status = broker.quorum.status();
    let topics = req
        .topics
        .into_iter()
        .map(|t| {
            let known = t.topic_name == METADATA_TOPIC;
            let partitions = t
                .partitions
                .into_iter()
                .map(|p| {
                    if !known || p.partition_index != 0 {
                        return QuorumPartition {
                            partition_index: p.partition_index,
                            error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code(),
                            ..Default::default()
                        };
                    }
                    QuorumPartition {
                        partition_index: 0,
                        leader_id: status.leader.map_or(-1, |l| l as i32),
                        leader_epoch: status.term as i32,
                        high_watermark: status.high_watermark,
                        current_voters: replica_states(&status.voters),
                        observers: replica_states(&status.observers),
                        ..Default::default()
                    }
                })
                .collect();
            QuorumTopic { topic_name: t.topic_name, partitions, ..Default::default() }
        })
        .collect();
    DescribeQuorumResponse { topics, ..Default::default() }
}

fn replica_states(replicas: &[(u64, i64)]) -> Vec<ReplicaState> {
    replicas
        .iter()
        .map(|(id, end)| ReplicaState {
            replica_id: *id as i32,
            log_end_offset: *end,
            last_fetch_timestamp: -1,
            last_caught_up_timestamp: -1,
            ..Default::default()
        })
        .collect()
}

/// DescribeLogDirs: the one data directory, its partitions and sizes.
pub(super) fn log_dirs(broker: &Arc<Broker>, req: DescribeLogDirsRequest, version: i16) -> DescribeLogDirsResponse {
    let wanted = |topic: &str, p: usize| {
        req.topics.as_ref().is_none_or(|ts| ts.iter().any(|t| t.topic == topic && t.partitions.contains(&(p as i32))))
    };
    let mut topics: Vec<DescribeLogDirsTopic> = Vec::new();
    let mut all = broker.replicas.all();
    all.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    for (topic, index, p) in all.into_iter().filter(|(t, i, _)| wanted(t, *i)) {
        let partition = DescribeLogDirsPartition {
            partition_index: index as i32,
            partition_size: p.log.size_bytes() as i64,
            ..Default::default()
        };
        match topics.last_mut().filter(|t| t.name == topic) {
            Some(t) => t.partitions.push(partition),
            None => {
                topics.push(DescribeLogDirsTopic { name: topic, partitions: vec![partition], ..Default::default() })
            }
        }
    }
    let dir = broker.config.data_dir.canonicalize().unwrap_or_else(|_| broker.config.data_dir.clone());
    let (total, usable) = if version >= 4 { disk_space(&dir) } else { (-1, -1) };
    DescribeLogDirsResponse {
        results: vec![DescribeLogDirsResult {
            log_dir: dir.display().to_string(),
            topics,
            total_bytes: total,
            usable_bytes: usable,
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// (total, usable) bytes of the file system holding `dir`, or -1s.
fn disk_space(dir: &std::path::Path) -> (i64, i64) {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else { return (-1, -1) };
    // SAFETY: statvfs writes into a zeroed struct we own; the path is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return (-1, -1);
    }
    let frag = st.f_frsize as i64;
    (st.f_blocks as i64 * frag, st.f_bavail as i64 * frag)
}
