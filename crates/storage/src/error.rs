//! Errors of the partition log.

use std::path::PathBuf;

use strata_records::RecordsError;

/// What went wrong with a partition log.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A file operation failed (a full disk, an unwritable file, ...).
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An earlier write failed part-way; the log refuses further writes until reopened
    /// (Kafka's KAFKA_STORAGE_ERROR).
    #[error("partition log {0} is offline after a storage error")]
    Offline(PathBuf),
    /// A batch that must not be appended.
    #[error("invalid record batch: {0}")]
    InvalidBatch(#[from] RecordsError),
    /// A batch larger than max.message.bytes.
    #[error("record batch of {size} bytes exceeds max.message.bytes {max}")]
    BatchTooLarge {
        /// The batch size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// An offset outside [log start offset, log end offset].
    #[error("offset {offset} is outside the log's range {start}..={end}")]
    OffsetOutOfRange {
        /// The offset asked for.
        offset: i64,
        /// The log start offset.
        start: i64,
        /// The log end offset.
        end: i64,
    },
    /// A batch that is well formed but not allowed from a client (Kafka's INVALID_RECORD).
    #[error("{0}")]
    InvalidRecord(String),
    /// A producer's batch that its state refuses (a sequence gap, a stale epoch).
    #[error(transparent)]
    Producer(#[from] crate::producers::ProducerError),
    /// A checkpoint or index file that cannot be parsed.
    #[error("corrupt {what} {path}: {reason}")]
    Corrupt {
        /// Which file kind.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Wraps an I/O error with its operation and file.
pub(crate) fn io(op: &'static str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> StorageError {
    let path = path.to_path_buf();
    move |source| StorageError::Io { op, path, source }
}
