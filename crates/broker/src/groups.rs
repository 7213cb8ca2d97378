//! The group coordinator at run time: strata-coordinator's state machine
//! behind a mutex, with `__consumer_offsets` as its journal and a timer.
//!
//! A call runs the state machine under the lock; the records it wrote are
//! appended to their `__consumer_offsets` partition right there (so the log
//! holds them in the order the state changed) and fsynced after the lock is
//! released, one group-committed fsync per partition. Only then do the call's
//! replies leave: its own, and those of the parked JoinGroup and SyncGroup
//! requests it completed. If the fsync fails, those replies carry
//! KAFKA_STORAGE_ERROR instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use strata_coordinator::{Completed, Config, GroupCoordinator, GroupRecord, Journal, Token};
use strata_metadata::config::Layers;
use strata_metadata::MetadataImage;
use strata_protocol::ErrorCode;
use strata_storage::TxnVerification;
use tokio::sync::{oneshot, watch};

use crate::broker::Broker;
use crate::error::BrokerError;
use crate::journal::{durable, internal_partitions, replay, to_load, Entry, Flush, TopicJournal};
use crate::replicas::Replicas;
use crate::time::now_ms;

/// The name of the internal topic holding groups and offsets.
pub(crate) const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// How often the coordinator's timers are checked.
const TICK: Duration = Duration::from_millis(100);

/// The coordinator and the parked requests waiting on it.
#[derive(Debug)]
pub(crate) struct Groups {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    engine: GroupCoordinator,
    waiting: HashMap<Token, oneshot::Sender<Completed>>,
    next_token: Token,
}

/// The coordinator's settings from the broker configs; the partition count
/// is the topic's own once it exists.
pub(crate) fn config(layers: &Layers<'_>, image: &MetadataImage) -> Config {
    Config {
        partitions: internal_partitions(layers, image, OFFSETS_TOPIC, "offsets.topic.num.partitions"),
        min_session_timeout_ms: layers.broker_value("group.min.session.timeout.ms"),
        max_session_timeout_ms: layers.broker_value("group.max.session.timeout.ms"),
        initial_rebalance_delay_ms: layers.broker_value("group.initial.rebalance.delay.ms"),
        max_size: layers.broker_value::<i32>("group.max.size").max(1) as usize,
        offset_metadata_max_bytes: layers.broker_value::<i32>("offset.metadata.max.bytes").max(0) as usize,
        offsets_retention_ms: layers.broker_value::<i64>("offsets.retention.minutes") * 60_000,
        offsets_retention_check_interval_ms: layers.broker_value("offsets.retention.check.interval.ms"),
        consumer_session_timeout_ms: layers.broker_value("group.consumer.session.timeout.ms"),
        consumer_heartbeat_interval_ms: layers.broker_value("group.consumer.heartbeat.interval.ms"),
        consumer_max_size: layers.broker_value::<i32>("group.consumer.max.size").max(1) as usize,
    }
}

