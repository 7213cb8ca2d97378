//! Transactional records and markers through the binary: open transactions
//! hold back the last stable offset, WriteTxnMarkers commits and aborts
//! them, and read_committed consumers (confluent-kafka and Debian's kcat)
//! see exactly the committed and non-transactional records while
//! read_uncommitted ones see everything — also after a SIGKILL.
//!
//! These tests play the transaction coordinator themselves (markers by
//! hand, no transactional id), so the brokers run with
//! `transaction.partition.verification.enable=false`: with it on, a
//! transactional batch no coordinator knows of is refused (see
//! `transactions.rs`).

mod support;

use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use strata_protocol::generated::fetch_request::{FetchPartition, FetchTopic};
use strata_protocol::generated::write_txn_markers_request::{WritableTxnMarker, WritableTxnMarkerTopic};
use strata_protocol::generated::{FetchRequest, WriteTxnMarkersRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use strata_records::{BatchBuilder, Compression};
use support::wire::{call, connect, create_topic, list_offsets, new_producer_id, produce};
use support::{run_checked, run_script, Broker};

const TOPIC: &str = "txn";
/// No coordinator is asked about the hand-made transactions.
const UNVERIFIED: [&str; 2] = ["--set", "transaction.partition.verification.enable=false"];

fn batch(producer: Option<(i64, i32)>, values: &[&str]) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None);
    if let Some((pid, seq)) = producer {
        b = b.producer(pid, 0, seq).transactional();
    }
    for v in values {
        b.push(1_700_000_000_000, None, Some(v.as_bytes()), &[]);
    }
    b.build()
}

/// Produces to the topic; the append must succeed.
fn append(s: &mut TcpStream, records: Bytes) {
    assert_eq!(produce(s, TOPIC, records).0, 0);
}

/// Writes one marker; the partition's error code.
fn marker(s: &mut TcpStream, pid: i64, epoch: i16, commit: bool, partition: i32) -> i16 {
    marker_from(s, pid, epoch, commit, partition, 0)
}

/// Writes one marker as a coordinator in `coordinator_epoch`; the partition's error code.
fn marker_from(s: &mut TcpStream, pid: i64, epoch: i16, commit: bool, partition: i32, coordinator_epoch: i32) -> i16 {
    let topic = WritableTxnMarkerTopic { name: TOPIC.into(), partition_indexes: vec![partition], ..Default::default() };
    let m = WritableTxnMarker {
        producer_id: pid,
        producer_epoch: epoch,
        transaction_result: commit,
        topics: vec![topic],
        coordinator_epoch,
        ..Default::default()
    };
    let req = WriteTxnMarkersRequest { markers: vec![m], ..Default::default() };
    let ResponseBody::WriteTxnMarkers(r) = call(s, 1, RequestBody::WriteTxnMarkers(req)) else { panic!() };
    r.markers[0].topics[0].partitions[0].error_code
}

fn latest(s: &mut TcpStream, isolation_level: i8) -> i64 {
    list_offsets(s, TOPIC, isolation_level, -1)
}

/// A read_committed fetch from 0: (last stable offset, bytes of records, aborted (producer, first offset)).
fn fetch_committed(s: &mut TcpStream) -> (i64, usize, Vec<(i64, i64)>) {
    let p = FetchPartition { partition: 0, fetch_offset: 0, partition_max_bytes: 1 << 20, ..Default::default() };
    let t = FetchTopic { topic: TOPIC.into(), partitions: vec![p], ..Default::default() };
    let req =
        FetchRequest { max_wait_ms: 0, max_bytes: 1 << 20, isolation_level: 1, topics: vec![t], ..Default::default() };
    let ResponseBody::Fetch(r) = call(s, 11, RequestBody::Fetch(req)) else { panic!() };
    let p = &r.responses[0].partitions[0];
    let aborted = p.aborted_transactions.iter().flatten().map(|a| (a.producer_id, a.first_offset)).collect();
    (p.last_stable_offset, p.records.as_ref().map_or(0, |r| r.len()), aborted)
}

fn consume(broker: &Broker, isolation: &str) -> Vec<String> {
    run_script(broker, "consume_isolated.py", &[TOPIC, isolation], Duration::from_secs(60))
        .lines()
        .map(String::from)
        .collect()
}

fn kcat_committed(broker: &Broker) -> Vec<String> {
    let args = ["-b", &broker.addr(), "-C", "-t", TOPIC, "-p", "0", "-o", "beginning", "-e", "-q"];
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.extend(["-X", "isolation.level=read_committed", "-f", "%s\\n"].map(String::from));
    run_checked(std::path::Path::new("kcat"), &args, Duration::from_secs(60), broker)
        .lines()
        .map(String::from)
        .collect()
}

