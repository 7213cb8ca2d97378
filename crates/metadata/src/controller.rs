//! The controller's decisions, as pure functions: an image and a request in,
//! the records that carry out the request (or the error that refuses it) out.
//! The caller appends the records to the metadata log and applies them.

use std::collections::BTreeSet;

use strata_protocol::internal::metadata::{
    ConfigRecord, PartitionRecord, ProducerIdsRecord, RemoveTopicRecord, TopicRecord,
};
use strata_protocol::{ErrorCode, Uuid};

use crate::config::{broker_config, topic_config, ConfigDef, ConfigType};
use crate::error::ApiError;
use crate::image::{ConfigResource, MetadataImage};
use crate::record::MetadataRecord;

/// The longest topic name Kafka allows.
pub const MAX_TOPIC_NAME_LEN: usize = 249;

/// What the controller knows of the cluster beside the image.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Ids of the brokers that can hold replicas.
    pub brokers: Vec<i32>,
    /// num.partitions.
    pub default_partitions: i32,
    /// default.replication.factor.
    pub default_replication_factor: i16,
}

/// Producer ids handed to a broker at a time (Kafka's block size).
pub const PRODUCER_ID_BLOCK_SIZE: i64 = 1000;

/// The next block of producer ids for `broker_id` (AllocateProducerIds): the
/// ids `[image.next_producer_id(), +PRODUCER_ID_BLOCK_SIZE)`, and the record
/// that hands them out, so that no id is ever given twice.
pub fn allocate_producer_ids(
    image: &MetadataImage,
    broker_id: i32,
) -> Result<(std::ops::Range<i64>, MetadataRecord), ApiError> {
    let first = image.next_producer_id();
    let end = first
        .checked_add(PRODUCER_ID_BLOCK_SIZE)
        .ok_or_else(|| ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, "the producer id space is exhausted"))?;
    let record = ProducerIdsRecord { broker_id, next_producer_id: end, ..Default::default() };
    Ok((first..end, MetadataRecord::ProducerIds(record)))
}

/// A CreateTopics entry.
#[derive(Debug, Clone, Default)]
pub struct NewTopic {
    /// The name.
    pub name: String,
    /// Partitions, or -1 for num.partitions.
    pub num_partitions: i32,
    /// Replication factor, or -1 for default.replication.factor.
    pub replication_factor: i16,
    /// Manual assignment: (partition, replicas); empty for automatic placement.
    pub assignments: Vec<(i32, Vec<i32>)>,
    /// Topic configs to set.
    pub configs: Vec<(String, Option<String>)>,
}

