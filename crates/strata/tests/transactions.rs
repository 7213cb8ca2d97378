//! Transactions against the real binary with confluent-kafka and kafka-python
//! transactional producers (`python/transactions_e2e.py`): commits and aborts
//! across partitions as read_committed and read_uncommitted consumers see
//! them, offsets sent in a transaction, fencing by a newer instance, a
//! transaction abandoned by a SIGKILLed producer aborted after its timeout
//! (also across a broker SIGKILL), an open transaction that survives a
//! broker SIGKILL and commits afterwards; a transaction after one aborted
//! with a lost Produce response (through a proxy), whose message librdkafka
//! gave its sequence number back; and the coordinator's answers on the wire
//! (FindCoordinator, errors, DescribeTransactions, ListTransactions, a batch
//! reusing an aborted transaction's sequence numbers, a late retry after an
//! abort refused by the leader's verification, KIP-890).

mod support;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use strata_protocol::generated::{FindCoordinatorRequest, ListTransactionsRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use support::proxy::LossyProxy;
use support::txn::{self, add_partitions, describe, end_txn, init, txn_batch, until_state};
use support::wire::{call, connect, create_topic, list_offsets, produce_as};
use support::{run_script, script, Broker};

const CLIENTS: [&str; 2] = ["confluent", "kafka-python"];

/// Runs a scenario of transactions_e2e.py; its JSON result.
fn scenario(broker: &Broker, name: &str, client: &str, args: &[&str]) -> Value {
    let mut all = vec![name, client];
    all.extend_from_slice(args);
    let out = run_script(broker, "transactions_e2e.py", &all, Duration::from_secs(120));
    let last = out.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{name} {client}: {e}: {out}"))
}

/// The values of a JSON array of strings.
fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap_or(&Vec::new()).iter().map(|s| s.as_str().unwrap_or_default().to_string()).collect()
}

/// "{prefix}{i}" for the i of `partition` among 30 records spread i % 3.
fn expected(prefix: &str, partition: usize) -> Vec<String> {
    (0..30).filter(|i| i % 3 == partition).map(|i| format!("{prefix}{i}")).collect()
}

#[test]
fn commits_and_aborts_across_partitions_as_each_isolation_level_sees_them() {
    let broker = Broker::start(&[]);
    for client in CLIENTS {
        let topic = format!("ca-{client}");
        let r = scenario(&broker, "commit_abort", client, &[&topic]);
        for p in 0..3 {
            let committed = strings(&r["read_committed"][p.to_string()]);
            assert_eq!(committed, [expected("c", p), expected("d", p)].concat(), "{client} read_committed {p}");
            let all = strings(&r["read_uncommitted"][p.to_string()]);
            assert_eq!(all, [expected("c", p), expected("a", p), expected("d", p)].concat(), "{client} {p}");
        }
    }
}

#[test]
fn offsets_sent_in_a_transaction_count_only_if_it_commits() {
    let broker = Broker::start(&[]);
    for client in CLIENTS {
        let (input, output, group) = (format!("in-{client}"), format!("out-{client}"), format!("g-{client}"));
        let r = scenario(&broker, "offsets", client, &[&input, &output, &group]);
        assert_eq!(
            r["committed"],
            serde_json::json!([10]),
            "{client}: the aborted transaction's offsets are not committed\n{}",
            broker.log_text()
        );
        let out: Vec<String> = (0..10).map(|i| format!("out{i}")).collect();
        assert_eq!(strings(&r["out"]["0"]), out, "{client}");
    }
}

#[test]
fn a_newer_instance_fences_the_old_one_and_aborts_its_transaction() {
    let broker = Broker::start(&[]);
    for client in CLIENTS {
        let topic = format!("fence-{client}");
        let r = scenario(&broker, "fence", client, &[&topic]);
        let error = r["a_error"].as_str().unwrap_or_else(|| panic!("{client}: the zombie's commit succeeded"));
        assert!(error.contains("ence"), "{client}: not a fencing error: {error}");
        assert_eq!(strings(&r["read_committed"]["0"]), ["b"], "{client}: the zombie's records are aborted");
    }
}

