//! KIP-227 fetch sessions: the broker remembers which partitions a consumer
//! fetches, so that later requests name only what changed and responses
//! carry only partitions with news.
//!
//! A request's (session id, epoch) picks the case:
//!
//! ```text
//! (0, -1)  sessionless full fetch           (S, -1)  close S, full fetch
//! (0,  0)  full fetch, open a new session   (S,  0)  close S, open a new one
//! (S,  n)  incremental fetch in S; n must be S's next epoch
//! ```
//!
//! Invariants: a session's next epoch grows by one per incremental fetch;
//! at most `slots` sessions exist (the least recently used goes first).

use std::collections::HashMap;
use std::time::Instant;

use indexmap::IndexMap;
use strata_protocol::{ErrorCode, Uuid};

/// A partition as a fetch names it: topic id (zero before Fetch v13), topic
/// name (empty when the id is unknown), partition index.
pub(crate) type Key = (Uuid, String, i32);

/// What a session remembers of one partition.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    /// Where the consumer fetches from.
    pub(crate) fetch_offset: i64,
    /// partition_max_bytes.
    pub(crate) max_bytes: i32,
    /// The leader epoch the fetcher knows (-1: unknown; KIP-320).
    pub(crate) leader_epoch: i32,
    /// (high watermark, last stable offset, log start offset) last sent.
    last_sent: Option<(i64, i64, i64)>,
}

impl Cached {
    /// A partition as a request names it.
    pub(crate) fn new(fetch_offset: i64, max_bytes: i32, leader_epoch: i32) -> Cached {
        Cached { fetch_offset, max_bytes, leader_epoch, last_sent: None }
    }
}

#[derive(Debug)]
struct Session {
    next_epoch: i32,
    partitions: IndexMap<Key, Cached>,
    last_used: Instant,
}

/// The partitions a fetch reads, in order.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The session the response names (0 for none).
    pub(crate) session_id: i32,
    /// True for an incremental fetch: unchanged partitions are left out.
    pub(crate) incremental: bool,
    /// The partitions to read.
    pub(crate) partitions: Vec<(Key, Cached)>,
}

/// One partition's news in a response: whether it is sent.
#[derive(Debug)]
pub(crate) struct Sent<'a> {
    pub(crate) key: &'a Key,
    pub(crate) has_records: bool,
    pub(crate) has_error: bool,
    pub(crate) offsets: (i64, i64, i64),
}

/// Every session of the broker.
#[derive(Debug)]
pub(crate) struct FetchSessions {
    slots: usize,
    next_id: i32,
    sessions: HashMap<i32, Session>,
}

impl FetchSessions {
    /// A cache of at most `slots` sessions (max.incremental.fetch.session.cache.slots).
    pub(crate) fn new(slots: usize) -> FetchSessions {
        FetchSessions { slots, next_id: 1, sessions: HashMap::new() }
    }

    /// Resolves a request into the partitions to read.
    pub(crate) fn plan(
        &mut self,
        session_id: i32,
        epoch: i32,
        requested: Vec<(Key, Cached)>,
        forgotten: Vec<Key>,
    ) -> Result<Plan, ErrorCode> {
        if epoch <= 0 {
            if session_id != 0 {
                self.sessions.remove(&session_id);
            }
            let partitions = requested;
            let session_id = if epoch == 0 { self.open(&partitions) } else { 0 };
            return Ok(Plan { session_id, incremental: false, partitions });
        }
        let session = self.sessions.get_mut(&session_id).ok_or(ErrorCode::FETCH_SESSION_ID_NOT_FOUND)?;
        if session.next_epoch != epoch {
            return Err(ErrorCode::INVALID_FETCH_SESSION_EPOCH);
        }
        session.next_epoch = epoch.checked_add(1).unwrap_or(1);
        session.last_used = Instant::now();
        for key in forgotten {
            session.partitions.shift_remove(&key);
        }
        for (key, wanted) in requested {
            let entry = session.partitions.entry(key).or_insert_with(|| wanted.clone());
            entry.fetch_offset = wanted.fetch_offset;
            entry.max_bytes = wanted.max_bytes;
            entry.leader_epoch = wanted.leader_epoch;
        }
        let partitions = session.partitions.iter().map(|(k, c)| (k.clone(), c.clone())).collect();
        Ok(Plan { session_id, incremental: true, partitions })
    }

