//! Choosing a record's partition, as the Java client's default partitioner
//! does: murmur2 of the key; for a null key, a sticky partition that changes
//! once `batch.size` bytes went to it (KIP-480, KIP-794).

/// Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), bit for
/// bit, so keyed records land where the Java client and librdkafka's
/// `murmur2_random` put them.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h = SEED ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition of `key` among `partitions`: `toPositive(murmur2(key)) % n`.
pub fn partition_for_key(key: &[u8], partitions: i32) -> i32 {
    (murmur2(key) & 0x7fff_ffff) % partitions.max(1)
}

/// A topic's sticky partition for records without a key: it changes once
/// `batch.size` bytes went to it. Kept under the producer's state lock, so
/// it needs none of its own.
#[derive(Debug, Default)]
pub(crate) struct Sticky {
    /// The partition and the bytes sent to it; `None` before the first record.
    current: Option<(i32, usize)>,
}

impl Sticky {
    /// The partition for a record of `size` bytes among `partitions`.
    pub(crate) fn partition(&mut self, rng: &mut Xorshift, partitions: i32, size: usize, batch_size: usize) -> i32 {
        let (partition, bytes) = match self.current {
            Some((p, bytes)) if p < partitions && bytes < batch_size => (p, bytes),
            Some((p, _)) if p < partitions && partitions > 1 => {
                let fresh = rng.below(partitions);
                (if fresh == p { (fresh + 1) % partitions } else { fresh }, 0)
            }
            _ => (rng.below(partitions), 0),
        };
        self.current = Some((partition, bytes + size));
        partition
    }
}

/// xorshift64: a cheap spread of sticky partitions, no cryptographic need.
#[derive(Debug)]
pub(crate) struct Xorshift(u64);

impl Xorshift {
    /// Seeded from the clock, so producers started together spread apart.
    pub(crate) fn from_clock() -> Xorshift {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x2545_f491, |d| d.as_nanos() as u64);
        Xorshift(seed | 1)
    }

    /// A number in `0..n` (0 when `n` is not positive).
    fn below(&mut self, n: i32) -> i32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka's own vectors (clients/src/test/java/.../utils/UtilsTest.java).
    #[test]
    fn murmur2_matches_kafka() {
        let cases: [(&str, i32); 6] = [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107),
        ];
        for (key, hash) in cases {
            assert_eq!(murmur2(key.as_bytes()), hash, "{key}");
        }
    }

    #[test]
    fn sticky_changes_after_a_batch() {
        let (mut sticky, mut rng) = (Sticky::default(), Xorshift::from_clock());
        let first = sticky.partition(&mut rng, 4, 60, 100);
        assert_eq!(sticky.partition(&mut rng, 4, 60, 100), first);
        assert_ne!(sticky.partition(&mut rng, 4, 60, 100), first, "switches once 100 bytes went to it");
        assert_eq!(sticky.partition(&mut rng, 1, 10, 100), 0);
    }
}
