//! Metadata records and their frame.
//!
//! Each record on the metadata log is one record of a record batch; its value
//! is framed as Kafka frames it (`MetadataRecordSerde`):
//!
//! ```text
//! frame version   unsigned varint   always 1
//! record type     unsigned varint   the record spec's apiKey (TopicRecord = 2, ...)
//! version         unsigned varint   the record's version
//! body            the record, flexible encoding of that version
//! ```
//!
//! strata writes the types below; decoding an unknown type is an error rather
//! than a skip, because a record that is not applied would leave the image
//! silently different from the log.

use bytes::{Bytes, BytesMut};
use strata_protocol::codec::put_unsigned_varint;
use strata_protocol::internal::metadata::{
    ConfigRecord, FenceBrokerRecord, PartitionChangeRecord, PartitionRecord, ProducerIdsRecord, RegisterBrokerRecord,
    RemoveTopicRecord, TopicRecord, UnfenceBrokerRecord,
};
use strata_protocol::{Reader, Struct};

use crate::error::MetadataError;

/// The frame version strata writes and reads.
pub const FRAME_VERSION: u32 = 1;

/// A metadata record strata applies.
#[derive(Debug, Clone, PartialEq)]
pub enum MetadataRecord {
    /// A broker registered, with its listeners and rack (type 0).
    RegisterBroker(RegisterBrokerRecord),
    /// A broker went silent and may lead no partition (type 7).
    FenceBroker(FenceBrokerRecord),
    /// A fenced broker is back (type 8).
    UnfenceBroker(UnfenceBrokerRecord),
    /// A topic exists, with this name and id (type 2).
    Topic(TopicRecord),
    /// A partition of a topic, with its replicas and leader (type 3).
    Partition(PartitionRecord),
    /// A config of a topic or broker was set or removed (type 4).
    Config(ConfigRecord),
    /// A partition's leader, ISR or replicas changed (type 5).
    PartitionChange(PartitionChangeRecord),
    /// A topic was deleted (type 9).
    RemoveTopic(RemoveTopicRecord),
    /// A block of producer ids was handed out (type 15).
    ProducerIds(ProducerIdsRecord),
}

impl MetadataRecord {
    /// The record type and the version strata writes it in.
    fn type_and_version(&self) -> (u32, i16) {
        match self {
            MetadataRecord::RegisterBroker(_) => (0, 1),
            MetadataRecord::FenceBroker(_) => (7, 0),
            MetadataRecord::UnfenceBroker(_) => (8, 0),
            MetadataRecord::Topic(_) => (2, 0),
            MetadataRecord::Partition(_) => (3, 0),
            MetadataRecord::Config(_) => (4, 0),
            MetadataRecord::PartitionChange(_) => (5, 0),
            MetadataRecord::RemoveTopic(_) => (9, 0),
            MetadataRecord::ProducerIds(_) => (15, 0),
        }
    }

    /// Encodes the record with its frame.
    pub fn encode(&self) -> Bytes {
        let (ty, version) = self.type_and_version();
        let mut w = BytesMut::with_capacity(64);
        put_unsigned_varint(&mut w, FRAME_VERSION);
        put_unsigned_varint(&mut w, ty);
        put_unsigned_varint(&mut w, version as u32);
        let done = match self {
            MetadataRecord::RegisterBroker(r) => r.encode(&mut w, version),
            MetadataRecord::FenceBroker(r) => r.encode(&mut w, version),
            MetadataRecord::UnfenceBroker(r) => r.encode(&mut w, version),
            MetadataRecord::Topic(r) => r.encode(&mut w, version),
            MetadataRecord::Partition(r) => r.encode(&mut w, version),
            MetadataRecord::Config(r) => r.encode(&mut w, version),
            MetadataRecord::PartitionChange(r) => r.encode(&mut w, version),
            MetadataRecord::RemoveTopic(r) => r.encode(&mut w, version),
            MetadataRecord::ProducerIds(r) => r.encode(&mut w, version),
        };
        done.expect("strata's own metadata records always encode in the version it picks");
        w.freeze()
    }

    /// Decodes one framed record; the whole buffer must be the record.
    pub fn decode(value: Bytes) -> Result<MetadataRecord, MetadataError> {
        let mut r = Reader::new(value);
        let err = |e: strata_protocol::DecodeError| MetadataError::Decode(e.to_string());
        let frame = r.unsigned_varint().map_err(err)?;
        if frame != FRAME_VERSION {
            return Err(MetadataError::Decode(format!("frame version {frame}, expected {FRAME_VERSION}")));
        }
        let ty = r.unsigned_varint().map_err(err)?;
        let version = r.unsigned_varint().map_err(err)?;
        let unknown = MetadataError::UnknownRecord { record_type: ty, version };
        let version = version as i16;
        let record = match (ty, version) {
            (0, 1) => MetadataRecord::RegisterBroker(RegisterBrokerRecord::decode(&mut r, 1).map_err(err)?),
            (7, 0) => MetadataRecord::FenceBroker(FenceBrokerRecord::decode(&mut r, 0).map_err(err)?),
            (8, 0) => MetadataRecord::UnfenceBroker(UnfenceBrokerRecord::decode(&mut r, 0).map_err(err)?),
            (2, 0) => MetadataRecord::Topic(TopicRecord::decode(&mut r, 0).map_err(err)?),
            (3, 0) => MetadataRecord::Partition(PartitionRecord::decode(&mut r, 0).map_err(err)?),
            (4, 0) => MetadataRecord::Config(ConfigRecord::decode(&mut r, 0).map_err(err)?),
            (5, 0) => MetadataRecord::PartitionChange(PartitionChangeRecord::decode(&mut r, 0).map_err(err)?),
            (9, 0) => MetadataRecord::RemoveTopic(RemoveTopicRecord::decode(&mut r, 0).map_err(err)?),
            (15, 0) => MetadataRecord::ProducerIds(ProducerIdsRecord::decode(&mut r, 0).map_err(err)?),
            _ => return Err(unknown),
        };
        if r.remaining() != 0 {
            return Err(MetadataError::Decode(format!("{} bytes after the record", r.remaining())));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_protocol::Uuid;

    #[test]
    fn records_round_trip_with_their_frame() {
        let topic =
            MetadataRecord::Topic(TopicRecord { name: "t".into(), topic_id: Uuid([7; 16]), ..Default::default() });
        let bytes = topic.encode();
        assert_eq!(&bytes[..3], &[1, 2, 0], "frame version 1, type 2, version 0");
        assert_eq!(MetadataRecord::decode(bytes).unwrap(), topic);
        let config = MetadataRecord::Config(ConfigRecord {
            resource_type: 2,
            resource_name: "t".into(),
            name: "retention.ms".into(),
            value: None,
            ..Default::default()
        });
        assert_eq!(MetadataRecord::decode(config.encode()).unwrap(), config);
    }

    #[test]
    fn truncated_or_unknown_records_are_errors() {
        let bytes = MetadataRecord::Topic(TopicRecord::default()).encode();
        for cut in 0..bytes.len() {
            assert!(MetadataRecord::decode(bytes.slice(..cut)).is_err());
        }
        assert!(matches!(
            MetadataRecord::decode(Bytes::from_static(&[1, 17, 0])),
            Err(MetadataError::UnknownRecord { record_type: 17, version: 0 })
        ));
    }
}
