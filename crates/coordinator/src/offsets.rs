//! Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete, and the
//! expiry of offsets.retention.minutes.

use std::collections::BTreeSet;

use bytes::Bytes;
use strata_protocol::generated::consumer_protocol_subscription::ConsumerProtocolSubscription;
use strata_protocol::generated::offset_commit_request::OffsetCommitRequest;
use strata_protocol::generated::offset_commit_response::{
    OffsetCommitResponse, OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use strata_protocol::generated::offset_delete_request::OffsetDeleteRequest;
use strata_protocol::generated::offset_delete_response::{
    OffsetDeleteResponse, OffsetDeleteResponsePartition, OffsetDeleteResponseTopic,
};
use strata_protocol::internal::group::{OffsetCommitKey, OffsetCommitValue};
use strata_protocol::{ErrorCode, Reader, Struct};

use crate::coordinator::{partition_for, GroupCoordinator, Journal};
use crate::group::{Committed, Group, State};
use crate::membership::validate_member;
use crate::record::{ConsumerRecord, GroupRecord};

/// The offsets asked for: every one of the group's (`None`), or these
/// partitions by topic.
pub type Wanted = Option<Vec<(String, Vec<i32>)>>;

/// A group's answer to OffsetFetch: per topic, per partition, its committed
/// offset if there is one.
pub type Fetched = Vec<(String, Vec<(i32, Option<Committed>)>)>;

fn offset_record(group: &str, topic: &str, partition: i32, value: Option<&Committed>) -> GroupRecord {
    let key = OffsetCommitKey { group: group.to_string(), topic: topic.to_string(), partition };
    let value = value.map(|c| OffsetCommitValue {
        offset: c.offset,
        leader_epoch: c.leader_epoch,
        metadata: c.metadata.clone(),
        commit_timestamp: c.timestamp,
        ..Default::default()
    });
    GroupRecord::Offset(key, value)
}

/// Whether a commit with this generation and member may go ahead (Kafka's
/// `ClassicGroup.validateOffsetCommit`, and `ConsumerGroup.validateOffsetCommit`
/// for KIP-848 groups, where the generation is the member epoch). A
/// transactional commit (TxnOffsetCommit) may come without a member, and is
/// not held back by a rebalance.
pub(crate) fn validate_commit(
    group: &Group,
    version: i16,
    generation: i32,
    member_id: &str,
    instance: Option<&str>,
    transactional: bool,
) -> Result<(), ErrorCode> {
    if let Some(consumer) = &group.consumer {
        let anonymous = if transactional { member_id.is_empty() } else { consumer.members.is_empty() };
        if generation < 0 && anonymous {
            return Ok(());
        }
        let member = consumer.members.get(member_id).ok_or(ErrorCode::UNKNOWN_MEMBER_ID)?;
        if !transactional && version < 9 {
            return Err(ErrorCode::UNSUPPORTED_VERSION);
        }
        return match (generation == member.current.epoch, transactional) {
            (true, _) => Ok(()),
            (false, true) => Err(ErrorCode::ILLEGAL_GENERATION),
            (false, false) => Err(ErrorCode::STALE_MEMBER_EPOCH),
        };
    }
    if generation < 0 && group.state == State::Empty {
        return Ok(()); // a standalone consumer or an admin client
    }
    if generation >= 0 || !member_id.is_empty() || instance.is_some() {
        validate_member(group, member_id, instance)?;
        if generation != group.generation {
            return Err(ErrorCode::ILLEGAL_GENERATION);
        }
    } else if group.state != State::Empty && !transactional {
        return Err(ErrorCode::UNKNOWN_MEMBER_ID);
    }
    if group.state == State::CompletingRebalance && !transactional {
        return Err(ErrorCode::REBALANCE_IN_PROGRESS);
    }
    Ok(())
}

/// The topics the members of a non-empty consumer group subscribe to.
fn subscribed_topics(group: &Group) -> BTreeSet<String> {
    if let Some(consumer) = &group.consumer {
        let names = consumer.members.values().flat_map(|m| m.meta.subscribed_topic_names.iter());
        return names.chain(consumer.topics.iter().map(|t| &t.topic_name)).cloned().collect();
    }
    let protocol = group.protocol.clone().unwrap_or_default();
    let mut topics = BTreeSet::new();
    for member in group.members.values() {
        let mut r = Reader::new(member.metadata(&protocol));
        let Ok(version) = r.i16() else { continue };
        if let Ok(sub) = ConsumerProtocolSubscription::decode(&mut r, version.clamp(0, 3)) {
            topics.extend(sub.topics);
        }
    }
    topics
}

impl GroupCoordinator {
    /// OffsetCommit. `exists` says whether a topic partition exists.
    pub fn commit_offsets(
        &mut self,
        now: i64,
        version: i16,
        req: OffsetCommitRequest,
        exists: &dyn Fn(&str, i32) -> bool,
        journal: &mut dyn Journal,
    ) -> OffsetCommitResponse {
        let generation = if version == 0 { -1 } else { req.generation_id_or_member_epoch };
        let top = if req.group_id.is_empty() {
            Err(ErrorCode::INVALID_GROUP_ID)
        } else {
            self.serving(&req.group_id).and_then(|_| match self.groups.get(&req.group_id) {
                Some(g) => {
                    validate_commit(g, version, generation, &req.member_id, req.group_instance_id.as_deref(), false)
                }
                None if generation < 0 => Ok(()),
                None => Err(ErrorCode::ILLEGAL_GENERATION),
            })
        };
        let offered = req.topics.into_iter().map(|t| {
            let partitions = t.partitions.into_iter().map(|p| {
                let timestamp = if version == 1 && p.commit_timestamp >= 0 { p.commit_timestamp } else { now };
                let metadata = p.committed_metadata.unwrap_or_default();
                let c = Committed {
                    offset: p.committed_offset,
                    leader_epoch: p.committed_leader_epoch,
                    metadata,
                    timestamp,
                };
                (p.partition_index, c)
            });
            (t.name, partitions.collect())
        });
        let codes = self.store_offsets(now, &req.group_id, top, offered.collect(), exists, None, journal);
        let topics = codes
            .into_iter()
            .map(|(name, partitions)| OffsetCommitResponseTopic {
                name,
                partitions: partitions
                    .into_iter()
                    .map(|(partition_index, code)| OffsetCommitResponsePartition {
                        partition_index,
                        error_code: code.code(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect();
        OffsetCommitResponse { topics, ..Default::default() }
    }

    /// Checks and writes offered offsets (OffsetCommit, or TxnOffsetCommit
    /// with `producer`): offsets of partitions that exist and whose metadata
    /// fits are written to the group's partition, and kept (a transaction's
    /// as pending until its marker). Returns each partition's code.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn store_offsets(
        &mut self,
        now: i64,
        group_id: &str,
        top: Result<(), ErrorCode>,
        offered: Vec<(String, Vec<(i32, Committed)>)>,
        exists: &dyn Fn(&str, i32) -> bool,
        producer: Option<(i64, i16)>,
        journal: &mut dyn Journal,
    ) -> Vec<(String, Vec<(i32, ErrorCode)>)> {
        let max_metadata = self.config.offset_metadata_max_bytes;
        let mut accepted = Vec::new();
        let mut codes: Vec<(String, Vec<(i32, ErrorCode)>)> = offered
            .into_iter()
            .map(|(topic, partitions)| {
                let partitions = partitions
                    .into_iter()
                    .map(|(partition, committed)| {
                        let code = match top {
                            Err(code) => code,
                            Ok(()) if !exists(&topic, partition) => ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                            Ok(()) if committed.metadata.len() > max_metadata => ErrorCode::OFFSET_METADATA_TOO_LARGE,
                            Ok(()) => {
                                accepted.push((topic.clone(), partition, committed));
                                ErrorCode::NONE
                            }
                        };
                        (partition, code)
                    })
                    .collect();
                (topic, partitions)
            })
            .collect();
        if accepted.is_empty() {
            return codes;
        }
        let records = accepted.iter().map(|(t, p, c)| offset_record(group_id, t, *p, Some(c)).encode()).collect();
        let partition = partition_for(group_id, self.config.partitions);
        let written = match producer {
            None => journal.append(partition, records),
            Some((id, epoch)) => journal.append_transactional(partition, id, epoch, records),
        };
        if let Err(failed) = written {
            for code in codes.iter_mut().flat_map(|(_, ps)| ps.iter_mut()).map(|(_, c)| c) {
                if *code == ErrorCode::NONE {
                    *code = failed;
                }
            }
            return codes;
        }
        let group = self.groups.entry(group_id.to_string()).or_insert_with(|| Group::new(group_id, now));
        let target = match producer {
            None => &mut group.offsets,
            Some((id, _)) => group.pending_txn.entry(id).or_default(),
        };
        for (t, p, c) in accepted {
            target.insert((t, p), c);
        }
        codes
    }

    /// OffsetFetch v9's member check for a KIP-848 group (Kafka's
    /// `ConsumerGroup.validateOffsetFetch`): a member that names itself must
    /// be in the group at the epoch it names. Classic groups are not checked.
    pub fn validate_offset_fetch(
        &self,
        group_id: &str,
        member_id: Option<&str>,
        member_epoch: i32,
    ) -> Result<(), ErrorCode> {
        let Some(consumer) = self.groups.get(group_id).and_then(|g| g.consumer.as_ref()) else { return Ok(()) };
        if member_epoch < 0 && member_id.is_none() {
            return Ok(());
        }
        let member = member_id.and_then(|id| consumer.members.get(id)).ok_or(ErrorCode::UNKNOWN_MEMBER_ID)?;
        if member.current.epoch == member_epoch {
            Ok(())
        } else {
            Err(ErrorCode::STALE_MEMBER_EPOCH)
        }
    }

    /// One group's committed offsets (OffsetFetch), or the group-level error.
    pub fn fetch_offsets(&self, group_id: &str, wanted: Wanted) -> Result<Fetched, ErrorCode> {
        self.serving(group_id)?;
        let group = self.groups.get(group_id);
        let committed = |t: &str, p: i32| group.and_then(|g| g.offsets.get(&(t.to_string(), p))).cloned();
        let wanted = wanted.unwrap_or_else(|| {
            let mut all: Vec<(String, Vec<i32>)> = Vec::new();
            for (t, p) in group.map(|g| g.offsets.keys()).into_iter().flatten() {
                match all.last_mut() {
                    Some((last, ps)) if last == t => ps.push(*p),
                    _ => all.push((t.clone(), vec![*p])),
                }
            }
            all
        });
        Ok(wanted
            .into_iter()
            .map(|(t, ps)| {
                let found = ps.into_iter().map(|p| (p, committed(&t, p))).collect();
                (t, found)
            })
            .collect())
    }

    /// OffsetDelete: removes offsets of topics the group does not consume.
    pub fn delete_offsets(&mut self, req: OffsetDeleteRequest, journal: &mut dyn Journal) -> OffsetDeleteResponse {
        let fail = |code: ErrorCode| OffsetDeleteResponse { error_code: code.code(), ..Default::default() };
        if let Err(code) = self.serving(&req.group_id) {
            return fail(code);
        }
        let Some(group) = self.groups.get(&req.group_id) else { return fail(ErrorCode::GROUP_ID_NOT_FOUND) };
        let consumer = group.protocol_type.as_deref() == Some("consumer");
        if group.state != State::Empty && !consumer {
            return fail(ErrorCode::NON_EMPTY_GROUP);
        }
        let subscribed = if group.state == State::Empty { BTreeSet::new() } else { subscribed_topics(group) };
        let mut removed = Vec::new();
        let topics = req
            .topics
            .iter()
            .map(|t| OffsetDeleteResponseTopic {
                name: t.name.clone(),
                partitions: t
                    .partitions
                    .iter()
                    .map(|p| {
                        let code = if subscribed.contains(&t.name) {
                            ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC
                        } else {
                            if group.offsets.contains_key(&(t.name.clone(), p.partition_index)) {
                                removed.push((t.name.clone(), p.partition_index));
                            }
                            ErrorCode::NONE
                        };
                        OffsetDeleteResponsePartition { partition_index: p.partition_index, error_code: code.code() }
                    })
                    .collect(),
            })
            .collect();
        if let Err(code) = self.remove_offsets(&req.group_id, &removed, journal) {
            return fail(code);
        }
        OffsetDeleteResponse { topics, ..Default::default() }
    }

    /// Writes tombstones for these offsets of the group, then forgets them.
    pub(crate) fn remove_offsets(
        &mut self,
        group_id: &str,
        offsets: &[(String, i32)],
        journal: &mut dyn Journal,
    ) -> Result<(), ErrorCode> {
        if offsets.is_empty() {
            return Ok(());
        }
        let records = offsets.iter().map(|(t, p)| offset_record(group_id, t, *p, None).encode()).collect();
        journal.append(partition_for(group_id, self.config.partitions), records)?;
        if let Some(group) = self.groups.get_mut(group_id) {
            for key in offsets {
                group.offsets.remove(key);
            }
        }
        Ok(())
    }

    /// Expires offsets (offsets.retention.minutes): every offset of a group
    /// that has been Empty that long, and each offset of a standalone group
    /// (never had members) committed that long ago. A group left with neither
    /// members nor offsets is deleted.
    pub(crate) fn expire_offsets(&mut self, now: i64, journal: &mut dyn Journal) {
        let retention = self.config.offsets_retention_ms;
        let expired: Vec<(String, Vec<(String, i32)>)> = self
            .groups
            .values()
            .filter(|g| g.state == State::Empty && g.pending_txn.is_empty())
            .map(|g| {
                let whole = g.protocol_type.is_some() && g.state_since + retention <= now;
                let keys = g
                    .offsets
                    .iter()
                    .filter(|(_, c)| whole || (g.protocol_type.is_none() && c.timestamp + retention <= now))
                    .map(|(k, _)| k.clone())
                    .collect();
                (g.id.clone(), keys)
            })
            .filter(|(id, keys): &(String, Vec<(String, i32)>)| !keys.is_empty() || self.vacant_consumer_group(id))
            .collect();
        for (group_id, keys) in expired {
            if self.remove_offsets(&group_id, &keys, journal).is_err() {
                continue;
            }
            if self.groups.get(&group_id).is_some_and(|g| g.offsets.is_empty()) {
                // Should the tombstone fail, the group stays and the next pass retries.
                let _ = self.delete_group(&group_id, journal);
            }
        }
    }

    /// Whether a group is a KIP-848 group with neither members nor offsets.
    fn vacant_consumer_group(&self, id: &str) -> bool {
        self.groups
            .get(id)
            .is_some_and(|g| g.offsets.is_empty() && g.consumer.as_ref().is_some_and(|c| c.members.is_empty()))
    }

    /// Writes a group's tombstone (and its offsets'), then forgets the group.
    pub(crate) fn delete_group(&mut self, group_id: &str, journal: &mut dyn Journal) -> Result<(), ErrorCode> {
        let Some(group) = self.groups.get(group_id) else { return Err(ErrorCode::GROUP_ID_NOT_FOUND) };
        let mut records: Vec<(Bytes, Option<Bytes>)> =
            group.offsets.keys().map(|(t, p)| offset_record(group_id, t, *p, None).encode()).collect();
        if group.consumer.is_some() {
            records.extend(ConsumerRecord::group_tombstones().iter().map(|r| r.encode(group_id)));
        }
        records.push(GroupRecord::Group(group_id.to_string(), None).encode());
        journal.append(partition_for(group_id, self.config.partitions), records)?;
        self.groups.remove(group_id);
        Ok(())
    }
}
