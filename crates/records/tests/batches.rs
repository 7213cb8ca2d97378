//! Record batches: build, parse, validate, rewrite in place; and broken or
//! hostile batches, which are errors and never panics.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use strata_records::batch::{HEADER_LEN, LOG_OVERHEAD};
use strata_records::{
    BatchBuilder, BatchMut, Batches, Compression, ControlRecord, ControlType, RecordBatch, RecordsError,
};

const CAP: usize = 1 << 20;

type Owned = (i64, Option<Vec<u8>>, Option<Vec<u8>>, Vec<(String, Option<Vec<u8>>)>);

fn build(compression: Compression, records: &[Owned]) -> Bytes {
    let mut b = BatchBuilder::new(compression).producer(7, 1, 100);
    for (ts, k, v, h) in records {
        let headers: Vec<(&str, Option<&[u8]>)> = h.iter().map(|(n, v)| (n.as_str(), v.as_deref())).collect();
        b.push(*ts, k.as_deref(), v.as_deref(), &headers);
    }
    b.build()
}

fn read_back(batch: &RecordBatch) -> Vec<Owned> {
    let data = batch.records_data(CAP).unwrap();
    batch
        .records(&data)
        .map(|r| {
            let r = r.unwrap();
            let headers = r.headers.map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec))).collect();
            (
                batch.header.base_timestamp + r.timestamp_delta,
                r.key.map(<[u8]>::to_vec),
                r.value.map(<[u8]>::to_vec),
                headers,
            )
        })
        .collect()
}

fn sample() -> Vec<Owned> {
    vec![
        (1000, Some(b"k1".to_vec()), Some(b"v1".to_vec()), vec![]),
        (999, None, Some(b"null key".to_vec()), vec![("h".into(), Some(b"1".to_vec())), ("h".into(), None)]),
        (
            1005,
            Some(b"tombstone".to_vec()),
            None,
            vec![("dup".into(), Some(vec![])), ("dup".into(), Some(b"2".to_vec()))],
        ),
    ]
}

#[test]
fn every_codec_roundtrips_records_nulls_and_duplicate_headers() {
    for c in Compression::ALL {
        let bytes = build(c, &sample());
        let batch = RecordBatch::parse(&bytes).unwrap();
        batch.validate_crc().unwrap();
        assert_eq!(batch.header.attributes.compression().unwrap(), c);
        assert_eq!(batch.header.records_count, 3);
        assert_eq!(batch.header.last_offset_delta, 2);
        assert_eq!((batch.header.producer_id, batch.header.producer_epoch, batch.header.base_sequence), (7, 1, 100));
        assert_eq!(batch.header.max_timestamp, 1005);
        assert_eq!(read_back(&batch), sample(), "{c:?}");
        assert_eq!(batch.validate_for_append(CAP).unwrap(), 1005);
    }
}

#[test]
fn crc_covers_attributes_to_the_end_and_nothing_before() {
    let bytes = build(Compression::None, &sample());
    for i in 0..bytes.len() {
        let mut m = BytesMut::from(&bytes[..]);
        m[i] ^= 0x01;
        let m = m.freeze();
        let Ok(batch) = RecordBatch::parse(&m) else { continue };
        let crc_ok = batch.validate_crc().is_ok();
        // The CRC field and everything after it are covered; batchLength is
        // not, but changing it changes which bytes the CRC is computed over.
        let covered = i >= 17 || (8..12).contains(&i);
        assert_eq!(crc_ok, !covered, "flipping byte {i}");
    }
}

#[test]
fn base_offset_epoch_and_log_append_time_are_rewritten_in_place() {
    let bytes = build(Compression::Lz4, &sample());
    let mut m = BytesMut::from(&bytes[..]);
    let mut batch = BatchMut::new(&mut m).unwrap();
    batch.set_base_offset(1_000_000);
    batch.set_partition_leader_epoch(5);
    batch.set_max_timestamp(true, 77_777);
    let m = m.freeze();
    let parsed = RecordBatch::parse(&m).unwrap();
    parsed.validate_crc().unwrap();
    assert_eq!(parsed.header.base_offset, 1_000_000);
    assert_eq!(parsed.header.last_offset(), 1_000_002);
    assert_eq!(parsed.header.partition_leader_epoch, 5);
    assert!(parsed.header.attributes.log_append_time());
    assert_eq!(parsed.header.max_timestamp, 77_777);
    assert_eq!(&m[HEADER_LEN..], &bytes[HEADER_LEN..], "records untouched");
}

#[test]
fn control_markers_roundtrip() {
    for kind in [ControlType::Commit, ControlType::Abort] {
        let bytes = ControlRecord { kind, coordinator_epoch: 3 }.build_batch(42, 2, 123);
        let batch = RecordBatch::parse(&bytes).unwrap();
        batch.validate_crc().unwrap();
        assert!(batch.header.attributes.control() && batch.header.attributes.transactional());
        let data = batch.records_data(CAP).unwrap();
        let record = batch.records(&data).next().unwrap().unwrap();
        assert_eq!(ControlRecord::parse(&record).unwrap(), ControlRecord { kind, coordinator_epoch: 3 });
    }
}

