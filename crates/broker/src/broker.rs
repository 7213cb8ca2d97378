//! The broker's shared state: configuration, the metadata quorum and the
//! image it applies, the partitions, and the fetch sessions. Handlers get an
//! `Arc<Broker>`; metadata changes go through [`Broker::commit`], and every
//! newly applied image reaches the partitions through [`Broker::sync_replicas`].
//! `__transaction_state` is loaded once the broker runs (`transactions::resume`),
//! since finishing the transactions found half-ended needs the runtime.

use std::sync::{Arc, Mutex};

use strata_metadata::config::Layers;
use strata_metadata::controller::Cluster;
use strata_metadata::{ApiError, MetadataImage, MetadataRecord};
use strata_protocol::{ErrorCode, Uuid};
use strata_quorum::{Quorum, QuorumError};
use strata_storage::OpenFiles;

use crate::config::BrokerConfig;
use crate::controller::{self, Liveness};
use crate::data_dir::{self, DirLock};
use crate::error::BrokerError;
use crate::fetch_session::FetchSessions;
use crate::groups::{self, Groups};
use crate::leader_link::Links;
use crate::lifecycle::Lifecycle;
use crate::probe::Probe;
use crate::producer_ids::ProducerIds;
use crate::replicas::Replicas;
use crate::transactions::{self, Transactions};

/// Segment files kept open at once, over all partitions.
const OPEN_FILES: usize = 4096;

/// The running broker's state.
#[derive(Debug)]
pub struct Broker {
    pub(crate) config: BrokerConfig,
    pub(crate) cluster_id: String,
    pub(crate) quorum: Quorum,
    /// The index of the newest image the partitions were made to match.
    synced: Mutex<Option<u64>>,
    pub(crate) replicas: Replicas,
    pub(crate) sessions: Mutex<FetchSessions>,
    pub(crate) groups: Groups,
    pub(crate) transactions: Transactions,
    /// Links to other brokers: the transaction coordinator's to partition
    /// leaders, and a leader's to transaction coordinators.
    pub(crate) links: Links,
    pub(crate) producer_ids: ProducerIds,
    /// This run's id, sent with its registration.
    pub(crate) incarnation_id: Uuid,
    /// Broker liveness, used while this node is the active controller.
    pub(crate) liveness: Liveness,
    /// Controlled shutdown's state.
    pub(crate) lifecycle: Lifecycle,
    /// The broker-wide metrics counters.
    pub(crate) probe: Probe,
    _lock: DirLock,
}

impl Broker {
    /// Opens the data directory: takes its lock, joins the metadata quorum
    /// (which applies again what was committed before the last stop),
    /// removes partitions no topic owns, and opens every partition log.
    pub async fn open(config: BrokerConfig) -> Result<Arc<Broker>, BrokerError> {
        let dir = config.data_dir.clone();
        let lock = data_dir::lock(&dir)?;
        let cluster_id = data_dir::cluster_id(&dir, config.node_id, || {
            let voters = config.statics.get("controller.quorum.voters").map_or("", String::as_str);
            let configured = config.statics.get("cluster.id").map(String::as_str);
            data_dir::new_cluster_id(configured, voters, config.voters.len() == 1)
        })?;
        let files = OpenFiles::new(OPEN_FILES);
        let quorum =
            Quorum::start(config.quorum(), files.clone()).await.map_err(|e| BrokerError::Startup(e.to_string()))?;
        let applied = quorum.applied();
        let image = applied.image.clone();
        tokio::task::block_in_place(|| {
            Broker::open_partitions(config, cluster_id, lock, files, quorum, applied.index, &image)
        })
    }

    fn open_partitions(
        config: BrokerConfig,
        cluster_id: String,
        lock: DirLock,
        files: Arc<OpenFiles>,
        quorum: Quorum,
        index: Option<u64>,
        image: &MetadataImage,
    ) -> Result<Arc<Broker>, BrokerError> {
        let incarnation_id = controller::incarnation();
        let replicas = Replicas::new(config.node_id, incarnation_id, config.data_dir.clone(), files);
        replicas.remove_strays(image);
        let layers = Layers { node_id: config.node_id, static_configs: &config.statics, image };
        replicas.sync(image, &layers)?;
        let slots: usize = layers.broker_value("max.incremental.fetch.session.cache.slots");
        let groups = Groups::new(groups::config(&layers, image))?;
        groups.load(&replicas)?;
        let transactions = Transactions::new(transactions::config(&layers, image));
        Ok(Arc::new(Broker {
            cluster_id,
            quorum,
            synced: Mutex::new(index),
            replicas,
            sessions: Mutex::new(FetchSessions::new(slots)),
            groups,
            transactions,
            links: Links::default(),
            producer_ids: ProducerIds::default(),
            incarnation_id,
            liveness: Liveness::default(),
            lifecycle: Lifecycle::default(),
            probe: Probe::default(),
            config,
            _lock: lock,
        }))
    }

