//! Producer state: for every producer id that wrote to the partition, its
//! epoch and the sequence ranges and offsets of its last five batches, so an
//! idempotent producer's retry is answered with the original offsets instead
//! of being written twice, and a gap or a stale epoch is refused.
//!
//! The rules are Kafka's (`ProducerAppendInfo`):
//! * a batch from an epoch older than the producer's is refused
//!   (INVALID_PRODUCER_EPOCH);
//! * a batch of the current epoch whose sequence range equals one of the
//!   last five batches is a duplicate, except that a transactional batch
//!   duplicates only a batch of the transaction still open; one that
//!   repeats a batch of an ended transaction is refused (strata's rule,
//!   UNKNOWN_PRODUCER_ID: see `ProducerEntry::retry_of`);
//! * otherwise its first sequence must follow the producer's last one
//!   (`Int32::MAX` is followed by 0), or be 0 for a new epoch; else
//!   OUT_OF_ORDER_SEQUENCE_NUMBER;
//! * a producer the partition does not know (never seen, or expired) may
//!   start at any sequence (KIP-360);
//! * a transaction marker from a coordinator epoch older than that of the
//!   producer's last marker is refused (TRANSACTION_COORDINATOR_FENCED).
//!
//! State is rebuilt from the log: every batch updates it the same way
//! whether it was just appended or is replayed at open. Snapshots let replay
//! start late: `<offset>.snapshot` holds the state of every batch below
//! `offset`, in Kafka's layout (FORMAT.md), written at each segment roll and
//! at a clean close.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

use strata_records::batch::crc32c;
use strata_records::BatchHeader;

use crate::checkpoint::write_atomic;
use crate::error::{io, StorageError};
use crate::segment::file_name;

/// Batches per producer whose retries are recognised as duplicates (the
/// client's max.in.flight.requests.per.connection limit with idempotence).
pub const RETAINED_BATCHES: usize = 5;

/// The extension of snapshot files.
pub const SNAPSHOT_EXT: &str = "snapshot";

const SNAPSHOT_VERSION: i16 = 1;
/// Bytes of one snapshot entry.
const ENTRY_LEN: usize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
/// Bytes before the entries: version, CRC and the entry count.
const SNAPSHOT_HEADER_LEN: usize = 2 + 4 + 4;

/// Where one batch of a producer landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMetadata {
    /// Its first sequence number.
    pub first_seq: i32,
    /// Its last sequence number.
    pub last_seq: i32,
    /// The offset of its last record.
    pub last_offset: i64,
    /// Its last offset minus its first offset.
    pub offset_delta: i32,
    /// Its max timestamp.
    pub timestamp: i64,
}

impl BatchMetadata {
    /// The offset of its first record.
    pub fn first_offset(&self) -> i64 {
        self.last_offset - i64::from(self.offset_delta)
    }
}

/// What the partition knows of one producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerEntry {
    /// The producer's current epoch.
    pub epoch: i16,
    /// Its last batches, oldest first, at most [`RETAINED_BATCHES`].
    pub batches: VecDeque<BatchMetadata>,
    /// The max timestamp of its last batch or marker (for expiry).
    pub last_timestamp: i64,
    /// The first offset of its open transaction, if one is open here.
    pub txn_first_offset: Option<i64>,
    /// The coordinator epoch of its last transaction marker here (-1: none);
    /// a marker from an older one is a deposed coordinator's, and refused.
    pub coordinator_epoch: i32,
}

impl ProducerEntry {
    /// The last sequence number written, if any batch is known.
    pub fn last_seq(&self) -> Option<i32> {
        self.batches.back().map(|b| b.last_seq)
    }

    /// Whether `h`, whose sequence range is that of the remembered batch
    /// `b`, is a retry of it. A transactional batch can only retry a batch
    /// of the producer's transaction still open here: once a marker ended
    /// that transaction, the client has settled or given up all of its
    /// batches, so one with the same sequence numbers is a new batch that
    /// reuses them, and
    /// answering it with `b`'s offsets would report it written when it is
    /// not. (librdkafka does this: at an abort it gives back the sequence
    /// numbers of the messages it purges, even of one it had sent and that
    /// may have been written.)
    fn retry_of(&self, h: &BatchHeader, b: &BatchMetadata) -> bool {
        !h.attributes.transactional() || self.txn_first_offset.is_some_and(|first| b.first_offset() >= first)
    }
}

