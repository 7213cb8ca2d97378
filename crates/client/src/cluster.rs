//! The client's view of the cluster: connections by address, and the
//! metadata (brokers, topics, partition leaders) with its refresh.
//!
//! Invariants:
//! * At most one live connection per broker address; a broken one is
//!   replaced on next use.
//! * A [`Metadata`] snapshot is immutable; a refresh builds a new one and
//!   swaps it in, so readers never see half an update.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use strata_protocol::generated::find_coordinator_request::FindCoordinatorRequest;
use strata_protocol::generated::metadata_request::{MetadataRequest, MetadataRequestTopic};
use strata_protocol::generated::metadata_response::MetadataResponse;
use strata_protocol::{ErrorCode, Uuid};

use crate::connection::Connection;
use crate::error::{check, Error, Result};

/// Settings every client shares, by the Java client's names.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `bootstrap.servers`: HOST:PORT addresses to start from.
    pub bootstrap_servers: Vec<String>,
    /// `client.id`, sent with every request.
    pub client_id: String,
    /// `request.timeout.ms`.
    pub request_timeout: Duration,
    /// `retry.backoff.ms`: the pause before a retry.
    pub retry_backoff: Duration,
    /// `default.api.timeout.ms`: no retry of a call starts after this long.
    pub default_api_timeout: Duration,
    /// `metadata.max.age.ms`: metadata older than this is refreshed.
    pub metadata_max_age: Duration,
}

impl ClientConfig {
    /// Defaults (Kafka's) for the given comma-separated bootstrap servers.
    pub fn new(bootstrap_servers: &str) -> ClientConfig {
        ClientConfig {
            bootstrap_servers: bootstrap_servers
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            client_id: "strata-client".into(),
            request_timeout: Duration::from_secs(30),
            retry_backoff: Duration::from_millis(100),
            default_api_timeout: Duration::from_secs(60),
            metadata_max_age: Duration::from_secs(300),
        }
    }
}

/// A broker as the metadata names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// `node.id`.
    pub id: i32,
    /// Advertised host.
    pub host: String,
    /// Advertised port.
    pub port: i32,
    /// `broker.rack`, if set.
    pub rack: Option<String>,
}

impl BrokerInfo {
    /// HOST:PORT.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// One partition as the metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    /// The partition's index.
    pub partition: i32,
    /// Its leader's id, or -1 when it has none.
    pub leader: i32,
    /// The leader's epoch.
    pub leader_epoch: i32,
    /// All replicas (AR).
    pub replicas: Vec<i32>,
    /// In-sync replicas (ISR).
    pub isr: Vec<i32>,
    /// Replicas that are offline.
    pub offline: Vec<i32>,
    /// The partition's error code (0 for none).
    pub error: i16,
}

/// One topic as the metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// Its name.
    pub name: String,
    /// Its id.
    pub id: Uuid,
    /// True for Kafka's internal topics (`__consumer_offsets`, ...).
    pub internal: bool,
    /// Its partitions, by index.
    pub partitions: Vec<PartitionInfo>,
}

/// A snapshot of the cluster's metadata.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// The cluster's id.
    pub cluster_id: Option<String>,
    /// The controller's id, or -1.
    pub controller: i32,
    /// Brokers by id.
    pub brokers: BTreeMap<i32, BrokerInfo>,
    /// Topics by name: the topics of the last refresh that named them.
    pub topics: BTreeMap<String, Result<TopicInfo, i16>>,
}

impl Metadata {
    /// A topic's partitions, if it is known and has no error.
    pub fn topic(&self, name: &str) -> Option<&TopicInfo> {
        self.topics.get(name).and_then(|t| t.as_ref().ok())
    }

    /// The leader of a partition, if it has one.
    pub fn leader(&self, topic: &str, partition: i32) -> Option<i32> {
        let p = self.topic(topic)?.partitions.iter().find(|p| p.partition == partition)?;
        (p.leader >= 0).then_some(p.leader)
    }
}

/// Connections and metadata, shared by a client's tasks.
#[derive(Debug)]
pub(crate) struct Cluster {
    pub(crate) config: ClientConfig,
    connections: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Arc<Connection>>>>>,
    metadata: RwLock<(Arc<Metadata>, Instant)>,
    /// Bumped under `metadata`'s write lock at each refresh, so a
    /// [`PartitionCount`] read with it can be kept until the next one.
    version: AtomicU64,
    refreshing: tokio::sync::Mutex<()>,
    /// Each group's coordinator, as FindCoordinator last named it.
    coordinators: Mutex<HashMap<String, Arc<Connection>>>,
}

/// A topic's partition count as the metadata of `version` gives it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PartitionCount {
    pub(crate) partitions: i32,
    pub(crate) version: u64,
}

/// How many times [`Cluster::retrying`] tries again after a retriable error.
const RETRIES: u32 = 10;

