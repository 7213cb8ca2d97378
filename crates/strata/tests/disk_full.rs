//! A full disk, through the broker: writes past the limit are refused with
//! KAFKA_STORAGE_ERROR, nothing acknowledged is lost, the broker stays up and
//! other partitions keep working; offset commits past the limit are refused
//! and the last accepted one survives a restart. The checks are in
//! python/disk_full.py.

mod support;

use std::time::Duration;
use support::{run_script, Broker};

#[test]
fn a_full_partition_refuses_writes_and_loses_nothing() {
    let mut broker = Broker::start_with_file_size_limit(&[], 1 << 20);
    let out = run_script(&broker, "disk_full.py", &[], Duration::from_secs(120));
    assert!(out.contains("disk full ok"), "{out}");
    println!("{}", out.trim());
    assert!(broker.alive(), "the broker is still running");
    assert!(broker.log_text().contains("offline"), "the failure is logged:\n{}", broker.log_text());
}

#[test]
fn a_full_offsets_partition_refuses_commits_and_keeps_the_last_one() {
    let mut broker = Broker::start_with_file_size_limit(&[], 1 << 20);
    let out = run_script(&broker, "disk_full.py", &["commits"], Duration::from_secs(120));
    assert!(out.contains("commits full ok"), "{out}");
    let last = out.trim().rsplit(' ').next().unwrap().to_string();
    assert!(broker.alive(), "the broker is still running");
    broker.restart();
    let out = run_script(&broker, "disk_full.py", &["check-commit", &last], Duration::from_secs(60));
    assert!(out.contains("commit kept ok"), "{out}");
}
