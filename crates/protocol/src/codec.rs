//! Primitive wire types of the Kafka protocol, read totally and written exactly.
//!
//! Every generated message decodes through [`Reader`] and encodes through the
//! `put_*` functions here, so the safety rules live in one place:
//!
//! * every length and count is checked against the bytes left **before**
//!   anything is allocated; an array of `n` elements is refused when `n` exceeds
//!   the bytes left (every element takes at least one byte on the wire, as in
//!   Kafka's own reader), and no more is reserved up front than the bytes left,
//!   so a declared count costs nothing until its elements actually decode;
//! * memory then grows only with elements really present: a decoded frame
//!   takes at most its size times the ratio of an element's in-memory size to
//!   its smallest encoding (tens, for structs of empty strings), which is why
//!   the broker bounds frame sizes (`socket.request.max.bytes`);
//! * `bytes` and `records` values are zero-copy slices of the frame buffer;
//! * errors are values ([`DecodeError`]); nothing here panics on any input.
//!
//! Encodings (Kafka protocol guide): integers are big-endian; `string`, `bytes`
//! and arrays carry an `int16`/`int32`/`int32` length (-1 = null) in classic
//! versions and an unsigned varint of length + 1 (0 = null) in flexible
//! ("compact") versions; flexible structs end with a tagged-field section.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// A topic id or other 128-bit identifier, as its 16 wire bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    /// The all-zero id, Kafka's "no id".
    pub const ZERO: Uuid = Uuid([0; 16]);
}

/// A tagged field this build does not know, kept byte for byte so that it is
/// written back unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawTaggedField {
    /// The field's tag.
    pub tag: u32,
    /// The field's encoded value.
    pub data: Bytes,
}

/// Unknown tagged fields of one struct, in the order they were read.
pub type UnknownTaggedFields = Vec<RawTaggedField>;

/// A cursor over one frame's bytes. Every read is bounds-checked.
#[derive(Debug, Clone)]
pub struct Reader {
    buf: Bytes,
}

