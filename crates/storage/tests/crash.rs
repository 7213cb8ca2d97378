//! SIGKILL a writer mid-append, hundreds of times, and check what survived.
//!
//! The child (this test binary re-run with `--ignored crash_child`) appends
//! batches whose record values are their offsets, fsyncs each one
//! (`flush_to`) and then prints its last offset: an acknowledgement. The
//! parent kills it with SIGKILL at a random moment, reopens the log and
//! checks that every acknowledged record is there, that offsets run
//! contiguously from the start, that every record holds its own offset, and
//! that no torn batch is readable. The same log is reused across kills, so
//! recovery is exercised on top of recovery.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use strata_records::{BatchBuilder, Batches, Compression};
use strata_storage::{AppendOptions, Log, LogConfig, OpenFiles};

const KILLS: usize = 200;

fn config() -> LogConfig {
    LogConfig { segment_bytes: 256 << 10, index_interval_bytes: 4096, ..LogConfig::default() }
}

#[test]
#[ignore = "the child process of sigkill_mid_append_loses_no_acknowledged_record"]
fn crash_child() {
    let dir = std::env::var("STRATA_CRASH_DIR").expect("run by the parent test");
    let log = Log::open(dir.as_ref(), config(), 0, OpenFiles::new(64)).unwrap();
    let mut seed = std::process::id() as u64;
    loop {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let n = 1 + (seed >> 33) % 50;
        let next = log.log_end_offset();
        let mut b = BatchBuilder::new(if seed.is_multiple_of(3) { Compression::Zstd } else { Compression::None });
        for i in 0..n as i64 {
            let v = (next + i).to_string();
            b.push(i, None, Some(format!("{v}:{}", "x".repeat((seed % 700) as usize)).as_bytes()), &[]);
        }
        let info = log.append(&b.build(), AppendOptions { leader_epoch: 0, now_ms: 0 }).unwrap();
        log.flush_to(info.last_offset + 1).unwrap();
        println!("{}", info.last_offset);
    }
}

fn verify(dir: &std::path::Path, acked: i64) -> i64 {
    let log = Log::open(dir, config(), 0, OpenFiles::new(64)).unwrap();
    let end = log.log_end_offset();
    assert!(end > acked, "acknowledged offset {acked} lost: log ends at {end}");
    let mut next = 0;
    while next < end {
        let region = log.read(next, 1 << 20, i64::MAX, true).unwrap().region.expect("data below the log end");
        for batch in Batches::new(region.read().unwrap()) {
            let Ok(batch) = batch else { break }; // the read budget's partial tail
            batch.validate_crc().expect("no torn batch is readable");
            assert_eq!(batch.header.base_offset, next, "offsets are contiguous");
            let data = batch.records_data(1 << 24).unwrap();
            for r in batch.records(&data) {
                let r = r.unwrap();
                let value = std::str::from_utf8(r.value.unwrap()).unwrap();
                let offset = batch.header.base_offset + i64::from(r.offset_delta);
                assert_eq!(
                    value.split(':').next().unwrap(),
                    offset.to_string(),
                    "offset {offset} holds its own record"
                );
            }
            next = batch.header.last_offset() + 1;
        }
    }
    end
}

#[test]
fn sigkill_mid_append_loses_no_acknowledged_record() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut acked = -1i64;
    let mut rng = 0x9e3779b97f4a7c15u64;
    for kill in 0..KILLS {
        let mut child = Command::new(&exe)
            .args(["--ignored", "--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("STRATA_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let wait_acks = 1 + rng % 40;
        let reader = std::thread::spawn(move || {
            let mut last = -1i64;
            let mut seen = 0;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(offset) = line.trim().parse::<i64>() {
                    last = offset;
                    seen += 1;
                }
            }
            (last, seen)
        });
        // Let it acknowledge a random number of appends, then kill it mid-stream.
        let deadline = Instant::now() + Duration::from_secs(20);
        std::thread::sleep(Duration::from_millis(2 + rng % 15 + wait_acks / 4));
        while Instant::now() < deadline
            && child.try_wait().unwrap().is_none()
            && std::fs::read_dir(dir.path()).map_or(0, |d| d.count()) == 0
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (last, _) = reader.join().unwrap();
        acked = acked.max(last);
        let end = verify(dir.path(), acked);
        assert!(end > acked, "kill {kill}");
    }
    assert!(acked > KILLS as i64, "the writer made progress: {acked}");
    eprintln!("{KILLS} SIGKILLs in {:?}; {} records acknowledged, none lost", started.elapsed(), acked + 1);
}
