//! Transactional offset commits (TxnOffsetCommit): offsets a transactional
//! producer commits for a group are written to `__consumer_offsets` inside
//! its transaction (a transactional batch with its producer id and epoch)
//! and kept pending until the transaction's marker reaches that partition:
//! COMMIT makes them the group's committed offsets, ABORT drops them
//! (Kafka's `OffsetMetadataManager.replayEndTransactionMarker`). Replay
//! treats the log the same way, so pending offsets survive a restart.

use strata_protocol::generated::txn_offset_commit_request::TxnOffsetCommitRequest;
use strata_protocol::generated::txn_offset_commit_response::{
    TxnOffsetCommitResponse, TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use strata_protocol::ErrorCode;

use crate::coordinator::{partition_for, GroupCoordinator, Journal};
use crate::group::{Committed, Group};
use crate::offsets::validate_commit;
use crate::record::GroupRecord;

impl GroupCoordinator {
    /// TxnOffsetCommit. `exists` says whether a topic partition exists.
    pub fn txn_commit_offsets(
        &mut self,
        now: i64,
        version: i16,
        req: TxnOffsetCommitRequest,
        exists: &dyn Fn(&str, i32) -> bool,
        journal: &mut dyn Journal,
    ) -> TxnOffsetCommitResponse {
        let generation = if version >= 3 { req.generation_id } else { -1 };
        let top = if req.group_id.is_empty() {
            Err(ErrorCode::INVALID_GROUP_ID)
        } else {
            self.serving(&req.group_id).and_then(|_| match self.groups.get(&req.group_id) {
                Some(g) => {
                    validate_commit(g, version, generation, &req.member_id, req.group_instance_id.as_deref(), true)
                }
                None if generation < 0 => Ok(()),
                None => Err(ErrorCode::ILLEGAL_GENERATION),
            })
        };
        let offered = req.topics.into_iter().map(|t| {
            let partitions = t.partitions.into_iter().map(|p| {
                let metadata = p.committed_metadata.unwrap_or_default();
                let c = Committed {
                    offset: p.committed_offset,
                    leader_epoch: p.committed_leader_epoch,
                    metadata,
                    timestamp: now,
                };
                (p.partition_index, c)
            });
            (t.name, partitions.collect())
        });
        let producer = Some((req.producer_id, req.producer_epoch));
        let codes = self.store_offsets(now, &req.group_id, top, offered.collect(), exists, producer, journal);
        let topics = codes
            .into_iter()
            .map(|(name, partitions)| TxnOffsetCommitResponseTopic {
                name,
                partitions: partitions
                    .into_iter()
                    .map(|(partition_index, code)| TxnOffsetCommitResponsePartition {
                        partition_index,
                        error_code: code.code(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect();
        TxnOffsetCommitResponse { topics, ..Default::default() }
    }

    /// Applies a record read back from a transactional batch of
    /// `producer_id` (replay at load): offsets stay pending until the marker.
    pub fn replay_transactional(&mut self, record: GroupRecord, producer_id: i64, now: i64) {
        match record {
            GroupRecord::Offset(key, Some(value)) => {
                let group = self.groups.entry(key.group.clone()).or_insert_with(|| Group::new(&key.group, now));
                let committed = Committed {
                    offset: value.offset,
                    leader_epoch: value.leader_epoch,
                    metadata: value.metadata,
                    timestamp: value.commit_timestamp,
                };
                group.pending_txn.entry(producer_id).or_default().insert((key.topic, key.partition), committed);
            }
            other => self.replay(other, now),
        }
    }

    /// A transaction's marker is in `partition` of `__consumer_offsets`
    /// (written now, or met in replay): the producer's pending offsets of
    /// that partition's groups become committed (`commit`) or are dropped.
    pub fn end_transaction(&mut self, partition: i32, producer_id: i64, commit: bool) {
        let partitions = self.config.partitions;
        for group in self.groups.values_mut().filter(|g| partition_for(&g.id, partitions) == partition) {
            if let Some(pending) = group.pending_txn.remove(&producer_id) {
                if commit {
                    group.offsets.extend(pending);
                }
            }
        }
    }

    /// Whether a transaction holds an uncommitted offset for this partition
    /// of the group (OffsetFetch with `require_stable` answers
    /// UNSTABLE_OFFSET_COMMIT for it).
    pub fn is_unstable(&self, group_id: &str, topic: &str, partition: i32) -> bool {
        let key = (topic.to_string(), partition);
        self.groups.get(group_id).is_some_and(|g| g.pending_txn.values().any(|p| p.contains_key(&key)))
    }
}
