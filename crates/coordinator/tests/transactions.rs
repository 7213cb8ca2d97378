//! The transaction coordinator and transactional offset commits, driven as
//! the broker drives them: requests, `now`, and a journal whose records a
//! second coordinator replays.

mod support;

use strata_coordinator::{
    partition_for, Config, GroupCoordinator, GroupRecord, Init, Markers, TxnConfig, TxnCoordinator, TxnRecord, TxnState,
};
use strata_protocol::generated::list_transactions_request::ListTransactionsRequest;
use strata_protocol::generated::txn_offset_commit_request::{
    TxnOffsetCommitRequest, TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use strata_protocol::ErrorCode;
use support::Recorded;

const T: &str = "txn-1";
const TIMEOUT: i32 = 60_000;

struct Harness {
    c: TxnCoordinator,
    j: Recorded,
    now: i64,
    next_id: i64,
}

fn config() -> TxnConfig {
    TxnConfig { partitions: 4, abort_check_interval_ms: 0, ..TxnConfig::default() }
}

impl Harness {
    fn new() -> Harness {
        let mut c = TxnCoordinator::new(config());
        for p in 0..4 {
            assert!(c.loaded(p, 3).is_empty());
        }
        Harness { c, j: Recorded::default(), now: 1_000_000, next_id: 1000 }
    }

    /// InitProducerId, handing out a fresh id whenever one is asked for.
    fn init(&mut self, id: &str, expected: Option<(i64, i16)>) -> (Result<(i64, i16), ErrorCode>, Option<Markers>) {
        let mut fresh = None;
        loop {
            match self.c.init_producer_id(self.now, id, TIMEOUT, expected, fresh, &mut self.j) {
                Init::Answer(r, m) => return (r, m),
                Init::NeedProducerId => {
                    assert!(fresh.is_none(), "asked twice for an id");
                    self.next_id += 1;
                    fresh = Some(self.next_id);
                }
            }
        }
    }

    fn ids(&mut self, id: &str) -> (i64, i16) {
        let (r, m) = self.init(id, None);
        assert_eq!(m, None);
        r.expect("InitProducerId")
    }

    fn add(&mut self, (pid, epoch): (i64, i16), partitions: &[(&str, i32)]) -> Result<(), ErrorCode> {
        let ps: Vec<(String, i32)> = partitions.iter().map(|(t, p)| (t.to_string(), *p)).collect();
        self.c.add_partitions(self.now, T, pid, epoch, &ps, &mut self.j)
    }

    fn end(&mut self, (pid, epoch): (i64, i16), commit: bool) -> (Result<(), ErrorCode>, Option<Markers>) {
        self.c.end_txn(self.now, T, pid, epoch, commit, &mut self.j)
    }

    fn state(&self) -> TxnState {
        self.c.get(T).expect("known id").state
    }

    /// A second coordinator replaying everything written so far.
    fn replayed(&self) -> (TxnCoordinator, Vec<Markers>) {
        let mut again = TxnCoordinator::new(config());
        for (_, _, (key, value)) in &self.j.records {
            let record = TxnRecord::decode(key, value.as_deref()).unwrap().expect("a known record");
            again.replay(record);
        }
        let markers = (0..4).flat_map(|p| again.loaded(p, 4)).collect();
        (again, markers)
    }
}

#[test]
fn ids_get_a_producer_then_a_new_epoch_each_time() {
    let mut h = Harness::new();
    let first = h.ids(T);
    assert_eq!(first, (1001, 0));
    assert_eq!(h.ids(T), (1001, 1));
    assert_eq!(h.ids("other"), (1002, 0));
    assert_eq!(h.j.records.len(), 3);
    assert!(h.j.records.iter().all(|(p, producer, _)| producer.is_none() && (0..4).contains(p)));
    assert_eq!(h.j.records[0].0, partition_for(T, 4));
    let bad = h.c.init_producer_id(h.now, T, 900_001, None, None, &mut h.j);
    assert_eq!(bad, Init::Answer(Err(ErrorCode::INVALID_TRANSACTION_TIMEOUT), None));
    h.c.unload(partition_for(T, 4));
    assert_eq!(h.init(T, None).0, Err(ErrorCode::NOT_COORDINATOR));
}

#[test]
fn a_commit_prepares_writes_markers_then_completes() {
    let mut h = Harness::new();
    let ids = h.ids(T);
    h.add(ids, &[("a", 0), ("b", 1)]).unwrap();
    assert_eq!(h.state(), TxnState::Ongoing);
    let written = h.j.records.len();
    h.add(ids, &[("a", 0)]).unwrap();
    assert_eq!(h.j.records.len(), written, "partitions already in the transaction write nothing");
    h.now += 10;
    let (r, markers) = h.end(ids, true);
    r.unwrap();
    let markers = markers.expect("markers to write");
    assert_eq!(markers.partitions, vec![("a".to_string(), 0), ("b".to_string(), 1)]);
    assert!(markers.commit);
    assert_eq!((markers.producer_id, markers.producer_epoch, markers.coordinator_epoch), (ids.0, ids.1, 3));
    assert_eq!(h.state(), TxnState::PrepareCommit);
    assert_eq!(h.add(ids, &[("c", 0)]), Err(ErrorCode::CONCURRENT_TRANSACTIONS));
    assert_eq!(h.end(ids, true).0, Err(ErrorCode::CONCURRENT_TRANSACTIONS));
    assert_eq!(h.end(ids, false).0, Err(ErrorCode::INVALID_TXN_STATE));
    assert_eq!(h.init(T, None).0, Err(ErrorCode::CONCURRENT_TRANSACTIONS));
    h.c.complete(h.now, &markers, &mut h.j).unwrap();
    assert_eq!(h.state(), TxnState::CompleteCommit);
    assert!(h.c.get(T).unwrap().partitions.is_empty());
    assert_eq!(h.end(ids, true), (Ok(()), None), "a retried commit is answered again");
    assert_eq!(h.end(ids, false).0, Err(ErrorCode::INVALID_TXN_STATE));
    // The next transaction starts from the completed one.
    h.now += 10;
    h.add(ids, &[("c", 2)]).unwrap();
    let t = h.c.get(T).unwrap();
    assert_eq!((t.state, t.start_ms), (TxnState::Ongoing, h.now));
    assert_eq!(t.partitions.len(), 1);
    let (r, markers) = h.end(ids, false);
    r.unwrap();
    assert!(!markers.unwrap().commit);
}

#[test]
fn verification_says_whether_a_partition_is_in_the_ongoing_transaction() {
    let mut h = Harness::new();
    let ids = h.ids(T);
    let verify = |h: &Harness, (pid, epoch): (i64, i16), ps: &[(&str, i32)]| {
        let ps: Vec<(String, i32)> = ps.iter().map(|(t, p)| (t.to_string(), *p)).collect();
        h.c.verify(T, pid, epoch, &ps)
    };
    let none_open = verify(&h, ids, &[("a", 0)]);
    assert_eq!(none_open, Ok(vec![ErrorCode::INVALID_TXN_STATE]), "no transaction is open");
    h.add(ids, &[("a", 0)]).unwrap();
    let written = h.j.records.len();
    assert_eq!(verify(&h, ids, &[("a", 0), ("a", 1)]), Ok(vec![ErrorCode::NONE, ErrorCode::INVALID_TXN_STATE]));
    assert_eq!(h.j.records.len(), written, "verifying writes nothing");
    assert_eq!(verify(&h, (ids.0, ids.1 + 1), &[("a", 0)]), Err(ErrorCode::PRODUCER_FENCED));
    assert_eq!(verify(&h, (ids.0 + 1, ids.1), &[("a", 0)]), Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    assert_eq!(h.c.verify("nobody", ids.0, ids.1, &[]), Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    let (r, markers) = h.end(ids, false);
    r.unwrap();
    assert_eq!(verify(&h, ids, &[("a", 0)]), Err(ErrorCode::CONCURRENT_TRANSACTIONS), "while it aborts");
    h.c.complete(h.now, &markers.unwrap(), &mut h.j).unwrap();
    assert_eq!(verify(&h, ids, &[("a", 0)]), Ok(vec![ErrorCode::INVALID_TXN_STATE]), "a late retry's partition");
}

#[test]
fn the_wrong_producer_is_refused() {
    let mut h = Harness::new();
    let (pid, epoch) = h.ids(T);
    assert_eq!(h.add((pid + 1, epoch), &[("a", 0)]), Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    assert_eq!(h.add((pid, epoch + 1), &[("a", 0)]), Err(ErrorCode::PRODUCER_FENCED));
    assert_eq!(h.end((pid, epoch), true).0, Err(ErrorCode::INVALID_TXN_STATE), "nothing is open");
    let unknown = h.c.add_partitions(h.now, "nobody", pid, epoch, &[], &mut h.j);
    assert_eq!(unknown, Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
}

#[test]
fn a_new_instance_fences_the_old_and_aborts_its_transaction() {
    let mut h = Harness::new();
    let old = h.ids(T);
    h.add(old, &[("a", 0)]).unwrap();
    let (r, markers) = h.init(T, None);
    assert_eq!(r, Err(ErrorCode::CONCURRENT_TRANSACTIONS), "the producer retries once the abort is done");
    let markers = markers.expect("abort markers");
    assert!(!markers.commit);
    assert_eq!((markers.producer_id, markers.producer_epoch), (old.0, old.1 + 1), "markers carry the bumped epoch");
    assert_eq!(h.state(), TxnState::PrepareAbort);
    assert_eq!(h.end(old, true).0, Err(ErrorCode::PRODUCER_FENCED));
    h.c.complete(h.now, &markers, &mut h.j).unwrap();
    assert_eq!(h.state(), TxnState::CompleteAbort);
    assert_eq!(h.ids(T), (old.0, old.1 + 2));
    assert_eq!(h.add(old, &[("a", 0)]), Err(ErrorCode::PRODUCER_FENCED));
}

#[test]
fn a_transaction_open_past_its_timeout_is_aborted_and_its_producer_fenced() {
    let mut h = Harness::new();
    let ids = h.ids(T);
    h.add(ids, &[("a", 0)]).unwrap();
    h.now += i64::from(TIMEOUT);
    assert!(h.c.tick(h.now, &mut h.j).is_empty(), "not yet past the timeout");
    h.now += 1;
    let markers = h.c.tick(h.now, &mut h.j);
    assert_eq!(markers.len(), 1);
    assert_eq!((markers[0].commit, markers[0].producer_epoch), (false, ids.1 + 1));
    assert_eq!(h.end(ids, true).0, Err(ErrorCode::PRODUCER_FENCED));
    h.c.complete(h.now, &markers[0], &mut h.j).unwrap();
    assert!(h.c.tick(h.now + 100_000, &mut h.j).is_empty());
}

#[test]
fn a_retry_naming_the_last_epoch_gets_the_same_answer() {
    let mut h = Harness::new();
    let first = h.ids(T);
    let (r, _) = h.init(T, Some(first));
    let bumped = r.unwrap();
    assert_eq!(bumped, (first.0, first.1 + 1));
    assert_eq!(h.init(T, Some(first)).0, Ok(bumped), "the bump is not done twice");
    assert_eq!(h.init(T, Some((first.0 + 7, 0))).0, Err(ErrorCode::PRODUCER_FENCED));
    assert_eq!(h.init(T, Some((first.0, 40))).0, Err(ErrorCode::PRODUCER_FENCED));
}

#[test]
fn spent_epochs_rotate_the_producer_id() {
    let mut h = Harness::new();
    let (pid, _) = h.ids(T);
    let mut epoch = 0;
    while epoch < i16::MAX - 1 {
        epoch = h.ids(T).1;
    }
    assert_eq!(h.ids(T), (pid + 1, 0), "a new producer id once the epochs are spent");
}

#[test]
fn a_restart_replays_states_and_finishes_ending_transactions() {
    let mut h = Harness::new();
    let ids = h.ids(T);
    h.add(ids, &[("a", 0), ("a", 1)]).unwrap();
    let (_, markers) = h.end(ids, true);
    let other = h.ids("other");
    let (again, pending) = h.replayed();
    let before = h.c.get(T).unwrap();
    let after = again.get(T).unwrap();
    assert_eq!((after.producer_id, after.producer_epoch, after.state), (ids.0, ids.1, TxnState::PrepareCommit));
    assert_eq!((&after.partitions, after.start_ms, after.timeout_ms), (&before.partitions, before.start_ms, TIMEOUT));
    assert_eq!(again.get("other").map(|t| (t.producer_id, t.producer_epoch)), Some(other));
    let mut expected = markers.unwrap();
    expected.coordinator_epoch = 4;
    assert_eq!(pending, vec![expected], "the commit's markers are written again");
}

#[test]
fn idle_ids_expire_with_a_tombstone() {
    let mut h = Harness::new();
    h.c = TxnCoordinator::new(TxnConfig { id_expiration_ms: 1_000, expiry_check_interval_ms: 0, ..config() });
    h.c.loaded(partition_for(T, 4), 1);
    let ids = h.ids(T);
    h.add(ids, &[("a", 0)]).unwrap();
    h.now += 5_000;
    h.c.tick(h.now, &mut h.j);
    assert!(h.c.get(T).is_some(), "an open transaction is never expired (it times out first)");
    let (_, markers) = h.end(ids, false);
    h.c.complete(h.now, &markers.unwrap(), &mut h.j).unwrap();
    h.now += 1_000;
    h.c.tick(h.now, &mut h.j);
    assert!(h.c.get(T).is_none());
    let (_, _, (_, value)) = h.j.records.last().unwrap();
    assert!(value.is_none(), "a tombstone");
    assert!(h.replayed().0.get(T).is_none());
}

#[test]
fn describe_and_list() {
    let mut h = Harness::new();
    let ids = h.ids(T);
    h.add(ids, &[("b", 1), ("a", 0), ("a", 2)]).unwrap();
    let other = h.ids("other");
    h.now += 5_000;
    let d = h.c.describe(vec![T.to_string(), "missing".to_string()]);
    let s = &d.transaction_states[0];
    assert_eq!((s.error_code, s.transaction_state.as_str(), s.producer_id), (0, "Ongoing", ids.0));
    assert_eq!((s.transaction_timeout_ms, s.transaction_start_time_ms), (TIMEOUT, h.now - 5_000));
    let topics: Vec<(&str, &[i32])> = s.topics.iter().map(|t| (t.topic.as_str(), t.partitions.as_slice())).collect();
    assert_eq!(topics, vec![("a", &[0, 2][..]), ("b", &[1][..])]);
    assert_eq!(d.transaction_states[1].error_code, ErrorCode::TRANSACTIONAL_ID_NOT_FOUND.code());
    let list = |states: &[&str], pids: &[i64], duration: i64| {
        let req = ListTransactionsRequest {
            state_filters: states.iter().map(|s| s.to_string()).collect(),
            producer_id_filters: pids.to_vec(),
            duration_filter: duration,
            ..Default::default()
        };
        let r = h.c.list(h.now, &req);
        let ids: Vec<String> = r.transaction_states.iter().map(|t| t.transactional_id.clone()).collect();
        (ids, r.unknown_state_filters)
    };
    assert_eq!(list(&[], &[], -1).0, vec!["other".to_string(), T.to_string()]);
    assert_eq!(list(&["Ongoing"], &[], -1).0, vec![T.to_string()]);
    assert_eq!(list(&["Empty", "Sleeping"], &[], -1), (vec!["other".to_string()], vec!["Sleeping".to_string()]));
    assert_eq!(list(&[], &[other.0], -1).0, vec!["other".to_string()]);
    assert_eq!(list(&[], &[], 4_000).0, vec![T.to_string()], "only transactions running longer than 4 s");
    assert!(list(&[], &[], 6_000).0.is_empty());
}

fn txn_commit(group: &str, offset: i64) -> TxnOffsetCommitRequest {
    TxnOffsetCommitRequest {
        transactional_id: T.to_string(),
        group_id: group.to_string(),
        producer_id: 77,
        producer_epoch: 2,
        generation_id: -1,
        topics: vec![TxnOffsetCommitRequestTopic {
            name: "t".to_string(),
            partitions: vec![TxnOffsetCommitRequestPartition {
                partition_index: 0,
                committed_offset: offset,
                committed_leader_epoch: -1,
                committed_metadata: Some("m".to_string()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn committed(c: &GroupCoordinator, group: &str) -> Option<i64> {
    let fetched = c.fetch_offsets(group, Some(vec![("t".to_string(), vec![0])])).unwrap();
    fetched[0].1[0].1.as_ref().map(|c| c.offset)
}

#[test]
fn transactional_offsets_wait_for_the_marker() {
    let mut c = GroupCoordinator::new(Config { partitions: 4, ..Config::default() }, 1);
    (0..4).for_each(|p| c.loaded(p, 0));
    let mut j = Recorded::default();
    let exists = |_: &str, p: i32| p == 0;
    for (group, offset) in [("g1", 10), ("g2", 20)] {
        let r = c.txn_commit_offsets(5, 3, txn_commit(group, offset), &exists, &mut j);
        assert_eq!(r.topics[0].partitions[0].error_code, 0);
        assert_eq!(committed(&c, group), None, "not visible before the commit");
        assert!(c.is_unstable(group, "t", 0));
    }
    assert!(j.records.iter().all(|(_, producer, _)| *producer == Some((77, 2))), "written inside the transaction");
    c.tick(1_000_000, &mut j);
    assert!(c.is_unstable("g1", "t", 0), "a group holding only pending offsets is not vacant");
    let (p1, p2) = (partition_for("g1", 4), partition_for("g2", 4));
    assert_ne!(p1, p2, "the test needs the groups on different partitions");
    c.end_transaction(p1, 77, true);
    assert_eq!((committed(&c, "g1"), c.is_unstable("g1", "t", 0)), (Some(10), false));
    assert!(c.is_unstable("g2", "t", 0), "a marker acts on its own partition only");
    c.end_transaction(p2, 77, false);
    assert_eq!((committed(&c, "g2"), c.is_unstable("g2", "t", 0)), (None, false));
    let bad = c.txn_commit_offsets(5, 3, txn_commit("g1", 11), &|_, _| false, &mut j);
    assert_eq!(bad.topics[0].partitions[0].error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code());

    // Replay: records of a transactional batch stay pending until the marker.
    let mut again = GroupCoordinator::new(Config { partitions: 4, ..Config::default() }, 2);
    (0..4).for_each(|p| again.loaded(p, 0));
    for (_, producer, (key, value)) in &j.records {
        let record = GroupRecord::decode(key, value.as_deref()).unwrap().unwrap();
        again.replay_transactional(record, producer.unwrap().0, 5);
    }
    assert!(again.is_unstable("g1", "t", 0) && again.is_unstable("g2", "t", 0));
    again.end_transaction(p1, 77, true);
    again.end_transaction(p2, 77, false);
    assert_eq!((committed(&again, "g1"), committed(&again, "g2")), (Some(10), None));
}

/// A coordinator serves an id only in the epoch it loaded the id's
/// partition in: once the partition is unloaded or loaded anew, the markers
/// it was still retrying are its successor's to write.
#[test]
fn a_coordinator_serves_an_id_only_in_the_epoch_it_loaded() {
    let mut c = TxnCoordinator::new(config());
    let id = "txn-a";
    let p = c.partition_for(id);
    assert!(!c.serves(id, 3), "not loaded yet");
    assert!(c.loaded(p, 3).is_empty());
    assert!(c.serves(id, 3));
    assert!(!c.serves(id, 2), "an older epoch's markers");
    c.unload(p);
    assert!(!c.serves(id, 3), "leadership moved away");
    assert!(c.loaded(p, 5).is_empty());
    assert!(!c.serves(id, 3) && c.serves(id, 5), "loaded again in a later epoch");
}
