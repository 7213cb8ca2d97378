//! Every config strata knows, by Kafka's names, and how a value is resolved.
//!
//! A topic config (retention.ms) has a broker synonym (log.retention.ms) that
//! supplies its default. A value comes from the first layer that sets it:
//!
//! ```text
//! topic override           DYNAMIC_TOPIC_CONFIG           (topics only)
//! this broker, dynamic     DYNAMIC_BROKER_CONFIG          (AlterConfigs on broker "N")
//! cluster default, dynamic DYNAMIC_DEFAULT_BROKER_CONFIG  (AlterConfigs on broker "")
//! static                   STATIC_BROKER_CONFIG           (--config, --set, STRATA_*)
//! built-in default         DEFAULT_CONFIG
//! ```
//!
//! Only the topic configs' broker synonyms can change at run time; the other
//! broker configs are read-only, as they take effect at start.

use std::collections::BTreeMap;

use strata_protocol::ErrorCode;

use crate::error::ApiError;
use crate::image::{ConfigResource, MetadataImage};

/// A config's type, with DescribeConfigs' codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// A boolean (`true` or `false`).
    Boolean = 1,
    /// A string, possibly limited to some values.
    String = 2,
    /// A 32-bit integer.
    Int = 3,
    /// A 64-bit integer.
    Long = 5,
    /// A floating-point number.
    Double = 6,
    /// A comma-separated list.
    List = 7,
}

/// Where a value came from, with DescribeConfigs' codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    /// Set on the topic.
    DynamicTopic = 1,
    /// Set at run time on this broker.
    DynamicBroker = 2,
    /// Set at run time as the cluster-wide default.
    DynamicDefaultBroker = 3,
    /// Set at start (config file, --set, environment).
    StaticBroker = 4,
    /// The built-in default.
    Default = 5,
}

/// The definition of one config.
#[derive(Debug)]
pub struct ConfigDef {
    /// Kafka's name.
    pub name: &'static str,
    /// Its type.
    pub ty: ConfigType,
    /// The built-in default, or `None` for null.
    pub default: Option<&'static str>,
    /// For a topic config: the broker config that supplies its default.
    /// For a broker config: `""`.
    pub synonym: &'static str,
    /// The lowest value (numbers only).
    pub min: Option<f64>,
    /// The accepted values (strings and list items), empty for any.
    pub values: &'static [&'static str],
    /// What it does.
    pub doc: &'static str,
}

const fn def(
    name: &'static str,
    ty: ConfigType,
    default: Option<&'static str>,
    synonym: &'static str,
    min: Option<f64>,
    values: &'static [&'static str],
    doc: &'static str,
) -> ConfigDef {
    ConfigDef { name, ty, default, synonym, min, values, doc }
}

use ConfigType as T;

