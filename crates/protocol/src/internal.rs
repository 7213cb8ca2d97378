//! Kafka's internal records, generated from `kafka-record-specs` with the same
//! codec as the wire messages: the cluster metadata log's records, the group
//! coordinator's keys and values (`__consumer_offsets`), and the transaction
//! coordinator's (`__transaction_state`). Which framing wraps them (a metadata
//! record's frame version and type, a coordinator key's version prefix) is the
//! business of the crate that stores them.

#[allow(missing_docs, clippy::all)]
pub mod group;
#[allow(missing_docs, clippy::all)]
pub mod metadata;
#[allow(missing_docs, clippy::all)]
pub mod transaction;
