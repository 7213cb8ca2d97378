//! The leader-epoch cache: for each leader epoch, the first offset written in
//! it. Replication uses it to answer OffsetForLeaderEpoch and to find where a
//! follower's log diverges from the leader's (KIP-101, KIP-279).
//!
//! Kept in `leader-epoch-checkpoint`, Kafka's format (FORMAT.md):
//!
//! ```text
//! 0                  version
//! <n>                number of entries
//! <epoch> <offset>   n lines, epochs and offsets ascending
//! ```
//!
//! Invariants: epochs strictly ascend and start offsets ascend; the file is
//! rewritten atomically on every change (changes are rare: one per leader change).

use std::path::{Path, PathBuf};

use crate::checkpoint::write_atomic;
use crate::error::{io, StorageError};

/// File name of the cache.
pub const LEADER_EPOCH_CHECKPOINT: &str = "leader-epoch-checkpoint";

/// One epoch and its first offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEntry {
    /// The leader epoch.
    pub epoch: i32,
    /// The first offset written in it.
    pub start_offset: i64,
}

/// The cache of one partition.
#[derive(Debug)]
pub struct LeaderEpochCache {
    dir: PathBuf,
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    /// Loads the cache of the partition in `dir` (empty if there is none).
    pub fn load(dir: &Path) -> Result<LeaderEpochCache, StorageError> {
        let path = dir.join(LEADER_EPOCH_CHECKPOINT);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io("read", &path)(e)),
        };
        let corrupt = |reason: &str| StorageError::Corrupt {
            what: "leader epoch checkpoint",
            path: path.clone(),
            reason: reason.into(),
        };
        let mut entries = Vec::new();
        let mut lines = text.lines();
        if let Some(version) = lines.next() {
            if version.trim() != "0" {
                return Err(corrupt("unknown version"));
            }
            let n: usize = lines.next().and_then(|l| l.trim().parse().ok()).ok_or_else(|| corrupt("bad count"))?;
            for _ in 0..n {
                let line = lines.next().ok_or_else(|| corrupt("truncated"))?;
                let mut parts = line.split_whitespace();
                let epoch = parts.next().and_then(|p| p.parse().ok()).ok_or_else(|| corrupt(line))?;
                let start_offset = parts.next().and_then(|p| p.parse().ok()).ok_or_else(|| corrupt(line))?;
                entries.push(EpochEntry { epoch, start_offset });
            }
        }
        Ok(LeaderEpochCache { dir: dir.to_path_buf(), entries })
    }

    fn store(&self) -> Result<(), StorageError> {
        let mut text = format!("0\n{}\n", self.entries.len());
        for e in &self.entries {
            text.push_str(&format!("{} {}\n", e.epoch, e.start_offset));
        }
        write_atomic(&self.dir, LEADER_EPOCH_CHECKPOINT, text.as_bytes())
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    /// The latest epoch, if any.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|e| e.epoch)
    }

    /// Records that `epoch` starts at `start_offset`, if it is newer than the
    /// latest epoch known.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> Result<(), StorageError> {
        if epoch < 0 || self.latest_epoch().is_some_and(|latest| epoch <= latest) {
            return Ok(());
        }
        self.entries.retain(|e| e.start_offset < start_offset);
        self.entries.push(EpochEntry { epoch, start_offset });
        self.store()
    }

    /// OffsetForLeaderEpoch: the largest epoch at most `epoch` and the offset at
    /// which it ended (the next epoch's start, or `log_end` for the latest).
    /// `None` when `epoch` is older than every epoch known.
    pub fn end_offset_for(&self, epoch: i32, log_end: i64) -> Option<(i32, i64)> {
        let i = self.entries.partition_point(|e| e.epoch <= epoch).checked_sub(1)?;
        let end = self.entries.get(i + 1).map_or(log_end, |next| next.start_offset);
        Some((self.entries[i].epoch, end))
    }

    /// Forgets epochs that start at or after `offset` (the log was truncated there).
    pub fn truncate_from_end(&mut self, offset: i64) -> Result<(), StorageError> {
        let before = self.entries.len();
        self.entries.retain(|e| e.start_offset < offset);
        if self.entries.len() != before {
            self.store()?;
        }
        Ok(())
    }

    /// Forgets what lies before `offset` (the log start moved there), keeping
    /// the epoch that covers it, now starting at `offset`.
    pub fn truncate_from_start(&mut self, offset: i64) -> Result<(), StorageError> {
        let covering = self.entries.partition_point(|e| e.start_offset <= offset);
        if covering <= 1 && self.entries.first().is_none_or(|e| e.start_offset >= offset) {
            return Ok(());
        }
        let mut kept = self.entries.split_off(covering - 1);
        kept[0].start_offset = offset;
        self.entries = kept;
        self.store()
    }
}
