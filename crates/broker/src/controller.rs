//! The broker's dealings with the active controller, and this node's duties
//! when it is the active controller.
//!
//! Every call to the controller is a Kafka request frame (header and body,
//! without the size prefix) sent through the quorum's peer transport to
//! whichever node leads; the answer is the response frame. This carries:
//!
//! * BrokerRegistration and BrokerHeartbeat (see [`crate::lifecycle`]); a
//!   heartbeat unfences a fenced broker, or, with WantShutDown, moves its
//!   leaderships away (controlled shutdown);
//! * the client requests only the controller can answer (CreateTopics,
//!   DeleteTopics, CreatePartitions, ElectLeaders, AlterConfigs, IncrementalAlterConfigs,
//!   and DescribeQuorum, whose voter progress only the leader knows),
//!   forwarded as they came, as Kafka forwards them (KIP-590).
//!
//! The active controller fences a broker that has not heartbeated for
//! `broker.session.timeout.ms` (its partitions get leaders from the rest of
//! their ISR). It counts silence from when it became leader, so a new
//! controller gives every broker a whole session before fencing it. Every
//! `leader.imbalance.check.interval.seconds` it gives each partition back to
//! its preferred replica once that is in sync (`auto.leader.rebalance.enable`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use strata_metadata::controller::{
    alter_partition, create_topic as create_topic_records, fence_broker, rebalance_leaders, register_broker,
    shut_down_broker, unfence_broker, IsrChange, NewTopic,
};
use strata_metadata::{ApiError, MetadataImage};
use strata_protocol::frame::decode_response;
use strata_protocol::generated::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use strata_protocol::generated::{
    alter_partition_response, AlterPartitionRequest, AlterPartitionResponse, CreateTopicsRequest,
};
use strata_protocol::generated::{
    BrokerHeartbeatRequest, BrokerHeartbeatResponse, BrokerRegistrationRequest, BrokerRegistrationResponse,
};
use strata_protocol::{ApiKey, ErrorCode, RequestBody, ResponseBody, Uuid};
use strata_quorum::{CallHandler, QuorumError};
use tokio::sync::watch;

use crate::broker::Broker;
use crate::handlers;
use crate::leader_link::request_frame;

/// How long a call to the controller may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
const CREATE_TOPICS_VERSION: i16 = 7;

/// The active controller's view of broker liveness.
#[derive(Debug, Default)]
pub(crate) struct Liveness {
    last_heard: Mutex<HashMap<i32, Instant>>,
    leading_since: Mutex<Option<Instant>>,
}

impl Liveness {
    fn heard(&self, id: i32) {
        self.last_heard.lock().unwrap_or_else(|p| p.into_inner()).insert(id, Instant::now());
    }

    /// Brokers silent for longer than `session` (only while leading).
    fn silent(&self, ids: impl Iterator<Item = i32>, session: Duration, leading: bool) -> Vec<i32> {
        let mut since = self.leading_since.lock().unwrap_or_else(|p| p.into_inner());
        if !leading {
            *since = None;
            return Vec::new();
        }
        let start = *since.get_or_insert_with(Instant::now);
        let heard = self.last_heard.lock().unwrap_or_else(|p| p.into_inner());
        ids.filter(|id| heard.get(id).copied().unwrap_or(start).max(start).elapsed() > session).collect()
    }
}

/// Whether client requests of `key` must be answered by the active controller.
pub(crate) fn is_controller_api(key: ApiKey) -> bool {
    matches!(
        key,
        ApiKey::CreateTopics
            | ApiKey::DeleteTopics
            | ApiKey::CreatePartitions
            | ApiKey::ElectLeaders
            | ApiKey::AlterConfigs
            | ApiKey::IncrementalAlterConfigs
            | ApiKey::DescribeQuorum
    )
}