/// Topic configs, each with its broker synonym.
pub static TOPIC_CONFIGS: &[ConfigDef] = &[
    def(
        "cleanup.policy",
        T::List,
        Some("delete"),
        "log.cleanup.policy",
        None,
        &["delete", "compact"],
        "How old segments are removed: delete (by retention), compact (keep the latest record per key), or both.",
    ),
    def(
        "compression.type",
        T::String,
        Some("producer"),
        "compression.type",
        None,
        &["producer"],
        "strata stores batches as the producer compressed them; producer is the only value.",
    ),
    def(
        "delete.retention.ms",
        T::Long,
        Some("86400000"),
        "log.cleaner.delete.retention.ms",
        Some(0.0),
        &[],
        "How long tombstones survive compaction.",
    ),
    def(
        "flush.messages",
        T::Long,
        Some("9223372036854775807"),
        "log.flush.interval.messages",
        Some(1.0),
        &[],
        "fsync the log after this many unflushed records (acks=all always waits for fsync).",
    ),
    def(
        "flush.ms",
        T::Long,
        Some("9223372036854775807"),
        "log.flush.interval.ms",
        Some(0.0),
        &[],
        "fsync the log when unflushed data is this old.",
    ),
    def(
        "index.interval.bytes",
        T::Int,
        Some("4096"),
        "log.index.interval.bytes",
        Some(0.0),
        &[],
        "Bytes of log between two offset index entries.",
    ),
    def(
        "max.message.bytes",
        T::Int,
        Some("1048588"),
        "message.max.bytes",
        Some(0.0),
        &[],
        "The largest record batch the topic accepts.",
    ),
    def(
        "message.timestamp.type",
        T::String,
        Some("CreateTime"),
        "log.message.timestamp.type",
        None,
        &["CreateTime", "LogAppendTime"],
        "Whether records keep the producer's timestamp or get the broker's.",
    ),
    def(
        "min.cleanable.dirty.ratio",
        T::Double,
        Some("0.5"),
        "log.cleaner.min.cleanable.ratio",
        Some(0.0),
        &[],
        "Compact when this share of the log is uncompacted.",
    ),
    def(
        "min.compaction.lag.ms",
        T::Long,
        Some("0"),
        "log.cleaner.min.compaction.lag.ms",
        Some(0.0),
        &[],
        "Records younger than this are not compacted.",
    ),
    def(
        "min.insync.replicas",
        T::Int,
        Some("1"),
        "min.insync.replicas",
        Some(1.0),
        &[],
        "acks=all needs this many in-sync replicas.",
    ),
    def(
        "retention.bytes",
        T::Long,
        Some("-1"),
        "log.retention.bytes",
        None,
        &[],
        "Delete old segments while a partition is larger; -1 for no limit.",
    ),
    def(
        "retention.ms",
        T::Long,
        Some("604800000"),
        "log.retention.ms",
        Some(-1.0),
        &[],
        "Delete segments whose newest record is older; -1 keeps forever.",
    ),
    def(
        "segment.bytes",
        T::Int,
        Some("1073741824"),
        "log.segment.bytes",
        Some(14.0),
        &[],
        "Roll to a new segment past this size.",
    ),
    def(
        "segment.ms",
        T::Long,
        Some("604800000"),
        "log.roll.ms",
        Some(1.0),
        &[],
        "Roll to a new segment once the active one is this old.",
    ),
    def(
        "unclean.leader.election.enable",
        T::Boolean,
        Some("false"),
        "unclean.leader.election.enable",
        None,
        &[],
        "Whether a replica outside the ISR may become leader (losing data).",
    ),
];

