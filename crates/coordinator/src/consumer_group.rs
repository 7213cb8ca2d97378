//! A KIP-848 consumer group: members, the group epoch, the target
//! assignment and each member's reconciliation towards it.
//!
//! The state is exactly what its records ([`ConsumerRecord`]) say: every
//! change is written as records first and then applied with
//! [`ConsumerGroup::apply`], the same function that replays
//! `__consumer_offsets` at load. Only the timers (session and revocation
//! deadlines) live outside the records; at load every member gets a full
//! session.
//!
//! Invariants: `assignment_epoch <= epoch`; a member's epoch is at most
//! `assignment_epoch`; a partition is owned (assigned or being revoked) by
//! at most one member, because a member is given a partition only once no
//! other member owns it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use indexmap::IndexMap;
use strata_protocol::internal::group::consumer_group_current_member_assignment_value::TopicPartitions;
use strata_protocol::internal::group::consumer_group_partition_metadata_value::TopicMetadata;
use strata_protocol::internal::group::consumer_group_target_assignment_member_value::TopicPartition;
use strata_protocol::internal::group::{
    ConsumerGroupCurrentMemberAssignmentValue, ConsumerGroupMemberMetadataValue,
    ConsumerGroupTargetAssignmentMemberValue,
};
use strata_protocol::Uuid;

use crate::record::ConsumerRecord;

/// Partitions by topic id.
pub(crate) type Assignment = BTreeMap<Uuid, BTreeSet<i32>>;

/// The epoch a static member announces when it leaves, meaning to come back
/// under the same group.instance.id within its session.
pub(crate) const STATIC_LEAVE_EPOCH: i32 = -2;

/// Where a member is in reaching its target assignment (Kafka's `MemberState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum MemberState {
    /// It owns its target assignment.
    #[default]
    Stable,
    /// It must give up partitions before it moves to the next epoch.
    UnrevokedPartitions,
    /// It is at the target epoch but waits for partitions others still own.
    UnreleasedPartitions,
}

impl MemberState {
    fn from_byte(b: i8) -> MemberState {
        match b {
            1 => MemberState::UnrevokedPartitions,
            2 => MemberState::UnreleasedPartitions,
            _ => MemberState::Stable,
        }
    }

    fn byte(self) -> i8 {
        match self {
            MemberState::Stable => 0,
            MemberState::UnrevokedPartitions => 1,
            MemberState::UnreleasedPartitions => 2,
        }
    }
}

/// A member's epoch and the partitions it owns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Current {
    /// Its member epoch.
    pub(crate) epoch: i32,
    /// Its epoch before the last bump (a heartbeat with it is accepted if
    /// the bumped response was lost).
    pub(crate) previous_epoch: i32,
    /// Its reconciliation state.
    pub(crate) state: MemberState,
    /// The partitions it may consume.
    pub(crate) assigned: Assignment,
    /// The partitions it must give up.
    pub(crate) revoking: Assignment,
}

impl Current {
    /// Whether it owns (consumes or is revoking) this partition.
    pub(crate) fn owns(&self, topic: &Uuid, partition: i32) -> bool {
        [&self.assigned, &self.revoking].iter().any(|a| a.get(topic).is_some_and(|ps| ps.contains(&partition)))
    }

    /// Its record value.
    pub(crate) fn to_record(&self) -> ConsumerGroupCurrentMemberAssignmentValue {
        let list = |a: &Assignment| {
            listed(a)
                .into_iter()
                .map(|(topic_id, partitions)| TopicPartitions { topic_id, partitions, ..Default::default() })
                .collect()
        };
        ConsumerGroupCurrentMemberAssignmentValue {
            member_epoch: self.epoch,
            previous_member_epoch: self.previous_epoch,
            state: self.state.byte(),
            assigned_partitions: list(&self.assigned),
            partitions_pending_revocation: list(&self.revoking),
            ..Default::default()
        }
    }

    fn from_record(v: ConsumerGroupCurrentMemberAssignmentValue) -> Current {
        let map = |list: Vec<TopicPartitions>| to_assignment(list.into_iter().map(|t| (t.topic_id, t.partitions)));
        Current {
            epoch: v.member_epoch,
            previous_epoch: v.previous_member_epoch,
            state: MemberState::from_byte(v.state),
            assigned: map(v.assigned_partitions),
            revoking: map(v.partitions_pending_revocation),
        }
    }
}

