//! Building a batch of 1,000 records of 1 KiB, as a producer fills one
//! `batch.size` of 1 MiB: with a buffer grown by doubling
//! (`BatchBuilder::new`) and with one sized up front
//! (`BatchBuilder::with_capacity`), beside a plain copy of the same values
//! into a fresh buffer in the same run (the reference).
//!
//! `cargo bench -p strata-records --bench batch_build`
// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use strata_records::{BatchBuilder, Compression};

const RECORDS: usize = 1000;
const BATCH_SIZE: usize = 1 << 20;

fn fill(mut b: BatchBuilder, value: &[u8]) -> bytes::Bytes {
    for i in 0..RECORDS {
        b.push(1_700_000_000_000 + i as i64, None, Some(value), &[]);
    }
    b.build()
}

fn bench(c: &mut Criterion) {
    let value = vec![b'x'; 1024];
    let mut g = c.benchmark_group("build_1000_records_of_1KiB");
    g.throughput(Throughput::Bytes((RECORDS * value.len()) as u64));
    g.bench_function("reference_copy", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(BATCH_SIZE);
            for _ in 0..RECORDS {
                out.extend_from_slice(black_box(&value));
            }
            black_box(out)
        })
    });
    g.bench_function("grown_by_doubling", |b| {
        b.iter(|| black_box(fill(BatchBuilder::new(Compression::None), black_box(&value))))
    });
    g.bench_function("sized_to_batch_size", |b| {
        b.iter(|| black_box(fill(BatchBuilder::with_capacity(Compression::None, BATCH_SIZE), black_box(&value))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
