//! The partition log through its public API.

use std::path::Path;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use strata_records::{BatchBuilder, Batches, Compression};
use strata_storage::{AppendOptions, Log, LogConfig, OpenFiles, StorageError};

const NOW: i64 = 1_700_000_000_000;

fn batch(values: &[String], ts: i64, codec: Compression) -> Bytes {
    let mut b = BatchBuilder::new(codec);
    for (i, v) in values.iter().enumerate() {
        b.push(ts + i as i64, Some(v.as_bytes()), Some(v.as_bytes()), &[]);
    }
    b.build()
}

fn opts() -> AppendOptions {
    AppendOptions { leader_epoch: 0, now_ms: NOW }
}

/// Appends `n` records whose values are their expected offsets.
fn append_n(log: &Log, n: usize, codec: Compression) -> i64 {
    let next = log.log_end_offset();
    let values: Vec<String> = (0..n as i64).map(|i| (next + i).to_string()).collect();
    let info = log.append(&batch(&values, NOW, codec), opts()).unwrap();
    assert_eq!(info.first_offset, next);
    info.last_offset
}

/// Every (offset, value) readable from `from`, following reads until the end.
fn read_all(log: &Log, from: i64) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let mut next = from;
    loop {
        let r = log.read(next, 64 << 10, i64::MAX, true).unwrap();
        let Some(region) = r.region else { break };
        let bytes = region.read().unwrap();
        for b in Batches::new(bytes) {
            let Ok(b) = b else { break }; // a partial tail batch
            b.validate_crc().unwrap();
            let data = b.records_data(1 << 24).unwrap();
            for rec in b.records(&data) {
                let rec = rec.unwrap();
                let offset = b.header.base_offset + i64::from(rec.offset_delta);
                if offset >= next {
                    out.push((offset, String::from_utf8(rec.value.unwrap().to_vec()).unwrap()));
                }
            }
            next = b.header.last_offset() + 1;
        }
    }
    out
}

fn assert_contiguous(records: &[(i64, String)], from: i64, to: i64) {
    let offsets: Vec<i64> = records.iter().map(|r| r.0).collect();
    assert_eq!(offsets, (from..to).collect::<Vec<_>>());
    for (o, v) in records {
        assert_eq!(&o.to_string(), v, "offset {o} holds another record");
    }
}

fn small_segments() -> LogConfig {
    LogConfig { segment_bytes: 1024, index_interval_bytes: 256, ..LogConfig::default() }
}

#[test]
fn appends_get_contiguous_offsets_and_read_back_with_every_codec() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), LogConfig::default(), NOW, OpenFiles::new(64)).unwrap();
    for codec in Compression::ALL {
        append_n(&log, 7, codec);
    }
    assert_eq!(log.log_end_offset(), 35);
    assert_contiguous(&read_all(&log, 0), 0, 35);
    assert_contiguous(&read_all(&log, 17), 17, 35);
}

#[test]
fn segments_roll_by_size_and_every_offset_is_found_through_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    for _ in 0..60 {
        append_n(&log, 5, Compression::None);
    }
    assert!(log.segment_count() > 5, "{} segments", log.segment_count());
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(names.contains(&"00000000000000000000.log".to_string()));
    assert!(names.iter().any(|n| n.ends_with(".index")) && names.iter().any(|n| n.ends_with(".timeindex")));
    for start in 0..300 {
        let r = log.read(start, 1, i64::MAX, true).unwrap();
        let b = Batches::new(r.region.unwrap().read().unwrap()).next().unwrap().unwrap();
        assert!(b.header.base_offset <= start && start <= b.header.last_offset(), "read at {start}");
    }
}

#[test]
fn reads_stop_below_the_limit_and_respect_the_byte_budget() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), LogConfig::default(), NOW, OpenFiles::new(64)).unwrap();
    for _ in 0..10 {
        append_n(&log, 10, Compression::None);
    }
    let r = log.read(0, 1 << 20, 50, true).unwrap();
    let batches: Vec<_> = Batches::new(r.region.unwrap().read().unwrap()).map(Result::unwrap).collect();
    assert_eq!(batches.last().unwrap().header.last_offset(), 49, "nothing at or above the limit");
    assert!(log.read(50, 1 << 20, 50, true).unwrap().region.is_none());
    let r = log.read(0, 10, i64::MAX, true).unwrap();
    assert_eq!(Batches::new(r.region.unwrap().read().unwrap()).count(), 1, "at least one whole batch");
    let err = log.read(101, 10, i64::MAX, true).unwrap_err();
    assert!(matches!(err, StorageError::OffsetOutOfRange { offset: 101, .. }));
}