    fn open(&mut self, partitions: &[(Key, Cached)]) -> i32 {
        if self.slots == 0 {
            return 0;
        }
        if self.sessions.len() >= self.slots {
            if let Some(oldest) = self.sessions.iter().min_by_key(|(_, s)| s.last_used).map(|(id, _)| *id) {
                self.sessions.remove(&oldest);
            }
        }
        let id = self.next_id;
        self.next_id = if id == i32::MAX { 1 } else { id + 1 };
        let partitions = partitions.iter().cloned().collect();
        self.sessions.insert(id, Session { next_epoch: 1, partitions, last_used: Instant::now() });
        id
    }

    /// Records what a response said of each partition; returns, per partition
    /// in order, whether it belongs in the response (always, for a full
    /// fetch). Partitions that returned records move to the back of the
    /// session, so that a size-limited response serves every partition in turn.
    pub(crate) fn record(&mut self, plan: &Plan, sent: &[Sent<'_>]) -> Vec<bool> {
        let session = self.sessions.get_mut(&plan.session_id);
        let Some(session) = session.filter(|_| plan.session_id != 0) else { return vec![true; sent.len()] };
        let mut include = Vec::with_capacity(sent.len());
        for s in sent {
            let Some(cached) = session.partitions.get_mut(s.key) else {
                include.push(!plan.incremental);
                continue;
            };
            let changed = cached.last_sent != Some(s.offsets);
            cached.last_sent = Some(s.offsets);
            include.push(!plan.incremental || changed || s.has_records || s.has_error);
        }
        for s in sent.iter().filter(|s| s.has_records) {
            if let Some(c) = session.partitions.shift_remove(s.key) {
                session.partitions.insert(s.key.clone(), c);
            }
        }
        include
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(p: i32) -> Key {
        (Uuid::ZERO, "t".into(), p)
    }

    fn sent(k: &Key, records: bool, hw: i64) -> Sent<'_> {
        Sent { key: k, has_records: records, has_error: false, offsets: (hw, hw, 0) }
    }

    #[test]
    fn incremental_fetches_send_only_news() {
        let mut s = FetchSessions::new(10);
        let plan =
            s.plan(0, 0, vec![(key(0), Cached::new(0, 100, -1)), (key(1), Cached::new(0, 100, -1))], vec![]).unwrap();
        assert!(plan.session_id > 0 && !plan.incremental);
        let (k0, k1) = (key(0), key(1));
        assert_eq!(s.record(&plan, &[sent(&k0, true, 5), sent(&k1, false, 0)]), [true, true]);
        let plan2 = s.plan(plan.session_id, 1, vec![(key(0), Cached::new(5, 100, -1))], vec![]).unwrap();
        assert!(plan2.incremental);
        assert_eq!(plan2.partitions.len(), 2);
        let order: Vec<i32> = plan2.partitions.iter().map(|(k, _)| k.2).collect();
        assert_eq!(order, [1, 0], "partition 0 had records, so it moved to the back");
        assert_eq!(s.record(&plan2, &[sent(&k1, false, 0), sent(&k0, false, 5)]), [false, false]);
        assert_eq!(s.plan(plan.session_id, 1, vec![], vec![]).unwrap_err(), ErrorCode::INVALID_FETCH_SESSION_EPOCH);
        assert_eq!(s.plan(999, 1, vec![], vec![]).unwrap_err(), ErrorCode::FETCH_SESSION_ID_NOT_FOUND);
        let plan3 = s.plan(plan.session_id, 2, vec![], vec![key(1)]).unwrap();
        assert_eq!(plan3.partitions.len(), 1);
        let closed = s.plan(plan.session_id, -1, vec![], vec![]).unwrap();
        assert_eq!(closed.session_id, 0);
        assert!(s.plan(plan.session_id, 3, vec![], vec![]).is_err());
    }

    #[test]
    fn the_least_recently_used_session_is_evicted() {
        let mut s = FetchSessions::new(1);
        let a = s.plan(0, 0, vec![], vec![]).unwrap().session_id;
        let b = s.plan(0, 0, vec![], vec![]).unwrap().session_id;
        assert_ne!(a, b);
        assert_eq!(s.plan(a, 1, vec![], vec![]).unwrap_err(), ErrorCode::FETCH_SESSION_ID_NOT_FOUND);
        assert!(s.plan(b, 1, vec![], vec![]).is_ok());
        assert_eq!(FetchSessions::new(0).plan(0, 0, vec![], vec![]).unwrap().session_id, 0);
    }
}
