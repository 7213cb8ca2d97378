//! A classic group: its members, state, generation and committed offsets.
//!
//! States and their moves, as in Kafka's classic protocol:
//!
//! ```text
//! Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
//!   ▲                    ▲    │ (no member left)                      │ leader's SyncGroup
//!   │                    │    ▼                                       ▼
//!   └──── last member ───┴─ Empty        member change ◀──────────── Stable
//! ```
//!
//! Invariants: `generation` grows by one at each completed join; a member
//! holds an assignment only for the current generation; a static member's
//! `group.instance.id` maps to exactly one member id (`statics`).

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;

use bytes::Bytes;
use strata_protocol::internal::group::{group_metadata_value::MemberMetadata, GroupMetadataValue};

use crate::consumer_group::ConsumerGroup;

/// A reply the coordinator owes to a parked request, and to whom.
pub type Token = u64;

/// A group's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No members (offsets may remain).
    Empty,
    /// Waiting for members to (re)join.
    PreparingRebalance,
    /// Joined; waiting for the leader's assignment.
    CompletingRebalance,
    /// Every member holds its assignment.
    Stable,
}

impl State {
    /// Kafka's name for the state.
    pub fn name(self) -> &'static str {
        match self {
            State::Empty => "Empty",
            State::PreparingRebalance => "PreparingRebalance",
            State::CompletingRebalance => "CompletingRebalance",
            State::Stable => "Stable",
        }
    }
}

/// A request parked until the group moves on: its token and API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parked {
    /// Whom to answer.
    pub(crate) token: Token,
    /// The request's version, which shapes the response.
    pub(crate) version: i16,
}

/// One member of a group.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The member id the coordinator gave it.
    pub(crate) id: String,
    /// Its group.instance.id, for a static member.
    pub(crate) instance_id: Option<String>,
    /// The client.id of its connection.
    pub(crate) client_id: String,
    /// The host it connects from.
    pub(crate) client_host: String,
    /// How long it may go without a heartbeat.
    pub(crate) session_timeout_ms: i32,
    /// How long a rebalance may wait for it.
    pub(crate) rebalance_timeout_ms: i32,
    /// Its protocol type ("consumer", ...).
    pub(crate) protocol_type: String,
    /// The protocols it supports, most preferred first, with their metadata.
    pub(crate) protocols: Vec<(String, Bytes)>,
    /// Its assignment in the current generation.
    pub(crate) assignment: Bytes,
    /// Its JoinGroup, while a rebalance waits for the others.
    pub(crate) awaiting_join: Option<Parked>,
    /// Its SyncGroup, while the leader's assignment is awaited.
    pub(crate) awaiting_sync: Option<Parked>,
    /// When it expires without a heartbeat.
    pub(crate) deadline: i64,
}

impl Member {
    /// Its metadata for `protocol`, empty if it does not support it.
    pub(crate) fn metadata(&self, protocol: &str) -> Bytes {
        self.protocols.iter().find(|(n, _)| n == protocol).map(|(_, m)| m.clone()).unwrap_or_default()
    }

    /// Whether it announces exactly these protocols.
    pub(crate) fn same_protocols(&self, protocols: &[(String, Bytes)]) -> bool {
        self.protocols == protocols
    }
}

/// A committed offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The next offset to consume.
    pub offset: i64,
    /// The leader epoch of the last consumed record, or -1.
    pub leader_epoch: i32,
    /// The client's metadata string.
    pub metadata: String,
    /// When it was committed.
    pub timestamp: i64,
}

/// A group and its offsets.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// The group id.
    pub(crate) id: String,
    /// Its state.
    pub(crate) state: State,
    /// When it entered its state (offsets of an Empty group expire from here).
    pub(crate) state_since: i64,
    /// The current generation.
    pub(crate) generation: i32,
    /// Its members' protocol type, once it has had a member.
    pub(crate) protocol_type: Option<String>,
    /// The protocol chosen at the last completed join.
    pub(crate) protocol: Option<String>,
    /// The leader's member id.
    pub(crate) leader: Option<String>,
    /// Members by id, in order of joining.
    pub(crate) members: IndexMap<String, Member>,
    /// Member ids given out with MEMBER_ID_REQUIRED (KIP-394), with when they lapse.
    pub(crate) pending: HashMap<String, i64>,
    /// Static members: group.instance.id → member id.
    pub(crate) statics: HashMap<String, String>,
    /// When the current join (PreparingRebalance) or sync (CompletingRebalance) stops waiting.
    pub(crate) rebalance_deadline: i64,
    /// While the first join of an empty group is held back (group.initial.rebalance.delay.ms):
    /// until when, and the latest it may be extended to.
    pub(crate) initial_delay: Option<(i64, i64)>,
    /// Committed offsets by (topic, partition).
    pub(crate) offsets: BTreeMap<(String, i32), Committed>,
    /// Offsets committed inside open transactions (TxnOffsetCommit), by
    /// producer id, until the transaction's marker commits or drops them.
    pub(crate) pending_txn: BTreeMap<i64, BTreeMap<(String, i32), Committed>>,
    /// Set while the group uses the KIP-848 consumer protocol; then it has
    /// no classic members and `state` is Empty or Stable as it has members.
    pub(crate) consumer: Option<ConsumerGroup>,
}

impl Group {
    /// A new, empty group.
    pub(crate) fn new(id: &str, now: i64) -> Group {
        Group {
            id: id.to_string(),
            state: State::Empty,
            state_since: now,
            generation: 0,
            protocol_type: None,
            protocol: None,
            leader: None,
            members: IndexMap::new(),
            pending: HashMap::new(),
            statics: HashMap::new(),
            rebalance_deadline: 0,
            initial_delay: None,
            offsets: BTreeMap::new(),
            pending_txn: BTreeMap::new(),
            consumer: None,
        }
    }

