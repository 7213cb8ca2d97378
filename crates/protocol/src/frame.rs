//! Request and response frames: the size prefix, the header, the body.
//!
//! A frame on the wire is an `int32` size followed by that many bytes: the
//! header, then the body. Header versions follow from the API and version:
//!
//! | header   | version 0                 | version 1            | version 2 (flexible) |
//! |----------|---------------------------|----------------------|----------------------|
//! | request  | ControlledShutdown v0 only| classic requests     | flexible requests    |
//! | response | classic responses, and every ApiVersions response (KIP-511) | flexible responses | – |
//!
//! The first three request header fields (api key, version, correlation id)
//! are laid out the same in every header version, so a server can always
//! answer a request it cannot decode ([`RequestPrefix`]).

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{Reader, Struct};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::generated::{ApiKey, RequestBody, RequestHeader, ResponseBody, ResponseHeader};

/// The request header version used by `key` at `version`.
pub fn request_header_version(key: ApiKey, version: i16) -> i16 {
    if key == ApiKey::ControlledShutdown && version == 0 {
        0
    } else if key.request_flexible().contains(version) {
        2
    } else {
        1
    }
}

/// The response header version used by `key` at `version`. ApiVersions always
/// answers with header v0, so a client that asked with a version the server
/// does not know can still read the answer (KIP-511).
pub fn response_header_version(key: ApiKey, version: i16) -> i16 {
    if key != ApiKey::ApiVersions && key.response_flexible().contains(version) {
        1
    } else {
        0
    }
}

/// The fields every request header starts with, in every header version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPrefix {
    /// The raw API key (possibly one this build does not know).
    pub api_key: i16,
    /// The API version asked for.
    pub api_version: i16,
    /// The client's id for matching the response.
    pub correlation_id: i32,
}

impl RequestPrefix {
    /// Reads the prefix of a request frame (without its size prefix).
    pub fn peek(frame: &[u8]) -> Result<RequestPrefix, DecodeError> {
        let Some(head) = frame.first_chunk::<8>() else {
            let kind = DecodeErrorKind::Truncated { needed: 8, remaining: frame.len() };
            return Err(DecodeError::from(kind).in_message("RequestHeader", 0));
        };
        Ok(RequestPrefix {
            api_key: i16::from_be_bytes([head[0], head[1]]),
            api_version: i16::from_be_bytes([head[2], head[3]]),
            correlation_id: i32::from_be_bytes([head[4], head[5], head[6], head[7]]),
        })
    }
}

/// A decoded request.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestFrame {
    /// The header.
    pub header: RequestHeader,
    /// The API.
    pub api_key: ApiKey,
    /// The body.
    pub body: RequestBody,
}

/// Decodes a request frame (without its size prefix). The API key must be
/// known and the version one the spec defines; every byte must be consumed.
pub fn decode_request(frame: Bytes) -> Result<RequestFrame, DecodeError> {
    let (request, r) = decode_request_prefix(frame)?;
    finish(r, request.api_key.name(), request.header.request_api_version)?;
    Ok(request)
}

/// Decodes a request frame as Apache Kafka's broker does: bytes after the
/// body are ignored, and their count returned. librdkafka (2.x, checked with
/// 2.16) follows a Metadata request for all topics with three such bytes
/// (`01 00 00`), and Kafka reads past them; a broker that refused them would
/// refuse every librdkafka client.
pub fn decode_request_ignoring_trailing(frame: Bytes) -> Result<(RequestFrame, usize), DecodeError> {
    let (request, r) = decode_request_prefix(frame)?;
    Ok((request, r.remaining()))
}

fn decode_request_prefix(frame: Bytes) -> Result<(RequestFrame, Reader), DecodeError> {
    let prefix = RequestPrefix::peek(&frame)?;
    let api_key = ApiKey::from_i16(prefix.api_key)
        .ok_or_else(|| DecodeError::from(DecodeErrorKind::UnknownApiKey(prefix.api_key)))?;
    let valid = api_key.valid_versions();
    if !valid.contains(prefix.api_version) {
        let kind = DecodeErrorKind::UnsupportedVersion { version: prefix.api_version, min: valid.min, max: valid.max };
        return Err(DecodeError::from(kind).in_message(api_key.name(), prefix.api_version));
    }
    let mut r = Reader::new(frame);
    let header_version = request_header_version(api_key, prefix.api_version);
    let header =
        RequestHeader::decode(&mut r, header_version).map_err(|e| e.in_message("RequestHeader", header_version))?;
    let body = RequestBody::decode(api_key, prefix.api_version, &mut r)?;
    Ok((RequestFrame { header, api_key, body }, r))
}

