//! The crate's errors.

use strata_protocol::ErrorCode;

/// A metadata log that cannot be read or applied.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// A record's bytes do not decode.
    #[error("metadata record: {0}")]
    Decode(String),
    /// A record names a type or version this build does not know.
    #[error("metadata record type {record_type} version {version} is not known")]
    UnknownRecord {
        /// The record type (Kafka's apiKey of the record spec).
        record_type: u32,
        /// The record version.
        version: u32,
    },
    /// A record does not fit the image it is applied to.
    #[error("metadata record does not apply: {0}")]
    Inconsistent(String),
}

/// A request the controller refuses: the Kafka error and a message for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The error code the response carries.
    pub code: ErrorCode,
    /// The message the response carries.
    pub message: String,
}

impl ApiError {
    /// An error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }
}
