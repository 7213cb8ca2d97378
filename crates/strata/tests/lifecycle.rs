//! The broker as an operator runs it: settings from every source, restarts
//! (clean and SIGKILL) that keep topics and their data, clean shutdown on
//! SIGTERM, and clear errors for bad settings.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{http, run_checked, run_script, sample, scrape, Broker};

fn kcat(broker: &Broker, args: &[&str]) -> String {
    let mut all = vec!["-b".to_string(), broker.addr()];
    all.extend(args.iter().map(|s| s.to_string()));
    run_checked(Path::new("kcat"), &all, Duration::from_secs(60), broker)
}

fn produce(broker: &Broker, topic: &str, lines: &str) {
    let out = strata_interop::run(
        Path::new("kcat"),
        &["-b", &broker.addr(), "-P", "-t", topic],
        lines.as_bytes(),
        Duration::from_secs(60),
    );
    assert!(out.is_empty());
}

fn describe(broker: &Broker, topic: &str) -> String {
    run_script(broker, "admin.py", &["describe", topic], Duration::from_secs(60))
}

#[test]
fn topics_configs_and_data_survive_restarts() {
    let mut broker = Broker::start(&[]);
    run_script(
        &broker,
        "admin.py",
        &["create", "kept", "4", "retention.ms=12345", "cleanup.policy=compact,delete"],
        Duration::from_secs(60),
    );
    run_script(&broker, "admin.py", &["create", "dropped", "1"], Duration::from_secs(60));
    produce(&broker, "kept", "a\nb\nc\n");
    produce(&broker, "dropped", "x\n");
    run_script(&broker, "admin.py", &["delete", "dropped"], Duration::from_secs(60));
    let before = describe(&broker, "kept");
    assert!(before.contains("\"partitions\": 4") && before.contains("\"retention.ms\": \"12345\""), "{before}");

    broker.kill();
    broker.restart();
    assert_eq!(describe(&broker, "kept"), before, "after SIGKILL");
    assert!(describe(&broker, "dropped").contains("\"exists\": false"), "a deleted topic stays deleted");
    let data = kcat(&broker, &["-C", "-t", "kept", "-o", "beginning", "-e", "-q", "-f", "%s\n"]);
    let mut values: Vec<&str> = data.lines().collect();
    values.sort();
    assert_eq!(values, ["a", "b", "c"]);
    // A topic recreated under a deleted one's name starts empty.
    run_script(&broker, "admin.py", &["create", "dropped", "1"], Duration::from_secs(60));
    let fresh = kcat(&broker, &["-C", "-t", "dropped", "-o", "beginning", "-e", "-q", "-f", "%s\n"]);
    assert_eq!(fresh, "", "no data of the deleted topic comes back");

    let status = broker.terminate(Duration::from_secs(15));
    assert!(status.success(), "SIGTERM exits 0: {status}");
    assert!(broker.log_text().contains("shut down cleanly"), "{}", broker.log_text());
    assert!(broker.dir.join("kept-0/.strata_cleanshutdown").exists(), "a clean shutdown leaves the clean marker");
    broker.restart();
    assert_eq!(describe(&broker, "kept"), before, "after SIGTERM");
}