/// Broker configs that are not a topic config's synonym; read-only at run time.
pub static BROKER_CONFIGS: &[ConfigDef] = &[
    def("node.id", T::Int, Some("1"), "", Some(0.0), &[], "This broker's id."),
    def(
        "listeners",
        T::String,
        Some("PLAINTEXT://127.0.0.1:9092"),
        "",
        None,
        &[],
        "The addresses to listen on: one PLAINTEXT listener for clients, and with a quorum of several controllers a CONTROLLER listener.",
    ),
    def(
        "advertised.listeners",
        T::String,
        None,
        "",
        None,
        &[],
        "The address clients are told to connect to; listeners when unset.",
    ),
    def(
        "metrics.listen",
        T::String,
        None,
        "",
        None,
        &[],
        "strata's own (Kafka serves its metrics over JMX): the HOST:PORT where GET /metrics answers with this broker's metrics in Prometheus' text format, by Kafka's MBean names; unset, they are not served.",
    ),
    def(
        "cluster.id",
        T::String,
        None,
        "",
        None,
        &[],
        "The cluster's id, written to meta.properties on first start; unset, derived from controller.quorum.voters (or random on a single node).",
    ),
    def(
        "broker.rack",
        T::String,
        None,
        "",
        None,
        &[],
        "The rack of this broker; replicas of a partition are spread over racks.",
    ),
    def(
        "controller.quorum.voters",
        T::String,
        None,
        "",
        None,
        &[],
        "The controllers, ID@HOST:PORT,... (their controller listeners); unset, this node is the only one.",
    ),
    def(
        "process.roles",
        T::List,
        Some("broker,controller"),
        "",
        None,
        &["broker", "controller"],
        "broker,controller: a controller (a voter of controller.quorum.voters) and a broker; broker: a broker only, which receives the metadata log from the controllers.",
    ),
    def(
        "controller.listener.names",
        T::String,
        Some("CONTROLLER"),
        "",
        None,
        &[],
        "The name in listeners of the controller listener (Raft and broker-to-controller traffic).",
    ),
    def(
        "controller.quorum.election.timeout.ms",
        T::Int,
        Some("1000"),
        "",
        Some(10.0),
        &[],
        "How long a controller waits without hearing from a leader before it stands for election.",
    ),
    def(
        "broker.heartbeat.interval.ms",
        T::Int,
        Some("2000"),
        "",
        Some(10.0),
        &[],
        "How often a broker heartbeats to the active controller.",
    ),
    def(
        "broker.session.timeout.ms",
        T::Int,
        Some("9000"),
        "",
        Some(10.0),
        &[],
        "A broker that has not heartbeated for this long is fenced: it leads no partition.",
    ),
    def(
        "controlled.shutdown.enable",
        T::Boolean,
        Some("true"),
        "",
        None,
        &[],
        "On SIGTERM a broker has the controller move its leaderships to in-sync replicas before it exits.",
    ),
    def(
        "auto.leader.rebalance.enable",
        T::Boolean,
        Some("true"),
        "",
        None,
        &[],
        "The controller moves leadership back to each partition's preferred (first) replica once it is in sync.",
    ),
    def(
        "leader.imbalance.check.interval.seconds",
        T::Long,
        Some("300"),
        "",
        Some(1.0),
        &[],
        "How often the controller looks for partitions not led by their preferred replica.",
    ),
    def(
        "replica.lag.time.max.ms",
        T::Long,
        Some("30000"),
        "",
        Some(1.0),
        &[],
        "A follower that has not caught up with its leader for this long leaves the ISR.",
    ),
    def(
        "replica.fetch.wait.max.ms",
        T::Int,
        Some("500"),
        "",
        Some(0.0),
        &[],
        "How long a follower's fetch waits at its leader for new records.",
    ),
    def(
        "replica.fetch.max.bytes",
        T::Int,
        Some("1048576"),
        "",
        Some(0.0),
        &[],
        "The bytes a follower fetches per partition at most (at least one batch).",
    ),
    def(
        "replica.fetch.response.max.bytes",
        T::Int,
        Some("10485760"),
        "",
        Some(0.0),
        &[],
        "The bytes a follower's fetch response holds at most (at least one batch).",
    ),
    def(
        "log.dirs",
        T::String,
        Some("./data"),
        "",
        None,
        &[],
        "The directory holding the partition logs and the metadata log.",
    ),
    def(
        "num.partitions",
        T::Int,
        Some("1"),
        "",
        Some(1.0),
        &[],
        "Partitions of a topic created without a count (auto-creation, or -1).",
    ),
    def(
        "default.replication.factor",
        T::Int,
        Some("1"),
        "",
        Some(1.0),
        &[],
        "Replication factor of a topic created without one.",
    ),
    def(
        "auto.create.topics.enable",
        T::Boolean,
        Some("true"),
        "",
        None,
        &[],
        "Whether Metadata requests create the unknown topics they name.",
    ),
    def("delete.topic.enable", T::Boolean, Some("true"), "", None, &[], "Whether DeleteTopics is allowed."),
    def(
        "socket.request.max.bytes",
        T::Int,
        Some("104857600"),
        "",
        Some(1.0),
        &[],
        "The largest request the broker reads; a larger size prefix closes the connection.",
    ),
    def(
        "queued.max.request.bytes",
        T::Long,
        Some("268435456"),
        "",
        Some(1.0),
        &[],
        "Bytes of requests read but not yet answered, over all connections; reading waits when they are reached.",
    ),
    def(
        "connections.max.idle.ms",
        T::Long,
        Some("600000"),
        "",
        Some(1.0),
        &[],
        "Close connections idle for this long.",
    ),
    def(
        "log.retention.check.interval.ms",
        T::Long,
        Some("300000"),
        "",
        Some(1.0),
        &[],
        "How often retention is applied.",
    ),
    def(
        "producer.id.expiration.ms",
        T::Int,
        Some("86400000"),
        "",
        Some(1.0),
        &[],
        "How long a partition remembers an idle producer's sequence numbers (for duplicate detection).",
    ),
    def(
        "producer.id.expiration.check.interval.ms",
        T::Int,
        Some("600000"),
        "",
        Some(1.0),
        &[],
        "How often idle producers are expired.",
    ),
    def(
        "log.flush.scheduler.interval.ms",
        T::Long,
        Some("1000"),
        "",
        Some(1.0),
        &[],
        "How often logs are checked against flush.ms and flush.messages.",
    ),
    def(
        "log.flush.offset.checkpoint.interval.ms",
        T::Int,
        Some("60000"),
        "",
        Some(0.0),
        &[],
        "How often recovery points are written.",
    ),
    def("log.cleaner.enable", T::Boolean, Some("true"), "", None, &[], "Whether compacted topics are compacted."),
    def(
        "log.cleaner.backoff.ms",
        T::Long,
        Some("15000"),
        "",
        Some(0.0),
        &[],
        "How often the cleaner looks for logs to compact.",
    ),
    def(
        "group.min.session.timeout.ms",
        T::Int,
        Some("6000"),
        "",
        Some(1.0),
        &[],
        "The shortest session timeout a group member may ask for.",
    ),
    def(
        "group.max.session.timeout.ms",
        T::Int,
        Some("1800000"),
        "",
        Some(1.0),
        &[],
        "The longest session timeout a group member may ask for.",
    ),
    def(
        "group.initial.rebalance.delay.ms",
        T::Int,
        Some("3000"),
        "",
        Some(0.0),
        &[],
        "How long the first rebalance of an empty group waits for more members to join.",
    ),
    def("group.max.size", T::Int, Some("2147483647"), "", Some(1.0), &[], "The most members a group may have."),
    def(
        "group.consumer.session.timeout.ms",
        T::Int,
        Some("45000"),
        "",
        Some(1.0),
        &[],
        "How long a member of a KIP-848 consumer group may go without a heartbeat.",
    ),
    def(
        "group.consumer.heartbeat.interval.ms",
        T::Int,
        Some("5000"),
        "",
        Some(1.0),
        &[],
        "How often members of a KIP-848 consumer group are told to heartbeat.",
    ),
    def(
        "group.consumer.max.size",
        T::Int,
        Some("2147483647"),
        "",
        Some(1.0),
        &[],
        "The most members a KIP-848 consumer group may have.",
    ),
    def(
        "offsets.topic.num.partitions",
        T::Int,
        Some("50"),
        "",
        Some(1.0),
        &[],
        "Partitions of __consumer_offsets (fixed once the topic exists).",
    ),
    def(
        "offsets.topic.replication.factor",
        T::Int,
        Some("3"),
        "",
        Some(1.0),
        &[],
        "Replication factor of __consumer_offsets, capped at the number of brokers.",
    ),
    def(
        "offsets.topic.segment.bytes",
        T::Int,
        Some("104857600"),
        "",
        Some(1.0),
        &[],
        "Segment size of __consumer_offsets.",
    ),
    def(
        "transaction.state.log.num.partitions",
        T::Int,
        Some("50"),
        "",
        Some(1.0),
        &[],
        "Partitions of __transaction_state (fixed once the topic exists).",
    ),
    def(
        "transaction.state.log.replication.factor",
        T::Int,
        Some("3"),
        "",
        Some(1.0),
        &[],
        "Replication factor of __transaction_state, capped at the number of brokers.",
    ),
    def(
        "transaction.state.log.segment.bytes",
        T::Int,
        Some("104857600"),
        "",
        Some(1.0),
        &[],
        "Segment size of __transaction_state.",
    ),
    def(
        "transaction.max.timeout.ms",
        T::Int,
        Some("900000"),
        "",
        Some(1.0),
        &[],
        "The longest transaction.timeout.ms a producer may ask for (INVALID_TRANSACTION_TIMEOUT above it).",
    ),
    def(
        "transactional.id.expiration.ms",
        T::Int,
        Some("604800000"),
        "",
        Some(1.0),
        &[],
        "A transactional id with no transaction for this long is forgotten.",
    ),
    def(
        "transaction.abort.timed.out.transaction.cleanup.interval.ms",
        T::Int,
        Some("10000"),
        "",
        Some(1.0),
        &[],
        "How often transactions open longer than their timeout are looked for and aborted.",
    ),
    def(
        "transaction.partition.verification.enable",
        T::Boolean,
        Some("true"),
        "",
        None,
        &[],
        "Whether a partition leader asks the transaction coordinator, before appending a batch that opens a producer's transaction on the partition, that the partition is in that transaction (KIP-890).",
    ),
    def(
        "transaction.remove.expired.transaction.cleanup.interval.ms",
        T::Int,
        Some("3600000"),
        "",
        Some(1.0),
        &[],
        "How often expired transactional ids are removed.",
    ),
    def(
        "offsets.retention.minutes",
        T::Int,
        Some("10080"),
        "",
        Some(1.0),
        &[],
        "Offsets of a group that has been empty this long (or, for a standalone consumer, committed this long ago) expire.",
    ),
    def(
        "offsets.retention.check.interval.ms",
        T::Long,
        Some("600000"),
        "",
        Some(1.0),
        &[],
        "How often offsets are checked for expiry.",
    ),
    def(
        "offset.metadata.max.bytes",
        T::Int,
        Some("4096"),
        "",
        Some(0.0),
        &[],
        "The longest metadata string an offset commit may carry.",
    ),
    def(
        "max.incremental.fetch.session.cache.slots",
        T::Int,
        Some("1000"),
        "",
        Some(0.0),
        &[],
        "How many fetch sessions (KIP-227) the broker keeps.",
    ),
];