/// Decodes a response frame (without its size prefix) to a request of `key` at `version`.
pub fn decode_response(key: ApiKey, version: i16, frame: Bytes) -> Result<(ResponseHeader, ResponseBody), DecodeError> {
    let mut r = Reader::new(frame);
    let header_version = response_header_version(key, version);
    let header =
        ResponseHeader::decode(&mut r, header_version).map_err(|e| e.in_message("ResponseHeader", header_version))?;
    let body = ResponseBody::decode(key, version, &mut r)?;
    finish(r, key.name(), version)?;
    Ok((header, body))
}

fn finish(r: Reader, message: &'static str, version: i16) -> Result<(), DecodeError> {
    match r.remaining() {
        0 => Ok(()),
        n => Err(DecodeError::from(DecodeErrorKind::TrailingBytes(n)).in_message(message, version)),
    }
}

/// Appends a whole request frame (size prefix, header, body) to `out`.
pub fn encode_request(header: &RequestHeader, body: &RequestBody, out: &mut BytesMut) -> Result<(), EncodeError> {
    let key = body.api_key();
    let version = header.request_api_version;
    sized(out, |out| {
        header.encode(out, request_header_version(key, version))?;
        body.encode(out, version)
    })
}

/// Appends a whole response frame (size prefix, header, body) to `out`.
pub fn encode_response(
    correlation_id: i32,
    version: i16,
    body: &ResponseBody,
    out: &mut BytesMut,
) -> Result<(), EncodeError> {
    let header = ResponseHeader { correlation_id, ..Default::default() };
    sized(out, |out| {
        header.encode(out, response_header_version(body.api_key(), version))?;
        body.encode(out, version)
    })
}

/// Writes `write`'s output behind an `int32` size prefix.
fn sized(out: &mut BytesMut, write: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>) -> Result<(), EncodeError> {
    let start = out.len();
    out.put_i32(0);
    write(out)?;
    let len = out.len() - start - 4;
    let len32 = i32::try_from(len).map_err(|_| EncodeError::TooLong { field: "frame", len })?;
    out[start..start + 4].copy_from_slice(&len32.to_be_bytes());
    Ok(())
}

/// Checks a frame's size prefix against the largest frame accepted, before
/// any of its body is read or allocated (Kafka's `socket.request.max.bytes`).
pub fn frame_size(prefix: [u8; 4], max: usize) -> Result<usize, FrameSizeError> {
    let size = i32::from_be_bytes(prefix);
    match usize::try_from(size) {
        Err(_) => Err(FrameSizeError::Negative(size)),
        Ok(n) if n > max => Err(FrameSizeError::TooLarge { size: n, max }),
        Ok(n) => Ok(n),
    }
}

/// A frame size prefix that must not be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameSizeError {
    /// The prefix is negative.
    #[error("negative frame size {0}")]
    Negative(i32),
    /// The prefix exceeds the largest frame accepted.
    #[error("frame size {size} exceeds the limit of {max} bytes")]
    TooLarge {
        /// The size asked for.
        size: usize,
        /// The limit.
        max: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_versions_follow_kafka() {
        assert_eq!(request_header_version(ApiKey::ControlledShutdown, 0), 0);
        assert_eq!(request_header_version(ApiKey::Produce, 8), 1);
        assert_eq!(request_header_version(ApiKey::Produce, 9), 2);
        assert_eq!(response_header_version(ApiKey::Produce, 9), 1);
        assert_eq!(response_header_version(ApiKey::Produce, 8), 0);
        assert_eq!(response_header_version(ApiKey::ApiVersions, 3), 0);
    }

    #[test]
    fn frame_size_limits() {
        assert_eq!(frame_size(100i32.to_be_bytes(), 100), Ok(100));
        assert!(matches!(frame_size(i32::MAX.to_be_bytes(), 100 << 20), Err(FrameSizeError::TooLarge { .. })));
        assert_eq!(frame_size((-1i32).to_be_bytes(), 100), Err(FrameSizeError::Negative(-1)));
    }
}
