//! The controller's decisions, as pure functions: an image and a request in,
//! the records that carry out the request (or the error that refuses it) out.
//! The caller appends the records to the metadata log and applies them.

use std::collections::{BTreeMap, BTreeSet};

use strata_protocol::internal::metadata::register_broker_record::BrokerEndpoint;
use strata_protocol::internal::metadata::{
    ConfigRecord, FenceBrokerRecord, PartitionChangeRecord, PartitionRecord, ProducerIdsRecord, RegisterBrokerRecord,
    RemoveTopicRecord, TopicRecord, UnfenceBrokerRecord,
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
    /// broker.rack of those that set it.
    pub racks: BTreeMap<i32, String>,
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
/// and replicas spread evenly. The ring alternates racks (as Kafka's
/// rack-aware assignment does), so a partition's replicas sit on as many
/// racks as there are.
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
    let brokers = rack_alternated(cluster);
    Ok((first..first + count).map(|p| (0..rf as usize).map(|r| brokers[(p as usize + r) % n]).collect()).collect())
}

/// The brokers in ring order: sorted by id, and with racks set, one broker
/// of each rack in turn.
fn rack_alternated(cluster: &Cluster) -> Vec<i32> {
    let mut brokers = cluster.brokers.clone();
    brokers.sort_unstable();
    if cluster.racks.is_empty() {
        return brokers;
    }
    let mut by_rack: BTreeMap<&str, std::collections::VecDeque<i32>> = BTreeMap::new();
    for b in &brokers {
        by_rack.entry(cluster.racks.get(b).map_or("", String::as_str)).or_default().push_back(*b);
    }
    let mut out = Vec::with_capacity(brokers.len());
    while out.len() < brokers.len() {
        for queue in by_rack.values_mut() {
            out.extend(queue.pop_front());
        }
    }
    out
}

/// A broker's registration (BrokerRegistration): the epoch it goes by and
/// the record, or no record when the same run of the broker registers again
/// (a retry). A new run gets the next epoch; it starts unfenced, but the
/// previous run is fenced first, as KRaft does: the new run leaves every ISR
/// and leads only what no one else can (its log may have lost an unflushed
/// tail, or its disk may be new), and rejoins the ISRs by catching up.
pub fn register_broker(
    image: &MetadataImage,
    id: i32,
    incarnation_id: Uuid,
    (host, port): (&str, u16),
    rack: Option<String>,
) -> (i64, Vec<MetadataRecord>) {
    let current = image.broker(id);
    if let Some(b) = current.filter(|b| b.incarnation_id == incarnation_id && !b.fenced) {
        return (b.epoch, Vec::new());
    }
    let epoch = current.map_or(1, |b| b.epoch + 1);
    let endpoint = BrokerEndpoint { name: "PLAINTEXT".into(), host: host.into(), port, ..Default::default() };
    let record = RegisterBrokerRecord {
        broker_id: id,
        incarnation_id,
        broker_epoch: epoch,
        end_points: vec![endpoint],
        rack,
        fenced: false,
        ..Default::default()
    };
    let mut records = current.map_or_else(Vec::new, |_| fence_broker(image, id));
    let fenced = image.apply(&records).unwrap_or_else(|_| image.clone());
    records.push(MetadataRecord::RegisterBroker(record));
    records.extend(elect_leaderless(&fenced, id));
    (epoch, records)
}

/// Fences a silent broker: it leaves the ISR of every partition, and the
/// partitions it led get a new leader from the rest of their ISR, or none
/// (leader -1) when it was the last in-sync replica, which keeps it in the ISR
/// so that it, and no out-of-sync replica, leads again (no unclean election).
pub fn fence_broker(image: &MetadataImage, id: i32) -> Vec<MetadataRecord> {
    let Some(broker) = image.broker(id).filter(|b| !b.fenced) else { return Vec::new() };
    let mut records =
        vec![MetadataRecord::FenceBroker(FenceBrokerRecord { id, epoch: broker.epoch, ..Default::default() })];
    let live = |b: i32| b != id && image.broker(b).is_some_and(|x| !x.fenced);
    for topic in image.topics() {
        for (p, part) in topic.partitions.iter().enumerate() {
            if !part.isr.contains(&id) {
                continue;
            }
            let isr: Vec<i32> = part.isr.iter().copied().filter(|b| *b != id).collect();
            let (isr, leader) = if isr.is_empty() {
                (None, if part.leader == id { -1 } else { -2 })
            } else if part.leader == id || part.leader == -1 {
                let leader = part.replicas.iter().copied().find(|b| isr.contains(b) && live(*b)).unwrap_or(-1);
                (Some(isr), leader)
            } else {
                (Some(isr), -2)
            };
            if isr.is_none() && leader == -2 {
                continue;
            }
            records.push(partition_change(topic.id, p as i32, isr, leader));
        }
    }
    records
}

