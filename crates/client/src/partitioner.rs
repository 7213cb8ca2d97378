//! Choosing a record's partition, as the Java client's default partitioner
//! does: murmur2 of the key; for a null key, a sticky partition that changes
//! once `batch.size` bytes went to it (KIP-480, KIP-794).

use std::collections::HashMap;
use std::sync::Mutex;

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

type StickyTopics = HashMap<String, (i32, usize)>;

/// The sticky partition of each topic, for records without a key.
#[derive(Debug)]
pub(crate) struct Sticky {
    batch_size: usize,
    /// The random state, and per topic its partition and the bytes sent to it.
    state: Mutex<(u64, StickyTopics)>,
}

impl Sticky {
    pub(crate) fn new(batch_size: usize) -> Sticky {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x2545_f491, |d| d.as_nanos() as u64)
            | 1;
        Sticky { batch_size, state: Mutex::new((seed, HashMap::new())) }
    }

    /// The partition for a record of `size` bytes without a key.
    pub(crate) fn partition(&self, topic: &str, partitions: i32, size: usize) -> i32 {
        let mut guard = self.state.lock().expect("sticky lock");
        let (seed, topics) = &mut *guard;
        let entry = match topics.get_mut(topic) {
            Some(entry) if entry.0 < partitions => entry,
            _ => {
                let first = next(seed, partitions);
                topics.entry(topic.to_string()).insert_entry((first, 0)).into_mut()
            }
        };
        if entry.1 >= self.batch_size {
            let mut fresh = next(seed, partitions);
            if partitions > 1 && fresh == entry.0 {
                fresh = (fresh + 1) % partitions;
            }
            *entry = (fresh, 0);
        }
        entry.1 += size;
        entry.0
    }
}

/// xorshift64: cheap spread of sticky partitions, no cryptographic need.
fn next(seed: &mut u64, partitions: i32) -> i32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed % partitions.max(1) as u64) as i32
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
        let sticky = Sticky::new(100);
        let first = sticky.partition("t", 4, 60);
        assert_eq!(sticky.partition("t", 4, 60), first);
        assert_ne!(sticky.partition("t", 4, 60), first, "switches once 100 bytes went to it");
        assert_eq!(sticky.partition("t", 1, 10), 0);
    }
}
