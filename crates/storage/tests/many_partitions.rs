//! 10,000 partitions on one broker under a default file-descriptor limit.
//!
//! This binary lowers its own RLIMIT_NOFILE to 1024 (a common default soft
//! limit), then opens, appends to, reads back, closes and reopens 10,000
//! partition logs that share one set of at most 256 open segment files.

use std::path::Path;
use std::time::Instant;

use strata_records::{BatchBuilder, Batches, Compression};
use strata_storage::{AppendOptions, Log, LogConfig, OpenFiles};

const PARTITIONS: usize = 10_000;

fn set_fd_limit(soft: u64) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit with a valid pointer to an rlimit.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        lim.rlim_cur = soft.min(lim.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn value_at(log: &Log, offset: i64) -> String {
    let region = log.read(offset, 1 << 16, i64::MAX, true).unwrap().region.unwrap();
    let batch = Batches::new(region.read().unwrap()).next().unwrap().unwrap();
    let data = batch.records_data(1 << 20).unwrap();
    let record = batch.records(&data).next().unwrap().unwrap();
    String::from_utf8(record.value.unwrap().to_vec()).unwrap()
}

fn open_all(root: &Path, files: &std::sync::Arc<OpenFiles>) -> Vec<Log> {
    (0..PARTITIONS)
        .map(|p| Log::open(&root.join(format!("topic-{p}")), LogConfig::default(), 0, files.clone()).unwrap())
        .collect()
}

#[test]
fn ten_thousand_partitions_under_a_1024_descriptor_limit() {
    set_fd_limit(1024);
    let root = tempfile::tempdir().unwrap();
    let files = OpenFiles::new(256);
    let t = Instant::now();
    let logs = open_all(root.path(), &files);
    for (p, log) in logs.iter().enumerate() {
        let mut b = BatchBuilder::new(Compression::None);
        b.push(0, None, Some(format!("partition {p}").as_bytes()), &[]);
        log.append(&b.build(), AppendOptions { leader_epoch: 0, now_ms: 0 }).unwrap();
    }
    for (p, log) in logs.iter().enumerate() {
        assert_eq!(value_at(log, 0), format!("partition {p}"));
    }
    assert!(files.open_count() <= 256);
    assert!(open_fds() < 1024, "{} descriptors open", open_fds());
    let written = t.elapsed();
    for log in logs {
        log.close().unwrap();
    }
    let logs = open_all(root.path(), &files);
    for (p, log) in logs.iter().enumerate().step_by(7) {
        assert_eq!(log.log_end_offset(), 1);
        assert_eq!(value_at(log, 0), format!("partition {p}"));
    }
    eprintln!(
        "{PARTITIONS} partitions: open+append+read {written:.2?}, all {:.2?}, {} files open",
        t.elapsed(),
        files.open_count()
    );
}