/// Builds an assignment from (topic id, partitions) pairs, dropping empty topics.
pub(crate) fn to_assignment(pairs: impl IntoIterator<Item = (Uuid, Vec<i32>)>) -> Assignment {
    let mut a = Assignment::new();
    for (t, ps) in pairs {
        if !ps.is_empty() {
            a.entry(t).or_default().extend(ps);
        }
    }
    a
}

/// An assignment as (topic id, partitions) pairs, in id and partition order,
/// as records and responses list it.
pub(crate) fn listed(a: &Assignment) -> Vec<(Uuid, Vec<i32>)> {
    a.iter().map(|(t, ps)| (*t, ps.iter().copied().collect())).collect()
}

/// A target assignment's record value.
pub(crate) fn target_record(a: &Assignment) -> ConsumerGroupTargetAssignmentMemberValue {
    ConsumerGroupTargetAssignmentMemberValue {
        topic_partitions: listed(a)
            .into_iter()
            .map(|(topic_id, partitions)| TopicPartition { topic_id, partitions, ..Default::default() })
            .collect(),
        ..Default::default()
    }
}

/// One member of a consumer group.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConsumerMember {
    /// Its subscription and client, as its record holds them.
    pub(crate) meta: ConsumerGroupMemberMetadataValue,
    /// Its epoch and partitions.
    pub(crate) current: Current,
    /// When it expires without a heartbeat.
    pub(crate) deadline: i64,
    /// While it must revoke partitions: when it is removed if it has not.
    pub(crate) revoke_deadline: Option<i64>,
}

/// A consumer group's membership and assignment.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConsumerGroup {
    /// The group epoch: bumped whenever members or subscriptions change.
    pub(crate) epoch: i32,
    /// The subscribed topics as of the last epoch bump, by name.
    pub(crate) topics: Vec<TopicMetadata>,
    /// Members by id, in order of joining.
    pub(crate) members: IndexMap<String, ConsumerMember>,
    /// The group epoch the target assignment was computed for.
    pub(crate) assignment_epoch: i32,
    /// Each member's target assignment.
    pub(crate) targets: HashMap<String, Assignment>,
}

impl ConsumerGroup {
    /// Applies one record. `session` is the deadline a member gets when it
    /// first appears (live: its heartbeat's; at load: a full session).
    pub(crate) fn apply(&mut self, record: ConsumerRecord, session: i64) {
        match record {
            ConsumerRecord::Epoch(v) => self.epoch = v.map_or(0, |v| v.epoch),
            ConsumerRecord::Topics(v) => self.topics = v.map(|v| v.topics).unwrap_or_default(),
            ConsumerRecord::Member(id, Some(meta)) => {
                let member = self
                    .members
                    .entry(id)
                    .or_insert_with(|| ConsumerMember { deadline: session, ..Default::default() });
                member.meta = meta;
            }
            ConsumerRecord::Member(id, None) => {
                self.members.shift_remove(&id);
            }
            ConsumerRecord::TargetEpoch(v) => self.assignment_epoch = v.map_or(0, |v| v.assignment_epoch),
            ConsumerRecord::Target(id, Some(v)) => {
                let a = to_assignment(v.topic_partitions.into_iter().map(|t| (t.topic_id, t.partitions)));
                self.targets.insert(id, a);
            }
            ConsumerRecord::Target(id, None) => {
                self.targets.remove(&id);
            }
            ConsumerRecord::Current(id, Some(v)) => {
                let member = self
                    .members
                    .entry(id)
                    .or_insert_with(|| ConsumerMember { deadline: session, ..Default::default() });
                member.current = Current::from_record(v);
            }
            ConsumerRecord::Current(id, None) => {
                if let Some(m) = self.members.get_mut(&id) {
                    m.current = Current::default();
                }
            }
        }
    }

    /// Kafka's name for the group's state.
    pub(crate) fn state_name(&self) -> &'static str {
        if self.members.is_empty() {
            "Empty"
        } else if self.epoch > self.assignment_epoch {
            "Assigning"
        } else if self
            .members
            .values()
            .any(|m| m.current.epoch != self.assignment_epoch || m.current.state != MemberState::Stable)
        {
            "Reconciling"
        } else {
            "Stable"
        }
    }

    /// The member with this group.instance.id.
    pub(crate) fn static_member(&self, instance: &str) -> Option<&str> {
        self.members.iter().find(|(_, m)| m.meta.instance_id.as_deref() == Some(instance)).map(|(id, _)| id.as_str())
    }

    /// The name of a topic the group subscribes to, by id.
    pub(crate) fn topic_name(&self, id: &Uuid) -> String {
        self.topics.iter().find(|t| t.topic_id == *id).map(|t| t.topic_name.clone()).unwrap_or_default()
    }
}
