//! kcat (Debian 12's, on librdkafka 2.0.2) against the real broker:
//! metadata, produce with keys, headers and each codec, consume.

mod support;

use std::path::Path;
use std::time::Duration;
use support::{run_checked, Broker};

fn kcat(broker: &Broker, args: &[&str], stdin: &[u8]) -> String {
    let mut all = vec!["-b".to_string(), broker.addr()];
    all.extend(args.iter().map(|s| s.to_string()));
    if stdin.is_empty() {
        return run_checked(Path::new("kcat"), &all, Duration::from_secs(60), broker);
    }
    let out = strata_interop::run(
        Path::new("kcat"),
        &all.iter().map(String::as_str).collect::<Vec<_>>(),
        stdin,
        Duration::from_secs(60),
    );
    String::from_utf8(out).unwrap()
}

#[test]
fn metadata_produce_and_consume_with_every_codec() {
    let broker = Broker::start(&["--set", "num.partitions=3"]);
    let listing = kcat(&broker, &["-L"], b"");
    assert!(listing.contains("1 brokers:") && listing.contains(&format!("broker 1 at {}", broker.addr())), "{listing}");
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        let topic = format!("kcat-{codec}");
        let input: String = (0..500).map(|i| format!("key{i}:value-{i}\n")).collect();
        kcat(&broker, &["-P", "-t", &topic, "-p", "1", "-K:", "-z", codec, "-H", "origin=kcat"], input.as_bytes());
        let out =
            kcat(&broker, &["-C", "-t", &topic, "-p", "1", "-o", "beginning", "-e", "-f", "%p %o %k %s %h\n"], b"");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 500, "{codec}: {out}");
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(*line, format!("1 {i} key{i} value-{i} origin=kcat"), "{codec}");
        }
    }
    let listing = kcat(&broker, &["-L", "-t", "kcat-lz4"], b"");
    assert!(listing.contains("topic \"kcat-lz4\" with 3 partitions"), "auto-created with num.partitions=3: {listing}");
    let log = broker.log_text();
    assert!(!log.contains("WARN") && !log.contains("ERROR"), "the broker complained:\n{log}");
}