/// Attaches the name of the field being decoded to an error.
pub trait Context<T> {
    /// Names `field` (as `Struct.Field`) in the error, unless an inner field was named already.
    fn ctx(self, field: &'static str) -> Result<T, DecodeError>;
}

impl<T> Context<T> for Result<T, DecodeError> {
    #[inline]
    fn ctx(self, field: &'static str) -> Result<T, DecodeError> {
        self.map_err(|e| e.in_field(field))
    }
}

macro_rules! read_fixed {
    ($($name:ident: $t:ty = $get:ident;)*) => {$(
        #[doc = concat!("Reads a big-endian `", stringify!($t), "`.")]
        #[inline]
        pub fn $name(&mut self) -> Result<$t, DecodeError> {
            self.need(std::mem::size_of::<$t>())?;
            Ok(self.buf.$get())
        }
    )*};
}

impl Reader {
    /// A reader over `buf`.
    pub fn new(buf: Bytes) -> Self {
        Reader { buf }
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Everything not read yet, consuming the reader.
    pub fn into_rest(self) -> Bytes {
        self.buf
    }

    #[inline]
    fn need(&self, n: usize) -> Result<(), DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeErrorKind::Truncated { needed: n, remaining: self.buf.len() }.into());
        }
        Ok(())
    }

    read_fixed! {
        i8: i8 = get_i8;
        i16: i16 = get_i16;
        u16: u16 = get_u16;
        i32: i32 = get_i32;
        u32: u32 = get_u32;
        i64: i64 = get_i64;
        f64: f64 = get_f64;
    }

    /// Reads a boolean (any non-zero byte is true, as in Kafka).
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.i8()? != 0)
    }

    /// Reads a 16-byte uuid.
    pub fn uuid(&mut self) -> Result<Uuid, DecodeError> {
        self.need(16)?;
        let mut id = [0u8; 16];
        self.buf.copy_to_slice(&mut id);
        Ok(Uuid(id))
    }

    /// Reads an unsigned LEB128 varint of at most 5 bytes.
    pub fn unsigned_varint(&mut self) -> Result<u32, DecodeError> {
        let mut value: u32 = 0;
        for i in 0..5 {
            let b = self.u8()?;
            value |= u32::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if i == 4 && b > 0x0f {
                    break;
                }
                return Ok(value);
            }
        }
        Err(DecodeErrorKind::VarintTooLong.into())
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        self.need(1)?;
        Ok(self.buf.get_u8())
    }

    /// Reads a length prefix: `int16` (strings) or `int32` (bytes, arrays) in
    /// classic encoding, unsigned varint minus one in compact encoding.
    /// `None` is null (-1). Negative lengths other than -1 are errors.
    fn length(&mut self, compact: bool, short: bool) -> Result<Option<usize>, DecodeError> {
        let len: i64 = if compact {
            i64::from(self.unsigned_varint()?) - 1
        } else if short {
            i64::from(self.i16()?)
        } else {
            i64::from(self.i32()?)
        };
        match len {
            -1 => Ok(None),
            n if n < 0 => Err(DecodeErrorKind::NegativeLength(n).into()),
            n => Ok(Some(n as usize)),
        }
    }

    fn take(&mut self, n: usize) -> Result<Bytes, DecodeError> {
        self.need(n)?;
        Ok(self.buf.split_to(n))
    }

    /// Reads a nullable string.
    pub fn nullable_string(&mut self, compact: bool) -> Result<Option<String>, DecodeError> {
        match self.length(compact, true)? {
            None => Ok(None),
            Some(n) => {
                self.need(n)?;
                let s = std::str::from_utf8(&self.buf[..n])
                    .map_err(|_| DecodeError::from(DecodeErrorKind::InvalidUtf8))?
                    .to_owned();
                self.buf.advance(n);
                Ok(Some(s))
            }
        }
    }

    /// Reads a string that must not be null.
    pub fn string(&mut self, compact: bool) -> Result<String, DecodeError> {
        self.nullable_string(compact)?.ok_or_else(|| DecodeErrorKind::UnexpectedNull.into())
    }

    /// Reads nullable bytes as a zero-copy slice of the frame.
    pub fn nullable_bytes(&mut self, compact: bool) -> Result<Option<Bytes>, DecodeError> {
        match self.length(compact, false)? {
            None => Ok(None),
            Some(n) => self.take(n).map(Some),
        }
    }

    /// Reads bytes that must not be null, as a zero-copy slice of the frame.
    pub fn bytes(&mut self, compact: bool) -> Result<Bytes, DecodeError> {
        self.nullable_bytes(compact)?.ok_or_else(|| DecodeErrorKind::UnexpectedNull.into())
    }

    /// Reads a nullable array whose elements `elem` decodes. The count is
    /// checked against the bytes left before the vector is allocated.
    pub fn nullable_array<T>(
        &mut self,
        compact: bool,
        mut elem: impl FnMut(&mut Reader) -> Result<T, DecodeError>,
    ) -> Result<Option<Vec<T>>, DecodeError> {
        let Some(count) = self.length(compact, false)? else {
            return Ok(None);
        };
        if count > self.buf.len() {
            return Err(DecodeErrorKind::CountTooLarge { count, remaining: self.buf.len() }.into());
        }
        // Reserve no more memory than the bytes left: a declared count is a
        // claim, and elements can be larger in memory than on the wire.
        let reserve = count.min(self.buf.len() / std::mem::size_of::<T>().max(1));
        let mut items = Vec::with_capacity(reserve);
        for _ in 0..count {
            items.push(elem(self)?);
        }
        Ok(Some(items))
    }

    /// Reads an array that must not be null.
    pub fn array<T>(
        &mut self,
        compact: bool,
        elem: impl FnMut(&mut Reader) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        self.nullable_array(compact, elem)?.ok_or_else(|| DecodeErrorKind::UnexpectedNull.into())
    }

    /// Reads a nullable struct's presence marker (-1 null, otherwise present).
    pub fn struct_present(&mut self) -> Result<bool, DecodeError> {
        Ok(self.i8()? >= 0)
    }

    /// Reads a tagged-field section. For each field, `known` is called with the
    /// tag and a reader over exactly the field's bytes; it returns `Ok(false)`
    /// for a tag it does not know, which is then kept in `unknown`. A known
    /// field must consume its bytes exactly.
    pub fn tagged_fields(
        &mut self,
        unknown: &mut UnknownTaggedFields,
        mut known: impl FnMut(u32, &mut Reader) -> Result<bool, DecodeError>,
    ) -> Result<(), DecodeError> {
        let count = self.unsigned_varint()? as usize;
        if count > self.buf.len() {
            return Err(DecodeErrorKind::CountTooLarge { count, remaining: self.buf.len() }.into());
        }
        for _ in 0..count {
            let tag = self.unsigned_varint()?;
            let size = self.unsigned_varint()? as usize;
            let data = self.take(size)?;
            let mut field = Reader::new(data.clone());
            if known(tag, &mut field)? {
                if field.remaining() != 0 {
                    return Err(DecodeErrorKind::TaggedFieldSize { tag, size, unread: field.remaining() }.into());
                }
            } else {
                unknown.push(RawTaggedField { tag, data });
            }
        }
        Ok(())
    }
}