#[test]
fn several_batches_iterate_and_a_partial_tail_is_reported() {
    let a = build(Compression::None, &sample());
    let b = build(Compression::Zstd, &sample());
    let mut set = BytesMut::new();
    set.extend_from_slice(&a);
    set.extend_from_slice(&b);
    set.extend_from_slice(&a[..30]);
    let items: Vec<_> = Batches::new(set.freeze()).collect();
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    assert!(matches!(items[2], Err(RecordsError::Truncated { .. })));
}

#[test]
fn old_formats_are_refused_by_magic() {
    for magic in [0u8, 1] {
        let mut v1 = vec![0u8; 40];
        v1[16] = magic;
        let err = RecordBatch::parse(&Bytes::from(v1)).unwrap_err();
        assert_eq!(err, RecordsError::UnsupportedMagic(magic as i8));
    }
}

#[test]
fn record_count_of_i32_max_with_a_valid_crc_is_an_error() {
    let bytes = build(Compression::None, &sample());
    let mut m = BytesMut::from(&bytes[..]);
    m[57..61].copy_from_slice(&i32::MAX.to_be_bytes());
    BatchMut::new(&mut m).unwrap().update_crc();
    let m = m.freeze();
    let batch = RecordBatch::parse(&m).unwrap();
    batch.validate_crc().unwrap();
    let err = batch.validate_for_append(CAP).unwrap_err();
    assert_eq!(err, RecordsError::CountMismatch { header: i32::MAX, actual: 3 });
    // And a count smaller than the records present.
    let mut m = BytesMut::from(&bytes[..]);
    m[57..61].copy_from_slice(&1i32.to_be_bytes());
    BatchMut::new(&mut m).unwrap().update_crc();
    let m = m.freeze();
    assert!(matches!(
        RecordBatch::parse(&m).unwrap().validate_for_append(CAP),
        Err(RecordsError::CountMismatch { .. })
    ));
}

#[test]
fn a_decompression_bomb_in_a_batch_stops_at_the_cap() {
    let zeros = vec![0u8; 16 << 20];
    for c in [Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd] {
        let mut b = BatchBuilder::new(c);
        b.push(0, None, Some(&zeros), &[]);
        let bytes = b.build();
        assert!(bytes.len() < 2 << 20, "{c:?}");
        let batch = RecordBatch::parse(&bytes).unwrap();
        assert_eq!(
            batch.validate_for_append(CAP).unwrap_err(),
            RecordsError::DecompressedTooLarge { cap: CAP },
            "{c:?}"
        );
    }
}

#[test]
fn truncation_at_every_byte_is_an_error() {
    for c in Compression::ALL {
        let bytes = build(c, &sample());
        for cut in 0..bytes.len() {
            let cut_bytes = bytes.slice(..cut);
            let ok = RecordBatch::parse(&cut_bytes).is_ok_and(|b| b.validate_for_append(CAP).is_ok());
            assert!(!ok, "{c:?} cut at {cut} validated");
        }
    }
}

#[test]
fn a_batch_length_below_the_header_is_refused() {
    let bytes = build(Compression::None, &sample());
    let mut m = BytesMut::from(&bytes[..]);
    m[8..12].copy_from_slice(&((HEADER_LEN - LOG_OVERHEAD - 1) as i32).to_be_bytes());
    assert!(matches!(RecordBatch::parse(&m.freeze()), Err(RecordsError::BatchTooShort(_))));
}

fn owned_record() -> impl Strategy<Value = Owned> {
    let bytes = || proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20));
    (any::<i32>().prop_map(i64::from), bytes(), bytes(), proptest::collection::vec(("[a-z]{0,4}", bytes()), 0..3))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_records_roundtrip(records in proptest::collection::vec(owned_record(), 1..20), codec in 0u8..5) {
        let c = Compression::from_id(codec).unwrap();
        let bytes = build(c, &records);
        let batch = RecordBatch::parse(&bytes).unwrap();
        batch.validate_for_append(CAP).unwrap();
        prop_assert_eq!(read_back(&batch), records);
    }

    #[test]
    fn random_bytes_and_mutations_never_panic(
        noise in proptest::collection::vec(any::<u8>(), 0..200),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        for batch in Batches::new(Bytes::from(noise)).flatten() {
            let _ = batch.validate_for_append(CAP);
        }
        let mut m = BytesMut::from(&build(Compression::None, &sample())[..]);
        for (i, v) in flips {
            let i = i.index(m.len());
            m[i] = v;
        }
        if let Ok(mut b) = BatchMut::new(&mut m) {
            b.update_crc();
        }
        for b in Batches::new(m.freeze()).flatten() {
            let _ = b.validate_for_append(CAP);
        }
    }
}
