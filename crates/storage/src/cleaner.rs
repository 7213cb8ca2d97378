//! Log compaction (cleanup.policy=compact, or compact,delete): keeps the
//! latest record of each key in the closed segments.
//!
//! A pass over a log:
//! 1. Plan, under the log's lock: the cleanable segments are the closed ones
//!    (never the active one) whose newest record is older than
//!    min.compaction.lag.ms and that end at or below the first unstable
//!    offset (an open transaction's records may still be aborted); the dirty
//!    section is the part of them at or past the cleaner offset (what earlier
//!    passes have not seen). Nothing is done unless dirty bytes are at least
//!    min.cleanable.dirty.ratio of the cleanable bytes.
//! 2. Without the lock (closed segments never change, so appends go on):
//!    one scan of the dirty section maps each key to its latest offset (records
//!    of aborted transactions, found through the aborted-transaction index,
//!    supersede nothing); then each cleanable segment is rewritten to
//!    `<base>.log.cleaned` without the records a later record of the same key
//!    supersedes, and without aborted transactions' batches. Batches that lose
//!    nothing are copied byte for byte; the others are rebuilt with their
//!    original base offset, lastOffsetDelta, producer fields, codec and each
//!    record's own offset: offsets never change. Control batches are kept
//!    (Kafka removes markers whose transaction left no data; strata does not yet).
//!    A tombstone (null value) that survived an earlier pass is dropped once
//!    its segment's newest record is older than delete.retention.ms.
//! 3. Swap, under the lock, one segment at a time: if the segment is still
//!    there unchanged, its index files are removed (a crash from here on
//!    rebuilds them), the cleaned file is fsynced and renamed over the log
//!    file, the directory fsynced, and the indexes rebuilt.
//!
//! The cleaner offset lives in memory; after a restart the first pass treats
//! every cleanable segment as dirty again, which is correct and only costs work.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use strata_records::batch::HEADER_LEN;
use strata_records::{BatchBuilder, BatchHeader, RecordBatch};

use crate::checkpoint::sync_dir;
use crate::config::CleanupPolicy;
use crate::error::{io, StorageError};
use crate::log::{lock, Log};
use crate::segment::{file_name, Segment};

/// Decompression cap while cleaning.
const CAP: usize = 256 << 20;

/// What one cleaning pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanStats {
    /// Segments rewritten.
    pub segments: usize,
    /// Records removed.
    pub records_removed: u64,
    /// Bytes of the rewritten segments before and after.
    pub bytes_before: u64,
    /// Bytes after.
    pub bytes_after: u64,
}

/// A closed segment as the plan saw it.
struct Snapshot {
    base: i64,
    path: PathBuf,
    file: Arc<File>,
    size: u64,
    max_timestamp: i64,
}

struct Plan {
    segments: Vec<Snapshot>,
    dirty_from: i64,
    clean_end: i64,
    tombstone_horizon_ms: i64,
    /// The aborted transactions in the cleanable segments: (first, last
    /// offset) ranges by producer id.
    aborted: HashMap<i64, Vec<(i64, i64)>>,
}

impl Plan {
    /// Whether a batch belongs to an aborted transaction (every transaction
    /// in the cleanable segments is complete: they end below the first
    /// unstable offset).
    fn aborted(&self, h: &BatchHeader) -> bool {
        h.attributes.transactional()
            && !h.attributes.control()
            && self.aborted.get(&h.producer_id).is_some_and(|ranges| {
                ranges.iter().any(|&(first, last)| first <= h.base_offset && h.base_offset <= last)
            })
    }
}

