//! The partition log: an ordered set of segments, the offsets and durability
//! around them, and recovery after a crash.
//!
//! Concurrency: every method takes `&self`. One lock (the state) serialises
//! appends, truncation and retention; readers take it only to find a file
//! region and then read without it. fsync runs outside the state lock, under a
//! separate flush lock, so appends go on while a sync is in flight and the next
//! sync covers every append that arrived meanwhile (group commit).
//!
//! Invariants:
//! * `log_start_offset <= next_offset`; offsets below `log_start_offset` are
//!   not readable; segments are keyed by base offset and their offset ranges
//!   ascend without overlap.
//! * `flushed <= next_offset`, and every batch below `flushed` has been
//!   fdatasynced. The recovery point on disk is at most `flushed`, and every
//!   segment below it has durable indexes.
//! * A batch is written to the file whole, or (on a failed write) cut off
//!   again; if even that fails the log goes offline and refuses writes.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{IoSlice, Write};
use std::num::NonZeroU64;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use bytes::Bytes;
use strata_records::batch::HEADER_LEN;
use strata_records::control::{ControlRecord, ControlType};
use strata_records::{BatchHeader, Batches, RecordBatch};

use crate::checkpoint::{sync_dir, PartitionState};
use crate::config::LogConfig;
use crate::epoch::LeaderEpochCache;
use crate::error::{io, StorageError};
use crate::files::OpenFiles;
use crate::producers::{self, CompletedTxn, ProducerEntry, ProducerError, Producers, Verdict};
use crate::segment::{BatchPosition, Segment};
use crate::txn_index::AbortedTxn;
use crate::verification::{TxnVerification, VerificationGuard, Verifications};

/// Marker file a clean close leaves, so the next open skips recovery.
pub const CLEAN_SHUTDOWN: &str = ".strata_cleanshutdown";

/// Options of one append by the partition leader.
#[derive(Debug, Clone, Copy)]
pub struct AppendOptions {
    /// The leader epoch written into each batch.
    pub leader_epoch: i32,
    /// The wall clock (LogAppendTime, segment.ms).
    pub now_ms: i64,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendInfo {
    /// Offset of the first record appended.
    pub first_offset: i64,
    /// Offset of the last record appended.
    pub last_offset: i64,
    /// The LogAppendTime written, or -1 for CreateTime topics.
    pub log_append_time: i64,
    /// The log start offset after the append.
    pub log_start_offset: i64,
    /// True when the batch was a producer's retry of one already in the log:
    /// nothing was written and the offsets are the original ones.
    pub duplicate: bool,
}

/// Bytes of a segment file to send as they are (with sendfile, on plaintext).
#[derive(Debug, Clone)]
pub struct FileRegion {
    /// The segment's log file.
    pub file: Arc<File>,
    /// Start position.
    pub position: u64,
    /// Length in bytes: whole batches.
    pub len: usize,
}

impl FileRegion {
    /// Reads the region into memory (for tests and TLS connections).
    pub fn read(&self) -> std::io::Result<Bytes> {
        let mut buf = Vec::new();
        self.read_into(&mut buf)?;
        Ok(Bytes::from(buf))
    }

    /// Reads the region into `buf`, reusing its allocation.
    pub fn read_into(&self, buf: &mut Vec<u8>) -> std::io::Result<()> {
        buf.resize(self.len, 0);
        self.file.read_exact_at(buf, self.position)
    }
}

/// The result of a read.
#[derive(Debug, Clone)]
pub struct ReadResult {
    /// The data, or `None` when nothing is available below the limit.
    pub region: Option<FileRegion>,
    /// The log start offset when read.
    pub log_start_offset: i64,
    /// The log end offset when read.
    pub log_end_offset: i64,
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) config: LogConfig,
    pub(crate) files: Arc<OpenFiles>,
    pub(crate) segments: BTreeMap<i64, Segment>,
    next_offset: i64,
    pub(crate) log_start_offset: i64,
    /// Offsets below this were seen by a compaction pass (in memory only).
    pub(crate) cleaner_offset: i64,
    epochs: LeaderEpochCache,
    pub(crate) producers: Producers,
    verifications: Verifications,
    offline: bool,
    unflushed_records: i64,
    oldest_unflushed_ms: Option<i64>,
    /// The base of the segment last rolled to, until a flush covers the
    /// segments before it (`maybe_flush` does, off the append path).
    rolled_unflushed: Option<i64>,
}

#[derive(Debug, Default)]
struct FlushState {
    flushed: i64,
    in_progress: bool,
    /// fdatasync rounds so far (each covers every append before it began).
    syncs: u64,
    /// Bumped by truncation, so a sync that started before it does not claim
    /// offsets that no longer exist.
    generation: u64,
}

/// Whether a flush keeps in the page cache what it made durable.
#[derive(Debug, Clone, Copy)]
enum PageCache {
    Keep,
    Drop,
}