#[test]
fn settings_come_from_file_environment_and_flags_in_that_order() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("strata.toml");
    std::fs::write(&file, "num.partitions = 2\nlog.retention.ms = 1000\n[auto.create.topics]\nenable = true\n")
        .unwrap();
    let cfg = file.display().to_string();

    let b = Broker::start(&["--config", &cfg]);
    produce(&b, "from-file", "x\n");
    assert!(kcat(&b, &["-L", "-t", "from-file"]).contains("with 2 partitions"));
    drop(b);

    let b = Broker::start_with_env(&["--config", &cfg], &[("STRATA_NUM_PARTITIONS", "3")]);
    produce(&b, "from-env", "x\n");
    assert!(kcat(&b, &["-L", "-t", "from-env"]).contains("with 3 partitions"), "the environment overrides the file");
    drop(b);

    let b = Broker::start(&["--config", &cfg, "--set", "num.partitions=5", "--set", "auto.create.topics.enable=false"]);
    let out =
        strata_interop::run(Path::new("kcat"), &["-b", &b.addr(), "-L", "-t", "never"], b"", Duration::from_secs(30));
    let listing = String::from_utf8(out).unwrap();
    assert!(listing.contains("Broker: Unknown topic or partition"), "no auto-creation: {listing}");
    run_script(&b, "admin.py", &["create", "set", "-1"], Duration::from_secs(60));
    assert!(
        kcat(&b, &["-L", "-t", "set"]).contains("with 5 partitions"),
        "--set overrides the file, and -1 means num.partitions"
    );
}

