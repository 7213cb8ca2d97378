//! The records inside a batch, read in place without allocating.
//!
//! Record layout (varints are zig-zag, see [`crate::varint`]):
//!
//! ```text
//! length: varint            bytes after this field
//! attributes: int8          unused, 0
//! timestampDelta: varlong   from the batch's baseTimestamp
//! offsetDelta: varint       from the batch's baseOffset
//! keyLength: varint         -1 = null key
//! key: bytes
//! valueLength: varint       -1 = null value
//! value: bytes
//! headersCount: varint
//! headers: headerKeyLength varint, headerKey (UTF-8), headerValueLength varint (-1 = null), headerValue
//! ```
//!
//! Every length is checked against the bytes of the record before it is used;
//! a record must consume exactly its `length` bytes. Headers keep their order
//! and duplicates.

use crate::varint::{read_varint, read_varlong};
use crate::RecordsError;

/// One record, borrowing the batch's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Record attributes (unused by Kafka, 0).
    pub attributes: i8,
    /// Timestamp minus the batch's base timestamp.
    pub timestamp_delta: i64,
    /// Offset minus the batch's base offset.
    pub offset_delta: i32,
    /// The key, or `None` for a null key.
    pub key: Option<&'a [u8]>,
    /// The value, or `None` for a null value (a tombstone).
    pub value: Option<&'a [u8]>,
    /// The headers, in order.
    pub headers: Headers<'a>,
}

/// The headers of one record, iterated in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headers<'a> {
    data: &'a [u8],
    count: usize,
}

/// One header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// Its name.
    pub key: &'a str,
    /// Its value, or `None` for null.
    pub value: Option<&'a [u8]>,
}

impl<'a> Headers<'a> {
    /// Number of headers.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        if self.count == 0 {
            return None;
        }
        // Validated when the record was read, so this cannot fail.
        let mut pos = 0;
        let header = read_header(self.data, &mut pos).ok()?;
        self.data = &self.data[pos..];
        self.count -= 1;
        Some(header)
    }
}

fn bad(index: i64, reason: &'static str) -> RecordsError {
    RecordsError::BadRecord { index, reason }
}

/// Reads a varint length prefix and the bytes it covers (`None` for -1).
fn read_sized<'a>(buf: &'a [u8], pos: &mut usize) -> Result<Option<&'a [u8]>, &'static str> {
    let len = read_varint(buf, pos).ok_or("bad length varint")?;
    match len {
        -1 => Ok(None),
        n if n < 0 => Err("negative length"),
        n => {
            let n = n as usize;
            let bytes = buf.get(*pos..*pos + n).ok_or("length runs past the record")?;
            *pos += n;
            Ok(Some(bytes))
        }
    }
}

fn read_header<'a>(buf: &'a [u8], pos: &mut usize) -> Result<Header<'a>, &'static str> {
    let key = read_sized(buf, pos)?.ok_or("null header key")?;
    let key = std::str::from_utf8(key).map_err(|_| "header key is not UTF-8")?;
    let value = read_sized(buf, pos)?;
    Ok(Header { key, value })
}

/// Iterates the records of a batch's (decompressed) records section.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    data: &'a [u8],
    declared: i32,
    index: i64,
}

impl<'a> Records<'a> {
    /// Records of `data`, of which the batch header declares `declared`.
    pub fn new(data: &'a [u8], declared: i32) -> Records<'a> {
        Records { data, declared, index: 0 }
    }

    fn read_one(&mut self) -> Result<Record<'a>, RecordsError> {
        let index = self.index;
        let mut pos = 0;
        let len = read_varint(self.data, &mut pos).ok_or_else(|| bad(index, "bad length varint"))?;
        let len = usize::try_from(len).map_err(|_| bad(index, "negative record length"))?;
        let body = self.data.get(pos..pos + len).ok_or_else(|| bad(index, "record runs past the batch"))?;
        let record = parse_body(body).map_err(|reason| bad(index, reason))?;
        self.data = &self.data[pos + len..];
        Ok(record)
    }
}

fn parse_body(body: &[u8]) -> Result<Record<'_>, &'static str> {
    let mut pos = 0;
    let attributes = *body.first().ok_or("empty record")? as i8;
    pos += 1;
    let timestamp_delta = read_varlong(body, &mut pos).ok_or("bad timestamp delta")?;
    let offset_delta = read_varint(body, &mut pos).ok_or("bad offset delta")?;
    let key = read_sized(body, &mut pos)?;
    let value = read_sized(body, &mut pos)?;
    let count = read_varint(body, &mut pos).ok_or("bad header count")?;
    let count = usize::try_from(count).map_err(|_| "negative header count")?;
    if count > body.len() - pos {
        return Err("header count exceeds the record");
    }
    let headers_start = pos;
    for _ in 0..count {
        read_header(body, &mut pos)?;
    }
    if pos != body.len() {
        return Err("record length does not match its fields");
    }
    let headers = Headers { data: &body[headers_start..], count };
    Ok(Record { attributes, timestamp_delta, offset_delta, key, value, headers })
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, RecordsError>;

    fn next(&mut self) -> Option<Self::Item> {
        let declared = i64::from(self.declared);
        if self.index >= declared {
            if self.data.is_empty() || self.index < 0 {
                return None;
            }
            self.data = &[];
            return Some(Err(RecordsError::CountMismatch { header: self.declared, actual: self.index + 1 }));
        }
        if self.data.is_empty() {
            let actual = self.index;
            self.index = declared;
            return Some(Err(RecordsError::CountMismatch { header: self.declared, actual }));
        }
        let item = self.read_one();
        self.index += 1;
        if item.is_err() {
            self.index = declared;
            self.data = &[];
        }
        Some(item)
    }
}
