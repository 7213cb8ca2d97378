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
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use strata_metadata::config::Layers;
use strata_metadata::{MetadataImage, PartitionImage, TopicImage};
use strata_protocol::{ErrorCode, Uuid};
use strata_quorum::METADATA_DIR;
use strata_storage::{CleanupPolicy, Log, LogConfig, OpenFiles, StorageError};
use tokio::sync::watch;

use crate::error::{storage_error_code, BrokerError};
use crate::probe::Traffic;
use crate::replication::Replication;
use crate::time::now_ms;

/// One replica of a partition of a topic.
#[derive(Debug)]
pub(crate) struct Partition {
    /// The topic's id.
    pub(crate) topic_id: Uuid,
    /// This broker's id.
    node: i32,
    /// The log.
    pub(crate) log: Log,
    /// The partition's leader as of the newest image (-1: none).
    leader: AtomicI32,
    /// The leader epoch as of the newest image; appends are stamped with it.
    leader_epoch: AtomicI32,
    /// While this broker leads: the log end offset when its leadership
    /// began (Kafka's leader epoch start offset); -1 otherwise.
    epoch_start: AtomicI64,
    /// The log end offset, bumped after each append (wakes follower fetches).
    end_offset: watch::Sender<i64>,
    /// The high watermark (wakes consumer fetches and acks=all produces).
    high_watermark: watch::Sender<i64>,
    /// Membership, and on the leader its followers' progress.
    pub(crate) replication: Mutex<Replication>,
    /// Records and bytes in and out, for the metrics.
    pub(crate) traffic: Traffic,
    /// Held by the one `flush_to` caller whose fsync runs; the others wait
    /// here, on no thread (see [`Partition::flush_to`]).
    flush_turn: tokio::sync::Mutex<()>,
}

impl Partition {
    /// Whether `node` leads the partition as of the newest image.
    pub(crate) fn is_led_by(&self, node: i32) -> bool {
        self.leader.load(Ordering::Relaxed) == node
    }

    /// Whether this broker leads the partition as of the newest image.
    pub(crate) fn is_leader(&self) -> bool {
        self.is_led_by(self.node)
    }

    /// The leader as of the newest image (-1: none).
    pub(crate) fn leader(&self) -> i32 {
        self.leader.load(Ordering::Relaxed)
    }

    /// The leader epoch as of the newest image.
    pub(crate) fn leader_epoch(&self) -> i32 {
        self.leader_epoch.load(Ordering::Relaxed)
    }

    /// The high watermark: consumers read below it; every offset below it is
    /// on every ISR member's disk (see [`crate::replication`]).
    pub(crate) fn high_watermark(&self) -> i64 {
        *self.high_watermark.borrow()
    }

    /// Whether this broker leads with a high watermark still short of the
    /// log end at the start of its leadership. It learned the high watermark
    /// from the previous leader one fetch late, so it may be lower than one
    /// that leader answered; offsets answered from it could go backwards
    /// (KIP-207).
    pub(crate) fn high_watermark_lags_epoch_start(&self) -> bool {
        self.is_leader() && self.high_watermark() < self.epoch_start.load(Ordering::Relaxed)
    }

    /// The replication state, locked.
    pub(crate) fn replication(&self) -> std::sync::MutexGuard<'_, Replication> {
        self.replication.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After an append on the leader: wakes fetches and moves the high
    /// watermark as far as the ISR allows.
    pub(crate) fn appended(&self) {
        self.end_offset.send_replace(self.log.log_end_offset());
        self.advance_high_watermark();
    }

    /// On the leader, after an append or a follower's fetch.
    pub(crate) fn advance_high_watermark(&self) {
        let leo = self.log.log_end_offset();
        let hw = self.replication().high_watermark(self.node, leo, self.high_watermark());
        self.high_watermark.send_if_modified(|current| std::mem::replace(current, hw) != hw);
    }

    /// On a follower: the leader's high watermark, bounded by the local log end.
    pub(crate) fn follow_high_watermark(&self, leader_hw: i64) {
        let hw = leader_hw.min(self.log.log_end_offset());
        self.high_watermark.send_if_modified(|current| std::mem::replace(current, hw) != hw);
        self.end_offset.send_replace(self.log.log_end_offset());
    }