/// Serves calls from other nodes (and this one's own when it leads).
pub(crate) fn call_handler(broker: Weak<Broker>) -> CallHandler {
    Arc::new(move |frame: Bytes| {
        let broker = broker.upgrade();
        Box::pin(async move {
            let broker = broker.ok_or("the broker is shutting down")?;
            let response = handlers::serve_call(&broker, frame).await.ok_or("the request got no response")?;
            let mut out = BytesMut::new();
            for chunk in response.chunks {
                match chunk {
                    crate::response::Chunk::Bytes(b) => out.extend_from_slice(&b),
                    crate::response::Chunk::File(_) => return Err("a controller response holds no records".into()),
                }
            }
            // The size prefix goes: the transport frames the answer itself.
            let prefix = 4.min(out.len());
            Ok(out.freeze().slice(prefix..))
        })
    })
}

/// Forwards a client's request frame to the active controller; its answer,
/// size prefix added, or None when no controller could be reached. While
/// there is none (at start, during an election) it waits for one for up to
/// [`CALL_TIMEOUT`], as Kafka's forwarding queues requests.
pub(crate) async fn forward(broker: &Broker, frame: Bytes) -> Option<Bytes> {
    let deadline = Instant::now() + CALL_TIMEOUT;
    let answer = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match broker.quorum.call_leader(frame.clone(), left).await {
            Ok(answer) => break answer,
            Err(QuorumError::NoLeader) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(_) => return None,
        }
    };
    let mut out = BytesMut::with_capacity(4 + answer.len());
    out.extend_from_slice(&(answer.len() as u32).to_be_bytes());
    out.extend_from_slice(&answer);
    Some(out.freeze())
}

/// Sends a request to the active controller; its answer.
pub(crate) async fn call(broker: &Broker, body: RequestBody, version: i16) -> Result<ResponseBody, String> {
    let key = body.api_key();
    let frame = request_frame(broker.config.node_id, &body, version, 0, false)?;
    let answer = broker.quorum.call_leader(frame, CALL_TIMEOUT).await.map_err(|e| e.to_string())?;
    decode_response(key, version, answer).map(|(_, body)| body).map_err(|e| e.to_string())
}

/// Creates a topic the broker itself needs (auto-creation, an internal
/// topic): decided here on the active controller, else sent to it as a
/// CreateTopics request. Returns once this node's image has the topic
/// (TOPIC_ALREADY_EXISTS counts as done). While there is no controller (at
/// start, during an election) it tries again for up to [`CALL_TIMEOUT`].
pub(crate) async fn create_topic(broker: &Broker, topic: NewTopic) -> Result<Arc<MetadataImage>, ApiError> {
    let deadline = Instant::now() + CALL_TIMEOUT;
    loop {
        match create_topic_once(broker, topic.clone()).await {
            Err(e) if e.code == ErrorCode::NOT_CONTROLLER && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            done => return done,
        }
    }
}

async fn create_topic_once(broker: &Broker, topic: NewTopic) -> Result<Arc<MetadataImage>, ApiError> {
    let name = topic.name.clone();
    if broker.quorum.is_leader() {
        let id = Broker::new_topic_id()?;
        let cluster = broker.cluster();
        return match broker.commit(false, |image| create_topic_records(image, &topic, &cluster, id)).await {
            Err(e) if e.code == ErrorCode::TOPIC_ALREADY_EXISTS => Ok(broker.image()),
            other => other,
        };
    }
    let creatable = CreatableTopic {
        name: topic.name,
        num_partitions: topic.num_partitions,
        replication_factor: topic.replication_factor,
        configs: topic
            .configs
            .into_iter()
            .map(|(name, value)| CreatableTopicConfig { name, value, ..Default::default() })
            .collect(),
        ..Default::default()
    };
    let request = CreateTopicsRequest { topics: vec![creatable], timeout_ms: 10_000, ..Default::default() };
    let unavailable = |e: String| ApiError::new(ErrorCode::NOT_CONTROLLER, e);
    let code =
        match call(broker, RequestBody::CreateTopics(request), CREATE_TOPICS_VERSION).await.map_err(unavailable)? {
            ResponseBody::CreateTopics(r) => {
                r.topics.first().map_or(ErrorCode::UNKNOWN_SERVER_ERROR.code(), |t| t.error_code)
            }
            _ => ErrorCode::UNKNOWN_SERVER_ERROR.code(),
        };
    let code = ErrorCode::from_code(code).unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR);
    if !matches!(code, ErrorCode::NONE | ErrorCode::TOPIC_ALREADY_EXISTS) {
        return Err(ApiError::new(code, format!("the controller did not create {name}")));
    }
    let mut applied = broker.quorum.subscribe();
    let arrived = tokio::time::timeout(CALL_TIMEOUT, applied.wait_for(|a| a.image.topic(&name).is_some())).await;
    if !matches!(arrived, Ok(Ok(_))) {
        return Err(ApiError::new(ErrorCode::REQUEST_TIMED_OUT, format!("{name} did not reach this broker in time")));
    }
    broker.sync_replicas().map_err(|e| ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, e.to_string()))?;
    Ok(broker.image())
}

