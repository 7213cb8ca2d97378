//! The group coordinator: every group of the `__consumer_offsets` partitions
//! this broker leads, driven by requests and the clock.
//!
//! The coordinator never waits. A request that must wait for the group
//! (JoinGroup until the rebalance completes, SyncGroup until the leader's
//! assignment) is parked under a [`Token`] the caller chose, and its answer
//! comes out of [`GroupCoordinator::take_completed`] after whichever later
//! call or [`GroupCoordinator::tick`] completed it. State that must survive a
//! restart is written through the [`Journal`] before it changes in memory, and
//! the caller sends a call's replies only once that call's writes are durable.

use std::collections::BTreeMap;

use strata_protocol::generated::join_group_response::JoinGroupResponse;
use strata_protocol::generated::sync_group_response::SyncGroupResponse;
use strata_protocol::ErrorCode;

use crate::group::{Group, Token};
use crate::record::{Encoded, GroupRecord};

/// The coordinator's settings, by Kafka's config names.
#[derive(Debug, Clone)]
pub struct Config {
    /// `offsets.topic.num.partitions`.
    pub partitions: i32,
    /// `group.min.session.timeout.ms`.
    pub min_session_timeout_ms: i32,
    /// `group.max.session.timeout.ms`.
    pub max_session_timeout_ms: i32,
    /// `group.initial.rebalance.delay.ms`.
    pub initial_rebalance_delay_ms: i64,
    /// `group.max.size`.
    pub max_size: usize,
    /// `offset.metadata.max.bytes`.
    pub offset_metadata_max_bytes: usize,
    /// `offsets.retention.minutes`, in milliseconds.
    pub offsets_retention_ms: i64,
    /// `offsets.retention.check.interval.ms`.
    pub offsets_retention_check_interval_ms: i64,
    /// `group.consumer.session.timeout.ms` (KIP-848 members).
    pub consumer_session_timeout_ms: i32,
    /// `group.consumer.heartbeat.interval.ms`.
    pub consumer_heartbeat_interval_ms: i32,
    /// `group.consumer.max.size`.
    pub consumer_max_size: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            partitions: 50,
            min_session_timeout_ms: 6_000,
            max_session_timeout_ms: 1_800_000,
            initial_rebalance_delay_ms: 3_000,
            max_size: i32::MAX as usize,
            offset_metadata_max_bytes: 4096,
            offsets_retention_ms: 7 * 24 * 3_600_000,
            offsets_retention_check_interval_ms: 600_000,
            consumer_session_timeout_ms: 45_000,
            consumer_heartbeat_interval_ms: 5_000,
            consumer_max_size: i32::MAX as usize,
        }
    }
}

/// Where a coordinator's records go: partitions of its internal topic
/// (`__consumer_offsets`, `__transaction_state`).
pub trait Journal {
    /// Appends records to `partition`. The caller sends the replies of the
    /// call that appended only once they are durable; an error leaves the
    /// coordinator's state as it was and is answered with the returned code.
    fn append(&mut self, partition: i32, records: Vec<Encoded>) -> Result<(), ErrorCode>;

    /// Appends records to `partition` inside a producer's transaction (a
    /// transactional batch carrying its id and epoch); the same contract.
    fn append_transactional(
        &mut self,
        partition: i32,
        producer_id: i64,
        producer_epoch: i16,
        records: Vec<Encoded>,
    ) -> Result<(), ErrorCode>;
}

/// The answer to a parked request.
#[derive(Debug, Clone, PartialEq)]
pub enum Completed {
    /// A JoinGroup's.
    Join(JoinGroupResponse),
    /// A SyncGroup's.
    Sync(SyncGroupResponse),
}

/// Who sent a request.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// The request header's client id.
    pub client_id: &'a str,
    /// The address it connects from.
    pub host: &'a str,
}

/// The partition of `__consumer_offsets` that holds `group`: Java's
/// `String.hashCode` of the id, made non-negative as Kafka's `Utils.abs`
/// does, modulo the partition count — so a group lands where Kafka puts it.
pub fn partition_for(group: &str, partitions: i32) -> i32 {
    let hash = group.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)));
    let abs = if hash == i32::MIN { 0 } else { hash.abs() };
    abs % partitions.max(1)
}

/// The group coordinator's state.
#[derive(Debug)]
pub struct GroupCoordinator {
    pub(crate) config: Config,
    pub(crate) groups: BTreeMap<String, Group>,
    loaded: BTreeMap<i32, i32>,
    completed: Vec<(Token, Completed)>,
    seed: u128,
    next_id: u64,
    last_expiry: i64,
}

