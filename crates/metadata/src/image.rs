//! The metadata image: what the metadata log says, as of one offset.
//!
//! An image is immutable once built; [`MetadataImage::apply`] returns a new
//! one, sharing every topic the records did not touch. Readers hold an
//! `Arc<MetadataImage>` and never see a half-applied change.
//!
//! Invariants: topic names and ids are one-to-one; a topic's partitions are
//! numbered `0..n` without gaps once its records are applied; configs of a
//! topic go with the topic when it is removed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use strata_protocol::internal::metadata::{
    register_broker_record::BrokerEndpoint, ConfigRecord, PartitionRecord, ProducerIdsRecord, RegisterBrokerRecord,
    TopicRecord,
};
use strata_protocol::Uuid;

use crate::error::MetadataError;
use crate::record::MetadataRecord;

/// A resource that carries configs, as ConfigRecord names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfigResource {
    /// A topic, by name (resource type 2).
    Topic(String),
    /// A broker, by id as a string, or `""` for the cluster-wide default (resource type 4).
    Broker(String),
}

impl ConfigResource {
    /// Kafka's resource type code.
    pub fn type_code(&self) -> i8 {
        match self {
            ConfigResource::Topic(_) => 2,
            ConfigResource::Broker(_) => 4,
        }
    }

    /// The resource's name.
    pub fn name(&self) -> &str {
        match self {
            ConfigResource::Topic(n) | ConfigResource::Broker(n) => n,
        }
    }

    /// The resource with this type code and name, if strata knows the type.
    pub fn from_code(code: i8, name: &str) -> Option<ConfigResource> {
        match code {
            2 => Some(ConfigResource::Topic(name.to_string())),
            4 => Some(ConfigResource::Broker(name.to_string())),
            _ => None,
        }
    }
}

/// One partition's placement and leadership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionImage {
    /// Replicas, preferred leader first.
    pub replicas: Vec<i32>,
    /// In-sync replicas.
    pub isr: Vec<i32>,
    /// The leader's broker id, or -1.
    pub leader: i32,
    /// Bumped at each leader change.
    pub leader_epoch: i32,
    /// Bumped at each change of the partition.
    pub partition_epoch: i32,
}

/// One registered broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerImage {
    /// The broker's id.
    pub id: i32,
    /// The epoch of its current registration (each registration gets a new one).
    pub epoch: i64,
    /// Distinguishes one run of the process from the next.
    pub incarnation_id: Uuid,
    /// Its client listener.
    pub host: String,
    /// Its client listener's port.
    pub port: u16,
    /// broker.rack, if set.
    pub rack: Option<String>,
    /// Fenced: silent past broker.session.timeout.ms; it leads nothing.
    pub fenced: bool,
}

/// One topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicImage {
    /// The topic's name.
    pub name: String,
    /// The topic's id.
    pub id: Uuid,
    /// Partitions by index.
    pub partitions: Vec<PartitionImage>,
}

impl TopicImage {
    /// Whether the topic is one of the broker's own (`__consumer_offsets`, ...).
    pub fn is_internal(&self) -> bool {
        self.name.starts_with("__")
    }
}

/// The whole metadata view.
#[derive(Debug, Clone, Default)]
pub struct MetadataImage {
    brokers: BTreeMap<i32, BrokerImage>,
    topics: BTreeMap<String, Arc<TopicImage>>,
    ids: HashMap<Uuid, String>,
    configs: BTreeMap<ConfigResource, BTreeMap<String, String>>,
    next_producer_id: i64,
}

impl MetadataImage {
    /// Every registered broker, fenced or not, by id.
    pub fn brokers(&self) -> impl Iterator<Item = &BrokerImage> {
        self.brokers.values()
    }

    /// The broker with this id, if registered.
    pub fn broker(&self, id: i32) -> Option<&BrokerImage> {
        self.brokers.get(&id)
    }

    /// Every topic, by name.
    pub fn topics(&self) -> impl Iterator<Item = &Arc<TopicImage>> {
        self.topics.values()
    }

