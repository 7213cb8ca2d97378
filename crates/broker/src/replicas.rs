//! The partitions this broker holds: one [`Partition`] (its log and a watch
//! on its end offset) per partition of the image, created, reconfigured and
//! deleted as the image changes.
//!
//! A partition directory carries `partition.metadata` with its topic id
//! (`version: 0` and `topic_id: <hex>`), so that the data of a deleted topic
//! is never taken for a new topic of the same name. At start, directories the
//! image does not name (a crash between a deletion's commit and its removal)
//! are removed.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, RwLock};

use strata_metadata::config::Layers;
use strata_metadata::{MetadataImage, TopicImage};
use strata_protocol::{ErrorCode, Uuid};
use strata_quorum::METADATA_DIR;
use strata_storage::{CleanupPolicy, Log, LogConfig, OpenFiles};
use tokio::sync::watch;

use crate::error::{storage_error_code, BrokerError};
use crate::time::now_ms;

/// One partition of a topic, led by this broker.
#[derive(Debug)]
pub(crate) struct Partition {
    /// The topic's id.
    pub(crate) topic_id: Uuid,
    /// The log.
    pub(crate) log: Log,
    /// The leader epoch appends are stamped with.
    pub(crate) leader_epoch: i32,
    /// The partition's leader as of the newest image (-1: none).
    leader: AtomicI32,
    /// The log end offset, bumped after each append (wakes waiting fetches).
    pub(crate) end_offset: watch::Sender<i64>,
}

impl Partition {
    /// Whether `node` leads the partition as of the newest image.
    pub(crate) fn is_led_by(&self, node: i32) -> bool {
        self.leader.load(Ordering::Relaxed) == node
    }

    /// The high watermark: on a single broker every appended record is
    /// replicated to the whole ISR (itself), so it is the log end offset.
    pub(crate) fn high_watermark(&self) -> i64 {
        self.log.log_end_offset()
    }

    /// Waits, on a blocking thread, until every offset below `end` is
    /// fsynced (group commit); a failure comes back as the Kafka error and
    /// message to answer with.
    pub(crate) async fn flush_to(self: Arc<Self>, end: i64) -> Result<(), (ErrorCode, String)> {
        match tokio::task::spawn_blocking(move || self.log.flush_to(end)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "fsync of a partition log failed");
                Err((storage_error_code(&e), e.to_string()))
            }
            Err(e) => Err((ErrorCode::UNKNOWN_SERVER_ERROR, e.to_string())),
        }
    }

    /// The last stable offset: read_committed consumers see records below
    /// it; an open transaction holds it at its first offset.
    pub(crate) fn last_stable_offset(&self) -> i64 {
        let hw = self.high_watermark();
        self.log.first_unstable_offset().map_or(hw, |first| first.min(hw))
    }
}

/// Every partition, by topic name and index.
#[derive(Debug)]
pub(crate) struct Replicas {
    dir: PathBuf,
    files: Arc<OpenFiles>,
    topics: RwLock<HashMap<String, Vec<Arc<Partition>>>>,
}

fn partition_dir(dir: &Path, topic: &str, index: usize) -> PathBuf {
    dir.join(format!("{topic}-{index}"))
}

impl Replicas {
    /// An empty set over `dir`.
    pub(crate) fn new(dir: PathBuf, files: Arc<OpenFiles>) -> Replicas {
        Replicas { dir, files, topics: RwLock::new(HashMap::new()) }
    }

    /// The partition, if this broker holds it.
    pub(crate) fn get(&self, topic: &str, index: i32) -> Option<Arc<Partition>> {
        let topics = self.topics.read().unwrap_or_else(|p| p.into_inner());
        topics.get(topic).and_then(|ps| ps.get(usize::try_from(index).ok()?)).cloned()
    }

    /// Every partition, by topic.
    pub(crate) fn all(&self) -> Vec<(String, usize, Arc<Partition>)> {
        let topics = self.topics.read().unwrap_or_else(|p| p.into_inner());
        topics.iter().flat_map(|(t, ps)| ps.iter().enumerate().map(|(i, p)| (t.clone(), i, p.clone()))).collect()
    }

