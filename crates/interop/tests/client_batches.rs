//! Record batches written by real Kafka clients, with each codec, decode and
//! validate in strata-records: kcat (Debian's, librdkafka 2.0.2),
//! confluent-kafka (current librdkafka) and kafka-python (its own record code).
//! The clients produce to the capture broker, which speaks strata's codec.

use std::path::Path;
use std::time::Duration;

use strata_interop::capture::CaptureBroker;
use strata_interop::{python, run, script};
use strata_records::{Batches, Compression};

const COUNT: usize = 200;
const CAP: usize = 64 << 20;

/// (key, value, headers) as the clients write record `i` (see python/produce.py).
type Expected = (Option<Vec<u8>>, Option<Vec<u8>>, Vec<(String, Vec<u8>)>);

fn expected(i: usize, nulls: bool) -> Expected {
    let key = if nulls && i % 10 == 3 { None } else { Some(format!("key-{i}").into_bytes()) };
    let value = if nulls && i % 10 == 5 { None } else { Some(format!("value-{i} ").repeat(10 + i % 7).into_bytes()) };
    let headers = if i.is_multiple_of(5) {
        vec![("h".into(), i.to_string().into_bytes()), ("h".into(), b"dup".to_vec())]
    } else {
        vec![]
    };
    (key, value, headers)
}

/// Decodes everything the broker captured for `topic`, checking each batch.
fn received(broker: &CaptureBroker, topic: &str, codec: Compression) -> (Vec<Expected>, Vec<i16>) {
    let mut records = Vec::new();
    let mut versions = Vec::new();
    for p in broker.produced().into_iter().filter(|p| p.topic == topic) {
        versions.push(p.version);
        for batch in Batches::new(p.records) {
            let batch = batch.expect("a whole batch");
            batch.validate_crc().expect("CRC");
            assert_eq!(batch.header.attributes.compression().unwrap(), codec, "{topic}");
            batch.validate_for_append(CAP).expect("valid for append");
            let data = batch.records_data(CAP).unwrap();
            for r in batch.records(&data) {
                let r = r.unwrap();
                let headers = r.headers.map(|h| (h.key.to_string(), h.value.unwrap_or_default().to_vec())).collect();
                records.push((r.key.map(<[u8]>::to_vec), r.value.map(<[u8]>::to_vec), headers));
            }
        }
    }
    (records, versions)
}

fn python_client(client: &str) {
    let broker = CaptureBroker::start();
    for codec in Compression::ALL {
        let topic = format!("{client}-{}", codec.name());
        let script = script("produce.py");
        let args = [script.to_str().unwrap(), client, codec.name(), &broker.address(), &topic, "200"];
        run(&python(), &args, b"", Duration::from_secs(90));
        let (records, versions) = received(&broker, &topic, codec);
        let want: Vec<Expected> = (0..COUNT).map(|i| expected(i, true)).collect();
        assert_eq!(records, want, "{client} {codec:?}");
        eprintln!("{client} {}: {} records in produce v{:?}", codec.name(), records.len(), versions.first());
    }
}

#[test]
fn confluent_kafka_batches_with_every_codec() {
    python_client("confluent");
}

#[test]
fn kafka_python_batches_with_every_codec() {
    python_client("kafka-python");
}

#[test]
fn kcat_batches_with_every_codec() {
    let kcat = Path::new("/usr/bin/kcat");
    assert!(kcat.exists(), "kcat is missing: run `scripts/test.sh` once (it installs Debian's kcat)");
    let broker = CaptureBroker::start();
    // kcat reads "key:value" lines; headers apply to every record.
    let input: String =
        (0..COUNT).map(|i| format!("key-{i}:{}\n", format!("value-{i} ").repeat(10 + i % 7).trim_end())).collect();
    for codec in Compression::ALL {
        let topic = format!("kcat-{}", codec.name());
        let args = [
            "-P",
            "-b",
            &broker.address(),
            "-t",
            &topic,
            "-z",
            codec.name(),
            "-K",
            ":",
            "-H",
            "h=1",
            "-H",
            "h=dup",
            "-X",
            "linger.ms=200",
        ];
        run(kcat, &args, input.as_bytes(), Duration::from_secs(60));
        let (records, _) = received(&broker, &topic, codec);
        let want: Vec<Expected> = (0..COUNT)
            .map(|i| {
                let value = format!("value-{i} ").repeat(10 + i % 7).trim_end().as_bytes().to_vec();
                (
                    Some(format!("key-{i}").into_bytes()),
                    Some(value),
                    vec![("h".into(), b"1".to_vec()), ("h".into(), b"dup".to_vec())],
                )
            })
            .collect();
        assert_eq!(records, want, "kcat {codec:?}");
    }
}