impl Cluster {
    pub(crate) fn new(config: ClientConfig) -> Result<Arc<Cluster>> {
        if config.bootstrap_servers.is_empty() {
            return Err(Error::invalid("bootstrap.servers is empty"));
        }
        Ok(Arc::new(Cluster {
            config,
            connections: Mutex::new(HashMap::new()),
            metadata: RwLock::new((Arc::new(Metadata::default()), Instant::now())),
            version: AtomicU64::new(0),
            refreshing: tokio::sync::Mutex::new(()),
            coordinators: Mutex::new(HashMap::new()),
        }))
    }

    /// The latest metadata snapshot.
    pub(crate) fn metadata(&self) -> Arc<Metadata> {
        self.metadata.read().expect("metadata lock").0.clone()
    }

    /// How many partitions the known metadata gives `topic`, if it knows
    /// any, and the metadata's version.
    pub(crate) fn partition_count(&self, topic: &str) -> Option<PartitionCount> {
        let metadata = self.metadata.read().expect("metadata lock");
        let partitions = metadata.0.topic(topic)?.partitions.len();
        let version = self.version.load(Ordering::Relaxed);
        (partitions > 0).then_some(PartitionCount { partitions: partitions as i32, version })
    }

    /// The metadata's version: a [`PartitionCount`] of an older one may be out of date.
    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    /// The connection to `address`, dialled if there is none or it broke.
    pub(crate) async fn connect(&self, address: &str) -> Result<Arc<Connection>> {
        loop {
            let cell = {
                let mut map = self.connections.lock().expect("connections lock");
                let cell = map.entry(address.to_string()).or_default();
                if cell.get().is_some_and(|c| c.is_broken()) {
                    *cell = Arc::default();
                }
                cell.clone()
            };
            let client_id: Arc<str> = self.config.client_id.as_str().into();
            let timeout = self.config.request_timeout;
            let conn = cell
                .get_or_try_init(|| async { Connection::open(address, client_id, timeout).await.map(Arc::new) })
                .await?;
            if !conn.is_broken() {
                return Ok(conn.clone());
            }
        }
    }

    /// The connection to broker `id`, by its address in the metadata.
    pub(crate) async fn broker(&self, id: i32) -> Result<Arc<Connection>> {
        let address = self.metadata().brokers.get(&id).map(BrokerInfo::address);
        match address {
            Some(address) => self.connect(&address).await,
            None => Err(Error::Kafka {
                code: ErrorCode::BROKER_NOT_AVAILABLE,
                detail: Some(format!("broker {id} is not in the metadata").into()),
            }),
        }
    }

    /// A connection to any broker: known brokers first, then the bootstrap
    /// list, the least loaded first, as the Java client's `leastLoadedNode`:
    /// an idle connection, then a broker not dialled yet, then a busy
    /// connection, and a broker whose last connection broke (a timed-out
    /// request, a refused dial) last, so that a broker cut off from the
    /// network does not hold up every metadata refresh.
    pub(crate) async fn any(&self) -> Result<Arc<Connection>> {
        let metadata = self.metadata();
        let known = metadata.brokers.values().map(BrokerInfo::address);
        let mut candidates: Vec<(u8, String)> =
            known.chain(self.config.bootstrap_servers.iter().cloned()).map(|a| (self.load(&a), a)).collect();
        candidates.sort_by_key(|c| c.0);
        let mut last = None;
        for (_, address) in &candidates {
            match self.connect(address).await {
                Ok(conn) => return Ok(conn),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::invalid("no broker address known")))
    }

    /// How loaded the connection to `address` is: 0 idle, 1 none yet, 2
    /// requests pending, 3 broken.
    fn load(&self, address: &str) -> u8 {
        let map = self.connections.lock().expect("connections lock");
        match map.get(address).and_then(|cell| cell.get()) {
            None => 1,
            Some(c) if c.is_broken() => 3,
            Some(c) if c.in_flight() > 0 => 2,
            Some(_) => 0,
        }
    }

    /// Fetches metadata for `topics` (all topics when `None`) and merges it
    /// into the snapshot. `auto_create` lets the broker create missing topics.
    pub(crate) async fn refresh(&self, topics: Option<&[String]>, auto_create: bool) -> Result<Arc<Metadata>> {
        let _one_at_a_time = self.refreshing.lock().await;
        let request = MetadataRequest {
            topics: topics.map(|names| {
                names.iter().map(|n| MetadataRequestTopic { name: Some(n.clone()), ..Default::default() }).collect()
            }),
            allow_auto_topic_creation: auto_create,
            ..Default::default()
        };
        let conn = self.any().await?;
        let response = conn.call_capped(&request, 12).await?;
        let merged = Arc::new(merge(&self.metadata(), response, topics.is_none()));
        let mut metadata = self.metadata.write().expect("metadata lock");
        *metadata = (merged.clone(), Instant::now());
        self.version.fetch_add(1, Ordering::Relaxed);
        drop(metadata);
        Ok(merged)
    }