impl GroupCoordinator {
    /// A coordinator with no partitions loaded. `seed` makes member ids
    /// unique to this process (the broker passes random bytes).
    pub fn new(config: Config, seed: u128) -> GroupCoordinator {
        GroupCoordinator {
            config,
            groups: BTreeMap::new(),
            loaded: BTreeMap::new(),
            completed: Vec::new(),
            seed,
            next_id: 0,
            last_expiry: 0,
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Applies one record read back from `__consumer_offsets` (replay at load).
    pub fn replay(&mut self, record: GroupRecord, now: i64) {
        match record {
            GroupRecord::Offset(key, Some(value)) => {
                let group = self.groups.entry(key.group.clone()).or_insert_with(|| Group::new(&key.group, now));
                let committed = crate::group::Committed {
                    offset: value.offset,
                    leader_epoch: value.leader_epoch,
                    metadata: value.metadata,
                    timestamp: value.commit_timestamp,
                };
                group.offsets.insert((key.topic, key.partition), committed);
            }
            GroupRecord::Offset(key, None) => {
                if let Some(group) = self.groups.get_mut(&key.group) {
                    group.offsets.remove(&(key.topic, key.partition));
                }
            }
            GroupRecord::Group(id, Some(value)) => {
                self.groups.entry(id.clone()).or_insert_with(|| Group::new(&id, now)).restore(value, now);
            }
            GroupRecord::Group(id, None) => {
                self.groups.remove(&id);
            }
            GroupRecord::Consumer(id, record) => {
                let session = now + i64::from(self.config.consumer_session_timeout_ms);
                self.apply_consumer(&id, record, session, now);
            }
        }
    }

    /// Marks `partition` as loaded from its log in `leader_epoch`: its groups
    /// are served from now on.
    pub fn loaded(&mut self, partition: i32, leader_epoch: i32) {
        self.loaded.insert(partition, leader_epoch);
    }

    /// The leader epoch `partition` was loaded in, if it is loaded. Another
    /// epoch means another broker may have led it meanwhile, and written
    /// records this coordinator has not seen: it must be loaded again.
    pub fn loaded_epoch(&self, partition: i32) -> Option<i32> {
        self.loaded.get(&partition).copied()
    }

    /// Drops `partition`'s groups (leadership moved away); parked requests of
    /// its groups are answered NOT_COORDINATOR.
    pub fn unload(&mut self, partition: i32) {
        self.loaded.remove(&partition);
        let partitions = self.config.partitions;
        let gone: Vec<String> =
            self.groups.keys().filter(|g| partition_for(g, partitions) == partition).cloned().collect();
        for id in gone {
            if let Some(group) = self.groups.remove(&id) {
                for member in group.members.values() {
                    self.answer_parked(member, ErrorCode::NOT_COORDINATOR);
                }
            }
        }
    }

    /// Answers that are ready, to parked requests.
    pub fn take_completed(&mut self) -> Vec<(Token, Completed)> {
        std::mem::take(&mut self.completed)
    }

    pub(crate) fn complete(&mut self, token: Token, reply: Completed) {
        self.completed.push((token, reply));
    }

    /// The partition holding `group`, if this coordinator serves it.
    pub(crate) fn serving(&self, group: &str) -> Result<i32, ErrorCode> {
        let partition = partition_for(group, self.config.partitions);
        if self.loaded.contains_key(&partition) {
            Ok(partition)
        } else {
            Err(ErrorCode::NOT_COORDINATOR)
        }
    }

    /// A new member id: the client id (or instance id), a dash and a UUID.
    pub(crate) fn new_member_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let v = self.seed ^ (u128::from(self.next_id).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835));
        let h = format!("{v:032x}");
        format!("{prefix}-{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }

    /// Writes a group's record (or tombstone) to its partition.
    pub(crate) fn store_group(
        &self,
        journal: &mut dyn Journal,
        group: &Group,
        now: i64,
        remove: bool,
    ) -> Result<(), ErrorCode> {
        let value = (!remove).then(|| group.to_record(now));
        let partition = partition_for(&group.id, self.config.partitions);
        journal.append(partition, vec![GroupRecord::Group(group.id.clone(), value).encode()])
    }

    /// Advances the clock: expires members and announced member ids, ends
    /// rebalances whose time is up, and expires offsets on schedule.
    pub fn tick(&mut self, now: i64, journal: &mut dyn Journal) {
        let ids: Vec<String> = self.groups.keys().cloned().collect();
        for id in ids {
            self.tick_group(&id, now, journal);
            self.tick_consumer(&id, now, journal);
        }
        if now - self.last_expiry >= self.config.offsets_retention_check_interval_ms {
            self.last_expiry = now;
            self.expire_offsets(now, journal);
        }
    }
}
