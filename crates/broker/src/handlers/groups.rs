//! The group coordinator's APIs: FindCoordinator, JoinGroup, SyncGroup,
//! Heartbeat, LeaveGroup, ConsumerGroupHeartbeat, ConsumerGroupDescribe,
//! ListGroups, DescribeGroups and DeleteGroups. The
//! group state machine is strata-coordinator's; these handlers feed it and
//! wait for its answers (see `crate::groups`).

use std::future::Future;
use std::sync::Arc;

use strata_coordinator::{Client, Completed, Topics};
use strata_metadata::controller::NewTopic;
use strata_metadata::{ApiError, MetadataImage};
use strata_protocol::generated::describe_groups_response::DescribedGroup;
use strata_protocol::generated::find_coordinator_response::Coordinator;
use strata_protocol::generated::{
    ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, ConsumerGroupHeartbeatRequest,
    ConsumerGroupHeartbeatResponse, DeleteGroupsRequest, DeleteGroupsResponse, DescribeGroupsRequest,
    DescribeGroupsResponse, FindCoordinatorRequest, FindCoordinatorResponse, HeartbeatRequest, HeartbeatResponse,
    JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, ListGroupsRequest, ListGroupsResponse,
    SyncGroupRequest, SyncGroupResponse,
};
use strata_protocol::{ErrorCode, Uuid};

use crate::broker::Broker;
use crate::groups::OFFSETS_TOPIC;
use crate::time::now_ms;
use crate::transactions::{self, TXN_TOPIC};

/// FindCoordinator (single key before v4, batched from v4): a group's or a
/// transactional id's coordinator is the leader of its partition of
/// `__consumer_offsets` or `__transaction_state` (created on first use).
pub(super) async fn find_coordinator(
    broker: &Arc<Broker>,
    req: FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    let keys = if version >= 4 { req.coordinator_keys } else { vec![req.key] };
    let (ready, topic) = match req.key_type {
        0 => (ensure_offsets_topic(broker).await, OFFSETS_TOPIC),
        1 => (ensure_txn_topic(broker).await, TXN_TOPIC),
        other => {
            let e = ApiError::new(ErrorCode::INVALID_REQUEST, format!("unknown coordinator key type {other}"));
            (Err(e), OFFSETS_TOPIC)
        }
    };
    let image = broker.image();
    let mut coordinators = keys.into_iter().map(|key| {
        let found = ready.clone().and_then(|()| coordinator_of(broker, &image, topic, &key));
        match found {
            Ok((node_id, host, port)) => Coordinator { key, node_id, host, port, ..Default::default() },
            Err(e) => Coordinator {
                key,
                node_id: -1,
                port: -1,
                error_code: e.code.code(),
                error_message: Some(e.message),
                ..Default::default()
            },
        }
    });
    if version >= 4 {
        return FindCoordinatorResponse { coordinators: coordinators.collect(), ..Default::default() };
    }
    let c = coordinators.next().unwrap_or_default();
    FindCoordinatorResponse {
        error_code: c.error_code,
        error_message: c.error_message.filter(|_| version >= 1),
        node_id: c.node_id,
        host: c.host,
        port: c.port,
        ..Default::default()
    }
}

/// The broker leading the partition of `topic` that holds `key`: its id,
/// host and port.
pub(super) fn coordinator_of(
    broker: &Broker,
    image: &MetadataImage,
    topic: &str,
    key: &str,
) -> Result<(i32, String, i32), ApiError> {
    let unavailable =
        || ApiError::new(ErrorCode::COORDINATOR_NOT_AVAILABLE, format!("{topic} has no leader for {key}"));
    let t = image.topic(topic).ok_or_else(unavailable)?;
    let index = strata_coordinator::partition_for(key, i32::try_from(t.partitions.len()).unwrap_or(i32::MAX));
    let leader = t.partitions.get(index as usize).map_or(-1, |p| p.leader);
    if leader == broker.config.node_id {
        let (host, port) = broker.config.advertised.clone();
        return Ok((leader, host, i32::from(port)));
    }
    let b = image.broker(leader).filter(|b| !b.fenced).ok_or_else(unavailable)?;
    Ok((leader, b.host.clone(), i32::from(b.port)))
}

