//! RecordBatch v2 (magic 2): the unit that travels from producer to disk to
//! consumer unchanged.
//!
//! Layout (big-endian; offsets in bytes from the batch start):
//!
//! | offset | size | field                | notes                                   |
//! |-------:|-----:|----------------------|-----------------------------------------|
//! | 0      | 8    | baseOffset           | set by the broker; not under the CRC    |
//! | 8      | 4    | batchLength          | bytes after this field                  |
//! | 12     | 4    | partitionLeaderEpoch | set by the broker; not under the CRC    |
//! | 16     | 1    | magic                | 2 (0 and 1 are the old formats)         |
//! | 17     | 4    | crc                  | CRC32C of bytes 21..end                 |
//! | 21     | 2    | attributes           | see [`Attributes`]                      |
//! | 23     | 4    | lastOffsetDelta      |                                         |
//! | 27     | 8    | baseTimestamp        |                                         |
//! | 35     | 8    | maxTimestamp         |                                         |
//! | 43     | 8    | producerId           | -1 when not idempotent                  |
//! | 51     | 2    | producerEpoch        |                                         |
//! | 53     | 4    | baseSequence         |                                         |
//! | 57     | 4    | recordsCount         |                                         |
//! | 61     | ...  | records              | compressed as attributes say            |
//!
//! The magic byte sits at offset 16 in every format, so old formats are
//! recognised (and refused) from the same header position.

use bytes::Bytes;

use crate::compression::Compression;
use crate::record::Records;
use crate::RecordsError;

/// Bytes of the batch header before the records.
pub const HEADER_LEN: usize = 61;
/// Bytes of baseOffset and batchLength, which precede what batchLength counts.
pub const LOG_OVERHEAD: usize = 12;
/// The record batch format strata stores.
pub const MAGIC_V2: i8 = 2;

const MAGIC_OFFSET: usize = 16;
const CRC_OFFSET: usize = 17;
const ATTRIBUTES_OFFSET: usize = 21;
/// Where the CRC-32C's coverage starts: the attributes field, to the batch's end.
pub const CRC_COVERED_FROM: usize = ATTRIBUTES_OFFSET;
const MAX_TIMESTAMP_OFFSET: usize = 35;

/// CRC-32C (Castagnoli), the checksum of record batches. crc-fast folds with
/// carry-less multiplication (VPCLMULQDQ/PCLMULQDQ where the CPU has them,
/// chosen at run time): measured twice as fast as the SSE4.2 `crc32`
/// instruction loop on this project's machines (BENCHMARKS.md).
pub fn crc32c(data: &[u8]) -> u32 {
    crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32Iscsi, data) as u32
}

/// CRC-32C of `a` followed by `b`, without joining them: for a patched
/// header copy and a payload left in place.
pub fn crc32c_parts(a: &[u8], b: &[u8]) -> u32 {
    let mut digest = crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc32Iscsi);
    digest.update(a);
    digest.update(b);
    digest.finalize() as u32
}

/// The attributes bits of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attributes(pub i16);

impl Attributes {
    const COMPRESSION_MASK: i16 = 0x07;
    /// Bit 3: timestamps are LogAppendTime (else CreateTime).
    pub const LOG_APPEND_TIME: i16 = 0x08;
    /// Bit 4: the batch belongs to a transaction.
    pub const TRANSACTIONAL: i16 = 0x10;
    /// Bit 5: the batch holds a control record (commit or abort marker).
    pub const CONTROL: i16 = 0x20;
    /// Bit 6: baseTimestamp holds a delete horizon (KIP-534, compacted tombstones).
    pub const DELETE_HORIZON: i16 = 0x40;

    /// The compression codec.
    pub fn compression(self) -> Result<Compression, RecordsError> {
        Compression::from_id((self.0 & Self::COMPRESSION_MASK) as u8)
    }
    /// True for LogAppendTime timestamps.
    pub fn log_append_time(self) -> bool {
        self.0 & Self::LOG_APPEND_TIME != 0
    }
    /// True for a transactional batch.
    pub fn transactional(self) -> bool {
        self.0 & Self::TRANSACTIONAL != 0
    }
    /// True for a control batch.
    pub fn control(self) -> bool {
        self.0 & Self::CONTROL != 0
    }
}