/// The topic config named `name`.
pub fn topic_config(name: &str) -> Option<&'static ConfigDef> {
    TOPIC_CONFIGS.iter().find(|d| d.name == name)
}

/// The broker config named `name`, and whether it can change at run time
/// (true for the topic configs' synonyms).
pub fn broker_config(name: &str) -> Option<(&'static ConfigDef, bool)> {
    if let Some(d) = BROKER_CONFIGS.iter().find(|d| d.name == name) {
        return Some((d, false));
    }
    TOPIC_CONFIGS.iter().find(|d| d.synonym == name).map(|d| (d, true))
}

/// Every broker config name with its definition, in a stable order.
pub fn broker_config_names() -> impl Iterator<Item = (&'static str, &'static ConfigDef)> {
    BROKER_CONFIGS.iter().map(|d| (d.name, d)).chain(TOPIC_CONFIGS.iter().map(|d| (d.synonym, d)))
}

impl ConfigDef {
    /// Checks `value` against the type, minimum and accepted values.
    pub fn validate(&self, name: &str, value: &str) -> Result<(), ApiError> {
        let bad = |why: String| {
            ApiError::new(ErrorCode::INVALID_CONFIG, format!("Invalid value {value} for configuration {name}: {why}"))
        };
        let number = match self.ty {
            T::Boolean => {
                return match value {
                    "true" | "false" => Ok(()),
                    _ => Err(bad("Expected value to be either true or false".into())),
                }
            }
            T::Int => value.trim().parse::<i32>().map(f64::from).map_err(|_| bad("Not a number of type INT".into()))?,
            T::Long => {
                value.trim().parse::<i64>().map(|v| v as f64).map_err(|_| bad("Not a number of type LONG".into()))?
            }
            T::Double => value.trim().parse::<f64>().map_err(|_| bad("Not a number of type DOUBLE".into()))?,
            T::String | T::List => return self.validate_values(value).map_err(bad),
        };
        match self.min {
            Some(min) if number < min => Err(bad(format!("Value must be at least {min}"))),
            _ => Ok(()),
        }
    }

