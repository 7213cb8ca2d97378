//! strata-broker: the broker runtime (layer L2).
//!
//! [`Server::bind`] opens the data directory ([`Broker`]: the metadata quorum
//! and image, the partition logs) and binds the listener; [`Server::run`]
//! serves Kafka clients until told to stop, then drains and closes cleanly.
//!
//! * `connection`: one task pair per client: ordered reads, ordered replies.
//! * `handlers`: one module per API.
//! * `broker`: shared state; every metadata change goes through `Broker::commit`.
//! * `controller`: registration and heartbeats to the active controller, calls
//!   forwarded to it, and fencing of silent brokers while this node leads.
//! * `replicas`: the partitions and their logs, kept in step with the image.
//! * `replication`: a partition's ISR, followers' progress and high watermark.
//! * `fetcher`: this broker's followers, pulling from each partition's leader.
//! * `isr`: the leader's ISR changes, sent to the controller (AlterPartition).
//! * `leader_link`: a broker's own requests (to the controller, to a leader).
//! * `marker_channel`: a transaction's markers, sent to its partitions' leaders.
//! * `groups`: the group coordinator behind a mutex, journaled to the
//!   `__consumer_offsets` partitions this broker leads.
//! * `fetch_session`: KIP-227 sessions.
//! * `scheduler`: flush, retention, compaction and checkpoint passes.
//! * `response`: response chunks and sendfile.

mod broker;
pub mod config;
mod connection;
mod controller;
mod data_dir;
mod error;
mod fetch_session;
mod fetcher;
mod groups;
mod handlers;
mod isr;
mod journal;
mod leader_link;
mod lifecycle;
mod marker_channel;
mod markers;
mod metrics_http;
mod probe;
mod producer_ids;
mod replicas;
mod replication;
mod response;
mod scheduler;
mod server;
#[cfg(test)]
mod simulation;
mod time;
mod transactions;

pub use broker::Broker;
pub use config::BrokerConfig;
pub use error::BrokerError;
pub use server::Server;
