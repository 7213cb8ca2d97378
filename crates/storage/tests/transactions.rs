//! Transactions in the partition log: open transactions hold back the last
//! stable offset, coordinator markers end them, aborts land in the
//! aborted-transaction index, and all of it survives crashes, clean closes,
//! rolls and truncation.

use std::path::Path;

use bytes::Bytes;
use strata_records::control::{ControlRecord, ControlType};
use strata_records::{BatchBuilder, Compression};
use strata_storage::{
    AbortedTxn, AppendOptions, Log, LogConfig, OpenFiles, ProducerError, StorageError, TxnVerification,
};

const NOW: i64 = 1_700_000_000_000;
const A: i64 = 10;
const B: i64 = 20;

fn opts() -> AppendOptions {
    AppendOptions { leader_epoch: 0, now_ms: NOW }
}

fn open(dir: &Path, config: LogConfig) -> Log {
    Log::open(dir, config, NOW, OpenFiles::new(64)).unwrap()
}

fn txn_batch(pid: i64, seq: i32, n: usize) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None).producer(pid, 0, seq).transactional();
    for i in 0..n {
        b.push(NOW, None, Some(format!("{pid}:{}", seq as usize + i).as_bytes()), &[]);
    }
    b.build()
}

fn plain(n: usize) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None);
    for _ in 0..n {
        b.push(NOW, None, Some(b"plain"), &[]);
    }
    b.build()
}

fn marker(log: &Log, pid: i64, kind: ControlType) -> i64 {
    let m = ControlRecord { kind, coordinator_epoch: 3 };
    log.append_marker(pid, 0, m, opts()).unwrap().first_offset
}

/// A: 0-2 (txn), plain 3, B: 4-5 (txn), A commits at 6, B aborts at 7.
fn two_transactions(log: &Log) {
    log.append(&txn_batch(A, 0, 3), opts()).unwrap();
    assert_eq!(log.first_unstable_offset(), Some(0));
    log.append(&plain(1), opts()).unwrap();
    log.append(&txn_batch(B, 0, 2), opts()).unwrap();
    assert_eq!(marker(log, A, ControlType::Commit), 6);
    assert_eq!(log.first_unstable_offset(), Some(4), "B is still open");
    assert_eq!(marker(log, B, ControlType::Abort), 7);
    assert_eq!(log.first_unstable_offset(), None);
}

const B_ABORTED: AbortedTxn = AbortedTxn { producer_id: B, first_offset: 4, last_offset: 7, last_stable_offset: 8 };

#[test]
fn markers_end_transactions_and_aborts_are_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    two_transactions(&log);
    assert_eq!(log.aborted_transactions(0, 8), vec![B_ABORTED]);
    assert_eq!(log.aborted_transactions(5, 6), vec![B_ABORTED], "the range overlaps B's transaction");
    assert!(log.aborted_transactions(8, 20).is_empty());
    assert!(log.aborted_transactions(0, 4).is_empty(), "B began at 4");
    assert!(dir.path().join("00000000000000000000.txnindex").exists());
    // A transaction after the commit reopens the producer's state.
    log.append(&txn_batch(A, 3, 1), opts()).unwrap();
    assert_eq!(log.first_unstable_offset(), Some(8));
}

#[test]
fn a_marker_from_an_older_epoch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    let mut b = BatchBuilder::new(Compression::None).producer(A, 2, 0).transactional();
    b.push(NOW, None, Some(b"x"), &[]);
    log.append(&b.build(), opts()).unwrap();
    let stale = log.append_marker(A, 1, ControlRecord { kind: ControlType::Abort, coordinator_epoch: 0 }, opts());
    assert!(matches!(stale, Err(StorageError::Producer(ProducerError::InvalidProducerEpoch { .. }))), "{stale:?}");
    assert_eq!(log.first_unstable_offset(), Some(0));
}

