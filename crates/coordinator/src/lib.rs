//! strata-coordinator: the group and transaction coordinators as
//! deterministic state machines.
//!
//! The group coordinator ([`GroupCoordinator`]): Kafka's classic group
//! protocol (JoinGroup with KIP-394's member-id round trip, SyncGroup,
//! Heartbeat, LeaveGroup with KIP-345 static membership), the KIP-848 consumer
//! protocol (ConsumerGroupHeartbeat with server-side `uniform` and `range`
//! assignors, ConsumerGroupDescribe), committed offsets (OffsetCommit,
//! OffsetFetch, OffsetDelete, expiry, and TxnOffsetCommit's offsets, pending
//! until their transaction's marker), and the group admin APIs. Each group
//! belongs to one partition of the compacted topic `__consumer_offsets`
//! ([`partition_for`]); its offsets and its membership are records there
//! ([`record`]), replayed into the coordinator when the partition is loaded.
//!
//! The transaction coordinator ([`TxnCoordinator`]): each transactional id's
//! producer id, epoch and transaction (InitProducerId with fencing,
//! AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, timeouts, expiry,
//! DescribeTransactions, ListTransactions), kept as [`TxnRecord`]s in
//! `__transaction_state`. Ending a transaction yields the [`Markers`] the
//! caller writes into its partitions before reporting it complete.
//!
//! Nothing here does I/O or reads a clock: every call takes `now`, records go
//! out through a [`Journal`], and requests that wait for the group come back
//! through [`GroupCoordinator::take_completed`]. The broker supplies the
//! sockets, the logs, the timers and the markers.

mod admin;
mod assignor;
mod consumer_group;
mod consumer_protocol;
mod coordinator;
mod group;
mod membership;
mod offsets;
mod reconcile;
pub mod record;
mod transactions;
mod txn_offsets;
mod txn_record;
mod txn_state;

pub use consumer_protocol::Topics;
pub use coordinator::{partition_for, Client, Completed, Config, GroupCoordinator, Journal};
pub use group::{Committed, State, Token};
pub use offsets::{Fetched, Wanted};
pub use record::GroupRecord;
pub use transactions::{Init, Markers, TxnConfig, TxnCoordinator};
pub use txn_record::TxnRecord;
pub use txn_state::{Txn, TxnState};