/// Creates `__consumer_offsets` if it does not exist yet (compacted, with
/// offsets.topic.* settings) and loads its partitions into the coordinator.
pub(super) async fn ensure_offsets_topic(broker: &Arc<Broker>) -> Result<(), ApiError> {
    ensure_internal_topic(broker, OFFSETS_TOPIC, "offsets.topic").await?;
    tokio::task::block_in_place(|| broker.groups.load(&broker.replicas))
        .map_err(|e| ApiError::new(ErrorCode::COORDINATOR_NOT_AVAILABLE, e.to_string()))
}

/// Creates `__transaction_state` if it does not exist yet (compacted, with
/// transaction.state.log.* settings) and loads its partitions into the
/// transaction coordinator.
pub(super) async fn ensure_txn_topic(broker: &Arc<Broker>) -> Result<(), ApiError> {
    ensure_internal_topic(broker, TXN_TOPIC, "transaction.state.log").await?;
    transactions::resume(broker).map_err(|e| ApiError::new(ErrorCode::COORDINATOR_NOT_AVAILABLE, e.to_string()))
}

/// Creates a coordinator's compacted internal topic unless it exists, from
/// the broker configs `<prefix>.num.partitions`, `.replication.factor`
/// (capped at the number of brokers) and `.segment.bytes`.
async fn ensure_internal_topic(broker: &Arc<Broker>, name: &str, prefix: &str) -> Result<(), ApiError> {
    if broker.image().topic(name).is_some() {
        return Ok(());
    }
    let image = broker.image();
    let layers = broker.layers(&image);
    let cluster = broker.cluster();
    let brokers = i32::try_from(cluster.brokers.len()).unwrap_or(i32::MAX);
    let replication: i32 = layers.broker_value(&format!("{prefix}.replication.factor"));
    let segment_bytes: i32 = layers.broker_value(&format!("{prefix}.segment.bytes"));
    let topic = NewTopic {
        name: name.to_string(),
        num_partitions: layers.broker_value(&format!("{prefix}.num.partitions")),
        replication_factor: i16::try_from(replication.min(brokers)).unwrap_or(1),
        assignments: Vec::new(),
        configs: vec![
            ("cleanup.policy".to_string(), Some("compact".to_string())),
            ("compression.type".to_string(), Some("producer".to_string())),
            ("segment.bytes".to_string(), Some(segment_bytes.to_string())),
        ],
    };
    let partitions = topic.num_partitions;
    match crate::controller::create_topic(broker, topic).await {
        Ok(_) => tracing::info!(partitions, "created {name}"),
        // Another broker created it first.
        Err(e) if e.code == ErrorCode::TOPIC_ALREADY_EXISTS => {}
        // As Kafka answers when it cannot create the internal topic: a
        // retriable error, so that clients ask again (a quorum without a
        // leader, a controller that is moving).
        Err(e) => return Err(ApiError::new(ErrorCode::COORDINATOR_NOT_AVAILABLE, format!("{name}: {}", e.message))),
    }
    Ok(())
}

/// JoinGroup: answered when the rebalance completes (or at once for errors
/// and MEMBER_ID_REQUIRED).
pub(super) fn join(
    broker: &Arc<Broker>,
    client: Client<'_>,
    req: JoinGroupRequest,
    version: i16,
) -> impl Future<Output = JoinGroupResponse> + Send + 'static {
    let now = now_ms();
    let parked = broker.groups.call_parked(&broker.replicas, |e, j, token| {
        e.join_group(now, client, version, req, token, j);
    });
    async move {
        match parked.answer().await {
            Some(Completed::Join(r)) => r,
            _ => JoinGroupResponse {
                error_code: ErrorCode::COORDINATOR_NOT_AVAILABLE.code(),
                protocol_name: (version < 7).then(String::new),
                ..Default::default()
            },
        }
    }
}

