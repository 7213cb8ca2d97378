//! Fetch at the wire: KIP-227 sessions with incremental fetches, long polls
//! woken by an append, and byte limits with KIP-74's first batch.

mod support;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use strata_protocol::generated::fetch_request::{FetchPartition, FetchTopic};
use strata_protocol::generated::metadata_request::MetadataRequestTopic;
use strata_protocol::generated::produce_request::{PartitionProduceData, TopicProduceData};
use strata_protocol::generated::{FetchRequest, FetchResponse, MetadataRequest, ProduceRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody, Uuid};
use strata_records::{BatchBuilder, Compression};
use support::wire::{call, connect};
use support::Broker;

fn produce(s: &mut TcpStream, topic: &str, partition: i32, value_len: usize) {
    let mut b = BatchBuilder::new(Compression::None);
    b.push(0, None, Some(&vec![b'v'; value_len]), &[]);
    let req = ProduceRequest {
        acks: 1,
        timeout_ms: 5000,
        topic_data: vec![TopicProduceData {
            name: topic.into(),
            partition_data: vec![PartitionProduceData {
                index: partition,
                records: Some(b.build()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let ResponseBody::Produce(r) = call(s, 9, RequestBody::Produce(req)) else { panic!() };
    assert_eq!(r.responses[0].partition_responses[0].error_code, 0);
}

fn topic_id(s: &mut TcpStream, topic: &str) -> Uuid {
    let req = MetadataRequest {
        topics: Some(vec![MetadataRequestTopic { name: Some(topic.into()), ..Default::default() }]),
        allow_auto_topic_creation: true,
        ..Default::default()
    };
    let ResponseBody::Metadata(m) = call(s, 12, RequestBody::Metadata(req)) else { panic!() };
    m.topics[0].topic_id
}

fn fetch(s: &mut TcpStream, req: FetchRequest) -> FetchResponse {
    let ResponseBody::Fetch(f) = call(s, 13, RequestBody::Fetch(req)) else { panic!() };
    f
}

fn partitions(id: Uuid, offsets: &[(i32, i64)]) -> Vec<FetchTopic> {
    let partitions = offsets
        .iter()
        .map(|(p, o)| FetchPartition {
            partition: *p,
            fetch_offset: *o,
            partition_max_bytes: 1 << 20,
            ..Default::default()
        })
        .collect();
    vec![FetchTopic { topic_id: id, partitions, ..Default::default() }]
}

#[test]
fn sessions_send_only_what_changed() {
    let broker = Broker::start(&["--set", "num.partitions=2"]);
    let mut s = connect(&broker.addr());
    let id = topic_id(&mut s, "sess");
    produce(&mut s, "sess", 0, 10);
    let base = FetchRequest { max_wait_ms: 0, max_bytes: 1 << 20, ..Default::default() };
    let full = fetch(
        &mut s,
        FetchRequest { session_id: 0, session_epoch: 0, topics: partitions(id, &[(0, 0), (1, 0)]), ..base.clone() },
    );
    assert_eq!(full.error_code, 0);
    assert!(full.session_id > 0, "a session was opened");
    assert_eq!(full.responses[0].partitions.len(), 2, "a full fetch names every partition");
    // Nothing changed: the incremental response is empty.
    let inc = fetch(
        &mut s,
        FetchRequest {
            session_id: full.session_id,
            session_epoch: 1,
            topics: partitions(id, &[(0, 1)]),
            ..base.clone()
        },
    );
    assert_eq!(inc.session_id, full.session_id);
    assert!(inc.responses.is_empty(), "{inc:?}");
    // An append to partition 1: only it comes back, with its record.
    produce(&mut s, "sess", 1, 10);
    let inc = fetch(&mut s, FetchRequest { session_id: full.session_id, session_epoch: 2, ..base.clone() });
    assert_eq!(inc.responses.len(), 1);
    let p = &inc.responses[0].partitions;
    assert_eq!((p.len(), p[0].partition_index, p[0].high_watermark), (1, 1, 1));
    assert!(p[0].records.as_ref().is_some_and(|r| !r.is_empty()));
    // Epochs are checked, and unknown sessions are refused.
    let stale = fetch(&mut s, FetchRequest { session_id: full.session_id, session_epoch: 2, ..base.clone() });
    assert_eq!(stale.error_code, ErrorCode::INVALID_FETCH_SESSION_EPOCH.code());
    let unknown = fetch(&mut s, FetchRequest { session_id: 987_654, session_epoch: 1, ..base.clone() });
    assert_eq!(unknown.error_code, ErrorCode::FETCH_SESSION_ID_NOT_FOUND.code());
    // An unknown topic id is named as such.
    let bogus = fetch(&mut s, FetchRequest { session_epoch: -1, topics: partitions(Uuid([9; 16]), &[(0, 0)]), ..base });
    assert_eq!(bogus.responses[0].partitions[0].error_code, ErrorCode::UNKNOWN_TOPIC_ID.code());
}

#[test]
fn long_polls_wake_on_append_and_limits_hold() {
    let broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    let id = topic_id(&mut s, "poll");
    let addr = broker.addr();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        produce(&mut connect(&addr), "poll", 0, 100);
    });
    let started = Instant::now();
    let req = FetchRequest {
        max_wait_ms: 10_000,
        min_bytes: 1,
        max_bytes: 1 << 20,
        session_epoch: -1,
        topics: partitions(id, &[(0, 0)]),
        ..Default::default()
    };
    let f = fetch(&mut s, req.clone());
    let waited = started.elapsed();
    writer.join().unwrap();
    assert!(f.responses[0].partitions[0].records.as_ref().is_some_and(|r| !r.is_empty()));
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
        "woken by the append after {waited:?}"
    );
    // With nothing new, the poll ends at max_wait_ms.
    let started = Instant::now();
    let f = fetch(&mut s, FetchRequest { max_wait_ms: 400, topics: partitions(id, &[(0, 1)]), ..req.clone() });
    assert!(f.responses[0].partitions[0].records.as_ref().is_none_or(|r| r.is_empty()));
    assert!(started.elapsed() >= Duration::from_millis(350), "{:?}", started.elapsed());
    // Byte limits: three 100 KiB batches, a 150 KiB response limit gives one
    // batch; a 1-byte limit still gives the first batch (KIP-74).
    for _ in 0..3 {
        produce(&mut s, "poll", 0, 100 * 1024);
    }
    let f = fetch(&mut s, FetchRequest { max_bytes: 150 * 1024, topics: partitions(id, &[(0, 1)]), ..req.clone() });
    let len = f.responses[0].partitions[0].records.as_ref().map_or(0, |r| r.len());
    assert!(len > 100 * 1024 && len < 150 * 1024, "one batch: {len}");
    let f = fetch(&mut s, FetchRequest { max_bytes: 1, topics: partitions(id, &[(0, 1)]), ..req });
    let len = f.responses[0].partitions[0].records.as_ref().map_or(0, |r| r.len());
    assert!(len > 100 * 1024, "the first batch even over the limit: {len}");
}