/// Why a producer's batch is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProducerError {
    /// The batch's sequence does not follow the producer's last one
    /// (Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER).
    #[error("out of order sequence number for producer {producer_id} at epoch {epoch}: {got} (incoming seq. number), {last} (current end sequence number)")]
    OutOfOrderSequence {
        /// The producer.
        producer_id: i64,
        /// The batch's epoch.
        epoch: i16,
        /// The batch's first sequence.
        got: i32,
        /// The producer's last sequence (-1 for a new epoch).
        last: i32,
    },
    /// A transactional batch whose sequence numbers are those of a batch
    /// of the producer's transaction that a marker already ended: not a
    /// retry but a new batch reusing them (see `ProducerEntry::retry_of`).
    /// Reported as UNKNOWN_PRODUCER_ID, which makes a transactional
    /// producer (librdkafka, the Java client; KIP-360) abort its transaction
    /// and bump its epoch, so that its sequence numbers start again at 0;
    /// librdkafka takes OUT_OF_ORDER_SEQUENCE_NUMBER for its oldest batch
    /// in flight as fatal.
    #[error("sequence numbers {first_seq}..{last_seq} of producer {producer_id} at epoch {epoch} belong to the batch at offset {offset}, of a transaction that has ended; abort the transaction and bump the epoch")]
    SequenceOfEndedTransaction {
        /// The producer.
        producer_id: i64,
        /// The batch's epoch.
        epoch: i16,
        /// The batch's first sequence.
        first_seq: i32,
        /// The batch's last sequence.
        last_seq: i32,
        /// The first offset of the ended transaction's batch.
        offset: i64,
    },
    /// A transaction marker from a coordinator older than the one that wrote
    /// the producer's last marker (Kafka's TRANSACTION_COORDINATOR_FENCED).
    #[error(
        "the marker of producer {producer_id} comes from coordinator epoch {coordinator_epoch}, older than {current}"
    )]
    CoordinatorFenced {
        /// The producer.
        producer_id: i64,
        /// The marker's coordinator epoch.
        coordinator_epoch: i32,
        /// The coordinator epoch of the producer's last marker.
        current: i32,
    },
    /// A transactional batch that would open its producer's transaction
    /// here without a current verification that the partition is in that
    /// transaction (Kafka's INVALID_TXN_STATE; see `crate::verification`).
    #[error("Record was not part of an ongoing transaction: producer {producer_id}'s transaction does not include this partition, or ended while it was verified")]
    NotInTransaction {
        /// The producer.
        producer_id: i64,
    },
    /// The batch's epoch is older than the producer's (Kafka's INVALID_PRODUCER_EPOCH).
    #[error(
        "epoch of producer {producer_id} at offset is {epoch}, which is smaller than the last seen epoch {current}"
    )]
    InvalidProducerEpoch {
        /// The producer.
        producer_id: i64,
        /// The batch's epoch.
        epoch: i16,
        /// The producer's current epoch.
        current: i16,
    },
}

/// What to do with a producer's batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Append it.
    Append,
    /// It was appended before, here: answer with these offsets, write nothing.
    Duplicate(BatchMetadata),
}

/// A transaction that a marker just ended on this partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompletedTxn {
    /// The producer.
    pub producer_id: i64,
    /// The transaction's first offset here.
    pub first_offset: i64,
    /// The marker's offset.
    pub last_offset: i64,
}

/// The producer state of one partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Producers {
    entries: HashMap<i64, ProducerEntry>,
    /// Open transactions: first offset → producer id.
    ongoing: BTreeMap<i64, i64>,
}

/// The sequence number `delta` after `seq`, wrapping from `i32::MAX` to 0 as producers do.
fn increment_sequence(seq: i32, delta: i32) -> i32 {
    let next = i64::from(seq) + i64::from(delta);
    (next % (i64::from(i32::MAX) + 1)) as i32
}

