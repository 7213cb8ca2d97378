//! Small state files of a partition, each replaced atomically: written to
//! `NAME.tmp`, fsynced, renamed over `NAME`, and the directory fsynced, so a
//! crash leaves either the old or the new contents, never a mix.
//!
//! `partition.state` (FORMAT.md):
//!
//! ```text
//! strata-partition-state 1
//! recovery-point <offset>
//! log-start-offset <offset>
//! ```

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::error::{io, StorageError};

/// File name of the partition state.
pub const PARTITION_STATE: &str = "partition.state";

/// Replaces `dir/name` with `contents` atomically and durably.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> Result<(), StorageError> {
    let tmp = dir.join(format!("{name}.tmp"));
    let target = dir.join(name);
    let mut f = File::create(&tmp).map_err(io("create", &tmp))?;
    f.write_all(contents).map_err(io("write", &tmp))?;
    f.sync_all().map_err(io("fsync", &tmp))?;
    std::fs::rename(&tmp, &target).map_err(io("rename", &target))?;
    sync_dir(dir)
}

/// Makes a directory's entries (created, renamed, removed files) durable.
pub fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io("fsync", dir))
}

/// What the log keeps between runs besides its segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartitionState {
    /// Everything below this offset was fsynced; recovery scans from here.
    pub recovery_point: i64,
    /// The first offset readable (advanced by retention and DeleteRecords).
    pub log_start_offset: i64,
}

impl PartitionState {
    /// Reads `dir/partition.state`; absent means a new partition.
    pub fn load(dir: &Path) -> Result<Option<PartitionState>, StorageError> {
        let path = dir.join(PARTITION_STATE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("read", &path)(e)),
        };
        let corrupt =
            |reason: &str| StorageError::Corrupt { what: "partition state", path: path.clone(), reason: reason.into() };
        let mut lines = text.lines();
        if lines.next() != Some("strata-partition-state 1") {
            return Err(corrupt("unknown header"));
        }
        let mut field = |name: &str| -> Result<i64, StorageError> {
            let line = lines.next().ok_or_else(|| corrupt("truncated"))?;
            let value = line.strip_prefix(name).and_then(|v| v.strip_prefix(' ')).ok_or_else(|| corrupt(line))?;
            value.parse().map_err(|_| corrupt(line))
        };
        Ok(Some(PartitionState {
            recovery_point: field("recovery-point")?,
            log_start_offset: field("log-start-offset")?,
        }))
    }

    /// Writes `dir/partition.state` atomically.
    pub fn store(&self, dir: &Path) -> Result<(), StorageError> {
        let text = format!(
            "strata-partition-state 1\nrecovery-point {}\nlog-start-offset {}\n",
            self.recovery_point, self.log_start_offset
        );
        write_atomic(dir, PARTITION_STATE, text.as_bytes())
    }
}