impl Groups {
    /// A coordinator with nothing loaded.
    pub(crate) fn new(config: Config) -> Result<Groups, BrokerError> {
        let seed = crate::data_dir::random_bytes::<16>()
            .map_err(|e| BrokerError::Startup(format!("seeding member ids: {e}")))?;
        let engine = GroupCoordinator::new(config, u128::from_le_bytes(seed));
        Ok(Groups { inner: Mutex::new(Inner { engine, waiting: HashMap::new(), next_token: 0 }) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replays every `__consumer_offsets` partition this broker leads and has
    /// not loaded in its current leader epoch (one led by another broker
    /// meanwhile is loaded again), and starts serving its groups; stops
    /// serving those it no longer leads (their new leader loads them from its
    /// replica).
    pub(crate) fn load(&self, replicas: &Replicas) -> Result<(), BrokerError> {
        let mut inner = self.lock();
        let partitions = inner.engine.config().partitions;
        for (index, p) in to_load(&mut inner.engine, replicas, OFFSETS_TOPIC, partitions) {
            let now = now_ms();
            let engine = &mut inner.engine;
            let count = replay(&p.log, OFFSETS_TOPIC, index, |entry| match entry {
                Entry::Record { key, value, transactional } => match (GroupRecord::decode(key, value), transactional) {
                    (Ok(Some(r)), None) => engine.replay(r, now),
                    (Ok(Some(r)), Some(producer_id)) => engine.replay_transactional(r, producer_id, now),
                    (Ok(None), _) => {}
                    (Err(e), _) => tracing::warn!(partition = index, error = %e, "skipped an undecodable group record"),
                },
                Entry::Marker { producer_id, commit } => engine.end_transaction(index, producer_id, commit),
            })?;
            inner.engine.loaded(index, p.leader_epoch());
            tracing::debug!(partition = index, records = count, "loaded group coordinator partition");
        }
        Ok(())
    }

    /// Runs `f` on the coordinator. The records `f` wrote are appended; the
    /// returned [`Pending`] waits until they are durable.
    pub(crate) fn call<R>(
        &self,
        replicas: &Replicas,
        f: impl FnOnce(&mut GroupCoordinator, &mut dyn Journal) -> R,
    ) -> Pending<R> {
        self.call_verified(replicas, TxnVerification::Off, f)
    }

    /// [`Groups::call`], where a transactional batch that opens its
    /// producer's transaction in a partition is appended only as `txn`
    /// allows (a TxnOffsetCommit verified with the transaction coordinator).
    pub(crate) fn call_verified<R>(
        &self,
        replicas: &Replicas,
        txn: TxnVerification,
        f: impl FnOnce(&mut GroupCoordinator, &mut dyn Journal) -> R,
    ) -> Pending<R> {
        let mut journal = TopicJournal::new(OFFSETS_TOPIC, replicas);
        journal.txn = txn;
        let mut inner = self.lock();
        let result = f(&mut inner.engine, &mut journal);
        let ready = inner
            .engine
            .take_completed()
            .into_iter()
            .filter_map(|(token, reply)| inner.waiting.remove(&token).map(|tx| (tx, reply)))
            .collect();
        Pending { result, ready, flushes: journal.flushes }
    }

    /// Runs `f` on the coordinator, for calls that write nothing and park nothing.
    pub(crate) fn direct<R>(&self, f: impl FnOnce(&mut GroupCoordinator) -> R) -> R {
        f(&mut self.lock().engine)
    }

    /// Runs `f` for a request that may be parked (JoinGroup, SyncGroup): `f`
    /// gets the request's token; [`Parked::answer`] waits for its answer.
    pub(crate) fn call_parked(
        &self,
        replicas: &Replicas,
        f: impl FnOnce(&mut GroupCoordinator, &mut dyn Journal, Token),
    ) -> Parked {
        let (tx, rx) = oneshot::channel();
        let token = {
            let mut inner = self.lock();
            inner.next_token += 1;
            let token = inner.next_token;
            inner.waiting.insert(token, tx);
            token
        };
        Parked { call: self.call(replicas, |e, j| f(e, j, token)), answer: rx }
    }
}

/// A parked request: the call that parked it, and where its answer arrives.
pub(crate) struct Parked {
    call: Pending<()>,
    answer: oneshot::Receiver<Completed>,
}

impl Parked {
    /// The answer, once given (`None` if the coordinator dropped the request).
    pub(crate) async fn answer(self) -> Option<Completed> {
        // An fsync failure reaches the parked request inside its answer.
        let _ = self.call.durable().await;
        self.answer.await.ok()
    }
}

/// A coordinator call's outcome, waiting for its records to be durable.
pub(crate) struct Pending<R> {
    result: R,
    ready: Vec<(oneshot::Sender<Completed>, Completed)>,
    flushes: Vec<Flush>,
}

impl<R> Pending<R> {
    /// Waits for the fsync, hands parked requests their answers (or the
    /// fsync's error), and returns the call's result with the fsync's outcome:
    /// on an error the caller answers with it instead of the result's codes.
    pub(crate) async fn durable(self) -> (R, Result<(), ErrorCode>) {
        let durable = durable(self.flushes).await;
        for (tx, reply) in self.ready {
            let _ = tx.send(match durable {
                Ok(()) => reply,
                Err(code) => with_error(reply, code),
            });
        }
        (self.result, durable)
    }
}

fn with_error(reply: Completed, code: ErrorCode) -> Completed {
    match reply {
        Completed::Join(mut r) => {
            r.error_code = code.code();
            Completed::Join(r)
        }
        Completed::Sync(mut r) => {
            r.error_code = code.code();
            Completed::Sync(r)
        }
    }
}

/// Runs the coordinator's timers until shutdown.
pub(crate) async fn run_timer(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => return,
        }
        let now = now_ms();
        let _ = broker.groups.call(&broker.replicas, |engine, journal| engine.tick(now, journal)).durable().await;
    }
}
