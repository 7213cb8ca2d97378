//! The transaction coordinator: every transactional id of the
//! `__transaction_state` partitions this broker leads, driven by requests and
//! the clock, with Kafka's rules (`TransactionCoordinator`,
//! `TransactionMetadata`, transaction version 1).
//!
//! As the group coordinator, it never waits and does no I/O: a change is
//! written through the [`Journal`] first and applied to memory only once the
//! journal took it, and the caller answers once it is durable. Ending a
//! transaction hands the caller the [`Markers`] to write into the
//! transaction's partitions; once they are written the caller reports back
//! with [`TxnCoordinator::complete`], which records the end. Transactions
//! left half-ended by a crash come back out of [`TxnCoordinator::loaded`].

use std::collections::{BTreeMap, BTreeSet};

use strata_protocol::generated::describe_transactions_response::{
    DescribeTransactionsResponse, TopicData, TransactionState,
};
use strata_protocol::generated::list_transactions_request::ListTransactionsRequest;
use strata_protocol::generated::list_transactions_response::{
    ListTransactionsResponse, TransactionState as ListedState,
};
use strata_protocol::ErrorCode;

use crate::coordinator::{partition_for, Journal};
use crate::txn_record::TxnRecord;
use crate::txn_state::{by_topic, Txn, TxnState, MAX_EPOCH};

