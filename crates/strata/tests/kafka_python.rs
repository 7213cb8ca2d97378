//! kafka-python (its own protocol code) against the real broker: admin,
//! every acks value with every codec, and consumers with assign, seek and
//! offsets_for_times; retention and compaction on the broker's schedule. The
//! checks are in python/kafka_python_e2e.py.

mod support;

use std::time::Duration;
use support::{run_script, Broker};

#[test]
fn admin_topics_and_configs() {
    let broker = Broker::start(&[]);
    let out = run_script(&broker, "kafka_python_e2e.py", &["admin"], Duration::from_secs(120));
    assert!(out.contains("admin ok"), "{out}");
}

#[test]
fn produce_with_each_acks_and_codec() {
    let broker = Broker::start(&[]);
    let out = run_script(&broker, "kafka_python_e2e.py", &["produce"], Duration::from_secs(240));
    assert!(out.contains("produce ok"), "{out}");
}

#[test]
fn consume_assign_seek_and_offsets_for_times() {
    let broker = Broker::start(&[]);
    let out = run_script(&broker, "kafka_python_e2e.py", &["consume"], Duration::from_secs(120));
    assert!(out.contains("consume ok"), "{out}");
}

#[test]
fn retention_and_compaction_run_on_schedule() {
    let broker =
        Broker::start(&["--set", "log.retention.check.interval.ms=200", "--set", "log.cleaner.backoff.ms=200"]);
    let out = run_script(&broker, "kafka_python_e2e.py", &["background"], Duration::from_secs(120));
    assert!(out.contains("background ok"), "{out}");
}
