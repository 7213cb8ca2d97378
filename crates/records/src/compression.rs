//! The four compression codecs of record batches, as Kafka clients write them.
//!
//! * gzip: RFC 1952 (several members are read, as Java's GZIPInputStream does).
//! * snappy: either raw snappy (librdkafka) or the xerial framing that Java's
//!   snappy-java writes (16-byte header `\x82SNAPPY\0`, version, compatible
//!   version, then blocks of `int32` length + raw snappy). We write xerial, which
//!   every client reads.
//! * lz4: the LZ4 frame format (Kafka's `KafkaLZ4BlockOutputStream`): we write
//!   64 KiB independent blocks without checksums, which every client reads.
//! * zstd: a zstd frame, written at level 3 (Kafka's default).
//!
//! Every decompression takes an output cap and fails with
//! [`RecordsError::DecompressedTooLarge`] rather than produce more: a
//! decompression bomb costs at most the cap in memory.

use std::io::{Read, Write};

use crate::RecordsError;

/// A batch's compression codec (attributes bits 0-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Uncompressed.
    None = 0,
    /// gzip.
    Gzip = 1,
    /// snappy.
    Snappy = 2,
    /// lz4 frames.
    Lz4 = 3,
    /// zstd.
    Zstd = 4,
}

impl Compression {
    /// Every codec.
    pub const ALL: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    /// The codec with attribute id `id`.
    pub fn from_id(id: u8) -> Result<Compression, RecordsError> {
        match id {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(RecordsError::UnknownCompression(other)),
        }
    }

    /// Kafka's name of the codec (`compression.type`).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    /// Compresses `data`, appending to `out`.
    pub fn compress(self, data: &[u8], out: &mut Vec<u8>) {
        let io = "writing to a Vec cannot fail";
        match self {
            Compression::None => out.extend_from_slice(data),
            Compression::Gzip => {
                let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
                enc.write_all(data).expect(io);
                enc.finish().expect(io);
            }
            Compression::Snappy => snappy_xerial_compress(data, out),
            Compression::Lz4 => {
                let info = lz4_flex::frame::FrameInfo::new()
                    .block_size(lz4_flex::frame::BlockSize::Max64KB)
                    .block_mode(lz4_flex::frame::BlockMode::Independent);
                let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, out);
                enc.write_all(data).expect(io);
                enc.finish().expect(io);
            }
            Compression::Zstd => {
                let compressed = zstd::bulk::compress(data, 3).expect(io);
                out.extend_from_slice(&compressed);
            }
        }
    }

    /// Decompresses `data`, producing at most `cap` bytes.
    pub fn decompress(self, data: &[u8], cap: usize) -> Result<Vec<u8>, RecordsError> {
        match self {
            Compression::None => {
                if data.len() > cap {
                    return Err(RecordsError::DecompressedTooLarge { cap });
                }
                Ok(data.to_vec())
            }
            Compression::Gzip => read_capped(self, flate2::read::MultiGzDecoder::new(data), cap, data.len()),
            Compression::Snappy => snappy_decompress(data, cap),
            Compression::Lz4 => read_capped(self, lz4_flex::frame::FrameDecoder::new(data), cap, data.len()),
            Compression::Zstd => {
                let dec = zstd::stream::read::Decoder::with_buffer(data).map_err(|e| corrupt(self, &e))?;
                read_capped(self, dec, cap, data.len())
            }
        }
    }
}

fn corrupt(codec: Compression, reason: &dyn std::fmt::Display) -> RecordsError {
    RecordsError::Corrupt { codec: codec.name(), reason: reason.to_string() }
}

/// Reads all of `r` but refuses to produce more than `cap` bytes.
fn read_capped(codec: Compression, r: impl Read, cap: usize, input_len: usize) -> Result<Vec<u8>, RecordsError> {
    let mut out = Vec::with_capacity(input_len.saturating_mul(4).min(cap));
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    r.take(limit).read_to_end(&mut out).map_err(|e| corrupt(codec, &e))?;
    if out.len() > cap {
        return Err(RecordsError::DecompressedTooLarge { cap });
    }
    Ok(out)
}

