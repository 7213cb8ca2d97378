//! One segment: a log file of whole record batches, with its offset and time
//! indexes, named by its base offset as Kafka names them
//! (`00000000000000000000.log`, `.index`, `.timeindex`).
//!
//! Invariants: the log file is a sequence of whole v2 batches with strictly
//! increasing offsets, every one at or above the segment's base offset;
//! `size` is the byte length of those batches (a torn tail past it is cut
//! off by recovery); `next_offset` is one past the last batch's last offset.
//! Readers use `size` as captured under the log's lock, so they never see a
//! batch being written.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use strata_records::batch::{crc32c, CRC_COVERED_FROM, HEADER_LEN};
use strata_records::BatchHeader;

use crate::error::{io, StorageError};
use crate::files::OpenFiles;
use crate::index::{IndexFile, OffsetEntry, TimeEntry};
use crate::txn_index::TxnIndex;

/// The file name of a segment's file with extension `ext` (`log`, `index`, `timeindex`).
pub fn file_name(base: i64, ext: &str) -> String {
    format!("{base:020}.{ext}")
}

/// A batch's place in a segment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPosition {
    /// Byte position of the batch.
    pub position: u64,
    /// Its header.
    pub header: BatchHeader,
}

/// One segment.
#[derive(Debug)]
pub struct Segment {
    base: i64,
    path: PathBuf,
    files: Arc<OpenFiles>,
    size: u64,
    offsets: IndexFile<OffsetEntry>,
    times: IndexFile<TimeEntry>,
    aborted: TxnIndex,
    bytes_since_entry: u64,
    next_offset: i64,
    max_timestamp: i64,
    offset_of_max_timestamp: i64,
    /// Wall-clock time segment.ms counts from: the first append to the
    /// segment, or when a non-empty segment was reopened.
    roll_base_ms: i64,
}

impl Segment {
    /// Creates an empty segment (removing any leftover files of that name).
    pub fn create(dir: &Path, base: i64, files: &Arc<OpenFiles>) -> Result<Segment, StorageError> {
        for ext in ["log", "index", "timeindex", "txnindex"] {
            let p = dir.join(file_name(base, ext));
            if p.exists() {
                files.forget(&p);
                std::fs::remove_file(&p).map_err(io("delete", &p))?;
            }
        }
        Ok(Segment::open_files(dir, base, files)?.0)
    }

    /// Opens an existing segment, trusting its contents up to the last whole
    /// batch (for segments below the recovery point). Returns the segment and
    /// whether its indexes were sane; if not, the caller must [`Segment::recover`] it.
    pub fn open(dir: &Path, base: i64, now_ms: i64, files: &Arc<OpenFiles>) -> Result<(Segment, bool), StorageError> {
        let (mut s, sane) = Segment::open_files(dir, base, files)?;
        s.size = s.file()?.metadata().map_err(io("stat", &s.path))?.len();
        s.roll_base_ms = now_ms;
        if !sane || s.offsets.last().is_some_and(|e| u64::from(e.position) >= s.size) {
            return Ok((s, false));
        }
        // Find the end: walk the batches after the last index entry.
        let from = s.offsets.last().map_or(0, |e| u64::from(e.position));
        let tail: Vec<BatchPosition> = s.scan(from).collect::<Result<_, _>>()?;
        let end = tail.last().map_or(from, |b| b.position + b.header.total_len() as u64);
        for b in &tail {
            s.note_batch(&b.header);
        }
        if let Some(last) = s.times.last() {
            if last.timestamp > s.max_timestamp {
                s.max_timestamp = last.timestamp;
                s.offset_of_max_timestamp = last.offset;
            }
        }
        let whole = end == s.size;
        Ok((s, whole))
    }

    fn open_files(dir: &Path, base: i64, files: &Arc<OpenFiles>) -> Result<(Segment, bool), StorageError> {
        let path = dir.join(file_name(base, "log"));
        std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(io("open", &path))?;
        let (offsets, sane_offsets) = IndexFile::open(&dir.join(file_name(base, "index")), base)?;
        let (times, sane_times) = IndexFile::open(&dir.join(file_name(base, "timeindex")), base)?;
        let segment = Segment {
            base,
            path,
            files: files.clone(),
            size: 0,
            offsets,
            times,
            aborted: TxnIndex::open(dir.join(file_name(base, "txnindex")))?,
            bytes_since_entry: 0,
            next_offset: base,
            max_timestamp: -1,
            offset_of_max_timestamp: base,
            roll_base_ms: 0,
        };
        Ok((segment, sane_offsets && sane_times))
    }