    /// The topic with this name.
    pub fn topic(&self, name: &str) -> Option<&Arc<TopicImage>> {
        self.topics.get(name)
    }

    /// Whether partition `index` of topic `name` exists.
    pub fn has_partition(&self, name: &str, index: i32) -> bool {
        self.topic(name).is_some_and(|t| usize::try_from(index).is_ok_and(|i| i < t.partitions.len()))
    }

    /// The topic with this id.
    pub fn topic_by_id(&self, id: &Uuid) -> Option<&Arc<TopicImage>> {
        self.ids.get(id).and_then(|n| self.topics.get(n))
    }

    /// The configs set on a resource (only those set, not defaults).
    pub fn configs(&self, resource: &ConfigResource) -> Option<&BTreeMap<String, String>> {
        self.configs.get(resource)
    }

    /// The first producer id of the next block the controller hands out
    /// (every id below it was given to some broker).
    pub fn next_producer_id(&self) -> i64 {
        self.next_producer_id
    }

    /// A new image with `records` applied in order. On error the image is
    /// unchanged (the caller keeps `self`).
    pub fn apply(&self, records: &[MetadataRecord]) -> Result<MetadataImage, MetadataError> {
        let mut next = self.clone();
        for r in records {
            next.apply_one(r)?;
        }
        Ok(next)
    }

    fn apply_one(&mut self, record: &MetadataRecord) -> Result<(), MetadataError> {
        match record {
            MetadataRecord::RegisterBroker(b) => {
                let endpoint = b.end_points.iter().find(|e| e.name == "PLAINTEXT").or(b.end_points.first());
                let broker = BrokerImage {
                    id: b.broker_id,
                    epoch: b.broker_epoch,
                    incarnation_id: b.incarnation_id,
                    host: endpoint.map(|e| e.host.clone()).unwrap_or_default(),
                    port: endpoint.map_or(0, |e| e.port),
                    rack: b.rack.clone(),
                    fenced: b.fenced,
                };
                self.brokers.insert(b.broker_id, broker);
            }
            MetadataRecord::FenceBroker(f) => self.broker_mut(f.id, f.epoch)?.fenced = true,
            MetadataRecord::UnfenceBroker(f) => self.broker_mut(f.id, f.epoch)?.fenced = false,
            MetadataRecord::Topic(t) => {
                if self.topics.contains_key(&t.name) || self.ids.contains_key(&t.topic_id) {
                    return Err(MetadataError::Inconsistent(format!("topic {} exists", t.name)));
                }
                let topic = TopicImage { name: t.name.clone(), id: t.topic_id, partitions: Vec::new() };
                self.ids.insert(t.topic_id, t.name.clone());
                self.topics.insert(t.name.clone(), Arc::new(topic));
            }
            MetadataRecord::Partition(p) => {
                let topic = self.topic_mut(&p.topic_id)?;
                let image = PartitionImage {
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    leader: p.leader,
                    leader_epoch: p.leader_epoch,
                    partition_epoch: p.partition_epoch,
                };
                let index = usize::try_from(p.partition_id).ok().filter(|i| *i <= topic.partitions.len());
                match index {
                    Some(i) if i == topic.partitions.len() => topic.partitions.push(image),
                    Some(i) => topic.partitions[i] = image,
                    None => {
                        return Err(MetadataError::Inconsistent(format!("partition {} out of order", p.partition_id)))
                    }
                }
            }
            MetadataRecord::PartitionChange(c) => {
                let topic = self.topic_mut(&c.topic_id)?;
                let p = usize::try_from(c.partition_id)
                    .ok()
                    .and_then(|i| topic.partitions.get_mut(i))
                    .ok_or_else(|| MetadataError::Inconsistent(format!("no partition {}", c.partition_id)))?;
                if let Some(isr) = &c.isr {
                    p.isr = isr.clone();
                }
                if let Some(replicas) = &c.replicas {
                    p.replicas = replicas.clone();
                }
                if c.leader != -2 {
                    p.leader = c.leader;
                    p.leader_epoch += 1;
                }
                if p.leader >= 0 && !p.isr.contains(&p.leader) {
                    return Err(MetadataError::Inconsistent(format!(
                        "partition {} would be led by {}, outside its ISR {:?}",
                        c.partition_id, p.leader, p.isr
                    )));
                }
                p.partition_epoch += 1;
            }
            MetadataRecord::RemoveTopic(r) => {
                let name = self
                    .ids
                    .remove(&r.topic_id)
                    .ok_or_else(|| MetadataError::Inconsistent("removal of an unknown topic id".into()))?;
                self.topics.remove(&name);
                self.configs.remove(&ConfigResource::Topic(name));
            }
            MetadataRecord::ProducerIds(p) => {
                if p.next_producer_id <= self.next_producer_id {
                    return Err(MetadataError::Inconsistent(format!(
                        "producer id block ending at {} does not follow {}",
                        p.next_producer_id, self.next_producer_id
                    )));
                }
                self.next_producer_id = p.next_producer_id;
            }
            MetadataRecord::Config(c) => {
                let resource = ConfigResource::from_code(c.resource_type, &c.resource_name)
                    .ok_or_else(|| MetadataError::Inconsistent(format!("config resource type {}", c.resource_type)))?;
                let set = self.configs.entry(resource.clone()).or_default();
                match &c.value {
                    Some(v) => {
                        set.insert(c.name.clone(), v.clone());
                    }
                    None => {
                        set.remove(&c.name);
                    }
                }
                if set.is_empty() {
                    self.configs.remove(&resource);
                }
            }
        }
        Ok(())
    }

