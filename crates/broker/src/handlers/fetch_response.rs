//! Encodes a FetchResponse so that record data is sent from segment files.
//!
//! The generated encoder would copy every partition's records into the
//! response buffer. Here the outer levels (response, topics) are written by
//! hand, each partition by the generated encoder with empty records, and the
//! empty records' encoding (the last field before the partition's tagged
//! fields) is replaced by the real length and a [`Chunk::File`]:
//!
//! ```text
//! v4-v11   ... records: int32 0                 → int32 len, <file>
//! v12+     ... records: varint 1, tagged: 0x00  → varint len+1, <file>, 0x00
//! ```
//!
//! This holds when the partition carries no tagged fields, which is the case
//! for every partition with data (they are set only with errors); otherwise
//! the records are read into memory. A test compares the output with the
//! generated encoder's for every served version.

use bytes::{BufMut, Bytes, BytesMut};
use strata_protocol::codec::{put_string, put_unsigned_varint, put_uuid, records_out_of_line};
use strata_protocol::frame::response_header_version;
use strata_protocol::generated::fetch_response::PartitionData;
use strata_protocol::generated::ResponseHeader;
use strata_protocol::{ApiKey, ErrorCode, Struct, Uuid};
use strata_storage::FileRegion;

use crate::response::{Chunk, Response};

/// One partition of the response and the file region holding its records.
#[derive(Debug)]
pub(crate) struct PartitionResult {
    /// Everything but the records.
    pub(crate) data: PartitionData,
    /// The records, if any.
    pub(crate) region: Option<FileRegion>,
}

/// One topic of the response.
#[derive(Debug)]
pub(crate) struct TopicResult {
    /// Its name (sent before v13).
    pub(crate) name: String,
    /// Its id (sent from v13).
    pub(crate) id: Uuid,
    /// Its partitions.
    pub(crate) partitions: Vec<PartitionResult>,
}

/// A whole fetch result.
#[derive(Debug)]
pub(crate) struct FetchOutcome {
    /// The top-level error (fetch sessions).
    pub(crate) error: ErrorCode,
    /// The fetch session id, or 0.
    pub(crate) session_id: i32,
    /// The topics.
    pub(crate) topics: Vec<TopicResult>,
}

fn put_len(w: &mut BytesMut, n: usize, flexible: bool) {
    if flexible {
        put_unsigned_varint(w, n as u32 + 1);
    } else {
        w.put_i32(n as i32);
    }
}

/// Encodes the response frame.
pub(crate) fn encode(correlation_id: i32, version: i16, outcome: FetchOutcome) -> Response {
    let flexible = version >= 12;
    let mut out = Pieces::default();
    let w = &mut out.current;
    w.put_i32(0); // the size, patched in `finish`
    let header = ResponseHeader { correlation_id, ..Default::default() };
    header.encode(w, response_header_version(ApiKey::Fetch, version)).expect("a response header always encodes");
    w.put_i32(0);
    if version >= 7 {
        w.put_i16(outcome.error.code());
        w.put_i32(outcome.session_id);
    }
    put_len(w, outcome.topics.len(), flexible);
    for t in outcome.topics {
        let w = &mut out.current;
        if version >= 13 {
            put_uuid(w, &t.id);
        } else {
            put_string(w, &t.name, flexible).expect("topic names are short");
        }
        put_len(w, t.partitions.len(), flexible);
        for p in t.partitions {
            partition(&mut out, p, version);
        }
        if flexible {
            put_unsigned_varint(&mut out.current, 0);
        }
    }
    if flexible {
        put_unsigned_varint(&mut out.current, 0);
    }
    out.finish()
}

/// The response so far: the first piece (which holds the size prefix) stays
/// mutable until the size is known, so it is patched in place, not copied.
#[derive(Default)]
struct Pieces {
    first: Option<BytesMut>,
    rest: Vec<Chunk>,
    current: BytesMut,
}

impl Pieces {
    /// Ends the bytes written so far and appends a file region after them.
    fn push_file(&mut self, region: FileRegion) {
        let bytes = self.current.split();
        match self.first {
            None => self.first = Some(bytes),
            Some(_) => self.rest.push(Chunk::Bytes(bytes.freeze())),
        }
        self.rest.push(Chunk::File(region));
    }