/// BrokerRegistration, on the active controller.
pub(crate) async fn registration(broker: &Broker, r: BrokerRegistrationRequest) -> BrokerRegistrationResponse {
    let mut epoch = -1;
    let listener = r.listeners.iter().find(|l| l.name == "PLAINTEXT").or(r.listeners.first());
    let Some(listener) = listener else {
        return BrokerRegistrationResponse { error_code: ErrorCode::INVALID_REQUEST.code(), ..Default::default() };
    };
    // Heard before the registration commits: the new registration is
    // unfenced, and the fencing task must not judge it by the silence of the
    // run before it.
    broker.liveness.heard(r.broker_id);
    let result = if r.cluster_id != broker.cluster_id {
        Err(strata_metadata::ApiError::new(ErrorCode::INCONSISTENT_CLUSTER_ID, "another cluster"))
    } else {
        broker
            .commit(false, |image| {
                let (e, records) = register_broker(
                    image,
                    r.broker_id,
                    r.incarnation_id,
                    (&listener.host, listener.port),
                    r.rack.clone(),
                );
                epoch = e;
                Ok(records)
            })
            .await
    };
    match result {
        Ok(_) => BrokerRegistrationResponse { broker_epoch: epoch, ..Default::default() },
        Err(e) => BrokerRegistrationResponse { error_code: e.code.code(), ..Default::default() },
    }
}

/// BrokerHeartbeat, on the active controller: notes the broker alive and
/// unfences it if it was fenced; with WantShutDown, moves its leaderships
/// away instead (controlled shutdown), and lets it go once it leads nothing.
pub(crate) async fn heartbeat_received(broker: &Broker, r: BrokerHeartbeatRequest) -> BrokerHeartbeatResponse {
    let refuse = |code: ErrorCode| BrokerHeartbeatResponse { error_code: code.code(), ..Default::default() };
    if !broker.quorum.is_leader() {
        return refuse(ErrorCode::NOT_CONTROLLER);
    }
    let image = broker.image();
    match image.broker(r.broker_id) {
        Some(b) if b.epoch == r.broker_epoch => {}
        _ => return refuse(ErrorCode::STALE_BROKER_EPOCH),
    }
    broker.liveness.heard(r.broker_id);
    if r.want_shut_down {
        let mut may_exit = false;
        let committed = broker
            .commit(false, |image| {
                let (records, done) = shut_down_broker(image, r.broker_id);
                may_exit = done;
                Ok(records)
            })
            .await;
        if let Err(e) = committed {
            return refuse(e.code);
        }
        tracing::info!(broker = r.broker_id, may_exit, "controlled shutdown");
        return BrokerHeartbeatResponse { is_fenced: true, should_shut_down: may_exit, ..Default::default() };
    }
    if image.broker(r.broker_id).is_some_and(|b| b.fenced) {
        if let Err(e) = broker.commit(false, |image| Ok(unfence_broker(image, r.broker_id))).await {
            return refuse(e.code);
        }
        tracing::info!(broker = r.broker_id, "unfenced a broker that heartbeats again");
    }
    BrokerHeartbeatResponse { is_caught_up: true, ..Default::default() }
}

