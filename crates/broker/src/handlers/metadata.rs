//! Metadata: brokers, the cluster id, and topics with their partitions,
//! creating named topics that do not exist when auto.create.topics.enable
//! and the client allow it.

use std::sync::Arc;

use futures_util::future::join_all;
use strata_metadata::controller::{self, NewTopic};
use strata_metadata::{MetadataImage, TopicImage};
use strata_protocol::generated::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use strata_protocol::generated::{MetadataRequest, MetadataResponse};
use strata_protocol::{ErrorCode, Uuid};

use crate::broker::Broker;
use crate::groups::OFFSETS_TOPIC;

/// Serves a Metadata request.
pub(super) async fn handle(broker: &Arc<Broker>, req: MetadataRequest, version: i16) -> MetadataResponse {
    let wanted: Option<Vec<(Option<String>, Uuid)>> = match req.topics {
        Some(ts) if !(version == 0 && ts.is_empty()) => Some(ts.into_iter().map(|t| (t.name, t.topic_id)).collect()),
        _ => None,
    };
    let auto =
        broker.broker_value::<bool>("auto.create.topics.enable") && (version < 4 || req.allow_auto_topic_creation);
    let mut image = broker.image();
    if auto {
        // The missing topics are created together, each its own request to
        // the controller; the answer then reads the newest image.
        let names = wanted.iter().flatten().filter_map(|(n, _)| n.as_deref());
        let missing = names.filter(|n| image.topic(n).is_none() && controller::validate_topic_name(n).is_ok());
        let created = join_all(missing.map(|name| auto_create(broker, name))).await;
        if created.contains(&true) {
            image = broker.image();
        }
    }
    let topics = match wanted {
        None => image.topics().map(|t| topic(t, version)).collect(),
        Some(w) => w.into_iter().map(|(name, id)| lookup(&image, name, id, version)).collect(),
    };
    // Fenced brokers are listed too, unlike Kafka: librdkafka (2.10 and
    // later) tears down its handle of a broker missing from Metadata, and a
    // producer whose cached group coordinator was torn down hangs in
    // send_offsets_to_transaction for good, even after that broker returns
    // (confluentinc/librdkafka#5511). Listed, the handle lives on; when the
    // broker is back, NOT_COORDINATOR sends the client to the new
    // coordinator. No fenced broker leads a partition or coordinates.
    let brokers = broker
        .brokers_for_clients(&image, true)
        .into_iter()
        .map(|(node_id, host, port, rack)| MetadataResponseBroker {
            node_id,
            host,
            port: i32::from(port),
            rack,
            ..Default::default()
        })
        .collect::<Vec<_>>();
    let listed: Vec<i32> = brokers.iter().map(|b| b.node_id).collect();
    let controller_id = controller_for_clients(broker.controller_id(), &listed, broker.config.node_id);
    MetadataResponse {
        brokers,
        cluster_id: Some(broker.cluster_id.clone()),
        controller_id,
        topics,
        ..Default::default()
    }
}

/// The controller id clients are told: the active controller when it is
/// among the `listed` brokers, else this broker (`me`), as Kafka in KRaft
/// mode names a live broker. Clients send CreateTopics and the like to that
/// id, and every broker forwards them to the active controller; an id not
/// among the brokers stalls a client instead: librdkafka's admin waited
/// 60 s for a controller it had no address of (a Metadata answered by a node
/// that had not yet applied the controller's registration, in the first
/// second of a cluster).
fn controller_for_clients(controller: i32, listed: &[i32], me: i32) -> i32 {
    if listed.contains(&controller) {
        controller
    } else {
        me
    }
}

/// Creates topic `name` with the broker's defaults; whether it was created.
async fn auto_create(broker: &Arc<Broker>, name: &str) -> bool {
    if name == OFFSETS_TOPIC {
        // Created as the group coordinator needs it (compacted, offsets.topic.*), as Kafka does.
        return super::groups::ensure_offsets_topic(broker).await.is_ok();
    }
    let t = NewTopic { name: name.to_string(), num_partitions: -1, replication_factor: -1, ..Default::default() };
    match crate::controller::create_topic(broker, t).await {
        Ok(_) => {
            tracing::info!(topic = name, "auto-created topic");
            true
        }
        Err(e) => {
            tracing::warn!(topic = name, error = %e, "auto-creating a topic failed");
            false
        }
    }
}

fn lookup(image: &MetadataImage, name: Option<String>, id: Uuid, version: i16) -> MetadataResponseTopic {
    let found = match &name {
        Some(n) => image.topic(n),
        None => image.topic_by_id(&id),
    };
    if let Some(t) = found {
        return topic(t, version);
    }
    let code = match &name {
        None => ErrorCode::UNKNOWN_TOPIC_ID,
        Some(n) if controller::validate_topic_name(n).is_err() => ErrorCode::INVALID_TOPIC_EXCEPTION,
        Some(_) => ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
    };
    MetadataResponseTopic { error_code: code.code(), name, topic_id: id, ..Default::default() }
}

fn topic(t: &TopicImage, version: i16) -> MetadataResponseTopic {
    let partitions = t
        .partitions
        .iter()
        .enumerate()
        .map(|(i, p)| MetadataResponsePartition {
            partition_index: i as i32,
            leader_id: p.leader,
            leader_epoch: if version >= 7 { p.leader_epoch } else { -1 },
            replica_nodes: p.replicas.clone(),
            isr_nodes: p.isr.clone(),
            ..Default::default()
        })
        .collect();
    MetadataResponseTopic {
        name: Some(t.name.clone()),
        topic_id: if version >= 10 { t.id } else { Uuid::ZERO },
        is_internal: t.is_internal() && version >= 1,
        partitions,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::controller_for_clients;

    #[test]
    fn clients_are_told_a_controller_among_the_brokers_listed() {
        assert_eq!(controller_for_clients(1, &[1, 2, 3], 3), 1);
        assert_eq!(controller_for_clients(1, &[2, 3], 3), 3, "not registered here yet: this broker forwards");
        assert_eq!(controller_for_clients(-1, &[2, 3], 2), 2, "none elected yet");
    }
}