/// The transaction coordinator's settings, by Kafka's config names.
#[derive(Debug, Clone)]
pub struct TxnConfig {
    /// `transaction.state.log.num.partitions`.
    pub partitions: i32,
    /// `transaction.max.timeout.ms`.
    pub max_timeout_ms: i32,
    /// `transactional.id.expiration.ms`.
    pub id_expiration_ms: i64,
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`.
    pub abort_check_interval_ms: i64,
    /// `transaction.remove.expired.transaction.cleanup.interval.ms`.
    pub expiry_check_interval_ms: i64,
}

impl Default for TxnConfig {
    fn default() -> TxnConfig {
        TxnConfig {
            partitions: 50,
            max_timeout_ms: 900_000,
            id_expiration_ms: 7 * 24 * 3_600_000,
            abort_check_interval_ms: 10_000,
            expiry_check_interval_ms: 3_600_000,
        }
    }
}

/// The end of a transaction, to be written into each of its partitions.
#[derive(Debug, Clone, PartialEq)]
pub struct Markers {
    /// Whose transaction.
    pub transactional_id: String,
    /// The producer id the markers carry.
    pub producer_id: i64,
    /// The epoch the markers carry.
    pub producer_epoch: i16,
    /// COMMIT (true) or ABORT.
    pub commit: bool,
    /// The coordinator's epoch (its `__transaction_state` partition's leader epoch).
    pub coordinator_epoch: i32,
    /// Every partition of the transaction.
    pub partitions: Vec<(String, i32)>,
}

/// InitProducerId's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// The answer: the producer id and epoch, or an error. With markers when
    /// the id's open transaction was fenced and is now being aborted (the
    /// answer is then CONCURRENT_TRANSACTIONS: the producer retries).
    Answer(Result<(i64, i16), ErrorCode>, Option<Markers>),
    /// A fresh producer id is needed: call again with one.
    NeedProducerId,
}

/// The transaction coordinator's state.
#[derive(Debug)]
pub struct TxnCoordinator {
    config: TxnConfig,
    txns: BTreeMap<String, Txn>,
    /// Loaded partitions and their coordinator epochs.
    loaded: BTreeMap<i32, i32>,
    last_abort_check: i64,
    last_expiry_check: i64,
}

impl TxnCoordinator {
    /// A coordinator with no partitions loaded.
    pub fn new(config: TxnConfig) -> TxnCoordinator {
        TxnCoordinator {
            config,
            txns: BTreeMap::new(),
            loaded: BTreeMap::new(),
            last_abort_check: 0,
            last_expiry_check: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &TxnConfig {
        &self.config
    }

    /// The `__transaction_state` partition of `transactional_id`.
    pub fn partition_for(&self, transactional_id: &str) -> i32 {
        partition_for(transactional_id, self.config.partitions)
    }

    /// Applies one record read back from `__transaction_state` (replay at load).
    pub fn replay(&mut self, record: TxnRecord) {
        match record.value.as_ref().and_then(Txn::from_value) {
            Some(txn) => {
                self.txns.insert(record.transactional_id, txn);
            }
            None => {
                self.txns.remove(&record.transactional_id);
            }
        }
    }

    /// Starts serving `partition` (replayed) with this coordinator epoch; returns
    /// the markers of its transactions that were ending when it was last
    /// served, which the caller writes again.
    pub fn loaded(&mut self, partition: i32, coordinator_epoch: i32) -> Vec<Markers> {
        self.loaded.insert(partition, coordinator_epoch);
        let ending: Vec<String> = self
            .txns
            .iter()
            .filter(|(id, t)| t.state.is_preparing() && self.partition_for(id) == partition)
            .map(|(id, _)| id.clone())
            .collect();
        ending.iter().filter_map(|id| self.markers(id)).collect()
    }

    /// The coordinator epoch `partition` is served in, if it is.
    pub fn loaded_epoch(&self, partition: i32) -> Option<i32> {
        self.loaded.get(&partition).copied()
    }

    /// Whether this coordinator still serves `transactional_id` in
    /// `coordinator_epoch` (its partition not unloaded or loaded again since).
    pub fn serves(&self, transactional_id: &str, coordinator_epoch: i32) -> bool {
        self.serving(transactional_id) == Ok(coordinator_epoch)
    }

    /// Stops serving `partition` (leadership moved away).
    pub fn unload(&mut self, partition: i32) {
        self.loaded.remove(&partition);
        let partitions = self.config.partitions;
        self.txns.retain(|id, _| partition_for(id, partitions) != partition);
    }

    /// The state of a transactional id, if served and known.
    pub fn get(&self, transactional_id: &str) -> Option<&Txn> {
        self.txns.get(transactional_id)
    }

    /// The coordinator epoch of `transactional_id`'s partition, if served.
    fn serving(&self, transactional_id: &str) -> Result<i32, ErrorCode> {
        self.loaded.get(&self.partition_for(transactional_id)).copied().ok_or(ErrorCode::NOT_COORDINATOR)
    }

    /// Writes `txn` as the state of `id`, then keeps it.
    fn store(&mut self, id: &str, txn: Txn, journal: &mut dyn Journal) -> Result<(), ErrorCode> {
        let record = TxnRecord { transactional_id: id.to_string(), value: Some(txn.to_value()) };
        journal.append(self.partition_for(id), vec![record.encode()])?;
        self.txns.insert(id.to_string(), txn);
        Ok(())
    }

    /// The markers that end `id`'s transaction as its state says.
    fn markers(&self, id: &str) -> Option<Markers> {
        let txn = self.txns.get(id)?;
        Some(Markers {
            transactional_id: id.to_string(),
            producer_id: txn.producer_id,
            producer_epoch: txn.producer_epoch,
            commit: txn.state == TxnState::PrepareCommit,
            coordinator_epoch: *self.loaded.get(&self.partition_for(id))?,
            partitions: txn.partitions.iter().cloned().collect(),
        })
    }

    /// InitProducerId with a transactional id. `expected` is the producer id
    /// and epoch the request names (KIP-360), `fresh_id` a new producer id
    /// when the previous call asked for one.
    pub fn init_producer_id(
        &mut self,
        now: i64,
        id: &str,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
        fresh_id: Option<i64>,
        journal: &mut dyn Journal,
    ) -> Init {
        let answer = |r: Result<(i64, i16), ErrorCode>| Init::Answer(r, None);
        if timeout_ms <= 0 || timeout_ms > self.config.max_timeout_ms {
            return answer(Err(ErrorCode::INVALID_TRANSACTION_TIMEOUT));
        }
        if let Err(code) = self.serving(id) {
            return answer(Err(code));
        }
        let Some(current) = self.txns.get(id).cloned() else {
            let Some(producer_id) = fresh_id else { return Init::NeedProducerId };
            let mut txn = Txn::new(producer_id, timeout_ms, now);
            txn.producer_epoch = 0;
            return answer(self.store(id, txn, journal).map(|()| (producer_id, 0)));
        };
        if let Some((pid, epoch)) = expected {
            let valid = current.producer_epoch < 0
                || pid == current.producer_id
                || (pid == current.previous_producer_id && epoch >= MAX_EPOCH);
            if !valid {
                return answer(Err(ErrorCode::PRODUCER_FENCED));
            }
        }
        match current.state {
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort => {
                self.next_epoch(now, id, current, timeout_ms, expected, fresh_id, journal)
            }
            TxnState::Ongoing => {
                // Fence the open transaction: abort it under a bumped epoch; the
                // producer retries and gets a second bump once the abort is done.
                let mut txn = current;
                txn.producer_epoch = txn.bumped_epoch();
                txn.last_producer_epoch = -1;
                txn.state = TxnState::PrepareAbort;
                txn.last_update_ms = now;
                match self.store(id, txn, journal) {
                    Ok(()) => Init::Answer(Err(ErrorCode::CONCURRENT_TRANSACTIONS), self.markers(id)),
                    Err(code) => answer(Err(code)),
                }
            }
            _ => answer(Err(ErrorCode::CONCURRENT_TRANSACTIONS)),
        }
    }

    /// Gives an idle transactional id its next epoch (Kafka's
    /// `prepareIncrementProducerEpoch`), or a new producer id once the
    /// epochs are spent (`prepareProducerIdRotation`).
    #[allow(clippy::too_many_arguments)]
    fn next_epoch(
        &mut self,
        now: i64,
        id: &str,
        current: Txn,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
        fresh_id: Option<i64>,
        journal: &mut dyn Journal,
    ) -> Init {
        let mut txn = current.clone();
        let exhausted = current.producer_epoch >= MAX_EPOCH;
        if exhausted && expected.is_none_or(|(_, e)| e == current.producer_epoch) {
            let Some(producer_id) = fresh_id else { return Init::NeedProducerId };
            txn.previous_producer_id = current.producer_id;
            txn.producer_id = producer_id;
            txn.producer_epoch = 0;
            txn.last_producer_epoch = -1;
        } else {
            let (epoch, last) = match expected {
                None => (current.bumped_epoch(), -1),
                Some((_, e)) if e == -1 || e == current.producer_epoch => {
                    (current.bumped_epoch(), current.producer_epoch)
                }
                Some((_, e)) if e == current.last_producer_epoch => {
                    // A retry whose answer was lost: the bump happened already.
                    return Init::Answer(Ok((current.producer_id, current.producer_epoch)), None);
                }
                Some(_) => return Init::Answer(Err(ErrorCode::PRODUCER_FENCED), None),
            };
            txn.producer_epoch = epoch;
            txn.last_producer_epoch = last;
        }
        txn.timeout_ms = timeout_ms;
        txn.state = TxnState::Empty;
        txn.partitions.clear();
        txn.last_update_ms = now;
        let ids = (txn.producer_id, txn.producer_epoch);
        Init::Answer(self.store(id, txn, journal).map(|()| ids), None)
    }

    /// The transaction of `id` if the producer id and epoch are its own.
    fn check_producer(&self, id: &str, producer_id: i64, epoch: i16) -> Result<Txn, ErrorCode> {
        self.current(id, producer_id, epoch).cloned()
    }

    /// The state of `id`, if served here and held by `producer_id` at `epoch`.
    fn current(&self, id: &str, producer_id: i64, epoch: i16) -> Result<&Txn, ErrorCode> {
        self.serving(id)?;
        let txn = self.txns.get(id).ok_or(ErrorCode::INVALID_PRODUCER_ID_MAPPING)?;
        if txn.producer_id != producer_id {
            return Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
        }
        if txn.producer_epoch != epoch {
            return Err(ErrorCode::PRODUCER_FENCED);
        }
        Ok(txn)
    }

    /// AddPartitionsToTxn v4+ with verify_only (KIP-890), which a partition
    /// leader sends before appending a batch that opens the producer's
    /// transaction there: each partition's answer, NONE if it is in the
    /// ongoing transaction, else INVALID_TXN_STATE; or one error for all
    /// (INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS
    /// while the transaction ends, NOT_COORDINATOR). Nothing is written.
    pub fn verify(
        &self,
        id: &str,
        producer_id: i64,
        epoch: i16,
        partitions: &[(String, i32)],
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        let txn = self.current(id, producer_id, epoch)?;
        if txn.state.is_preparing() {
            return Err(ErrorCode::CONCURRENT_TRANSACTIONS);
        }
        let ongoing = |p: &(String, i32)| txn.state == TxnState::Ongoing && txn.partitions.contains(p);
        Ok(partitions.iter().map(|p| if ongoing(p) { ErrorCode::NONE } else { ErrorCode::INVALID_TXN_STATE }).collect())
    }

    /// AddPartitionsToTxn and AddOffsetsToTxn: adds partitions to the
    /// producer's transaction, opening one if none is open.
    pub fn add_partitions(
        &mut self,
        now: i64,
        id: &str,
        producer_id: i64,
        epoch: i16,
        partitions: &[(String, i32)],
        journal: &mut dyn Journal,
    ) -> Result<(), ErrorCode> {
        let mut txn = self.check_producer(id, producer_id, epoch)?;
        if txn.state.is_preparing() {
            return Err(ErrorCode::CONCURRENT_TRANSACTIONS);
        }
        if txn.state == TxnState::Ongoing && partitions.iter().all(|p| txn.partitions.contains(p)) {
            return Ok(());
        }
        if txn.state != TxnState::Ongoing {
            txn.start_ms = now;
            txn.partitions.clear();
        }
        txn.state = TxnState::Ongoing;
        txn.partitions.extend(partitions.iter().cloned());
        txn.last_update_ms = now;
        self.store(id, txn, journal)
    }

    /// EndTxn: commits or aborts the producer's transaction. The answer goes
    /// out once the prepare record is durable; the markers are then written.
    pub fn end_txn(
        &mut self,
        now: i64,
        id: &str,
        producer_id: i64,
        epoch: i16,
        commit: bool,
        journal: &mut dyn Journal,
    ) -> (Result<(), ErrorCode>, Option<Markers>) {
        let txn = match self.check_producer(id, producer_id, epoch) {
            Ok(t) => t,
            Err(code) => return (Err(code), None),
        };
        let outcome = match (txn.state, commit) {
            (TxnState::Ongoing, _) => return self.prepare_end(now, id, txn, commit, journal),
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => Ok(()),
            (TxnState::PrepareCommit, true) | (TxnState::PrepareAbort, false) => {
                Err(ErrorCode::CONCURRENT_TRANSACTIONS)
            }
            _ => Err(ErrorCode::INVALID_TXN_STATE),
        };
        (outcome, None)
    }

    fn prepare_end(
        &mut self,
        now: i64,
        id: &str,
        mut txn: Txn,
        commit: bool,
        journal: &mut dyn Journal,
    ) -> (Result<(), ErrorCode>, Option<Markers>) {
        txn.state = if commit { TxnState::PrepareCommit } else { TxnState::PrepareAbort };
        txn.last_update_ms = now;
        match self.store(id, txn, journal) {
            Ok(()) => (Ok(()), self.markers(id)),
            Err(code) => (Err(code), None),
        }
    }

    /// Records that `markers` are written in every partition: the
    /// transaction is complete. Nothing happens if the transaction moved on;
    /// NOT_COORDINATOR if its partition is no longer served in the epoch the
    /// markers were sent in (loaded again since, the new load finishes it
    /// with its own markers).
    pub fn complete(&mut self, now: i64, markers: &Markers, journal: &mut dyn Journal) -> Result<(), ErrorCode> {
        let id = &markers.transactional_id;
        if !self.serves(id, markers.coordinator_epoch) {
            return Err(ErrorCode::NOT_COORDINATOR);
        }
        let Some(txn) = self.txns.get(id) else { return Ok(()) };
        let expected = if markers.commit { TxnState::PrepareCommit } else { TxnState::PrepareAbort };
        if txn.state != expected
            || txn.producer_id != markers.producer_id
            || txn.producer_epoch != markers.producer_epoch
        {
            return Ok(());
        }
        let mut txn = txn.clone();
        txn.state = if markers.commit { TxnState::CompleteCommit } else { TxnState::CompleteAbort };
        txn.partitions.clear();
        txn.last_update_ms = now;
        self.store(id, txn, journal)
    }

    /// Advances the clock: aborts transactions open longer than their
    /// timeout, fencing their producer with a bumped epoch (returned: the
    /// markers to write), and removes ids idle for
    /// `transactional.id.expiration.ms`, each on its interval.
    pub fn tick(&mut self, now: i64, journal: &mut dyn Journal) -> Vec<Markers> {
        if now - self.last_expiry_check >= self.config.expiry_check_interval_ms {
            self.last_expiry_check = now;
            self.expire(now, journal);
        }
        if now - self.last_abort_check < self.config.abort_check_interval_ms {
            return Vec::new();
        }
        self.last_abort_check = now;
        let timed_out: Vec<String> = self
            .txns
            .iter()
            .filter(|(id, t)| {
                t.state == TxnState::Ongoing && t.start_ms + i64::from(t.timeout_ms) < now && self.serving(id).is_ok()
            })
            .map(|(id, _)| id.clone())
            .collect();
        let mut markers = Vec::new();
        for id in timed_out {
            let Some(mut txn) = self.txns.get(&id).cloned() else { continue };
            txn.producer_epoch = txn.bumped_epoch();
            txn.last_producer_epoch = -1;
            txn.state = TxnState::PrepareAbort;
            txn.last_update_ms = now;
            if self.store(&id, txn, journal).is_ok() {
                markers.extend(self.markers(&id));
            }
        }
        markers
    }

    /// Removes the served ids idle (no open transaction) for
    /// `transactional.id.expiration.ms`, with a tombstone each.
    fn expire(&mut self, now: i64, journal: &mut dyn Journal) {
        let expiration = self.config.id_expiration_ms;
        let expired: Vec<String> = self
            .txns
            .iter()
            .filter(|(id, t)| {
                matches!(t.state, TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort)
                    && t.last_update_ms + expiration <= now
                    && self.serving(id).is_ok()
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            let tombstone = TxnRecord { transactional_id: id.clone(), value: None };
            if journal.append(self.partition_for(&id), vec![tombstone.encode()]).is_ok() {
                self.txns.remove(&id);
            }
        }
    }

    /// DescribeTransactions.
    pub fn describe(&self, ids: Vec<String>) -> DescribeTransactionsResponse {
        let transaction_states = ids
            .into_iter()
            .map(|id| {
                let found =
                    self.serving(&id).and_then(|_| self.txns.get(&id).ok_or(ErrorCode::TRANSACTIONAL_ID_NOT_FOUND));
                match found {
                    Ok(t) => TransactionState {
                        transaction_state: t.state.name().to_string(),
                        transaction_timeout_ms: t.timeout_ms,
                        transaction_start_time_ms: t.start_ms,
                        producer_id: t.producer_id,
                        producer_epoch: t.producer_epoch,
                        topics: topic_data(&t.partitions),
                        transactional_id: id,
                        ..Default::default()
                    },
                    Err(code) => TransactionState {
                        error_code: code.code(),
                        transactional_id: id,
                        transaction_state: String::new(),
                        producer_id: -1,
                        producer_epoch: -1,
                        transaction_start_time_ms: -1,
                        ..Default::default()
                    },
                }
            })
            .collect();
        DescribeTransactionsResponse { transaction_states, ..Default::default() }
    }

    /// ListTransactions: the served ids, filtered by state names, producer
    /// ids, and (v1) to open or ending transactions started more than
    /// `duration_filter` ms ago.
    pub fn list(&self, now: i64, req: &ListTransactionsRequest) -> ListTransactionsResponse {
        let mut states = BTreeSet::new();
        let mut unknown_state_filters = Vec::new();
        for name in &req.state_filters {
            match TxnState::from_name(name) {
                Some(s) => {
                    states.insert(s.id());
                }
                None => unknown_state_filters.push(name.clone()),
            }
        }
        let transaction_states = self
            .txns
            .iter()
            .filter(|(id, t)| {
                self.serving(id).is_ok()
                    && t.state != TxnState::Dead
                    && (req.producer_id_filters.is_empty() || req.producer_id_filters.contains(&t.producer_id))
                    && (states.is_empty() || states.contains(&t.state.id()))
                    && (req.duration_filter < 0 || (running(t.state) && now - t.start_ms > req.duration_filter))
            })
            .map(|(id, t)| ListedState {
                transactional_id: id.clone(),
                producer_id: t.producer_id,
                transaction_state: t.state.name().to_string(),
                ..Default::default()
            })
            .collect();
        ListTransactionsResponse { unknown_state_filters, transaction_states, ..Default::default() }
    }
}

fn topic_data(partitions: &BTreeSet<(String, i32)>) -> Vec<TopicData> {
    by_topic(partitions)
        .into_iter()
        .map(|(topic, partitions)| TopicData { topic, partitions, ..Default::default() })
        .collect()
}

/// Whether a transaction is open or ending.
fn running(state: TxnState) -> bool {
    state == TxnState::Ongoing || state.is_preparing()
}
