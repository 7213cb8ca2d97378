//! Consumer groups through the real binary, with confluent-kafka (current
//! librdkafka) and kafka-python: partitions spread over members and move
//! when one is SIGKILLed, every group gets every record, a crashed consumer
//! resumes at its last commit, cooperative-sticky moves only what must move,
//! a static member restarts without a rebalance, the group admin APIs answer
//! both clients' admin classes, offsets of an empty group expire, and
//! committed offsets survive a SIGKILL of the broker. The same scenarios run
//! with confluent-kafka's KIP-848 consumer protocol (`group.protocol=consumer`,
//! assignment by the broker), plus its admin view and regex subscriptions.
//! The checks are in python/groups_e2e.py.

mod support;

use std::time::Duration;
use support::{run_script, Broker};

const LIMIT: Duration = Duration::from_secs(150);

fn scenario(client: &str, name: &str) {
    scenario_on(&Broker::start(&[]), client, name);
}

fn scenario_on(broker: &Broker, client: &str, name: &str) {
    let out = run_script(broker, "groups_e2e.py", &[client, name], LIMIT);
    assert!(out.contains(&format!("{name} ok")), "{out}");
    println!("{client} {name}: {out}");
}

#[test]
fn confluent_partitions_spread_and_move_after_a_member_is_killed() {
    scenario("confluent", "spread");
}

#[test]
fn kafka_python_partitions_spread_and_move_after_a_member_is_killed() {
    scenario("kafka-python", "spread");
}

#[test]
fn confluent_two_groups_each_receive_every_record() {
    scenario("confluent", "broadcast");
}

#[test]
fn kafka_python_two_groups_each_receive_every_record() {
    scenario("kafka-python", "broadcast");
}

#[test]
fn confluent_consumer_resumes_after_its_last_commit() {
    scenario("confluent", "resume");
}

#[test]
fn kafka_python_consumer_resumes_after_its_last_commit() {
    scenario("kafka-python", "resume");
}

#[test]
fn confluent_cooperative_sticky_moves_only_what_must_move() {
    scenario("confluent", "cooperative");
}

#[test]
fn confluent_static_member_restarts_without_a_rebalance() {
    scenario("confluent", "static");
}

/// A broker whose KIP-848 sessions last 6 s and whose members heartbeat every 500 ms.
fn kip848_broker() -> Broker {
    Broker::start(&[
        "--set",
        "group.consumer.session.timeout.ms=6000",
        "--set",
        "group.consumer.heartbeat.interval.ms=500",
    ])
}

#[test]
fn kip848_partitions_spread_and_move_after_a_member_is_killed() {
    scenario_on(&kip848_broker(), "kip848", "spread");
}

#[test]
fn kip848_two_groups_each_receive_every_record() {
    scenario_on(&kip848_broker(), "kip848", "broadcast");
}

#[test]
fn kip848_consumer_resumes_after_its_last_commit() {
    scenario_on(&kip848_broker(), "kip848", "resume");
}

#[test]
fn kip848_a_new_member_takes_partitions_only_from_others() {
    scenario_on(&kip848_broker(), "kip848", "cooperative");
}

#[test]
fn kip848_static_member_that_closes_comes_back_without_a_rebalance() {
    scenario_on(&kip848_broker(), "kip848", "static");
}

#[test]
fn kip848_group_through_the_admin_client() {
    scenario_on(&kip848_broker(), "kip848", "consumer_admin");
}

#[test]
fn kip848_regex_subscription_follows_new_topics() {
    scenario_on(&kip848_broker(), "kip848", "regex");
}

#[test]
fn kip848_members_keep_their_partitions_across_a_broker_sigkill() {
    let mut broker = kip848_broker();
    let sync = tempfile::tempdir().unwrap();
    let mut driver = std::process::Command::new(strata_interop::python())
        .arg(support::script("groups_e2e.py"))
        .args([broker.addr().as_str(), "kip848", "survive"])
        .env("SYNC_DIR", sync.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + LIMIT;
    while !sync.path().join("ready").exists() {
        assert!(std::time::Instant::now() < deadline && driver.try_wait().unwrap().is_none(), "the group never formed");
        std::thread::sleep(Duration::from_millis(50));
    }
    broker.kill();
    broker.restart();
    std::fs::write(sync.path().join("restarted"), b"").unwrap();
    while driver.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = driver.kill();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = driver.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("survive ok"), "{text}\n--- broker log ---\n{}", broker.log_text());
    println!("{text}");
}

#[test]
fn group_admin_through_confluent_and_kafka_python_admin_clients() {
    scenario("both", "admin");
}

#[test]
fn offsets_of_an_empty_group_expire_after_the_retention() {
    let broker =
        Broker::start(&["--set", "offsets.retention.minutes=1", "--set", "offsets.retention.check.interval.ms=1000"]);
    scenario_on(&broker, "confluent", "expiry");
}

#[test]
fn committed_offsets_survive_a_broker_sigkill() {
    let mut broker = Broker::start(&[]);
    let out = run_script(&broker, "groups_e2e.py", &["confluent", "commit-fixed", "durable", "kept"], LIMIT);
    assert!(out.contains("committed"), "{out}");
    broker.kill();
    broker.restart();
    let out = run_script(&broker, "groups_e2e.py", &["confluent", "check-fixed", "durable", "kept"], LIMIT);
    assert!(out.contains("offsets survived"), "{out}");
}
