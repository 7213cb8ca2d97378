//! Hostile clients over real sockets. Each misbehaves on its own
//! connection while a well-behaved client produces and fetches; the broker
//! must close only the offending connections, stay up, and keep serving.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use strata_protocol::generated::fetch_request::{FetchPartition, FetchTopic};
use strata_protocol::generated::metadata_request::MetadataRequestTopic;
use strata_protocol::generated::produce_request::{PartitionProduceData, TopicProduceData};
use strata_protocol::generated::{ApiVersionsRequest, FetchRequest, MetadataRequest, ProduceRequest};
use strata_protocol::{ApiKey, ErrorCode, RequestBody, ResponseBody};
use strata_records::{BatchBuilder, Batches, Compression};
use support::wire::{call, closed, connect, frame, read_frame};
use support::Broker;

/// Produces one record with acks=all and fetches it back; panics on any failure.
fn well_behaved_roundtrip(addr: &str, i: u32) {
    let mut s = connect(addr);
    let topic = "good";
    let metadata = MetadataRequest {
        topics: Some(vec![MetadataRequestTopic { name: Some(topic.into()), ..Default::default() }]),
        allow_auto_topic_creation: true,
        ..Default::default()
    };
    let ResponseBody::Metadata(m) = call(&mut s, 9, RequestBody::Metadata(metadata)) else { panic!() };
    assert_eq!(m.topics[0].error_code, 0);
    let mut batch = BatchBuilder::new(Compression::None);
    let value = format!("good-{i}");
    batch.push(0, None, Some(value.as_bytes()), &[]);
    let produce = ProduceRequest {
        acks: -1,
        timeout_ms: 5000,
        topic_data: vec![TopicProduceData {
            name: topic.into(),
            partition_data: vec![PartitionProduceData { index: 0, records: Some(batch.build()), ..Default::default() }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let ResponseBody::Produce(p) = call(&mut s, 9, RequestBody::Produce(produce)) else { panic!() };
    let part = &p.responses[0].partition_responses[0];
    assert_eq!(part.error_code, 0, "{part:?}");
    let fetch = FetchRequest {
        max_wait_ms: 100,
        max_bytes: 1 << 20,
        session_epoch: -1,
        topics: vec![FetchTopic {
            topic: topic.into(),
            partitions: vec![FetchPartition {
                fetch_offset: part.base_offset,
                partition_max_bytes: 1 << 20,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let ResponseBody::Fetch(f) = call(&mut s, 12, RequestBody::Fetch(fetch)) else { panic!() };
    let records = f.responses[0].partitions[0].records.clone().unwrap();
    let batch = Batches::new(records).next().unwrap().unwrap();
    let data = batch.records_data(1 << 20).unwrap();
    let record = batch.records(&data).next().unwrap().unwrap();
    assert_eq!(record.value, Some(value.as_bytes()));
}

fn raw(addr: &str, bytes: &[u8]) -> TcpStream {
    let mut s = connect(addr);
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(bytes).unwrap();
    s
}

fn sized(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as i32).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

#[test]
fn hostile_clients_hurt_only_themselves() {
    let broker = Broker::start(&[]);
    let addr = broker.addr();
    well_behaved_roundtrip(&addr, 0);

    // Held open throughout: half-open connections, and a client that never reads.
    let _silent = connect(&addr);
    let _half_prefix = raw(&addr, &[0, 0]);
    let _half_body = raw(&addr, &[&(1_000_000i32).to_be_bytes()[..], &[0u8; 100][..]].concat());
    let mut deaf = connect(&addr);
    deaf.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    let metadata = frame(9, 1, &RequestBody::Metadata(MetadataRequest { topics: None, ..Default::default() }));
    let mut sent_to_deaf = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) && deaf.write_all(&metadata).is_ok() {
        sent_to_deaf += 1;
    }
    assert!(sent_to_deaf > 1000, "the deaf client's requests were read at first ({sent_to_deaf})");

    // Each of these closes its own connection.
    let mut hostile: Vec<(&str, Vec<u8>)> = vec![
        ("2 GiB length prefix", vec![0x7f, 0xff, 0xff, 0xff]),
        ("negative length prefix", vec![0xff, 0xff, 0xff, 0xfe]),
        ("unknown API key", sized(&[0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0xff, 0xff])),
        ("Fetch v0 (in the spec, not served)", frame(0, 1, &RequestBody::Fetch(FetchRequest::default())).to_vec()),
        ("Produce v99 (beyond the spec)", sized(&[0, 0, 0, 99, 0, 0, 0, 1, 0xff, 0xff])),
        ("a header cut short", sized(&[0, 3])),
    ];
    // Metadata v1 whose topic array claims i32::MAX entries in a 10-byte body.
    let mut huge = BytesMut::new();
    huge.put_slice(&[0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff]);
    huge.put_i32(i32::MAX);
    huge.put_slice(&[0, 1, b'x']);
    hostile.push(("an array count of i32::MAX", sized(&huge)));
    // A valid Produce frame truncated at every length gets a short frame; cut inside a field.
    let produce = frame(9, 1, &RequestBody::Produce(ProduceRequest { acks: 1, ..Default::default() }));
    hostile.push(("a Produce body cut short", sized(&produce[4..produce.len() - 2])));
    for seed in 0..20u8 {
        let garbage: Vec<u8> =
            (0..64u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed.wrapping_mul(17))).collect();
        hostile.push(("garbage", sized(&[&[0, 3, 0, 9][..], &garbage[..]].concat())));
    }
    for (what, bytes) in &hostile {
        let mut s = raw(&addr, bytes);
        assert!(closed(&mut s), "{what}: the connection was not closed");
    }
    let log = broker.log_text();
    assert!(
        log.contains("socket.request.max.bytes") && log.contains("unknown API key 999"),
        "reasons are logged:\n{log}"
    );
    assert!(log.contains("peer="), "the peer is named:\n{log}");

    // KIP-511: ApiVersions newer than served gets UNSUPPORTED_VERSION as a v0 response.
    let mut s = raw(&addr, &frame(4, 9, &RequestBody::ApiVersions(ApiVersionsRequest::default()))[..]);
    drop(s);
    let mut bytes = frame(4, 9, &RequestBody::ApiVersions(ApiVersionsRequest::default()));
    bytes[6..8].copy_from_slice(&77i16.to_be_bytes());
    s = raw(&addr, &bytes);
    let response = read_frame(&mut s).expect("an ApiVersions response");
    let (_, body) = strata_protocol::frame::decode_response(ApiKey::ApiVersions, 0, response).unwrap();
    let ResponseBody::ApiVersions(v) = body else { panic!() };
    assert_eq!(v.error_code, ErrorCode::UNSUPPORTED_VERSION.code());
    assert!(v.api_keys.iter().any(|k| k.api_key == ApiKey::ApiVersions as i16 && k.max_version == 4));

    // Meanwhile a well-behaved client is served, promptly.
    for i in 1..=20 {
        let t = Instant::now();
        well_behaved_roundtrip(&addr, i);
        assert!(t.elapsed() < Duration::from_secs(5), "round trip {i} took {:?}", t.elapsed());
    }
    let rss = rss_kib(broker.pid());
    println!("broker RSS with the deaf client's backlog: {rss} KiB; {sent_to_deaf} requests sent by it");
    assert!(rss < 512 * 1024, "the broker's memory grew to {rss} KiB");
}

/// The resident set of a process, in KiB.
fn rss_kib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    let mut all = BytesMut::new();
    for i in 0..200 {
        let body = if i % 2 == 0 {
            RequestBody::ApiVersions(ApiVersionsRequest::default())
        } else {
            RequestBody::Metadata(MetadataRequest { topics: None, ..Default::default() })
        };
        all.extend_from_slice(&frame(if i % 2 == 0 { 3 } else { 12 }, i, &body));
    }
    s.write_all(&all).unwrap();
    for i in 0..200 {
        let f: Bytes = read_frame(&mut s).expect("a response");
        assert_eq!(i32::from_be_bytes([f[0], f[1], f[2], f[3]]), i, "responses come back in request order");
    }
}

#[test]
fn thousands_of_connections_and_idle_reaping() {
    raise_fd_limit(10_000);
    let broker = Broker::start(&["--set", "connections.max.idle.ms=2000"]);
    let addr = broker.addr();
    let request = frame(3, 5, &RequestBody::ApiVersions(ApiVersionsRequest::default()));
    let started = Instant::now();
    let mut conns: Vec<TcpStream> = (0..3000)
        .map(|_| {
            let mut c = connect(&addr);
            c.write_all(&request).unwrap();
            c
        })
        .collect();
    for (i, c) in conns.iter_mut().enumerate() {
        let f = read_frame(c).unwrap_or_else(|| panic!("connection {i} was not answered:\n{}", broker.log_text()));
        assert_eq!(i32::from_be_bytes([f[0], f[1], f[2], f[3]]), 5);
    }
    println!("3000 connections opened and answered in {:?}", started.elapsed());
    std::thread::sleep(Duration::from_millis(3000));
    let reaped = conns.iter_mut().take(50).map(closed).filter(|c| *c).count();
    assert_eq!(reaped, 50, "idle connections are closed after connections.max.idle.ms");
    well_behaved_roundtrip(&addr, 1);
}

fn raise_fd_limit(want: u64) {
    // SAFETY: getrlimit/setrlimit on a struct we own.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max.min(want.max(lim.rlim_cur));
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
}