    /// Rebuilds the segment from its log file: every batch's length, magic,
    /// CRC and offset order is checked; the file is cut at the first batch that
    /// fails, and the indexes are rebuilt. With `durable_below`, the part of the
    /// segment below that offset (fsynced, with durable indexes) is trusted and
    /// the scan starts at the last index entry under it. Returns the bytes cut off.
    pub fn recover(&mut self, index_interval: u64, durable_below: Option<i64>) -> Result<u64, StorageError> {
        let file = self.file()?;
        let file_len = file.metadata().map_err(io("stat", &self.path))?.len();
        let resume = durable_below.and_then(|o| self.offsets.floor(o - 1)).filter(|e| u64::from(e.position) < file_len);
        let start = match resume.map(|e| u64::from(e.position)) {
            Some(pos) => self.header_at(&file, pos, file_len)?.map(|h| (pos, h.base_offset)),
            None => None,
        };
        let (mut pos, first_offset) = start.unwrap_or((0, self.base));
        self.offsets.retain_prefix(|e| u64::from(e.position) < pos)?;
        self.times.retain_prefix(|e| e.offset < first_offset)?;
        self.size = pos;
        self.bytes_since_entry = 0;
        self.next_offset = first_offset;
        match self.times.last() {
            Some(t) => (self.max_timestamp, self.offset_of_max_timestamp) = (t.timestamp, t.offset),
            None => (self.max_timestamp, self.offset_of_max_timestamp) = (-1, self.base),
        }
        let mut buf = Vec::new();
        while let Some(header) = self.header_at(&file, pos, file_len)? {
            let len = header.total_len();
            if pos + len as u64 > file_len || header.base_offset < self.next_offset {
                break;
            }
            buf.resize(len, 0);
            file.read_exact_at(&mut buf, pos).map_err(io("read", &self.path))?;
            // The header is parsed already: check the CRC on the buffer, uncopied.
            if crc32c(&buf[CRC_COVERED_FROM..]) != header.crc {
                break;
            }
            self.index_batch(&header, pos, len as u64, index_interval)?;
            pos += len as u64;
            self.size = pos;
        }
        if pos < file_len {
            file.set_len(pos).map_err(io("truncate", &self.path))?;
        }
        Ok(file_len - pos)
    }

    /// Reads the batch header at `position`, if a whole header lies before `limit`.
    fn header_at(&self, file: &File, position: u64, limit: u64) -> Result<Option<BatchHeader>, StorageError> {
        if position + HEADER_LEN as u64 > limit {
            return Ok(None);
        }
        let mut h = [0u8; HEADER_LEN];
        file.read_exact_at(&mut h, position).map_err(io("read", &self.path))?;
        Ok(BatchHeader::parse(&h).ok())
    }

