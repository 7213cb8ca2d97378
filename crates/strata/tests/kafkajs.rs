//! kafkajs (its own protocol code) against the real broker: admin (create,
//! describe configs, offsets by time, delete), produce with acks -1, 1 and 0,
//! and a consumer group (kafkajs consumes only as a group member) with its
//! committed offsets, listing, description and deletion; transactions
//! read back by a read_committed member. The checks are in
//! node/kafkajs_e2e.js.

mod support;

use std::path::PathBuf;
use std::time::Duration;
use support::{run_checked_env, Broker};

#[test]
fn kafkajs_admin_produce_and_consumer_group() {
    let root = strata_interop::workspace_root();
    let modules = root.join("target/node/node_modules");
    assert!(modules.join("kafkajs").exists(), "{} lacks kafkajs: run scripts/test.sh once", modules.display());
    let broker = Broker::start(&[]);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node/kafkajs_e2e.js");
    let args = [script.display().to_string(), broker.addr()];
    let env = [("NODE_PATH", modules.as_path())];
    let out = run_checked_env(std::path::Path::new("node"), &args, &env, Duration::from_secs(120), &broker);
    assert!(out.contains("kafkajs ok"), "{out}");
}