/// SyncGroup: answered once the leader's assignment is stored.
pub(super) fn sync(
    broker: &Arc<Broker>,
    req: SyncGroupRequest,
    version: i16,
) -> impl Future<Output = SyncGroupResponse> + Send + 'static {
    let now = now_ms();
    let parked = broker.groups.call_parked(&broker.replicas, |e, j, token| e.sync_group(now, version, req, token, j));
    async move {
        match parked.answer().await {
            Some(Completed::Sync(r)) => r,
            _ => SyncGroupResponse { error_code: ErrorCode::COORDINATOR_NOT_AVAILABLE.code(), ..Default::default() },
        }
    }
}

/// Heartbeat.
pub(super) fn heartbeat(broker: &Arc<Broker>, req: HeartbeatRequest) -> HeartbeatResponse {
    let now = now_ms();
    broker.groups.direct(|e| e.heartbeat(now, req))
}

/// The broker's topics as the coordinator's assignors see them.
struct ImageTopics(Arc<MetadataImage>);

impl Topics for ImageTopics {
    fn get(&self, name: &str) -> Option<(Uuid, i32)> {
        let t = self.0.topic(name)?;
        Some((t.id, i32::try_from(t.partitions.len()).unwrap_or(i32::MAX)))
    }

    fn names(&self) -> Vec<String> {
        self.0.topics().map(|t| t.name.clone()).collect()
    }
}

/// ConsumerGroupHeartbeat (KIP-848): answered once the group's new state is durable.
pub(super) fn consumer_heartbeat(
    broker: &Arc<Broker>,
    client: Client<'_>,
    req: ConsumerGroupHeartbeatRequest,
) -> impl Future<Output = ConsumerGroupHeartbeatResponse> + Send + 'static {
    let now = now_ms();
    let topics = ImageTopics(broker.image());
    let call = broker.groups.call(&broker.replicas, |e, j| e.consumer_heartbeat(now, client, req, &topics, j));
    async move {
        match call.durable().await {
            (r, Ok(())) => r,
            (_, Err(code)) => ConsumerGroupHeartbeatResponse { error_code: code.code(), ..Default::default() },
        }
    }
}

/// ConsumerGroupDescribe.
pub(super) fn consumer_describe(
    broker: &Arc<Broker>,
    req: ConsumerGroupDescribeRequest,
) -> ConsumerGroupDescribeResponse {
    let groups = broker.groups.direct(|e| req.group_ids.iter().map(|g| e.describe_consumer_group(g)).collect());
    ConsumerGroupDescribeResponse { groups, ..Default::default() }
}

/// LeaveGroup: answered once the group's new state is durable.
pub(super) fn leave(
    broker: &Arc<Broker>,
    req: LeaveGroupRequest,
    version: i16,
) -> impl Future<Output = LeaveGroupResponse> + Send + 'static {
    let now = now_ms();
    let call = broker.groups.call(&broker.replicas, |e, j| e.leave_group(now, version, req, j));
    async move {
        match call.durable().await {
            (r, Ok(())) => r,
            (_, Err(code)) => LeaveGroupResponse { error_code: code.code(), ..Default::default() },
        }
    }
}

/// ListGroups.
pub(super) fn list(broker: &Arc<Broker>, req: ListGroupsRequest) -> ListGroupsResponse {
    broker.groups.direct(|e| e.list_groups(&req))
}

/// DescribeGroups.
pub(super) fn describe(broker: &Arc<Broker>, req: DescribeGroupsRequest) -> DescribeGroupsResponse {
    let groups: Vec<DescribedGroup> =
        broker.groups.direct(|e| req.groups.iter().map(|g| e.describe_group(g)).collect());
    DescribeGroupsResponse { groups, ..Default::default() }
}

/// DeleteGroups: answered once the tombstones are durable.
pub(super) fn delete(
    broker: &Arc<Broker>,
    req: DeleteGroupsRequest,
) -> impl Future<Output = DeleteGroupsResponse> + Send + 'static {
    let call = broker.groups.call(&broker.replicas, move |e, j| {
        req.groups_names.iter().map(|g| e.delete_group_request(g, j)).collect::<Vec<_>>()
    });
    async move {
        let (mut results, durable) = call.durable().await;
        if let Err(code) = durable {
            for r in &mut results {
                r.error_code = code.code();
            }
        }
        DeleteGroupsResponse { results, ..Default::default() }
    }
}
