//! strata-records: Kafka's RecordBatch v2, the unit of storage and transfer.
//!
//! * [`batch`]: the 61-byte header, CRC32C validation, iteration over a record
//!   set, and in-place rewrites of the fields a broker sets (base offset,
//!   leader epoch, LogAppendTime) without re-encoding the records.
//! * [`record`]: records and headers, read in place without allocating.
//! * [`compression`]: gzip, snappy (raw and xerial), lz4 frames and zstd,
//!   every decompression capped.
//! * [`builder`]: writing batches (clients, tests, control markers).
//! * [`control`]: transaction commit and abort markers.
//!
//! Pure data: no I/O. Parsing never panics on any input; every length is
//! checked against the bytes present before it is used.

pub mod batch;
pub mod builder;
pub mod compression;
pub mod control;
mod error;
pub mod record;
pub mod varint;

pub use batch::{Attributes, BatchHeader, BatchMut, Batches, RecordBatch};
pub use builder::BatchBuilder;
pub use compression::Compression;
pub use control::{ControlRecord, ControlType};
pub use error::RecordsError;
pub use record::{Header, Headers, Record, Records};
