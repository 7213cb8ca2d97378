//! Control records: the commit and abort markers a transaction coordinator
//! writes into each partition of a transaction.
//!
//! A control batch has the control and transactional attribute bits and one
//! record. Its key is `version: int16 (0), type: int16` (0 = abort,
//! 1 = commit; KRaft uses further types); for commit and abort the value is
//! `version: int16 (0), coordinatorEpoch: int32`.

use bytes::Bytes;

use crate::builder::BatchBuilder;
use crate::compression::Compression;
use crate::record::Record;
use crate::RecordsError;

/// What a control record marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlType {
    /// The transaction aborted.
    Abort,
    /// The transaction committed.
    Commit,
    /// Another control type (KRaft's leader change and snapshot markers).
    Other(i16),
}

impl ControlType {
    fn id(self) -> i16 {
        match self {
            ControlType::Abort => 0,
            ControlType::Commit => 1,
            ControlType::Other(id) => id,
        }
    }
}

/// An end-of-transaction marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlRecord {
    /// Commit, abort or other.
    pub kind: ControlType,
    /// The coordinator epoch (for commit and abort; 0 for other types).
    pub coordinator_epoch: i32,
}

impl ControlRecord {
    /// Reads the control record of a control batch.
    pub fn parse(record: &Record<'_>) -> Result<ControlRecord, RecordsError> {
        let key = record.key.ok_or(RecordsError::BadControlRecord("null key"))?;
        let [v0, v1, t0, t1] = key.first_chunk::<4>().copied().ok_or(RecordsError::BadControlRecord("short key"))?;
        if i16::from_be_bytes([v0, v1]) < 0 {
            return Err(RecordsError::BadControlRecord("negative key version"));
        }
        let kind = match i16::from_be_bytes([t0, t1]) {
            0 => ControlType::Abort,
            1 => ControlType::Commit,
            other => return Ok(ControlRecord { kind: ControlType::Other(other), coordinator_epoch: 0 }),
        };
        let value = record.value.ok_or(RecordsError::BadControlRecord("null marker value"))?;
        let epoch = value.get(2..6).ok_or(RecordsError::BadControlRecord("short marker value"))?;
        let coordinator_epoch = i32::from_be_bytes([epoch[0], epoch[1], epoch[2], epoch[3]]);
        Ok(ControlRecord { kind, coordinator_epoch })
    }

    /// Writes a control batch holding this marker for a producer.
    pub fn build_batch(self, producer_id: i64, producer_epoch: i16, timestamp: i64) -> Bytes {
        let mut key = [0u8; 4];
        key[2..].copy_from_slice(&self.kind.id().to_be_bytes());
        let mut value = [0u8; 6];
        value[2..].copy_from_slice(&self.coordinator_epoch.to_be_bytes());
        let mut b =
            BatchBuilder::new(Compression::None).producer(producer_id, producer_epoch, -1).transactional().control();
        b.push(timestamp, Some(&key), Some(&value), &[]);
        b.build()
    }
}