    /// The records that build this image from an empty one (a snapshot of
    /// the metadata log): each broker's registration, each topic with its partitions, every config set,
    /// and the producer-id high mark.
    pub fn to_records(&self) -> Vec<MetadataRecord> {
        let mut out = Vec::new();
        for b in self.brokers.values() {
            out.push(MetadataRecord::RegisterBroker(RegisterBrokerRecord {
                broker_id: b.id,
                incarnation_id: b.incarnation_id,
                broker_epoch: b.epoch,
                end_points: vec![BrokerEndpoint {
                    name: "PLAINTEXT".into(),
                    host: b.host.clone(),
                    port: b.port,
                    security_protocol: 0,
                    ..Default::default()
                }],
                rack: b.rack.clone(),
                fenced: b.fenced,
                ..Default::default()
            }));
        }
        for t in self.topics.values() {
            out.push(MetadataRecord::Topic(TopicRecord { name: t.name.clone(), topic_id: t.id, ..Default::default() }));
            for (i, p) in t.partitions.iter().enumerate() {
                out.push(MetadataRecord::Partition(PartitionRecord {
                    partition_id: i as i32,
                    topic_id: t.id,
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    leader: p.leader,
                    leader_epoch: p.leader_epoch,
                    partition_epoch: p.partition_epoch,
                    ..Default::default()
                }));
            }
        }
        for (resource, set) in &self.configs {
            for (name, value) in set {
                out.push(MetadataRecord::Config(ConfigRecord {
                    resource_type: resource.type_code(),
                    resource_name: resource.name().to_string(),
                    name: name.clone(),
                    value: Some(value.clone()),
                    ..Default::default()
                }));
            }
        }
        if self.next_producer_id > 0 {
            out.push(MetadataRecord::ProducerIds(ProducerIdsRecord {
                broker_id: -1,
                next_producer_id: self.next_producer_id,
                ..Default::default()
            }));
        }
        out
    }

    fn broker_mut(&mut self, id: i32, epoch: i64) -> Result<&mut BrokerImage, MetadataError> {
        match self.brokers.get_mut(&id) {
            Some(b) if b.epoch == epoch => Ok(b),
            _ => Err(MetadataError::Inconsistent(format!("no broker {id} with epoch {epoch}"))),
        }
    }

