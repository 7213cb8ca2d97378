//! The admin client: topics, partitions, configs, consumer groups and their
//! offsets, and the cluster's brokers. Each call is one or a few Kafka
//! requests to the broker that owns the answer (the controller for topics,
//! the group's coordinator for groups), retried while the error is retriable.

use std::collections::BTreeMap;
use std::sync::Arc;

use strata_protocol::generated::create_partitions_request::{CreatePartitionsRequest, CreatePartitionsTopic};
use strata_protocol::generated::create_topics_request::{CreatableTopic, CreatableTopicConfig, CreateTopicsRequest};
use strata_protocol::generated::delete_groups_request::DeleteGroupsRequest;
use strata_protocol::generated::delete_topics_request::DeleteTopicsRequest;
use strata_protocol::generated::describe_cluster_request::DescribeClusterRequest;
use strata_protocol::generated::describe_configs_request::{DescribeConfigsRequest, DescribeConfigsResource};
use strata_protocol::generated::describe_groups_request::DescribeGroupsRequest;
use strata_protocol::generated::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig, IncrementalAlterConfigsRequest,
};
use strata_protocol::generated::list_groups_request::ListGroupsRequest;
use strata_protocol::generated::offset_fetch_request::OffsetFetchRequest;

use strata_protocol::Request;

use crate::assignor;
use crate::cluster::{BrokerInfo, ClientConfig, Cluster, TopicInfo};
use crate::connection::Connection;
use crate::consumer::{commit_request, list_offsets, IsolationLevel, Offset};
use crate::error::{check, Error, Result};
use crate::TopicPartition;

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    /// Its name.
    pub name: String,
    /// Partitions; -1 for the broker's `num.partitions`.
    pub partitions: i32,
    /// Replication factor; -1 for the broker's `default.replication.factor`.
    pub replication_factor: i16,
    /// Topic configs, by Kafka's names (`retention.ms`, `cleanup.policy`, ...).
    pub configs: Vec<(String, String)>,
}

/// What [`Admin::describe_cluster`] tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterDescription {
    /// The cluster's id.
    pub cluster_id: String,
    /// The active controller's id, or -1 while none is known.
    pub controller: i32,
    /// The brokers that are up (not fenced), by id.
    pub brokers: BTreeMap<i32, BrokerInfo>,
}

/// What a config applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigResource {
    /// A topic's configs.
    Topic(String),
    /// A broker's configs.
    Broker(i32),
}

impl ConfigResource {
    fn topic(&self) -> Option<&str> {
        match self {
            ConfigResource::Topic(name) => Some(name),
            ConfigResource::Broker(_) => None,
        }
    }

    fn wire(&self) -> (i8, String) {
        match self {
            ConfigResource::Topic(name) => (2, name.clone()),
            ConfigResource::Broker(id) => (4, id.to_string()),
        }
    }
}

/// One config of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    /// Kafka's name.
    pub name: String,
    /// Its value (`None` when sensitive or unset).
    pub value: Option<String>,
    /// Where the value comes from (Kafka's names: DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...).
    pub source: &'static str,
    /// True when it cannot be changed at run time.
    pub read_only: bool,
    /// True when it holds a password or a key.
    pub sensitive: bool,
}

/// A change to one config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigChange {
    /// Set it to this value.
    Set(String, String),
    /// Remove the override, back to the default.
    Delete(String),
}

/// A consumer group as ListGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    /// Its id.
    pub group_id: String,
    /// `consumer`, or empty for groups that only commit offsets.
    pub protocol_type: String,
    /// Its state (Stable, Empty, ...).
    pub state: String,
}

/// A group member as DescribeGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDescription {
    /// Its member id.
    pub member_id: String,
    /// Its `group.instance.id`, for static members.
    pub instance_id: Option<String>,
    /// The member's `client.id`.
    pub client_id: String,
    /// Where it connects from.
    pub client_host: String,
    /// Its partitions (decoded when the group is a consumer group).
    pub assignment: Vec<TopicPartition>,
}

/// A consumer group as DescribeGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    /// Its id.
    pub group_id: String,
    /// Its state (Stable, Empty, PreparingRebalance, Dead, ...).
    pub state: String,
    /// `consumer` for consumer groups.
    pub protocol_type: String,
    /// The assignor chosen (`range`, ...).
    pub protocol: String,
    /// Its members.
    pub members: Vec<MemberDescription>,
}

/// A committed offset beside its partition's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOffset {
    /// The partition.
    pub partition: TopicPartition,
    /// The committed offset.
    pub committed: i64,
    /// The partition's end (high watermark).
    pub end: i64,
}

