//! Transactions on the wire: the coordinator's APIs one request at a time,
//! transactional batches, and the scenario of a late retry after an abort
//! (KIP-890) that both the single-node and the cluster tests play.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use strata_protocol::generated::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use strata_protocol::generated::describe_transactions_response::TransactionState;
use strata_protocol::generated::{
    AddPartitionsToTxnRequest, DescribeTransactionsRequest, EndTxnRequest, FindCoordinatorRequest,
    InitProducerIdRequest,
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
/// transaction, and a late retry of a batch of an aborted transaction (sent
/// before the abort, arriving after it), are refused with INVALID_TXN_STATE
/// when `verify`; otherwise both are written and open transactions that no
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
    assert_eq!(add_partitions(&mut c, 3, id, ids, &[("late", 0)]), [0]);
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
    assert_eq!(stable(&mut l, "other"), (0, 0), "nothing written");
    assert_eq!(stable(&mut l, "late"), (2, 2), "the aborted record and its marker only");
    // The producer's next transaction goes on with the next sequence number.
    assert_eq!(add_partitions(&mut c, 3, id, ids, &[("late", 0)]), [0]);
    assert_eq!(produce(&mut l, "late", 1, "next"), (0, 2));
    assert_eq!(end_txn(&mut c, 3, id, ids, true), 0);
    until_state(&mut c, id, "CompleteCommit");
    assert_eq!(stable(&mut l, "late"), (4, 4));
}