/// One partition's log.
#[derive(Debug)]
pub struct Log {
    pub(crate) dir: PathBuf,
    pub(crate) state: Mutex<State>,
    flush: Mutex<FlushState>,
    flushed_cv: Condvar,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Log {
    /// Opens (or creates) the log in `dir`. Without a clean-shutdown marker,
    /// every segment from the one holding the recovery point on is recovered:
    /// each batch's length and CRC is checked and a torn tail is cut off.
    /// Segment files are opened through `files`, shared by every log of a broker.
    pub fn open(dir: &Path, config: LogConfig, now_ms: i64, files: Arc<OpenFiles>) -> Result<Log, StorageError> {
        std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        let marker = dir.join(CLEAN_SHUTDOWN);
        let clean = marker.exists();
        let saved = PartitionState::load(dir)?.unwrap_or_default();
        let mut bases = segment_bases(dir)?;
        bases.sort_unstable();
        let recover_from = if clean {
            i64::MAX
        } else {
            bases.iter().rev().find(|&&b| b <= saved.recovery_point).copied().unwrap_or(i64::MIN)
        };
        let mut segments = BTreeMap::new();
        let mut cut_short = false;
        let mut recovered = false;
        for base in bases {
            if cut_short {
                // Past a torn segment: these offsets were never acknowledged as durable.
                Segment::open(dir, base, now_ms, &files)?.0.delete()?;
                continue;
            }
            let (mut segment, sane) = Segment::open(dir, base, now_ms, &files)?;
            if base >= recover_from || !sane {
                recovered = true;
                // The segment holding the recovery point is scanned only past it.
                let durable_below = (sane && base == recover_from).then_some(saved.recovery_point);
                cut_short = segment.recover(config.index_interval_bytes, durable_below)? > 0;
            }
            segments.insert(base, segment);
        }
        if segments.is_empty() {
            let base = saved.log_start_offset;
            segments.insert(base, Segment::create(dir, base, &files)?);
        }
        let next_offset = segments.values().next_back().map_or(0, Segment::next_offset);
        let first_base = segments.keys().next().copied().unwrap_or(0);
        let log_start_offset = saved.log_start_offset.max(first_base).min(next_offset);
        let mut epochs = LeaderEpochCache::load(dir)?;
        epochs.truncate_from_end(next_offset)?;
        let producers = rebuild_producers(dir, &mut segments, next_offset)?;
        if clean {
            std::fs::remove_file(&marker).map_err(io("delete", &marker))?;
        }
        let state = State {
            config,
            files,
            segments,
            next_offset,
            log_start_offset,
            cleaner_offset: log_start_offset,
            epochs,
            producers,
            verifications: Verifications::default(),
            offline: false,
            unflushed_records: 0,
            oldest_unflushed_ms: None,
            rolled_unflushed: None,
        };
        let flushed = if clean { next_offset } else { saved.recovery_point.min(next_offset) };
        let log = Log {
            dir: dir.to_path_buf(),
            state: Mutex::new(state),
            flush: Mutex::new(FlushState { flushed, ..Default::default() }),
            flushed_cv: Condvar::new(),
        };
        if recovered {
            // Everything now on disk was checked: sync it and start from there.
            log.flush()?;
            log.checkpoint()?;
        }
        Ok(log)
    }

    /// Appends a record set from a producer: each batch is validated (magic,
    /// CRC, sizes, every record) and checked against its producer's state
    /// (a retry of a recent batch is answered with its original offsets and
    /// not written), gets the next offsets and the leader epoch (and
    /// LogAppendTime when the topic asks for it), and is written with its
    /// payload untouched. Not durable until [`Log::flush_to`].
    /// A transactional batch is not checked against the coordinator: see
    /// [`Log::append_verified`].
    pub fn append(&self, records: &Bytes, opts: AppendOptions) -> Result<AppendInfo, StorageError> {
        self.append_verified(records, opts, TxnVerification::Off)
    }

    /// [`Log::append`], where a transactional batch that would open its
    /// producer's transaction here is appended only as `txn` allows
    /// (KIP-890; see [`crate::verification`]): else INVALID_TXN_STATE.
    pub fn append_verified(
        &self,
        records: &Bytes,
        opts: AppendOptions,
        txn: TxnVerification,
    ) -> Result<AppendInfo, StorageError> {
        let mut st = lock(&self.state);
        let batches = self.validated(&st, records)?;
        let verdict = check_producer(&st.producers, &batches)?;
        if verdict == Verdict::Append {
            check_verified(&st, &batches, txn)?;
        }
        if let Verdict::Duplicate(b) = verdict {
            let log_append_time = if st.config.log_append_time { b.timestamp } else { -1 };
            let (first_offset, last_offset) = (b.first_offset(), b.last_offset);
            let log_start_offset = st.log_start_offset;
            return Ok(AppendInfo { first_offset, last_offset, log_append_time, log_start_offset, duplicate: true });
        }
        self.write(&mut st, &batches, opts, None)
    }

    /// Appends a coordinator's own record set (Kafka's `AppendOrigin.Coordinator`):
    /// validated like a producer's, but its transactional batches carry no
    /// sequence numbers (a group coordinator's transactional offset commits),
    /// so only their epoch is checked: an epoch older than the producer's is
    /// refused (INVALID_PRODUCER_EPOCH). A transactional batch that opens its
    /// producer's transaction here is checked as `txn` says, as in
    /// [`Log::append_verified`] (a group coordinator's TxnOffsetCommit is
    /// verified with the transaction coordinator too).
    pub fn append_from_coordinator(
        &self,
        records: &Bytes,
        opts: AppendOptions,
        txn: TxnVerification,
    ) -> Result<AppendInfo, StorageError> {
        let mut st = lock(&self.state);
        let batches = self.validated(&st, records)?;
        for h in batches.iter().map(|b| &b.header).filter(|h| h.producer_id >= 0) {
            check_epoch(&st.producers, h.producer_id, h.producer_epoch)?;
        }
        check_verified(&st, &batches, txn)?;
        self.write(&mut st, &batches, opts, None)
    }

    /// Writes a transaction coordinator's marker ending `producer_id`'s
    /// transaction on this partition. An abort is recorded in the active
    /// segment's aborted-transaction index. A marker from an epoch older
    /// than the producer's is refused (INVALID_PRODUCER_EPOCH), and so is one
    /// from a coordinator epoch older than the producer's last marker's
    /// (TRANSACTION_COORDINATOR_FENCED): a deposed coordinator retrying a
    /// marker its successor already wrote must not end a later transaction.
    pub fn append_marker(
        &self,
        producer_id: i64,
        producer_epoch: i16,
        marker: ControlRecord,
        opts: AppendOptions,
    ) -> Result<AppendInfo, StorageError> {
        let records = marker.build_batch(producer_id, producer_epoch, opts.now_ms);
        let mut st = lock(&self.state);
        let batches = self.validated(&st, &records)?;
        check_epoch(&st.producers, producer_id, producer_epoch)?;
        st.producers.check_coordinator(producer_id, marker.coordinator_epoch)?;
        self.write(&mut st, &batches, opts, Some(marker))
    }

    /// Appends a record set fetched from the partition leader, as it is: the
    /// batches keep the leader's offsets, leader epochs and timestamps, and
    /// the epochs go into the leader-epoch cache. Each batch's CRC is
    /// checked, and offsets must move forward from the log end (a compacted
    /// leader's log may skip offsets, never repeat them). Returns the new
    /// log end offset. Not durable until [`Log::flush_to`].
    pub fn append_as_follower(&self, records: &Bytes, now_ms: i64) -> Result<i64, StorageError> {
        let mut st = lock(&self.state);
        if st.offline {
            return Err(StorageError::Offline(self.dir.clone()));
        }
        let mut batches = Vec::new();
        let mut next = st.next_offset;
        for batch in Batches::new(records.clone()) {
            let batch = batch?;
            batch.validate_crc()?;
            if batch.header.base_offset < next {
                return Err(StorageError::InvalidRecord(format!(
                    "a replicated batch starts at offset {}, below the log end {next}",
                    batch.header.base_offset
                )));
            }
            next = batch.header.last_offset() + 1;
            batches.push(batch);
        }
        if batches.is_empty() {
            return Ok(st.next_offset);
        }
        let total: usize = batches.iter().map(|b| b.bytes().len()).sum();
        if let Err(e) = self.maybe_roll(&mut st, total as u64, now_ms) {
            st.offline = true;
            return Err(e);
        }
        let headers: Vec<BatchHeader> = batches.iter().map(|b| b.header).collect();
        let mut slices: Vec<IoSlice<'_>> = batches.iter().map(|b| IoSlice::new(b.bytes())).collect();
        self.write_batches(&mut st, &mut slices, &headers, total, now_ms)?;
        for h in &headers {
            st.epochs.assign(h.partition_leader_epoch, h.base_offset)?;
        }
        st.unflushed_records += next - st.next_offset;
        st.next_offset = next;
        st.oldest_unflushed_ms.get_or_insert(now_ms);
        for b in &batches {
            let marker = if b.header.attributes.control() { batch_marker(b) } else { None };
            self.track_producers(&mut st, std::slice::from_ref(&b.header), marker)?;
        }
        Ok(next)
    }

    /// Parses and validates a record set for an append.
    fn validated(&self, st: &State, records: &Bytes) -> Result<Vec<RecordBatch>, StorageError> {
        let max = st.config.max_message_bytes;
        let cap = (16 * max).max(64 << 20);
        let mut batches = Vec::new();
        for batch in Batches::new(records.clone()) {
            let batch = batch?;
            if batch.bytes().len() > max {
                return Err(StorageError::BatchTooLarge { size: batch.bytes().len(), max });
            }
            batch.validate_for_append(cap)?;
            batches.push(batch);
        }
        if batches.is_empty() {
            return Err(StorageError::InvalidBatch(strata_records::RecordsError::Truncated {
                what: "record set",
                needed: HEADER_LEN,
                remaining: records.len(),
            }));
        }
        if st.offline {
            return Err(StorageError::Offline(self.dir.clone()));
        }
        Ok(batches)
    }

    /// Assigns offsets to validated batches, writes them, and updates the
    /// producer state (`marker`: a coordinator's marker batch's record).
    fn write(
        &self,
        st: &mut State,
        batches: &[RecordBatch],
        opts: AppendOptions,
        marker: Option<ControlRecord>,
    ) -> Result<AppendInfo, StorageError> {
        let total: usize = batches.iter().map(|b| b.bytes().len()).sum();
        if let Err(e) = self.maybe_roll(st, total as u64, opts.now_ms) {
            st.offline = true;
            tracing::error!(partition = %self.dir.display(), error = %e, "partition log is offline: cannot roll a segment");
            return Err(e);
        }
        let log_append_time = if st.config.log_append_time { opts.now_ms } else { -1 };
        let first_offset = st.next_offset;
        let mut next = first_offset;
        let mut headers = Vec::with_capacity(batches.len());
        let mut patched = Vec::with_capacity(batches.len());
        for b in batches {
            let (header, bytes) = assign(b, next, opts.leader_epoch, log_append_time);
            next = header.last_offset() + 1;
            headers.push(header);
            patched.push(bytes);
        }
        let mut slices = Vec::with_capacity(2 * batches.len());
        for (h, b) in patched.iter().zip(batches) {
            slices.push(IoSlice::new(h));
            slices.push(IoSlice::new(&b.bytes()[HEADER_LEN..]));
        }
        self.write_batches(st, &mut slices, &headers, total, opts.now_ms)?;
        st.epochs.assign(opts.leader_epoch, first_offset)?;
        st.next_offset = next;
        st.unflushed_records += next - first_offset;
        st.oldest_unflushed_ms.get_or_insert(opts.now_ms);
        self.track_producers(st, &headers, marker)?;
        let log_start_offset = st.log_start_offset;
        Ok(AppendInfo { first_offset, last_offset: next - 1, log_append_time, log_start_offset, duplicate: false })
    }

    /// Updates the producer state with written batches, recording an abort
    /// marker's transaction in the aborted-transaction index. If that index
    /// cannot be written the log goes offline: the marker is in the log, and
    /// reads must not go on without its entry (a reopen rebuilds it).
    fn track_producers(
        &self,
        st: &mut State,
        headers: &[BatchHeader],
        marker: Option<ControlRecord>,
    ) -> Result<(), StorageError> {
        for h in headers {
            if h.attributes.transactional() || h.attributes.control() {
                // Its transaction is open here now, or a marker ended it.
                st.verifications.clear(h.producer_id);
            }
            let done = st.producers.update(h);
            if let Some(m) = marker {
                st.producers.marked(h.producer_id, m.coordinator_epoch);
            }
            if let (Some(done), Some(ControlType::Abort)) = (done, marker.map(|m| m.kind)) {
                let aborted = aborted_txn(&st.producers, done);
                if let Err(e) = active_segment(st).aborted_mut().append(aborted) {
                    st.offline = true;
                    tracing::error!(partition = %self.dir.display(), error = %e, "partition log is offline: cannot index an aborted transaction");
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Writes the patched batches to the active segment. Any failure takes
    /// the log offline (appends refused until it is reopened), after cutting
    /// off whatever part of the write reached the file.
    fn write_batches(
        &self,
        st: &mut State,
        slices: &mut [IoSlice<'_>],
        headers: &[BatchHeader],
        total: usize,
        now_ms: i64,
    ) -> Result<(), StorageError> {
        let interval = st.config.index_interval_bytes;
        let segment = st.segments.values_mut().next_back().expect("a log always has a segment");
        let start = segment.size();
        let written = segment.file().and_then(|file| {
            write_all_vectored(&file, slices, total).map_err(|e| {
                let _ = file.set_len(start);
                io("write", &self.dir)(e)
            })
        });
        let result = written.and_then(|()| segment.appended(headers, interval, now_ms));
        if let Err(e) = &result {
            st.offline = true;
            tracing::error!(partition = %self.dir.display(), error = %e, "partition log is offline: appends are refused until it is reopened");
        }
        result
    }

    /// Rolls to a new segment when the batch would overflow segment.bytes or
    /// the active segment is older than segment.ms.
    fn maybe_roll(&self, st: &mut State, incoming: u64, now_ms: i64) -> Result<(), StorageError> {
        let active = st.segments.values().next_back().expect("a log always has a segment");
        let full = active.size() + incoming > st.config.segment_bytes;
        let old = now_ms - active.roll_base_ms() >= st.config.segment_ms;
        if active.is_empty() || !(full || old) {
            return Ok(());
        }
        self.roll(st)
    }

    /// Starts a new segment at the log end, after snapshotting the producer
    /// state there (so recovery replays at most the new segment). The
    /// segment rolled from gets its index entries written, but nothing is
    /// synced here, under the log's lock, where appends would wait for it (up
    /// to segment.bytes of dirty pages): as in Kafka, it is flushed in the
    /// background, by the next `maybe_flush`, and its indexes by the
    /// checkpoint after that.
    fn roll(&self, st: &mut State) -> Result<(), StorageError> {
        if let Some(active) = st.segments.values_mut().next_back() {
            active.write_indexes()?;
        }
        let base = st.next_offset;
        producers::write_snapshot(&self.dir, base, &st.producers)?;
        let segment = Segment::create(&self.dir, base, &st.files)?;
        st.segments.insert(base, segment);
        st.rolled_unflushed = Some(base);
        sync_dir(&self.dir)
    }

    /// Reads whole batches from `start`, at most `max_bytes` of them (but at
    /// least one batch when `min_one_batch`), all below offset `limit` (the
    /// high watermark for consumers), from one segment.
    pub fn read(
        &self,
        start: i64,
        max_bytes: usize,
        limit: i64,
        min_one_batch: bool,
    ) -> Result<ReadResult, StorageError> {
        let st = lock(&self.state);
        let result =
            |region| ReadResult { region, log_start_offset: st.log_start_offset, log_end_offset: st.next_offset };
        if start < st.log_start_offset || start > st.next_offset {
            return Err(StorageError::OffsetOutOfRange {
                offset: start,
                start: st.log_start_offset,
                end: st.next_offset,
            });
        }
        let limit = limit.min(st.next_offset);
        if start >= limit {
            return Ok(result(None));
        }
        for segment in st
            .segments
            .range(..=start)
            .next_back()
            .into_iter()
            .map(|(_, s)| s)
            .chain(st.segments.range(start + 1..).map(|(_, s)| s))
        {
            let Some(first) = segment.position_of(start)? else { continue };
            if first.header.base_offset >= limit {
                return Ok(result(None));
            }
            // Whole batches only, ending before the batch holding `limit` (as Kafka
            // does) and within the byte budget (past it only for a first batch
            // larger than the budget, when `min_one_batch`).
            let limit_position = segment.position_of(limit)?.map_or(segment.size(), |b| b.position);
            let budget_end = first.position.saturating_add(max_bytes as u64).min(limit_position);
            let mut end = segment.whole_batches_end(first.position, budget_end)?;
            if end == first.position && min_one_batch {
                end = (first.position + first.header.total_len() as u64).min(limit_position);
            }
            let len = end.saturating_sub(first.position) as usize;
            if len == 0 {
                return Ok(result(None));
            }
            let region = FileRegion { file: segment.file()?, position: first.position, len };
            return Ok(result(Some(region)));
        }
        Ok(result(None))
    }

    /// ListOffsets by timestamp: the first offset whose record timestamp is at
    /// least `ts`, with that timestamp; `None` if every record is older.
    pub fn offset_for_timestamp(&self, ts: i64) -> Result<Option<(i64, i64)>, StorageError> {
        let st = lock(&self.state);
        for segment in st.segments.values().filter(|s| s.max_timestamp() >= ts) {
            let Some(b) = segment.batch_for_timestamp(ts)? else { continue };
            let region = FileRegion { file: segment.file()?, position: b.position, len: b.header.total_len() };
            let bytes = region.read().map_err(io("read", &self.dir))?;
            let batch = RecordBatch::parse(&bytes)?;
            if batch.header.attributes.log_append_time() {
                return Ok(Some((b.header.base_offset.max(st.log_start_offset), b.header.max_timestamp)));
            }
            let data = batch.records_data(64 << 20)?;
            for record in batch.records(&data) {
                let record = record?;
                let t = b.header.base_timestamp + record.timestamp_delta;
                let offset = b.header.base_offset + i64::from(record.offset_delta);
                if t >= ts && offset >= st.log_start_offset {
                    return Ok(Some((offset, t)));
                }
            }
        }
        Ok(None)
    }

    /// Waits until every offset below `offset` is durable. Concurrent callers
    /// share one fdatasync: while a sync runs, later callers wait for it and
    /// then one of them syncs everything appended meanwhile.
    pub fn flush_to(&self, offset: i64) -> Result<(), StorageError> {
        self.flush_through(offset, PageCache::Keep)
    }

    /// Makes everything appended so far durable, and drops the bytes this
    /// call's fdatasync made durable from the page cache (clean pages go at
    /// once; `posix_fadvise` DONTNEED). For a follower's log: its pages are
    /// read only if it becomes leader, and then from disk, while kept they
    /// would crowd out the pages of the partitions it leads, which consumers
    /// read. The freed pages are the next appends' to reuse, which costs
    /// less than taking new ones (on virtual machines that hand free memory
    /// back to the host, several times less). If a concurrent flush did the
    /// sync, nothing is dropped this time; a later call drops it.
    pub fn flush_dropping_page_cache(&self) -> Result<(), StorageError> {
        let end = lock(&self.state).next_offset;
        self.flush_through(end, PageCache::Drop)
    }

    fn flush_through(&self, offset: i64, cache: PageCache) -> Result<(), StorageError> {
        let mut f = lock(&self.flush);
        loop {
            if f.flushed >= offset {
                return Ok(());
            }
            if !f.in_progress {
                break;
            }
            f = self.flushed_cv.wait(f).unwrap_or_else(|p| p.into_inner());
        }
        f.in_progress = true;
        let (generation, from) = (f.generation, f.flushed);
        drop(f);
        let synced = self.sync_from(from, cache);
        let mut f = lock(&self.flush);
        f.in_progress = false;
        f.syncs += 1;
        if let Ok(end) = synced {
            if f.generation == generation {
                f.flushed = f.flushed.max(end);
            }
        }
        self.flushed_cv.notify_all();
        synced.map(|_| ())
    }

    /// Makes everything appended so far durable.
    pub fn flush(&self) -> Result<(), StorageError> {
        let end = lock(&self.state).next_offset;
        self.flush_to(end)
    }

    /// Flushes if flush.messages records or flush.ms of time are unflushed;
    /// else, after a roll, flushes the segments before the new one (so the
    /// recovery point moves on even where nothing else flushes, as acks=1
    /// with the default flush settings). Appends go on meanwhile.
    pub fn maybe_flush(&self, now_ms: i64) -> Result<(), StorageError> {
        let (due, rolled) = {
            let st = lock(&self.state);
            let due = st.unflushed_records >= st.config.flush_messages
                || st.oldest_unflushed_ms.is_some_and(|t| now_ms - t >= st.config.flush_ms);
            (due, st.rolled_unflushed)
        };
        if due {
            self.flush()?;
        } else if let Some(base) = rolled {
            self.flush_to(base)?;
        }
        let mut st = lock(&self.state);
        if st.rolled_unflushed == rolled {
            st.rolled_unflushed = None;
        }
        Ok(())
    }

    /// fdatasyncs the segments holding offsets from `from` (and with
    /// [`PageCache::Drop`] drops what each sync covered from the page
    /// cache); returns the end synced.
    fn sync_from(&self, from: i64, cache: PageCache) -> Result<i64, StorageError> {
        let (files, end) = {
            let mut st = lock(&self.state);
            let first = st.segments.range(..=from).next_back().map_or(i64::MIN, |(b, _)| *b);
            let files: Vec<(Arc<File>, u64)> =
                st.segments.range(first..).map(|(_, s)| s.file().map(|f| (f, s.size()))).collect::<Result<_, _>>()?;
            st.unflushed_records = 0;
            st.oldest_unflushed_ms = None;
            (files, st.next_offset)
        };
        for (f, size) in files {
            f.sync_data().map_err(io("fsync", &self.dir))?;
            if let (PageCache::Drop, Some(len)) = (cache, NonZeroU64::new(size)) {
                // Advice only: a failure leaves the pages cached, nothing worse.
                let _ = rustix::fs::fadvise(&*f, 0, Some(len), rustix::fs::Advice::DontNeed);
            }
        }
        Ok(end)
    }

    /// Writes the recovery point (the flushed offset) and log start offset,
    /// after making durable the indexes of every segment that ends at or
    /// below it: recovery trusts those segments whole, and their records are
    /// durable already (`flush_to` synced them). No record is synced here,
    /// under the log's lock, where appends would wait for it.
    pub fn checkpoint(&self) -> Result<(), StorageError> {
        let flushed = lock(&self.flush).flushed;
        let mut st = lock(&self.state);
        let mut ends: Vec<i64> = st.segments.keys().skip(1).copied().collect();
        ends.push(st.next_offset);
        for (s, end) in st.segments.values_mut().zip(ends) {
            if end <= flushed {
                s.flush_indexes()?;
            }
        }
        PartitionState { recovery_point: flushed, log_start_offset: st.log_start_offset }.store(&self.dir)
    }

    /// Removes every record at or after `offset` (a batch holding `offset`
    /// goes whole), as a follower does after a leader change.
    pub fn truncate_to(&self, offset: i64) -> Result<(), StorageError> {
        let mut st = lock(&self.state);
        if offset >= st.next_offset {
            return Ok(());
        }
        let doomed: Vec<i64> = st.segments.range(offset..).map(|(b, _)| *b).collect();
        for base in doomed {
            if let Some(s) = st.segments.remove(&base) {
                s.delete()?;
            }
        }
        let next = match st.segments.values_mut().next_back() {
            Some(s) => s.truncate_to(offset)?,
            None => {
                let segment = Segment::create(&self.dir, offset, &st.files)?;
                st.segments.insert(offset, segment);
                offset
            }
        };
        st.next_offset = next;
        st.log_start_offset = st.log_start_offset.min(next);
        st.epochs.truncate_from_end(next)?;
        let state = &mut *st;
        state.producers = rebuild_producers(&self.dir, &mut state.segments, next)?;
        let mut f = lock(&self.flush);
        f.generation += 1;
        f.flushed = f.flushed.min(next);
        drop(f);
        drop(st);
        sync_dir(&self.dir)?;
        self.checkpoint()
    }

    /// Deletes every segment and starts the log empty at `offset` (Kafka's
    /// `truncateFullyAndStartAt`): a replica that installs a snapshot past
    /// its log end, or a follower whose leader's log starts past its own end.
    pub fn truncate_fully_and_start_at(&self, offset: i64) -> Result<(), StorageError> {
        let mut st = lock(&self.state);
        let doomed: Vec<i64> = st.segments.keys().copied().collect();
        for base in doomed {
            if let Some(s) = st.segments.remove(&base) {
                s.delete()?;
            }
        }
        let segment = Segment::create(&self.dir, offset, &st.files)?;
        st.segments.insert(offset, segment);
        st.next_offset = offset;
        st.log_start_offset = offset;
        st.epochs.truncate_from_end(i64::MIN)?;
        producers::delete_snapshots(&self.dir, |_| true)?;
        st.producers = Producers::default();
        let mut f = lock(&self.flush);
        f.generation += 1;
        f.flushed = offset;
        drop(f);
        drop(st);
        sync_dir(&self.dir)?;
        self.checkpoint()
    }

    /// DeleteRecords: makes `offset` the log start offset (if later than the
    /// current one) and deletes segments entirely below it. `offset` must not
    /// exceed the log end offset (callers bound it by the high watermark).
    pub fn delete_records_before(&self, offset: i64) -> Result<i64, StorageError> {
        let mut st = lock(&self.state);
        if offset > st.next_offset {
            return Err(StorageError::OffsetOutOfRange { offset, start: st.log_start_offset, end: st.next_offset });
        }
        if offset > st.log_start_offset {
            st.log_start_offset = offset;
            st.epochs.truncate_from_start(offset)?;
            self.delete_segments_below_start(&mut st)?;
        }
        let start = st.log_start_offset;
        drop(st);
        self.checkpoint()?;
        Ok(start)
    }

    /// Applies retention.ms and retention.bytes: deletes the oldest whole
    /// segments while they are expired or the log is over its size, advancing
    /// the log start offset. Returns how many segments were deleted.
    /// With cleanup.policy=compact alone nothing is deleted: compaction keeps the log.
    pub fn apply_retention(&self, now_ms: i64) -> Result<usize, StorageError> {
        let mut st = lock(&self.state);
        if st.config.cleanup_policy == crate::CleanupPolicy::Compact {
            return Ok(0);
        }
        let (retention_ms, retention_bytes) = (st.config.retention_ms, st.config.retention_bytes);
        let mut size: i64 = st.segments.values().map(|s| s.size() as i64).sum();
        let mut doomed = 0;
        for s in st.segments.values() {
            let expired = retention_ms >= 0 && s.max_timestamp() >= 0 && now_ms - s.max_timestamp() > retention_ms;
            let oversized = retention_bytes >= 0 && size - s.size() as i64 >= retention_bytes;
            if s.is_empty() || !(expired || oversized) {
                break;
            }
            size -= s.size() as i64;
            doomed += 1;
        }
        if doomed == 0 {
            return Ok(0);
        }
        if doomed == st.segments.len() {
            self.roll(&mut st)?;
        }
        let new_start = st.segments.keys().nth(doomed).copied().unwrap_or(st.next_offset);
        st.log_start_offset = st.log_start_offset.max(new_start);
        let start = st.log_start_offset;
        st.epochs.truncate_from_start(start)?;
        let deleted = self.delete_segments_below_start(&mut st)?;
        drop(st);
        self.checkpoint()?;
        Ok(deleted)
    }

    /// Deletes segments whose every offset is below the log start offset,
    /// rolling first if that includes the active segment.
    fn delete_segments_below_start(&self, st: &mut State) -> Result<usize, StorageError> {
        let start = st.log_start_offset;
        let active_done = st.segments.values().next_back().is_some_and(|s| !s.is_empty() && s.next_offset() <= start);
        if active_done {
            self.roll(st)?;
        }
        let active = st.segments.keys().next_back().copied();
        let doomed: Vec<i64> = st
            .segments
            .iter()
            .filter(|(b, s)| Some(**b) != active && s.next_offset() <= start)
            .map(|(b, _)| *b)
            .collect();
        for base in &doomed {
            if let Some(s) = st.segments.remove(base) {
                s.delete()?;
            }
        }
        let first = st.segments.keys().next().copied().unwrap_or(st.next_offset);
        producers::delete_snapshots(&self.dir, |o| o < first)?;
        sync_dir(&self.dir)?;
        Ok(doomed.len())
    }

    /// Flushes, checkpoints, snapshots the producer state at the log end
    /// (unless the log is offline) and leaves the clean-shutdown marker.
    pub fn close(self) -> Result<(), StorageError> {
        self.flush()?;
        self.checkpoint()?;
        {
            // An offline log may miss an index entry: no snapshot, so the next
            // open replays (and re-indexes) the tail.
            let st = lock(&self.state);
            if !st.offline {
                producers::write_snapshot(&self.dir, st.next_offset, &st.producers)?;
            }
        }
        let marker = self.dir.join(CLEAN_SHUTDOWN);
        File::create(&marker).map_err(io("create", &marker))?;
        sync_dir(&self.dir)
    }

    /// Forgets producers idle for `expiration_ms` (producer.id.expiration.ms)
    /// with no open transaction, and verification guards as old whose append
    /// never came; returns how many producers.
    pub fn expire_producers(&self, now_ms: i64, expiration_ms: i64) -> usize {
        let mut st = lock(&self.state);
        st.verifications.expire(now_ms, expiration_ms);
        st.producers.expire(now_ms, expiration_ms)
    }

    /// Starts verifying that the partition is in `producer_id`'s ongoing
    /// transaction, before a transactional batch of it is appended: `None`
    /// when its transaction is already open here (nothing to verify), else
    /// the guard [`Log::append_verified`] must be given.
    pub fn start_verification(&self, producer_id: i64, now_ms: i64) -> Option<VerificationGuard> {
        let mut st = lock(&self.state);
        if st.producers.has_open_txn(producer_id) {
            return None;
        }
        Some(st.verifications.start(producer_id, now_ms))
    }

    /// The first offset of the earliest open transaction: the last stable
    /// offset is the smaller of this and the high watermark.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        lock(&self.state).producers.first_unstable_offset()
    }

    /// The aborted transactions a read_committed fetch of `[from, upper)`
    /// must name, from the aborted-transaction indexes of the segments from
    /// the one holding `from` on.
    pub fn aborted_transactions(&self, from: i64, upper: i64) -> Vec<AbortedTxn> {
        let st = lock(&self.state);
        let start = st.segments.range(..=from).next_back().map_or(i64::MIN, |(b, _)| *b);
        let mut out = Vec::new();
        for segment in st.segments.range(start..).map(|(_, s)| s) {
            if segment.base() >= upper || segment.aborted().collect(from, upper, &mut out) {
                break;
            }
        }
        out
    }

    /// The state of every producer known to the partition (DescribeProducers).
    pub fn producers(&self) -> Vec<(i64, ProducerEntry)> {
        lock(&self.state).producers.iter().map(|(id, e)| (id, e.clone())).collect()
    }

    /// Replaces the log's settings.
    pub fn reconfigure(&self, config: LogConfig) {
        lock(&self.state).config = config;
    }

    /// The first readable offset.
    pub fn log_start_offset(&self) -> i64 {
        lock(&self.state).log_start_offset
    }

    /// The offset the next record will get.
    pub fn log_end_offset(&self) -> i64 {
        lock(&self.state).next_offset
    }

    /// fdatasync rounds so far: with group commit, far fewer than durable appends.
    pub fn sync_count(&self) -> u64 {
        lock(&self.flush).syncs
    }

    /// Every offset below this is durable.
    pub fn flushed_offset(&self) -> i64 {
        lock(&self.flush).flushed
    }

    /// Total bytes of the segments.
    pub fn size_bytes(&self) -> u64 {
        lock(&self.state).segments.values().map(Segment::size).sum()
    }

    /// Number of segments.
    pub fn segment_count(&self) -> usize {
        lock(&self.state).segments.len()
    }

    /// The largest timestamp and the offset holding it (ListOffsets MAX_TIMESTAMP).
    pub fn max_timestamp(&self) -> Option<(i64, i64)> {
        let st = lock(&self.state);
        st.segments
            .values()
            .filter(|s| s.max_timestamp() >= 0)
            .map(|s| (s.max_timestamp(), s.offset_of_max_timestamp()))
            .max_by_key(|(ts, _)| *ts)
    }

    /// OffsetForLeaderEpoch: the largest epoch at most `epoch` and its end offset.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> Option<(i32, i64)> {
        let st = lock(&self.state);
        st.epochs.end_offset_for(epoch, st.next_offset)
    }

    /// The latest leader epoch written.
    pub fn latest_epoch(&self) -> Option<i32> {
        lock(&self.state).epochs.latest_epoch()
    }

    /// True after a storage error: appends are refused until the log is reopened.
    pub fn is_offline(&self) -> bool {
        lock(&self.state).offline
    }

    /// The partition's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Patches a copy of a batch's header with its offsets, epoch and (for
/// LogAppendTime) timestamp, recomputing the CRC over the patched header and
/// the untouched payload. Returns the new header and the patched header bytes.
fn assign(batch: &RecordBatch, base_offset: i64, epoch: i32, log_append_time: i64) -> (BatchHeader, [u8; HEADER_LEN]) {
    let mut h = [0u8; HEADER_LEN];
    h.copy_from_slice(&batch.bytes()[..HEADER_LEN]);
    h[0..8].copy_from_slice(&base_offset.to_be_bytes());
    h[12..16].copy_from_slice(&epoch.to_be_bytes());
    if log_append_time >= 0 {
        let attrs = i16::from_be_bytes([h[21], h[22]]) | strata_records::Attributes::LOG_APPEND_TIME;
        h[21..23].copy_from_slice(&attrs.to_be_bytes());
        h[35..43].copy_from_slice(&log_append_time.to_be_bytes());
        let crc = strata_records::batch::crc32c_parts(&h[21..], &batch.bytes()[HEADER_LEN..]);
        h[17..21].copy_from_slice(&crc.to_be_bytes());
    }
    let header = BatchHeader::parse(&h).expect("a validated header stays valid");
    (header, h)
}

fn write_all_vectored(mut file: &File, mut slices: &mut [IoSlice<'_>], total: usize) -> std::io::Result<()> {
    let mut written = 0;
    while written < total {
        let n = file.write_vectored(slices)?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        written += n;
        IoSlice::advance_slices(&mut slices, n);
    }
    Ok(())
}

/// Checks a client's record set against the producer state: batches with a
/// producer id must come alone (as Kafka requires of Produce v3+), with a
/// sequence number, and clients never write control batches.
fn check_producer(producers: &Producers, batches: &[RecordBatch]) -> Result<Verdict, StorageError> {
    if batches.iter().any(|b| b.header.attributes.control()) {
        return Err(StorageError::InvalidRecord("Clients are not allowed to write control records".into()));
    }
    let [batch] = batches else {
        return match batches.iter().any(|b| b.header.producer_id >= 0) {
            true => Err(StorageError::InvalidRecord(
                "a record set with idempotent or transactional batches must hold exactly one batch".into(),
            )),
            false => Ok(Verdict::Append),
        };
    };
    let h = &batch.header;
    if h.producer_id < 0 {
        return Ok(Verdict::Append);
    }
    if h.base_sequence < 0 {
        return Err(StorageError::InvalidRecord(format!(
            "Invalid sequence number {} in record batch with producerId {}",
            h.base_sequence, h.producer_id
        )));
    }
    Ok(producers.check(h)?)
}

/// Refuses a transactional batch that would open its producer's
/// transaction here without the current verification guard, when `txn`
/// requires one (a client's batch comes alone, [`check_producer`], and a
/// coordinator writes one batch an append).
fn check_verified(st: &State, batches: &[RecordBatch], txn: TxnVerification) -> Result<(), ProducerError> {
    let TxnVerification::Required(guard) = txn else { return Ok(()) };
    let h = &batches[0].header;
    let opens = h.attributes.transactional() && !st.producers.has_open_txn(h.producer_id);
    match opens && !st.verifications.is_current(h.producer_id, guard) {
        true => Err(ProducerError::NotInTransaction { producer_id: h.producer_id }),
        false => Ok(()),
    }
}

/// Refuses a coordinator's batch or marker from an epoch older than the producer's.
fn check_epoch(producers: &Producers, producer_id: i64, epoch: i16) -> Result<(), ProducerError> {
    match producers.get(producer_id).map(|e| e.epoch).filter(|current| *current > epoch) {
        Some(current) => Err(ProducerError::InvalidProducerEpoch { producer_id, epoch, current }),
        None => Ok(()),
    }
}

/// The active segment.
fn active_segment(st: &mut State) -> &mut Segment {
    st.segments.values_mut().next_back().expect("a log always has a segment")
}

/// The index entry of an aborted transaction.
fn aborted_txn(producers: &Producers, done: CompletedTxn) -> AbortedTxn {
    AbortedTxn {
        producer_id: done.producer_id,
        first_offset: done.first_offset,
        last_offset: done.last_offset,
        last_stable_offset: producers.stable_offset_after(&done),
    }
}

/// The producer state as of `end`: the latest snapshot at or below it (or
/// nothing, from the first segment) plus every batch after it. The
/// aborted-transaction index entries of the replayed range are written again
/// from the markers replayed, so they match the log.
fn rebuild_producers(dir: &Path, segments: &mut BTreeMap<i64, Segment>, end: i64) -> Result<Producers, StorageError> {
    let first = segments.keys().next().copied().unwrap_or(end);
    let (from, mut state) = match producers::load_latest_snapshot(dir, end)? {
        Some((offset, state)) if offset >= first => (offset, state),
        _ => (first, Producers::default()),
    };
    let start = segments.range(..=from).next_back().map_or(first, |(b, _)| *b);
    for segment in segments.range_mut(start..).map(|(_, s)| s) {
        segment.aborted_mut().truncate_from(from)?;
        let Some(at) = segment.position_of(from)? else { continue };
        let mut aborts = Vec::new();
        for b in segment.scan(at.position) {
            let b = b?;
            if b.header.base_offset < from {
                continue;
            }
            let marker = if b.header.attributes.control() { marker_of(segment, &b)? } else { None };
            let done = state.update(&b.header);
            if let Some(m) = marker {
                state.marked(b.header.producer_id, m.coordinator_epoch);
            }
            if let (Some(done), Some(ControlType::Abort)) = (done, marker.map(|m| m.kind)) {
                aborts.push(aborted_txn(&state, done));
            }
        }
        for a in aborts {
            segment.aborted_mut().append(a)?;
        }
    }
    Ok(state)
}

/// The marker in a control batch on disk (`None` if it cannot be read).
fn marker_of(segment: &Segment, b: &BatchPosition) -> Result<Option<ControlRecord>, StorageError> {
    let region = FileRegion { file: segment.file()?, position: b.position, len: b.header.total_len() };
    let bytes = region.read().map_err(io("read", Path::new("control batch")))?;
    Ok(RecordBatch::parse(&bytes).ok().and_then(|batch| batch_marker(&batch)))
}

/// The kind of the marker in a control batch held in memory.
fn batch_marker(batch: &RecordBatch) -> Option<ControlRecord> {
    let data = batch.records_data(1 << 20).ok()?;
    batch.records(&data).next().and_then(|r| r.ok()).and_then(|r| ControlRecord::parse(&r).ok())
}

/// The base offsets of the segments in `dir` (from their `.log` files), after
/// removing leftovers of interrupted writes (`*.tmp`) and cleaning
/// (`*.cleaned`); one already gone is no error (the writer of a snapshot
/// still finishing in the same process, as a test that restarts a quorum in
/// place has it, renames its `.tmp` away between the listing and the removal).
fn segment_bases(dir: &Path) -> Result<Vec<i64>, StorageError> {
    let mut bases = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io("list", dir))? {
        let path = entry.map_err(io("list", dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".tmp") || name.ends_with(".cleaned") {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io("delete", &path)(e)),
                _ => {}
            }
        } else if let Some(base) = name.strip_suffix(".log").and_then(|b| b.parse::<i64>().ok()) {
            bases.push(base);
        }
    }
    Ok(bases)
}
