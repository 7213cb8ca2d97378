//! Building a batch from records: for clients, tests and control markers.
//! The broker itself never re-encodes what a producer sent.

use bytes::Bytes;

use crate::batch::{Attributes, HEADER_LEN, LOG_OVERHEAD, MAGIC_V2};
use crate::compression::Compression;
use crate::varint::{put_varint, put_varlong, varint_size, varlong_size};

/// Accumulates records and writes one v2 batch.
#[derive(Debug, Clone)]
pub struct BatchBuilder {
    compression: Compression,
    attributes: i16,
    base_offset: i64,
    partition_leader_epoch: i32,
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    base_timestamp: Option<i64>,
    max_timestamp: i64,
    count: i32,
    /// The offset delta the next record gets (records may skip offsets when
    /// a batch is rebuilt by compaction).
    next_delta: i32,
    /// lastOffsetDelta to write, when it must stay as in an original batch.
    last_offset_delta: Option<i32>,
    /// Room for the batch header (written by `build`), then the records
    /// as they will be sent uncompressed: an uncompressed batch is built in
    /// place, without copying its records again.
    records: Vec<u8>,
}

/// A header to write: name and value (`None` for null).
pub type HeaderRef<'a> = (&'a str, Option<&'a [u8]>);

impl BatchBuilder {
    /// An empty batch with `compression`, base offset 0 and no producer id.
    pub fn new(compression: Compression) -> BatchBuilder {
        BatchBuilder {
            compression,
            attributes: compression as i16,
            base_offset: 0,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            base_timestamp: None,
            max_timestamp: -1,
            count: 0,
            next_delta: 0,
            last_offset_delta: None,
            records: vec![0; HEADER_LEN],
        }
    }

    /// An empty batch with `compression` whose buffer holds `capacity`
    /// bytes of records before it grows: a producer filling batches up to
    /// `batch.size` then writes each record once, where a buffer grown by
    /// doubling copies everything before it again at each step.
    pub fn with_capacity(compression: Compression, capacity: usize) -> BatchBuilder {
        let mut b = BatchBuilder::new(compression);
        b.records.reserve(capacity);
        b
    }

    /// An empty batch shaped like `original` (base offset, leader epoch,
    /// producer, attributes, codec, base timestamp and lastOffsetDelta kept),
    /// to rebuild it with some of its records, each at its original offset
    /// delta ([`BatchBuilder::push_at`]). Log compaction does this.
    pub fn like(original: &crate::BatchHeader) -> Result<BatchBuilder, crate::RecordsError> {
        let mut b = BatchBuilder::new(original.attributes.compression()?);
        b.attributes = original.attributes.0;
        b.base_offset = original.base_offset;
        b.partition_leader_epoch = original.partition_leader_epoch;
        b.producer_id = original.producer_id;
        b.producer_epoch = original.producer_epoch;
        b.base_sequence = original.base_sequence;
        b.base_timestamp = Some(original.base_timestamp);
        b.last_offset_delta = Some(original.last_offset_delta);
        Ok(b)
    }

    /// Sets the idempotent producer's id, epoch and first sequence number.
    pub fn producer(mut self, id: i64, epoch: i16, base_sequence: i32) -> BatchBuilder {
        self.producer_id = id;
        self.producer_epoch = epoch;
        self.base_sequence = base_sequence;
        self
    }

    /// Marks the batch as part of a transaction.
    pub fn transactional(mut self) -> BatchBuilder {
        self.attributes |= Attributes::TRANSACTIONAL;
        self
    }

    /// Marks the batch as a control batch.
    pub(crate) fn control(mut self) -> BatchBuilder {
        self.attributes |= Attributes::CONTROL;
        self
    }

    /// Sets the base offset written into the batch.
    pub fn base_offset(mut self, offset: i64) -> BatchBuilder {
        self.base_offset = offset;
        self
    }

    /// Records added so far.
    pub fn len(&self) -> i32 {
        self.count
    }

    /// True when no record was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Uncompressed bytes of the records so far, plus the header.
    pub fn estimated_size(&self) -> usize {
        self.records.len()
    }

    /// Appends a record with a CreateTime `timestamp`, at the next offset.
    pub fn push(&mut self, timestamp: i64, key: Option<&[u8]>, value: Option<&[u8]>, headers: &[HeaderRef<'_>]) {
        let delta = self.next_delta;
        self.push_at(delta, timestamp, key, value, headers);
    }

    /// Appends a record at `offset_delta` (above every delta so far).
    pub fn push_at(
        &mut self,
        offset_delta: i32,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[HeaderRef<'_>],
    ) {
        let base = *self.base_timestamp.get_or_insert(timestamp);
        self.max_timestamp = self.max_timestamp.max(timestamp);
        let ts_delta = timestamp.wrapping_sub(base);
        self.next_delta = offset_delta + 1;
        let sized = |b: Option<&[u8]>| b.map_or(1, |b| varint_size(b.len() as i32) + b.len());
        let body = 1
            + varlong_size(ts_delta)
            + varint_size(offset_delta)
            + sized(key)
            + sized(value)
            + varint_size(headers.len() as i32)
            + headers.iter().map(|(k, v)| sized(Some(k.as_bytes())) + sized(*v)).sum::<usize>();
        let out = &mut self.records;
        put_varint(out, body as i32);
        out.push(0);
        put_varlong(out, ts_delta);
        put_varint(out, offset_delta);
        put_sized(out, key);
        put_sized(out, value);
        put_varint(out, headers.len() as i32);
        for (k, v) in headers {
            put_sized(out, Some(k.as_bytes()));
            put_sized(out, *v);
        }
        self.count += 1;
    }

    /// Writes the batch, with its CRC.
    pub fn build(self) -> Bytes {
        let mut out = match self.compression {
            Compression::None => self.records,
            codec => {
                let mut out = Vec::with_capacity(self.records.len());
                out.resize(HEADER_LEN, 0);
                codec.compress(&self.records[HEADER_LEN..], &mut out);
                out
            }
        };
        let batch_length = (out.len() - LOG_OVERHEAD) as i32;
        let base_timestamp = self.base_timestamp.unwrap_or(-1);
        let last_delta = self.last_offset_delta.unwrap_or((self.next_delta - 1).max(0));
        let mut header = &mut out[..HEADER_LEN];
        let mut put = |bytes: &[u8]| {
            let (field, rest) = std::mem::take(&mut header).split_at_mut(bytes.len());
            field.copy_from_slice(bytes);
            header = rest;
        };
        put(&self.base_offset.to_be_bytes());
        put(&batch_length.to_be_bytes());
        put(&self.partition_leader_epoch.to_be_bytes());
        put(&[MAGIC_V2 as u8]);
        put(&[0; 4]);
        put(&self.attributes.to_be_bytes());
        put(&last_delta.to_be_bytes());
        put(&base_timestamp.to_be_bytes());
        put(&self.max_timestamp.to_be_bytes());
        put(&self.producer_id.to_be_bytes());
        put(&self.producer_epoch.to_be_bytes());
        put(&self.base_sequence.to_be_bytes());
        put(&self.count.to_be_bytes());
        let crc = crate::batch::crc32c(&out[21..]);
        out[17..21].copy_from_slice(&crc.to_be_bytes());
        Bytes::from(out)
    }
}

fn put_sized(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        None => put_varint(out, -1),
        Some(b) => {
            put_varint(out, b.len() as i32);
            out.extend_from_slice(b);
        }
    }
}
