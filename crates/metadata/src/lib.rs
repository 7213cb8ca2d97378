//! strata-metadata: the cluster's metadata as a log of records.
//!
//! * [`record`]: the metadata records (Kafka's own definitions, from
//!   `kafka-record-specs/metadata`) and their frame on the log.
//! * [`image`]: [`MetadataImage`], the immutable view the records build:
//!   topics, partitions with their replicas and leaders, and dynamic configs.
//! * [`config`]: every topic and broker config strata knows, by Kafka's names,
//!   with types, defaults, validation, and the resolution of a config's value
//!   and source through its synonyms.
//! * [`controller`]: the controller's decisions (create and delete topics, add
//!   partitions, alter configs) as pure functions from an image and a request
//!   to the records that carry them out, or the Kafka error that refuses them.
//!
//! Nothing here does I/O. Whoever holds the log (the broker's local metadata
//! log today, a Raft quorum later) appends the records a decision returns and
//! applies the same records to the image, so the handlers never change when
//! the log moves.

pub mod config;
pub mod controller;
mod error;
pub mod image;
pub mod record;

pub use error::{ApiError, MetadataError};
pub use image::{BrokerImage, ConfigResource, MetadataImage, PartitionImage, TopicImage};
pub use record::MetadataRecord;