/// A deposed coordinator (epoch 2) retrying the abort its successor
/// (epoch 3) already wrote must not end the producer's next transaction;
/// the log remembers the epoch across a crash (replay) and a clean close
/// (snapshot), and on a follower (markers appended as fetched).
#[test]
fn a_marker_from_a_deposed_coordinator_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    log.append(&txn_batch(A, 0, 1), opts()).unwrap();
    assert_eq!(marker(&log, A, ControlType::Abort), 1); // coordinator epoch 3
    log.append(&txn_batch(A, 1, 1), opts()).unwrap(); // the next transaction, at 2
    let zombie = ControlRecord { kind: ControlType::Abort, coordinator_epoch: 2 };
    let refused = |log: &Log| {
        let stale = log.append_marker(A, 0, zombie, opts());
        assert!(matches!(stale, Err(StorageError::Producer(ProducerError::CoordinatorFenced { .. }))), "{stale:?}");
        assert_eq!(log.first_unstable_offset(), Some(2), "the next transaction is still open");
    };
    refused(&log);
    log.flush().unwrap();
    drop(log); // crash: replay
    let log = open(dir.path(), LogConfig::default());
    refused(&log);
    log.close().unwrap(); // snapshot
    let log = open(dir.path(), LogConfig::default());
    refused(&log);

    // A follower copies the leader's batches, markers included.
    let copy = tempfile::tempdir().unwrap();
    let follower = open(copy.path(), LogConfig::default());
    let mut next = 0;
    while next < log.log_end_offset() {
        let region = log.read(next, 1 << 20, i64::MAX, true).unwrap().region.unwrap();
        next = follower.append_as_follower(&region.read().unwrap(), NOW).unwrap();
    }
    refused(&follower);
    // The successor's own marker still ends it.
    let commit = ControlRecord { kind: ControlType::Commit, coordinator_epoch: 3 };
    assert_eq!(log.append_marker(A, 0, commit, opts()).unwrap().first_offset, 3);
}

#[test]
fn transaction_state_survives_a_crash_and_a_clean_close() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    two_transactions(&log);
    log.append(&txn_batch(A, 3, 1), opts()).unwrap(); // open at 8
    log.flush().unwrap();
    drop(log); // crash: no snapshot; replay rebuilds state and the index, without doubling it
    let log = open(dir.path(), LogConfig::default());
    assert_eq!(log.first_unstable_offset(), Some(8));
    assert_eq!(log.aborted_transactions(0, 9), vec![B_ABORTED]);
    log.close().unwrap();
    let log = open(dir.path(), LogConfig::default());
    assert_eq!(log.first_unstable_offset(), Some(8));
    assert_eq!(log.aborted_transactions(0, 9), vec![B_ABORTED]);
    assert_eq!(marker(&log, A, ControlType::Abort), 9);
    assert_eq!(log.first_unstable_offset(), None);
}

#[test]
fn aborts_are_found_across_segments_and_after_rolls() {
    let dir = tempfile::tempdir().unwrap();
    // Tiny segments: nearly every batch rolls.
    let config = || LogConfig { segment_bytes: 150, ..LogConfig::default() };
    let log = open(dir.path(), config());
    two_transactions(&log);
    log.append(&txn_batch(A, 3, 2), opts()).unwrap(); // 8-9
    assert_eq!(marker(&log, A, ControlType::Abort), 10);
    let a_aborted = AbortedTxn { producer_id: A, first_offset: 8, last_offset: 10, last_stable_offset: 11 };
    assert_eq!(log.aborted_transactions(0, 11), vec![B_ABORTED, a_aborted]);
    assert_eq!(log.aborted_transactions(9, 11), vec![a_aborted]);
    log.flush().unwrap();
    drop(log);
    let log = open(dir.path(), config());
    assert_eq!(log.aborted_transactions(0, 11), vec![B_ABORTED, a_aborted]);
}

#[test]
fn truncation_reopens_a_transaction_whose_marker_it_removes() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    two_transactions(&log);
    log.truncate_to(7).unwrap();
    assert_eq!(log.first_unstable_offset(), Some(4), "B's abort marker is gone");
    assert!(log.aborted_transactions(0, 8).is_empty());
    assert_eq!(marker(&log, B, ControlType::Abort), 7);
    assert_eq!(log.aborted_transactions(0, 8), vec![B_ABORTED]);
}

/// A group coordinator's transactional offset commit: a transactional batch
/// without sequence numbers (Kafka's `AppendOrigin.Coordinator`).
fn coordinator_batch(pid: i64, epoch: i16) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None).producer(pid, epoch, -1).transactional();
    b.push(NOW, Some(b"offset-key"), Some(b"offset-value"), &[]);
    b.build()
}

#[test]
fn a_coordinators_transactional_batch_needs_no_sequence_but_a_current_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    let refused = log.append(&coordinator_batch(A, 0), opts());
    assert!(matches!(refused, Err(StorageError::InvalidRecord(_))), "a client must send sequence numbers");
    log.append_from_coordinator(&coordinator_batch(A, 0), opts(), TxnVerification::Off).unwrap();
    log.append_from_coordinator(&coordinator_batch(A, 0), opts(), TxnVerification::Off).unwrap();
    assert_eq!(log.first_unstable_offset(), Some(0), "the transaction holds the last stable offset");
    assert_eq!(log.producers()[0].1.batches.len(), 0, "no sequence numbers to remember");
    assert_eq!(marker(&log, A, ControlType::Commit), 2);
    assert_eq!(log.first_unstable_offset(), None);
    log.append_marker(A, 1, ControlRecord { kind: ControlType::Abort, coordinator_epoch: 3 }, opts()).unwrap();
    let stale = log.append_from_coordinator(&coordinator_batch(A, 0), opts(), TxnVerification::Off);
    assert!(matches!(stale, Err(StorageError::Producer(ProducerError::InvalidProducerEpoch { .. }))), "{stale:?}");
    assert_eq!(log.log_end_offset(), 4);
}