/// Unfences a broker that heartbeats again, and makes it leader of the
/// partitions that had none and keep it in their ISR.
pub fn unfence_broker(image: &MetadataImage, id: i32) -> Vec<MetadataRecord> {
    let Some(broker) = image.broker(id).filter(|b| b.fenced) else { return Vec::new() };
    let mut records =
        vec![MetadataRecord::UnfenceBroker(UnfenceBrokerRecord { id, epoch: broker.epoch, ..Default::default() })];
    records.extend(elect_leaderless(image, id));
    records
}

/// Controlled shutdown (a broker's heartbeat with WantShutDown): the broker
/// leaves every ISR and its leaderships move to live in-sync replicas, as
/// fencing does, and it is fenced so that its heartbeats until it exits do
/// not bring it back. Returns the records and whether the broker may exit
/// now: it leads nothing (a partition where it was the last in-sync replica
/// is left without a leader, never given to an out-of-sync one).
pub fn shut_down_broker(image: &MetadataImage, id: i32) -> (Vec<MetadataRecord>, bool) {
    let records = fence_broker(image, id);
    let after = image.apply(&records).unwrap_or_else(|_| image.clone());
    let leads = after.topics().any(|t| t.partitions.iter().any(|p| p.leader == id));
    (records, !leads)
}

/// Preferred-leader election for one partition: its first replica (the
/// preferred leader) leads again if it is live and in sync. None when it
/// already leads (ELECTION_NOT_NEEDED); PREFERRED_LEADER_NOT_AVAILABLE when
/// it cannot.
pub fn elect_preferred(image: &MetadataImage, topic: &str, partition: i32) -> Result<MetadataRecord, ApiError> {
    let t = image.topic(topic).ok_or_else(|| unknown_topic(topic))?;
    let part = usize::try_from(partition)
        .ok()
        .and_then(|i| t.partitions.get(i))
        .ok_or_else(|| ApiError::new(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "unknown partition"))?;
    let preferred = part.replicas.first().copied().unwrap_or(-1);
    if part.leader == preferred {
        return Err(ApiError::new(ErrorCode::ELECTION_NOT_NEEDED, "the preferred replica leads already"));
    }
    let live = image.broker(preferred).is_some_and(|b| !b.fenced);
    if !live || !part.isr.contains(&preferred) {
        return Err(ApiError::new(
            ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE,
            format!("the preferred replica {preferred} is not live and in sync"),
        ));
    }
    Ok(partition_change(t.id, partition, None, preferred))
}

/// Automatic leader rebalancing (`auto.leader.rebalance.enable`): a
/// preferred-leader election for every partition that can have one.
pub fn rebalance_leaders(image: &MetadataImage) -> Vec<MetadataRecord> {
    image
        .topics()
        .flat_map(|t| (0..t.partitions.len() as i32).filter_map(|p| elect_preferred(image, &t.name, p).ok()))
        .collect()
}

/// A partition's state as its leader last saw it, with the ISR it asks for
/// (AlterPartition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsrChange {
    /// The topic's id.
    pub topic_id: Uuid,
    /// The partition.
    pub partition: i32,
    /// The leader asking.
    pub leader: i32,
    /// The leader epoch it leads in.
    pub leader_epoch: i32,
    /// The partition epoch of the state it saw.
    pub partition_epoch: i32,
    /// The ISR it asks for.
    pub new_isr: Vec<i32>,
}

