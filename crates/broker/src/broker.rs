//! The broker's shared state: configuration, the metadata image and the log
//! behind it, the partitions, and the fetch sessions. Handlers get an
//! `Arc<Broker>`; metadata changes go through [`Broker::commit`].
//! `__transaction_state` is loaded once the broker runs (`transactions::resume`),
//! since finishing the transactions found half-ended needs the runtime.

use std::sync::{Arc, Mutex, RwLock};

use strata_metadata::config::Layers;
use strata_metadata::controller::Cluster;
use strata_metadata::{ApiError, MetadataImage, MetadataRecord};
use strata_protocol::{ErrorCode, Uuid};
use strata_storage::OpenFiles;

use crate::config::BrokerConfig;
use crate::data_dir::{self, DirLock};
use crate::error::BrokerError;
use crate::fetch_session::FetchSessions;
use crate::groups::{self, Groups};
use crate::metadata_log::MetadataLog;
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
    image: RwLock<Arc<MetadataImage>>,
    metadata: tokio::sync::Mutex<Option<MetadataLog>>,
    pub(crate) replicas: Replicas,
    pub(crate) sessions: Mutex<FetchSessions>,
    pub(crate) groups: Groups,
    pub(crate) transactions: Transactions,
    pub(crate) producer_ids: ProducerIds,
    _lock: DirLock,
}

impl Broker {
    /// Opens the data directory: takes its lock, replays the metadata log,
    /// removes partitions no topic owns, and opens every partition log.
    pub fn open(config: BrokerConfig) -> Result<Arc<Broker>, BrokerError> {
        let dir = config.data_dir.clone();
        let lock = data_dir::lock(&dir)?;
        let cluster_id = data_dir::cluster_id(&dir, config.node_id)?;
        let files = OpenFiles::new(OPEN_FILES);
        let (log, image) = MetadataLog::open(&dir, files.clone())?;
        let replicas = Replicas::new(dir, files);
        replicas.remove_strays(&image);
        let layers = Layers { node_id: config.node_id, static_configs: &config.statics, image: &image };
        replicas.sync(&image, &layers)?;
        let slots: usize = layers.broker_value("max.incremental.fetch.session.cache.slots");
        let groups = Groups::new(groups::config(&layers, &image))?;
        groups.load(&replicas)?;
        let transactions = Transactions::new(transactions::config(&layers, &image));
        Ok(Arc::new(Broker {
            cluster_id,
            image: RwLock::new(Arc::new(image)),
            metadata: tokio::sync::Mutex::new(Some(log)),
            replicas,
            sessions: Mutex::new(FetchSessions::new(slots)),
            groups,
            transactions,
            producer_ids: ProducerIds::default(),
            config,
            _lock: lock,
        }))
    }

    /// The current metadata image.
    pub(crate) fn image(&self) -> Arc<MetadataImage> {
        self.image.read().unwrap_or_else(|p| p.into_inner()).clone()
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

    /// What the controller needs besides the image.
    pub(crate) fn cluster(&self) -> Cluster {
        Cluster {
            brokers: vec![self.config.node_id],
            default_partitions: self.broker_value("num.partitions"),
            default_replication_factor: self.broker_value("default.replication.factor"),
        }
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

    /// Makes one metadata change: `decide` turns the current image into
    /// records (or refuses), which are appended durably to the metadata log
    /// and applied to the image and the partitions. Changes are serialised.
    /// With `validate_only`, nothing is written.
    pub(crate) async fn commit(
        &self,
        validate_only: bool,
        decide: impl FnOnce(&MetadataImage) -> Result<Vec<MetadataRecord>, ApiError>,
    ) -> Result<Arc<MetadataImage>, ApiError> {
        let guard = self.metadata.lock().await;
        let log = guard
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::BROKER_NOT_AVAILABLE, "the broker is shutting down"))?;
        let image = self.image();
        let records = decide(&image)?;
        if validate_only || records.is_empty() {
            return Ok(image);
        }
        let internal = |e: String| ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, e);
        let next = Arc::new(image.apply(&records).map_err(|e| internal(e.to_string()))?);
        tokio::task::block_in_place(|| log.append(&records)).map_err(|e| {
            tracing::error!(error = %e, "metadata log append failed");
            ApiError::new(ErrorCode::KAFKA_STORAGE_ERROR, e.to_string())
        })?;
        *self.image.write().unwrap_or_else(|p| p.into_inner()) = next.clone();
        let layers = self.layers(&next);
        tokio::task::block_in_place(|| self.replicas.sync(&next, &layers)).map_err(|e| {
            tracing::error!(error = %e, "applying a metadata change to the partitions failed");
            internal(e.to_string())
        })?;
        Ok(next)
    }

    /// Flushes and closes every log. Called once, after the last request.
    pub(crate) async fn close(&self) {
        if let Some(log) = self.metadata.lock().await.take() {
            if let Err(e) = log.close() {
                tracing::error!(error = %e, "closing the metadata log failed");
            }
        }
        self.replicas.close();
    }
}
