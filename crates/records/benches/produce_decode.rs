//! Decoding a 1 MiB ProduceRequest of 1 KiB records and validating its CRCs,
//! beside a plain copy of the same bytes in the same run (the reference).
//!
//! `cargo bench -p strata-records --bench produce_decode`
// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use bytes::{Bytes, BytesMut};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use strata_protocol::frame::{decode_request, encode_request};
use strata_protocol::generated::{produce_request, ProduceRequest, RequestHeader};
use strata_protocol::{ApiKey, RequestBody};
use strata_records::{BatchBuilder, Batches, Compression};

/// A ProduceRequest v9 frame (without size prefix) whose record set is about
/// 1 MiB of 1 KiB records in batches of `per_batch` records.
fn produce_frame(per_batch: usize) -> Bytes {
    let value = vec![b'x'; 1024];
    let mut records = BytesMut::new();
    let mut i = 0u64;
    // Each record takes 1024 bytes of value plus about 20 of framing.
    let batches = ((1usize << 20) / (per_batch * 1044)).max(1);
    for _ in 0..batches {
        let mut b = BatchBuilder::new(Compression::None);
        for _ in 0..per_batch {
            let key = i.to_be_bytes();
            b.push(1_700_000_000_000 + i as i64, Some(&key), Some(&value), &[]);
            i += 1;
        }
        records.extend_from_slice(&b.build());
    }
    let body = ProduceRequest {
        acks: -1,
        timeout_ms: 30_000,
        topic_data: vec![produce_request::TopicProduceData {
            name: "bench".into(),
            partition_data: vec![produce_request::PartitionProduceData {
                index: 0,
                records: Some(records.freeze()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let header = RequestHeader {
        request_api_key: ApiKey::Produce as i16,
        request_api_version: 9,
        correlation_id: 1,
        client_id: Some("bench".into()),
        ..Default::default()
    };
    let mut out = BytesMut::new();
    encode_request(&header, &RequestBody::Produce(body), &mut out).unwrap();
    out.freeze().slice(4..)
}

/// Decodes the frame and validates every batch's CRC; returns batches seen.
fn decode_and_check(frame: &Bytes) -> usize {
    let request = decode_request(frame.clone()).unwrap();
    let RequestBody::Produce(p) = request.body else { unreachable!() };
    let mut batches = 0;
    for topic in &p.topic_data {
        for part in &topic.partition_data {
            for batch in Batches::new(part.records.clone().unwrap_or_default()) {
                batch.unwrap().validate_crc().unwrap();
                batches += 1;
            }
        }
    }
    batches
}

fn bench(c: &mut Criterion) {
    for per_batch in [16, 1000] {
        let frame = produce_frame(per_batch);
        let mut g = c.benchmark_group(format!("produce_1MiB_{per_batch}_records_per_batch"));
        g.throughput(Throughput::Bytes(frame.len() as u64));
        let mut dst = vec![0u8; frame.len()];
        g.bench_function("reference_copy", |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&frame));
                black_box(&dst);
            })
        });
        g.bench_function("decode_and_validate_crc", |b| b.iter(|| black_box(decode_and_check(black_box(&frame)))));
        g.bench_function("decode_crc_and_every_record", |b| {
            b.iter(|| {
                let request = decode_request(black_box(&frame).clone()).unwrap();
                let RequestBody::Produce(p) = request.body else { unreachable!() };
                let records = p.topic_data[0].partition_data[0].records.clone().unwrap_or_default();
                for batch in Batches::new(records) {
                    black_box(batch.unwrap().validate_for_append(1 << 24).unwrap());
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
