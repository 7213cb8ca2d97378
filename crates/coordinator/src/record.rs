//! The records of `__consumer_offsets`, as Kafka writes them.
//!
//! Each record's key and value start with a big-endian `int16` version and
//! continue with the struct of Kafka's record definitions in that version:
//!
//! ```text
//! key version 0 or 1   OffsetCommitKey   {group, topic, partition}
//! key version 2        GroupMetadataKey  {group}
//! key version 3        ConsumerGroupMetadataKey          {group}          → group epoch
//! key version 4        ConsumerGroupPartitionMetadataKey {group}          → subscribed topics
//! key version 5        ConsumerGroupMemberMetadataKey    {group, member}  → subscription, client
//! key version 6        ConsumerGroupTargetAssignmentMetadataKey {group}   → assignment epoch
//! key version 7        ConsumerGroupTargetAssignmentMemberKey {group, member} → target partitions
//! key version 8        ConsumerGroupCurrentMemberAssignmentKey {group, member} → epoch, owned partitions
//! key version 9+       share-group records (not written by strata; skipped on replay)
//! ```
//!
//! Versions 3–8 are KIP-848 consumer groups; all their values are version 0.
//!
//! Values: OffsetCommitValue (strata writes version 3: offset, leader epoch,
//! metadata, commit timestamp) and GroupMetadataValue (strata writes version 3,
//! which carries group.instance.id). A null value is a tombstone: the offset
//! or the group is gone, and compaction eventually drops both key and value.

use bytes::{BufMut, Bytes, BytesMut};
use strata_protocol::internal::group::{
    ConsumerGroupCurrentMemberAssignmentKey, ConsumerGroupCurrentMemberAssignmentValue, ConsumerGroupMemberMetadataKey,
    ConsumerGroupMemberMetadataValue, ConsumerGroupMetadataKey, ConsumerGroupMetadataValue,
    ConsumerGroupPartitionMetadataKey, ConsumerGroupPartitionMetadataValue, ConsumerGroupTargetAssignmentMemberKey,
    ConsumerGroupTargetAssignmentMemberValue, ConsumerGroupTargetAssignmentMetadataKey,
    ConsumerGroupTargetAssignmentMetadataValue, GroupMetadataKey, GroupMetadataValue, OffsetCommitKey,
    OffsetCommitValue,
};
use strata_protocol::{DecodeError, Reader, Struct};

/// The OffsetCommitValue version strata writes.
const OFFSET_VALUE_VERSION: i16 = 3;
/// The GroupMetadataValue version strata writes.
const GROUP_VALUE_VERSION: i16 = 3;

/// One record of `__consumer_offsets`, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupRecord {
    /// A committed offset, or its removal (`None`).
    Offset(OffsetCommitKey, Option<OffsetCommitValue>),
    /// A group's membership as of its last completed generation, or its removal.
    Group(String, Option<GroupMetadataValue>),
    /// A KIP-848 consumer group's record, by group id.
    Consumer(String, ConsumerRecord),
}

/// The records of a KIP-848 consumer group; `None` is a tombstone.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsumerRecord {
    /// The group epoch (key version 3).
    Epoch(Option<ConsumerGroupMetadataValue>),
    /// The topics the group subscribes to, with their ids and partition counts (4).
    Topics(Option<ConsumerGroupPartitionMetadataValue>),
    /// A member's subscription and client (5).
    Member(String, Option<ConsumerGroupMemberMetadataValue>),
    /// The epoch of the target assignment (6).
    TargetEpoch(Option<ConsumerGroupTargetAssignmentMetadataValue>),
    /// A member's target assignment (7).
    Target(String, Option<ConsumerGroupTargetAssignmentMemberValue>),
    /// A member's epoch and the partitions it owns or is revoking (8).
    Current(String, Option<ConsumerGroupCurrentMemberAssignmentValue>),
}

/// A record's key and value bytes, ready for a record batch.
pub type Encoded = (Bytes, Option<Bytes>);

fn versioned<S: Struct>(version: i16, s: &S) -> Bytes {
    let mut w = BytesMut::with_capacity(64);
    w.put_i16(version);
    s.encode(&mut w, version).expect("strata writes only fields its record versions carry");
    w.freeze()
}

impl GroupRecord {
    /// Encodes the record's key and value.
    pub fn encode(&self) -> Encoded {
        match self {
            GroupRecord::Offset(key, value) => {
                (versioned(1, key), value.as_ref().map(|v| versioned(OFFSET_VALUE_VERSION, v)))
            }
            GroupRecord::Group(group, value) => (
                versioned(2, &GroupMetadataKey { group: group.clone() }),
                value.as_ref().map(|v| versioned(GROUP_VALUE_VERSION, v)),
            ),
            GroupRecord::Consumer(group, record) => record.encode(group),
        }
    }

