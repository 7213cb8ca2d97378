//! Errors of record batch parsing, validation and compression.

/// What was wrong with a record batch or its records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordsError {
    /// Fewer bytes than the structure needs.
    #[error("{what} needs {needed} bytes but only {remaining} are left")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Bytes it needs.
        needed: usize,
        /// Bytes left.
        remaining: usize,
    },
    /// The batch length field is smaller than a batch header.
    #[error("batch length {0} is smaller than the batch header")]
    BatchTooShort(i32),
    /// Message format v0 or v1 (or an unknown magic), which strata does not store.
    #[error("record batch magic {0} is not supported (only v2)")]
    UnsupportedMagic(i8),
    /// The stored CRC does not match the bytes.
    #[error("CRC mismatch: batch says {stored:#010x}, bytes give {computed:#010x}")]
    CrcMismatch {
        /// The CRC in the header.
        stored: u32,
        /// The CRC of the bytes.
        computed: u32,
    },
    /// A compression codec id outside 0-4.
    #[error("unknown compression codec {0}")]
    UnknownCompression(u8),
    /// The compressed data is corrupt.
    #[error("{codec} data is corrupt: {reason}")]
    Corrupt {
        /// The codec.
        codec: &'static str,
        /// What the decompressor said.
        reason: String,
    },
    /// Decompressing would exceed the output cap.
    #[error("decompressed records exceed the cap of {cap} bytes")]
    DecompressedTooLarge {
        /// The cap.
        cap: usize,
    },
    /// The header's record count disagrees with the records present.
    #[error("batch header says {header} records but holds {actual}")]
    CountMismatch {
        /// The count in the header.
        header: i32,
        /// Records found (or a lower bound when more were found than said).
        actual: i64,
    },
    /// A record is malformed.
    #[error("record {index}: {reason}")]
    BadRecord {
        /// The record's position in the batch.
        index: i64,
        /// What was wrong.
        reason: &'static str,
    },
    /// A record's offset delta breaks the sequence 0, 1, 2, ...
    #[error("record {index} has offset delta {delta}")]
    BadOffsetDelta {
        /// The record's position in the batch.
        index: i64,
        /// Its offset delta.
        delta: i32,
    },
    /// The header's last offset delta disagrees with the records.
    #[error("last offset delta {header} does not match the {count} records")]
    LastOffsetDeltaMismatch {
        /// The value in the header.
        header: i32,
        /// Records in the batch.
        count: i64,
    },
    /// A control batch whose record is not a valid control record.
    #[error("invalid control record: {0}")]
    BadControlRecord(&'static str),
}
