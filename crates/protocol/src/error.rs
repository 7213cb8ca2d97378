//! Errors of the codec. Decoding errors name the message, its version and the
//! innermost field (`Struct.Field`) being read when the input went wrong.

use std::fmt;

/// What was wrong with the bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// A value needs more bytes than are left in the frame.
    #[error("needs {needed} bytes but only {remaining} are left")]
    Truncated {
        /// Bytes the value needs.
        needed: usize,
        /// Bytes left in the frame.
        remaining: usize,
    },
    /// A length other than -1 (null) was negative.
    #[error("negative length {0}")]
    NegativeLength(i64),
    /// An array or tagged-field count exceeds the bytes left, so it cannot be genuine.
    #[error("count {count} exceeds the {remaining} bytes left")]
    CountTooLarge {
        /// The count read.
        count: usize,
        /// Bytes left in the frame.
        remaining: usize,
    },
    /// A null where the version does not allow one.
    #[error("null is not allowed here")]
    UnexpectedNull,
    /// A string that is not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// A varint longer than its type allows.
    #[error("varint is too long")]
    VarintTooLong,
    /// A known tagged field whose value did not fill its declared size.
    #[error("tagged field {tag} declares {size} bytes but {unread} were left unread")]
    TaggedFieldSize {
        /// The tag.
        tag: u32,
        /// Its declared size.
        size: usize,
        /// Bytes its value did not consume.
        unread: usize,
    },
    /// Bytes left over after the whole message was read.
    #[error("{0} bytes left over after the message")]
    TrailingBytes(usize),
    /// An API key this build does not know.
    #[error("unknown API key {0}")]
    UnknownApiKey(i16),
    /// A version outside what the message defines.
    #[error("version {version} is outside the valid versions {min}-{max}")]
    UnsupportedVersion {
        /// The version asked for.
        version: i16,
        /// Lowest valid version.
        min: i16,
        /// Highest valid version.
        max: i16,
    },
}

/// A decoding failure: what went wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// What was wrong.
    pub kind: DecodeErrorKind,
    /// The innermost field being decoded, as `Struct.Field` (empty if none).
    pub field: &'static str,
    /// The message being decoded (empty if not yet known).
    pub message: &'static str,
    /// The version being decoded.
    pub version: i16,
}

impl DecodeError {
    /// Names the field being read, unless an inner field was named already.
    pub fn in_field(mut self, field: &'static str) -> Self {
        if self.field.is_empty() {
            self.field = field;
        }
        self
    }

    /// Names the message and version being read.
    pub fn in_message(mut self, message: &'static str, version: i16) -> Self {
        if self.message.is_empty() {
            self.message = message;
            self.version = version;
        }
        self
    }
}

impl From<DecodeErrorKind> for DecodeError {
    fn from(kind: DecodeErrorKind) -> Self {
        DecodeError { kind, field: "", message: "", version: -1 }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.message.is_empty() {
            write!(f, "{} v{}: ", self.message, self.version)?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for DecodeError {}

/// An encoding failure: the value cannot be written at the version asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A field that the version lacks holds a non-default value that must not be dropped.
    #[error("{field} is not in version {version} but is set to a non-default value")]
    FieldNotInVersion {
        /// The field, as `Struct.Field`.
        field: &'static str,
        /// The version asked for.
        version: i16,
    },
    /// A null where the version does not allow one.
    #[error("{field} is null, which version {version} does not allow")]
    UnexpectedNull {
        /// The field, as `Struct.Field`.
        field: &'static str,
        /// The version asked for.
        version: i16,
    },
    /// A string, bytes or array longer than its length prefix can say.
    #[error("{field}: length {len} does not fit its length prefix")]
    TooLong {
        /// The field, as `Struct.Field`.
        field: &'static str,
        /// The length.
        len: usize,
    },
    /// Two tagged fields with one tag (a known one and an unknown one).
    #[error("two tagged fields share a tag")]
    DuplicateTag,
    /// A version outside what the message defines.
    #[error("{message} has no version {version}")]
    UnsupportedVersion {
        /// The message.
        message: &'static str,
        /// The version asked for.
        version: i16,
    },
}

impl EncodeError {
    /// Names the field being written, unless an inner field was named already.
    pub fn in_field(self, name: &'static str) -> Self {
        match self {
            EncodeError::TooLong { field: "", len } => EncodeError::TooLong { field: name, len },
            other => other,
        }
    }
}

/// Attaches a field name to an encoding error.
pub trait EncodeContext {
    /// Names `field` in the error.
    fn ctx(self, field: &'static str) -> Self;
}

impl EncodeContext for Result<(), EncodeError> {
    #[inline]
    fn ctx(self, field: &'static str) -> Self {
        self.map_err(|e| e.in_field(field))
    }
}