/// Writes an unsigned LEB128 varint.
pub fn put_unsigned_varint(w: &mut BytesMut, mut v: u32) {
    while v >= 0x80 {
        w.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    w.put_u8(v as u8);
}

/// Writes a boolean as one byte.
pub fn put_bool(w: &mut BytesMut, v: bool) {
    w.put_u8(u8::from(v));
}

/// Writes a uuid's 16 bytes.
pub fn put_uuid(w: &mut BytesMut, v: &Uuid) {
    w.put_slice(&v.0);
}

fn put_length(w: &mut BytesMut, len: Option<usize>, compact: bool, short: bool) -> Result<(), EncodeError> {
    let too_long = |len| EncodeError::TooLong { field: "", len };
    if compact {
        let v = match len {
            None => 0,
            Some(n) => u32::try_from(n).ok().and_then(|n| n.checked_add(1)).ok_or_else(|| too_long(n))?,
        };
        put_unsigned_varint(w, v);
    } else if short {
        let v = match len {
            None => -1,
            Some(n) => i16::try_from(n).map_err(|_| too_long(n))?,
        };
        w.put_i16(v);
    } else {
        let v = match len {
            None => -1,
            Some(n) => i32::try_from(n).map_err(|_| too_long(n))?,
        };
        w.put_i32(v);
    }
    Ok(())
}

/// Writes a nullable string.
pub fn put_nullable_string(w: &mut BytesMut, v: Option<&str>, compact: bool) -> Result<(), EncodeError> {
    put_length(w, v.map(str::len), compact, true)?;
    if let Some(s) = v {
        w.put_slice(s.as_bytes());
    }
    Ok(())
}

/// Writes a string.
pub fn put_string(w: &mut BytesMut, v: &str, compact: bool) -> Result<(), EncodeError> {
    put_nullable_string(w, Some(v), compact)
}

/// Writes nullable bytes.
pub fn put_nullable_bytes(w: &mut BytesMut, v: Option<&[u8]>, compact: bool) -> Result<(), EncodeError> {
    put_length(w, v.map(<[u8]>::len), compact, false)?;
    if let Some(b) = v {
        w.put_slice(b);
    }
    Ok(())
}

/// Writes bytes.
pub fn put_bytes(w: &mut BytesMut, v: &[u8], compact: bool) -> Result<(), EncodeError> {
    put_nullable_bytes(w, Some(v), compact)
}

/// Writes a nullable array, each element with `elem`.
pub fn put_nullable_array<T>(
    w: &mut BytesMut,
    v: Option<&[T]>,
    compact: bool,
    mut elem: impl FnMut(&mut BytesMut, &T) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    put_length(w, v.map(<[T]>::len), compact, false)?;
    for item in v.unwrap_or_default() {
        elem(w, item)?;
    }
    Ok(())
}

/// Takes the records out of an encoded struct, so that they can follow from
/// a buffer of their own (a vectored write, sendfile): `w` ends with a
/// struct whose records field, the last before its tagged fields, was
/// encoded empty, and which has no tagged fields. That ending is replaced
/// by the length prefix of `len` bytes of records; the caller sends the
/// records next and then, in flexible versions, the struct's empty tagged
/// fields (one 0 byte). `Ok(false)`, with `w` unchanged, when `w` does not
/// end that way.
pub fn records_out_of_line(w: &mut BytesMut, len: usize, flexible: bool) -> Result<bool, EncodeError> {
    let tail: &[u8] = if flexible { &[1, 0] } else { &[0, 0, 0, 0] };
    if !w.ends_with(tail) {
        return Ok(false);
    }
    w.truncate(w.len() - tail.len());
    put_length(w, Some(len), flexible, false)?;
    Ok(true)
}

/// Writes an array, each element with `elem`.
pub fn put_array<T>(
    w: &mut BytesMut,
    v: &[T],
    compact: bool,
    elem: impl FnMut(&mut BytesMut, &T) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    put_nullable_array(w, Some(v), compact, elem)
}

/// Collects the tagged fields of one struct and writes them, merged with the
/// unknown ones, in ascending tag order.
#[derive(Default)]
pub struct TaggedWriter {
    fields: Vec<(u32, BytesMut)>,
}

impl TaggedWriter {
    /// Adds field `tag`, encoded by `encode`.
    pub fn field(
        &mut self,
        tag: u32,
        encode: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        let mut buf = BytesMut::new();
        encode(&mut buf)?;
        self.fields.push((tag, buf));
        Ok(())
    }

    /// Writes the section: count, then tag, size and bytes of each field.
    pub fn finish(self, w: &mut BytesMut, unknown: &[RawTaggedField]) -> Result<(), EncodeError> {
        let mut all: Vec<(u32, &[u8])> = self.fields.iter().map(|(t, b)| (*t, &b[..])).collect();
        all.extend(unknown.iter().map(|f| (f.tag, &f.data[..])));
        all.sort_by_key(|(tag, _)| *tag);
        if all.windows(2).any(|p| p[0].0 == p[1].0) {
            return Err(EncodeError::DuplicateTag);
        }
        let count = u32::try_from(all.len()).map_err(|_| EncodeError::DuplicateTag)?;
        put_unsigned_varint(w, count);
        for (tag, data) in all {
            put_unsigned_varint(w, tag);
            let len = u32::try_from(data.len()).map_err(|_| EncodeError::TooLong { field: "", len: data.len() })?;
            put_unsigned_varint(w, len);
            w.put_slice(data);
        }
        Ok(())
    }
}

/// A struct of the protocol that encodes and decodes itself at a version.
pub trait Struct: Sized {
    /// Decodes the struct as `version` lays it out.
    fn decode(r: &mut Reader, version: i16) -> Result<Self, DecodeError>;
    /// Encodes the struct as `version` lays it out.
    fn encode(&self, w: &mut BytesMut, version: i16) -> Result<(), EncodeError>;
}

/// Helpers for building arbitrary values in round-trip tests and fuzzing.
#[cfg(feature = "arbitrary")]
pub mod arb {
    use super::{RawTaggedField, UnknownTaggedFields, Uuid};
    use arbitrary::{Result, Unstructured};
    use bytes::Bytes;
    use std::sync::atomic::{AtomicBool, Ordering};

    static UNKNOWN_TAGGED: AtomicBool = AtomicBool::new(true);

    /// Whether generated values carry unknown tagged fields (on by default).
    /// Off for peers that, as the protocol allows, drop tags they do not know.
    pub fn set_unknown_tagged_fields(on: bool) {
        UNKNOWN_TAGGED.store(on, Ordering::Relaxed);
    }

    /// A short string.
    pub fn string(u: &mut Unstructured<'_>) -> Result<String> {
        let n = u.int_in_range(0..=12)?;
        (0..n).map(|_| u.arbitrary::<char>()).collect()
    }

    /// A few bytes.
    pub fn bytes(u: &mut Unstructured<'_>) -> Result<Bytes> {
        let n = u.int_in_range(0..=16)?.min(u.len());
        Ok(Bytes::copy_from_slice(u.bytes(n)?))
    }

    /// A uuid.
    pub fn uuid(u: &mut Unstructured<'_>) -> Result<Uuid> {
        Ok(Uuid(u.arbitrary()?))
    }

    /// A finite float (NaN would break equality in round trips).
    pub fn f64(u: &mut Unstructured<'_>) -> Result<f64> {
        Ok(f64::from(u.arbitrary::<i32>()?) / 8.0)
    }

    /// `true` with probability 1/4: decides null-ness of nullable values.
    pub fn null(u: &mut Unstructured<'_>) -> Result<bool> {
        u.ratio(1, 4)
    }

    /// Up to three elements.
    pub fn array<T>(
        u: &mut Unstructured<'_>,
        mut elem: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let n = u.int_in_range(0..=3)?;
        (0..n).map(|_| elem(u)).collect()
    }

    /// Up to two unknown tagged fields with tags above `max_known`, ascending.
    pub fn unknown_tagged(u: &mut Unstructured<'_>, max_known: u32) -> Result<UnknownTaggedFields> {
        if !UNKNOWN_TAGGED.load(Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        let n = u.int_in_range(0..=2)?;
        let mut tag = max_known;
        (0..n)
            .map(|_| {
                tag += u.int_in_range(1..=50)?;
                Ok(RawTaggedField { tag, data: bytes(u)? })
            })
            .collect()
    }
}

/// Refuses a null where the version does not allow one.
#[inline]
pub fn null_allowed<T>(v: Result<Option<T>, DecodeError>, allowed: bool) -> Result<Option<T>, DecodeError> {
    match v? {
        None if !allowed => Err(DecodeErrorKind::UnexpectedNull.into()),
        other => Ok(other),
    }
}
