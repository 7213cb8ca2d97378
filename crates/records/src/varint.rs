//! Zig-zag varints of record fields (Kafka's `ByteUtils.readVarint` and
//! `readVarlong`): at most 5 bytes for 32-bit values and 10 for 64-bit ones.

/// Reads a zig-zag varint from `buf` at `*pos`, advancing it.
#[inline]
pub fn read_varint(buf: &[u8], pos: &mut usize) -> Option<i32> {
    let raw = read_unsigned(buf, pos, 5)?;
    let raw = u32::try_from(raw).ok()?;
    Some(((raw >> 1) as i32) ^ -((raw & 1) as i32))
}

/// Reads a zig-zag varlong from `buf` at `*pos`, advancing it.
#[inline]
pub fn read_varlong(buf: &[u8], pos: &mut usize) -> Option<i64> {
    let raw = read_unsigned(buf, pos, 10)?;
    Some(((raw >> 1) as i64) ^ -((raw & 1) as i64))
}

#[inline]
fn read_unsigned(buf: &[u8], pos: &mut usize, max_bytes: usize) -> Option<u64> {
    let mut value: u64 = 0;
    for i in 0..max_bytes {
        let b = *buf.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Appends `v` as a zig-zag varint.
pub fn put_varint(out: &mut Vec<u8>, v: i32) {
    put_unsigned(out, u64::from(((v << 1) ^ (v >> 31)) as u32));
}

/// Appends `v` as a zig-zag varlong.
pub fn put_varlong(out: &mut Vec<u8>, v: i64) {
    put_unsigned(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_unsigned(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Bytes `v` takes as a zig-zag varint.
pub fn varint_size(v: i32) -> usize {
    unsigned_size(u64::from(((v << 1) ^ (v >> 31)) as u32))
}

/// Bytes `v` takes as a zig-zag varlong.
pub fn varlong_size(v: i64) -> usize {
    unsigned_size(((v << 1) ^ (v >> 63)) as u64)
}

fn unsigned_size(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_roundtrips_at_the_edges() {
        for v in [0, 1, -1, 63, -64, 64, i32::MAX, i32::MIN] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_size(v));
            assert_eq!(read_varint(&out, &mut 0), Some(v));
        }
        for v in [0, -1, i64::MAX, i64::MIN, 1 << 40] {
            let mut out = Vec::new();
            put_varlong(&mut out, v);
            assert_eq!(out.len(), varlong_size(v));
            assert_eq!(read_varlong(&out, &mut 0), Some(v));
        }
    }

    #[test]
    fn known_encodings() {
        let mut out = Vec::new();
        put_varint(&mut out, -1);
        put_varint(&mut out, 300);
        assert_eq!(out, [0x01, 0xd8, 0x04]);
    }

    #[test]
    fn overlong_and_truncated_are_refused() {
        assert_eq!(read_varint(&[0xff; 6], &mut 0), None);
        assert_eq!(read_varint(&[0x80], &mut 0), None);
        assert_eq!(read_varint(&[0xff, 0xff, 0xff, 0xff, 0x7f], &mut 0), None, "value over 32 bits");
    }
}