/// The sequence number `delta` before `seq` (the inverse of [`increment_sequence`]).
fn decrement_sequence(seq: i32, delta: i32) -> i32 {
    let prev = i64::from(seq) - i64::from(delta);
    prev.rem_euclid(i64::from(i32::MAX) + 1) as i32
}

/// The last sequence number of a batch.
fn last_sequence(h: &BatchHeader) -> i32 {
    increment_sequence(h.base_sequence, h.last_offset_delta)
}

impl Producers {
    /// Checks a batch a client sent (one with a producer id) against the
    /// producer's state.
    pub fn check(&self, h: &BatchHeader) -> Result<Verdict, ProducerError> {
        let Some(entry) = self.entries.get(&h.producer_id) else {
            return Ok(Verdict::Append);
        };
        let (producer_id, epoch) = (h.producer_id, h.producer_epoch);
        if epoch < entry.epoch {
            return Err(ProducerError::InvalidProducerEpoch { producer_id, epoch, current: entry.epoch });
        }
        if epoch > entry.epoch {
            return match h.base_sequence {
                0 => Ok(Verdict::Append),
                got => Err(ProducerError::OutOfOrderSequence { producer_id, epoch, got, last: -1 }),
            };
        }
        let last_seq = last_sequence(h);
        if let Some(b) = entry.batches.iter().find(|b| b.first_seq == h.base_sequence && b.last_seq == last_seq) {
            if entry.retry_of(h, b) {
                return Ok(Verdict::Duplicate(*b));
            }
            let offset = b.first_offset();
            return Err(ProducerError::SequenceOfEndedTransaction {
                producer_id,
                epoch,
                first_seq: b.first_seq,
                last_seq,
                offset,
            });
        }
        match entry.last_seq() {
            Some(last) if increment_sequence(last, 1) != h.base_sequence => {
                Err(ProducerError::OutOfOrderSequence { producer_id, epoch, got: h.base_sequence, last })
            }
            _ => Ok(Verdict::Append),
        }
    }

    /// Records a batch written to the log (`h` carries its offsets); does
    /// nothing for batches without a producer id. The same for appends and
    /// for replay, so state rebuilt from the log equals the state it had.
    /// A marker that ends the producer's open transaction returns it.
    pub fn update(&mut self, h: &BatchHeader) -> Option<CompletedTxn> {
        if h.producer_id < 0 {
            return None;
        }
        let entry = self.entries.entry(h.producer_id).or_insert_with(|| ProducerEntry {
            epoch: h.producer_epoch,
            batches: VecDeque::new(),
            last_timestamp: h.max_timestamp,
            txn_first_offset: None,
            coordinator_epoch: -1,
        });
        if h.producer_epoch > entry.epoch {
            entry.epoch = h.producer_epoch;
            entry.batches.clear();
        }
        entry.last_timestamp = h.max_timestamp;
        if h.attributes.control() {
            // An end-of-transaction marker closes the producer's transaction.
            let first_offset = entry.txn_first_offset.take()?;
            self.ongoing.remove(&first_offset);
            return Some(CompletedTxn { producer_id: h.producer_id, first_offset, last_offset: h.base_offset });
        }
        if h.attributes.transactional() && entry.txn_first_offset.is_none() {
            entry.txn_first_offset = Some(h.base_offset);
            self.ongoing.insert(h.base_offset, h.producer_id);
        }
        if h.base_sequence < 0 {
            return None; // a coordinator's batch: no sequence to remember
        }
        if entry.batches.len() == RETAINED_BATCHES {
            entry.batches.pop_front();
        }
        entry.batches.push_back(BatchMetadata {
            first_seq: h.base_sequence,
            last_seq: last_sequence(h),
            last_offset: h.last_offset(),
            offset_delta: h.last_offset_delta,
            timestamp: h.max_timestamp,
        });
        None
    }

    /// Notes the coordinator epoch of a marker just tracked for `producer_id`.
    pub fn marked(&mut self, producer_id: i64, coordinator_epoch: i32) {
        if let Some(e) = self.entries.get_mut(&producer_id) {
            e.coordinator_epoch = e.coordinator_epoch.max(coordinator_epoch);
        }
    }