/// AlterPartition, on the active controller: each partition's ISR change
/// from its leader, committed one by one (see [`alter_partition`]).
pub(crate) async fn alter_partition_received(broker: &Broker, r: AlterPartitionRequest) -> AlterPartitionResponse {
    let refuse = |code: ErrorCode| AlterPartitionResponse { error_code: code.code(), ..Default::default() };
    if !broker.quorum.is_leader() {
        return refuse(ErrorCode::NOT_CONTROLLER);
    }
    if broker.image().broker(r.broker_id).is_none_or(|b| b.epoch != r.broker_epoch || b.fenced) {
        return refuse(ErrorCode::STALE_BROKER_EPOCH);
    }
    let mut topics = Vec::with_capacity(r.topics.len());
    for t in r.topics {
        let mut partitions = Vec::with_capacity(t.partitions.len());
        for p in t.partitions {
            let change = IsrChange {
                topic_id: t.topic_id,
                partition: p.partition_index,
                leader: r.broker_id,
                leader_epoch: p.leader_epoch,
                partition_epoch: p.partition_epoch,
                new_isr: p.new_isr,
            };
            let result = broker.commit(false, |image| alter_partition(image, &change)).await;
            let image = broker.image();
            let now =
                image.topic_by_id(&t.topic_id).and_then(|t| t.partitions.get(p.partition_index as usize).cloned());
            partitions.push(alter_partition_response::PartitionData {
                partition_index: p.partition_index,
                error_code: result.err().map_or(0, |e| e.code.code()),
                leader_id: now.as_ref().map_or(-1, |n| n.leader),
                leader_epoch: now.as_ref().map_or(-1, |n| n.leader_epoch),
                isr: now.as_ref().map_or_else(Vec::new, |n| n.isr.clone()),
                partition_epoch: now.as_ref().map_or(-1, |n| n.partition_epoch),
                ..Default::default()
            });
        }
        topics.push(alter_partition_response::TopicData { topic_id: t.topic_id, partitions, ..Default::default() });
    }
    AlterPartitionResponse { topics, ..Default::default() }
}

/// On the active controller, fences brokers silent past the session timeout.
pub(crate) async fn run_fencing(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = shutdown.changed() => return,
        }
        let session = Duration::from_millis(broker.broker_value::<i64>("broker.session.timeout.ms").max(10) as u64);
        let image = broker.image();
        let live = image.brokers().filter(|b| !b.fenced).map(|b| b.id);
        for id in broker.liveness.silent(live, session, broker.quorum.is_leader()) {
            // Only the registration found silent: one that replaced it since
            // (the broker restarted and registered again) was just heard.
            let epoch = image.broker(id).map(|b| b.epoch);
            let mut fenced = false;
            let decide = |now: &MetadataImage| {
                fenced = now.broker(id).is_some_and(|b| Some(b.epoch) == epoch && !b.fenced);
                Ok(if fenced { fence_broker(now, id) } else { Vec::new() })
            };
            match broker.commit(false, decide).await {
                Ok(_) if fenced => tracing::warn!(broker = id, ?session, "fenced a broker that stopped heartbeating"),
                Ok(_) => {}
                Err(e) => tracing::debug!(broker = id, error = %e, "fencing failed"),
            }
        }
    }
}

/// On the active controller, moves leaderships back to preferred replicas
/// every `leader.imbalance.check.interval.seconds`.
pub(crate) async fn run_rebalancing(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let every =
            Duration::from_secs(broker.broker_value::<i64>("leader.imbalance.check.interval.seconds").max(1) as u64);
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
        if !broker.quorum.is_leader() || !broker.broker_value::<bool>("auto.leader.rebalance.enable") {
            continue;
        }
        if let Err(e) = broker.commit(false, |image| Ok(rebalance_leaders(image))).await {
            tracing::debug!(error = %e, "leader rebalancing failed");
        }
    }
}

/// A fresh id for this run of the broker.
pub(crate) fn incarnation() -> Uuid {
    Uuid(crate::data_dir::random_bytes::<16>().unwrap_or_default())
}