#[test]
fn log_append_time_is_written_in_place_with_a_valid_crc() {
    let dir = tempfile::tempdir().unwrap();
    let log =
        Log::open(dir.path(), LogConfig { log_append_time: true, ..LogConfig::default() }, NOW, OpenFiles::new(64))
            .unwrap();
    let info = log
        .append(
            &batch(&["a".into(), "b".into()], 5, Compression::Gzip),
            AppendOptions { leader_epoch: 3, now_ms: NOW + 9 },
        )
        .unwrap();
    assert_eq!(info.log_append_time, NOW + 9);
    let bytes = log.read(0, 1 << 20, i64::MAX, true).unwrap().region.unwrap().read().unwrap();
    let b = Batches::new(bytes).next().unwrap().unwrap();
    b.validate_crc().unwrap();
    assert!(b.header.attributes.log_append_time());
    assert_eq!((b.header.max_timestamp, b.header.partition_leader_epoch), (NOW + 9, 3));
}

#[test]
fn offsets_for_timestamps_find_the_first_record_at_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    for i in 0..50 {
        let v = vec![format!("{}", 2 * i), format!("{}", 2 * i + 1)];
        log.append(&batch(&v, 1000 + 10 * i, Compression::None), opts()).unwrap();
    }
    assert_eq!(log.offset_for_timestamp(0).unwrap(), Some((0, 1000)));
    assert_eq!(log.offset_for_timestamp(1001).unwrap(), Some((1, 1001)));
    assert_eq!(log.offset_for_timestamp(1002).unwrap(), Some((2, 1010)));
    assert_eq!(log.offset_for_timestamp(1255).unwrap(), Some((52, 1260)), "between batches: the next record");
    assert_eq!(log.offset_for_timestamp(5000).unwrap(), None);
    assert_eq!(log.max_timestamp(), Some((1491, 99)));
}

#[test]
fn a_clean_close_and_reopen_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    for _ in 0..40 {
        append_n(&log, 3, Compression::Snappy);
    }
    log.close().unwrap();
    assert!(dir.path().join(".strata_cleanshutdown").exists());
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    assert!(!dir.path().join(".strata_cleanshutdown").exists());
    assert_eq!(log.log_end_offset(), 120);
    assert_contiguous(&read_all(&log, 0), 0, 120);
    append_n(&log, 3, Compression::None);
    assert_contiguous(&read_all(&log, 0), 0, 123);
}

fn active_log_file(dir: &Path) -> std::path::PathBuf {
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    logs.sort();
    logs.pop().unwrap()
}

#[test]
fn a_torn_tail_is_cut_at_the_last_whole_batch_after_a_crash() {
    for tail in [
        b"\x00\x00\x00\x00\x00\x00\x00\x99\x00\x00\x10\x00".to_vec(),
        vec![0xff; 300],
        batch(&["torn".into()], 1, Compression::None)[..40].to_vec(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
        for _ in 0..30 {
            append_n(&log, 4, Compression::Lz4);
        }
        log.flush().unwrap();
        drop(log); // no close: as after SIGKILL
        let path = active_log_file(dir.path());
        let mut data = std::fs::read(&path).unwrap();
        let whole = data.len();
        data.extend_from_slice(&tail);
        std::fs::write(&path, &data).unwrap();
        let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
        assert_eq!(log.log_end_offset(), 120);
        assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, whole);
        assert_contiguous(&read_all(&log, 0), 0, 120);
        append_n(&log, 1, Compression::None);
        assert_contiguous(&read_all(&log, 0), 0, 121);
    }
}

