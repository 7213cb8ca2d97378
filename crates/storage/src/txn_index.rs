//! The aborted-transaction index of a segment (`<base>.txnindex`): one entry
//! per transaction whose abort marker lies in the segment, so a
//! read_committed fetch can tell consumers which producers' records in the
//! range they must drop.
//!
//! Layout (Kafka's `TransactionIndex`), entries of 34 bytes, big-endian, in
//! the order the markers were written (ascending last offset):
//!
//! | bytes | field |
//! |---|---|
//! | 0-1 | version (int16, 0) |
//! | 2-9 | producer id |
//! | 10-17 | first offset of the transaction |
//! | 18-25 | last offset: the abort marker's |
//! | 26-33 | last stable offset once it completed |
//!
//! The file exists only once the segment holds an abort. It is derived data:
//! recovery drops entries past the point it replays from and writes them
//! again from the markers it replays.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use crate::error::{io, StorageError};

const VERSION: i16 = 0;
const ENTRY_LEN: usize = 34;

/// A transaction that was aborted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTxn {
    /// The producer.
    pub producer_id: i64,
    /// Its first offset.
    pub first_offset: i64,
    /// The offset of its abort marker.
    pub last_offset: i64,
    /// The last stable offset right after the abort.
    pub last_stable_offset: i64,
}

impl AbortedTxn {
    fn encode(&self) -> [u8; ENTRY_LEN] {
        let mut out = [0u8; ENTRY_LEN];
        out[0..2].copy_from_slice(&VERSION.to_be_bytes());
        out[2..10].copy_from_slice(&self.producer_id.to_be_bytes());
        out[10..18].copy_from_slice(&self.first_offset.to_be_bytes());
        out[18..26].copy_from_slice(&self.last_offset.to_be_bytes());
        out[26..34].copy_from_slice(&self.last_stable_offset.to_be_bytes());
        out
    }

    /// One entry of exactly [`ENTRY_LEN`] bytes; `None` for an unknown version.
    fn decode(raw: &[u8]) -> Option<AbortedTxn> {
        let field = |at: usize| i64::from_be_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
        (i16::from_be_bytes([raw[0], raw[1]]) == VERSION).then(|| AbortedTxn {
            producer_id: field(2),
            first_offset: field(10),
            last_offset: field(18),
            last_stable_offset: field(26),
        })
    }
}

/// One segment's aborted transactions, in memory and in its file.
#[derive(Debug)]
pub struct TxnIndex {
    path: PathBuf,
    entries: Vec<AbortedTxn>,
    dirty: bool,
}

impl TxnIndex {
    /// Reads the file if there is one. Entries past the first unreadable one
    /// (a torn tail, an unknown version) are dropped.
    pub fn open(path: PathBuf) -> Result<TxnIndex, StorageError> {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io("read", &path)(e)),
        };
        let entries: Vec<AbortedTxn> = bytes.chunks_exact(ENTRY_LEN).map_while(AbortedTxn::decode).collect();
        let mut index = TxnIndex { path, entries, dirty: false };
        if index.entries.len() * ENTRY_LEN != bytes.len() {
            index.rewrite()?;
        }
        Ok(index)
    }

    /// Records an abort (not durable until [`TxnIndex::flush`]).
    pub fn append(&mut self, txn: AbortedTxn) -> Result<(), StorageError> {
        let mut f = OpenOptions::new().create(true).append(true).open(&self.path).map_err(io("open", &self.path))?;
        f.write_all(&txn.encode()).map_err(io("write", &self.path))?;
        self.entries.push(txn);
        self.dirty = true;
        Ok(())
    }

    /// Drops the entries whose marker is at or after `offset`.
    pub fn truncate_from(&mut self, offset: i64) -> Result<(), StorageError> {
        let keep = self.entries.partition_point(|t| t.last_offset < offset);
        if keep < self.entries.len() {
            self.entries.truncate(keep);
            self.rewrite()?;
        }
        Ok(())
    }

    /// Appends the aborts overlapping `[from, upper)` to `out`; true once an
    /// entry shows that no later segment can hold more (its last stable
    /// offset reaches `upper`), as Kafka's `collectAbortedTxns`.
    pub fn collect(&self, from: i64, upper: i64, out: &mut Vec<AbortedTxn>) -> bool {
        for t in &self.entries {
            if t.last_offset >= from && t.first_offset < upper {
                out.push(*t);
            }
            if t.last_stable_offset >= upper {
                return true;
            }
        }
        false
    }

    /// Makes appended entries durable.
    pub fn flush(&mut self) -> Result<(), StorageError> {
        if self.dirty {
            File::open(&self.path).and_then(|f| f.sync_data()).map_err(io("fsync", &self.path))?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Deletes the file.
    pub fn delete(self) -> Result<(), StorageError> {
        remove_if_exists(&self.path)
    }

    /// Replaces the file with the entries in memory (removing it when there are none).
    fn rewrite(&mut self) -> Result<(), StorageError> {
        if self.entries.is_empty() {
            self.dirty = false;
            return remove_if_exists(&self.path);
        }
        let bytes: Vec<u8> = self.entries.iter().flat_map(AbortedTxn::encode).collect();
        std::fs::write(&self.path, bytes).map_err(io("write", &self.path))?;
        self.dirty = true;
        Ok(())
    }
}

fn remove_if_exists(path: &std::path::Path) -> Result<(), StorageError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("delete", path)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_or_foreign_tail_is_dropped_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.txnindex");
        let t = AbortedTxn { producer_id: 1, first_offset: 2, last_offset: 3, last_stable_offset: 4 };
        let mut bytes = t.encode().to_vec();
        bytes.extend_from_slice(&[0, 9, 1, 2]); // a torn entry
        std::fs::write(&path, &bytes).unwrap();
        let index = TxnIndex::open(path.clone()).unwrap();
        assert_eq!(index.entries, vec![t]);
        assert_eq!(std::fs::read(&path).unwrap().len(), ENTRY_LEN, "rewritten without the tail");
        let mut foreign = t.encode();
        foreign[1] = 7; // an unknown version
        std::fs::write(&path, [t.encode(), foreign].concat()).unwrap();
        assert_eq!(TxnIndex::open(path).unwrap().entries, vec![t]);
    }
}
