//! strata-client and confluent-kafka (a current librdkafka) on each side:
//! what strata-client produces, confluent-kafka reads identically (keys,
//! values, headers, timestamps, partitions, offsets); what confluent-kafka
//! produces with partitioner=murmur2_random, strata-client reads
//! identically, and keyed records sit where strata's partitioner puts them.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use strata_client::admin::NewTopic;
use strata_client::consumer::OffsetReset;
use strata_client::partitioner::partition_for_key;
use strata_client::{
    Admin, ClientConfig, Compression, Consumer, ConsumerConfig, Producer, ProducerConfig, ProducerRecord,
    TopicPartition,
};
use support::{run_script, Broker};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

async fn create(broker: &Broker, name: &str, partitions: i32) {
    let admin = Admin::new(ClientConfig::new(&broker.addr())).unwrap();
    let topic = NewTopic { name: name.into(), partitions, replication_factor: 1, configs: vec![] };
    admin.create_topic(&topic).await.unwrap();
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// The record as the script prints it, keyed by its key.
fn by_key(lines: &str) -> BTreeMap<String, Value> {
    lines
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| (v["key"].as_str().unwrap().to_string(), v))
        .collect()
}

#[test]
fn confluent_reads_what_strata_client_wrote() {
    let broker = Broker::start(&[]);
    let mut expected = BTreeMap::new();
    runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(60), async {
            create(&broker, "from-strata", 4).await;
            let mut config = ProducerConfig::new(&broker.addr());
            config.compression = Compression::Snappy;
            let producer = Producer::new(config).unwrap();
            for i in 0..200 {
                let (key, value) = (format!("strata-key-{i}"), format!("value {i} \u{00ff}"));
                let n = i.to_string();
                let headers = [("n", Some(n.as_bytes())), ("null", None)];
                let ts = 1_760_000_000_000 + i;
                let record = ProducerRecord::new("from-strata", value.as_bytes())
                    .key(key.as_bytes())
                    .headers(&headers)
                    .timestamp(ts);
                let meta = producer.send(record).await.unwrap().await.unwrap();
                expected.insert(
                    key.clone(),
                    json!({
                        "partition": meta.partition, "offset": meta.offset, "key": key,
                        "value": latin1(value.as_bytes()), "headers": [["n", n], ["null", null]], "timestamp": ts,
                    }),
                );
            }
            producer.close().await;
        })
        .await
        .expect("in time");
    });
    let out = run_script(&broker, "client_interop.py", &["read", "from-strata", "200"], Duration::from_secs(90));
    let read = by_key(&out);
    assert_eq!(read.len(), expected.len());
    for (key, record) in &expected {
        assert_eq!(&read[key], record, "{key}");
    }
}

#[test]
fn strata_client_reads_what_confluent_wrote_on_the_same_partitions() {
    let broker = Broker::start(&[]);
    runtime().block_on(create(&broker, "from-confluent", 6));
    let out = run_script(&broker, "client_interop.py", &["write", "from-confluent", "300"], Duration::from_secs(90));
    let written = by_key(&out);
    assert_eq!(written.len(), 300);
    for (key, record) in &written {
        assert_eq!(record["partition"], partition_for_key(key.as_bytes(), 6), "{key}: murmur2 agrees with librdkafka");
    }
    let read = runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(60), async {
            let mut config = ConsumerConfig::new(&broker.addr());
            config.auto_offset_reset = OffsetReset::Earliest;
            let mut consumer = Consumer::new(config).unwrap();
            consumer.assign(&(0..6).map(|p| TopicPartition::new("from-confluent", p)).collect::<Vec<_>>());
            let mut read = BTreeMap::new();
            while read.len() < 300 {
                let r = consumer.recv().await.unwrap();
                let key = latin1(&r.key.unwrap());
                let headers: Vec<Value> =
                    r.headers.iter().map(|h| json!([h.key, h.value.as_deref().map(latin1)])).collect();
                let record = json!({
                    "partition": r.partition, "offset": r.offset, "key": key,
                    "value": r.value.as_deref().map(latin1), "headers": headers, "timestamp": r.timestamp,
                });
                read.insert(key, record);
            }
            read
        })
        .await
        .expect("in time")
    });
    assert_eq!(read.len(), written.len());
    for (key, record) in &written {
        assert_eq!(&read[key], record, "{key}");
    }
}