    /// Refuses a marker for `producer_id` from a coordinator epoch older than
    /// its last marker's (a deposed coordinator still retrying).
    pub fn check_coordinator(&self, producer_id: i64, coordinator_epoch: i32) -> Result<(), ProducerError> {
        match self.entries.get(&producer_id).map(|e| e.coordinator_epoch) {
            Some(current) if current > coordinator_epoch => {
                Err(ProducerError::CoordinatorFenced { producer_id, coordinator_epoch, current })
            }
            _ => Ok(()),
        }
    }

    /// Whether `producer_id` has a transaction open on this partition.
    pub fn has_open_txn(&self, producer_id: i64) -> bool {
        self.entries.get(&producer_id).is_some_and(|e| e.txn_first_offset.is_some())
    }

    /// The first offset of the earliest open transaction (the last stable
    /// offset is at most this).
    pub fn first_unstable_offset(&self) -> Option<i64> {
        self.ongoing.keys().next().copied()
    }

    /// The last stable offset right after `done` completed: the first offset
    /// of the earliest other open transaction, else the offset after its marker.
    pub fn stable_offset_after(&self, done: &CompletedTxn) -> i64 {
        self.first_unstable_offset().unwrap_or(done.last_offset + 1)
    }

    /// Forgets producers idle for `expiration_ms` (producer.id.expiration.ms)
    /// with no open transaction; returns how many.
    pub fn expire(&mut self, now_ms: i64, expiration_ms: i64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, e| e.txn_first_offset.is_some() || now_ms - e.last_timestamp < expiration_ms);
        before - self.entries.len()
    }

    /// The state of one producer.
    pub fn get(&self, producer_id: i64) -> Option<&ProducerEntry> {
        self.entries.get(&producer_id)
    }

    /// Every producer and its state, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &ProducerEntry)> {
        self.entries.iter().map(|(id, e)| (*id, e))
    }

    /// How many producers are known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no producer is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The snapshot file's bytes: Kafka's layout, with one entry per retained
    /// batch of each producer, oldest first (Kafka writes the last batch
    /// only; a reader that keeps the last entry per producer gets Kafka's
    /// state, and strata's own reader gets all five back).
    pub fn encode(&self) -> Vec<u8> {
        let mut ids: Vec<&i64> = self.entries.keys().collect();
        ids.sort_unstable();
        let mut body = Vec::with_capacity(4 + ENTRY_LEN * self.entries.len());
        let mut count: i32 = 0;
        for id in ids {
            let e = &self.entries[id];
            let txn = e.txn_first_offset.unwrap_or(-1);
            let marker_only = [BatchMetadata {
                first_seq: -1,
                last_seq: -1,
                last_offset: -1,
                offset_delta: 0,
                timestamp: e.last_timestamp,
            }];
            let batches: Vec<BatchMetadata> =
                if e.batches.is_empty() { marker_only.to_vec() } else { e.batches.iter().copied().collect() };
            for (i, b) in batches.iter().enumerate() {
                // The last entry carries the producer's last timestamp (a later marker's, if any).
                let timestamp = if i + 1 == batches.len() { e.last_timestamp } else { b.timestamp };
                count += 1;
                body.extend_from_slice(&id.to_be_bytes());
                body.extend_from_slice(&e.epoch.to_be_bytes());
                body.extend_from_slice(&b.last_seq.to_be_bytes());
                body.extend_from_slice(&b.last_offset.to_be_bytes());
                body.extend_from_slice(&b.offset_delta.to_be_bytes());
                body.extend_from_slice(&timestamp.to_be_bytes());
                body.extend_from_slice(&e.coordinator_epoch.to_be_bytes());
                body.extend_from_slice(&txn.to_be_bytes());
            }
        }
        let mut covered = count.to_be_bytes().to_vec();
        covered.extend_from_slice(&body);
        let mut out = Vec::with_capacity(6 + covered.len());
        out.extend_from_slice(&SNAPSHOT_VERSION.to_be_bytes());
        out.extend_from_slice(&crc32c(&covered).to_be_bytes());
        out.extend_from_slice(&covered);
        out
    }

    /// Reads a snapshot file's bytes; every length is checked against the
    /// bytes present before anything is allocated.
    pub fn decode(bytes: &[u8]) -> Result<Producers, String> {
        if bytes.len() < SNAPSHOT_HEADER_LEN {
            return Err(format!("{} bytes, shorter than the {SNAPSHOT_HEADER_LEN}-byte header", bytes.len()));
        }
        let version = i16::from_be_bytes([bytes[0], bytes[1]]);
        if version != SNAPSHOT_VERSION {
            return Err(format!("version {version}, expected {SNAPSHOT_VERSION}"));
        }
        let crc = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
        let covered = &bytes[6..];
        if crc32c(covered) != crc {
            return Err("CRC mismatch".into());
        }
        let count = i32::from_be_bytes([covered[0], covered[1], covered[2], covered[3]]);
        let entries = &covered[4..];
        if count < 0 || entries.len() != count as usize * ENTRY_LEN {
            return Err(format!("{count} entries do not fill {} bytes", entries.len()));
        }
        let mut producers = Producers::default();
        for raw in entries.chunks_exact(ENTRY_LEN) {
            producers.load_entry(raw);
        }
        Ok(producers)
    }

    /// Adds one snapshot entry (its length already checked).
    fn load_entry(&mut self, raw: &[u8]) {
        let mut at = 0;
        let mut take = |n: usize| {
            let field = &raw[at..at + n];
            at += n;
            field
        };
        let id = i64::from_be_bytes(take(8).try_into().expect("8 bytes"));
        let epoch = i16::from_be_bytes(take(2).try_into().expect("2 bytes"));
        let last_seq = i32::from_be_bytes(take(4).try_into().expect("4 bytes"));
        let last_offset = i64::from_be_bytes(take(8).try_into().expect("8 bytes"));
        let offset_delta = i32::from_be_bytes(take(4).try_into().expect("4 bytes"));
        let timestamp = i64::from_be_bytes(take(8).try_into().expect("8 bytes"));
        let coordinator_epoch = i32::from_be_bytes(take(4).try_into().expect("4 bytes"));
        let txn = i64::from_be_bytes(take(8).try_into().expect("8 bytes"));
        let entry = self.entries.entry(id).or_insert_with(|| ProducerEntry {
            epoch,
            batches: VecDeque::new(),
            last_timestamp: timestamp,
            txn_first_offset: None,
            coordinator_epoch,
        });
        entry.coordinator_epoch = entry.coordinator_epoch.max(coordinator_epoch);
        if epoch != entry.epoch {
            // Entries of one producer share its epoch; a differing one starts over (the later wins, as in Kafka).
            entry.epoch = epoch;
            entry.batches.clear();
        }
        entry.last_timestamp = timestamp;
        if let Some(old) = entry.txn_first_offset.take() {
            self.ongoing.remove(&old);
        }
        if txn >= 0 {
            entry.txn_first_offset = Some(txn);
            self.ongoing.insert(txn, id);
        }
        if last_offset >= 0 {
            if entry.batches.len() == RETAINED_BATCHES {
                entry.batches.pop_front();
            }
            let first_seq = decrement_sequence(last_seq, offset_delta);
            entry.batches.push_back(BatchMetadata { first_seq, last_seq, last_offset, offset_delta, timestamp });
        }
    }
}