    /// On a follower, appends batches fetched from `leader` unless the
    /// partition has changed leader since; the new log end, if appended.
    pub(crate) fn append_as_follower(
        &self,
        leader: i32,
        records: &Bytes,
        now: i64,
    ) -> Result<Option<i64>, StorageError> {
        let _lock = self.replication();
        if self.leader() != leader {
            return Ok(None);
        }
        self.log.append_as_follower(records, now).map(Some)
    }

    /// On a follower, advances the log start offset to the leader's (moved
    /// by retention or DeleteRecords), up to the local log end, unless the
    /// partition has changed leader since; as Kafka's followers do, so that
    /// records deleted on the leader stay deleted after a failover.
    pub(crate) fn follow_log_start(&self, leader: i32, leader_start: i64) -> Result<(), StorageError> {
        let _lock = self.replication();
        let start = leader_start.min(self.log.log_end_offset());
        if self.leader() == leader && start > self.log.log_start_offset() {
            self.log.delete_records_before(start)?;
        }
        Ok(())
    }

    /// On a follower, truncates the log to `offset` unless the leader epoch
    /// has moved on from `epoch`; whether it is now checked for `epoch`.
    pub(crate) fn truncate_as_follower(&self, offset: i64, epoch: i32) -> Result<bool, StorageError> {
        let _lock = self.replication();
        if self.leader_epoch() != epoch || self.is_leader() {
            return Ok(false);
        }
        if offset < self.log.log_end_offset() {
            tracing::info!(partition = %self.log.dir().display(), offset, epoch, "truncating a divergent tail");
            self.log.truncate_to(offset)?;
        }
        let hw = self.high_watermark();
        self.follow_high_watermark(hw);
        Ok(true)
    }

    /// A receiver woken when what a reader may see changes: the log end for
    /// followers (`replica`), the high watermark for consumers.
    pub(crate) fn changes(&self, replica: bool) -> watch::Receiver<i64> {
        if replica {
            self.end_offset.subscribe()
        } else {
            self.high_watermark.subscribe()
        }
    }

    /// The ISR's size and `min.insync.replicas` when the ISR is too small for acks=all.
    pub(crate) fn insync_shortfall(&self) -> Option<(usize, usize)> {
        let r = self.replication();
        (r.isr.len() < r.min_insync).then_some((r.isr.len(), r.min_insync))
    }

    /// Waits until the high watermark reaches `end` (acks=all), leadership
    /// moves, or `timeout` passes; the error to answer with, if any.
    pub(crate) async fn replicated(&self, end: i64, timeout: Duration) -> Result<(), ErrorCode> {
        let epoch = self.leader_epoch();
        let mut hw = self.high_watermark.subscribe();
        let moved = |p: &Partition| !p.is_leader() || p.leader_epoch() != epoch;
        let reached = tokio::time::timeout(timeout, hw.wait_for(|hw| *hw >= end || moved(self))).await.map(|_| ());
        match reached {
            Err(_) => Err(ErrorCode::REQUEST_TIMED_OUT),
            Ok(_) if moved(self) => Err(ErrorCode::NOT_LEADER_OR_FOLLOWER),
            Ok(_) if self.insync_shortfall().is_some() => Err(ErrorCode::NOT_ENOUGH_REPLICAS_AFTER_APPEND),
            Ok(_) => Ok(()),
        }
    }

