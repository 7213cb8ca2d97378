//! The records of `__consumer_offsets`, as Kafka writes them.
//!
//! Each record's key and value start with a big-endian `int16` version and
//! continue with the struct of Kafka's record definitions in that version:
//!
//! ```text
//! key version 0 or 1   OffsetCommitKey   {group, topic, partition}
//! key version 2        GroupMetadataKey  {group}
//! key version 3+       KIP-848 / share-group records (not written by strata; skipped on replay)
//! ```
//!
//! Values: OffsetCommitValue (strata writes version 3: offset, leader epoch,
//! metadata, commit timestamp) and GroupMetadataValue (strata writes version 3,
//! which carries group.instance.id). A null value is a tombstone: the offset
//! or the group is gone, and compaction eventually drops both key and value.

use bytes::{BufMut, Bytes, BytesMut};
use strata_protocol::internal::group::{GroupMetadataKey, GroupMetadataValue, OffsetCommitKey, OffsetCommitValue};
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
            _ => Ok(None),
        }
    }
}