/// The offsets of the snapshot files in `dir`, ascending.
pub(crate) fn snapshot_offsets(dir: &Path) -> Result<Vec<i64>, StorageError> {
    let mut offsets = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io("list", dir))? {
        let name = entry.map_err(io("list", dir))?.file_name();
        let name = name.to_string_lossy();
        if let Some(offset) = name.strip_suffix(".snapshot").and_then(|b| b.parse::<i64>().ok()) {
            offsets.push(offset);
        }
    }
    offsets.sort_unstable();
    Ok(offsets)
}

/// Writes `<offset>.snapshot` atomically and durably.
pub(crate) fn write_snapshot(dir: &Path, offset: i64, producers: &Producers) -> Result<(), StorageError> {
    write_atomic(dir, &file_name(offset, SNAPSHOT_EXT), &producers.encode())
}

/// Deletes the snapshots whose offset `doomed` picks.
pub(crate) fn delete_snapshots(dir: &Path, doomed: impl Fn(i64) -> bool) -> Result<(), StorageError> {
    for offset in snapshot_offsets(dir)?.into_iter().filter(|o| doomed(*o)) {
        let path = dir.join(file_name(offset, SNAPSHOT_EXT));
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io("delete", &path)(e)),
            _ => {}
        }
    }
    Ok(())
}