impl Log {
    /// Runs one compaction pass if the log's policy and dirty ratio call for it.
    pub fn clean(&self, now_ms: i64) -> Result<CleanStats, StorageError> {
        let Some(mut plan) = self.plan_cleaning(now_ms)? else { return Ok(CleanStats::default()) };
        let first = plan.segments.first().map_or(plan.clean_end, |s| s.base);
        for a in self.aborted_transactions(first, plan.clean_end) {
            plan.aborted.entry(a.producer_id).or_default().push((a.first_offset, a.last_offset));
        }
        let latest = latest_offsets(&plan)?;
        let mut stats = CleanStats::default();
        for segment in &plan.segments {
            let Some((cleaned, removed, new_size)) = self.rewrite(segment, &latest, &plan)? else { continue };
            if self.swap_in(segment, &cleaned, now_ms)? {
                stats.segments += 1;
                stats.records_removed += removed;
                stats.bytes_before += segment.size;
                stats.bytes_after += new_size;
            }
        }
        let mut st = lock(&self.state);
        st.cleaner_offset = st.cleaner_offset.max(plan.clean_end);
        Ok(stats)
    }

    fn plan_cleaning(&self, now_ms: i64) -> Result<Option<Plan>, StorageError> {
        let st = lock(&self.state);
        let cfg = &st.config;
        if cfg.cleanup_policy == CleanupPolicy::Delete {
            return Ok(None);
        }
        let closed = st.segments.len().saturating_sub(1);
        let first_unstable = st.producers.first_unstable_offset().unwrap_or(i64::MAX);
        let mut segments = Vec::new();
        for s in st.segments.values().take(closed) {
            if cfg.min_compaction_lag_ms > 0 && s.max_timestamp() > now_ms - cfg.min_compaction_lag_ms {
                break;
            }
            if s.next_offset() > first_unstable {
                break;
            }
            let snapshot = Snapshot {
                base: s.base(),
                path: self.dir.join(file_name(s.base(), "log")),
                file: s.file()?,
                size: s.size(),
                max_timestamp: s.max_timestamp(),
            };
            segments.push((s, snapshot));
        }
        let Some(clean_end) = segments.last().map(|(s, _)| s.next_offset()) else { return Ok(None) };
        let dirty_from = st.cleaner_offset.max(st.log_start_offset);
        let total: u64 = segments.iter().map(|(_, s)| s.size).sum();
        let dirty: u64 = segments.iter().filter(|(s, _)| s.next_offset() > dirty_from).map(|(_, s)| s.size).sum();
        if dirty == 0 || (dirty as f64) < cfg.min_cleanable_dirty_ratio * total as f64 {
            return Ok(None);
        }
        Ok(Some(Plan {
            segments: segments.into_iter().map(|(_, snap)| snap).collect(),
            dirty_from,
            clean_end,
            tombstone_horizon_ms: now_ms - cfg.delete_retention_ms,
            aborted: HashMap::new(),
        }))
    }

    /// Rewrites a segment without superseded records. `None` when nothing goes.
    fn rewrite(
        &self,
        seg: &Snapshot,
        latest: &HashMap<Vec<u8>, i64>,
        plan: &Plan,
    ) -> Result<Option<(PathBuf, u64, u64)>, StorageError> {
        let mut out = Vec::with_capacity(seg.size as usize);
        let mut removed = 0u64;
        let old_tombstones = seg.max_timestamp < plan.tombstone_horizon_ms;
        for batch in batches(seg) {
            let batch = batch?;
            let h = batch.header;
            if h.attributes.control() {
                out.extend_from_slice(batch.bytes());
                continue;
            }
            if plan.aborted(&h) {
                removed += h.records_count.max(0) as u64;
                continue;
            }
            let data = batch.records_data(CAP)?;
            let keep = |offset: i64, key: Option<&[u8]>, value: Option<&[u8]>| match key {
                None => true,
                Some(k) => {
                    let superseded = latest.get(k).is_some_and(|&o| o > offset);
                    let expired_tombstone = value.is_none() && old_tombstones && h.last_offset() < plan.dirty_from;
                    !superseded && !expired_tombstone
                }
            };
            let mut kept = 0;
            for r in batch.records(&data) {
                let r = r?;
                kept += usize::from(keep(h.base_offset + i64::from(r.offset_delta), r.key, r.value));
            }
            let total = h.records_count.max(0) as usize;
            removed += (total - kept) as u64;
            if kept == total {
                out.extend_from_slice(batch.bytes());
            } else if kept > 0 {
                let mut b = BatchBuilder::like(&h)?;
                for r in batch.records(&data) {
                    let r = r?;
                    if keep(h.base_offset + i64::from(r.offset_delta), r.key, r.value) {
                        let headers: Vec<(&str, Option<&[u8]>)> = r.headers.map(|x| (x.key, x.value)).collect();
                        b.push_at(r.offset_delta, h.base_timestamp + r.timestamp_delta, r.key, r.value, &headers);
                    }
                }
                out.extend_from_slice(&b.build());
            }
        }
        if removed == 0 {
            return Ok(None);
        }
        let path = self.dir.join(format!("{}.cleaned", file_name(seg.base, "log")));
        let mut f = File::create(&path).map_err(io("create", &path))?;
        f.write_all(&out).map_err(io("write", &path))?;
        f.sync_all().map_err(io("fsync", &path))?;
        Ok(Some((path, removed, out.len() as u64)))
    }

