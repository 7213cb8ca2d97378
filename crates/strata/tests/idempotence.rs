//! Idempotent producers against the real binary: InitProducerId hands out
//! ids that never repeat across restarts; a retried batch is answered with
//! its original offsets and not stored twice, also after a SIGKILL; gaps and
//! stale epochs get Kafka's errors; DescribeProducers shows the state; and
//! confluent-kafka and kafka-python idempotent producers that lose responses
//! (a proxy drops them) and whose broker is SIGKILLed and restarted
//! mid-stream end with every record exactly once, in order.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use strata_protocol::generated::describe_producers_request::TopicRequest;
use strata_protocol::generated::describe_producers_response::PartitionResponse;
use strata_protocol::generated::{DescribeProducersRequest, InitProducerIdRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use strata_records::control::{ControlRecord, ControlType};
use strata_records::{BatchBuilder, Compression};
use support::proxy::LossyProxy;
use support::wire::{call, connect, create_topic, init_producer_id, list_offsets, new_producer_id, produce};
use support::{run_script, script, Broker};

fn batch(pid: i64, epoch: i16, seq: i32, n: usize) -> Bytes {
    let mut b = BatchBuilder::new(Compression::None).producer(pid, epoch, seq);
    for i in 0..n {
        b.push(1_700_000_000_000, None, Some(format!("{seq}+{i}").as_bytes()), &[]);
    }
    b.build()
}

/// DescribeProducers of partitions 0 and 7 of `topic`.
fn describe(s: &mut std::net::TcpStream, topic: &str) -> Vec<PartitionResponse> {
    let t = TopicRequest { name: topic.into(), partition_indexes: vec![0, 7], ..Default::default() };
    let req = DescribeProducersRequest { topics: vec![t], ..Default::default() };
    let ResponseBody::DescribeProducers(r) = call(s, 0, RequestBody::DescribeProducers(req)) else { panic!() };
    r.topics.into_iter().next().unwrap().partitions
}

#[test]
fn producer_ids_never_repeat_across_restarts() {
    let mut broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    let (a, b) = (new_producer_id(&mut s), new_producer_id(&mut s));
    assert_ne!(a, b);
    // KIP-360: an idempotent producer naming its id and epoch gets a fresh id.
    let (error, bumped, epoch) = init_producer_id(
        &mut s,
        InitProducerIdRequest { transactional_id: None, producer_id: b, producer_epoch: 0, ..Default::default() },
    );
    assert_eq!((error, epoch), (0, 0));
    assert!(bumped > b);
    let (error, ..) = init_producer_id(
        &mut s,
        InitProducerIdRequest { transactional_id: None, producer_id: b, producer_epoch: -1, ..Default::default() },
    );
    assert_eq!(error, ErrorCode::INVALID_REQUEST.code(), "an id without an epoch");
    let txn = InitProducerIdRequest {
        transactional_id: Some("t".into()),
        transaction_timeout_ms: 60000,
        producer_id: -1,
        producer_epoch: -1,
        ..Default::default()
    };
    let not_found_yet = init_producer_id(&mut s, txn).0;
    assert_eq!(not_found_yet, ErrorCode::NOT_COORDINATOR.code(), "a transactional id before FindCoordinator");
    let empty = InitProducerIdRequest { transactional_id: Some(String::new()), ..Default::default() };
    assert_eq!(init_producer_id(&mut s, empty).0, ErrorCode::INVALID_REQUEST.code(), "an empty transactional id");
    broker.kill();
    broker.restart();
    let mut s = connect(&broker.addr());
    let after = new_producer_id(&mut s);
    assert!(after > bumped, "{after} after a SIGKILL, {bumped} before");
}

#[test]
fn retried_batches_are_stored_once_and_gaps_and_stale_epochs_are_refused() {
    let mut broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    create_topic(&mut s, "idem");
    let pid = new_producer_id(&mut s);
    assert_eq!(produce(&mut s, "idem", batch(pid, 0, 0, 3)), (0, 0));
    assert_eq!(produce(&mut s, "idem", batch(pid, 0, 3, 2)), (0, 3));
    assert_eq!(produce(&mut s, "idem", batch(pid, 0, 0, 3)), (0, 0), "a retry gets its original offset");
    assert_eq!(list_offsets(&mut s, "idem", 0, -1), 5, "and is not written again");
    let gap = produce(&mut s, "idem", batch(pid, 0, 9, 1));
    assert_eq!(gap.0, ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER.code());
    assert_eq!(produce(&mut s, "idem", batch(pid, 1, 0, 1)), (0, 5), "a new epoch starts at 0");
    let stale = produce(&mut s, "idem", batch(pid, 0, 5, 1));
    assert_eq!(stale.0, ErrorCode::INVALID_PRODUCER_EPOCH.code());

    let partitions = describe(&mut s, "idem");
    assert_eq!(partitions[1].error_code, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code());
    let state: Vec<(i64, i32, i32)> =
        partitions[0].active_producers.iter().map(|p| (p.producer_id, p.producer_epoch, p.last_sequence)).collect();
    assert_eq!(state, vec![(pid, 1, 0)]);

    // After a SIGKILL the state is rebuilt from the log; after a clean stop, from the snapshot.
    broker.kill();
    broker.restart();
    let mut s = connect(&broker.addr());
    assert_eq!(produce(&mut s, "idem", batch(pid, 1, 0, 1)), (0, 5), "still a duplicate after SIGKILL");
    assert_eq!(produce(&mut s, "idem", batch(pid, 0, 5, 1)).0, ErrorCode::INVALID_PRODUCER_EPOCH.code());
    assert!(broker.terminate(Duration::from_secs(20)).success());
    assert!(broker.dir.join("idem-0/00000000000000000006.snapshot").exists(), "a snapshot at the clean stop");
    broker.restart();
    let mut s = connect(&broker.addr());
    assert_eq!(produce(&mut s, "idem", batch(pid, 1, 0, 1)), (0, 5), "still a duplicate after a clean restart");
    assert_eq!(produce(&mut s, "idem", batch(pid, 1, 1, 1)), (0, 6));
    assert_eq!(list_offsets(&mut s, "idem", 0, -1), 7);
    assert_eq!(describe(&mut s, "idem")[0].active_producers[0].last_sequence, 1);
}

#[test]
fn markers_bulk_idempotent_record_sets_and_missing_sequences_are_refused() {
    let broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    create_topic(&mut s, "bad");
    let pid = new_producer_id(&mut s);
    let marker = ControlRecord { kind: ControlType::Commit, coordinator_epoch: 0 }.build_batch(pid, 0, 0);
    let two = Bytes::from([batch(pid, 0, 0, 1), batch(pid, 0, 1, 1)].concat());
    for (what, records) in [("a control batch", marker), ("two batches", two), ("sequence -1", batch(pid, 0, -1, 1))] {
        assert_eq!(produce(&mut s, "bad", records).0, ErrorCode::INVALID_RECORD.code(), "{what}");
    }
    assert_eq!(list_offsets(&mut s, "bad", 0, -1), 0, "nothing was written");
    assert_eq!(produce(&mut s, "bad", batch(pid, 0, 0, 1)), (0, 0), "the producer goes on");
}

#[test]
fn idle_producers_expire_by_producer_id_expiration_ms() {
    let broker = Broker::start(&[
        "--set",
        "producer.id.expiration.ms=1000",
        "--set",
        "producer.id.expiration.check.interval.ms=200",
    ]);
    let mut s = connect(&broker.addr());
    create_topic(&mut s, "expiring");
    let pid = new_producer_id(&mut s);
    // The batch's timestamp is the producer's last activity: now.
    let mut b = BatchBuilder::new(Compression::None).producer(pid, 0, 0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let last_activity = Instant::now();
    b.push(now, None, Some(b"x"), &[]);
    assert_eq!(produce(&mut s, "expiring", b.build()).0, 0);
    assert_eq!(describe(&mut s, "expiring")[0].active_producers.len(), 1);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !describe(&mut s, "expiring")[0].active_producers.is_empty() {
        assert!(Instant::now() < deadline, "the producer was not expired");
        std::thread::sleep(Duration::from_millis(100));
    }
    let idle = last_activity.elapsed();
    assert!(idle >= Duration::from_millis(900), "expired after only {idle:?} of producer.id.expiration.ms=1000");
    // Forgotten: its next batch may start anywhere.
    assert_eq!(produce(&mut s, "expiring", batch(pid, 0, 42, 1)).0, 0);
}

/// An idempotent `client` producing 20,000 records through a proxy that
/// loses five produce responses (the records were stored; the client retries
/// them), while the broker is also SIGKILLed and restarted once: every record
/// ends up stored exactly once, in order.
fn exactly_once_across_lost_responses_and_a_broker_kill(client: &str) {
    const N: usize = 20_000;
    let proxy = LossyProxy::start();
    let advertised = format!("advertised.listeners=PLAINTEXT://{}", proxy.addr);
    let mut broker = Broker::start(&["--set", &advertised]);
    proxy.set_target(&broker.addr());
    let topic = format!("idem-{client}");
    create_topic(&mut connect(&broker.addr()), &topic);
    let acked_path = broker.dir.with_extension(format!("{client}.acked"));
    let mut producer = Command::new(strata_interop::python())
        .arg(script("acked_producer.py"))
        .args([&proxy.addr, &topic, &N.to_string()])
        .arg(&acked_path)
        .arg(format!("{client}-idempotent"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let acked = || std::fs::read_to_string(&acked_path).map(|s| s.lines().count()).unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(90);
    let wait_for = |count: usize| {
        while acked() < count {
            assert!(Instant::now() < deadline, "{client}: stuck at {} acknowledged:\n{}", acked(), broker.log_text());
            std::thread::sleep(Duration::from_millis(2));
        }
    };
    for k in 1..=5 {
        wait_for(k * N / 12);
        proxy.drop_next_response();
    }
    wait_for(N / 2);
    broker.kill();
    let killed_at = acked();
    std::thread::sleep(Duration::from_millis(300));
    broker.restart();
    let restarted = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = producer.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "{client}: the producer did not finish after the restart");
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = producer.wait_with_output().unwrap();
    assert!(status.success(), "{client}: {}\n{}", String::from_utf8_lossy(&output.stderr), broker.log_text());
    assert!(killed_at < N, "{client}: the kill came after the last acknowledgement");
    assert_eq!(proxy.dropped(), 5, "{client}: responses lost");
    let stored: Vec<usize> = run_script(&broker, "consume_all.py", &[&topic], Duration::from_secs(60))
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    let expected: Vec<usize> = (0..N).collect();
    if stored != expected {
        let dups = stored.len() - stored.iter().collect::<std::collections::HashSet<_>>().len();
        let ordered = stored.windows(2).all(|w| w[0] < w[1]);
        panic!("{client}: {} stored, {dups} duplicates, in order: {ordered}", stored.len());
    }
    println!(
        "{client}: 5 responses lost, SIGKILL at {killed_at} of {N} acknowledged; all {N} stored exactly once, \
         in order, {:.1} s after the restart",
        restarted.elapsed().as_secs_f64()
    );
}

#[test]
fn confluent_idempotent_producer_stores_each_record_once_despite_lost_responses_and_a_kill() {
    exactly_once_across_lost_responses_and_a_broker_kill("confluent");
}

#[test]
fn kafka_python_idempotent_producer_stores_each_record_once_despite_lost_responses_and_a_kill() {
    exactly_once_across_lost_responses_and_a_broker_kill("kafka-python");
}