/// The latest readable snapshot at or below `end`, with its offset. Snapshots
/// above `end` (from a tail since truncated) and unreadable ones are deleted.
pub(crate) fn load_latest_snapshot(dir: &Path, end: i64) -> Result<Option<(i64, Producers)>, StorageError> {
    delete_snapshots(dir, |o| o > end)?;
    for offset in snapshot_offsets(dir)?.into_iter().rev() {
        let path = dir.join(file_name(offset, SNAPSHOT_EXT));
        let bytes = std::fs::read(&path).map_err(io("read", &path))?;
        match Producers::decode(&bytes) {
            Ok(p) => return Ok(Some((offset, p))),
            Err(reason) => {
                tracing::warn!(file = %path.display(), %reason, "deleting an unreadable producer state snapshot");
                std::fs::remove_file(&path).map_err(io("delete", &path))?;
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use strata_records::batch::Attributes;

    fn header(pid: i64, epoch: i16, seq: i32, base_offset: i64, delta: i32, ts: i64, attrs: i16) -> BatchHeader {
        BatchHeader {
            base_offset,
            batch_length: 0,
            partition_leader_epoch: 0,
            magic: 2,
            crc: 0,
            attributes: Attributes(attrs),
            last_offset_delta: delta,
            base_timestamp: ts,
            max_timestamp: ts,
            producer_id: pid,
            producer_epoch: epoch,
            base_sequence: seq,
            records_count: delta + 1,
        }
    }

    #[test]
    fn sequences_wrap_at_i32_max() {
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(i32::MAX - 1, 3), 1);
        assert_eq!(decrement_sequence(1, 3), i32::MAX - 1);
        assert_eq!(decrement_sequence(10, 3), 7);
    }

    #[test]
    fn a_snapshot_holds_open_transactions_and_marker_only_producers() {
        let mut p = Producers::default();
        p.update(&header(1, 0, 0, 0, 2, 10, Attributes::TRANSACTIONAL));
        p.update(&header(2, 3, -1, 3, 0, 11, Attributes::TRANSACTIONAL | Attributes::CONTROL));
        let back = Producers::decode(&p.encode()).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.get(1).unwrap().txn_first_offset, Some(0));
        assert!(back.get(2).unwrap().batches.is_empty());
    }

    proptest! {
        #[test]
        fn snapshots_round_trip(
            batches in proptest::collection::vec((0i64..4, 0i16..3, 0i32..1000, 0i32..10, 0i64..1_000_000), 0..40),
        ) {
            let mut p = Producers::default();
            for (i, (pid, epoch, seq, delta, ts)) in batches.into_iter().enumerate() {
                let epoch = p.get(pid).map_or(epoch, |e| e.epoch.max(epoch));
                p.update(&header(pid, epoch, seq, i as i64 * 10, delta, ts, 0));
            }
            prop_assert_eq!(Producers::decode(&p.encode()).unwrap(), p);
        }

        #[test]
        fn any_bytes_decode_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Producers::decode(&bytes);
        }

        #[test]
        fn any_well_framed_entries_decode_without_panicking(entries in proptest::collection::vec(any::<u8>(), 0..400)) {
            let whole = entries.len() / ENTRY_LEN * ENTRY_LEN;
            let mut covered = ((whole / ENTRY_LEN) as i32).to_be_bytes().to_vec();
            covered.extend_from_slice(&entries[..whole]);
            let mut bytes = SNAPSHOT_VERSION.to_be_bytes().to_vec();
            bytes.extend_from_slice(&crc32c(&covered).to_be_bytes());
            bytes.extend_from_slice(&covered);
            prop_assert!(Producers::decode(&bytes).is_ok());
        }
    }
}
