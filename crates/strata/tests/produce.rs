//! Produce at the wire: per-partition errors in one request (a corrupt
//! batch, an unknown partition, an old record format) beside a partition
//! that succeeds; acks=0 gets no response; bad acks are refused. And the
//! Metadata request that creates the topics a producer names.

mod support;

use std::io::Write;

use bytes::Bytes;
use strata_protocol::generated::metadata_request::MetadataRequestTopic;
use strata_protocol::generated::produce_request::{PartitionProduceData, TopicProduceData};
use strata_protocol::generated::{ApiVersionsRequest, MetadataRequest, ProduceRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use strata_records::{BatchBuilder, Compression};
use support::wire::{call, connect, frame, read_frame};
use support::Broker;

fn batch(value: &[u8]) -> Bytes {
    let mut b = BatchBuilder::new(Compression::Lz4);
    b.push(0, Some(b"k"), Some(value), &[]);
    b.build()
}

fn request(acks: i16, parts: Vec<(i32, Bytes)>) -> ProduceRequest {
    ProduceRequest {
        acks,
        timeout_ms: 5000,
        topic_data: vec![TopicProduceData {
            name: "p".into(),
            partition_data: parts
                .into_iter()
                .map(|(index, records)| PartitionProduceData { index, records: Some(records), ..Default::default() })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A broker with topic "p" of three partitions (auto-created through
/// Metadata), and a connection to it.
fn broker_with_topic_p() -> (Broker, std::net::TcpStream) {
    let broker = Broker::start(&["--set", "num.partitions=3"]);
    let mut s = connect(&broker.addr());
    let md = MetadataRequest {
        topics: Some(vec![MetadataRequestTopic { name: Some("p".into()), ..Default::default() }]),
        allow_auto_topic_creation: true,
        ..Default::default()
    };
    call(&mut s, 12, RequestBody::Metadata(md));
    (broker, s)
}

/// One Metadata request naming several missing topics (one twice) and an
/// illegal name creates each legal one with num.partitions and answers them
/// all at once; the illegal one gets INVALID_TOPIC_EXCEPTION.
#[test]
fn metadata_creates_every_missing_topic_it_names() {
    let broker = Broker::start(&["--set", "num.partitions=3"]);
    let mut s = connect(&broker.addr());
    let names = ["m1", "m2", "m1", "m.3", "bad/name"];
    let topics = names.iter().map(|n| MetadataRequestTopic { name: Some(n.to_string()), ..Default::default() });
    let md = MetadataRequest { topics: Some(topics.collect()), allow_auto_topic_creation: true, ..Default::default() };
    let ResponseBody::Metadata(r) = call(&mut s, 12, RequestBody::Metadata(md)) else { panic!() };
    let answers: Vec<(String, i16, usize)> =
        r.topics.iter().map(|t| (t.name.clone().unwrap_or_default(), t.error_code, t.partitions.len())).collect();
    let invalid = ErrorCode::INVALID_TOPIC_EXCEPTION.code();
    let expected = [("m1", 0, 3), ("m2", 0, 3), ("m1", 0, 3), ("m.3", 0, 3), ("bad/name", invalid, 0)];
    assert_eq!(answers, expected.map(|(n, c, p)| (n.to_string(), c, p)));
}

#[test]
fn each_partition_gets_its_own_answer() {
    let (_broker, mut s) = broker_with_topic_p();
    let mut corrupt = batch(b"hello").to_vec();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0xff;
    let mut old_format = batch(b"old").to_vec();
    old_format[16] = 1; // magic 1
    let req = request(
        -1,
        vec![(0, batch(b"fine")), (1, Bytes::from(corrupt)), (2, Bytes::from(old_format)), (7, batch(b"nowhere"))],
    );
    let ResponseBody::Produce(r) = call(&mut s, 9, RequestBody::Produce(req)) else { panic!() };
    let codes: Vec<i16> = r.responses[0].partition_responses.iter().map(|p| p.error_code).collect();
    assert_eq!(
        codes,
        [
            ErrorCode::NONE.code(),
            ErrorCode::CORRUPT_MESSAGE.code(),
            ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT.code(),
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code()
        ]
    );
    assert_eq!(r.responses[0].partition_responses[0].base_offset, 0);
    assert!(r.responses[0].partition_responses[1].error_message.as_deref().is_some_and(|m| m.contains("CRC")));

    let ResponseBody::Produce(r) = call(&mut s, 9, RequestBody::Produce(request(2, vec![(0, batch(b"x"))]))) else {
        panic!()
    };
    assert_eq!(r.responses[0].partition_responses[0].error_code, ErrorCode::INVALID_REQUIRED_ACKS.code());

    // acks=0: no response; the next request's response comes first.
    s.write_all(&frame(9, 100, &RequestBody::Produce(request(0, vec![(0, batch(b"quiet"))])))).unwrap();
    s.write_all(&frame(3, 101, &RequestBody::ApiVersions(ApiVersionsRequest::default()))).unwrap();
    let f = read_frame(&mut s).unwrap();
    assert_eq!(i32::from_be_bytes([f[0], f[1], f[2], f[3]]), 101);
    let ResponseBody::Produce(r) = call(&mut s, 9, RequestBody::Produce(request(1, vec![(0, batch(b"after"))]))) else {
        panic!()
    };
    assert_eq!(r.responses[0].partition_responses[0].base_offset, 2, "the acks=0 record was appended");
}

/// A partition named twice, in one topic entry or in two entries of the
/// same topic, is refused at each naming and gets neither batch; the other
/// partitions of the request are appended.
#[test]
fn a_partition_named_twice_gets_neither_batch() {
    let (_broker, mut s) = broker_with_topic_p();
    let mut req = request(1, vec![(0, batch(b"a")), (1, batch(b"b")), (0, batch(b"c"))]);
    req.topic_data.extend(request(1, vec![(1, batch(b"d")), (2, batch(b"e"))]).topic_data);
    let ResponseBody::Produce(r) = call(&mut s, 9, RequestBody::Produce(req)) else { panic!() };
    let answers: Vec<(i32, i16)> =
        r.responses.iter().flat_map(|t| &t.partition_responses).map(|p| (p.index, p.error_code)).collect();
    let invalid = ErrorCode::INVALID_REQUEST.code();
    assert_eq!(answers, [(0, invalid), (1, invalid), (0, invalid), (1, invalid), (2, ErrorCode::NONE.code())]);
    let message = r.responses[0].partition_responses[0].error_message.as_deref().unwrap_or_default();
    assert!(message.contains("p-0 is named more than once"), "{message}");

    // Nothing reached partitions 0 and 1: the next batch of each is offset 0.
    let ResponseBody::Produce(r) =
        call(&mut s, 9, RequestBody::Produce(request(1, vec![(0, batch(b"x")), (1, batch(b"y")), (2, batch(b"z"))])))
    else {
        panic!()
    };
    let offsets: Vec<i64> = r.responses[0].partition_responses.iter().map(|p| p.base_offset).collect();
    assert_eq!(offsets, [0, 0, 1]);
}