/// Checks a topic name as Kafka does: 1 to 249 of `[a-zA-Z0-9._-]`, not `.` or `..`.
pub fn validate_topic_name(name: &str) -> Result<(), ApiError> {
    let invalid = |why: String| Err(ApiError::new(ErrorCode::INVALID_TOPIC_EXCEPTION, why));
    if name.is_empty() {
        return invalid("Topic name is illegal, it can't be empty".into());
    }
    if name == "." || name == ".." {
        return invalid("Topic name cannot be \".\" or \"..\"".into());
    }
    if name.len() > MAX_TOPIC_NAME_LEN {
        return invalid(format!("Topic name is illegal, it can't be longer than {MAX_TOPIC_NAME_LEN} characters"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-') {
        return invalid(format!(
            "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    Ok(())
}

/// The records that create a topic, after every check Kafka makes.
pub fn create_topic(
    image: &MetadataImage,
    t: &NewTopic,
    cluster: &Cluster,
    id: Uuid,
) -> Result<Vec<MetadataRecord>, ApiError> {
    validate_topic_name(&t.name)?;
    if image.topic(&t.name).is_some() {
        return Err(ApiError::new(ErrorCode::TOPIC_ALREADY_EXISTS, format!("Topic '{}' already exists.", t.name)));
    }
    let collides = |other: &str| other.replace('.', "_") == t.name.replace('.', "_");
    if let Some(other) = image.topics().find(|o| collides(&o.name)) {
        return Err(ApiError::new(
            ErrorCode::INVALID_TOPIC_EXCEPTION,
            format!("Topic '{}' collides with existing topic: {}", t.name, other.name),
        ));
    }
    let assignments = if t.assignments.is_empty() {
        automatic_placement(t.num_partitions, t.replication_factor, 0, cluster)?
    } else {
        manual_placement(t, cluster)?
    };
    let mut records =
        vec![MetadataRecord::Topic(TopicRecord { name: t.name.clone(), topic_id: id, ..Default::default() })];
    records.extend(partition_records(id, 0, assignments));
    let resource = ConfigResource::Topic(t.name.clone());
    for (name, value) in &t.configs {
        let def = topic_config(name).ok_or_else(|| unknown_config(name))?;
        if let Some(v) = value {
            def.validate(name, v)?;
        }
        records.push(config_record(&resource, name, value.clone()));
    }
    Ok(records)
}

fn partition_records(id: Uuid, first: i32, assignments: Vec<Vec<i32>>) -> impl Iterator<Item = MetadataRecord> {
    assignments.into_iter().zip(first..).map(move |(replicas, partition_id)| {
        MetadataRecord::Partition(PartitionRecord {
            partition_id,
            topic_id: id,
            isr: replicas.clone(),
            leader: replicas[0],
            replicas,
            leader_epoch: 0,
            partition_epoch: 0,
            ..Default::default()
        })
    })
}

/// Replicas for `count` partitions from index `first`: partition p starts at
/// broker p mod n and takes the next `rf` brokers round the ring, so leaders
/// and replicas spread evenly.
fn automatic_placement(count: i32, rf: i16, first: i32, cluster: &Cluster) -> Result<Vec<Vec<i32>>, ApiError> {
    let count = if count == -1 { cluster.default_partitions } else { count };
    let rf = if rf == -1 { cluster.default_replication_factor } else { rf };
    if count < 1 {
        return Err(ApiError::new(ErrorCode::INVALID_PARTITIONS, "Number of partitions must be larger than 0."));
    }
    if rf < 1 {
        return Err(ApiError::new(ErrorCode::INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0."));
    }
    let n = cluster.brokers.len();
    if rf as usize > n {
        return Err(ApiError::new(
            ErrorCode::INVALID_REPLICATION_FACTOR,
            format!("Unable to replicate the partition {rf} time(s): The target replication factor of {rf} cannot be reached because only {n} broker(s) are registered."),
        ));
    }
    let mut brokers = cluster.brokers.clone();
    brokers.sort_unstable();
    Ok((first..first + count).map(|p| (0..rf as usize).map(|r| brokers[(p as usize + r) % n]).collect()).collect())
}

fn manual_placement(t: &NewTopic, cluster: &Cluster) -> Result<Vec<Vec<i32>>, ApiError> {
    if t.num_partitions != -1 || t.replication_factor != -1 {
        return Err(ApiError::new(
            ErrorCode::INVALID_REQUEST,
            "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.",
        ));
    }
    let mut sorted = t.assignments.clone();
    sorted.sort_by_key(|a| a.0);
    if sorted.iter().enumerate().any(|(i, a)| a.0 != i as i32) {
        return Err(ApiError::new(
            ErrorCode::INVALID_REPLICA_ASSIGNMENT,
            "Partitions must be numbered from 0 without gaps.",
        ));
    }
    sorted.into_iter().map(|(_, replicas)| check_replicas(replicas, cluster)).collect()
}

fn check_replicas(replicas: Vec<i32>, cluster: &Cluster) -> Result<Vec<i32>, ApiError> {
    let distinct: BTreeSet<i32> = replicas.iter().copied().collect();
    if replicas.is_empty() || distinct.len() != replicas.len() {
        return Err(ApiError::new(
            ErrorCode::INVALID_REPLICA_ASSIGNMENT,
            "A partition's replicas must be distinct and not empty.",
        ));
    }
    if let Some(b) = replicas.iter().find(|b| !cluster.brokers.contains(b)) {
        return Err(ApiError::new(ErrorCode::INVALID_REPLICA_ASSIGNMENT, format!("Broker {b} is not registered.")));
    }
    Ok(replicas)
}

/// The records that delete a topic.
pub fn delete_topic(image: &MetadataImage, name: &str) -> Result<Vec<MetadataRecord>, ApiError> {
    let topic = image.topic(name).ok_or_else(|| unknown_topic(name))?;
    Ok(vec![MetadataRecord::RemoveTopic(RemoveTopicRecord { topic_id: topic.id, ..Default::default() })])
}

/// The records that grow a topic to `count` partitions.
pub fn create_partitions(
    image: &MetadataImage,
    name: &str,
    count: i32,
    assignments: Option<Vec<Vec<i32>>>,
    cluster: &Cluster,
) -> Result<Vec<MetadataRecord>, ApiError> {
    let topic = image.topic(name).ok_or_else(|| unknown_topic(name))?;
    let current = topic.partitions.len() as i32;
    if count <= current {
        let msg = if count == current {
            format!("Topic already has {current} partitions.")
        } else {
            format!("Topic currently has {current} partitions, which is higher than the requested {count}.")
        };
        return Err(ApiError::new(ErrorCode::INVALID_PARTITIONS, msg));
    }
    let rf = topic.partitions.first().map_or(1, |p| p.replicas.len() as i16);
    let placed = match assignments {
        Some(a) if a.len() as i32 != count - current => {
            return Err(ApiError::new(
                ErrorCode::INVALID_REPLICA_ASSIGNMENT,
                format!(
                    "Increasing the number of partitions by {} but {} assignments provided.",
                    count - current,
                    a.len()
                ),
            ))
        }
        Some(a) => a.into_iter().map(|r| check_replicas(r, cluster)).collect::<Result<Vec<_>, _>>()?,
        None => automatic_placement(count - current, rf, current, cluster)?,
    };
    Ok(partition_records(topic.id, current, placed).collect())
}

/// One change of an IncrementalAlterConfigs request (AlterConfigs is a Set of
/// each given config after a Delete of all others).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigOp {
    /// Set the value.
    Set(String),
    /// Remove the value, so the next layer's applies.
    Delete,
    /// Add items to a list config.
    Append(String),
    /// Remove items from a list config.
    Subtract(String),
}

/// The records that apply `ops` to `resource`. With `replace`, configs of the
/// resource not named in `ops` are removed (legacy AlterConfigs).
pub fn alter_configs(
    image: &MetadataImage,
    node_id: i32,
    resource: &ConfigResource,
    ops: &[(String, ConfigOp)],
    replace: bool,
) -> Result<Vec<MetadataRecord>, ApiError> {
    check_resource(image, node_id, resource)?;
    let current = image.configs(resource);
    let mut records = Vec::new();
    for (name, op) in ops {
        let def = resource_config(resource, name)?;
        let now = current.and_then(|c| c.get(name)).cloned().or(def.default.map(str::to_string));
        let value = match op {
            ConfigOp::Set(v) => Some(v.clone()),
            ConfigOp::Delete => None,
            ConfigOp::Append(v) | ConfigOp::Subtract(v) => {
                Some(list_op(def, name, now, v, matches!(op, ConfigOp::Append(_)))?)
            }
        };
        if let Some(v) = &value {
            def.validate(name, v)?;
        }
        records.push(config_record(resource, name, value));
    }
    if replace {
        let named: BTreeSet<&str> = ops.iter().map(|(n, _)| n.as_str()).collect();
        for name in current.into_iter().flat_map(|c| c.keys()).filter(|n| !named.contains(n.as_str())) {
            records.push(config_record(resource, name, None));
        }
    }
    Ok(records)
}

fn check_resource(image: &MetadataImage, node_id: i32, resource: &ConfigResource) -> Result<(), ApiError> {
    match resource {
        ConfigResource::Topic(name) if image.topic(name).is_none() => Err(unknown_topic(name)),
        ConfigResource::Broker(id) if !id.is_empty() && id != &node_id.to_string() => Err(ApiError::new(
            ErrorCode::INVALID_REQUEST,
            format!("Unexpected broker id, expected {node_id} or empty string, but received {id}"),
        )),
        _ => Ok(()),
    }
}

fn resource_config(resource: &ConfigResource, name: &str) -> Result<&'static ConfigDef, ApiError> {
    match resource {
        ConfigResource::Topic(_) => topic_config(name).ok_or_else(|| unknown_config(name)),
        ConfigResource::Broker(_) => match broker_config(name) {
            Some((def, true)) => Ok(def),
            Some((_, false)) => Err(ApiError::new(
                ErrorCode::INVALID_REQUEST,
                format!("Cannot update these configs dynamically: Set({name})"),
            )),
            None => Err(unknown_config(name)),
        },
    }
}

fn list_op(def: &ConfigDef, name: &str, now: Option<String>, items: &str, append: bool) -> Result<String, ApiError> {
    if def.ty != ConfigType::List {
        return Err(ApiError::new(
            ErrorCode::INVALID_CONFIG,
            format!("Config value append is not allowed for config key: {name}"),
        ));
    }
    let mut list: Vec<String> =
        now.iter().flat_map(|v| v.split(',')).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    for item in items.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if append && !list.iter().any(|x| x == item) {
            list.push(item.to_string());
        } else if !append {
            list.retain(|x| x != item);
        }
    }
    Ok(list.join(","))
}

fn config_record(resource: &ConfigResource, name: &str, value: Option<String>) -> MetadataRecord {
    MetadataRecord::Config(ConfigRecord {
        resource_type: resource.type_code(),
        resource_name: resource.name().to_string(),
        name: name.to_string(),
        value,
        ..Default::default()
    })
}

fn unknown_topic(name: &str) -> ApiError {
    ApiError::new(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("This server does not host this topic: {name}"))
}

fn unknown_config(name: &str) -> ApiError {
    ApiError::new(ErrorCode::INVALID_CONFIG, format!("Unknown configuration '{name}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Cluster {
        Cluster { brokers: vec![1], default_partitions: 3, default_replication_factor: 1 }
    }

    fn create(image: &MetadataImage, t: NewTopic, id: u8) -> Result<MetadataImage, ApiError> {
        let records = create_topic(image, &t, &cluster(), Uuid([id; 16]))?;
        Ok(image.apply(&records).unwrap())
    }

    fn topic(name: &str) -> NewTopic {
        NewTopic { name: name.into(), num_partitions: -1, replication_factor: -1, ..Default::default() }
    }

    #[test]
    fn topics_are_created_with_defaults_and_grow() {
        let image = create(&MetadataImage::default(), topic("orders"), 1).unwrap();
        let t = image.topic("orders").unwrap();
        assert_eq!(t.partitions.len(), 3);
        assert!(t.partitions.iter().all(|p| p.leader == 1 && p.replicas == [1] && p.isr == [1]));
        assert_eq!(create(&image, topic("orders"), 2).unwrap_err().code, ErrorCode::TOPIC_ALREADY_EXISTS);
        assert_eq!(create(&image, topic("or_ders"), 2).unwrap().topics().count(), 2);
        let grown = image.apply(&create_partitions(&image, "orders", 5, None, &cluster()).unwrap()).unwrap();
        assert_eq!(grown.topic("orders").unwrap().partitions.len(), 5);
        assert_eq!(
            create_partitions(&grown, "orders", 4, None, &cluster()).unwrap_err().code,
            ErrorCode::INVALID_PARTITIONS
        );
        let gone = grown.apply(&delete_topic(&grown, "orders").unwrap()).unwrap();
        assert!(gone.topic("orders").is_none());
        assert!(gone.topic_by_id(&Uuid([1; 16])).is_none());
    }

    #[test]
    fn bad_requests_get_kafkas_errors() {
        let image = MetadataImage::default();
        let code = |t: NewTopic| create(&image, t, 1).unwrap_err().code;
        assert_eq!(code(topic("a/b")), ErrorCode::INVALID_TOPIC_EXCEPTION);
        assert_eq!(code(topic("..")), ErrorCode::INVALID_TOPIC_EXCEPTION);
        assert_eq!(code(topic(&"x".repeat(250))), ErrorCode::INVALID_TOPIC_EXCEPTION);
        assert_eq!(code(NewTopic { num_partitions: 0, ..topic("t") }), ErrorCode::INVALID_PARTITIONS);
        assert_eq!(code(NewTopic { replication_factor: 3, ..topic("t") }), ErrorCode::INVALID_REPLICATION_FACTOR);
        let bad_config = NewTopic { configs: vec![("retention.ms".into(), Some("soon".into()))], ..topic("t") };
        assert_eq!(code(bad_config), ErrorCode::INVALID_CONFIG);
        let unknown = NewTopic { configs: vec![("retention.lightyears".into(), Some("1".into()))], ..topic("t") };
        assert_eq!(code(unknown), ErrorCode::INVALID_CONFIG);
        let manual = NewTopic { assignments: vec![(0, vec![2])], ..topic("t") };
        assert_eq!(code(manual), ErrorCode::INVALID_REPLICA_ASSIGNMENT);
    }

    #[test]
    fn configs_are_set_appended_and_replaced() {
        let image = create(&MetadataImage::default(), topic("t"), 1).unwrap();
        let t = ConfigResource::Topic("t".into());
        let ops = vec![("cleanup.policy".to_string(), ConfigOp::Append("compact".into()))];
        let image = image.apply(&alter_configs(&image, 1, &t, &ops, false).unwrap()).unwrap();
        assert_eq!(image.configs(&t).unwrap()["cleanup.policy"], "delete,compact");
        let ops = vec![("retention.ms".to_string(), ConfigOp::Set("5".into()))];
        let image = image.apply(&alter_configs(&image, 1, &t, &ops, true).unwrap()).unwrap();
        assert_eq!(image.configs(&t).unwrap().len(), 1, "legacy AlterConfigs replaces the whole set");
        let broker = ConfigResource::Broker("1".into());
        let static_only = vec![("num.partitions".to_string(), ConfigOp::Set("4".into()))];
        assert_eq!(
            alter_configs(&image, 1, &broker, &static_only, false).unwrap_err().code,
            ErrorCode::INVALID_REQUEST
        );
        let other = ConfigResource::Broker("7".into());
        assert!(alter_configs(&image, 1, &other, &[], false).is_err());
    }
}
