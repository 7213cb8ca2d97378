//! Log compaction through the public API.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use strata_records::{BatchBuilder, Batches, Compression};
use strata_storage::{AppendOptions, CleanupPolicy, Log, LogConfig, OpenFiles};

const DAY: i64 = 24 * 3600 * 1000;

fn compacted() -> LogConfig {
    LogConfig {
        cleanup_policy: CleanupPolicy::Compact,
        segment_bytes: 900,
        index_interval_bytes: 128,
        ..LogConfig::default()
    }
}

/// Appends one batch of (key, value) records at time `ts`; returns their offsets.
fn append(log: &Log, records: &[(&str, Option<&str>)], ts: i64, codec: Compression) -> i64 {
    let mut b = BatchBuilder::new(codec);
    for (k, v) in records {
        b.push(ts, Some(k.as_bytes()), v.map(str::as_bytes), &[("h", Some(b"kept"))]);
    }
    log.append(&b.build(), AppendOptions { leader_epoch: 0, now_ms: ts }).unwrap().first_offset
}

/// Every record: offset -> (key, value).
fn read_all(log: &Log) -> BTreeMap<i64, (String, Option<String>)> {
    let mut out = BTreeMap::new();
    let mut next = log.log_start_offset();
    while next < log.log_end_offset() {
        let Some(region) = log.read(next, 1 << 16, i64::MAX, true).unwrap().region else { break };
        for b in Batches::new(region.read().unwrap()).map_while(Result::ok) {
            b.validate_crc().unwrap();
            let data = b.records_data(1 << 20).unwrap();
            for r in b.records(&data) {
                let r = r.unwrap();
                assert_eq!(r.headers.map(|h| h.key).collect::<Vec<_>>(), ["h"], "headers kept");
                let key = String::from_utf8(r.key.unwrap().to_vec()).unwrap();
                let value = r.value.map(|v| String::from_utf8(v.to_vec()).unwrap());
                out.insert(b.header.base_offset + i64::from(r.offset_delta), (key, value));
            }
            next = b.header.last_offset() + 1;
        }
    }
    out
}

#[test]
fn the_latest_record_per_key_survives_at_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), compacted(), 0, OpenFiles::new(64)).unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..200 {
        let key = format!("k{}", i % 7);
        let value = format!("v{i}");
        let codec = Compression::ALL[i % 5];
        let offset = append(&log, &[(&key, Some(&value)), ("other", Some("x"))], i as i64, codec);
        expected.insert(offset, (key, Some(value)));
        expected.insert(offset + 1, ("other".to_string(), Some("x".to_string())));
    }
    let before = read_all(&log);
    assert_eq!(before, expected);
    let end = log.log_end_offset();
    let stats = log.clean(1000).unwrap();
    assert!(stats.segments > 0 && stats.records_removed > 300 && stats.bytes_after < stats.bytes_before, "{stats:?}");
    let after = read_all(&log);
    assert_eq!(log.log_end_offset(), end);
    // Nothing invented or moved.
    for (offset, record) in &after {
        assert_eq!(before.get(offset), Some(record), "offset {offset}");
    }
    // Each key's latest record is there.
    let mut latest = BTreeMap::new();
    for (offset, (key, _)) in &before {
        latest.insert(key.clone(), *offset);
    }
    for (key, offset) in &latest {
        assert!(after.contains_key(offset), "latest {key} at {offset} lost");
    }
    assert!(after.len() < 30, "{} records left", after.len());
    // Appends and a reopen carry on.
    append(&log, &[("k1", Some("new"))], 300, Compression::None);
    drop(log);
    let log = Log::open(dir.path(), compacted(), 0, OpenFiles::new(64)).unwrap();
    assert_eq!(read_all(&log).values().last(), Some(&("k1".to_string(), Some("new".to_string()))));
}

#[test]
fn tombstones_stay_for_delete_retention_then_go() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), compacted(), 0, OpenFiles::new(64)).unwrap();
    append(&log, &[("gone", Some("v1"))], 0, Compression::None);
    append(&log, &[("gone", None)], 1, Compression::None);
    for i in 0..40 {
        append(&log, &[("filler", Some(&format!("{i:>40}")))], 2, Compression::None);
    }
    log.clean(10).unwrap();
    let after = read_all(&log);
    assert!(after.values().any(|(k, v)| k == "gone" && v.is_none()), "the tombstone stays within delete.retention.ms");
    assert!(!after.values().any(|(k, v)| k == "gone" && v.is_some()), "what it deletes is gone");
    for i in 0..40 {
        append(&log, &[("filler", Some(&format!("{i:>40}")))], DAY + 10, Compression::None);
    }
    log.clean(DAY + 100).unwrap();
    assert!(!read_all(&log).values().any(|(k, _)| k == "gone"), "an old tombstone is removed on a later pass");
}

#[test]
fn dirty_ratio_and_compaction_lag_hold_cleaning_back() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LogConfig { min_compaction_lag_ms: 1000, ..compacted() };
    let log = Log::open(dir.path(), cfg.clone(), 0, OpenFiles::new(64)).unwrap();
    for i in 0..100 {
        append(&log, &[("k", Some(&format!("{i:>20}")))], 500, Compression::None);
    }
    assert_eq!(log.clean(1000).unwrap().segments, 0, "records younger than min.compaction.lag.ms");
    assert!(log.clean(1600).unwrap().segments > 0);
    log.reconfigure(LogConfig { min_cleanable_dirty_ratio: 0.99, ..cfg });
    for i in 0..6 {
        append(&log, &[("k", Some(&format!("{i:>20}")))], 500, Compression::None);
    }
    assert_eq!(log.clean(5000).unwrap().segments, 0, "too little is dirty");
}