/// A deposed transaction coordinator that retries a marker its successor
/// already wrote (an older coordinator epoch than the producer's last
/// marker) gets TRANSACTION_COORDINATOR_FENCED, and the producer's next
/// transaction stays open; the partition remembers this through a SIGKILL.
#[test]
fn a_deposed_coordinators_marker_is_fenced() {
    let mut broker = Broker::start(&UNVERIFIED);
    let mut s = connect(&broker.addr());
    create_topic(&mut s, TOPIC);
    let a = new_producer_id(&mut s);
    append(&mut s, batch(Some((a, 0)), &["t1"])); // 0
    assert_eq!(marker_from(&mut s, a, 0, false, 0, 5), 0); // aborted at 1 by coordinator epoch 5
    append(&mut s, batch(Some((a, 1)), &["t2"])); // 2
    let fenced = ErrorCode::TRANSACTION_COORDINATOR_FENCED.code();
    assert_eq!(marker_from(&mut s, a, 0, false, 0, 4), fenced, "the abort retried by epoch 4");
    assert_eq!(latest(&mut s, 1), 2, "t2's transaction is still open");
    broker.kill();
    broker.restart();
    let mut s = connect(&broker.addr());
    assert_eq!(marker_from(&mut s, a, 0, false, 0, 4), fenced, "after a SIGKILL too");
    assert_eq!(marker_from(&mut s, a, 0, true, 0, 5), 0, "the current coordinator commits");
    assert_eq!(latest(&mut s, 1), 4);
    assert_eq!(consume(&broker, "read_committed"), ["t2"]);
}

#[test]
fn read_committed_consumers_see_committed_transactions_only() {
    let mut broker = Broker::start(&UNVERIFIED);
    let mut s = connect(&broker.addr());
    create_topic(&mut s, TOPIC);
    let (a, b) = (new_producer_id(&mut s), new_producer_id(&mut s));
    append(&mut s, batch(Some((a, 0)), &["a0", "a1"])); // 0-1
    append(&mut s, batch(None, &["p0"])); // 2
    append(&mut s, batch(Some((b, 0)), &["b0", "b1", "b2"])); // 3-5
    append(&mut s, batch(Some((a, 2)), &["a2"])); // 6
    assert_eq!((latest(&mut s, 0), latest(&mut s, 1)), (7, 0), "A's open transaction holds the LSO at 0");
    assert_eq!(fetch_committed(&mut s), (0, 0, vec![]), "nothing is stable yet");
    assert_eq!(list_offsets(&mut s, TOPIC, 0, 0), 0, "by timestamp: the first record");
    assert_eq!(list_offsets(&mut s, TOPIC, 1, 0), -1, "by timestamp, read_committed: nothing below the LSO");

    assert_eq!(marker(&mut s, a, 0, true, 0), 0); // commit A at 7
    assert_eq!(latest(&mut s, 1), 3, "B still open");
    assert_eq!(marker(&mut s, b, 0, false, 0), 0); // abort B at 8
    assert_eq!(latest(&mut s, 1), 9);
    let (lso, bytes, aborted) = fetch_committed(&mut s);
    assert_eq!((lso, aborted), (9, vec![(b, 3)]));
    assert!(bytes > 0);
    assert_eq!(marker(&mut s, a, -1, true, 9), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code());
    assert_eq!(marker(&mut s, a, -1, false, 0), ErrorCode::INVALID_PRODUCER_EPOCH.code(), "a stale epoch");

    let committed = ["a0", "a1", "p0", "a2"];
    let everything = ["a0", "a1", "p0", "b0", "b1", "b2", "a2"];
    assert_eq!(consume(&broker, "read_committed"), committed);
    assert_eq!(consume(&broker, "read_uncommitted"), everything);
    assert_eq!(kcat_committed(&broker), committed, "librdkafka 2.0.2");

    broker.kill();
    broker.restart();
    let mut s = connect(&broker.addr());
    assert_eq!(fetch_committed(&mut s).2, vec![(b, 3)], "the abort is still known after SIGKILL");
    assert_eq!(consume(&broker, "read_committed"), committed);
    // A new open transaction after the restart holds the LSO again.
    append(&mut s, batch(Some((b, 3)), &["b3"]));
    assert_eq!(latest(&mut s, 1), 9);
}