#[test]
fn a_corrupt_batch_in_the_middle_cuts_the_log_there_and_drops_later_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    for _ in 0..60 {
        append_n(&log, 5, Compression::None);
    }
    drop(log);
    let _ = std::fs::remove_file(dir.path().join("partition.state")); // recover everything
    let first = dir.path().join("00000000000000000000.log");
    let mut data = std::fs::read(&first).unwrap();
    let n = data.len();
    data[n - 5] ^= 0xff; // break the CRC of the first segment's last batch
    std::fs::write(&first, &data).unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    let end = log.log_end_offset();
    assert!(end > 0 && end < 300, "log end {end}");
    assert_eq!(log.segment_count(), 1);
    assert_contiguous(&read_all(&log, 0), 0, end);
}

#[test]
fn truncation_removes_the_tail_and_appends_continue_from_there() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    for _ in 0..60 {
        append_n(&log, 5, Compression::None);
    }
    log.truncate_to(152).unwrap(); // inside the batch 150..=154: it goes whole
    assert_eq!(log.log_end_offset(), 150);
    assert_contiguous(&read_all(&log, 0), 0, 150);
    append_n(&log, 5, Compression::None);
    assert_contiguous(&read_all(&log, 0), 0, 155);
    log.truncate_to(0).unwrap();
    assert_eq!(log.log_end_offset(), 0);
    append_n(&log, 2, Compression::None);
    assert_contiguous(&read_all(&log, 0), 0, 2);
}

#[test]
fn a_log_truncated_fully_starts_again_at_any_offset_and_stays_there_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    for _ in 0..20 {
        append_n(&log, 5, Compression::None);
    }
    log.truncate_fully_and_start_at(1000).unwrap();
    assert_eq!((log.log_start_offset(), log.log_end_offset(), log.latest_epoch()), (1000, 1000, None));
    append_n(&log, 5, Compression::None);
    assert_contiguous(&read_all(&log, 1000), 1000, 1005);
    drop(log);
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (1000, 1005));
    assert_contiguous(&read_all(&log, 1000), 1000, 1005);
}

#[test]
fn retention_by_bytes_and_time_deletes_whole_old_segments() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LogConfig { retention_bytes: 2048, ..small_segments() };
    let log = Log::open(dir.path(), cfg.clone(), NOW, OpenFiles::new(64)).unwrap();
    for _ in 0..60 {
        append_n(&log, 5, Compression::None);
    }
    let before = log.segment_count();
    let deleted = log.apply_retention(NOW).unwrap();
    assert!(deleted > 0 && log.segment_count() == before - deleted);
    assert!(log.size_bytes() <= 2048 + 1024);
    let start = log.log_start_offset();
    assert!(start > 0);
    assert_contiguous(&read_all(&log, start), start, 300);
    assert!(matches!(log.read(0, 10, i64::MAX, true), Err(StorageError::OffsetOutOfRange { .. })));
    // Time: everything is older than 1 ms past its timestamps.
    log.reconfigure(LogConfig { retention_ms: 1, retention_bytes: -1, ..cfg });
    log.apply_retention(NOW + 10_000).unwrap();
    assert_eq!(log.log_start_offset(), 300);
    assert_eq!(log.log_end_offset(), 300);
    append_n(&log, 1, Compression::None);
    assert_contiguous(&read_all(&log, 300), 300, 301);
}

#[test]
fn delete_records_moves_the_start_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    for _ in 0..60 {
        append_n(&log, 5, Compression::None);
    }
    assert_eq!(log.delete_records_before(123).unwrap(), 123);
    assert!(log.segment_count() < 20);
    assert_contiguous(&read_all(&log, 123), 123, 300);
    drop(log);
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    assert_eq!(log.log_start_offset(), 123);
    assert!(log.delete_records_before(301).is_err());
}

