//! One transactional id's state, as the transaction coordinator keeps it and
//! as its `__transaction_state` record carries it.
//!
//! The states and their moves are Kafka's (`TransactionState`):
//!
//! ```text
//! Empty ──add partitions──▶ Ongoing ──EndTxn──▶ PrepareCommit ──markers written──▶ CompleteCommit
//!   ▲                          │      ──EndTxn, timeout, fencing──▶ PrepareAbort ──▶ CompleteAbort
//!   └──InitProducerId (epoch bump) from Empty / CompleteCommit / CompleteAbort
//! ```
//!
//! Ongoing also follows the Complete states directly (the next transaction's
//! first AddPartitionsToTxn). Dead is an expired id, about to be removed.

use std::collections::BTreeSet;

use strata_protocol::internal::transaction::transaction_log_value::PartitionsSchema;
use strata_protocol::internal::transaction::TransactionLogValue;

/// A transaction's state (Kafka's ids and names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnState {
    /// No transaction open.
    Empty,
    /// A transaction is open; partitions are being added and written.
    Ongoing,
    /// The producer asked to commit; markers are being written.
    PrepareCommit,
    /// The transaction is being aborted; markers are being written.
    PrepareAbort,
    /// The last transaction committed.
    CompleteCommit,
    /// The last transaction aborted.
    CompleteAbort,
    /// The id expired.
    Dead,
    /// An open transaction is being fenced (never written by strata: fencing
    /// writes PrepareAbort with the bumped epoch directly).
    PrepareEpochFence,
}

const STATES: [TxnState; 8] = [
    TxnState::Empty,
    TxnState::Ongoing,
    TxnState::PrepareCommit,
    TxnState::PrepareAbort,
    TxnState::CompleteCommit,
    TxnState::CompleteAbort,
    TxnState::Dead,
    TxnState::PrepareEpochFence,
];

impl TxnState {
    /// The id in `TransactionLogValue.TransactionStatus`.
    pub fn id(self) -> i8 {
        STATES.iter().position(|s| *s == self).map_or(0, |i| i as i8)
    }

    /// The state with this id.
    pub fn from_id(id: i8) -> Option<TxnState> {
        usize::try_from(id).ok().and_then(|i| STATES.get(i)).copied()
    }

    /// Kafka's name, as DescribeTransactions and ListTransactions give it.
    pub fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
            TxnState::Dead => "Dead",
            TxnState::PrepareEpochFence => "PrepareEpochFence",
        }
    }

    /// The state with this name.
    pub fn from_name(name: &str) -> Option<TxnState> {
        STATES.iter().copied().find(|s| s.name() == name)
    }

    /// Whether markers are being written (the state waits for them).
    pub fn is_preparing(self) -> bool {
        matches!(self, TxnState::PrepareCommit | TxnState::PrepareAbort)
    }
}

/// A transactional id's producer and transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Txn {
    /// The producer id in use.
    pub producer_id: i64,
    /// The producer id before the last rotation (in memory only: a retried
    /// InitProducerId from the old id is recognised).
    pub previous_producer_id: i64,
    /// The current epoch.
    pub producer_epoch: i16,
    /// The epoch before the last bump (in memory only: a retried
    /// InitProducerId gets the current epoch again), -1 if none.
    pub last_producer_epoch: i16,
    /// `transaction.timeout.ms` of the producer.
    pub timeout_ms: i32,
    /// The state.
    pub state: TxnState,
    /// The partitions of the open (or ending) transaction.
    pub partitions: BTreeSet<(String, i32)>,
    /// When the current transaction started (-1 before the first).
    pub start_ms: i64,
    /// When the state last changed.
    pub last_update_ms: i64,
}

/// Partitions grouped by topic, in order.
pub(crate) fn by_topic(partitions: &BTreeSet<(String, i32)>) -> Vec<(String, Vec<i32>)> {
    let mut topics: Vec<(String, Vec<i32>)> = Vec::new();
    for (topic, partition) in partitions {
        match topics.last_mut() {
            Some((t, ps)) if t == topic => ps.push(*partition),
            _ => topics.push((topic.clone(), vec![*partition])),
        }
    }
    topics
}

/// The last epoch before a producer id is rotated (Kafka's `isEpochExhausted`).
pub(crate) const MAX_EPOCH: i16 = i16::MAX - 1;

impl Txn {
    /// A new id's state before its first epoch.
    pub(crate) fn new(producer_id: i64, timeout_ms: i32, now: i64) -> Txn {
        Txn {
            producer_id,
            previous_producer_id: -1,
            producer_epoch: -1,
            last_producer_epoch: -1,
            timeout_ms,
            state: TxnState::Empty,
            partitions: BTreeSet::new(),
            start_ms: -1,
            last_update_ms: now,
        }
    }

    /// The record value of this state.
    pub(crate) fn to_value(&self) -> TransactionLogValue {
        let topics = by_topic(&self.partitions)
            .into_iter()
            .map(|(topic, partition_ids)| PartitionsSchema { topic, partition_ids, ..Default::default() })
            .collect();
        TransactionLogValue {
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            transaction_timeout_ms: self.timeout_ms,
            transaction_status: self.state.id(),
            transaction_partitions: Some(topics),
            transaction_last_update_timestamp_ms: self.last_update_ms,
            transaction_start_timestamp_ms: self.start_ms,
            ..Default::default()
        }
    }

    /// The state a record value describes (`None` for an unknown status).
    pub(crate) fn from_value(v: &TransactionLogValue) -> Option<Txn> {
        let partitions = v
            .transaction_partitions
            .iter()
            .flatten()
            .flat_map(|t| t.partition_ids.iter().map(|p| (t.topic.clone(), *p)))
            .collect();
        Some(Txn {
            producer_id: v.producer_id,
            previous_producer_id: v.previous_producer_id,
            producer_epoch: v.producer_epoch,
            last_producer_epoch: -1,
            timeout_ms: v.transaction_timeout_ms,
            state: TxnState::from_id(v.transaction_status)?,
            partitions,
            start_ms: v.transaction_start_timestamp_ms,
            last_update_ms: v.transaction_last_update_timestamp_ms,
        })
    }

    /// The epoch after a bump; saturates at `i16::MAX` (Kafka rotates the
    /// producer id before that, at [`MAX_EPOCH`]).
    pub(crate) fn bumped_epoch(&self) -> i16 {
        self.producer_epoch.saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_kafkas() {
        assert_eq!(TxnState::CompleteAbort.id(), 5);
        assert_eq!(TxnState::from_id(2), Some(TxnState::PrepareCommit));
        assert_eq!(TxnState::from_id(8), None);
        assert_eq!(TxnState::from_id(-1), None);
        for s in STATES {
            assert_eq!(TxnState::from_name(s.name()), Some(s));
            assert_eq!(TxnState::from_id(s.id()), Some(s));
        }
    }

    #[test]
    fn a_state_survives_its_record() {
        let mut t = Txn::new(7, 60_000, 1_000);
        t.producer_epoch = 3;
        t.state = TxnState::Ongoing;
        t.partitions = [("a".to_string(), 0), ("a".to_string(), 2), ("b".to_string(), 1)].into_iter().collect();
        t.start_ms = 900;
        let value = t.to_value();
        assert_eq!(value.transaction_partitions.as_ref().map(Vec::len), Some(2));
        assert_eq!(Txn::from_value(&value), Some(t));
    }
}
