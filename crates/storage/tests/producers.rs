//! Idempotent producers through the log's public API: duplicates answered
//! with their original offsets, gaps and stale epochs refused, and the state
//! kept across clean closes, crashes, segment rolls and truncation.

use std::path::Path;

use bytes::Bytes;
use strata_records::control::{ControlRecord, ControlType};
use strata_records::{BatchBuilder, Compression};
use strata_storage::{AppendInfo, AppendOptions, Log, LogConfig, OpenFiles, ProducerError, StorageError};

const NOW: i64 = 1_700_000_000_000;
const PID: i64 = 4000;

fn opts() -> AppendOptions {
    AppendOptions { leader_epoch: 0, now_ms: NOW }
}

/// A batch of `n` records from producer `pid` at `epoch`, starting at sequence `seq`.
fn batch(pid: i64, epoch: i16, seq: i32, n: usize) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None).producer(pid, epoch, seq);
    for i in 0..n {
        b.push(NOW, None, Some(format!("{seq}+{i}").as_bytes()), &[]);
    }
    b.build()
}

fn open(dir: &Path, config: LogConfig) -> Log {
    Log::open(dir, config, NOW, OpenFiles::new(64)).unwrap()
}

fn append(log: &Log, seq: i32, n: usize) -> Result<AppendInfo, StorageError> {
    log.append(&batch(PID, 0, seq, n), opts())
}

fn out_of_order(r: Result<AppendInfo, StorageError>) -> bool {
    matches!(r, Err(StorageError::Producer(ProducerError::OutOfOrderSequence { .. })))
}

#[test]
fn a_retry_of_any_of_the_last_five_batches_gets_its_original_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    let firsts: Vec<AppendInfo> = (0..6).map(|i| append(&log, i * 3, 3).unwrap()).collect();
    let end = log.log_end_offset();
    assert_eq!(end, 18);
    for (i, original) in firsts.iter().enumerate().skip(1) {
        let again = append(&log, i as i32 * 3, 3).unwrap();
        assert!(again.duplicate, "batch {i}");
        assert_eq!((again.first_offset, again.last_offset), (original.first_offset, original.last_offset));
    }
    assert_eq!(log.log_end_offset(), end, "duplicates are not written");
    // The oldest batch is beyond the five remembered: its retry is out of order.
    assert!(out_of_order(append(&log, 0, 3)));
    assert!(!firsts[0].duplicate);
}

#[test]
fn gaps_stale_epochs_and_new_epochs_follow_kafkas_rules() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    // A producer the partition has not seen may start anywhere (KIP-360).
    append(&log, 42, 2).unwrap();
    assert!(out_of_order(append(&log, 45, 1)), "a gap after 43");
    assert!(out_of_order(append(&log, 43, 2).and(append(&log, 44, 1))), "a repeat of part of a batch");
    // A new epoch starts at 0 ...
    assert!(out_of_order(log.append(&batch(PID, 1, 7, 1), opts())));
    log.append(&batch(PID, 1, 0, 1), opts()).unwrap();
    // ... and fences the old one.
    let stale = log.append(&batch(PID, 0, 45, 1), opts());
    assert!(
        matches!(stale, Err(StorageError::Producer(ProducerError::InvalidProducerEpoch { epoch: 0, current: 1, .. }))),
        "{stale:?}"
    );
    // Sequences wrap from i32::MAX to 0.
    let other = 77;
    log.append(&batch(other, 0, i32::MAX - 1, 2), opts()).unwrap();
    log.append(&batch(other, 0, 0, 1), opts()).unwrap();
    let entry = log.producers().into_iter().find(|(id, _)| *id == other).unwrap().1;
    assert_eq!(entry.last_seq(), Some(0));
}