#[test]
fn the_leader_epoch_cache_follows_appends_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), LogConfig::default(), NOW, OpenFiles::new(64)).unwrap();
    for (epoch, n) in [(1, 10), (1, 5), (3, 10), (4, 5)] {
        let v: Vec<String> = (0..n).map(|i: i64| (log.log_end_offset() + i).to_string()).collect();
        log.append(&batch(&v, NOW, Compression::None), AppendOptions { leader_epoch: epoch, now_ms: NOW }).unwrap();
    }
    assert_eq!(log.end_offset_for_epoch(1), Some((1, 15)));
    assert_eq!(log.end_offset_for_epoch(2), Some((1, 15)));
    assert_eq!(log.end_offset_for_epoch(3), Some((3, 25)));
    assert_eq!(log.end_offset_for_epoch(9), Some((4, 30)));
    assert_eq!(log.end_offset_for_epoch(0), None);
    log.truncate_to(25).unwrap();
    assert_eq!(log.end_offset_for_epoch(4), Some((3, 25)), "epoch 4 is gone; epoch 3 now ends at the log end");
    drop(log);
    let log = Log::open(dir.path(), LogConfig::default(), NOW, OpenFiles::new(64)).unwrap();
    assert_eq!(log.latest_epoch(), Some(3));
}

#[test]
fn concurrent_durable_appends_share_fsyncs() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(Log::open(dir.path(), LogConfig::default(), NOW, OpenFiles::new(64)).unwrap());
    let before = log.sync_count();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let v = vec![format!("{t}-{i}")];
                    let info = log.append(&batch(&v, NOW, Compression::None), opts()).unwrap();
                    log.flush_to(info.last_offset + 1).unwrap();
                    assert!(log.flushed_offset() > info.last_offset);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let syncs = log.sync_count() - before;
    assert_eq!(log.log_end_offset(), 400);
    assert!(syncs < 400, "{syncs} fsyncs for 400 durable appends");
    eprintln!("400 durable appends from 8 threads took {syncs} fsyncs");
}

#[test]
fn invalid_batches_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let log =
        Log::open(dir.path(), LogConfig { max_message_bytes: 2000, ..LogConfig::default() }, NOW, OpenFiles::new(64))
            .unwrap();
    let good = batch(&["ok".into()], NOW, Compression::None);
    let mut bad = BytesMut::from(&good[..]);
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert!(matches!(log.append(&bad.freeze(), opts()), Err(StorageError::InvalidBatch(_))));
    let big = batch(&["x".repeat(3000)], NOW, Compression::None);
    assert!(matches!(log.append(&big, opts()), Err(StorageError::BatchTooLarge { .. })));
    assert!(log.append(&Bytes::new(), opts()).is_err());
    assert_eq!(log.log_end_offset(), 0);
    log.append(&good, opts()).unwrap();
    assert_eq!(log.log_end_offset(), 1);
}

#[test]
fn segments_roll_by_age_and_flushes_follow_flush_messages_and_flush_ms() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LogConfig { segment_ms: 1000, flush_messages: 10, flush_ms: 500, ..LogConfig::default() };
    let log = Log::open(dir.path(), cfg, 0, OpenFiles::new(64)).unwrap();
    let at = |now_ms| AppendOptions { leader_epoch: 0, now_ms };
    log.append(&batch(&vec!["a".to_string(); 5], 0, Compression::None), at(0)).unwrap();
    log.maybe_flush(100).unwrap();
    assert_eq!(log.flushed_offset(), 0, "5 records and 100 ms: not due");
    log.append(&batch(&vec!["b".to_string(); 5], 0, Compression::None), at(200)).unwrap();
    log.maybe_flush(200).unwrap();
    assert_eq!(log.flushed_offset(), 10, "flush.messages reached");
    log.append(&batch(&["c".into()], 0, Compression::None), at(300)).unwrap();
    log.maybe_flush(700).unwrap();
    assert_eq!(log.flushed_offset(), 10, "400 ms old: not due");
    log.maybe_flush(800).unwrap();
    assert_eq!(log.flushed_offset(), 11, "flush.ms reached");
    assert_eq!(log.segment_count(), 1);
    log.append(&batch(&["d".into()], 0, Compression::None), at(999)).unwrap();
    assert_eq!(log.segment_count(), 1, "younger than segment.ms");
    log.append(&batch(&["e".into()], 0, Compression::None), at(1000)).unwrap();
    assert_eq!(log.segment_count(), 2, "segment.ms reached");
    assert!(dir.path().join("00000000000000000012.log").exists());
}