/// The fixed header of a batch, read without touching the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    /// Offset of the first record.
    pub base_offset: i64,
    /// Bytes after the batchLength field.
    pub batch_length: i32,
    /// The leader epoch of the leader that appended the batch.
    pub partition_leader_epoch: i32,
    /// Format version (2).
    pub magic: i8,
    /// CRC32C of bytes 21..end.
    pub crc: u32,
    /// Codec, timestamp type, transactional and control bits.
    pub attributes: Attributes,
    /// Offset of the last record minus base offset.
    pub last_offset_delta: i32,
    /// Timestamp of the first record (or the delete horizon).
    pub base_timestamp: i64,
    /// Largest timestamp in the batch.
    pub max_timestamp: i64,
    /// Producer id, or -1.
    pub producer_id: i64,
    /// Producer epoch, or -1.
    pub producer_epoch: i16,
    /// Sequence number of the first record, or -1.
    pub base_sequence: i32,
    /// Number of records.
    pub records_count: i32,
}

fn be<const N: usize>(buf: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&buf[at..at + N]);
    out
}

impl BatchHeader {
    /// Parses the 61-byte header at the start of `buf`. Refuses magic other than 2.
    pub fn parse(buf: &[u8]) -> Result<BatchHeader, RecordsError> {
        if buf.len() <= MAGIC_OFFSET {
            return Err(RecordsError::Truncated { what: "batch header", needed: HEADER_LEN, remaining: buf.len() });
        }
        let magic = buf[MAGIC_OFFSET] as i8;
        if magic != MAGIC_V2 {
            return Err(RecordsError::UnsupportedMagic(magic));
        }
        if buf.len() < HEADER_LEN {
            return Err(RecordsError::Truncated { what: "batch header", needed: HEADER_LEN, remaining: buf.len() });
        }
        let batch_length = i32::from_be_bytes(be(buf, 8));
        if batch_length < (HEADER_LEN - LOG_OVERHEAD) as i32 {
            return Err(RecordsError::BatchTooShort(batch_length));
        }
        Ok(BatchHeader {
            base_offset: i64::from_be_bytes(be(buf, 0)),
            batch_length,
            partition_leader_epoch: i32::from_be_bytes(be(buf, 12)),
            magic,
            crc: u32::from_be_bytes(be(buf, CRC_OFFSET)),
            attributes: Attributes(i16::from_be_bytes(be(buf, ATTRIBUTES_OFFSET))),
            last_offset_delta: i32::from_be_bytes(be(buf, 23)),
            base_timestamp: i64::from_be_bytes(be(buf, 27)),
            max_timestamp: i64::from_be_bytes(be(buf, MAX_TIMESTAMP_OFFSET)),
            producer_id: i64::from_be_bytes(be(buf, 43)),
            producer_epoch: i16::from_be_bytes(be(buf, 51)),
            base_sequence: i32::from_be_bytes(be(buf, 53)),
            records_count: i32::from_be_bytes(be(buf, 57)),
        })
    }

    /// Total bytes of the batch, header included.
    pub fn total_len(&self) -> usize {
        LOG_OVERHEAD + self.batch_length as usize
    }

    /// Offset of the last record.
    pub fn last_offset(&self) -> i64 {
        self.base_offset + i64::from(self.last_offset_delta)
    }
}

/// One whole batch: its parsed header and its bytes (a zero-copy slice).
#[derive(Debug, Clone)]
pub struct RecordBatch {
    /// The header.
    pub header: BatchHeader,
    bytes: Bytes,
}

impl RecordBatch {
    /// The batch at the start of `buf`, which must hold all of it.
    pub fn parse(buf: &Bytes) -> Result<RecordBatch, RecordsError> {
        let header = BatchHeader::parse(buf)?;
        let len = header.total_len();
        if len > buf.len() {
            return Err(RecordsError::Truncated { what: "record batch", needed: len, remaining: buf.len() });
        }
        Ok(RecordBatch { header, bytes: buf.slice(..len) })
    }

    /// The batch's bytes, exactly as stored.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The CRC32C of the bytes the CRC covers (attributes to the end).
    pub fn computed_crc(&self) -> u32 {
        crc32c(&self.bytes[ATTRIBUTES_OFFSET..])
    }

    /// Checks the stored CRC against the bytes.
    pub fn validate_crc(&self) -> Result<(), RecordsError> {
        let computed = self.computed_crc();
        if computed != self.header.crc {
            return Err(RecordsError::CrcMismatch { stored: self.header.crc, computed });
        }
        Ok(())
    }

    /// The records section, decompressed (at most `cap` bytes) if the batch is compressed.
    pub fn records_data(&self, cap: usize) -> Result<Bytes, RecordsError> {
        let raw = self.bytes.slice(HEADER_LEN..);
        match self.header.attributes.compression()? {
            Compression::None => Ok(raw),
            codec => codec.decompress(&raw, cap).map(Bytes::from),
        }
    }