    fn finish(mut self) -> Response {
        let tail = self.current.split();
        let mut first = match self.first.take() {
            Some(first) => {
                self.rest.push(Chunk::Bytes(tail.freeze()));
                first
            }
            None => tail,
        };
        let total = first.len() + self.rest.iter().map(chunk_len).sum::<usize>() - 4;
        first[..4].copy_from_slice(&(total as i32).to_be_bytes());
        let mut chunks = vec![Chunk::Bytes(first.freeze())];
        chunks.append(&mut self.rest);
        Response { chunks }
    }
}

fn chunk_len(c: &Chunk) -> usize {
    match c {
        Chunk::Bytes(b) => b.len(),
        Chunk::File(f) => f.len,
    }
}

fn partition(out: &mut Pieces, p: PartitionResult, version: i16) {
    let flexible = version >= 12;
    let mut data = p.data;
    let no_tagged = data.diverging_epoch == Default::default()
        && data.current_leader == Default::default()
        && data.snapshot_id == Default::default()
        && data.unknown_tagged_fields.is_empty();
    let region = match p.region {
        Some(region) if !no_tagged => {
            data.records = Some(region.read().unwrap_or_default());
            None
        }
        other => other,
    };
    if data.records.is_none() {
        data.records = Some(Bytes::new());
    }
    let w = &mut out.current;
    data.encode(w, version).expect("a fetch partition always encodes");
    let Some(region) = region else { return };
    let moved = records_out_of_line(w, region.len, flexible);
    debug_assert!(matches!(moved, Ok(true)), "a partition without tagged fields ends with its records");
    out.push_file(region);
    if flexible {
        put_unsigned_varint(&mut out.current, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::Arc;
    use strata_protocol::frame::encode_response;
    use strata_protocol::generated::fetch_response::FetchableTopicResponse;
    use strata_protocol::generated::FetchResponse;
    use strata_protocol::ResponseBody;

    fn materialize(r: &Response) -> Vec<u8> {
        let mut out = Vec::new();
        for c in &r.chunks {
            match c {
                Chunk::Bytes(b) => out.extend_from_slice(b),
                Chunk::File(f) => out.extend_from_slice(&f.read().unwrap()),
            }
        }
        out
    }

    #[test]
    fn matches_the_generated_encoder_in_every_version() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"xxxxRECORD-BYTES-FROM-A-SEGMENTyyyy").unwrap();
        let file = Arc::new(file);
        let region = || FileRegion { file: file.clone(), position: 4, len: 27 };
        let data = |i: i32| PartitionData {
            partition_index: i,
            high_watermark: 9,
            last_stable_offset: 9,
            log_start_offset: 0,
            ..Default::default()
        };
        for version in 4..=16i16 {
            let outcome = || FetchOutcome {
                error: ErrorCode::NONE,
                session_id: if version >= 7 { 5 } else { 0 },
                topics: vec![TopicResult {
                    name: "t".into(),
                    id: Uuid([3; 16]),
                    partitions: vec![
                        PartitionResult { data: data(0), region: Some(region()) },
                        PartitionResult { data: data(1), region: None },
                        PartitionResult { data: data(2), region: Some(region()) },
                    ],
                }],
            };
            let ours = materialize(&encode(7, version, outcome()));
            let expected = FetchResponse {
                session_id: if version >= 7 { 5 } else { 0 },
                responses: vec![FetchableTopicResponse {
                    topic: if version < 13 { "t".into() } else { String::new() },
                    topic_id: if version >= 13 { Uuid([3; 16]) } else { Uuid::ZERO },
                    partitions: outcome()
                        .topics
                        .remove(0)
                        .partitions
                        .into_iter()
                        .map(|p| PartitionData {
                            records: Some(p.region.map_or(Bytes::new(), |r| r.read().unwrap())),
                            ..p.data
                        })
                        .collect(),
                    ..Default::default()
                }],
                ..Default::default()
            };
            let mut theirs = BytesMut::new();
            encode_response(7, version, &ResponseBody::Fetch(expected), &mut theirs).unwrap();
            assert_eq!(ours, &theirs[..], "Fetch v{version}");
        }
    }
}
