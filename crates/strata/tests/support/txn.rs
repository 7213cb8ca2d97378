//! Transactions on the wire: the coordinator's APIs one request at a time,
//! transactional batches, and the scenarios of a late retry after an abort
//! (KIP-890), of a Produce and of a TxnOffsetCommit.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use strata_protocol::generated::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use strata_protocol::generated::describe_transactions_response::TransactionState;
use strata_protocol::generated::offset_fetch_request::OffsetFetchRequestTopic;
use strata_protocol::generated::txn_offset_commit_request::{
    TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use strata_protocol::generated::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, DescribeTransactionsRequest, EndTxnRequest,
    FindCoordinatorRequest, InitProducerIdRequest, OffsetFetchRequest, TxnOffsetCommitRequest,
};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use strata_records::{BatchBuilder, Compression};

use super::wire::{call, connect, init_producer_id, list_offsets, produce_as};

/// DescribeTransactions of one transactional id.
pub fn describe(s: &mut TcpStream, id: &str) -> TransactionState {
    let req = DescribeTransactionsRequest { transactional_ids: vec![id.to_string()], ..Default::default() };
    let ResponseBody::DescribeTransactions(r) = call(s, 0, RequestBody::DescribeTransactions(req)) else { panic!() };
    r.transaction_states.into_iter().next().unwrap()
}

/// InitProducerId with a transactional id: (error code, producer id, epoch).
pub fn init(s: &mut TcpStream, version: i16, id: &str, timeout_ms: i32, expected: (i64, i16)) -> (i16, i64, i16) {
    let req = InitProducerIdRequest {
        transactional_id: Some(id.to_string()),
        transaction_timeout_ms: timeout_ms,
        producer_id: expected.0,
        producer_epoch: expected.1,
        ..Default::default()
    };
    if version == 4 {
        return init_producer_id(s, req);
    }
    let ResponseBody::InitProducerId(r) = call(s, version, RequestBody::InitProducerId(req)) else { panic!() };
    (r.error_code, r.producer_id, r.producer_epoch)
}

/// AddPartitionsToTxn v3: each partition's code.
pub fn add_partitions(s: &mut TcpStream, version: i16, id: &str, ids: (i64, i16), topics: &[(&str, i32)]) -> Vec<i16> {
    let req = AddPartitionsToTxnRequest {
        v3_and_below_transactional_id: id.to_string(),
        v3_and_below_producer_id: ids.0,
        v3_and_below_producer_epoch: ids.1,
        v3_and_below_topics: topics
            .iter()
            .map(|(t, p)| AddPartitionsToTxnTopic { name: t.to_string(), partitions: vec![*p], ..Default::default() })
            .collect(),
        ..Default::default()
    };
    let ResponseBody::AddPartitionsToTxn(r) = call(s, version, RequestBody::AddPartitionsToTxn(req)) else { panic!() };
    r.results_by_topic_v3_and_below
        .iter()
        .flat_map(|t| t.results_by_partition.iter().map(|p| p.partition_error_code))
        .collect()
}

/// EndTxn: its error code.
pub fn end_txn(s: &mut TcpStream, version: i16, id: &str, ids: (i64, i16), commit: bool) -> i16 {
    let req = EndTxnRequest {
        transactional_id: id.to_string(),
        producer_id: ids.0,
        producer_epoch: ids.1,
        committed: commit,
        ..Default::default()
    };
    let ResponseBody::EndTxn(r) = call(s, version, RequestBody::EndTxn(req)) else { panic!() };
    r.error_code
}

