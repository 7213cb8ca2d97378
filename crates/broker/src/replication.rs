//! A partition's replication state, as Kafka's leader keeps it: the
//! replicas and ISR of the newest image, each follower's progress, the high
//! watermark it yields, and the ISR changes the leader asks the controller for.
//!
//! Invariants:
//! * the high watermark never moves back while a replica leads, and is at
//!   most the smallest log end offset (LEO) of the ISR; a follower whose LEO
//!   the leader has not heard since it began leading holds it where it is;
//! * a follower's LEO is the offset it fetches from; beside it, a strata
//!   follower tells the offset below which its log is durable (a tagged field
//!   of its fetch, [`DURABLE_OFFSET_TAG`]; without one, the durable offset is
//!   the fetch offset, as a follower that fsyncs before fetching would have
//!   it). The high watermark is at most the smallest durable offset of the
//!   ISR, so an offset below it is on the disk of every ISR member;
//! * a follower is *caught up* at a fetch reaching the leader's LEO of that
//!   moment, or of its previous fetch (Kafka's `lastCaughtUpTimeMs`); it leaves
//!   the ISR once not caught up for `replica.lag.time.max.ms`, and is asked
//!   back once its LEO reaches the high watermark;
//! * at most one ISR change is asked for at a time; the next waits until the
//!   image answers it (the partition epoch moves) or it is refused.

use std::collections::HashMap;

use bytes::Bytes;
use strata_protocol::codec::{RawTaggedField, UnknownTaggedFields};

/// The tag of a strata follower's durable offset in each partition of its
/// Fetch (FetchPartition, flexible versions): an i64, big-endian. Far above
/// the tags Kafka's own schemas use, so it never meets one of theirs.
pub(crate) const DURABLE_OFFSET_TAG: u32 = 0x7374_0001;

/// The tagged field telling that the log is durable below `offset`.
pub(crate) fn durable_offset_field(offset: i64) -> RawTaggedField {
    RawTaggedField { tag: DURABLE_OFFSET_TAG, data: Bytes::copy_from_slice(&offset.to_be_bytes()) }
}

/// The durable offset a fetch's partition tells, or its fetch offset if it
/// tells none (or one past the fetch offset, which cannot be).
pub(crate) fn durable_offset(fields: &UnknownTaggedFields, fetch_offset: i64) -> i64 {
    let told = fields.iter().find(|f| f.tag == DURABLE_OFFSET_TAG).and_then(|f| <[u8; 8]>::try_from(&f.data[..]).ok());
    told.map_or(fetch_offset, |b| i64::from_be_bytes(b).min(fetch_offset))
}

/// One follower's progress, as its leader sees it.
#[derive(Debug, Clone, Copy, Default)]
struct Progress {
    /// Its LEO as of its last fetch in this leader epoch (None: not heard yet).
    leo: Option<i64>,
    /// The offset below which its log is durable, as of that fetch (≤ `leo`).
    durable: Option<i64>,
    /// When it last caught up with the leader's LEO.
    caught_up_ms: i64,
    /// The leader's LEO and the time at its previous fetch.
    previous_fetch: (i64, i64),
}

/// A partition's membership and, on its leader, its followers' progress.
#[derive(Debug, Default)]
pub(crate) struct Replication {
    /// Every replica, preferred leader first.
    pub(crate) replicas: Vec<i32>,
    /// The in-sync replicas of the newest image.
    pub(crate) isr: Vec<i32>,
    /// The partition epoch of the newest image.
    pub(crate) partition_epoch: i32,
    /// acks=all needs this many in-sync replicas (`min.insync.replicas`).
    pub(crate) min_insync: usize,
    followers: HashMap<i32, Progress>,
    /// The ISR asked for and the partition epoch it was asked from.
    pending: Option<(Vec<i32>, i32)>,
}