impl GroupOffset {
    /// Records the group has yet to read.
    pub fn lag(&self) -> i64 {
        (self.end - self.committed).max(0)
    }
}

/// An asynchronous Kafka admin client.
#[derive(Debug)]
pub struct Admin {
    cluster: Arc<Cluster>,
}

impl Admin {
    /// An admin client for `config`; connects lazily.
    pub fn new(config: ClientConfig) -> Result<Admin> {
        Ok(Admin { cluster: Cluster::new(config)? })
    }

    /// The cluster's id, controller and brokers that are up (DescribeCluster,
    /// as the Java admin's `describeCluster`). Metadata may also list brokers
    /// the controller has fenced; this does not.
    pub async fn describe_cluster(&self) -> Result<ClusterDescription> {
        let request = DescribeClusterRequest::default();
        let response = self.retrying(&request, 1, Ok, || self.cluster.any()).await?;
        check(response.error_code, response.error_message.as_deref())?;
        let brokers = response
            .brokers
            .into_iter()
            .map(|b| (b.broker_id, BrokerInfo { id: b.broker_id, host: b.host, port: b.port, rack: b.rack }))
            .collect();
        Ok(ClusterDescription { cluster_id: response.cluster_id, controller: response.controller_id, brokers })
    }

    /// Every topic with its partitions, by name (internal ones included).
    pub async fn list_topics(&self) -> Result<Vec<TopicInfo>> {
        let meta = self.cluster.refresh(None, false).await?;
        Ok(meta.topics.values().filter_map(|t| t.as_ref().ok()).cloned().collect())
    }

    /// One topic's partitions, replicas and leaders.
    pub async fn describe_topic(&self, name: &str) -> Result<TopicInfo> {
        let meta = self.cluster.refresh(Some(&[name.to_string()]), false).await?;
        match meta.topics.get(name) {
            Some(Ok(t)) => Ok(t.clone()),
            Some(Err(code)) => {
                Err(check_topic(*code, None, Some(name)).err().unwrap_or(Error::UnknownTopic(name.into())))
            }
            None => Err(Error::UnknownTopic(name.into())),
        }
    }