    /// Iterates the records of `data` (from [`RecordBatch::records_data`]).
    pub fn records<'a>(&self, data: &'a [u8]) -> Records<'a> {
        Records::new(data, self.header.records_count)
    }

    /// Full validation of a batch a producer sent: CRC, then every record
    /// parses, the count matches the header, offset deltas run 0, 1, 2, ...
    /// and lastOffsetDelta is the last of them. Decompression is capped at `cap`.
    /// Returns the largest record timestamp (CreateTime) in the batch.
    pub fn validate_for_append(&self, cap: usize) -> Result<i64, RecordsError> {
        self.validate_crc()?;
        let h = &self.header;
        if h.records_count < 0 {
            return Err(RecordsError::CountMismatch { header: h.records_count, actual: 0 });
        }
        let data = self.records_data(cap)?;
        let mut max_ts = i64::MIN;
        let mut count: i64 = 0;
        for record in self.records(&data) {
            let record = record?;
            if record.offset_delta != count as i32 {
                return Err(RecordsError::BadOffsetDelta { index: count, delta: record.offset_delta });
            }
            max_ts = max_ts.max(h.base_timestamp.wrapping_add(record.timestamp_delta));
            count += 1;
        }
        if i64::from(h.last_offset_delta) != count - 1 && count > 0 {
            return Err(RecordsError::LastOffsetDeltaMismatch { header: h.last_offset_delta, count });
        }
        Ok(if count == 0 { h.max_timestamp } else { max_ts })
    }
}

/// Iterates the batches of a record set (a produce or fetch `records` field,
/// or a slice of a segment file). A trailing partial batch, which a fetch
/// response may end with, yields a [`RecordsError::Truncated`] error.
#[derive(Debug, Clone)]
pub struct Batches {
    rest: Bytes,
}

impl Batches {
    /// The batches of `records`.
    pub fn new(records: Bytes) -> Batches {
        Batches { rest: records }
    }
}

impl Iterator for Batches {
    type Item = Result<RecordBatch, RecordsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match RecordBatch::parse(&self.rest) {
            Ok(batch) => {
                let len = batch.bytes.len();
                let _ = self.rest.split_to(len);
                Some(Ok(batch))
            }
            Err(e) => {
                self.rest.clear();
                Some(Err(e))
            }
        }
    }
}

/// A whole batch whose header may be rewritten in place. Made only from a
/// slice that holds a whole v2 batch, so every write is in bounds.
#[derive(Debug)]
pub struct BatchMut<'a> {
    buf: &'a mut [u8],
}

impl<'a> BatchMut<'a> {
    /// Wraps the batch at the start of `buf`, which must hold all of it.
    pub fn new(buf: &'a mut [u8]) -> Result<BatchMut<'a>, RecordsError> {
        let len = BatchHeader::parse(buf)?.total_len();
        if len > buf.len() {
            return Err(RecordsError::Truncated { what: "record batch", needed: len, remaining: buf.len() });
        }
        Ok(BatchMut { buf: &mut buf[..len] })
    }

    /// Writes the base offset (not under the CRC).
    pub fn set_base_offset(&mut self, base_offset: i64) {
        self.buf[0..8].copy_from_slice(&base_offset.to_be_bytes());
    }

    /// Writes the partition leader epoch (not under the CRC).
    pub fn set_partition_leader_epoch(&mut self, epoch: i32) {
        self.buf[12..16].copy_from_slice(&epoch.to_be_bytes());
    }

    /// Sets the timestamp type and max timestamp, as the broker does for
    /// LogAppendTime topics, and recomputes the CRC.
    pub fn set_max_timestamp(&mut self, log_append_time: bool, max_timestamp: i64) {
        let mut attrs = i16::from_be_bytes(be(self.buf, ATTRIBUTES_OFFSET));
        if log_append_time {
            attrs |= Attributes::LOG_APPEND_TIME;
        } else {
            attrs &= !Attributes::LOG_APPEND_TIME;
        }
        self.buf[ATTRIBUTES_OFFSET..ATTRIBUTES_OFFSET + 2].copy_from_slice(&attrs.to_be_bytes());
        self.buf[MAX_TIMESTAMP_OFFSET..MAX_TIMESTAMP_OFFSET + 8].copy_from_slice(&max_timestamp.to_be_bytes());
        self.update_crc();
    }

    /// Recomputes and stores the CRC.
    pub fn update_crc(&mut self) {
        let crc = crc32c(&self.buf[ATTRIBUTES_OFFSET..]);
        self.buf[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
    }
}