/// Waits until the transaction of `id` is in `state`.
pub fn until_state(s: &mut TcpStream, id: &str, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while describe(s, id).transaction_state != state {
        assert!(Instant::now() < deadline, "the transaction of {id} did not reach {state}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A transactional batch of one record from `ids` at sequence `seq`.
pub fn txn_batch(ids: (i64, i16), seq: i32, value: &str) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None).producer(ids.0, ids.1, seq).transactional();
    b.push(1_700_000_000_000, None, Some(value.as_bytes()), &[]);
    b.build()
}

/// The late-retry scenario for transactional id `id` on topics `late` and
/// `other` (one partition each, both led by `leader`), with the transaction
/// coordinator at `coordinator`. A batch for a partition never added to the
/// transaction, a late retry of a batch of an aborted transaction (sent
/// before the abort, arriving after it), and a transactional batch sent
/// without a transactional id are refused with INVALID_TXN_STATE when
/// `verify`; otherwise both are written and open transactions that no
/// marker ends (the last stable offset stays below the high watermark).
pub fn late_retry(coordinator: &str, leader: &str, id: &str, verify: bool) {
    let (mut c, mut l) = (connect(coordinator), connect(leader));
    let find = FindCoordinatorRequest { key_type: 1, coordinator_keys: vec![id.into()], ..Default::default() };
    call(&mut c, 4, RequestBody::FindCoordinator(find));
    let (e, pid, epoch) = init(&mut c, 4, id, 60_000, (-1, -1));
    assert_eq!(e, 0);
    let ids = (pid, epoch);
    let produce = |s: &mut TcpStream, topic, seq, value| produce_as(s, Some(id), topic, txn_batch(ids, seq, value));
    let stable = |s: &mut TcpStream, topic| (list_offsets(s, topic, 0, -1), list_offsets(s, topic, 1, -1));
    assert_eq!(add_once_known(&mut c, id, ids, "late"), [0]);
    assert_eq!(produce(&mut l, "late", 0, "first"), (0, 0));
    let not_added = produce(&mut l, "other", 0, "not added");
    assert_eq!(end_txn(&mut c, 3, id, ids, false), 0);
    until_state(&mut c, id, "CompleteAbort");
    let late = produce(&mut l, "late", 1, "late retry");
    if !verify {
        assert_eq!((not_added, late), ((0, 0), (0, 2)), "both written");
        assert_eq!(stable(&mut l, "late"), (3, 2), "a transaction no marker ends");
        assert_eq!(stable(&mut l, "other"), (1, 0), "a transaction no marker ends");
        return;
    }
    let refused = ErrorCode::INVALID_TXN_STATE.code();
    assert_eq!((not_added.0, late.0), (refused, refused));
    // A transactional batch in a Produce without a transactional id: no
    // coordinator to ask, so it cannot open a transaction either.
    let anonymous = produce_as(&mut l, None, "other", txn_batch(ids, 0, "no transactional id"));
    assert_eq!(anonymous.0, refused);
    assert_eq!(stable(&mut l, "other"), (0, 0), "nothing written");
    assert_eq!(stable(&mut l, "late"), (2, 2), "the aborted record and its marker only");
    // The producer's next transaction goes on with the next sequence number.
    assert_eq!(add_once_known(&mut c, id, ids, "late"), [0]);
    assert_eq!(produce(&mut l, "late", 1, "next"), (0, 2));
    assert_eq!(end_txn(&mut c, 3, id, ids, true), 0);
    until_state(&mut c, id, "CompleteCommit");
    assert_eq!(stable(&mut l, "late"), (4, 4));
}

/// AddPartitionsToTxn v3 of partition 0 of `topic`, retried as a client
/// does while the coordinator answers UNKNOWN_TOPIC_OR_PARTITION: in a
/// cluster its metadata may not have the new topic yet.
fn add_once_known(s: &mut TcpStream, id: &str, ids: (i64, i16), topic: &str) -> Vec<i16> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let codes = add_partitions(s, 3, id, ids, &[(topic, 0)]);
        if codes != [ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code()] || Instant::now() > deadline {
            return codes;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// FindCoordinator for `key` (`key_type` 0: a group, 1: a transactional
/// id), which creates the internal topic on first use.
fn find_coordinator(s: &mut TcpStream, key_type: i8, key: &str) {
    let find = FindCoordinatorRequest { key_type, coordinator_keys: vec![key.into()], ..Default::default() };
    let ResponseBody::FindCoordinator(r) = call(s, 4, RequestBody::FindCoordinator(find)) else { panic!() };
    assert_eq!(r.coordinators[0].error_code, 0, "{r:?}");
}

/// TxnOffsetCommit v3 of `offset` for partition 0 of `topic`: its code.
fn txn_commit(s: &mut TcpStream, id: &str, ids: (i64, i16), group: &str, topic: &str, offset: i64) -> i16 {
    let partition =
        TxnOffsetCommitRequestPartition { partition_index: 0, committed_offset: offset, ..Default::default() };
    let t = TxnOffsetCommitRequestTopic { name: topic.into(), partitions: vec![partition], ..Default::default() };
    let req = TxnOffsetCommitRequest {
        transactional_id: id.into(),
        group_id: group.into(),
        producer_id: ids.0,
        producer_epoch: ids.1,
        generation_id: -1,
        topics: vec![t],
        ..Default::default()
    };
    let ResponseBody::TxnOffsetCommit(r) = call(s, 3, RequestBody::TxnOffsetCommit(req)) else { panic!() };
    r.topics[0].partitions[0].error_code
}

/// OffsetFetch v7 with require_stable of partition 0 of `topic`: (code, offset).
fn stable_offset(s: &mut TcpStream, group: &str, topic: &str) -> (i16, i64) {
    let t = OffsetFetchRequestTopic { name: topic.into(), partition_indexes: vec![0], ..Default::default() };
    let req = OffsetFetchRequest {
        group_id: group.into(),
        topics: Some(vec![t]),
        require_stable: true,
        ..Default::default()
    };
    let ResponseBody::OffsetFetch(r) = call(s, 7, RequestBody::OffsetFetch(req)) else { panic!() };
    let p = &r.topics[0].partitions[0];
    (p.error_code, p.committed_offset)
}

/// The late-retry scenario for offsets: transactional id `id` (its
/// coordinator at `coordinator`) commits offsets of topic `late` (one
/// partition) for `group` (its coordinator at `group_coordinator`) in a
/// transaction that is then aborted, and a late TxnOffsetCommit of that
/// transaction arrives. When `verify` it is refused (INVALID_TXN_STATE);
/// otherwise it is written and stays pending for good, so that a consumer
/// asking for stable offsets (require_stable) is told UNSTABLE_OFFSET_COMMIT.
pub fn late_offsets(coordinator: &str, group_coordinator: &str, id: &str, group: &str, verify: bool) {
    let (mut s, mut g) = (connect(coordinator), connect(group_coordinator));
    find_coordinator(&mut s, 1, id);
    find_coordinator(&mut s, 0, group);
    let (e, pid, epoch) = init(&mut s, 4, id, 60_000, (-1, -1));
    assert_eq!(e, 0);
    let ids = (pid, epoch);
    let add_offsets = |s: &mut TcpStream| {
        let req = AddOffsetsToTxnRequest {
            transactional_id: id.into(),
            producer_id: ids.0,
            producer_epoch: ids.1,
            group_id: group.into(),
            ..Default::default()
        };
        let ResponseBody::AddOffsetsToTxn(r) = call(s, 3, RequestBody::AddOffsetsToTxn(req)) else { panic!() };
        r.error_code
    };
    assert_eq!(add_offsets(&mut s), 0);
    assert_eq!(txn_commit(&mut g, id, ids, group, "late", 5), 0);
    assert_eq!(end_txn(&mut s, 3, id, ids, false), 0);
    until_state(&mut s, id, "CompleteAbort");
    let late = txn_commit(&mut g, id, ids, group, "late", 7);
    if !verify {
        assert_eq!(late, 0, "written");
        let unstable = ErrorCode::UNSTABLE_OFFSET_COMMIT.code();
        assert_eq!(stable_offset(&mut g, group, "late").0, unstable, "pending offsets no marker ends");
        return;
    }
    assert_eq!(late, ErrorCode::INVALID_TXN_STATE.code());
    assert_eq!(stable_offset(&mut g, group, "late"), (0, -1), "nothing pending, nothing committed");
    // The producer's next transaction commits its offsets.
    assert_eq!(add_offsets(&mut s), 0);
    assert_eq!(txn_commit(&mut g, id, ids, group, "late", 9), 0);
    assert_eq!(end_txn(&mut s, 3, id, ids, true), 0);
    until_state(&mut s, id, "CompleteCommit");
    assert_eq!(stable_offset(&mut g, group, "late"), (0, 9));
}
