//! SIGKILL of the broker during an acks=all produce of 100,000 records: after
//! a restart, every acknowledged record is there exactly once, in order.

mod support;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{run_script, script, Broker};

#[test]
fn acknowledged_records_survive_sigkill() {
    let mut broker = Broker::start(&[]);
    let acked_path = broker.dir.with_extension("acked");
    let mut producer = Command::new(strata_interop::python())
        .arg(script("acked_producer.py"))
        .args([&broker.addr(), "crash", "100000"])
        .arg(&acked_path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let acked_count = || std::fs::read_to_string(&acked_path).map(|s| s.lines().count()).unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked_count() < 30_000 {
        assert!(Instant::now() < deadline, "the producer did not get 30,000 acknowledgements:\n{}", broker.log_text());
        std::thread::sleep(Duration::from_millis(5));
    }
    broker.kill();
    let killed_at = acked_count();
    let deadline = Instant::now() + Duration::from_secs(90);
    while producer.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the producer did not finish after the kill");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(producer.wait().unwrap().success());
    let acked: Vec<u64> = std::fs::read_to_string(&acked_path).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    assert!(
        acked.len() >= killed_at && acked.len() < 100_000,
        "{} acknowledged; the kill came mid-stream",
        acked.len()
    );

    broker.restart();
    let stored: Vec<u64> = run_script(&broker, "consume_all.py", &["crash"], Duration::from_secs(120))
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(stored.windows(2).all(|w| w[0] < w[1]), "records are in produce order and none is stored twice");
    let stored: HashSet<u64> = stored.into_iter().collect();
    let missing: Vec<&u64> = acked.iter().filter(|v| !stored.contains(v)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged records lost, first {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    println!("{} acknowledged before and around the kill, {} stored after the restart", acked.len(), stored.len());
}