    fn validate_values(&self, value: &str) -> Result<(), String> {
        if self.values.is_empty() {
            return Ok(());
        }
        let items: Vec<&str> = if self.ty == T::List { value.split(',').map(str::trim).collect() } else { vec![value] };
        match items.iter().find(|i| !self.values.contains(i)) {
            Some(i) => Err(format!("String must be one of: {} (got {i})", self.values.join(", "))),
            None => Ok(()),
        }
    }
}

/// A resolved value: where it came from, and the layers below it (synonyms).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The value, or `None` for null.
    pub value: Option<String>,
    /// The layer that set it.
    pub source: ConfigSource,
    /// Every layer that sets this config, highest first (Kafka's synonyms),
    /// as (config name, value, source).
    pub synonyms: Vec<(String, Option<String>, ConfigSource)>,
}

/// The broker-side layers of config values: static settings and the image's
/// dynamic ones.
#[derive(Debug, Clone, Copy)]
pub struct Layers<'a> {
    /// This broker's id.
    pub node_id: i32,
    /// The static broker configs (file, --set, environment).
    pub static_configs: &'a BTreeMap<String, String>,
    /// The image with dynamic configs.
    pub image: &'a MetadataImage,
}

impl Layers<'_> {
    fn broker_layers(&self, name: &str) -> Vec<(String, Option<String>, ConfigSource)> {
        let mut out = Vec::new();
        let dynamic = |resource: ConfigResource| self.image.configs(&resource).and_then(|c| c.get(name)).cloned();
        if let Some(v) = dynamic(ConfigResource::Broker(self.node_id.to_string())) {
            out.push((name.to_string(), Some(v), ConfigSource::DynamicBroker));
        }
        if let Some(v) = dynamic(ConfigResource::Broker(String::new())) {
            out.push((name.to_string(), Some(v), ConfigSource::DynamicDefaultBroker));
        }
        if let Some(v) = self.static_configs.get(name) {
            out.push((name.to_string(), Some(v.clone()), ConfigSource::StaticBroker));
        }
        out
    }

    /// Resolves a broker config.
    pub fn broker(&self, name: &str, def: &ConfigDef) -> Resolved {
        let mut synonyms = self.broker_layers(name);
        synonyms.push((name.to_string(), def.default.map(str::to_string), ConfigSource::Default));
        resolved(synonyms)
    }

    /// Resolves a topic config for `topic`.
    pub fn topic(&self, topic: &str, def: &ConfigDef) -> Resolved {
        let mut synonyms = Vec::new();
        let set = self.image.configs(&ConfigResource::Topic(topic.to_string())).and_then(|c| c.get(def.name));
        if let Some(v) = set {
            synonyms.push((def.name.to_string(), Some(v.clone()), ConfigSource::DynamicTopic));
        }
        synonyms.extend(self.broker_layers(def.synonym));
        synonyms.push((def.synonym.to_string(), def.default.map(str::to_string), ConfigSource::Default));
        resolved(synonyms)
    }

    /// The value of broker config `name` parsed as `T`, falling back to the
    /// built-in default if the set value does not parse (values are validated
    /// when set, so that only happens for a corrupt static config).
    pub fn broker_value<T: std::str::FromStr>(&self, name: &str) -> T {
        let (def, _) = broker_config(name).unwrap_or_else(|| panic!("{name} is a broker config"));
        let parse = |v: Option<&str>| v.and_then(|v| v.trim().parse::<T>().ok());
        parse(self.broker(name, def).value.as_deref())
            .or_else(|| parse(def.default))
            .unwrap_or_else(|| panic!("the default of {name} parses"))
    }

    /// Every topic config of `topic`, resolved, as name → value.
    pub fn topic_values(&self, topic: &str) -> BTreeMap<&'static str, Option<String>> {
        TOPIC_CONFIGS.iter().map(|d| (d.name, self.topic(topic, d).value)).collect()
    }
}