/// AlterPartition: a leader shrinks the ISR (a follower fell behind) or
/// grows it (a follower caught up). Refused when the leader or the state it
/// saw is stale (FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION), when the ISR
/// leaves out the leader or names a non-replica (INVALID_REQUEST), or when it
/// adds a fenced broker (INELIGIBLE_REPLICA). No record when nothing changes.
pub fn alter_partition(image: &MetadataImage, change: &IsrChange) -> Result<Vec<MetadataRecord>, ApiError> {
    let topic = image
        .topic_by_id(&change.topic_id)
        .ok_or_else(|| ApiError::new(ErrorCode::UNKNOWN_TOPIC_ID, "unknown topic id"))?;
    let part = usize::try_from(change.partition)
        .ok()
        .and_then(|i| topic.partitions.get(i))
        .ok_or_else(|| ApiError::new(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, "unknown partition"))?;
    if part.leader != change.leader {
        return Err(ApiError::new(ErrorCode::NOT_LEADER_OR_FOLLOWER, "the broker does not lead the partition"));
    }
    if part.leader_epoch != change.leader_epoch {
        return Err(ApiError::new(ErrorCode::FENCED_LEADER_EPOCH, "the leader epoch is not the current one"));
    }
    if part.partition_epoch != change.partition_epoch {
        return Err(ApiError::new(ErrorCode::INVALID_UPDATE_VERSION, "the partition has changed since"));
    }
    let distinct: BTreeSet<i32> = change.new_isr.iter().copied().collect();
    let valid = distinct.len() == change.new_isr.len()
        && distinct.contains(&change.leader)
        && distinct.iter().all(|b| part.replicas.contains(b));
    if !valid {
        return Err(ApiError::new(ErrorCode::INVALID_REQUEST, "the ISR must be distinct replicas holding the leader"));
    }
    let fenced = |b: &i32| image.broker(*b).is_none_or(|x| x.fenced);
    if change.new_isr.iter().any(|b| !part.isr.contains(b) && fenced(b)) {
        return Err(ApiError::new(ErrorCode::INELIGIBLE_REPLICA, "a fenced broker cannot join the ISR"));
    }
    if change.new_isr == part.isr {
        return Ok(Vec::new());
    }
    Ok(vec![partition_change(change.topic_id, change.partition, Some(change.new_isr.clone()), -2)])
}

/// Leadership for `id` of every partition without a leader whose ISR holds it.
fn elect_leaderless(image: &MetadataImage, id: i32) -> Vec<MetadataRecord> {
    let mut records = Vec::new();
    for topic in image.topics() {
        for (p, part) in topic.partitions.iter().enumerate() {
            if part.leader == -1 && part.isr.contains(&id) {
                records.push(partition_change(topic.id, p as i32, None, id));
            }
        }
    }
    records
}