    /// Creates a topic.
    pub async fn create_topic(&self, topic: &NewTopic) -> Result<()> {
        let request = CreateTopicsRequest {
            topics: vec![CreatableTopic {
                name: topic.name.clone(),
                num_partitions: topic.partitions,
                replication_factor: topic.replication_factor,
                configs: topic
                    .configs
                    .iter()
                    .map(|(name, value)| CreatableTopicConfig {
                        name: name.clone(),
                        value: Some(value.clone()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            timeout_ms: self.timeout_ms(),
            validate_only: false,
            ..Default::default()
        };
        self.on_controller(&request, 7, |response| {
            let result =
                response.topics.first().ok_or_else(|| Error::Malformed("CreateTopics answered nothing".into()))?;
            check(result.error_code, result.error_message.as_deref().or(Some(&topic.name)))
        })
        .await
    }

    /// Deletes a topic.
    pub async fn delete_topic(&self, name: &str) -> Result<()> {
        // Versions 0-5 name topics; 6 may name them by id instead.
        let request = DeleteTopicsRequest {
            topic_names: vec![name.to_string()],
            timeout_ms: self.timeout_ms(),
            ..Default::default()
        };
        self.on_controller(&request, 5, |response| {
            let result =
                response.responses.first().ok_or_else(|| Error::Malformed("DeleteTopics answered nothing".into()))?;
            check_topic(result.error_code, result.error_message.as_deref(), Some(name))
        })
        .await
    }

    /// Raises a topic's partition count to `total`.
    pub async fn create_partitions(&self, topic: &str, total: i32) -> Result<()> {
        let request = CreatePartitionsRequest {
            topics: vec![CreatePartitionsTopic {
                name: topic.to_string(),
                count: total,
                assignments: None,
                ..Default::default()
            }],
            timeout_ms: self.timeout_ms(),
            validate_only: false,
            ..Default::default()
        };
        self.on_controller(&request, 3, |response| {
            let result =
                response.results.first().ok_or_else(|| Error::Malformed("CreatePartitions answered nothing".into()))?;
            check(result.error_code, result.error_message.as_deref().or(Some(topic)))
        })
        .await
    }

    /// A resource's configs, with their sources.
    pub async fn describe_configs(&self, resource: &ConfigResource) -> Result<Vec<ConfigEntry>> {
        let (resource_type, resource_name) = resource.wire();
        let request = DescribeConfigsRequest {
            resources: vec![DescribeConfigsResource {
                resource_type,
                resource_name,
                configuration_keys: None,
                ..Default::default()
            }],
            include_synonyms: false,
            include_documentation: false,
            ..Default::default()
        };
        let result = self
            .on_controller(&request, 4, |response| {
                let result = response
                    .results
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::Malformed("DescribeConfigs answered nothing".into()))?;
                check_topic(result.error_code, result.error_message.as_deref(), resource.topic())?;
                Ok(result)
            })
            .await?;
        let mut entries: Vec<ConfigEntry> = result
            .configs
            .into_iter()
            .map(|c| ConfigEntry {
                name: c.name,
                value: c.value,
                source: config_source(c.config_source),
                read_only: c.read_only,
                sensitive: c.is_sensitive,
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// Changes configs of a resource (IncrementalAlterConfigs).
    pub async fn alter_configs(&self, resource: &ConfigResource, changes: &[ConfigChange]) -> Result<()> {
        let (resource_type, resource_name) = resource.wire();
        let configs = changes
            .iter()
            .map(|change| match change {
                ConfigChange::Set(name, value) => AlterableConfig {
                    name: name.clone(),
                    config_operation: 0,
                    value: Some(value.clone()),
                    ..Default::default()
                },
                ConfigChange::Delete(name) => {
                    AlterableConfig { name: name.clone(), config_operation: 1, value: None, ..Default::default() }
                }
            })
            .collect();
        let request = IncrementalAlterConfigsRequest {
            resources: vec![AlterConfigsResource { resource_type, resource_name, configs, ..Default::default() }],
            validate_only: false,
            ..Default::default()
        };
        self.on_controller(&request, 1, |response| {
            let result = response
                .responses
                .first()
                .ok_or_else(|| Error::Malformed("IncrementalAlterConfigs answered nothing".into()))?;
            check_topic(result.error_code, result.error_message.as_deref(), resource.topic())
        })
        .await
    }

    /// Every group of every broker, by id.
    pub async fn list_groups(&self) -> Result<Vec<GroupListing>> {
        let meta = self.cluster.refresh(Some(&[]), false).await?;
        let mut out: BTreeMap<String, GroupListing> = BTreeMap::new();
        for broker in meta.brokers.values() {
            let conn = self.cluster.connect(&broker.address()).await?;
            let response = conn.call_capped(&ListGroupsRequest::default(), 4).await?;
            check(response.error_code, Some("ListGroups"))?;
            for g in response.groups {
                let listing =
                    GroupListing { group_id: g.group_id.clone(), protocol_type: g.protocol_type, state: g.group_state };
                out.insert(g.group_id, listing);
            }
        }
        Ok(out.into_values().collect())
    }

    /// A group's state and members (DescribeGroups at its coordinator).
    pub async fn describe_group(&self, group: &str) -> Result<GroupDescription> {
        let request = DescribeGroupsRequest { groups: vec![group.to_string()], ..Default::default() };
        let response = self.on_coordinator(group, &request, 5).await?;
        let g = response
            .groups
            .into_iter()
            .next()
            .ok_or_else(|| Error::Malformed("DescribeGroups answered nothing".into()))?;
        check(g.error_code, Some(group))?;
        let consumer = g.protocol_type == "consumer";
        let members = g
            .members
            .into_iter()
            .map(|m| MemberDescription {
                assignment: if consumer {
                    assignor::decode_assignment(m.member_assignment).unwrap_or_default()
                } else {
                    Vec::new()
                },
                member_id: m.member_id,
                instance_id: m.group_instance_id,
                client_id: m.client_id,
                client_host: m.client_host,
            })
            .collect();
        Ok(GroupDescription {
            group_id: g.group_id,
            state: g.group_state,
            protocol_type: g.protocol_type,
            protocol: g.protocol_data,
            members,
        })
    }

    /// A group's committed offsets, each beside its partition's end offset.
    pub async fn group_offsets(&self, group: &str) -> Result<Vec<GroupOffset>> {
        let request = OffsetFetchRequest { group_id: group.to_string(), topics: None, ..Default::default() };
        let response = self.on_coordinator(group, &request, 7).await?;
        check(response.error_code, Some(group))?;
        let mut committed = Vec::new();
        for t in response.topics {
            for p in t.partitions.into_iter().filter(|p| p.committed_offset >= 0) {
                committed.push((TopicPartition::new(t.name.clone(), p.partition_index), p.committed_offset));
            }
        }
        committed.sort();
        let wanted: Vec<(TopicPartition, Offset)> = committed.iter().map(|(tp, _)| (tp.clone(), Offset::End)).collect();
        let ends: BTreeMap<TopicPartition, i64> = if wanted.is_empty() {
            BTreeMap::new()
        } else {
            list_offsets(&self.cluster, &wanted, IsolationLevel::ReadUncommitted).await?.into_iter().collect()
        };
        Ok(committed
            .into_iter()
            .map(|(tp, offset)| GroupOffset {
                end: ends.get(&tp).copied().unwrap_or(-1),
                partition: tp,
                committed: offset,
            })
            .collect())
    }

    /// Sets a group's committed offsets (the group must have no members).
    pub async fn alter_group_offsets(&self, group: &str, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        let request = &commit_request(group.to_string(), (-1, String::new(), None), offsets);
        let response = self.on_coordinator(group, request, 9).await?;
        for t in response.topics {
            for p in t.partitions {
                check(p.error_code, Some(&format!("{group}: {}-{}", t.name, p.partition_index)))?;
            }
        }
        Ok(())
    }

    /// Offsets of partitions at the beginning, the end or a timestamp.
    pub async fn list_offsets(&self, wanted: &[(TopicPartition, Offset)]) -> Result<Vec<(TopicPartition, i64)>> {
        list_offsets(&self.cluster, wanted, IsolationLevel::ReadUncommitted).await
    }

    /// Deletes a group (it must have no members) with its offsets.
    pub async fn delete_group(&self, group: &str) -> Result<()> {
        let request = DeleteGroupsRequest { groups_names: vec![group.to_string()], ..Default::default() };
        let response = self.on_coordinator(group, &request, 2).await?;
        let result =
            response.results.first().ok_or_else(|| Error::Malformed("DeleteGroups answered nothing".into()))?;
        check(result.error_code, Some(group))
    }

    /// The brokers of the cluster, by id (from the last metadata).
    pub fn brokers(&self) -> Vec<BrokerInfo> {
        self.cluster.metadata().brokers.values().cloned().collect()
    }

    fn timeout_ms(&self) -> i32 {
        self.cluster.config.request_timeout.as_millis().min(i32::MAX as u128) as i32
    }

    /// Sends `request` to the controller (any broker forwards to it) and
    /// reads its answer with `read`, trying again a few times while the
    /// request or `read` fails with a retriable error, NOT_CONTROLLER among
    /// them (a cluster still electing, or a controller that just moved).
    async fn on_controller<R: Request, T>(
        &self,
        request: &R,
        cap: i16,
        read: impl Fn(R::Response) -> Result<T>,
    ) -> Result<T> {
        self.retrying(request, cap, read, || async {
            let controller = self.cluster.metadata().controller;
            match self.cluster.broker(controller).await {
                Ok(conn) => Ok(conn),
                Err(_) => self.cluster.any().await,
            }
        })
        .await
    }

    /// Sends `request` to the group's coordinator.
    async fn on_coordinator<R: Request>(&self, group: &str, request: &R, cap: i16) -> Result<R::Response> {
        self.retrying(request, cap, Ok, || self.cluster.coordinator(group)).await
    }

    /// Sends `request` to what `connect` names and reads the answer with
    /// `read`, both inside [`Cluster::retrying`].
    async fn retrying<R, T, C, Fut>(
        &self,
        request: &R,
        cap: i16,
        read: impl Fn(R::Response) -> Result<T>,
        connect: C,
    ) -> Result<T>
    where
        R: Request,
        C: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Arc<Connection>>>,
    {
        self.cluster.retrying(&[], || async { connect().await?.call_capped(request, cap).await.and_then(&read) }).await
    }
}

/// [`check`], with UNKNOWN_TOPIC_OR_PARTITION about `topic` as [`Error::UnknownTopic`].
fn check_topic(code: i16, message: Option<&str>, topic: Option<&str>) -> Result<()> {
    match topic {
        Some(t) if code == strata_protocol::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code() => {
            Err(Error::UnknownTopic(t.into()))
        }
        _ => check(code, message.or(topic)),
    }
}

/// Kafka's names of DescribeConfigs' config sources.
fn config_source(source: i8) -> &'static str {
    match source {
        1 => "DYNAMIC_TOPIC_CONFIG",
        2 => "DYNAMIC_BROKER_LOGGER_CONFIG",
        3 => "DYNAMIC_BROKER_CONFIG",
        4 => "DYNAMIC_DEFAULT_BROKER_CONFIG",
        5 => "STATIC_BROKER_CONFIG",
        6 => "DEFAULT_CONFIG",
        7 => "DYNAMIC_CLIENT_METRICS_CONFIG",
        8 => "DYNAMIC_GROUP_CONFIG",
        _ => "UNKNOWN",
    }
}
