//! The `strata` client subcommands against the real broker, run as a user
//! runs them (assert_cmd): topic, produce, consume, group, cluster, bench,
//! their tables and --json, and their one-line errors with a non-zero exit.

mod support;

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use support::Broker;

/// `strata ARGS` against `broker`, bounded to 60 s.
fn strata(broker: &Broker, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("strata").unwrap();
    cmd.args(args).env("STRATA_BROKERS", broker.addr()).env("RUST_LOG", "warn").timeout(Duration::from_secs(60));
    cmd
}

fn stdout(broker: &Broker, args: &[&str]) -> String {
    let out = strata(broker, args).output().unwrap();
    assert!(out.status.success(), "strata {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json_of(broker: &Broker, args: &[&str]) -> Value {
    serde_json::from_str(&stdout(broker, args)).unwrap()
}

/// Runs a failing command; returns its stderr, which must be one line.
fn error(broker: &Broker, args: &[&str]) -> String {
    let out = strata(broker, args).output().unwrap();
    assert!(!out.status.success(), "strata {args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn topic_subcommands() {
    let broker = Broker::start(&[]);
    let created = stdout(&broker, &["topic", "create", "orders", "-p", "3", "-c", "retention.ms=60000"]);
    assert_eq!(created, "created topic orders with 3 partitions\n");
    let list = stdout(&broker, &["topic", "list"]);
    assert!(list.starts_with("TOPIC") && list.contains("orders  3"), "{list}");
    let described = stdout(&broker, &["topic", "describe", "orders"]);
    assert!(described.contains("PARTITION  LEADER") && described.contains("retention.ms  60000"), "{described}");
    let json = json_of(&broker, &["topic", "describe", "orders", "--json"]);
    assert_eq!(json["partitions"].as_array().unwrap().len(), 3);
    assert_eq!(json["configs"]["retention.ms"], "60000");
    stdout(
        &broker,
        &["topic", "alter-config", "orders", "--set", "cleanup.policy=compact", "--delete", "retention.ms"],
    );
    let json = json_of(&broker, &["topic", "describe", "orders", "--json"]);
    assert_eq!(json["configs"], serde_json::json!({ "cleanup.policy": "compact" }));
    let listed = json_of(&broker, &["topic", "list", "--json"]);
    assert_eq!(listed[0]["name"], "orders");
    assert!(error(&broker, &["topic", "create", "orders"]).contains("TOPIC_ALREADY_EXISTS"));
    assert!(
        error(&broker, &["topic", "alter-config", "orders", "--set", "retention.ms=soon"]).contains("INVALID_CONFIG")
    );
    assert!(error(&broker, &["topic", "alter-config", "orders"]).contains("nothing to change"));
    assert_eq!(stdout(&broker, &["topic", "delete", "orders"]), "deleted topic orders\n");
    assert_eq!(error(&broker, &["topic", "describe", "orders"]), "strata: unknown topic orders\n");
    assert_eq!(error(&broker, &["topic", "delete", "orders"]), "strata: unknown topic orders\n");
}

#[test]
fn produce_and_consume_round_trip_with_keys_headers_and_positions() {
    let broker = Broker::start(&[]);
    stdout(&broker, &["topic", "create", "lines", "-p", "1"]);
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 - 1;
    strata(&broker, &["produce", "lines", "--key-separator", "::", "-H", "origin=cli", "--compression", "zstd"])
        .write_stdin("a::first\nb::second\nno key here\n\nc::has::two\n")
        .assert()
        .success();
    let formatted = stdout(&broker, &["consume", "lines", "-n", "5", "-f", "%o|%k|%v|%h\\n"]);
    assert_eq!(formatted, "0|a|first|origin=cli\n1|b|second|origin=cli\n2||no key here|origin=cli\n3|||origin=cli\n4|c|has::two|origin=cli\n");
    let records: Vec<Value> = stdout(&broker, &["consume", "lines", "--from", "3", "-n", "2", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records[0]["offset"], 3);
    assert_eq!(records[0]["key"], Value::Null);
    assert_eq!(records[1]["key"], "c");
    assert_eq!(records[1]["headers"]["origin"], "cli");
    assert!(records[1]["timestamp"].as_i64().unwrap() >= before);
    let by_time = stdout(&broker, &["consume", "lines", "--from", &format!("@{before}"), "-n", "1", "-f", "%o\\n"]);
    assert_eq!(by_time, "0\n");
    // --from end waits for new records: produce one while it waits.
    let waiting = std::thread::spawn({
        let mut cmd = strata(&broker, &["consume", "lines", "--from", "end", "-n", "1"]);
        move || cmd.output().unwrap()
    });
    std::thread::sleep(Duration::from_secs(2));
    strata(&broker, &["produce", "lines"]).write_stdin("tail\n").assert().success();
    let out = waiting.join().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "tail\n");
    assert!(error(&broker, &["consume", "lines", "--from", "yesterday"]).contains("--from yesterday"));
    assert!(error(&broker, &["consume", "lines", "-p", "9"]).contains("no partition 9"));
    let out = strata(&broker, &["produce", "lines", "-p", "9"]).write_stdin("x\n").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("topic lines has no partition 9"));
}

#[test]
fn group_subcommands() {
    let broker = Broker::start(&["--set", "group.initial.rebalance.delay.ms=100"]);
    stdout(&broker, &["topic", "create", "events", "-p", "2"]);
    strata(&broker, &["produce", "events", "--key-separator", "="])
        .write_stdin((0..10).map(|i| format!("k{i}=v{i}\n")).collect::<String>())
        .assert()
        .success();
    let read = stdout(&broker, &["consume", "events", "-g", "readers", "-n", "10"]);
    assert_eq!(read.lines().count(), 10);
    let list = stdout(&broker, &["group", "list"]);
    assert!(list.contains("readers") && list.contains("Empty") && list.contains("consumer"), "{list}");
    let described = json_of(&broker, &["group", "describe", "readers", "--json"]);
    let offsets = described["offsets"].as_array().unwrap();
    assert_eq!(offsets.iter().map(|o| o["committed"].as_i64().unwrap()).sum::<i64>(), 10);
    assert!(offsets.iter().all(|o| o["lag"] == 0));
    let table = stdout(&broker, &["group", "describe", "readers"]);
    assert!(table.contains("TOPIC   PARTITION  COMMITTED  END  LAG"), "{table}");
    let reset = stdout(&broker, &["group", "reset-offsets", "readers", "--topic", "events", "--to", "earliest"]);
    assert!(reset.contains("NEW_OFFSET"), "{reset}");
    let again = stdout(&broker, &["consume", "events", "-g", "readers", "-n", "10", "-f", "%k\\n"]);
    assert_eq!(again.lines().count(), 10, "the group reads everything again after the reset");
    let json = json_of(
        &broker,
        &["group", "reset-offsets", "readers", "--topic", "events", "--partition", "0", "--to", "1", "--json"],
    );
    assert_eq!(json["offsets"][0]["offset"], 1);
    assert_eq!(stdout(&broker, &["group", "delete", "readers"]), "deleted group readers\n");
    assert_eq!(error(&broker, &["group", "describe", "readers"]), "strata: unknown group readers\n");
    assert!(error(&broker, &["group", "reset-offsets", "x", "--topic", "events", "--to", "sometime"])
        .contains("--to sometime"));
    assert!(error(&broker, &["consume", "events", "-g", "g", "--from", "5"]).contains("with --group"));
}

#[test]
fn cluster_info_and_unreachable_brokers() {
    let broker = Broker::start(&[]);
    let info = stdout(&broker, &["cluster", "info"]);
    assert!(info.contains("controller: 1") && info.contains(&broker.port.to_string()), "{info}");
    let json = json_of(&broker, &["cluster", "info", "--json"]);
    assert_eq!(json["brokers"][0]["port"], broker.port);
    assert!(json["cluster_id"].is_string());
    for args in [&["cluster", "info"][..], &["topic", "list"], &["group", "list"]] {
        let mut all = args.to_vec();
        all.extend(["--brokers", "127.0.0.1:1"]);
        let err = error(&broker, &all);
        assert!(err.starts_with("strata: cannot reach broker 127.0.0.1:1"), "{err}");
    }
    let err = error(&broker, &["produce", "x", "--acks", "2"]);
    assert!(err.contains("acks must be 0, 1, all or -1"), "{err}");
    let err = error(&broker, &["produce", "x", "--compression", "brotli"]);
    assert!(err.contains("--compression"), "{err}");
}

#[test]
fn bench_subcommands_report_json_csv_and_plot() {
    let broker = Broker::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("latency.csv");
    let plot = dir.path().join("latency.svg");
    let produced = json_of(
        &broker,
        &[
            "bench",
            "produce",
            "--count",
            "20000",
            "--record-size",
            "512",
            "--partitions",
            "2",
            "--acks",
            "1",
            "--compression",
            "lz4",
            "--producers",
            "2",
            "--json",
            "--csv",
            csv.to_str().unwrap(),
            "--plot",
            plot.to_str().unwrap(),
        ],
    );
    assert_eq!(produced["records"], 20000);
    assert_eq!(produced["bytes"], 20000 * 512);
    for key in ["records_per_sec", "mb_per_sec", "p50_ms", "p99_ms", "p999_ms", "max_ms"] {
        assert!(produced[key].as_f64().unwrap() > 0.0, "{key}: {produced}");
    }
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with("latency_ms,percentile,count\n"));
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
    let consumed = json_of(&broker, &["bench", "consume", "--json"]);
    assert_eq!(consumed["records"], 20000, "reads everything the topic holds");
    let paced = json_of(&broker, &["bench", "produce", "--count", "2000", "--rate", "4000", "--json"]);
    assert!(paced["seconds"].as_f64().unwrap() >= 0.45, "--rate paces the producer: {paced}");
    let e2e = json_of(&broker, &["bench", "e2e", "--topic", "e2e", "--count", "3000", "--rate", "3000", "--json"]);
    assert_eq!(e2e["records"], 3000);
    assert!(e2e["p99_ms"].as_f64().unwrap() > 0.0);
    let timed = stdout(&broker, &["bench", "produce", "--topic", "timed", "--duration", "1"]);
    assert!(timed.starts_with("produce: ") && timed.contains("records/s") && timed.contains("p99.9"), "{timed}");
    for reference in ["tcp-to-file", "sendfile"] {
        let r = json_of(
            &broker,
            &["bench", reference, "--count", "20000", "--dir", dir.path().to_str().unwrap(), "--json"],
        );
        assert_eq!(r["bytes"], 20000 * 1024, "{reference}");
        assert!(r["mb_per_sec"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "the references remove their scratch files");
    assert!(error(&broker, &["bench", "consume", "--topic", "nothing-here"]).contains("unknown topic"));
}