    /// Iterates the batches from `position` to the end of the valid data.
    pub fn scan(&self, position: u64) -> impl Iterator<Item = Result<BatchPosition, StorageError>> + '_ {
        let limit = self.size;
        let mut pos = position;
        let mut file = Some(self.file());
        std::iter::from_fn(move || {
            let f = match file.as_ref()? {
                Ok(f) => f.clone(),
                Err(_) => return file.take().and_then(Result::err).map(Err),
            };
            match self.header_at(&f, pos, limit) {
                Ok(Some(header)) if pos + header.total_len() as u64 <= limit => {
                    let item = BatchPosition { position: pos, header };
                    pos += header.total_len() as u64;
                    Some(Ok(item))
                }
                Ok(_) => None,
                Err(e) => {
                    file = None;
                    Some(Err(e))
                }
            }
        })
    }

    fn note_batch(&mut self, h: &BatchHeader) {
        self.next_offset = h.last_offset() + 1;
        if h.max_timestamp > self.max_timestamp {
            self.max_timestamp = h.max_timestamp;
            self.offset_of_max_timestamp = h.last_offset();
        }
    }

    /// Accounts for a batch written at `position` and adds index entries
    /// every `index_interval` bytes.
    fn index_batch(
        &mut self,
        h: &BatchHeader,
        position: u64,
        len: u64,
        index_interval: u64,
    ) -> Result<(), StorageError> {
        self.note_batch(h);
        self.bytes_since_entry += len;
        if self.bytes_since_entry >= index_interval {
            self.offsets.append(OffsetEntry { offset: h.last_offset(), position: position as u32 });
            if self.times.last().is_none_or(|t| self.max_timestamp > t.timestamp) {
                self.times.append(TimeEntry { timestamp: self.max_timestamp, offset: self.offset_of_max_timestamp });
            }
            self.bytes_since_entry = 0;
        }
        Ok(())
    }

    /// Accounts for whole batches (with `headers`) that the log has just
    /// written at the end of [`Segment::file`] at `now_ms`, indexing them.
    pub fn appended(&mut self, headers: &[BatchHeader], index_interval: u64, now_ms: i64) -> Result<(), StorageError> {
        if self.size == 0 {
            self.roll_base_ms = now_ms;
        }
        let mut pos = self.size;
        for h in headers {
            let len = h.total_len() as u64;
            self.index_batch(h, pos, len, index_interval)?;
            pos += len;
        }
        self.size = pos;
        Ok(())
    }

    /// Position of the first batch whose last offset is at least `offset`, or
    /// `None` if every batch ends before it.
    pub fn position_of(&self, offset: i64) -> Result<Option<BatchPosition>, StorageError> {
        let from = self.offsets.floor(offset - 1).map_or(0, |e| u64::from(e.position));
        for b in self.scan(from) {
            let b = b?;
            if b.header.last_offset() >= offset {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// The end of the last whole batch that starts at or after `from` and ends
    /// at or before `limit` (a byte position); `from` if none fits. Jumps via
    /// the offset index (its positions are batch starts) and walks the rest.
    pub fn whole_batches_end(&self, from: u64, limit: u64) -> Result<u64, StorageError> {
        let entries = self.offsets.entries();
        let n = entries.partition_point(|e| u64::from(e.position) <= limit);
        let jump = entries[..n].last().map_or(from, |e| u64::from(e.position)).max(from);
        let mut end = jump;
        for b in self.scan(jump) {
            let b = b?;
            let batch_end = b.position + b.header.total_len() as u64;
            if batch_end > limit {
                break;
            }
            end = batch_end;
        }
        Ok(end)
    }

    /// The first offset at or after the first record with a timestamp at or
    /// after `ts`, searched from the time index: the batch, not yet the record.
    pub fn batch_for_timestamp(&self, ts: i64) -> Result<Option<BatchPosition>, StorageError> {
        if self.max_timestamp < ts {
            return Ok(None);
        }
        let from_offset = self.times.floor(ts - 1).map_or(self.base, |e| e.offset);
        let from = self.position_of(from_offset)?.map_or(0, |b| b.position);
        for b in self.scan(from) {
            let b = b?;
            if b.header.max_timestamp >= ts {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// Removes every batch whose last offset is at least `offset` (a batch
    /// holding `offset` goes whole). Returns the new next offset.
    pub fn truncate_to(&mut self, offset: i64) -> Result<i64, StorageError> {
        let Some(cut) = self.position_of(offset)? else { return Ok(self.next_offset) };
        self.file()?.set_len(cut.position).map_err(io("truncate", &self.path))?;
        self.size = cut.position;
        self.offsets.retain_prefix(|e| u64::from(e.position) < cut.position)?;
        self.times.retain_prefix(|e| e.offset < cut.header.base_offset)?;
        self.aborted.truncate_from(cut.header.base_offset)?;
        self.next_offset = self.base;
        self.max_timestamp = -1;
        let from = self.offsets.last().map_or(0, |e| u64::from(e.position));
        let tail: Vec<BatchPosition> = self.scan(from).collect::<Result<_, _>>()?;
        if let Some(t) = self.times.last() {
            self.max_timestamp = t.timestamp;
            self.offset_of_max_timestamp = t.offset;
        }
        for b in tail {
            self.note_batch(&b.header);
        }
        self.bytes_since_entry = 0;
        Ok(self.next_offset)
    }

    /// Makes the log file and indexes durable.
    pub fn flush(&mut self) -> Result<(), StorageError> {
        self.file()?.sync_data().map_err(io("fsync", &self.path))?;
        self.flush_indexes()
    }

    /// Writes the offset and time indexes' pending entries to their files,
    /// without syncing them (the aborted-transaction index is written as it
    /// grows).
    pub fn write_indexes(&mut self) -> Result<(), StorageError> {
        self.offsets.write_pending()?;
        self.times.write_pending()
    }

    /// Makes the indexes durable (the offset, time and aborted-transaction
    /// indexes), not the log file.
    pub fn flush_indexes(&mut self) -> Result<(), StorageError> {
        self.offsets.flush()?;
        self.times.flush()?;
        self.aborted.flush()
    }

    /// Deletes the segment's files.
    pub fn delete(self) -> Result<(), StorageError> {
        self.files.forget(&self.path);
        std::fs::remove_file(&self.path).map_err(io("delete", &self.path))?;
        self.offsets.delete()?;
        self.times.delete()?;
        self.aborted.delete()
    }

    /// The aborted transactions whose markers are in this segment.
    pub fn aborted(&self) -> &TxnIndex {
        &self.aborted
    }

    /// The same, to record an abort or drop entries in recovery.
    pub fn aborted_mut(&mut self) -> &mut TxnIndex {
        &mut self.aborted
    }

    /// The base offset.
    pub fn base(&self) -> i64 {
        self.base
    }
    /// Bytes of whole batches.
    pub fn size(&self) -> u64 {
        self.size
    }
    /// One past the last offset (the base offset when empty).
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }
    /// The offset of the record with the largest timestamp.
    pub fn offset_of_max_timestamp(&self) -> i64 {
        self.offset_of_max_timestamp
    }
    /// Largest timestamp, or -1 when empty.
    pub fn max_timestamp(&self) -> i64 {
        self.max_timestamp
    }
    /// The timestamp segment.ms counts from.
    pub fn roll_base_ms(&self) -> i64 {
        self.roll_base_ms
    }
    /// The log file (opened through the shared set of open files).
    pub fn file(&self) -> Result<Arc<File>, StorageError> {
        self.files.get(&self.path)
    }
    /// True when no batch was written.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }
}
