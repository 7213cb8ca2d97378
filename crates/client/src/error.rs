//! The client's error type.

use std::sync::Arc;

use strata_protocol::ErrorCode;

/// Everything a client call can fail with. Cheap to clone, so that one
/// batch's failure can be handed to each of its records.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// No broker could be reached at this address.
    #[error("cannot reach broker {address}: {reason}")]
    Unreachable {
        /// The address tried.
        address: String,
        /// What the operating system said.
        reason: Arc<str>,
    },
    /// The connection failed or closed while a request was outstanding.
    #[error("connection to {address} lost: {reason}")]
    Disconnected {
        /// The broker's address.
        address: String,
        /// What happened.
        reason: Arc<str>,
    },
    /// A request got no answer within `request.timeout.ms`.
    #[error("{api} request to {address} timed out")]
    Timeout {
        /// The API called.
        api: &'static str,
        /// The broker's address.
        address: String,
    },
    /// The broker answered with a Kafka error code.
    #[error("{}: {}{}", .code.name(), .code.message(), .detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Kafka {
        /// The code.
        code: ErrorCode,
        /// The broker's error message, or what the client was doing.
        detail: Option<Arc<str>>,
    },
    /// The broker answered with an error code this client does not know.
    #[error("unknown error code {0}")]
    UnknownCode(i16),
    /// The broker speaks no version of an API this client needs.
    #[error("the broker at {address} does not support {api} at a version this client speaks")]
    UnsupportedVersion {
        /// The API.
        api: &'static str,
        /// The broker's address.
        address: String,
    },
    /// A response or a record batch could not be decoded.
    #[error("malformed data from the broker: {0}")]
    Malformed(Arc<str>),
    /// The caller passed something invalid (a bad config, an unknown partition, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(Arc<str>),
    /// The topic does not exist (and was not created automatically).
    #[error("unknown topic {0}")]
    UnknownTopic(Arc<str>),
    /// A record could not be delivered within `delivery.timeout.ms`.
    #[error("delivery timed out after {0} ms: {1}")]
    DeliveryTimeout(u64, Arc<str>),
    /// The producer or consumer was closed.
    #[error("the client is closed")]
    Closed,
}

/// A result with the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The error for a non-zero Kafka error code, with an optional message.
    pub fn from_code(code: i16, detail: Option<&str>) -> Error {
        match ErrorCode::from_code(code) {
            Some(code) => Error::Kafka { code, detail: detail.map(Arc::from) },
            None => Error::UnknownCode(code),
        }
    }

    /// An [`Error::InvalidArgument`].
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidArgument(Arc::from(message.into()))
    }

    /// The Kafka error code, when the broker sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Kafka { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// True when trying again (after a metadata refresh and a backoff) may
    /// succeed: lost connections, timeouts, and Kafka's retriable codes.
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::Unreachable { .. } | Error::Disconnected { .. } | Error::Timeout { .. } => true,
            Error::Kafka { code, .. } => retriable(*code),
            _ => false,
        }
    }

    /// True when the error means the client's view of leaders or
    /// coordinators is stale and metadata must be fetched again.
    pub fn needs_refresh(&self) -> bool {
        use ErrorCode::*;
        match self {
            Error::Unreachable { .. } | Error::Disconnected { .. } | Error::Timeout { .. } => true,
            Error::Kafka { code, .. } => matches!(
                code,
                NOT_LEADER_OR_FOLLOWER
                    | LEADER_NOT_AVAILABLE
                    | UNKNOWN_TOPIC_OR_PARTITION
                    | FENCED_LEADER_EPOCH
                    | UNKNOWN_LEADER_EPOCH
                    | NOT_COORDINATOR
                    | COORDINATOR_NOT_AVAILABLE
                    | KAFKA_STORAGE_ERROR
                    | BROKER_NOT_AVAILABLE
                    | REPLICA_NOT_AVAILABLE
                    | NOT_CONTROLLER
            ),
            _ => false,
        }
    }
}

/// Kafka's retriable errors (`RetriableException` subclasses), and
/// NOT_CONTROLLER, which Kafka's AdminClient also tries again after finding
/// the new controller.
fn retriable(code: ErrorCode) -> bool {
    use ErrorCode::*;
    matches!(
        code,
        CORRUPT_MESSAGE
            | UNKNOWN_TOPIC_OR_PARTITION
            | LEADER_NOT_AVAILABLE
            | NOT_LEADER_OR_FOLLOWER
            | REQUEST_TIMED_OUT
            | BROKER_NOT_AVAILABLE
            | REPLICA_NOT_AVAILABLE
            | NETWORK_EXCEPTION
            | COORDINATOR_LOAD_IN_PROGRESS
            | COORDINATOR_NOT_AVAILABLE
            | NOT_COORDINATOR
            | NOT_ENOUGH_REPLICAS
            | NOT_ENOUGH_REPLICAS_AFTER_APPEND
            | KAFKA_STORAGE_ERROR
            | FENCED_LEADER_EPOCH
            | UNKNOWN_LEADER_EPOCH
            | OFFSET_NOT_AVAILABLE
            | PREFERRED_LEADER_NOT_AVAILABLE
            | ELECTION_NOT_NEEDED
            | THROTTLING_QUOTA_EXCEEDED
            | CONCURRENT_TRANSACTIONS
            | UNSTABLE_OFFSET_COMMIT
            | NOT_CONTROLLER
    )
}

/// `Ok(())` for code 0, else the error.
pub(crate) fn check(code: i16, detail: Option<&str>) -> Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(Error::from_code(code, detail))
    }
}