#[test]
fn clients_cannot_send_markers_batches_in_bulk_or_negative_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    let marker = ControlRecord { kind: ControlType::Commit, coordinator_epoch: 0 }.build_batch(PID, 0, NOW);
    let two = [batch(PID, 0, 0, 1), batch(PID, 0, 1, 1)].concat();
    for (what, bytes) in [("marker", marker), ("two batches", Bytes::from(two)), ("no sequence", batch(PID, 0, -1, 1))]
    {
        let r = log.append(&bytes, opts());
        assert!(matches!(r, Err(StorageError::InvalidRecord(_))), "{what}: {r:?}");
    }
    assert_eq!(log.log_end_offset(), 0);
    // Several batches without a producer id stay allowed.
    let plain = [batch(-1, -1, -1, 1), batch(-1, -1, -1, 1)].concat();
    assert_eq!(log.append(&Bytes::from(plain), opts()).unwrap().last_offset, 1);
}

/// Appends 3 batches, reopens the log with `reopen`, and checks that the
/// producer is still known: its last batch is a duplicate, and the next
/// sequence follows.
fn survives(reopen: impl FnOnce(Log, &Path) -> Log, config: LogConfig) {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config);
    for i in 0..3 {
        append(&log, i * 2, 2).unwrap();
    }
    let log = reopen(log, dir.path());
    let again = append(&log, 4, 2).unwrap();
    assert!(again.duplicate);
    assert_eq!((again.first_offset, again.last_offset), (4, 5));
    assert!(append(&log, 2, 2).unwrap().duplicate, "older batches are remembered too");
    assert!(out_of_order(append(&log, 7, 1)));
    assert_eq!(append(&log, 6, 1).unwrap().first_offset, 6);
}

#[test]
fn state_survives_a_clean_close_from_the_snapshot_alone() {
    survives(
        |log, dir| {
            log.close().unwrap();
            assert!(dir.join("00000000000000000006.snapshot").exists(), "a snapshot at the log end");
            open(dir, LogConfig::default())
        },
        LogConfig::default(),
    );
}

#[test]
fn state_survives_a_crash_by_replaying_the_log() {
    survives(
        |log, dir| {
            log.flush().unwrap();
            drop(log); // no close: no snapshot, no clean-shutdown marker
            assert!(!dir.join("00000000000000000006.snapshot").exists());
            open(dir, LogConfig::default())
        },
        LogConfig::default(),
    );
}

#[test]
fn state_survives_a_crash_after_rolls_from_a_snapshot_plus_the_tail() {
    // Tiny segments: every batch rolls, leaving a snapshot at each roll.
    let config = LogConfig { segment_bytes: 100, ..LogConfig::default() };
    survives(
        |log, dir| {
            log.flush().unwrap();
            drop(log);
            assert!(dir.join("00000000000000000004.snapshot").exists(), "snapshot at the last roll");
            open(dir, LogConfig { segment_bytes: 100, ..LogConfig::default() })
        },
        config,
    );
}

#[test]
fn a_corrupt_snapshot_is_dropped_and_the_log_replayed() {
    survives(
        |log, dir| {
            log.close().unwrap();
            let snapshot = dir.join("00000000000000000006.snapshot");
            let mut bytes = std::fs::read(&snapshot).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 0xff;
            std::fs::write(&snapshot, bytes).unwrap();
            let log = open(dir, LogConfig::default());
            assert!(!snapshot.exists());
            log
        },
        LogConfig::default(),
    );
}

#[test]
fn truncation_forgets_the_batches_it_removes() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig { segment_bytes: 100, ..LogConfig::default() });
    for i in 0..4 {
        append(&log, i * 2, 2).unwrap();
    }
    log.truncate_to(4).unwrap();
    // Batches at offsets 4..8 are gone: their retries are new appends, not duplicates.
    let again = append(&log, 4, 2).unwrap();
    assert!(!again.duplicate);
    assert_eq!(again.first_offset, 4);
    assert!(append(&log, 2, 2).unwrap().duplicate);
}

#[test]
fn idle_producers_expire_but_the_log_keeps_accepting_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    append(&log, 0, 1).unwrap();
    assert_eq!(log.expire_producers(NOW + 999, 1000), 0);
    assert_eq!(log.expire_producers(NOW + 1000, 1000), 1);
    assert!(log.producers().is_empty());
    // Unknown again: any sequence is accepted.
    assert!(!append(&log, 9, 1).unwrap().duplicate);
}
