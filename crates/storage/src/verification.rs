//! Transaction verification guards (KIP-890, Kafka's `VerificationGuard`).
//!
//! A transactional producer's first batch of a transaction on a partition
//! opens that transaction here. Before appending it, the leader asks the
//! transaction coordinator whether the partition is in the producer's
//! ongoing transaction; a late retry of a batch from a transaction that has
//! since been aborted would otherwise open a transaction that no marker
//! ever ends, and hold back the last stable offset for good.
//!
//! The guard closes the race between that question and the append: it is
//! handed out when the verification starts, and a marker for the producer
//! (which ends whatever the coordinator said was ongoing) takes it away, so
//! an append that carries a guard no longer current is refused. Guards are
//! in memory only: a restarted leader verifies again.

use std::collections::HashMap;

/// Proof that a verification started, to show at the append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerificationGuard(u64);

/// How an append checks a transactional batch that would open its
/// producer's transaction on the partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnVerification {
    /// Not checked (`transaction.partition.verification.enable=false`, or
    /// a caller that verified otherwise).
    Off,
    /// Appended only with the producer's current guard: `None` (no
    /// verification was made) is refused.
    Required(Option<VerificationGuard>),
}

/// The guards of one partition's verifications under way.
#[derive(Debug, Default)]
pub(crate) struct Verifications {
    /// Producer id → its guard and when it was handed out.
    guards: HashMap<i64, (VerificationGuard, i64)>,
    last: u64,
}

impl Verifications {
    /// The producer's guard: the one under way (verifications of the same
    /// producer share it), else a new one.
    pub(crate) fn start(&mut self, producer_id: i64, now_ms: i64) -> VerificationGuard {
        if let Some((guard, _)) = self.guards.get(&producer_id) {
            return *guard;
        }
        self.last += 1;
        let guard = VerificationGuard(self.last);
        self.guards.insert(producer_id, (guard, now_ms));
        guard
    }

    /// Whether `guard` is the producer's current one.
    pub(crate) fn is_current(&self, producer_id: i64, guard: Option<VerificationGuard>) -> bool {
        guard.is_some() && self.guards.get(&producer_id).map(|(g, _)| *g) == guard
    }

    /// Takes the producer's guard away: its transaction was opened here, or
    /// a marker ended it.
    pub(crate) fn clear(&mut self, producer_id: i64) {
        self.guards.remove(&producer_id);
    }

    /// Drops guards handed out more than `max_age_ms` ago whose append
    /// never came (a verification that failed).
    pub(crate) fn expire(&mut self, now_ms: i64, max_age_ms: i64) {
        self.guards.retain(|_, (_, started)| now_ms - *started < max_age_ms);
    }
}