/// Runs a Python script that is expected to die (it SIGKILLs itself).
fn run_to_death(broker: &Broker, args: &[&str]) {
    let mut child = Command::new(strata_interop::python())
        .arg(script("transactions_e2e.py"))
        .arg(broker.addr())
        .args(args)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait(&mut child, Duration::from_secs(60));
}

fn wait(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("a producer script did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until partition 0's last stable offset passes `offset`; how long that took.
fn until_stable_past(broker: &Broker, topic: &str, offset: i64, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let lso = list_offsets(&mut connect(&broker.addr()), topic, 1, -1);
        if lso > offset {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "the last stable offset stayed at {lso}\n{}", broker.log_text());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_transaction_left_open_by_a_killed_producer_is_aborted_after_its_timeout() {
    let mut broker = Broker::start(&["--set", "transaction.abort.timed.out.transaction.cleanup.interval.ms=200"]);
    for (client, kill_broker) in [("confluent", false), ("kafka-python", true)] {
        let topic = format!("hang-{client}");
        create_topic(&mut connect(&broker.addr()), &topic);
        let started = Instant::now();
        run_to_death(&broker, &["hang", client, &topic]);
        let mut s = connect(&broker.addr());
        assert_eq!(list_offsets(&mut s, &topic, 0, -1), 1, "the record is written");
        assert_eq!(list_offsets(&mut s, &topic, 1, -1), 0, "the open transaction holds the last stable offset");
        if kill_broker {
            broker.kill();
            broker.restart();
        }
        let waited = until_stable_past(&broker, &topic, 1, Duration::from_secs(20));
        let since_start = started.elapsed();
        eprintln!("{client}: aborted {since_start:?} after the transaction began ({waited:?} after the producer died)");
        assert!(since_start >= Duration::from_millis(3000), "aborted before its 3 s timeout: {since_start:?}");
        let state = describe(&mut connect(&broker.addr()), &format!("{client}-hang"));
        assert_eq!((state.error_code, state.transaction_state.as_str()), (0, "CompleteAbort"));
        assert_eq!(state.producer_epoch, 1, "the abort fenced the producer (epoch 0 → 1)");
        let r = scenario(&broker, "commit_one", client, &[&topic, "after"]);
        assert_eq!(strings(&r["values"]), ["after"], "{client}: the abandoned record is aborted");
    }
}

#[test]
fn an_open_transaction_survives_a_broker_kill_and_commits_afterwards() {
    let mut broker = Broker::start(&[]);
    for client in CLIENTS {
        let topic = format!("open-{client}");
        create_topic(&mut connect(&broker.addr()), &topic);
        let dir = tempfile::tempdir().unwrap();
        let (ready, go) = (dir.path().join("ready"), dir.path().join("go"));
        let mut producer = Command::new(strata_interop::python())
            .arg(script("transactions_e2e.py"))
            .arg(broker.addr())
            .args(["open", client, &topic, "50"])
            .arg(&ready)
            .arg(&go)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_file(&ready, &mut producer);
        let txn = format!("{client}-open");
        let before = describe(&mut connect(&broker.addr()), &txn);
        assert_eq!(before.transaction_state, "Ongoing");
        assert_eq!(
            before.topics.iter().map(|t| (t.topic.as_str(), t.partitions.clone())).collect::<Vec<_>>(),
            [(topic.as_str(), vec![0])]
        );
        broker.kill();
        broker.restart();
        let after = describe(&mut connect(&broker.addr()), &txn);
        assert_eq!(after, before, "the coordinator's state after SIGKILL");
        assert_eq!(list_offsets(&mut connect(&broker.addr()), &topic, 1, -1), 0, "still open after the restart");
        std::fs::write(&go, b"").unwrap();
        let status = wait(&mut producer, Duration::from_secs(60));
        assert!(status.success(), "{client}: the commit after the restart failed\n{}", broker.log_text());
        until_stable_past(&broker, &topic, 49, Duration::from_secs(10));
        let committed =
            run_script(&broker, "consume_isolated.py", &[&topic, "read_committed"], Duration::from_secs(60));
        let expected: Vec<String> = (0..50).map(|i| format!("open-{i}")).collect();
        assert_eq!(committed.lines().collect::<Vec<_>>(), expected, "{client}");
    }
}

fn wait_for_file(path: &Path, producer: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        if let Some(status) = producer.try_wait().unwrap() {
            panic!("the producer exited early: {status}");
        }
        assert!(Instant::now() < deadline, "the producer did not open its transaction");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn list(s: &mut TcpStream, states: &[&str]) -> Vec<(String, String)> {
    let req = ListTransactionsRequest {
        state_filters: states.iter().map(|s| s.to_string()).collect(),
        duration_filter: -1,
        ..Default::default()
    };
    let ResponseBody::ListTransactions(r) = call(s, 1, RequestBody::ListTransactions(req)) else { panic!() };
    r.transaction_states.into_iter().map(|t| (t.transactional_id, t.transaction_state)).collect()
}

#[test]
fn the_coordinator_answers_on_the_wire() {
    let broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    create_topic(&mut s, "w");
    let (e, ..) = init(&mut s, 4, "w1", 60_000, (-1, -1));
    assert_eq!(e, ErrorCode::NOT_COORDINATOR.code(), "before FindCoordinator creates __transaction_state");
    let find = FindCoordinatorRequest { key_type: 1, coordinator_keys: vec!["w1".into()], ..Default::default() };
    let ResponseBody::FindCoordinator(r) = call(&mut s, 4, RequestBody::FindCoordinator(find)) else { panic!() };
    assert_eq!((r.coordinators[0].error_code, r.coordinators[0].port), (0, i32::from(broker.port)));
    let (e, ..) = init(&mut s, 4, "w1", 900_001, (-1, -1));
    assert_eq!(e, ErrorCode::INVALID_TRANSACTION_TIMEOUT.code());
    let (e, pid, epoch) = init(&mut s, 4, "w1", 60_000, (-1, -1));
    assert_eq!((e, epoch), (0, 0));
    assert_eq!(
        add_partitions(&mut s, 3, "w1", (pid, epoch), &[("w", 0), ("nope", 0)]),
        [ErrorCode::OPERATION_NOT_ATTEMPTED.code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code()]
    );
    assert_eq!(
        add_partitions(&mut s, 3, "w1", (pid + 1, epoch), &[("w", 0)]),
        [ErrorCode::INVALID_PRODUCER_ID_MAPPING.code()]
    );
    assert_eq!(add_partitions(&mut s, 3, "w1", (pid, epoch), &[("w", 0)]), [0]);
    assert_eq!(list(&mut s, &["Ongoing"]), [("w1".to_string(), "Ongoing".to_string())]);
    // A second instance fences the first: its open transaction is aborted.
    let (e, ..) = init(&mut s, 4, "w1", 60_000, (-1, -1));
    assert_eq!(e, ErrorCode::CONCURRENT_TRANSACTIONS.code(), "the open transaction is aborted first");
    let deadline = Instant::now() + Duration::from_secs(10);
    while describe(&mut s, "w1").transaction_state != "CompleteAbort" {
        assert!(Instant::now() < deadline, "the abort did not complete");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (e, pid2, epoch2) = init(&mut s, 4, "w1", 60_000, (-1, -1));
    assert_eq!((e, pid2, epoch2), (0, pid, 2), "fenced once for the abort, once for the new instance");
    assert_eq!(end_txn(&mut s, 3, "w1", (pid, epoch), true), ErrorCode::PRODUCER_FENCED.code());
    assert_eq!(
        end_txn(&mut s, 1, "w1", (pid, epoch), true),
        ErrorCode::INVALID_PRODUCER_EPOCH.code(),
        "v1 has no PRODUCER_FENCED"
    );
    assert_eq!(end_txn(&mut s, 3, "w1", (pid2, epoch2), true), ErrorCode::INVALID_TXN_STATE.code(), "nothing is open");
    assert_eq!(list(&mut s, &["Ongoing"]), []);
    assert_eq!(list(&mut s, &[]), [("w1".to_string(), "Empty".to_string())]);
    let missing = describe(&mut s, "nobody");
    assert_eq!(missing.error_code, ErrorCode::TRANSACTIONAL_ID_NOT_FOUND.code());
}

/// librdkafka gives back at an abort the sequence numbers of the messages
/// it purges, even of one it had sent and that may have been written; the
/// next transaction's batch with those numbers must not be answered as a
/// duplicate of the aborted one (it would be reported written and lost).
#[test]
fn a_batch_reusing_an_aborted_transactions_sequence_numbers_is_refused() {
    let broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    create_topic(&mut s, "reuse");
    let find = FindCoordinatorRequest { key_type: 1, coordinator_keys: vec!["r1".into()], ..Default::default() };
    let ResponseBody::FindCoordinator(r) = call(&mut s, 4, RequestBody::FindCoordinator(find)) else { panic!() };
    assert_eq!(r.coordinators[0].error_code, 0);
    let (e, pid, epoch) = init(&mut s, 4, "r1", 60_000, (-1, -1));
    assert_eq!(e, 0);
    let ids = (pid, epoch);
    assert_eq!(add_partitions(&mut s, 3, "r1", ids, &[("reuse", 0)]), [0]);
    let produce = |s: &mut TcpStream, records| produce_as(s, Some("r1"), "reuse", records);
    assert_eq!(produce(&mut s, txn_batch(ids, 0, "aborted")), (0, 0));
    assert_eq!(produce(&mut s, txn_batch(ids, 0, "aborted")), (0, 0), "a retry in the transaction");
    assert_eq!(end_txn(&mut s, 3, "r1", ids, false), 0);
    until_state(&mut s, "r1", "CompleteAbort");
    assert_eq!(add_partitions(&mut s, 3, "r1", ids, &[("reuse", 0)]), [0]);
    let reused = produce(&mut s, txn_batch(ids, 0, "next"));
    assert_eq!(reused.0, ErrorCode::UNKNOWN_PRODUCER_ID.code(), "so that the producer bumps its epoch");
    assert_eq!(list_offsets(&mut s, "reuse", 0, -1), 2, "the aborted record and its marker only");
    assert_eq!(produce(&mut s, txn_batch(ids, 1, "next")), (0, 2), "the next sequence number");
    assert_eq!(end_txn(&mut s, 3, "r1", ids, true), 0);
}

/// KIP-890: a batch for a partition never added to the transaction, and a
/// late retry of a batch of an aborted transaction, are refused with
/// INVALID_TXN_STATE instead of opening a transaction that no marker ends.
/// With `transaction.partition.verification.enable=false` both are written,
/// and the late one holds read_committed consumers back for good: the
/// hazard is real. (`cluster.rs` plays it with the coordinator on another
/// broker than the partition leader.)
#[test]
fn a_late_retry_after_an_abort_opens_no_transaction_that_never_ends() {
    for verify in [true, false] {
        let setting = format!("transaction.partition.verification.enable={verify}");
        let metrics = format!("127.0.0.1:{}", support::free_port());
        let broker = Broker::start(&["--set", &setting, "--metrics-listen", &metrics]);
        let mut s = connect(&broker.addr());
        create_topic(&mut s, "late");
        create_topic(&mut s, "other");
        txn::late_retry(&broker.addr(), &broker.addr(), "l1", verify);
        // Four first batches were verified (the first, the one not added, the
        // late retry, the next transaction's); two were refused.
        let body = support::scrape(&metrics);
        let verifications = "kafka_server_addpartitionstotxnmanager_verification_time_ms_count";
        assert_eq!(support::sample(&body, verifications), Some(if verify { 4 } else { 0 }), "{body}");
        let failures = "kafka_server_addpartitionstotxnmanager_verification_failures_total";
        assert_eq!(support::sample(&body, failures), Some(if verify { 2 } else { 0 }), "{body}");
    }
}

/// KIP-890 for offsets: a late TxnOffsetCommit after an abort is refused
/// instead of leaving offsets pending that no marker ends (with
/// verification off, stable-offset fetches answer UNSTABLE_OFFSET_COMMIT
/// for good).
#[test]
fn a_late_offset_commit_after_an_abort_leaves_no_offsets_pending() {
    for verify in [true, false] {
        let setting = format!("transaction.partition.verification.enable={verify}");
        let broker = Broker::start(&["--set", &setting]);
        create_topic(&mut connect(&broker.addr()), "late");
        txn::late_offsets(&broker.addr(), &broker.addr(), "o1", "g1", verify);
    }
}

/// The same through confluent-kafka: a Produce response is lost, the
/// transaction is aborted while its message waits to be retried, and
/// librdkafka reuses that message's sequence number in the next
/// transaction. Every transaction the client saw commit is read back whole.
#[test]
fn a_transaction_after_one_aborted_with_a_lost_response_commits_only_what_was_written() {
    let proxy = LossyProxy::start();
    let advertised = format!("advertised.listeners=PLAINTEXT://{}", proxy.addr);
    let broker = Broker::start(&["--set", &advertised]);
    proxy.set_target(&broker.addr());
    create_topic(&mut connect(&broker.addr()), "lost");
    let (armed, lost) = (broker.dir.with_extension("armed"), broker.dir.with_extension("lost"));
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !armed.exists() {
                assert!(Instant::now() < deadline, "the script did not arm the proxy");
                std::thread::sleep(Duration::from_millis(5));
            }
            proxy.drop_next_produce_response();
            while proxy.dropped() == 0 {
                assert!(Instant::now() < deadline, "no Produce response was lost");
                std::thread::sleep(Duration::from_millis(5));
            }
            std::fs::write(&lost, "").unwrap();
        });
        let (armed, lost) = (armed.to_str().unwrap(), lost.to_str().unwrap());
        scenario(&broker, "reuse", "confluent", &["lost", armed, lost])
    });
    let uncommitted = strings(&result["read_uncommitted"]["0"]);
    assert!(uncommitted.contains(&"lost-response".to_string()), "the record was written: {result}");
    let committed: Vec<String> = ["first", "lost-response", "reusing", "after"]
        .into_iter()
        .filter(|v| result["committed"][v].as_bool().unwrap())
        .map(String::from)
        .collect();
    assert_eq!(strings(&result["read_committed"]["0"]), committed, "{result}");
    assert_eq!(committed, ["first", "after"], "the reusing batch was refused and its transaction aborted: {result}");
}

#[test]
fn an_idle_transactional_id_expires() {
    let broker = Broker::start(&[
        "--set",
        "transactional.id.expiration.ms=1000",
        "--set",
        "transaction.remove.expired.transaction.cleanup.interval.ms=100",
    ]);
    let mut s = connect(&broker.addr());
    let find = FindCoordinatorRequest { key_type: 1, coordinator_keys: vec!["idle".into()], ..Default::default() };
    call(&mut s, 4, RequestBody::FindCoordinator(find));
    let (e, pid, _) = init(&mut s, 4, "idle", 60_000, (-1, -1));
    assert_eq!(e, 0);
    let started = Instant::now();
    assert_eq!(describe(&mut s, "idle").transaction_state, "Empty");
    while describe(&mut s, "idle").error_code != ErrorCode::TRANSACTIONAL_ID_NOT_FOUND.code() {
        assert!(started.elapsed() < Duration::from_secs(10), "the idle id never expired");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(started.elapsed() >= Duration::from_millis(900), "expired after {:?}", started.elapsed());
    let (e, again, epoch) = init(&mut s, 4, "idle", 60_000, (-1, -1));
    assert_eq!(e, 0);
    assert!(again != pid && epoch == 0, "a forgotten id starts over with a new producer id");
}
