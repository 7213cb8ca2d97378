//! A partition whose files cannot grow fails its appends with a clear error
//! and goes offline; what it acknowledged stays readable; another partition
//! keeps serving; after the condition clears, reopening brings it back.
//!
//! The process's RLIMIT_FSIZE is lowered so writes past 200 KiB fail with
//! EFBIG (SIGXFSZ ignored): the same write-failure path a full disk takes,
//! without needing root to mount a small filesystem. Its own test binary, as
//! the limit is process-wide.

use strata_records::{BatchBuilder, Batches, Compression};
use strata_storage::{AppendOptions, Log, LogConfig, OpenFiles, StorageError};

const LIMIT: u64 = 200 << 10;

fn set_file_size_limit(bytes: u64) {
    // SAFETY: ignoring a signal and setting a resource limit with a valid rlimit.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let lim = libc::rlimit { rlim_cur: bytes, rlim_max: libc::RLIM_INFINITY };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
    }
}

fn batch(n: usize) -> bytes::Bytes {
    let mut b = BatchBuilder::new(Compression::None);
    for i in 0..n {
        b.push(0, None, Some(format!("{i:>1000}").as_bytes()), &[]);
    }
    b.build()
}

fn count_records(log: &Log) -> i64 {
    let mut next = log.log_start_offset();
    let mut count = 0;
    while next < log.log_end_offset() {
        let region = log.read(next, 1 << 20, i64::MAX, true).unwrap().region.unwrap();
        for b in Batches::new(region.read().unwrap()).map_while(Result::ok) {
            b.validate_crc().unwrap();
            count += i64::from(b.header.records_count);
            next = b.header.last_offset() + 1;
        }
    }
    count
}

#[test]
fn a_partition_that_cannot_write_goes_offline_and_the_others_serve() {
    let root = tempfile::tempdir().unwrap();
    let files = OpenFiles::new(16);
    let config = LogConfig::default();
    let full = Log::open(&root.path().join("full-0"), config.clone(), 0, files.clone()).unwrap();
    let other = Log::open(&root.path().join("other-0"), config.clone(), 0, files.clone()).unwrap();
    set_file_size_limit(LIMIT);
    let opts = AppendOptions { leader_epoch: 0, now_ms: 0 };
    let mut acked = 0;
    let err = loop {
        match full.append(&batch(20), opts) {
            Ok(info) => acked = info.last_offset + 1,
            Err(e) => break e,
        }
        assert!(acked < 1000, "the limit never bit");
    };
    assert!(matches!(&err, StorageError::Io { op: "write", .. }), "{err}");
    assert!(err.to_string().contains("full-0"), "the error names the partition: {err}");
    assert!(full.is_offline());
    assert!(matches!(full.append(&batch(1), opts), Err(StorageError::Offline(_))));
    // Nothing torn: exactly the acknowledged records are there, all readable.
    assert_eq!(full.log_end_offset(), acked);
    assert_eq!(count_records(&full), acked);
    // Another partition keeps serving.
    other.append(&batch(5), opts).unwrap();
    assert_eq!(count_records(&other), 5);
    // Space again: reopening brings the partition back with everything acknowledged.
    set_file_size_limit(libc::RLIM_INFINITY);
    drop(full);
    let full = Log::open(&root.path().join("full-0"), config, 0, files).unwrap();
    assert!(!full.is_offline());
    assert_eq!(count_records(&full), acked);
    full.append(&batch(3), opts).unwrap();
    assert_eq!(count_records(&full), acked + 3);
}