    /// Makes the partitions match `image`: opens new ones, drops (and deletes
    /// the data of) removed ones, and reconfigures every log to its topic's
    /// current configs.
    pub(crate) fn sync(&self, image: &MetadataImage, layers: &Layers<'_>) -> Result<(), BrokerError> {
        let mut topics = self.topics.write().unwrap_or_else(|p| p.into_inner());
        let removed: Vec<String> = topics
            .iter()
            .filter(|(name, ps)| image.topic(name).is_none_or(|t| ps.first().is_some_and(|p| p.topic_id != t.id)))
            .map(|(name, _)| name.clone())
            .collect();
        for name in removed {
            let partitions = topics.remove(&name).unwrap_or_default();
            for (i, _) in partitions.iter().enumerate() {
                self.remove_dir(&partition_dir(&self.dir, &name, i));
            }
        }
        for topic in image.topics() {
            let config = log_config(&layers.topic_values(&topic.name));
            let held = topics.entry(topic.name.clone()).or_default();
            while held.len() < topic.partitions.len() {
                held.push(Arc::new(self.open(topic, held.len(), config.clone())?));
            }
            for (p, image) in held.iter().zip(&topic.partitions) {
                p.log.reconfigure(config.clone());
                p.leader.store(image.leader, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    fn open(&self, topic: &TopicImage, index: usize, config: LogConfig) -> Result<Partition, BrokerError> {
        let dir = partition_dir(&self.dir, &topic.name, index);
        let marker = dir.join("partition.metadata");
        let expected = format!("version: 0\ntopic_id: {}\n", hex(&topic.id.0));
        match std::fs::read_to_string(&marker) {
            Ok(found) if found == expected => {}
            Ok(_) => {
                tracing::warn!(dir = %dir.display(), "partition directory belongs to an older topic of the same name; removing it");
                self.remove_dir(&dir);
            }
            Err(_) => {}
        }
        let log = Log::open(&dir, config, now_ms(), self.files.clone())?;
        if !marker.exists() {
            write_durably(&marker, &expected)
                .map_err(|e| BrokerError::Startup(format!("{}: {e}", marker.display())))?;
        }
        let epoch = topic.partitions[index].leader_epoch;
        let end = log.log_end_offset();
        let leader = AtomicI32::new(topic.partitions[index].leader);
        Ok(Partition { topic_id: topic.id, log, leader_epoch: epoch, leader, end_offset: watch::channel(end).0 })
    }

    /// Removes partition directories the image does not name (called at start,
    /// before [`Replicas::sync`]).
    pub(crate) fn remove_strays(&self, image: &MetadataImage) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !path.is_dir() || name == METADATA_DIR {
                continue;
            }
            let known = name.rsplit_once('-').is_some_and(|(topic, index)| {
                index.parse::<usize>().is_ok_and(|i| image.topic(topic).is_some_and(|t| i < t.partitions.len()))
            });
            if !known {
                tracing::info!(dir = %path.display(), "removing a partition directory that no topic owns");
                self.remove_dir(&path);
            }
        }
    }

    /// Removes a partition directory: its open files are closed first (a
    /// topic re-created under the same name must not write through a handle
    /// of the deleted one), then it is renamed aside (so a crash midway
    /// leaves nothing that looks like a partition), then deleted.
    fn remove_dir(&self, dir: &Path) {
        self.files.forget_under(dir);
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let aside = dir.with_file_name(format!("{name}.{}-delete", now_ms()));
        let target = if std::fs::rename(dir, &aside).is_ok() { aside } else { dir.to_path_buf() };
        if let Err(e) = std::fs::remove_dir_all(&target) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::error!(dir = %target.display(), error = %e, "cannot remove a deleted partition's directory");
            }
        }
    }

    /// Flushes every log and closes those no one else holds.
    pub(crate) fn close(&self) {
        let topics = std::mem::take(&mut *self.topics.write().unwrap_or_else(|p| p.into_inner()));
        for (name, partitions) in topics {
            for (i, p) in partitions.into_iter().enumerate() {
                let result = match Arc::try_unwrap(p) {
                    Ok(p) => p.log.flush().and_then(|()| p.log.close()),
                    Err(p) => p.log.flush().and_then(|()| p.log.checkpoint()),
                };
                if let Err(e) = result {
                    tracing::error!(topic = %name, partition = i, error = %e, "closing a partition log failed");
                }
            }
        }
    }
}

/// The storage settings of a topic, from its resolved config values.
pub(crate) fn log_config(values: &BTreeMap<&'static str, Option<String>>) -> LogConfig {
    let d = LogConfig::default();
    let value = |name: &str| values.get(name).and_then(|v| v.as_deref()).map(str::trim);
    let num = |name: &str| value(name).and_then(|v| v.parse::<f64>().ok());
    let int = |name: &str, default: i64| value(name).and_then(|v| v.parse::<i64>().ok()).unwrap_or(default);
    let policy = values.get("cleanup.policy").and_then(|v| v.clone()).unwrap_or_default();
    let (compact, delete) = (policy.contains("compact"), policy.contains("delete"));
    LogConfig {
        segment_bytes: int("segment.bytes", d.segment_bytes as i64) as u64,
        segment_ms: int("segment.ms", d.segment_ms),
        index_interval_bytes: int("index.interval.bytes", d.index_interval_bytes as i64) as u64,
        retention_ms: int("retention.ms", d.retention_ms),
        retention_bytes: int("retention.bytes", d.retention_bytes),
        flush_messages: int("flush.messages", d.flush_messages),
        flush_ms: int("flush.ms", d.flush_ms),
        max_message_bytes: int("max.message.bytes", d.max_message_bytes as i64) as usize,
        log_append_time: values.get("message.timestamp.type").and_then(|v| v.as_deref()) == Some("LogAppendTime"),
        cleanup_policy: match (compact, delete) {
            (true, true) => CleanupPolicy::CompactDelete,
            (true, false) => CleanupPolicy::Compact,
            _ => CleanupPolicy::Delete,
        },
        delete_retention_ms: int("delete.retention.ms", d.delete_retention_ms),
        min_cleanable_dirty_ratio: num("min.cleanable.dirty.ratio").unwrap_or(d.min_cleanable_dirty_ratio),
        min_compaction_lag_ms: int("min.compaction.lag.ms", d.min_compaction_lag_ms),
    }
}

fn write_durably(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
