//! Creates a topic, produces keyed records, reads them back in a consumer
//! group, and prints the group's lag. Run against a broker on 127.0.0.1:9092
//! (or BOOTSTRAP=HOST:PORT):
//!
//!     cargo run --release -p strata -- server &
//!     cargo run -p strata-client --example quickstart

use strata_client::admin::NewTopic;
use strata_client::consumer::OffsetReset;
use strata_client::{
    Admin, ClientConfig, Consumer, ConsumerConfig, ErrorCode, Producer, ProducerConfig, ProducerRecord,
};

#[tokio::main]
async fn main() -> strata_client::Result<()> {
    let bootstrap = std::env::var("BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let admin = Admin::new(ClientConfig::new(&bootstrap))?;
    let topic = NewTopic { name: "quickstart".into(), partitions: 3, replication_factor: -1, configs: vec![] };
    match admin.create_topic(&topic).await {
        Err(e) if e.code() != Some(ErrorCode::TOPIC_ALREADY_EXISTS) => return Err(e),
        _ => {}
    }

    let producer = Producer::new(ProducerConfig::new(&bootstrap))?;
    let mut deliveries = Vec::new();
    for i in 0..10 {
        let (key, value) = (format!("user-{}", i % 4), format!("event {i}"));
        deliveries.push(producer.send(ProducerRecord::new("quickstart", value.as_bytes()).key(key.as_bytes())).await?);
    }
    for delivery in deliveries {
        let written = delivery.await?;
        println!("written to partition {} at offset {}", written.partition, written.offset);
    }
    producer.close().await;

    let mut config = ConsumerConfig::new(&bootstrap).group("quickstart-readers");
    config.auto_offset_reset = OffsetReset::Earliest;
    let mut consumer = Consumer::new(config)?;
    consumer.subscribe(&["quickstart"])?;
    for _ in 0..10 {
        let r = consumer.recv().await?;
        let text = |b: &Option<bytes::Bytes>| String::from_utf8_lossy(b.as_deref().unwrap_or_default()).into_owned();
        println!("read {}-{}@{}: {}={}", r.topic, r.partition, r.offset, text(&r.key), text(&r.value));
    }
    consumer.close().await?;

    for offset in admin.group_offsets("quickstart-readers").await? {
        println!("{}: committed {}, lag {}", offset.partition, offset.committed, offset.lag());
    }
    Ok(())
}
