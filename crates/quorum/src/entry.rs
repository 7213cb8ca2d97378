//! A Raft entry as one record batch of the metadata log.
//!
//! ```text
//! batch base offset        the entry's Raft index
//! partition leader epoch   the entry's Raft term (one leader per term)
//! records                  exactly one, so that offsets and indexes are one:
//!   Normal:      no key; the value is the change's metadata records, each
//!                as an unsigned-varint length and the record framed as
//!                strata-metadata frames it (Kafka's MetadataRecordSerde)
//!   Blank:       key "raft:blank", no value
//!   Membership:  key "raft:membership", value the voters and their
//!                controller addresses (postcard)
//! ```
//!
//! A Normal entry with no records is never written (a change that changes
//! nothing is not proposed).

use bytes::Bytes;
use openraft::{CommittedLeaderId, EntryPayload, LogId};
use strata_metadata::MetadataRecord;
use strata_protocol::codec::put_unsigned_varint;
use strata_protocol::Reader;
use strata_records::{BatchBuilder, Compression, RecordBatch};

use crate::{Change, Entry, QuorumError};

const BLANK: &[u8] = b"raft:blank";
const MEMBERSHIP: &[u8] = b"raft:membership";
/// The most a metadata batch may decompress to.
const MAX_ENTRY_BYTES: usize = 64 << 20;

/// The entry as a batch (its base offset is set by the log on append).
pub(crate) fn encode(entry: &Entry, now_ms: i64) -> Bytes {
    let mut builder = BatchBuilder::new(Compression::None);
    match &entry.payload {
        EntryPayload::Blank => builder.push(now_ms, Some(BLANK), None, &[]),
        EntryPayload::Membership(m) => {
            let value = postcard::to_stdvec(m).expect("a membership always serialises");
            builder.push(now_ms, Some(MEMBERSHIP), Some(&value), &[]);
        }
        EntryPayload::Normal(change) => {
            debug_assert!(!change.0.is_empty(), "an empty change is never proposed");
            let mut value = bytes::BytesMut::new();
            for record in &change.0 {
                let frame = record.encode();
                put_unsigned_varint(&mut value, frame.len() as u32);
                value.extend_from_slice(&frame);
            }
            builder.push(now_ms, None, Some(&value), &[]);
        }
    }
    builder.build()
}

/// The entry a batch of the metadata log holds.
pub(crate) fn decode(batch: &RecordBatch) -> Result<Entry, QuorumError> {
    let corrupt =
        |what: String| QuorumError::Corrupt(format!("metadata log at offset {}: {what}", batch.header.base_offset));
    let term = u64::try_from(batch.header.partition_leader_epoch).map_err(|_| corrupt("a negative term".into()))?;
    let index = u64::try_from(batch.header.base_offset).map_err(|_| corrupt("a negative offset".into()))?;
    let log_id = LogId::new(CommittedLeaderId::new(term, 0), index);
    if batch.header.records_count != 1 {
        return Err(corrupt(format!("{} records in one entry", batch.header.records_count)));
    }
    let data = batch.records_data(MAX_ENTRY_BYTES).map_err(|e| corrupt(e.to_string()))?;
    let record = batch.records(&data).next().ok_or_else(|| corrupt("no record".into()))?;
    let record = record.map_err(|e| corrupt(e.to_string()))?;
    let payload = match (record.key, record.value) {
        (Some(BLANK), _) => EntryPayload::Blank,
        (Some(MEMBERSHIP), Some(value)) => {
            EntryPayload::Membership(postcard::from_bytes(value).map_err(|e| corrupt(format!("membership: {e}")))?)
        }
        (None, Some(value)) => EntryPayload::Normal(Change(decode_records(value).map_err(corrupt)?)),
        _ => return Err(corrupt("a record that is no entry".into())),
    };
    Ok(Entry { log_id, payload })
}

/// The length-prefixed metadata records of a Normal entry (at least one).
fn decode_records(value: &[u8]) -> Result<Vec<MetadataRecord>, String> {
    let mut records = Vec::new();
    let mut rest = Bytes::copy_from_slice(value);
    while !rest.is_empty() {
        let mut reader = Reader::new(rest);
        let len = reader.unsigned_varint().map_err(|e| e.to_string())? as usize;
        if len > reader.remaining() {
            return Err(format!("a {len}-byte record in the {} bytes left", reader.remaining()));
        }
        let tail = reader.into_rest();
        records.push(MetadataRecord::decode(tail.slice(..len)).map_err(|e| e.to_string())?);
        rest = tail.slice(len..);
    }
    if records.is_empty() {
        return Err("an entry without records".into());
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    use openraft::{BasicNode, Membership};
    use strata_records::Batches;

    fn round_trip(entry: Entry) -> Entry {
        let mut bytes = bytes::BytesMut::from(&encode(&entry, 1)[..]);
        bytes[0..8].copy_from_slice(&(entry.log_id.index as i64).to_be_bytes());
        bytes[12..16].copy_from_slice(&(entry.log_id.leader_id.term as i32).to_be_bytes());
        let batch = Batches::new(bytes.freeze()).next().unwrap().unwrap();
        decode(&batch).unwrap()
    }

    #[test]
    fn every_kind_of_entry_round_trips_with_its_log_id() {
        let id = |term, index| LogId::new(CommittedLeaderId::new(term, 0), index);
        let blank = Entry { log_id: id(3, 7), payload: EntryPayload::Blank };
        assert_eq!(round_trip(blank.clone()), blank);
        let nodes: BTreeMap<u64, BasicNode> = (1..=3).map(|n| (n, BasicNode::new(format!("h:{n}")))).collect();
        let m = Membership::new(vec![BTreeSet::from([1, 2, 3])], nodes);
        let member = Entry { log_id: id(0, 0), payload: EntryPayload::Membership(m) };
        assert_eq!(round_trip(member.clone()), member);
        let topic = strata_metadata::MetadataRecord::ProducerIds(Default::default());
        let normal =
            Entry { log_id: id(9, 1 << 33), payload: EntryPayload::Normal(Change(vec![topic.clone(), topic])) };
        assert_eq!(round_trip(normal.clone()), normal);
    }

    #[test]
    fn a_cut_or_overlong_change_is_an_error() {
        let record = strata_metadata::MetadataRecord::ProducerIds(Default::default()).encode();
        let mut value = vec![record.len() as u8];
        value.extend_from_slice(&record);
        assert_eq!(decode_records(&value).unwrap().len(), 1);
        for cut in 0..value.len() {
            assert!(decode_records(&value[..cut]).is_err());
        }
        value[0] = 200;
        assert!(decode_records(&value).is_err());
    }
}
