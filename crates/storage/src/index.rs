//! Sparse indexes beside each segment: the offset index (`.index`) and the
//! time index (`.timeindex`). Both are files of fixed-size big-endian entries
//! in ascending key order (FORMAT.md has the layouts), held in memory. New
//! entries are buffered and written to the file on [`IndexFile::flush`] (and
//! before truncation): an index is derived data, and the log checkpoints the
//! recovery point only after flushing, so entries never need a syscall each.
//!
//! Invariants: keys strictly ascend (offsets) or ascend (timestamps); the file
//! holds exactly the entries in memory once flushed. An index is derived
//! data: after an unclean shutdown the indexes of segments past the recovery
//! point are rebuilt from the log, and a file that fails its sanity check
//! (size not a multiple of the entry, keys out of order, outside the segment)
//! is rebuilt too.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{io, StorageError};

/// One fixed-size index entry.
pub trait Entry: Copy + std::fmt::Debug {
    /// Encoded size in bytes.
    const SIZE: usize;
    /// The key entries are ordered and looked up by.
    fn key(&self) -> i64;
    /// Encodes relative to the segment's base offset.
    fn encode(&self, base: i64, out: &mut Vec<u8>);
    /// Decodes relative to the segment's base offset.
    fn decode(base: i64, bytes: &[u8]) -> Self;
}

/// An offset index entry: the last offset of a batch and the batch's file position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetEntry {
    /// Absolute offset (stored relative to the segment base as u32).
    pub offset: i64,
    /// Byte position of the batch in the segment's log file.
    pub position: u32,
}

impl Entry for OffsetEntry {
    const SIZE: usize = 8;
    fn key(&self) -> i64 {
        self.offset
    }
    fn encode(&self, base: i64, out: &mut Vec<u8>) {
        out.extend_from_slice(&((self.offset - base) as u32).to_be_bytes());
        out.extend_from_slice(&self.position.to_be_bytes());
    }
    fn decode(base: i64, b: &[u8]) -> Self {
        let rel = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        OffsetEntry { offset: base + i64::from(rel), position: u32::from_be_bytes([b[4], b[5], b[6], b[7]]) }
    }
}

/// A time index entry: the largest timestamp so far and the offset holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeEntry {
    /// The largest timestamp in the segment up to `offset`.
    pub timestamp: i64,
    /// Absolute offset (stored relative to the segment base as u32).
    pub offset: i64,
}

impl Entry for TimeEntry {
    const SIZE: usize = 12;
    fn key(&self) -> i64 {
        self.timestamp
    }
    fn encode(&self, base: i64, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&((self.offset - base) as u32).to_be_bytes());
    }
    fn decode(base: i64, b: &[u8]) -> Self {
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&b[..8]);
        let rel = u32::from_be_bytes([b[8], b[9], b[10], b[11]]);
        TimeEntry { timestamp: i64::from_be_bytes(ts), offset: base + i64::from(rel) }
    }
}

/// An index file and its entries.
#[derive(Debug)]
pub struct IndexFile<E: Entry> {
    path: PathBuf,
    base: i64,
    entries: Vec<E>,
    /// Entries not yet written to the file: `entries[written..]`, encoded.
    pending: Vec<u8>,
    written: usize,
    /// Whether the file is durable as it is (no write or truncation since
    /// the last sync in this process), so a flush has nothing to do.
    synced: bool,
}

impl<E: Entry> IndexFile<E> {
    /// Opens (creating if absent) the index at `path`. Returns the index and
    /// whether its contents passed the sanity check (an absent file does not);
    /// an index that did not is emptied, to be rebuilt from the log.
    pub fn open(path: &Path, base: i64) -> Result<(IndexFile<E>, bool), StorageError> {
        let existed = path.exists();
        OpenOptions::new().create(true).append(true).open(path).map_err(io("open", path))?;
        let bytes = std::fs::read(path).map_err(io("read", path))?;
        let mut index = IndexFile {
            path: path.to_path_buf(),
            base,
            entries: Vec::new(),
            pending: Vec::new(),
            written: 0,
            synced: false,
        };
        let sane = bytes.len() % E::SIZE == 0;
        if sane {
            index.entries = bytes.chunks_exact(E::SIZE).map(|c| E::decode(base, c)).collect();
            index.written = index.entries.len();
        }
        let ordered = index.entries.windows(2).all(|w| w[0].key() <= w[1].key());
        if !existed || !sane || !ordered {
            index.clear()?;
            return Ok((index, false));
        }
        Ok((index, true))
    }

    /// The entries.
    pub fn entries(&self) -> &[E] {
        &self.entries
    }

    /// The last entry.
    pub fn last(&self) -> Option<E> {
        self.entries.last().copied()
    }

    /// Appends an entry (in memory; written and made durable by [`IndexFile::flush`]).
    pub fn append(&mut self, entry: E) {
        entry.encode(self.base, &mut self.pending);
        self.entries.push(entry);
    }

    /// Opens the file for writing (index files are not kept open).
    fn writer(&self) -> Result<std::fs::File, StorageError> {
        OpenOptions::new().append(true).open(&self.path).map_err(io("open", &self.path))
    }

    /// Writes pending entries to the file (not synced).
    pub fn write_pending(&mut self) -> Result<(), StorageError> {
        if !self.pending.is_empty() {
            self.synced = false;
            self.writer()?.write_all(&self.pending).map_err(io("write", &self.path))?;
            self.pending.clear();
            self.written = self.entries.len();
        }
        Ok(())
    }

    /// The last entry whose key is at most `key`.
    pub fn floor(&self, key: i64) -> Option<E> {
        let n = self.entries.partition_point(|e| e.key() <= key);
        n.checked_sub(1).map(|i| self.entries[i])
    }

    /// Keeps only the entries for which `keep` holds (a prefix), truncating the file.
    pub fn retain_prefix(&mut self, keep: impl Fn(&E) -> bool) -> Result<(), StorageError> {
        self.write_pending()?;
        let n = self.entries.partition_point(keep);
        self.entries.truncate(n);
        self.written = n;
        self.synced = false;
        self.writer()?.set_len((n * E::SIZE) as u64).map_err(io("truncate", &self.path))
    }

    /// Removes every entry.
    pub fn clear(&mut self) -> Result<(), StorageError> {
        self.retain_prefix(|_| false)
    }

    /// Writes pending entries and makes the file durable (no syscall when
    /// nothing changed since the last flush).
    pub fn flush(&mut self) -> Result<(), StorageError> {
        self.write_pending()?;
        if !self.synced {
            self.writer()?.sync_data().map_err(io("fsync", &self.path))?;
            self.synced = true;
        }
        Ok(())
    }

    /// Deletes the file.
    pub fn delete(self) -> Result<(), StorageError> {
        std::fs::remove_file(&self.path).map_err(io("delete", &self.path))
    }
}
