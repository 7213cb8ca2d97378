//! strata-coordinator: the group coordinator as a deterministic state machine.
//!
//! Kafka's classic group protocol (JoinGroup with KIP-394's member-id round
//! trip, SyncGroup, Heartbeat, LeaveGroup with KIP-345 static membership),
//! the KIP-848 consumer protocol (ConsumerGroupHeartbeat with server-side
//! `uniform` and `range` assignors, ConsumerGroupDescribe),
//! committed offsets (OffsetCommit, OffsetFetch, OffsetDelete, expiry), and
//! the group admin APIs. Each group belongs to one partition of the compacted
//! topic `__consumer_offsets` ([`partition_for`]); its offsets and its
//! membership are records there ([`record`]), replayed into the coordinator
//! when the partition is loaded.
//!
//! Nothing here does I/O or reads a clock: every call takes `now`, records go
//! out through a [`Journal`], and requests that wait for the group come back
//! through [`GroupCoordinator::take_completed`]. The broker supplies the
//! sockets, the log and the timer.

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

pub use consumer_protocol::Topics;
pub use coordinator::{partition_for, Client, Completed, Config, GroupCoordinator, Journal};
pub use group::{Committed, State, Token};
pub use offsets::{Fetched, Wanted};
pub use record::GroupRecord;