/// A roll syncs nothing on the append path (appends would wait on up to
/// segment.bytes of dirty pages): the next `maybe_flush` (the scheduler's,
/// off that path) flushes the segments before the new one, and the next
/// checkpoint moves the recovery point there. A checkpoint itself syncs no
/// record.
#[test]
fn a_rolled_segment_is_flushed_in_the_background_and_the_recovery_point_follows() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    let syncs = log.sync_count();
    while log.segment_count() < 3 {
        append_n(&log, 3, Compression::None);
    }
    assert_eq!((log.sync_count(), log.flushed_offset()), (syncs, 0), "no sync on the append path");
    log.checkpoint().unwrap();
    assert_eq!(log.flushed_offset(), 0, "a checkpoint syncs no record");
    let recovery_point =
        || strata_storage::checkpoint::PartitionState::load(dir.path()).unwrap().unwrap().recovery_point;
    assert_eq!(recovery_point(), 0);
    let newest = log.log_end_offset();
    log.maybe_flush(NOW).unwrap();
    assert_eq!(log.sync_count(), syncs + 1, "one background flush");
    assert!(log.flushed_offset() >= newest - 3, "the segments before the newest are durable");
    log.checkpoint().unwrap();
    assert_eq!(recovery_point(), log.flushed_offset());
    log.maybe_flush(NOW).unwrap();
    assert_eq!(log.sync_count(), syncs + 1, "nothing more to flush until the next roll");
}

#[test]
fn an_unwritable_index_file_takes_the_partition_offline_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    append_n(&log, 3, Compression::None);
    // Root ignores permission bits, so make the file unwritable another way.
    let index = dir.path().join("00000000000000000000.index");
    std::fs::remove_file(&index).unwrap();
    std::fs::create_dir(&index).unwrap();
    let mut err = None;
    for _ in 0..20 {
        // Filling the segment forces a roll, which writes its index.
        if let Err(e) = log.append(&batch(&vec!["x".repeat(100); 3], NOW, Compression::None), opts()) {
            err = Some(e);
            break;
        }
    }
    let err = err.expect("the roll could not write the index");
    assert!(err.to_string().contains("00000000000000000000.index"), "{err}");
    assert!(log.is_offline());
    assert!(matches!(log.append(&batch(&["y".into()], NOW, Compression::None), opts()), Err(StorageError::Offline(_))));
    let records = read_all(&log, 0);
    assert_eq!(records.len() as i64, log.log_end_offset(), "every acknowledged record stays readable");
    assert_contiguous(&records[..3], 0, 3);
}

#[test]
fn reads_are_whole_batches_within_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let log =
        Log::open(dir.path(), LogConfig { index_interval_bytes: 300, ..LogConfig::default() }, NOW, OpenFiles::new(64))
            .unwrap();
    for i in 0..40 {
        append_n(&log, 1 + i % 6, Compression::None);
    }
    let end = log.log_end_offset();
    for start in (0..end).step_by(3) {
        for budget in [1usize, 60, 150, 400, 1000, 5000, 1 << 20] {
            let region = log.read(start, budget, i64::MAX, true).unwrap().region.unwrap();
            let bytes = region.read().unwrap();
            let batches: Vec<_> = Batches::new(bytes.clone()).collect();
            assert!(batches.iter().all(Result::is_ok), "a partial batch at start {start}, budget {budget}");
            assert!(bytes.len() <= budget || batches.len() == 1, "over budget at start {start}, budget {budget}");
            let first = batches[0].as_ref().unwrap();
            assert!(first.header.base_offset <= start && start <= first.header.last_offset());
        }
    }
}

#[test]
fn segments_made_by_delete_records_or_truncation_age_from_their_first_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), LogConfig::default(), NOW, OpenFiles::new(64)).unwrap();
    append_n(&log, 3, Compression::None);
    log.delete_records_before(3).unwrap(); // everything: the active segment rolls and goes
    append_n(&log, 1, Compression::None);
    append_n(&log, 1, Compression::None);
    assert_eq!(log.segment_count(), 1, "a fresh segment is not older than segment.ms");
    log.truncate_to(0).unwrap(); // below the start: a new segment at 0
    append_n(&log, 1, Compression::None);
    append_n(&log, 1, Compression::None);
    assert_eq!(log.segment_count(), 1, "nor is one made by truncation");
}