#[test]
fn metrics_are_served_for_prometheus_by_kafkas_names() {
    let metrics = format!("127.0.0.1:{}", support::free_port());
    let broker = Broker::start(&["--metrics-listen", &metrics]);
    kcat(&broker, &["-L"]);
    let lines: String = (0..200).map(|i| format!("record-{i}\n")).collect();
    produce(&broker, "watched", &lines);
    let read = kcat(&broker, &["-C", "-t", "watched", "-o", "beginning", "-e", "-q"]);
    assert_eq!(read.lines().count(), 200);
    let body = scrape(&metrics);
    let topic = |name: &str| sample(&body, &format!("kafka_server_brokertopicmetrics_{name}{{topic=\"watched\"}}"));
    assert_eq!(topic("messages_in_total"), Some(200), "{body}");
    let bytes_in = topic("bytes_in_total").unwrap();
    assert!(bytes_in > 200 * "record-0".len() as u64, "{body}");
    // The consumer read every batch once, as it was written.
    assert_eq!(topic("bytes_out_total"), Some(bytes_in), "{body}");
    assert_eq!(topic("replication_bytes_out_total"), Some(0), "{body}");
    let log = |name: &str| sample(&body, &format!("kafka_log_log_{name}{{topic=\"watched\",partition=\"0\"}}"));
    assert_eq!((log("log_start_offset"), log("log_end_offset")), (Some(0), Some(200)), "{body}");
    assert_eq!((log("size"), log("num_log_segments")), (Some(bytes_in), Some(1)), "{body}");
    let requests =
        |api: &str| sample(&body, &format!("kafka_network_requestmetrics_requests_total{{request=\"{api}\"}}"));
    assert!(requests("Produce").is_some_and(|n| n >= 1) && requests("Fetch").is_some_and(|n| n >= 1), "{body}");
    // Every Produce was answered: each is in the time histogram, its buckets cumulative.
    let time = "kafka_network_requestmetrics_total_time_ms";
    assert_eq!(sample(&body, &format!("{time}_count{{request=\"Produce\"}}")), requests("Produce"), "{body}");
    let buckets: Vec<u64> = body
        .lines()
        .filter(|l| l.starts_with(&format!("{time}_bucket{{request=\"Produce\"")))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), 15, "{body}");
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]) && buckets.last().copied() == requests("Produce"), "{body}");
    let gauge = |name: &str| sample(&body, name);
    assert_eq!(gauge("kafka_server_replicamanager_partition_count"), Some(1), "{body}");
    assert_eq!(gauge("kafka_server_replicamanager_leader_count"), Some(1), "{body}");
    assert_eq!(gauge("kafka_server_replicamanager_under_replicated_partitions"), Some(0), "{body}");
    assert_eq!(gauge("kafka_controller_kafkacontroller_active_controller_count"), Some(1), "{body}");
    assert_eq!(gauge("kafka_controller_kafkacontroller_global_topic_count"), Some(1), "{body}");
    // The Prometheus client's own parser reads it, each family of its type.
    let parsed = run_script(&broker, "prometheus_scrape.py", &[&metrics], Duration::from_secs(60));
    for family in [
        "kafka_server_brokertopicmetrics_messages_in counter",
        "kafka_network_requestmetrics_requests counter",
        "kafka_network_requestmetrics_total_time_ms histogram",
        "kafka_server_replicamanager_under_replicated_partitions gauge",
        "kafka_log_log_log_end_offset gauge",
        "kafka_controller_kafkacontroller_active_controller_count gauge",
    ] {
        assert!(parsed.lines().any(|l| l.starts_with(family)), "{family} in:\n{parsed}");
    }
    // Anything but GET /metrics gets a clear answer; a head without end is cut off.
    assert!(http(&metrics, b"GET / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
    assert!(http(&metrics, b"POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
    assert!(http(&metrics, b"\x00\x01 not http\r\n\r\n").starts_with("HTTP/1.1 400 "));
    assert_eq!(http(&metrics, &[b'a'; 20_000]), "");
    assert!(sample(&scrape(&metrics), "kafka_server_replicamanager_leader_count").is_some());
}

#[test]
fn bad_settings_and_a_shared_data_dir_are_clear_errors() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_strata")).arg("server").args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, err) = run(&["--set", "num.partitions=lots", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("num.partitions") && err.contains("lots"), "{err}");
    let (code, err) = run(&["--set", "retention.lightyears=1"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("unknown config 'retention.lightyears'"), "{err}");
    let (code, err) = run(&["--set", "novalue"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("NAME=VALUE"), "{err}");

    let (code, err) = run(&["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:nope"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("metrics.listen") && err.contains("'127.0.0.1:nope' is not HOST:PORT"), "{err}");

    let broker = Broker::start(&[]);
    let (code, err) = run(&["--listen", "127.0.0.1:0", "--data-dir", broker.dir.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("another broker is using the data directory"), "{err}");
}

#[test]
fn starts_quickly_on_an_empty_data_dir() {
    let started = Instant::now();
    let broker = Broker::start(&[]);
    let elapsed = started.elapsed();
    println!("listening {elapsed:?} after spawn");
    assert!(kcat(&broker, &["-L"]).contains("1 brokers"));
}

#[test]
fn sigterm_finishes_in_flight_requests() {
    use std::io::Write;
    use strata_protocol::generated::fetch_request::{FetchPartition, FetchTopic};
    use strata_protocol::generated::{FetchRequest, MetadataRequest};
    use strata_protocol::{ApiKey, RequestBody, ResponseBody};
    use support::wire::{call, connect, frame, read_frame};

    let mut broker = Broker::start(&["--set", "num.partitions=1"]);
    produce(&broker, "t", "x\n");
    let mut s = connect(&broker.addr());
    let ResponseBody::Metadata(_) =
        call(&mut s, 12, RequestBody::Metadata(MetadataRequest { topics: None, ..Default::default() }))
    else {
        panic!()
    };
    // A long poll at the end of the partition, in flight when SIGTERM arrives.
    let poll = FetchRequest {
        max_wait_ms: 1500,
        min_bytes: 1,
        max_bytes: 1 << 20,
        session_epoch: -1,
        topics: vec![FetchTopic {
            topic: "t".into(),
            partitions: vec![FetchPartition { fetch_offset: 1, partition_max_bytes: 1 << 20, ..Default::default() }],
            ..Default::default()
        }],
        ..Default::default()
    };
    s.write_all(&frame(11, 42, &RequestBody::Fetch(poll))).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = broker.pid();
    let waiter = std::thread::spawn(move || {
        // SAFETY: signalling the broker child process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    });
    let response = read_frame(&mut s).expect("the in-flight fetch is answered before the broker exits");
    let (header, _) = strata_protocol::frame::decode_response(ApiKey::Fetch, 11, response).unwrap();
    assert_eq!(header.correlation_id, 42);
    waiter.join().unwrap();
    let status = broker.terminate_wait(Duration::from_secs(15));
    assert!(status.success(), "{status}");
}