    fn topic_mut(&mut self, id: &Uuid) -> Result<&mut TopicImage, MetadataError> {
        let name = self.ids.get(id).ok_or_else(|| MetadataError::Inconsistent("unknown topic id".into()))?;
        let topic = self.topics.get_mut(name).expect("ids and topics are one-to-one");
        Ok(Arc::make_mut(topic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_protocol::internal::metadata::PartitionChangeRecord;

    #[test]
    fn an_image_rebuilt_from_its_records_is_the_same_image() {
        let id = Uuid([9; 16]);
        let records = vec![
            MetadataRecord::RegisterBroker(RegisterBrokerRecord {
                broker_id: 2,
                broker_epoch: 7,
                end_points: vec![BrokerEndpoint {
                    name: "PLAINTEXT".into(),
                    host: "h".into(),
                    port: 9,
                    ..Default::default()
                }],
                rack: Some("r1".into()),
                ..Default::default()
            }),
            MetadataRecord::FenceBroker(strata_protocol::internal::metadata::FenceBrokerRecord {
                id: 2,
                epoch: 7,
                ..Default::default()
            }),
            MetadataRecord::Topic(TopicRecord { name: "t".into(), topic_id: id, ..Default::default() }),
            MetadataRecord::Partition(PartitionRecord {
                partition_id: 0,
                topic_id: id,
                replicas: vec![1, 2, 3],
                isr: vec![1, 2, 3],
                leader: 1,
                leader_epoch: 0,
                partition_epoch: 0,
                ..Default::default()
            }),
            MetadataRecord::PartitionChange(PartitionChangeRecord {
                partition_id: 0,
                topic_id: id,
                isr: Some(vec![2, 3]),
                leader: 2,
                ..Default::default()
            }),
            MetadataRecord::Config(ConfigRecord {
                resource_type: 2,
                resource_name: "t".into(),
                name: "retention.ms".into(),
                value: Some("5".into()),
                ..Default::default()
            }),
            MetadataRecord::ProducerIds(ProducerIdsRecord { next_producer_id: 1000, ..Default::default() }),
        ];
        let image = MetadataImage::default().apply(&records).unwrap();
        let rebuilt = MetadataImage::default().apply(&image.to_records()).unwrap();
        assert_eq!(rebuilt.to_records(), image.to_records());
        let p = &rebuilt.topic("t").unwrap().partitions[0];
        assert_eq!((p.leader, p.leader_epoch, p.partition_epoch, p.isr.as_slice()), (2, 1, 1, &[2, 3][..]));
        assert_eq!(rebuilt.next_producer_id(), 1000);
        let b = rebuilt.broker(2).unwrap();
        assert_eq!((b.host.as_str(), b.port, b.rack.as_deref(), b.fenced, b.epoch), ("h", 9, Some("r1"), true, 7));
        assert_eq!(rebuilt.configs(&ConfigResource::Topic("t".into())).unwrap()["retention.ms"], "5");
    }

    #[test]
    fn a_change_that_leaves_the_leader_outside_the_isr_does_not_apply() {
        let id = Uuid([9; 16]);
        let image = MetadataImage::default()
            .apply(&[
                MetadataRecord::Topic(TopicRecord { name: "t".into(), topic_id: id, ..Default::default() }),
                MetadataRecord::Partition(PartitionRecord {
                    partition_id: 0,
                    topic_id: id,
                    replicas: vec![1, 2, 3],
                    isr: vec![3],
                    leader: 3,
                    ..Default::default()
                }),
            ])
            .unwrap();
        let change = |isr: Option<Vec<i32>>, leader| {
            let c = PartitionChangeRecord { partition_id: 0, topic_id: id, isr, leader, ..Default::default() };
            MetadataRecord::PartitionChange(c)
        };
        // Decided on an older image, in which 2 led with ISR [2, 3].
        let err = image.apply(&[change(Some(vec![2]), -2)]).unwrap_err();
        assert!(err.to_string().contains("outside its ISR"), "{err}");
        assert!(image.apply(&[change(None, 1)]).is_err(), "a new leader outside the ISR");
        let led = image.apply(&[change(Some(vec![2]), 2)]).unwrap();
        assert_eq!(led.topic("t").unwrap().partitions[0].leader, 2);
        let leaderless = image.apply(&[change(None, -1)]).unwrap();
        assert_eq!(leaderless.topic("t").unwrap().partitions[0].leader, -1);
    }
}
