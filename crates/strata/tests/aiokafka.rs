//! aiokafka (asyncio, its own protocol code) against the real broker: admin,
//! produce with each acks value and several codecs, assign, seek,
//! offsets_for_times, and transactions read back with read_committed. The
//! checks are in python/aiokafka_e2e.py.

mod support;

use std::time::Duration;
use support::{run_script, Broker};

#[test]
fn aiokafka_produces_and_consumes() {
    let broker = Broker::start(&[]);
    let out = run_script(&broker, "aiokafka_e2e.py", &[], Duration::from_secs(120));
    assert!(out.contains("aiokafka ok"), "{out}");
}
