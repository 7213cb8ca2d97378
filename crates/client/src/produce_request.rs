//! Encodes a Produce request's body with each partition's records left in
//! their own buffer, so that a 1 MiB batch goes to the socket as built (a
//! vectored write) instead of being copied into the request frame first.
//!
//! The generated encoder writes every level of the request; here the outer
//! levels (request, topics) are written by hand in the layout of versions 3
//! to 11, each partition by the generated encoder with empty records, and
//! that empty ending is replaced by the records' length
//! ([`records_out_of_line`]). A test compares the result with the generated
//! encoder's in every version.

use bytes::{BufMut, Bytes, BytesMut};
use strata_protocol::codec::{put_array, put_nullable_string, put_string, records_out_of_line, TaggedWriter};
use strata_protocol::generated::produce_request::PartitionProduceData;
use strata_protocol::generated::ProduceRequest;
use strata_protocol::EncodeError;

/// The versions whose layout [`encode_body`] writes.
pub(crate) const VERSIONS: std::ops::RangeInclusive<i16> = 3..=11;

/// Records to send from their own buffer, at an offset of the frame.
pub(crate) type OutOfLine = Vec<(usize, Bytes)>;

/// Writes `request`'s body at `version` (one of [`VERSIONS`]) into `w`,
/// except the records of each partition: those are returned, each with the
/// offset in `w` before which they belong. A partition with null records or
/// tagged fields is written whole.
pub(crate) fn encode_body(request: &ProduceRequest, version: i16, w: &mut BytesMut) -> Result<OutOfLine, EncodeError> {
    debug_assert!(VERSIONS.contains(&version));
    let flexible = version >= 9;
    let mut records = Vec::new();
    put_nullable_string(w, request.transactional_id.as_deref(), flexible)?;
    w.put_i16(request.acks);
    w.put_i32(request.timeout_ms);
    put_array(w, &request.topic_data, flexible, |w, topic| {
        put_string(w, &topic.name, flexible)?;
        put_array(w, &topic.partition_data, flexible, |w, p| partition(w, p, version, &mut records))?;
        tagged(w, flexible, &topic.unknown_tagged_fields)
    })?;
    tagged(w, flexible, &request.unknown_tagged_fields)?;
    Ok(records)
}

fn partition(w: &mut BytesMut, p: &PartitionProduceData, version: i16, out: &mut OutOfLine) -> Result<(), EncodeError> {
    let flexible = version >= 9;
    let records = match &p.records {
        Some(records) if p.unknown_tagged_fields.is_empty() => records,
        _ => return strata_protocol::Struct::encode(p, w, version),
    };
    let empty = PartitionProduceData { index: p.index, records: Some(Bytes::new()), ..Default::default() };
    strata_protocol::Struct::encode(&empty, w, version)?;
    if !records_out_of_line(w, records.len(), flexible)? {
        unreachable!("a partition without tagged fields ends with its records");
    }
    out.push((w.len(), records.clone()));
    tagged(w, flexible, &[])
}

fn tagged(
    w: &mut BytesMut,
    flexible: bool,
    unknown: &[strata_protocol::codec::RawTaggedField],
) -> Result<(), EncodeError> {
    if flexible {
        TaggedWriter::default().finish(w, unknown)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_protocol::generated::produce_request::TopicProduceData;

    /// The body as sent: the frame's bytes with the records put back.
    fn materialize(w: &[u8], records: &OutOfLine) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = 0;
        for (offset, bytes) in records {
            out.extend_from_slice(&w[at..*offset]);
            out.extend_from_slice(bytes);
            at = *offset;
        }
        out.extend_from_slice(&w[at..]);
        out
    }

    #[test]
    fn matches_the_generated_encoder_in_every_version() {
        let partition = |index: i32, records: Option<&'static [u8]>| PartitionProduceData {
            index,
            records: records.map(Bytes::from_static),
            ..Default::default()
        };
        for version in VERSIONS {
            let request = ProduceRequest {
                transactional_id: Some("txn".into()),
                acks: -1,
                timeout_ms: 30_000,
                topic_data: vec![
                    TopicProduceData {
                        name: "a".into(),
                        partition_data: vec![partition(0, Some(b"BATCH-ONE")), partition(1, None)],
                        ..Default::default()
                    },
                    TopicProduceData {
                        name: "b".into(),
                        partition_data: vec![partition(2, Some(b"")), partition(3, Some(&[7; 300]))],
                        ..Default::default()
                    },
                ],
                ..Default::default()
            };
            let mut ours = BytesMut::new();
            let records = encode_body(&request, version, &mut ours).unwrap();
            assert_eq!(records.len(), 3, "v{version}: every non-null batch is left out of the frame");
            let mut theirs = BytesMut::new();
            strata_protocol::encode_message(&request, &mut theirs, version).unwrap();
            assert_eq!(materialize(&ours, &records), &theirs[..], "Produce v{version}");
        }
    }
}