impl Replication {
    /// Whether the ISR lacks one of the replicas.
    pub(crate) fn is_under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
    }

    /// Takes the newest image's membership; `leading_from_now` starts a new
    /// leadership (every follower unheard, the ISR counted caught up now).
    pub(crate) fn update(
        &mut self,
        replicas: &[i32],
        isr: &[i32],
        partition_epoch: i32,
        leading_from_now: Option<i64>,
    ) {
        self.replicas = replicas.to_vec();
        self.isr = isr.to_vec();
        if self.pending.as_ref().is_some_and(|(_, asked_at)| *asked_at != partition_epoch) {
            self.pending = None;
        }
        self.partition_epoch = partition_epoch;
        if let Some(now) = leading_from_now {
            self.pending = None;
            self.followers = replicas
                .iter()
                .map(|r| {
                    let caught_up_ms = if isr.contains(r) { now } else { 0 };
                    (*r, Progress { leo: None, durable: None, caught_up_ms, previous_fetch: (i64::MAX, now) })
                })
                .collect();
        }
    }

    /// Notes a follower's fetch from `leo`, durable below `durable`, while
    /// the leader's LEO is `leader_leo`.
    pub(crate) fn fetched(&mut self, replica: i32, leo: i64, durable: i64, leader_leo: i64, now: i64) {
        let p = self.followers.entry(replica).or_default();
        if leo >= leader_leo {
            p.caught_up_ms = now;
        } else if leo >= p.previous_fetch.0 {
            p.caught_up_ms = p.caught_up_ms.max(p.previous_fetch.1);
        }
        p.leo = Some(leo);
        p.durable = Some(durable.min(leo));
        p.previous_fetch = (leader_leo, now);
    }

    /// The high watermark the ISR allows, given the leader's own id and LEO
    /// and the current high watermark.
    pub(crate) fn high_watermark(&self, leader: i32, leader_leo: i64, current: i64) -> i64 {
        let mut hw = leader_leo;
        for r in self.isr.iter().filter(|r| **r != leader) {
            match self.followers.get(r).and_then(|p| p.durable) {
                Some(durable) => hw = hw.min(durable),
                None => return current,
            }
        }
        hw.max(current)
    }

    /// The ISR to ask the controller for, if it should change: laggards out,
    /// caught-up followers in, if `eligible` (not fenced: the controller
    /// refuses those, KIP-841; a follower just killed still looks caught up
    /// for `max_lag_ms`). None while another change is pending.
    pub(crate) fn isr_change(
        &mut self,
        leader: i32,
        hw: i64,
        now: i64,
        max_lag_ms: i64,
        eligible: &dyn Fn(i32) -> bool,
    ) -> Option<Vec<i32>> {
        if self.pending.is_some() {
            return None;
        }
        let progress = |r: &i32| self.followers.get(r).copied().unwrap_or_default();
        let mut isr: Vec<i32> =
            self.isr.iter().copied().filter(|r| *r == leader || now - progress(r).caught_up_ms <= max_lag_ms).collect();
        for r in &self.replicas {
            let p = progress(r);
            let caught_up = p.leo.is_some_and(|leo| leo >= hw) && now - p.caught_up_ms <= max_lag_ms;
            if !isr.contains(r) && caught_up && eligible(*r) {
                isr.push(*r);
            }
        }
        if isr == self.isr {
            return None;
        }
        self.pending = Some((isr.clone(), self.partition_epoch));
        Some(isr)
    }

    /// Forgets the change in flight once the controller answered it: a
    /// committed one shows in the next image, a refused one may be asked again.
    pub(crate) fn answered(&mut self) {
        self.pending = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn led_by_1(now: i64) -> Replication {
        let mut r = Replication { min_insync: 2, ..Default::default() };
        r.update(&[1, 2, 3], &[1, 2, 3], 0, Some(now));
        r
    }

    #[test]
    fn the_high_watermark_is_the_smallest_isr_leo_and_waits_for_unheard_followers() {
        let mut r = led_by_1(0);
        assert_eq!(r.high_watermark(1, 10, 0), 0, "followers not heard from yet");
        r.fetched(2, 10, 10, 10, 1);
        assert_eq!(r.high_watermark(1, 10, 0), 0);
        r.fetched(3, 7, 7, 10, 1);
        assert_eq!(r.high_watermark(1, 10, 0), 7);
        assert_eq!(r.high_watermark(1, 10, 8), 8, "never moves back");
        r.update(&[1, 2, 3], &[1, 2], 1, None);
        assert_eq!(r.high_watermark(1, 10, 7), 10, "3 left the ISR");
    }

    #[test]
    fn the_high_watermark_waits_for_what_followers_have_made_durable() {
        let mut r = led_by_1(0);
        r.fetched(2, 10, 4, 10, 1);
        r.fetched(3, 10, 10, 10, 1);
        assert_eq!(r.high_watermark(1, 10, 0), 4, "2 fetched ahead of its fsync");
        r.fetched(2, 12, 10, 12, 2);
        assert_eq!(r.high_watermark(1, 12, 4), 10);
        r.fetched(2, 12, 99, 12, 3);
        assert_eq!(r.high_watermark(1, 12, 10), 10, "durable is never past what 2 holds, nor past 3");
    }

    #[test]
    fn a_fetch_tells_its_durable_offset_in_a_tagged_field() {
        let fields = vec![durable_offset_field(7)];
        assert_eq!(durable_offset(&fields, 10), 7);
        assert_eq!(durable_offset(&fields, 5), 5, "never past the fetch offset");
        assert_eq!(durable_offset(&Vec::new(), 10), 10, "a follower that tells none fsynced first");
        let bad = vec![RawTaggedField { tag: DURABLE_OFFSET_TAG, data: Bytes::from_static(b"abc") }];
        assert_eq!(durable_offset(&bad, 10), 10, "a malformed field counts as none");
    }

    #[test]
    fn a_lagging_follower_leaves_the_isr_and_comes_back_once_caught_up() {
        let mut r = led_by_1(0);
        r.fetched(2, 10, 10, 10, 1000);
        r.fetched(3, 3, 3, 10, 1000);
        assert_eq!(r.isr_change(1, 3, 20_000, 30_000, &|_| true), None, "within the lag time");
        r.fetched(2, 50, 50, 50, 31_000);
        assert_eq!(r.isr_change(1, 3, 31_000, 30_000, &|_| true), Some(vec![1, 2]));
        assert_eq!(r.isr_change(1, 3, 31_000, 30_000, &|_| true), None, "one change at a time");
        r.update(&[1, 2, 3], &[1, 2], 1, None);
        assert_eq!(r.isr_change(1, 50, 32_000, 30_000, &|_| true), None);
        // 3 fetches from the leader's LEO of its previous fetch: caught up then.
        r.fetched(3, 40, 40, 60, 33_000);
        r.fetched(3, 60, 60, 70, 34_000);
        assert_eq!(r.isr_change(1, 50, 34_000, 30_000, &|b| b != 3), None, "not while 3 is fenced");
        assert_eq!(r.isr_change(1, 50, 34_000, 30_000, &|_| true), Some(vec![1, 2, 3]));
        r.answered();
        assert_eq!(r.isr_change(1, 50, 34_000, 30_000, &|_| true), Some(vec![1, 2, 3]), "asked again after an answer");
    }
}