    /// Replaces a segment with its cleaned file, if the segment is unchanged.
    fn swap_in(&self, seg: &Snapshot, cleaned: &PathBuf, now_ms: i64) -> Result<bool, StorageError> {
        let mut st = lock(&self.state);
        let unchanged = st.segments.get(&seg.base).is_some_and(|s| s.size() == seg.size)
            && st.segments.keys().next_back() != Some(&seg.base);
        if !unchanged {
            std::fs::remove_file(cleaned).map_err(io("delete", cleaned))?;
            return Ok(false);
        }
        let old = st.segments.remove(&seg.base).expect("checked above");
        let interval = st.config.index_interval_bytes;
        for ext in ["index", "timeindex"] {
            let p = self.dir.join(file_name(seg.base, ext));
            std::fs::remove_file(&p).map_err(io("delete", &p))?;
        }
        drop(old);
        let log_path = self.dir.join(file_name(seg.base, "log"));
        st.files.forget(&log_path);
        std::fs::rename(cleaned, &log_path).map_err(io("rename", &log_path))?;
        sync_dir(&self.dir)?;
        let (mut segment, _) = Segment::open(&self.dir, seg.base, now_ms, &st.files)?;
        segment.recover(interval, None)?;
        segment.flush()?;
        st.segments.insert(seg.base, segment);
        Ok(true)
    }
}

/// Every batch of a snapshot, read with pread.
fn batches(seg: &Snapshot) -> impl Iterator<Item = Result<RecordBatch, StorageError>> + '_ {
    let mut pos = 0u64;
    std::iter::from_fn(move || {
        if pos + HEADER_LEN as u64 > seg.size {
            return None;
        }
        let read = || -> Result<RecordBatch, StorageError> {
            let mut h = [0u8; HEADER_LEN];
            seg.file.read_exact_at(&mut h, pos).map_err(io("read", &seg.path))?;
            let header = BatchHeader::parse(&h)?;
            let mut buf = vec![0u8; header.total_len()];
            seg.file.read_exact_at(&mut buf, pos).map_err(io("read", &seg.path))?;
            Ok(RecordBatch::parse(&Bytes::from(buf))?)
        };
        let item = read();
        pos = match &item {
            Ok(b) => pos + b.bytes().len() as u64,
            Err(_) => u64::MAX - HEADER_LEN as u64,
        };
        Some(item)
    })
}

/// The latest offset of each key in the dirty section of the plan.
fn latest_offsets(plan: &Plan) -> Result<HashMap<Vec<u8>, i64>, StorageError> {
    let mut latest = HashMap::new();
    for seg in &plan.segments {
        for batch in batches(seg) {
            let batch = batch?;
            let h = batch.header;
            let outside = h.last_offset() < plan.dirty_from || h.base_offset >= plan.clean_end;
            if h.attributes.control() || outside || plan.aborted(&h) {
                continue;
            }
            let data = batch.records_data(CAP)?;
            for r in batch.records(&data) {
                let r = r?;
                let offset = h.base_offset + i64::from(r.offset_delta);
                if let (Some(key), true) = (r.key, offset >= plan.dirty_from) {
                    latest.insert(key.to_vec(), offset);
                }
            }
        }
    }
    Ok(latest)
}