    /// Decodes a record's key and value (a null value is a tombstone);
    /// `None` for the record types strata does not keep (KIP-848, share groups).
    pub fn decode(key: &[u8], value: Option<&[u8]>) -> Result<Option<GroupRecord>, DecodeError> {
        let mut r = Reader::new(Bytes::copy_from_slice(key));
        let key_version = r.i16()?;
        let value_reader = |bytes: &[u8]| -> Result<(Reader, i16), DecodeError> {
            let mut r = Reader::new(Bytes::copy_from_slice(bytes));
            let version = r.i16()?;
            Ok((r, version))
        };
        match key_version {
            0 | 1 => {
                let key = OffsetCommitKey::decode(&mut r, key_version)?;
                let value = match value {
                    None => None,
                    Some(v) => {
                        let (mut r, version) = value_reader(v)?;
                        Some(OffsetCommitValue::decode(&mut r, version.clamp(0, 4))?)
                    }
                };
                Ok(Some(GroupRecord::Offset(key, value)))
            }
            2 => {
                let key = GroupMetadataKey::decode(&mut r, 2)?;
                let value = match value {
                    None => None,
                    Some(v) => {
                        let (mut r, version) = value_reader(v)?;
                        Some(GroupMetadataValue::decode(&mut r, version.clamp(0, 4))?)
                    }
                };
                Ok(Some(GroupRecord::Group(key.group, value)))
            }
            3..=8 => ConsumerRecord::decode(key_version, &mut r, value).map(Some),
            _ => Ok(None),
        }
    }
}

/// A value of version 0, or a tombstone.
fn value0<S: Struct>(value: &Option<S>) -> Option<Bytes> {
    value.as_ref().map(|v| versioned(0, v))
}

/// Decodes a KIP-848 value (any version: strata reads the fields of version 0).
fn decode0<S: Struct>(value: Option<&[u8]>) -> Result<Option<S>, DecodeError> {
    let Some(bytes) = value else { return Ok(None) };
    let mut r = Reader::new(Bytes::copy_from_slice(bytes));
    r.i16()?;
    S::decode(&mut r, 0).map(Some)
}

impl ConsumerRecord {
    /// The tombstones that end a consumer group's KIP-848 state (its members'
    /// records are gone already: only an empty group is deleted or converted).
    /// The group-epoch tombstone comes last; replay drops the state on it.
    pub(crate) fn group_tombstones() -> [ConsumerRecord; 3] {
        [ConsumerRecord::TargetEpoch(None), ConsumerRecord::Topics(None), ConsumerRecord::Epoch(None)]
    }

    /// Encodes the record of `group`.
    pub(crate) fn encode(&self, group: &str) -> Encoded {
        let group_id = group.to_string();
        let member = |m: &String| (group_id.clone(), m.clone());
        match self {
            ConsumerRecord::Epoch(v) => (versioned(3, &ConsumerGroupMetadataKey { group_id }), value0(v)),
            ConsumerRecord::Topics(v) => (versioned(4, &ConsumerGroupPartitionMetadataKey { group_id }), value0(v)),
            ConsumerRecord::Member(m, v) => {
                let (group_id, member_id) = member(m);
                (versioned(5, &ConsumerGroupMemberMetadataKey { group_id, member_id }), value0(v))
            }
            ConsumerRecord::TargetEpoch(v) => {
                (versioned(6, &ConsumerGroupTargetAssignmentMetadataKey { group_id }), value0(v))
            }
            ConsumerRecord::Target(m, v) => {
                let (group_id, member_id) = member(m);
                (versioned(7, &ConsumerGroupTargetAssignmentMemberKey { group_id, member_id }), value0(v))
            }
            ConsumerRecord::Current(m, v) => {
                let (group_id, member_id) = member(m);
                (versioned(8, &ConsumerGroupCurrentMemberAssignmentKey { group_id, member_id }), value0(v))
            }
        }
    }

    fn decode(key_version: i16, r: &mut Reader, value: Option<&[u8]>) -> Result<GroupRecord, DecodeError> {
        let (group, record) = match key_version {
            3 => (ConsumerGroupMetadataKey::decode(r, 3)?.group_id, ConsumerRecord::Epoch(decode0(value)?)),
            4 => (ConsumerGroupPartitionMetadataKey::decode(r, 4)?.group_id, ConsumerRecord::Topics(decode0(value)?)),
            5 => {
                let k = ConsumerGroupMemberMetadataKey::decode(r, 5)?;
                (k.group_id, ConsumerRecord::Member(k.member_id, decode0(value)?))
            }
            6 => (
                ConsumerGroupTargetAssignmentMetadataKey::decode(r, 6)?.group_id,
                ConsumerRecord::TargetEpoch(decode0(value)?),
            ),
            7 => {
                let k = ConsumerGroupTargetAssignmentMemberKey::decode(r, 7)?;
                (k.group_id, ConsumerRecord::Target(k.member_id, decode0(value)?))
            }
            _ => {
                let k = ConsumerGroupCurrentMemberAssignmentKey::decode(r, 8)?;
                (k.group_id, ConsumerRecord::Current(k.member_id, decode0(value)?))
            }
        };
        Ok(GroupRecord::Consumer(group, record))
    }
}