    /// Waits until every offset below `end` is fsynced (group commit); a
    /// failure comes back as the Kafka error and message to answer with.
    /// Callers take turns: the one whose turn it is fsyncs, on a blocking
    /// thread, everything appended so far; the others wait for their turn
    /// as tasks, and most then find their records already durable. (A
    /// blocking thread per waiting request cost more in thread wake-ups
    /// than the fsyncs themselves with small batches.)
    pub(crate) async fn flush_to(self: Arc<Self>, end: i64) -> Result<(), (ErrorCode, String)> {
        if self.log.flushed_offset() >= end {
            return Ok(());
        }
        let _turn = self.flush_turn.lock().await;
        if self.log.flushed_offset() >= end {
            return Ok(());
        }
        let partition = self.clone();
        match tokio::task::spawn_blocking(move || partition.log.flush_to(end)).await {
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

    /// Takes the newest image's state of the partition. A change of leader
    /// epoch starts a new leadership on the new leader (followers unheard),
    /// and wakes acks=all produces waiting on the old one.
    ///
    /// Until the controller has registered this run of the broker
    /// (`registered`), it does not lead a partition that has other replicas,
    /// even where the image still names it (the previous run) as leader: that
    /// run's log may have lost an unflushed tail, and followers in the same
    /// leader epoch would take new records after the ones they hold there, at
    /// offsets where the leader now holds others. Registration fences the
    /// previous run first, so leadership comes back, if at all, in a new epoch.
    fn follow_image(&self, image: &PartitionImage, min_insync: usize, registered: bool) {
        let node = self.node;
        let leader = if image.leader == node && !registered && image.replicas.len() > 1 { -1 } else { image.leader };
        // Under the lock, so that no follower append straddles a leader change.
        let mut r = self.replication();
        let new_epoch = self.leader_epoch.swap(image.leader_epoch, Ordering::Relaxed) != image.leader_epoch;
        let new_leader = self.leader.swap(leader, Ordering::Relaxed) != leader;
        let leading = ((new_epoch || new_leader) && leader == node).then(now_ms);
        if leading.is_some() {
            self.epoch_start.store(self.log.log_end_offset(), Ordering::Relaxed);
        } else if leader != node {
            self.epoch_start.store(-1, Ordering::Relaxed);
        }
        r.update(&image.replicas, &image.isr, image.partition_epoch, leading);
        r.min_insync = min_insync;
        drop(r);
        if leader == node {
            self.advance_high_watermark();
        }
        if new_epoch {
            self.high_watermark.send_modify(|_| ());
        }
    }
}

/// Every partition, by topic name and index.
#[derive(Debug)]
pub(crate) struct Replicas {
    /// This broker's id.
    node: i32,
    /// This run's incarnation id (see [`Partition::follow_image`]).
    incarnation: Uuid,
    dir: PathBuf,
    files: Arc<OpenFiles>,
    topics: RwLock<HashMap<String, Vec<Arc<Partition>>>>,
}

fn partition_dir(dir: &Path, topic: &str, index: usize) -> PathBuf {
    dir.join(format!("{topic}-{index}"))
}

impl Replicas {
    /// An empty set over `dir`.
    pub(crate) fn new(node: i32, incarnation: Uuid, dir: PathBuf, files: Arc<OpenFiles>) -> Replicas {
        Replicas { node, incarnation, dir, files, topics: RwLock::new(HashMap::new()) }
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

    /// The directory of a partition log that went offline after a storage
    /// error, if any did.
    pub(crate) fn offline_log(&self) -> Option<PathBuf> {
        let topics = self.topics.read().unwrap_or_else(|p| p.into_inner());
        topics.values().flatten().find(|p| p.log.is_offline()).map(|p| p.log.dir().to_path_buf())
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
        let registered = image.broker(self.node).is_some_and(|b| b.incarnation_id == self.incarnation);
        for topic in image.topics() {
            let values = layers.topic_values(&topic.name);
            let config = log_config(&values);
            let min_insync = values.get("min.insync.replicas").and_then(|v| v.as_deref()?.parse().ok()).unwrap_or(1);
            let held = topics.entry(topic.name.clone()).or_default();
            while held.len() < topic.partitions.len() {
                held.push(Arc::new(self.open(topic, held.len(), config.clone())?));
            }
            for (p, image) in held.iter().zip(&topic.partitions) {
                p.log.reconfigure(config.clone());
                p.follow_image(image, min_insync, registered);
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
        let end = log.log_end_offset();
        // A sole replica has everything it holds; a replica of several learns
        // the high watermark from its leader, or as leader from its followers.
        let hw = if topic.partitions[index].replicas == [self.node] { end } else { log.log_start_offset() };
        Ok(Partition {
            topic_id: topic.id,
            node: self.node,
            log,
            leader: AtomicI32::new(-1),
            leader_epoch: AtomicI32::new(-1),
            epoch_start: AtomicI64::new(-1),
            end_offset: watch::channel(end).0,
            high_watermark: watch::channel(hw).0,
            replication: Mutex::new(Replication::default()),
            traffic: Traffic::default(),
            flush_turn: tokio::sync::Mutex::new(()),
        })
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
