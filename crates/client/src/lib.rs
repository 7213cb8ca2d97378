//! strata-client: an asynchronous (tokio) Kafka client for strata and any
//! other Kafka-compatible broker.
//!
//! * [`Producer`]: per-partition batching (`linger.ms`, `batch.size`), the
//!   Java client's partitioner (murmur2 of the key, sticky for null keys,
//!   explicit), `acks` 0/1/all, the four compression codecs, retries with a
//!   metadata refresh, `max.in.flight.requests.per.connection`, a
//!   [`Delivery`] future per record, and [`Producer::flush`].
//! * [`Consumer`]: a consumer group member (classic protocol; range,
//!   round-robin and cooperative-sticky assignors) or manual assignment;
//!   seek to an offset, a timestamp, the beginning or the end; automatic and
//!   manual commits; pause and resume; records as a [`futures_core::Stream`].
//! * [`Admin`]: topics, partitions, configs, consumer groups and their offsets.
//!
//! It depends only on strata's protocol and records crates: every request
//! and response is Kafka's own, generated from Kafka's message specs.
//!
//! ```no_run
//! use strata_client::{Producer, ProducerConfig, ProducerRecord};
//!
//! # async fn example() -> strata_client::Result<()> {
//! let producer = Producer::new(ProducerConfig::new("127.0.0.1:9092"))?;
//! let delivery = producer.send(ProducerRecord::new("events", b"hello").key(b"user-1")).await?;
//! let written = delivery.await?;
//! println!("partition {} offset {}", written.partition, written.offset);
//! producer.close().await;
//! # Ok(())
//! # }
//! ```

pub mod admin;
pub mod assignor;
pub mod cluster;
mod connection;
pub mod consumer;
mod error;
mod group;
pub mod partitioner;
mod produce_request;
pub mod producer;

pub use admin::Admin;
pub use cluster::ClientConfig;
pub use consumer::{Consumer, ConsumerConfig, ConsumerRecord, Offset};
pub use error::{Error, Result};
pub use producer::{Acks, Delivery, Producer, ProducerConfig, ProducerRecord, RecordMetadata};
pub use strata_protocol::ErrorCode;
pub use strata_records::Compression;

/// A topic and one of its partitions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
}

impl TopicPartition {
    /// `topic`-`partition`.
    pub fn new(topic: impl Into<String>, partition: i32) -> TopicPartition {
        TopicPartition { topic: topic.into(), partition }
    }
}

impl std::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}