const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
const XERIAL_HEADER_LEN: usize = 16;
/// Uncompressed bytes per xerial block, as snappy-java writes them.
const XERIAL_BLOCK: usize = 32 * 1024;

fn snappy_xerial_compress(data: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&XERIAL_MAGIC);
    out.extend_from_slice(&1i32.to_be_bytes());
    out.extend_from_slice(&1i32.to_be_bytes());
    let mut enc = snap::raw::Encoder::new();
    for chunk in data.chunks(XERIAL_BLOCK) {
        let block = enc.compress_vec(chunk).expect("a 32 KiB block always compresses");
        let len = i32::try_from(block.len()).expect("a compressed 32 KiB block fits an i32");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&block);
    }
}

fn snappy_decompress(data: &[u8], cap: usize) -> Result<Vec<u8>, RecordsError> {
    let mut out = Vec::new();
    if data.len() >= XERIAL_HEADER_LEN && data[..8] == XERIAL_MAGIC {
        let mut rest = &data[XERIAL_HEADER_LEN..];
        while !rest.is_empty() {
            let (len, tail) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| corrupt(Compression::Snappy, &"truncated xerial block length"))?;
            let len = usize::try_from(i32::from_be_bytes(*len))
                .map_err(|_| corrupt(Compression::Snappy, &"negative xerial block length"))?;
            if len > tail.len() {
                return Err(corrupt(Compression::Snappy, &"xerial block longer than the data"));
            }
            snappy_raw_into(&tail[..len], cap, &mut out)?;
            rest = &tail[len..];
        }
    } else {
        snappy_raw_into(data, cap, &mut out)?;
    }
    Ok(out)
}

/// Decompresses one raw snappy block onto `out`, checking its declared length
/// against the cap before allocating.
fn snappy_raw_into(block: &[u8], cap: usize, out: &mut Vec<u8>) -> Result<(), RecordsError> {
    let len = snap::raw::decompress_len(block).map_err(|e| corrupt(Compression::Snappy, &e))?;
    if len > cap.saturating_sub(out.len()) {
        return Err(RecordsError::DecompressedTooLarge { cap });
    }
    let start = out.len();
    out.resize(start + len, 0);
    let n =
        snap::raw::Decoder::new().decompress(block, &mut out[start..]).map_err(|e| corrupt(Compression::Snappy, &e))?;
    out.truncate(start + n);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_codec_roundtrips() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for c in Compression::ALL {
            let mut z = Vec::new();
            c.compress(&data, &mut z);
            assert_eq!(c.decompress(&z, data.len()).unwrap(), data, "{c:?}");
        }
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let zeros = vec![0u8; 64 << 20];
        for c in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            let mut z = Vec::new();
            c.compress(&zeros, &mut z);
            assert!(z.len() < 4 << 20, "{c:?} compressed 64 MiB of zeros to {} bytes", z.len());
            assert_eq!(c.decompress(&z, 1 << 20), Err(RecordsError::DecompressedTooLarge { cap: 1 << 20 }), "{c:?}");
        }
    }

    #[test]
    fn raw_snappy_is_read_too() {
        let data = b"librdkafka writes raw snappy".repeat(10);
        let raw = snap::raw::Encoder::new().compress_vec(&data).unwrap();
        assert_eq!(Compression::Snappy.decompress(&raw, 1000).unwrap(), data);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for c in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
            assert!(c.decompress(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3], 1000).is_err(), "{c:?}");
        }
        let mut xerial = XERIAL_MAGIC.to_vec();
        xerial.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff]);
        assert!(Compression::Snappy.decompress(&xerial, 1000).is_err());
    }
}