#[test]
fn a_follower_copies_the_leaders_batches_with_their_offsets_and_epochs_and_refuses_going_back() {
    let (leader_dir, follower_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let leader = Log::open(leader_dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    let follower = Log::open(follower_dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    for epoch in [3, 3, 5] {
        let values: Vec<String> = (0..4).map(|i| (leader.log_end_offset() + i).to_string()).collect();
        leader
            .append(&batch(&values, NOW, Compression::Lz4), AppendOptions { leader_epoch: epoch, now_ms: NOW })
            .unwrap();
    }
    let mut next = 0;
    while next < leader.log_end_offset() {
        let region = leader.read(next, 300, i64::MAX, true).unwrap().region.unwrap();
        next = follower.append_as_follower(&region.read().unwrap(), NOW).unwrap();
    }
    assert_eq!(follower.log_end_offset(), 12);
    assert_eq!(read_all(&follower, 0), read_all(&leader, 0));
    assert_eq!((follower.end_offset_for_epoch(3), follower.end_offset_for_epoch(4)), (Some((3, 8)), Some((3, 8))));
    assert_eq!(follower.latest_epoch(), Some(5));
    let again = leader.read(4, 300, i64::MAX, true).unwrap().region.unwrap().read().unwrap();
    assert!(matches!(follower.append_as_follower(&again, NOW), Err(StorageError::InvalidRecord(_))));
    let mut corrupt = BytesMut::from(&again[..]);
    corrupt[70] ^= 1;
    follower.truncate_to(4).unwrap();
    assert!(matches!(follower.append_as_follower(&corrupt.freeze(), NOW), Err(StorageError::InvalidBatch(_))));
    assert_eq!(follower.log_end_offset(), 4);
    drop(follower);
    let follower = Log::open(follower_dir.path(), small_segments(), NOW, OpenFiles::new(64)).unwrap();
    assert_eq!((follower.log_end_offset(), follower.latest_epoch()), (4, Some(3)));
}

/// The fraction of `path`'s pages in the page cache (mincore of a mapping,
/// which reads nothing in).
fn resident(path: &Path) -> f64 {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path).unwrap();
    let len = file.metadata().unwrap().len() as usize;
    let page = 4096;
    let mut pages = vec![0u8; len.div_ceil(page)];
    // SAFETY: a read-only shared mapping of a file we hold open, unmapped
    // before return; mincore writes one byte per page into `pages`.
    unsafe {
        let at = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, file.as_raw_fd(), 0);
        assert_ne!(at, libc::MAP_FAILED);
        assert_eq!(libc::mincore(at, len, pages.as_mut_ptr()), 0);
        libc::munmap(at, len);
    }
    pages.iter().filter(|p| *p & 1 == 1).count() as f64 / pages.len() as f64
}

/// A follower's flush: what it made durable leaves the page cache (on a
/// disk-backed file system; tmpfs pages are the data itself), and reads
/// come back from disk unchanged.
#[test]
fn a_flush_dropping_the_page_cache_leaves_the_durable_bytes_on_disk_only() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let log = Log::open(dir.path(), LogConfig::default(), NOW, OpenFiles::new(8)).unwrap();
    let value = "v".repeat(60_000);
    for _ in 0..64 {
        log.append(&batch(std::slice::from_ref(&value), NOW, Compression::None), opts()).unwrap();
    }
    let segment = dir.path().join("00000000000000000000.log");
    assert!(resident(&segment) > 0.9, "appended bytes are in the page cache");
    log.flush_dropping_page_cache().unwrap();
    assert_eq!(log.flushed_offset(), 64);
    // SAFETY: statfs fills the struct it is given.
    let tmpfs = unsafe {
        let mut fs: libc::statfs = std::mem::zeroed();
        let path = std::ffi::CString::new(dir.path().as_os_str().as_encoded_bytes()).unwrap();
        libc::statfs(path.as_ptr(), &mut fs) == 0 && fs.f_type == libc::TMPFS_MAGIC
    };
    if tmpfs {
        eprintln!("{} is tmpfs: its pages are the data, none is dropped", dir.path().display());
    } else {
        assert!(resident(&segment) < 0.05, "durable bytes left the page cache: {}", resident(&segment));
    }
    let records = read_all(&log, 0);
    assert_eq!(records.len(), 64);
    assert!(records.iter().all(|(_, v)| *v == value));
}
