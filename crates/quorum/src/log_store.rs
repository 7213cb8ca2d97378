//! openraft's log storage on a strata-storage [`Log`]: the metadata log is a
//! partition log like any other (segments, indexes, CRC-checked recovery,
//! group-committed fsync), one batch per Raft entry (see [`crate::entry`]).
//!
//! Beside the segments, `quorum-state` holds what Raft must not forget and
//! the log cannot say: the vote, the last committed log id and the last
//! purged log id. It is replaced atomically (written aside, fsynced, renamed,
//! the directory fsynced) before the call that changed it returns.
//!
//! Invariants: the entry with Raft index `i` is the batch at offset `i`; the
//! log's start offset is one past the last purged index; every entry handed
//! to openraft as appended is fsynced.

use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{AnyError, CommittedLeaderId, LogId, RaftLogReader, StorageError, StorageIOError, Vote};
use serde::{Deserialize, Serialize};
use strata_records::Batches;
use strata_storage::{AppendOptions, Log};

use crate::entry;
use crate::{Entry, TypeConfig};

/// The file of the vote and the committed and purged log ids.
pub(crate) const STATE_FILE: &str = "quorum-state";

/// What `quorum-state` holds (postcard).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct QuorumState {
    pub(crate) vote: Option<Vote<u64>>,
    pub(crate) committed: Option<LogId<u64>>,
    pub(crate) purged: Option<LogId<u64>>,
}

/// The log store; clones share the log (openraft reads through a clone).
#[derive(Debug, Clone)]
pub(crate) struct LogStore {
    log: Arc<Log>,
    dir: PathBuf,
    state: Arc<Mutex<QuorumState>>,
}

type Result<T> = std::result::Result<T, StorageError<u64>>;

fn read_err(e: impl ToString) -> StorageError<u64> {
    StorageIOError::read_logs(AnyError::error(e.to_string())).into()
}

fn write_err(e: impl ToString) -> StorageError<u64> {
    StorageIOError::write_logs(AnyError::error(e.to_string())).into()
}

impl LogStore {
    /// The store over `log`, whose directory also holds `quorum-state`.
    pub(crate) fn open(log: Arc<Log>) -> std::io::Result<LogStore> {
        let dir = log.dir().to_path_buf();
        let state = load_state(&dir)?;
        Ok(LogStore { log, dir, state: Arc::new(Mutex::new(state)) })
    }

    /// The persisted state as of now.
    pub(crate) fn state(&self) -> QuorumState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut QuorumState)) -> std::io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = state.clone();
        f(&mut next);
        save_state(&self.dir, &next)?;
        *state = next;
        Ok(())
    }

    fn last_log_id(&self) -> Option<LogId<u64>> {
        let end = self.log.log_end_offset();
        if end <= self.log.log_start_offset() {
            return None;
        }
        let term = self.log.latest_epoch().unwrap_or(0);
        Some(LogId::new(CommittedLeaderId::new(term.max(0) as u64, 0), (end - 1) as u64))
    }

    fn read_range(&self, start: i64, end: i64) -> std::result::Result<Vec<Entry>, String> {
        let read_err = |e: &dyn std::fmt::Display| e.to_string();
        let mut out = Vec::new();
        let mut offset = start.max(self.log.log_start_offset());
        let end = end.min(self.log.log_end_offset());
        while offset < end {
            let read = self.log.read(offset, 1 << 20, end, true).map_err(|e| read_err(&e))?;
            let Some(region) = read.region else { break };
            let bytes = region.read().map_err(|e| read_err(&e))?;
            for batch in Batches::new(bytes) {
                let batch = batch.map_err(|e| read_err(&e))?;
                if batch.header.base_offset >= end {
                    return Ok(out);
                }
                offset = batch.header.last_offset() + 1;
                if batch.header.base_offset >= start {
                    out.push(entry::decode(&batch).map_err(|e| read_err(&e))?);
                }
            }
        }
        Ok(out)
    }
}

fn load_state(dir: &Path) -> std::io::Result<QuorumState> {
    match std::fs::read(dir.join(STATE_FILE)) {
        Ok(bytes) => postcard::from_bytes(&bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{STATE_FILE}: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(QuorumState::default()),
        Err(e) => Err(e),
    }
}

fn save_state(dir: &Path, state: &QuorumState) -> std::io::Result<()> {
    let bytes = postcard::to_stdvec(state).map_err(std::io::Error::other)?;
    crate::write_atomically(dir, STATE_FILE, &bytes)
}

fn bounds(range: &impl RangeBounds<u64>) -> (i64, i64) {
    let start = match range.start_bound() {
        Bound::Included(s) => *s as i64,
        Bound::Excluded(s) => *s as i64 + 1,
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(e) => *e as i64 + 1,
        Bound::Excluded(e) => *e as i64,
        Bound::Unbounded => i64::MAX,
    };
    (start, end)
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>> {
        let (start, end) = bounds(&range);
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_range(start, end)).await.map_err(read_err)?.map_err(read_err)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>> {
        let purged = self.state().purged;
        Ok(LogState { last_purged_log_id: purged, last_log_id: self.last_log_id().or(purged) })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<()> {
        let vote = *vote;
        self.update(|s| s.vote = Some(vote)).map_err(|e| StorageIOError::write_vote(AnyError::new(&e)).into())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>> {
        Ok(self.state().vote)
    }

    async fn save_committed(&mut self, committed: Option<LogId<u64>>) -> Result<()> {
        self.update(|s| s.committed = committed).map_err(write_err)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<u64>>> {
        Ok(self.state().committed)
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<()>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let now = crate::now_ms();
        for e in entries {
            let index = e.log_id.index as i64;
            if index != self.log.log_end_offset() {
                return Err(write_err(format!("entry {index} appended at log end {}", self.log.log_end_offset())));
            }
            let term = i32::try_from(e.log_id.leader_id.term).map_err(write_err)?;
            let info = self
                .log
                .append(&entry::encode(&e, now), AppendOptions { leader_epoch: term, now_ms: now })
                .map_err(write_err)?;
            debug_assert_eq!(info.first_offset, index);
        }
        let log = self.log.clone();
        let end = log.log_end_offset();
        let flushed = tokio::task::spawn_blocking(move || log.flush_to(end)).await.map_err(write_err)?;
        callback.log_io_completed(flushed.map_err(std::io::Error::other));
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId<u64>) -> Result<()> {
        self.log.truncate_to(log_id.index as i64).map_err(write_err)
    }

    async fn purge(&mut self, log_id: LogId<u64>) -> Result<()> {
        self.update(|s| s.purged = Some(log_id)).map_err(write_err)?;
        let start = log_id.index as i64 + 1;
        if start <= self.log.log_end_offset() {
            self.log.delete_records_before(start).map_err(write_err)?;
        } else {
            self.log.truncate_fully_and_start_at(start).map_err(write_err)?;
        }
        Ok(())
    }
}