/// A PartitionChangeRecord: a new ISR (if any) and leader (-2: unchanged).
fn partition_change(topic_id: Uuid, partition_id: i32, isr: Option<Vec<i32>>, leader: i32) -> MetadataRecord {
    MetadataRecord::PartitionChange(PartitionChangeRecord { partition_id, topic_id, isr, leader, ..Default::default() })
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
        Cluster { brokers: vec![1], racks: BTreeMap::new(), default_partitions: 3, default_replication_factor: 1 }
    }

    fn three_brokers() -> MetadataImage {
        let mut image = MetadataImage::default();
        for id in 1..=3 {
            let (epoch, records) = register_broker(&image, id, Uuid([id as u8; 16]), ("h", 9000 + id as u16), None);
            assert_eq!(epoch, 1);
            image = image.apply(&records).unwrap();
        }
        image
    }

    #[test]
    fn placement_alternates_racks() {
        let racks =
            BTreeMap::from([(1, "a".to_string()), (2, "a".to_string()), (3, "b".to_string()), (4, "b".to_string())]);
        let cluster =
            Cluster { brokers: vec![1, 2, 3, 4], racks, default_partitions: 1, default_replication_factor: 2 };
        let placement = automatic_placement(4, 2, 0, &cluster).unwrap();
        for replicas in &placement {
            let racks: BTreeSet<&str> = replicas.iter().map(|b| cluster.racks[b].as_str()).collect();
            assert_eq!(racks.len(), 2, "{replicas:?} spans both racks");
        }
        let leaders: BTreeSet<i32> = placement.iter().map(|r| r[0]).collect();
        assert_eq!(leaders.len(), 4, "leaders spread over every broker");
    }

    /// Three brokers and topic "t" (id [9; 16]) with `partitions` partitions
    /// of three replicas, and the cluster it was placed on.
    fn three_brokers_with_topic_t(partitions: i32) -> (MetadataImage, Cluster) {
        let image = three_brokers();
        let cluster = Cluster {
            brokers: vec![1, 2, 3],
            racks: BTreeMap::new(),
            default_partitions: 1,
            default_replication_factor: 3,
        };
        let t = NewTopic { name: "t".into(), num_partitions: partitions, replication_factor: 3, ..Default::default() };
        let image = image.apply(&create_topic(&image, &t, &cluster, Uuid([9; 16])).unwrap()).unwrap();
        (image, cluster)
    }

    #[test]
    fn fencing_moves_leadership_within_the_isr_and_unfencing_restores_a_leaderless_partition() {
        let (mut image, _) = three_brokers_with_topic_t(3);
        let led_by_1 = image.topic("t").unwrap().partitions.iter().position(|p| p.leader == 1).unwrap();
        image = image.apply(&fence_broker(&image, 1)).unwrap();
        let p = &image.topic("t").unwrap().partitions[led_by_1];
        assert_ne!(p.leader, 1);
        assert!(!p.isr.contains(&1) && p.isr.len() == 2 && p.leader_epoch == 1);
        assert!(fence_broker(&image, 1).is_empty(), "fencing twice changes nothing");
        // The other two go too: the last in-sync replica stays in the ISR, leaderless.
        image = image.apply(&fence_broker(&image, 2)).unwrap();
        image = image.apply(&fence_broker(&image, 3)).unwrap();
        let p = &image.topic("t").unwrap().partitions[led_by_1];
        assert_eq!((p.leader, p.isr.len()), (-1, 1));
        let last = p.isr[0];
        // Broker 1 (out of sync) coming back must not lead; the last in-sync one does.
        image = image.apply(&unfence_broker(&image, 1)).unwrap();
        assert_eq!(image.topic("t").unwrap().partitions[led_by_1].leader, -1);
        image = image.apply(&unfence_broker(&image, last)).unwrap();
        assert_eq!(image.topic("t").unwrap().partitions[led_by_1].leader, last);
        // A new run of a broker registers with the next epoch; a retry keeps it.
        let (epoch, records) = register_broker(&image, 1, Uuid([1; 16]), ("h", 1), None);
        assert_eq!((epoch, records.is_empty()), (1, true));
        let (epoch, _) = register_broker(&image, 1, Uuid([42; 16]), ("h", 1), None);
        assert_eq!(epoch, 2);
    }

    #[test]
    fn a_new_run_of_a_broker_leaves_the_isrs_and_leads_only_what_no_one_else_can() {
        let (mut image, cluster) = three_brokers_with_topic_t(3);
        let solo = NewTopic {
            name: "solo".into(),
            num_partitions: -1,
            replication_factor: -1,
            assignments: vec![(0, vec![1])],
            ..Default::default()
        };
        image = image.apply(&create_topic(&image, &solo, &cluster, Uuid([8; 16])).unwrap()).unwrap();
        let (epoch, records) = register_broker(&image, 1, Uuid([42; 16]), ("h", 1), None);
        image = image.apply(&records).unwrap();
        assert_eq!((epoch, image.broker(1).unwrap().fenced), (2, false));
        for p in &image.topic("t").unwrap().partitions {
            assert!(p.leader != 1 && !p.isr.contains(&1) && p.isr.len() == 2, "{p:?}");
        }
        let s = &image.topic("solo").unwrap().partitions[0];
        assert_eq!((s.leader, s.isr.clone(), s.leader_epoch), (1, vec![1], 2), "its own partition, in a new epoch");
    }

    #[test]
    fn controlled_shutdown_moves_leadership_away_and_preferred_leaders_come_back() {
        let (mut image, _) = three_brokers_with_topic_t(3);
        let led_by_1 = image.topic("t").unwrap().partitions.iter().position(|p| p.leader == 1).unwrap() as i32;
        let code = |image: &MetadataImage| elect_preferred(image, "t", led_by_1).err().map(|e| e.code);
        assert_eq!(code(&image), Some(ErrorCode::ELECTION_NOT_NEEDED));
        let (records, may_exit) = shut_down_broker(&image, 1);
        image = image.apply(&records).unwrap();
        assert!(may_exit && image.broker(1).unwrap().fenced);
        assert!(image.topic("t").unwrap().partitions.iter().all(|p| p.leader != 1 && !p.isr.contains(&1)));
        assert_eq!(shut_down_broker(&image, 1), (Vec::new(), true), "asking again changes nothing");
        // Back, but not yet in sync: no election.
        let (_, records) = register_broker(&image, 1, Uuid([42; 16]), ("h", 1), None);
        image = image.apply(&records).unwrap();
        assert_eq!(code(&image), Some(ErrorCode::PREFERRED_LEADER_NOT_AVAILABLE));
        assert!(rebalance_leaders(&image).is_empty());
        // In sync again: it leads its partition again, in a new epoch.
        let p = image.topic("t").unwrap().partitions[led_by_1 as usize].clone();
        let mut isr = p.isr.clone();
        isr.push(1);
        let grow = IsrChange {
            topic_id: Uuid([9; 16]),
            partition: led_by_1,
            leader: p.leader,
            leader_epoch: p.leader_epoch,
            partition_epoch: p.partition_epoch,
            new_isr: isr,
        };
        image = image.apply(&alter_partition(&image, &grow).unwrap()).unwrap();
        image = image.apply(&rebalance_leaders(&image)).unwrap();
        let p = &image.topic("t").unwrap().partitions[led_by_1 as usize];
        assert_eq!((p.leader, p.leader_epoch), (1, 2));
        assert_eq!(elect_preferred(&image, "nope", 0).unwrap_err().code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        assert_eq!(elect_preferred(&image, "t", 9).unwrap_err().code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    }

    #[test]
    fn the_leader_shrinks_and_grows_the_isr_only_from_the_state_it_saw() {
        let (mut image, _) = three_brokers_with_topic_t(1);
        let p = image.topic("t").unwrap().partitions[0].clone();
        let follower = *p.replicas.iter().find(|b| **b != p.leader).unwrap();
        let shrunk: Vec<i32> = p.isr.iter().copied().filter(|b| *b != follower).collect();
        let change = IsrChange {
            topic_id: Uuid([9; 16]),
            partition: 0,
            leader: p.leader,
            leader_epoch: p.leader_epoch,
            partition_epoch: p.partition_epoch,
            new_isr: shrunk.clone(),
        };
        let code = |c: &IsrChange, image: &MetadataImage| alter_partition(image, c).err().map(|e| e.code);
        image = image.apply(&alter_partition(&image, &change).unwrap()).unwrap();
        let now = image.topic("t").unwrap().partitions[0].clone();
        assert_eq!((now.isr, now.leader, now.leader_epoch), (shrunk, p.leader, p.leader_epoch));
        assert_eq!(code(&change, &image), Some(ErrorCode::INVALID_UPDATE_VERSION), "the same change again is stale");
        let grow = IsrChange { partition_epoch: now.partition_epoch, new_isr: p.isr.clone(), ..change.clone() };
        let stale_leader = IsrChange { leader_epoch: p.leader_epoch - 1, ..grow.clone() };
        assert_eq!(code(&stale_leader, &image), Some(ErrorCode::FENCED_LEADER_EPOCH));
        let not_leader = IsrChange { leader: follower, ..grow.clone() };
        assert_eq!(code(&not_leader, &image), Some(ErrorCode::NOT_LEADER_OR_FOLLOWER));
        let without_leader = IsrChange { new_isr: vec![follower], ..grow.clone() };
        assert_eq!(code(&without_leader, &image), Some(ErrorCode::INVALID_REQUEST));
        let fenced = image.apply(&fence_broker(&image, follower)).unwrap();
        let grow_fenced =
            IsrChange { partition_epoch: fenced.topic("t").unwrap().partitions[0].partition_epoch, ..grow.clone() };
        assert_eq!(code(&grow_fenced, &fenced), Some(ErrorCode::INELIGIBLE_REPLICA));
        image = image.apply(&alter_partition(&image, &grow).unwrap()).unwrap();
        assert_eq!(image.topic("t").unwrap().partitions[0].isr, p.isr);
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
