//! The broker's errors.

use strata_protocol::ErrorCode;
use strata_records::RecordsError;
use strata_storage::{ProducerError, StorageError};

/// What stops the broker from starting or from doing its work.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// A partition or metadata log failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The data directory or configuration does not allow a start.
    #[error("{0}")]
    Startup(String),
    /// Binding or serving the listener failed.
    #[error("listener {address}: {source}")]
    Listen {
        /// The address.
        address: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// The Kafka error a storage failure is reported as.
pub(crate) fn storage_error_code(e: &StorageError) -> ErrorCode {
    match e {
        StorageError::InvalidBatch(r) => records_error_code(r),
        StorageError::BatchTooLarge { .. } => ErrorCode::MESSAGE_TOO_LARGE,
        StorageError::OffsetOutOfRange { .. } => ErrorCode::OFFSET_OUT_OF_RANGE,
        StorageError::InvalidRecord(_) => ErrorCode::INVALID_RECORD,
        StorageError::Producer(ProducerError::OutOfOrderSequence { .. }) => ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
        StorageError::Producer(ProducerError::InvalidProducerEpoch { .. }) => ErrorCode::INVALID_PRODUCER_EPOCH,
        StorageError::Producer(ProducerError::CoordinatorFenced { .. }) => ErrorCode::TRANSACTION_COORDINATOR_FENCED,
        StorageError::Producer(ProducerError::SequenceOfEndedTransaction { .. }) => ErrorCode::UNKNOWN_PRODUCER_ID,
        StorageError::Producer(ProducerError::NotInTransaction { .. }) => ErrorCode::INVALID_TXN_STATE,
        _ => ErrorCode::KAFKA_STORAGE_ERROR,
    }
}

/// The Kafka error an invalid batch is reported as: framing and CRC problems
/// are CORRUPT_MESSAGE, as in Kafka; problems inside a well-framed batch are
/// INVALID_RECORD.
fn records_error_code(e: &RecordsError) -> ErrorCode {
    match e {
        RecordsError::UnsupportedMagic(_) => ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT,
        RecordsError::Truncated { .. } | RecordsError::BatchTooShort(_) | RecordsError::CrcMismatch { .. } => {
            ErrorCode::CORRUPT_MESSAGE
        }
        RecordsError::UnknownCompression(_) => ErrorCode::UNSUPPORTED_COMPRESSION_TYPE,
        _ => ErrorCode::INVALID_RECORD,
    }
}