    /// The snapshot, refreshed first when it is older than `metadata.max.age.ms`
    /// or does not know every topic of `topics`.
    pub(crate) async fn metadata_for(&self, topics: &[String], auto_create: bool) -> Result<Arc<Metadata>> {
        let (current, at) = self.metadata.read().expect("metadata lock").clone();
        let fresh = at.elapsed() < self.config.metadata_max_age;
        if fresh && topics.iter().all(|t| current.topic(t).is_some()) {
            return Ok(current);
        }
        self.refresh(Some(topics), auto_create).await
    }

    /// The group coordinator of `group`: the one found last, unless its
    /// connection broke or [`Cluster::retrying`] saw an error saying it moved.
    pub(crate) async fn coordinator(&self, group: &str) -> Result<Arc<Connection>> {
        let cached = self.coordinators.lock().expect("coordinators lock").get(group).cloned();
        if let Some(conn) = cached.filter(|c| !c.is_broken()) {
            return Ok(conn);
        }
        let conn = self.find_coordinator(group).await?;
        self.coordinators.lock().expect("coordinators lock").insert(group.to_string(), conn.clone());
        Ok(conn)
    }

    /// Forgets every cached coordinator (after NOT_COORDINATOR and the like).
    pub(crate) fn forget_coordinators(&self) {
        self.coordinators.lock().expect("coordinators lock").clear();
    }

    /// Runs `attempt` until it succeeds, fails with an error that is not
    /// retriable, or has failed [`RETRIES`] more times or for longer than
    /// `default.api.timeout.ms` (a broker may itself wait seconds before it
    /// answers NOT_CONTROLLER, so the count alone bounds a call badly).
    /// Between tries, an error that says the view is stale forgets the
    /// coordinators and refreshes the metadata of `topics`; then it sleeps
    /// `retry.backoff.ms`.
    pub(crate) async fn retrying<T, F, Fut>(&self, topics: &[String], mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let (mut failures, started) = (0, Instant::now());
        loop {
            match attempt().await {
                Err(e)
                    if e.is_retriable()
                        && failures < RETRIES
                        && started.elapsed() < self.config.default_api_timeout =>
                {
                    failures += 1;
                    if e.needs_refresh() {
                        self.forget_coordinators();
                        let _ = self.refresh(Some(topics), false).await;
                    }
                    self.backoff().await;
                }
                other => return other,
            }
        }
    }

    /// FindCoordinator (key type 0) for `group`, asked of any broker.
    async fn find_coordinator(&self, group: &str) -> Result<Arc<Connection>> {
        let conn = self.any().await?;
        let version = conn.version::<FindCoordinatorRequest>(6)?;
        // v4 moved the key into a list (KIP-699).
        let request = if version >= 4 {
            FindCoordinatorRequest { key_type: 0, coordinator_keys: vec![group.to_string()], ..Default::default() }
        } else {
            FindCoordinatorRequest { key: group.to_string(), key_type: 0, ..Default::default() }
        };
        let response = conn.call_at(&request, version).await?;
        let (code, message, host, port) = match response.coordinators.first() {
            Some(c) if version >= 4 => (c.error_code, c.error_message.clone(), c.host.clone(), c.port),
            _ => (response.error_code, response.error_message.clone(), response.host.clone(), response.port),
        };
        check(code, message.as_deref())?;
        self.connect(&format!("{host}:{port}")).await
    }

    /// Sleeps `retry.backoff.ms`.
    pub(crate) async fn backoff(&self) {
        tokio::time::sleep(self.config.retry_backoff).await;
    }
}

fn merge(old: &Metadata, response: MetadataResponse, all: bool) -> Metadata {
    let mut topics = if all { BTreeMap::new() } else { old.topics.clone() };
    for t in response.topics {
        let Some(name) = t.name else { continue };
        let entry = if t.error_code != 0 {
            Err(t.error_code)
        } else {
            let mut partitions: Vec<PartitionInfo> = t
                .partitions
                .into_iter()
                .map(|p| PartitionInfo {
                    partition: p.partition_index,
                    leader: p.leader_id,
                    leader_epoch: p.leader_epoch,
                    replicas: p.replica_nodes,
                    isr: p.isr_nodes,
                    offline: p.offline_replicas,
                    error: p.error_code,
                })
                .collect();
            partitions.sort_by_key(|p| p.partition);
            Ok(TopicInfo { name: name.clone(), id: t.topic_id, internal: t.is_internal, partitions })
        };
        topics.insert(name, entry);
    }
    let brokers = response
        .brokers
        .into_iter()
        .map(|b| (b.node_id, BrokerInfo { id: b.node_id, host: b.host, port: b.port, rack: b.rack }))
        .collect();
    Metadata { cluster_id: response.cluster_id, controller: response.controller_id, brokers, topics }
}