#[test]
fn a_batch_reusing_the_sequence_of_an_ended_transaction_is_refused_not_taken_for_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    log.append(&txn_batch(A, 0, 1), opts()).unwrap();
    let retry = log.append(&txn_batch(A, 0, 1), opts()).unwrap();
    assert!(retry.duplicate, "a retry within the open transaction is a duplicate");
    assert_eq!(retry.first_offset, 0);
    marker(&log, A, ControlType::Abort);
    // The next transaction's first batch with the aborted batch's sequence
    // numbers (librdkafka gives them back at an abort) is not that batch.
    let reused = log.append(&txn_batch(A, 0, 1), opts());
    assert!(
        matches!(reused, Err(StorageError::Producer(ProducerError::SequenceOfEndedTransaction { offset: 0, .. }))),
        "{reused:?}"
    );
    assert_eq!(log.log_end_offset(), 2, "nothing written");
    // The next sequence number opens the transaction, and its retry is a duplicate.
    assert_eq!(log.append(&txn_batch(A, 1, 1), opts()).unwrap().first_offset, 2);
    assert!(log.append(&txn_batch(A, 1, 1), opts()).unwrap().duplicate);
}

fn not_in_transaction(r: Result<strata_storage::AppendInfo, StorageError>) -> bool {
    matches!(r, Err(StorageError::Producer(ProducerError::NotInTransaction { producer_id: A })))
}

/// KIP-890: a batch opening a producer's transaction here needs the guard of
/// a verification started before it, and no marker since; batches of a
/// transaction already open here, and retries, need none.
#[test]
fn a_batch_opening_a_transaction_needs_a_current_verification_guard() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    let required = TxnVerification::Required;
    assert!(not_in_transaction(log.append_verified(&txn_batch(A, 0, 1), opts(), required(None))));
    assert_eq!(log.log_end_offset(), 0, "nothing was written");
    let guard = log.start_verification(A, NOW).expect("no transaction of A is open here");
    assert_eq!(log.start_verification(A, NOW), Some(guard), "verifications under way share a guard");
    assert_eq!(log.append_verified(&txn_batch(A, 0, 1), opts(), required(Some(guard))).unwrap().first_offset, 0);
    assert_eq!(log.start_verification(A, NOW), None, "A's transaction is open here");
    let next = log.append_verified(&txn_batch(A, 1, 1), opts(), required(None)).unwrap();
    assert_eq!(next.first_offset, 1, "the open transaction goes on without verifying");
    let retry = log.append_verified(&txn_batch(A, 1, 1), opts(), required(None)).unwrap();
    assert!(retry.duplicate);
    marker(&log, A, ControlType::Abort);

    // A late retry from the aborted transaction: its verification started,
    // then the marker of a newer end came before its append.
    let late = log.start_verification(A, NOW).unwrap();
    assert_ne!(late, guard, "the guard was used up");
    marker(&log, A, ControlType::Abort);
    assert!(not_in_transaction(log.append_verified(&txn_batch(A, 2, 1), opts(), required(Some(late)))));
    assert_eq!(log.first_unstable_offset(), None, "no transaction was opened");
    assert!(log.append_verified(&txn_batch(A, 2, 1), opts(), TxnVerification::Off).is_ok(), "unless not asked");
}

#[test]
fn an_unused_verification_guard_expires() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    let old = log.start_verification(A, NOW).unwrap();
    log.expire_producers(NOW + 1000, 1000);
    assert_ne!(log.start_verification(A, NOW + 1000), Some(old));
    let required = TxnVerification::Required(Some(old));
    assert!(not_in_transaction(log.append_verified(&txn_batch(A, 0, 1), opts(), required)));
}

/// A group coordinator's TxnOffsetCommit batch opens its producer's
/// transaction in `__consumer_offsets` as a producer's batch does: verified.
#[test]
fn a_coordinators_batch_opening_a_transaction_needs_a_current_verification_guard_too() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), LogConfig::default());
    let required = TxnVerification::Required;
    assert!(not_in_transaction(log.append_from_coordinator(&coordinator_batch(A, 0), opts(), required(None))));
    let guard = log.start_verification(A, NOW);
    assert!(guard.is_some());
    assert!(log.append_from_coordinator(&coordinator_batch(A, 0), opts(), required(guard)).is_ok());
    assert_eq!(log.start_verification(A, NOW), None, "its transaction is open here now");
}