#[test]
fn appends_go_on_while_the_cleaner_runs() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(Log::open(dir.path(), compacted(), 0, OpenFiles::new(64)).unwrap());
    for i in 0..300 {
        append(&log, &[(&format!("k{}", i % 5), Some("v"))], 0, Compression::Lz4);
    }
    let writer = {
        let log = log.clone();
        std::thread::spawn(move || {
            for i in 0..300 {
                append(&log, &[(&format!("w{i}"), Some("w"))], 0, Compression::None);
            }
        })
    };
    for _ in 0..5 {
        log.clean(10).unwrap();
    }
    writer.join().unwrap();
    let all = read_all(&log);
    for i in 0..300 {
        assert!(all.values().any(|(k, _)| k == &format!("w{i}")), "w{i} lost");
    }
    assert_eq!(log.log_end_offset(), 600);
}

fn model_run(records: Vec<(u8, bool)>) {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), compacted(), 0, OpenFiles::new(64)).unwrap();
    let mut appended = BTreeMap::new();
    for (i, (key, tombstone)) in records.iter().enumerate() {
        let k = format!("key{key}");
        let v = format!("value{i}");
        let offset = append(&log, &[(&k, (!tombstone).then_some(v.as_str()))], 0, Compression::None);
        appended.insert(offset, (k, (!tombstone).then_some(v)));
    }
    log.clean(10).unwrap();
    let after = read_all(&log);
    for (offset, record) in &after {
        assert_eq!(appended.get(offset), Some(record), "offset {offset} changed");
    }
    let mut latest = BTreeMap::new();
    for (offset, (key, _)) in &appended {
        latest.insert(key.clone(), *offset);
    }
    for offset in latest.values() {
        assert!(after.contains_key(offset), "latest record at {offset} lost");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn cleaning_never_moves_invents_or_loses_a_latest_record(records in proptest::collection::vec((0u8..12, proptest::bool::weighted(0.1)), 1..150)) {
        model_run(records);
    }
}

#[test]
fn retention_deletes_under_compact_delete_but_never_under_compact_alone() {
    for (policy, deletes) in [(CleanupPolicy::Compact, false), (CleanupPolicy::CompactDelete, true)] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = LogConfig { cleanup_policy: policy, retention_ms: 1000, ..compacted() };
        let log = Log::open(dir.path(), cfg, 0, OpenFiles::new(64)).unwrap();
        for i in 0..60 {
            append(&log, &[(&format!("k{i}"), Some("v"))], 0, Compression::None);
        }
        let deleted = log.apply_retention(10 * DAY).unwrap();
        assert_eq!(deleted > 0, deletes, "{policy:?}");
        assert_eq!(log.log_start_offset() > 0, deletes, "{policy:?}");
    }
}

/// Every data record's (key, value) by offset, and the offsets of control batches.
fn read_with_markers(log: &Log) -> (BTreeMap<i64, (String, String)>, Vec<i64>) {
    let (mut records, mut markers) = (BTreeMap::new(), Vec::new());
    let mut next = log.log_start_offset();
    while next < log.log_end_offset() {
        let Some(region) = log.read(next, 1 << 16, i64::MAX, true).unwrap().region else { break };
        for b in Batches::new(region.read().unwrap()).map_while(Result::ok) {
            let data = b.records_data(1 << 20).unwrap();
            if b.header.attributes.control() {
                markers.push(b.header.base_offset);
            } else {
                for r in b.records(&data).map(Result::unwrap) {
                    let text = |x: Option<&[u8]>| String::from_utf8(x.unwrap_or_default().to_vec()).unwrap();
                    records.insert(b.header.base_offset + i64::from(r.offset_delta), (text(r.key), text(r.value)));
                }
            }
            next = b.header.last_offset() + 1;
        }
    }
    (records, markers)
}

#[test]
fn aborted_records_supersede_nothing_and_open_transactions_are_not_cleaned() {
    use strata_records::control::{ControlRecord, ControlType};
    let dir = tempfile::tempdir().unwrap();
    let log = Log::open(dir.path(), compacted(), 0, OpenFiles::new(64)).unwrap();
    let opts = AppendOptions { leader_epoch: 0, now_ms: 0 };
    let txn = |pid: i64, key: &str, value: &str| {
        let mut b = BatchBuilder::new(Compression::None).producer(pid, 0, 0).transactional();
        b.push(0, Some(key.as_bytes()), Some(value.as_bytes()), &[]);
        log.append(&b.build(), opts).unwrap().first_offset
    };
    let committed = append(&log, &[("a", Some("committed"))], 0, Compression::None);
    let aborted = txn(10, "a", "aborted");
    let abort = ControlRecord { kind: ControlType::Abort, coordinator_epoch: 0 };
    log.append_marker(10, 0, abort, opts).unwrap();
    for i in 0..20 {
        append(&log, &[(&format!("filler{i}"), Some("x"))], 0, Compression::None);
    }
    let open = txn(20, "b", "open");
    append(&log, &[("b", Some("later"))], 0, Compression::None);
    for i in 0..20 {
        append(&log, &[(&format!("more{i}"), Some("x"))], 0, Compression::None);
    }
    assert!(log.segment_count() > 3);
    let stats = log.clean(DAY).unwrap();
    assert!(stats.records_removed >= 1, "{stats:?}");
    let (records, markers) = read_with_markers(&log);
    assert_eq!(records.get(&committed).map(|r| r.1.as_str()), Some("committed"), "an aborted value supersedes nothing");
    assert!(!records.contains_key(&aborted), "the aborted batch is gone");
    assert_eq!(markers, vec![aborted + 1], "the marker stays");
    assert_eq!(
        records.get(&open).map(|r| r.1.as_str()),
        Some("open"),
        "past the first unstable offset nothing is cleaned"
    );
}