    /// The current metadata image.
    pub(crate) fn image(&self) -> Arc<MetadataImage> {
        self.quorum.applied().image.clone()
    }

    /// The config layers over `image`.
    pub(crate) fn layers<'a>(&'a self, image: &'a MetadataImage) -> Layers<'a> {
        Layers { node_id: self.config.node_id, static_configs: &self.config.statics, image }
    }

    /// A broker config's current value.
    pub(crate) fn broker_value<T: std::str::FromStr>(&self, name: &str) -> T {
        let image = self.image();
        self.layers(&image).broker_value(name)
    }

    /// What the controller needs besides the image: the unfenced brokers
    /// (this one alone until the first registration is applied) and their racks.
    pub(crate) fn cluster(&self) -> Cluster {
        let image = self.image();
        let live: Vec<_> = image.brokers().filter(|b| !b.fenced).collect();
        let brokers = if image.brokers().next().is_none() {
            vec![self.config.node_id]
        } else {
            live.iter().map(|b| b.id).collect()
        };
        Cluster {
            brokers,
            racks: live.iter().filter_map(|b| Some((b.id, b.rack.clone()?))).collect(),
            default_partitions: self.broker_value("num.partitions"),
            default_replication_factor: self.broker_value("default.replication.factor"),
        }
    }

    /// The brokers clients are told of: every registered broker (with
    /// `fenced`, also those fenced), and this one even before its
    /// registration is applied.
    pub(crate) fn brokers_for_clients(
        &self,
        image: &MetadataImage,
        fenced: bool,
    ) -> Vec<(i32, String, u16, Option<String>)> {
        let mut out: Vec<_> = image
            .brokers()
            .filter(|b| fenced || !b.fenced)
            .map(|b| (b.id, b.host.clone(), b.port, b.rack.clone()))
            .collect();
        if !out.iter().any(|b| b.0 == self.config.node_id) {
            let (host, port) = self.config.advertised.clone();
            out.push((self.config.node_id, host, port, self.config.statics.get("broker.rack").cloned()));
            out.sort_by_key(|b| b.0);
        }
        out
    }

    /// The active controller's id, or -1 while none is known.
    pub(crate) fn controller_id(&self) -> i32 {
        self.quorum.leader().map_or(-1, |id| id as i32)
    }

    /// A new topic id: random, never the zero id or the metadata topic's id (1).
    pub(crate) fn new_topic_id() -> Result<Uuid, ApiError> {
        loop {
            let bytes = data_dir::random_bytes::<16>()
                .map_err(|e| ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, e.to_string()))?;
            let id = Uuid(bytes);
            if u128::from_be_bytes(bytes) > 1 {
                return Ok(id);
            }
        }
    }

    /// Makes one metadata change as the active controller: `decide` turns
    /// the image (as of every change committed so far) into records, or
    /// refuses; the records are committed by the quorum and applied, and the
    /// partitions follow. Changes are serialised. With `validate_only`,
    /// nothing is written. On a node that is not the active controller the
    /// answer is NOT_CONTROLLER.
    pub(crate) async fn commit(
        &self,
        validate_only: bool,
        decide: impl FnOnce(&MetadataImage) -> Result<Vec<MetadataRecord>, ApiError>,
    ) -> Result<Arc<MetadataImage>, ApiError> {
        if validate_only {
            let image = self.image();
            decide(&image)?;
            return Ok(image);
        }
        let image = match self.quorum.write(decide).await {
            Ok(decided) => decided?,
            Err(QuorumError::NotLeader(_) | QuorumError::NoLeader) => {
                return Err(ApiError::new(ErrorCode::NOT_CONTROLLER, "this broker is not the active controller"))
            }
            Err(e) => {
                tracing::error!(error = %e, "a metadata change failed");
                return Err(ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, e.to_string()));
            }
        };
        self.sync_replicas().map_err(|e| ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, e.to_string()))?;
        Ok(image)
    }

    /// Makes the partitions match the newest applied image, unless they
    /// already match it or a newer one.
    pub(crate) fn sync_replicas(&self) -> Result<(), BrokerError> {
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        let applied = self.quorum.applied();
        if applied.index <= *synced {
            return Ok(());
        }
        let layers = self.layers(&applied.image);
        tokio::task::block_in_place(|| self.replicas.sync(&applied.image, &layers)).inspect_err(|e| {
            tracing::error!(error = %e, "applying a metadata change to the partitions failed");
        })?;
        *synced = applied.index;
        Ok(())
    }

    /// Flushes and closes every log. Called once, after the last request.
    pub(crate) async fn close(&self) {
        self.quorum.shutdown().await;
        self.replicas.close();
    }
}