    /// Moves to `state`.
    pub(crate) fn transition(&mut self, state: State, now: i64) {
        self.state = state;
        self.state_since = now;
    }

    /// Members in join order.
    pub(crate) fn ordered(&self) -> impl Iterator<Item = &Member> {
        self.members.values()
    }

    /// Adds a member (it becomes leader if there is none).
    pub(crate) fn add(&mut self, member: Member) {
        if let Some(instance) = &member.instance_id {
            self.statics.insert(instance.clone(), member.id.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(member.id.clone());
        }
        if self.protocol_type.is_none() {
            self.protocol_type = Some(member.protocol_type.clone());
        }
        self.members.insert(member.id.clone(), member);
    }

    /// Removes a member; the leadership passes to the next member in join order.
    pub(crate) fn remove(&mut self, member_id: &str) -> Option<Member> {
        let member = self.members.shift_remove(member_id)?;
        if let Some(instance) = &member.instance_id {
            if self.statics.get(instance).is_some_and(|m| m == member_id) {
                self.statics.remove(instance);
            }
        }
        if self.leader.as_deref() == Some(member_id) {
            self.leader = self.members.keys().next().cloned();
        }
        Some(member)
    }

    /// Whether every member has rejoined and no announced member id is outstanding.
    pub(crate) fn all_joined(&self) -> bool {
        self.pending.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some())
    }

    /// The longest rebalance timeout of the members.
    pub(crate) fn rebalance_timeout(&self) -> i64 {
        self.members.values().map(|m| i64::from(m.rebalance_timeout_ms)).max().unwrap_or(0)
    }

    /// Protocols every member supports, in the first member's order of preference.
    pub(crate) fn common_protocols(&self) -> Vec<String> {
        let mut members = self.ordered();
        let Some(first) = members.next() else { return Vec::new() };
        let mut names: Vec<String> = first.protocols.iter().map(|(n, _)| n.clone()).collect();
        for m in members {
            names.retain(|n| m.protocols.iter().any(|(p, _)| p == n));
        }
        names
    }

    /// Whether a member with this protocol type and these protocols may join.
    pub(crate) fn accepts(&self, protocol_type: &str, protocols: &[(String, Bytes)]) -> bool {
        if protocol_type.is_empty() || protocols.is_empty() {
            return false;
        }
        if self.members.is_empty() {
            return true;
        }
        self.protocol_type.as_deref() == Some(protocol_type)
            && self.common_protocols().iter().any(|n| protocols.iter().any(|(p, _)| p == n))
    }

    /// The protocol for the next generation: of the protocols all members
    /// support, the one most members prefer (ties go to the first member's order).
    pub(crate) fn select_protocol(&self) -> Option<String> {
        let common = self.common_protocols();
        let vote = |m: &Member| m.protocols.iter().map(|(n, _)| n).find(|n| common.contains(n)).cloned();
        let votes: Vec<String> = self.ordered().filter_map(vote).collect();
        let mut best: Option<(usize, &String)> = None;
        for name in &common {
            let count = votes.iter().filter(|v| *v == name).count();
            if best.is_none_or(|(c, _)| count > c) {
                best = Some((count, name));
            }
        }
        best.map(|(_, n)| n.clone())
    }

    /// The group's record on `__consumer_offsets`: its generation and members.
    pub(crate) fn to_record(&self, now: i64) -> GroupMetadataValue {
        let protocol = self.protocol.clone().unwrap_or_default();
        let members = self
            .ordered()
            .map(|m| MemberMetadata {
                member_id: m.id.clone(),
                group_instance_id: m.instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                rebalance_timeout: m.rebalance_timeout_ms,
                session_timeout: m.session_timeout_ms,
                subscription: m.metadata(&protocol),
                assignment: m.assignment.clone(),
                ..Default::default()
            })
            .collect();
        GroupMetadataValue {
            protocol_type: self.protocol_type.clone().unwrap_or_default(),
            generation: self.generation,
            protocol: self.protocol.clone(),
            leader: self.leader.clone(),
            current_state_timestamp: now,
            members,
            ..Default::default()
        }
    }

    /// Restores a group from its record; members get a full session from `now`.
    pub(crate) fn restore(&mut self, value: GroupMetadataValue, now: i64) {
        self.members.clear();
        self.statics.clear();
        self.generation = value.generation;
        self.protocol_type = Some(value.protocol_type.clone()).filter(|t| !t.is_empty());
        self.protocol = value.protocol.clone().filter(|p| !p.is_empty());
        let protocol = self.protocol.clone().unwrap_or_default();
        for m in value.members {
            self.add(Member {
                id: m.member_id,
                instance_id: m.group_instance_id,
                client_id: m.client_id,
                client_host: m.client_host,
                session_timeout_ms: m.session_timeout,
                rebalance_timeout_ms: if m.rebalance_timeout < 0 { m.session_timeout } else { m.rebalance_timeout },
                protocol_type: value.protocol_type.clone(),
                protocols: vec![(protocol.clone(), m.subscription)],
                assignment: m.assignment,
                awaiting_join: None,
                awaiting_sync: None,
                deadline: now + i64::from(m.session_timeout),
            });
        }
        self.leader = value.leader.filter(|l| self.members.contains_key(l));
        let state = if self.members.is_empty() { State::Empty } else { State::Stable };
        let since = if value.current_state_timestamp >= 0 { value.current_state_timestamp } else { now };
        self.transition(state, since);
    }
}
