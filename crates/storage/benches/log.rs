//! Partition log throughput beside plain file I/O of the same bytes, measured
//! in the same run (the machine is shared: compare ratios, not absolutes).
//!
//! `cargo bench -p strata-storage --bench log` (STRATA_BENCH_DIR picks the
//! disk, default the system temp dir). For each batch size (16 KiB and 1 MiB
//! of 1 KiB records) it reports:
//! * append without fsync vs a plain write() loop;
//! * durable append (append + flush_to per batch, one writer) vs write() +
//!   fdatasync per batch, and 4 writers sharing fsyncs (group commit);
//! * sequential read of the log via read() regions vs reading the file.
//!
//! Then the recovery time of a 1 GiB partition killed mid-write, from its last
//! checkpoint and from nothing.
#![allow(missing_docs)]

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use strata_records::{BatchBuilder, Compression};
use strata_storage::{AppendOptions, Log, LogConfig, OpenFiles};

const MIB: usize = 1 << 20;
const OPTS: AppendOptions = AppendOptions { leader_epoch: 0, now_ms: 0 };

fn batch_of(bytes: usize) -> Bytes {
    let value = vec![b'v'; 1000];
    let mut b = BatchBuilder::new(Compression::None);
    while b.estimated_size() + 1030 <= bytes {
        b.push(0, Some(b"key-0001"), Some(&value), &[]);
    }
    b.build()
}

fn fresh(root: &Path, name: &str) -> PathBuf {
    let p = root.join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn plain(root: &Path, batch: &Bytes, total: usize, fsync: bool) -> Duration {
    let dir = fresh(root, "plain");
    let mut f = File::create(dir.join("data")).unwrap();
    let t = Instant::now();
    for _ in 0..total / batch.len() {
        f.write_all(batch).unwrap();
        if fsync {
            f.sync_data().unwrap();
        }
    }
    let elapsed = t.elapsed();
    // Untimed: write back this run's dirty pages so the next run is not throttled by them.
    f.sync_all().unwrap();
    elapsed
}

fn log_append(root: &Path, batch: &Bytes, total: usize, writers: usize, durable: bool) -> Duration {
    let dir = fresh(root, "log");
    let log = Arc::new(Log::open(&dir, LogConfig::default(), 0, OpenFiles::new(64)).unwrap());
    let per_writer = total / batch.len() / writers;
    let t = Instant::now();
    let threads: Vec<_> = (0..writers)
        .map(|_| {
            let (log, batch) = (log.clone(), batch.clone());
            std::thread::spawn(move || {
                for _ in 0..per_writer {
                    let info = log.append(&batch, OPTS).unwrap();
                    if durable {
                        log.flush_to(info.last_offset + 1).unwrap();
                    }
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    let elapsed = t.elapsed();
    log.flush().unwrap(); // untimed, as in plain()
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn rate(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / MIB as f64
}

fn report(what: &str, bytes: usize, reference: Duration, ours: Duration) {
    let (r, o) = (rate(bytes, reference), rate(bytes, ours));
    println!("{what:<58} reference {r:>8.0} MiB/s   log {o:>8.0} MiB/s   ratio {:.2}", o / r);
}

fn compare(what: &str, bytes: usize, mut reference: impl FnMut() -> Duration, mut ours: impl FnMut() -> Duration) {
    let (mut rs, mut os) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        rs.push(reference());
        os.push(ours());
    }
    report(what, bytes, median(rs), median(os));
}

fn sequential_read(root: &Path, batch: &Bytes, total: usize) {
    let dir = fresh(root, "read");
    let log = Log::open(&dir, LogConfig::default(), 0, OpenFiles::new(64)).unwrap();
    for _ in 0..total / batch.len() {
        log.append(batch, OPTS).unwrap();
    }
    log.flush().unwrap();
    let file = dir.join("00000000000000000000.log");
    compare(
        &format!("sequential read (page cache), {} KiB batches", batch.len().next_power_of_two() / 1024),
        total,
        || {
            let t = Instant::now();
            let mut f = File::open(&file).unwrap();
            let mut buf = vec![0u8; MIB];
            while f.read(&mut buf).unwrap() > 0 {}
            t.elapsed()
        },
        || {
            let t = Instant::now();
            let mut next = 0;
            let mut buf = Vec::new();
            while next < log.log_end_offset() {
                let region = log.read(next, MIB, i64::MAX, true).unwrap().region.unwrap();
                region.read_into(&mut buf).unwrap();
                let mut pos = 0;
                while let Ok(h) = strata_records::BatchHeader::parse(&buf[pos..]) {
                    if pos + h.total_len() > buf.len() {
                        break;
                    }
                    next = h.last_offset() + 1;
                    pos += h.total_len();
                }
            }
            t.elapsed()
        },
    );
}

fn recovery(root: &Path) {
    let batch = batch_of(MIB);
    let dir = fresh(root, "recovery");
    let log = Log::open(&dir, LogConfig::default(), 0, OpenFiles::new(64)).unwrap();
    for i in 0..1024 {
        log.append(&batch, OPTS).unwrap();
        if i == 1024 - 32 {
            log.flush().unwrap();
            log.checkpoint().unwrap(); // the last checkpoint before the kill: 32 MiB from the end
        }
    }
    log.flush().unwrap();
    drop(log); // killed: no clean close
    let end = |dir: &Path| {
        let t = Instant::now();
        let log = Log::open(dir, LogConfig::default(), 0, OpenFiles::new(64)).unwrap();
        (t.elapsed(), log.log_end_offset())
    };
    let (from_checkpoint, leo) = end(&dir);
    // The reopen above checkpointed at the end; recover from nothing instead.
    std::fs::remove_file(dir.join("partition.state")).unwrap();
    let (from_nothing, leo2) = end(&dir);
    assert_eq!(leo, leo2);
    println!(
        "recovery of a 1 GiB partition (one segment), last checkpoint 32 MiB before the end: {from_checkpoint:.2?}"
    );
    println!("recovery of the same partition with no checkpoint (full scan, CRC of every batch): {from_nothing:.2?}");
}

fn main() {
    let root = std::env::var_os("STRATA_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("strata-storage-bench");
    for batch_bytes in [16 << 10, MIB] {
        let batch = batch_of(batch_bytes);
        let kib = batch_bytes / 1024;
        let total = 512 * MIB;
        compare(
            &format!("append, no fsync, {kib} KiB batches"),
            total,
            || plain(&root, &batch, total, false),
            || log_append(&root, &batch, total, 1, false),
        );
        let durable_total = if batch_bytes == MIB { 256 * MIB } else { 64 * MIB };
        compare(
            &format!("durable append, fsync each, 1 writer, {kib} KiB batches"),
            durable_total,
            || plain(&root, &batch, durable_total, true),
            || log_append(&root, &batch, durable_total, 1, true),
        );
        compare(
            &format!("durable append, group commit, 4 writers, {kib} KiB batches"),
            durable_total,
            || plain(&root, &batch, durable_total, true),
            || log_append(&root, &batch, durable_total, 4, true),
        );
        sequential_read(&root, &batch, total);
    }
    recovery(&root);
    let _ = std::fs::remove_dir_all(&root);
}