fn resolved(synonyms: Vec<(String, Option<String>, ConfigSource)>) -> Resolved {
    let (_, value, source) = synonyms[0].clone();
    Resolved { value, source, synonyms }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::MetadataRecord;
    use strata_protocol::internal::metadata::ConfigRecord;

    fn config(resource: ConfigResource, name: &str, value: &str) -> MetadataRecord {
        MetadataRecord::Config(ConfigRecord {
            resource_type: resource.type_code(),
            resource_name: resource.name().to_string(),
            name: name.into(),
            value: Some(value.into()),
            ..Default::default()
        })
    }

    #[test]
    fn topic_values_come_from_the_first_layer_that_sets_them() {
        let def = topic_config("retention.ms").unwrap();
        let mut statics = BTreeMap::new();
        let image = MetadataImage::default();
        let layers = Layers { node_id: 1, static_configs: &statics, image: &image };
        assert_eq!(layers.topic("t", def).source, ConfigSource::Default);
        assert_eq!(layers.topic("t", def).value.as_deref(), Some("604800000"));
        statics.insert("log.retention.ms".into(), "1000".into());
        let layers = Layers { node_id: 1, static_configs: &statics, image: &image };
        assert_eq!(layers.topic("t", def).source, ConfigSource::StaticBroker);
        let image = image
            .apply(&[
                config(ConfigResource::Broker("".into()), "log.retention.ms", "2000"),
                config(ConfigResource::Topic("t".into()), "retention.ms", "3000"),
            ])
            .unwrap();
        let layers = Layers { node_id: 1, static_configs: &statics, image: &image };
        let r = layers.topic("t", def);
        assert_eq!((r.value.as_deref(), r.source), (Some("3000"), ConfigSource::DynamicTopic));
        let sources: Vec<ConfigSource> = r.synonyms.iter().map(|s| s.2).collect();
        assert_eq!(
            sources,
            [
                ConfigSource::DynamicTopic,
                ConfigSource::DynamicDefaultBroker,
                ConfigSource::StaticBroker,
                ConfigSource::Default
            ]
        );
        assert_eq!(layers.topic("other", def).value.as_deref(), Some("2000"));
    }

    #[test]
    fn values_are_validated() {
        let policy = topic_config("cleanup.policy").unwrap();
        assert!(policy.validate("cleanup.policy", "compact,delete").is_ok());
        assert_eq!(policy.validate("cleanup.policy", "shred").unwrap_err().code, ErrorCode::INVALID_CONFIG);
        let seg = topic_config("segment.bytes").unwrap();
        assert!(seg.validate("segment.bytes", "10").is_err());
        assert!(seg.validate("segment.bytes", "x").is_err());
        assert!(seg.validate("segment.bytes", "1048576").is_ok());
        assert!(broker_config("log.retention.ms").unwrap().1, "synonyms are dynamic");
        assert!(!broker_config("num.partitions").unwrap().1);
    }
}
