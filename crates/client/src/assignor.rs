//! Client-side partition assignors of the classic group protocol, as the
//! Java client names and computes them: `range`, `roundrobin` and
//! `cooperative-sticky`. The group's leader runs the one the coordinator
//! chose over every member's subscription.
//!
//! Subscriptions and assignments travel as Kafka's ConsumerProtocolSubscription
//! and ConsumerProtocolAssignment (a version, then the struct), so strata's
//! consumers can share a group with Java, librdkafka and Python ones.

use std::collections::{BTreeMap, BTreeSet};

use bytes::{BufMut, Bytes, BytesMut};
use strata_protocol::codec::Reader;
use strata_protocol::generated::consumer_protocol_assignment::{self as pa, ConsumerProtocolAssignment};
use strata_protocol::generated::consumer_protocol_subscription::{self as ps, ConsumerProtocolSubscription};
use strata_protocol::Struct;

use crate::error::{Error, Result};
use crate::TopicPartition;

/// An assignment strategy (`partition.assignment.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `range`: per topic, consecutive partitions to members in member-id order.
    Range,
    /// `roundrobin`: all partitions dealt one by one to members in turn.
    RoundRobin,
    /// `cooperative-sticky`: balanced, keeps what members own, and moves a
    /// partition only after its owner gave it up (incremental rebalancing).
    CooperativeSticky,
}

impl Strategy {
    /// The protocol name members announce in JoinGroup.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::RoundRobin => "roundrobin",
            Strategy::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// The strategy named `name`, if this client has it.
    pub fn from_name(name: &str) -> Option<Strategy> {
        [Strategy::Range, Strategy::RoundRobin, Strategy::CooperativeSticky].into_iter().find(|s| s.name() == name)
    }

    /// True for the incremental (cooperative) rebalance protocol.
    pub fn is_cooperative(self) -> bool {
        self == Strategy::CooperativeSticky
    }

    /// Assigns the partitions of `partitions` (topic → partition count)
    /// among `members`. Every member gets an entry, maybe empty.
    pub fn assign(self, partitions: &BTreeMap<String, i32>, members: &[Subscription]) -> Assignments {
        let mut out: Assignments = members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
        match self {
            Strategy::Range => range(partitions, members, &mut out),
            Strategy::RoundRobin => round_robin(partitions, members, &mut out),
            Strategy::CooperativeSticky => cooperative_sticky(partitions, members, &mut out),
        }
        out.values_mut().for_each(|v| v.sort());
        out
    }
}

/// Member id → its partitions.
pub type Assignments = BTreeMap<String, Vec<TopicPartition>>;

/// One member's subscription, as its JoinGroup metadata carries it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscription {
    /// The member's id.
    pub member_id: String,
    /// The topics it subscribes to.
    pub topics: Vec<String>,
    /// The partitions it owns now (cooperative protocol).
    pub owned: Vec<TopicPartition>,
    /// The generation its owned partitions are from (-1 unknown).
    pub generation: i32,
}

impl Subscription {
    fn subscribes(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic)
    }
}

fn range(partitions: &BTreeMap<String, i32>, members: &[Subscription], out: &mut Assignments) {
    for (topic, &count) in partitions {
        let mut subscribers: Vec<&str> =
            members.iter().filter(|m| m.subscribes(topic)).map(|m| m.member_id.as_str()).collect();
        subscribers.sort_unstable();
        if subscribers.is_empty() {
            continue;
        }
        let (per, extra) = (count / subscribers.len() as i32, count % subscribers.len() as i32);
        for (i, member) in subscribers.iter().enumerate() {
            let i = i as i32;
            let start = i * per + i.min(extra);
            let len = per + i32::from(i < extra);
            let list = out.get_mut(*member).expect("every member has an entry");
            list.extend((start..start + len).map(|p| TopicPartition::new(topic.clone(), p)));
        }
    }
}

fn round_robin(partitions: &BTreeMap<String, i32>, members: &[Subscription], out: &mut Assignments) {
    let mut sorted: Vec<&Subscription> = members.iter().collect();
    sorted.sort_by(|a, b| a.member_id.cmp(&b.member_id));
    if sorted.is_empty() {
        return;
    }
    let mut next = 0usize;
    for (topic, &count) in partitions {
        if !sorted.iter().any(|m| m.subscribes(topic)) {
            continue;
        }
        for p in 0..count {
            while !sorted[next % sorted.len()].subscribes(topic) {
                next += 1;
            }
            let member = &sorted[next % sorted.len()].member_id;
            out.get_mut(member).expect("every member has an entry").push(TopicPartition::new(topic.clone(), p));
            next += 1;
        }
    }
}

/// Sticky and balanced: members keep what they own (the claim of the
/// highest generation wins a partition claimed twice), new partitions go to
/// the least loaded subscriber, then partitions move from the most to the
/// least loaded until no subscriber has two more than another. Finally, as
/// Kafka's CooperativeStickyAssignor, a partition that changes owner is left
/// out of this round: its owner revokes it and the next round hands it over.
fn cooperative_sticky(partitions: &BTreeMap<String, i32>, members: &[Subscription], out: &mut Assignments) {
    let exists = |tp: &TopicPartition| partitions.get(&tp.topic).is_some_and(|&n| (0..n).contains(&tp.partition));
    let mut previous: BTreeMap<TopicPartition, (i32, &str)> = BTreeMap::new();
    for m in members {
        for tp in m.owned.iter().filter(|tp| exists(tp) && m.subscribes(&tp.topic)) {
            let better = previous.get(tp).is_none_or(|(generation, _)| m.generation > *generation);
            if better {
                previous.insert(tp.clone(), (m.generation, &m.member_id));
            }
        }
    }
    let mut owner: BTreeMap<TopicPartition, String> =
        previous.iter().map(|(tp, (_, member))| (tp.clone(), member.to_string())).collect();
    let mut load: BTreeMap<&str, usize> = members.iter().map(|m| (m.member_id.as_str(), 0)).collect();
    owner.values().for_each(|m| *load.get_mut(m.as_str()).expect("a member") += 1);
    let by_id: BTreeMap<&str, &Subscription> = members.iter().map(|m| (m.member_id.as_str(), m)).collect();
    let least_loaded = |load: &BTreeMap<&str, usize>, topic: &str| {
        load.iter()
            .filter(|(m, _)| by_id[**m].subscribes(topic))
            .min_by_key(|(m, n)| (**n, **m))
            .map(|(m, n)| (m.to_string(), *n))
    };
    for (topic, &count) in partitions {
        for p in 0..count {
            let tp = TopicPartition::new(topic.clone(), p);
            if owner.contains_key(&tp) {
                continue;
            }
            if let Some((member, _)) = least_loaded(&load, topic) {
                *load.get_mut(member.as_str()).expect("a member") += 1;
                owner.insert(tp, member);
            }
        }
    }
    balance(&mut owner, &mut load, &by_id);
    for (tp, member) in owner {
        let moved = previous.get(&tp).is_some_and(|(_, old)| *old != member);
        if !moved {
            out.get_mut(&member).expect("every member has an entry").push(tp);
        }
    }
}

/// Moves partitions from the most loaded members to subscribers with at
/// least two fewer, until none can move.
fn balance(
    owner: &mut BTreeMap<TopicPartition, String>,
    load: &mut BTreeMap<&str, usize>,
    by_id: &BTreeMap<&str, &Subscription>,
) {
    loop {
        let mut moved = false;
        let keys: Vec<TopicPartition> = owner.keys().rev().cloned().collect();
        for tp in keys {
            let from = owner[&tp].clone();
            let target = load
                .iter()
                .filter(|(m, n)| by_id[**m].subscribes(&tp.topic) && **n + 1 < load[from.as_str()])
                .min_by_key(|(m, n)| (**n, **m))
                .map(|(m, _)| m.to_string());
            if let Some(to) = target {
                *load.get_mut(from.as_str()).expect("a member") -= 1;
                *load.get_mut(to.as_str()).expect("a member") += 1;
                owner.insert(tp, to);
                moved = true;
            }
        }
        if !moved {
            return;
        }
    }
}

/// The version of ConsumerProtocolSubscription and ConsumerProtocolAssignment written.
const PROTOCOL_VERSION: i16 = 3;

/// Encodes a member's JoinGroup metadata.
pub fn encode_subscription(topics: &[String], owned: &[TopicPartition], generation: i32) -> Bytes {
    let sub = ConsumerProtocolSubscription {
        topics: topics.to_vec(),
        user_data: None,
        owned_partitions: grouped(owned)
            .into_iter()
            .map(|(topic, partitions)| ps::TopicPartition { topic, partitions })
            .collect(),
        generation_id: generation,
        rack_id: None,
    };
    encode_versioned(|w| sub.encode(w, PROTOCOL_VERSION))
}

/// Decodes a member's JoinGroup metadata (any version; newer ones as v3).
pub fn decode_subscription(member_id: &str, metadata: Bytes) -> Result<Subscription> {
    let (mut r, version) = versioned(metadata)?;
    let sub =
        ConsumerProtocolSubscription::decode(&mut r, version).map_err(|e| Error::Malformed(e.to_string().into()))?;
    let owned =
        sub.owned_partitions.iter().flat_map(|t| t.partitions.iter().map(|&p| TopicPartition::new(t.topic.clone(), p)));
    Ok(Subscription {
        member_id: member_id.to_string(),
        topics: sub.topics,
        owned: owned.collect(),
        generation: if version >= 2 { sub.generation_id } else { -1 },
    })
}

/// Encodes an assignment for SyncGroup.
pub fn encode_assignment(partitions: &[TopicPartition]) -> Bytes {
    let assignment = ConsumerProtocolAssignment {
        assigned_partitions: grouped(partitions)
            .into_iter()
            .map(|(topic, partitions)| pa::TopicPartition { topic, partitions })
            .collect(),
        user_data: None,
    };
    encode_versioned(|w| assignment.encode(w, PROTOCOL_VERSION))
}

/// Decodes the assignment SyncGroup returned (empty bytes: nothing assigned).
pub fn decode_assignment(bytes: Bytes) -> Result<Vec<TopicPartition>> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let (mut r, version) = versioned(bytes)?;
    let a = ConsumerProtocolAssignment::decode(&mut r, version).map_err(|e| Error::Malformed(e.to_string().into()))?;
    let mut out: Vec<TopicPartition> = a
        .assigned_partitions
        .iter()
        .flat_map(|t| t.partitions.iter().map(|&p| TopicPartition::new(t.topic.clone(), p)))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

fn grouped(partitions: &[TopicPartition]) -> BTreeMap<String, Vec<i32>> {
    let mut out: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
    for tp in partitions {
        out.entry(tp.topic.clone()).or_default().insert(tp.partition);
    }
    out.into_iter().map(|(t, ps)| (t, ps.into_iter().collect())).collect()
}

fn encode_versioned(encode: impl FnOnce(&mut BytesMut) -> Result<(), strata_protocol::EncodeError>) -> Bytes {
    let mut w = BytesMut::new();
    w.put_i16(PROTOCOL_VERSION);
    encode(&mut w).expect("a subscription or assignment always encodes");
    w.freeze()
}

fn versioned(bytes: Bytes) -> Result<(Reader, i16)> {
    let mut r = Reader::new(bytes);
    let version = r.i16().map_err(|e| Error::Malformed(e.to_string().into()))?;
    if version < 0 {
        return Err(Error::Malformed(format!("consumer protocol version {version}").into()));
    }
    Ok((r, version.min(PROTOCOL_VERSION)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str], owned: &[(&str, i32)]) -> Subscription {
        Subscription {
            member_id: id.into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            owned: owned.iter().map(|(t, p)| TopicPartition::new(*t, *p)).collect(),
            generation: 1,
        }
    }

    fn names(a: &Assignments, id: &str) -> Vec<String> {
        a[id].iter().map(ToString::to_string).collect()
    }

    #[test]
    fn range_gives_consecutive_partitions_per_topic() {
        let partitions = BTreeMap::from([("t".to_string(), 5), ("u".to_string(), 2)]);
        let members = [member("b", &["t", "u"], &[]), member("a", &["t"], &[])];
        let a = Strategy::Range.assign(&partitions, &members);
        assert_eq!(names(&a, "a"), ["t-0", "t-1", "t-2"]);
        assert_eq!(names(&a, "b"), ["t-3", "t-4", "u-0", "u-1"]);
    }

    #[test]
    fn round_robin_deals_in_turn() {
        let partitions = BTreeMap::from([("t".to_string(), 3), ("u".to_string(), 2)]);
        let members = [member("a", &["t", "u"], &[]), member("b", &["t", "u"], &[])];
        let a = Strategy::RoundRobin.assign(&partitions, &members);
        assert_eq!(names(&a, "a"), ["t-0", "t-2", "u-1"]);
        assert_eq!(names(&a, "b"), ["t-1", "u-0"]);
    }

    #[test]
    fn cooperative_sticky_keeps_owned_and_defers_moves() {
        let partitions = BTreeMap::from([("t".to_string(), 4)]);
        // a owned everything; b just joined.
        let members = [member("a", &["t"], &[("t", 0), ("t", 1), ("t", 2), ("t", 3)]), member("b", &["t"], &[])];
        let first = Strategy::CooperativeSticky.assign(&partitions, &members);
        assert_eq!(first["a"].len(), 2, "a keeps two");
        assert!(first["b"].is_empty(), "moved partitions wait for a to revoke them");
        // Next round: a owns its two, b gets the two a gave up.
        let kept: Vec<(&str, i32)> = first["a"].iter().map(|tp| ("t", tp.partition)).collect();
        let members = [member("a", &["t"], &kept), member("b", &["t"], &[])];
        let second = Strategy::CooperativeSticky.assign(&partitions, &members);
        assert_eq!(second["a"], first["a"]);
        assert_eq!(second["b"].len(), 2);
    }

    #[test]
    fn subscription_and_assignment_round_trip() {
        let owned = [TopicPartition::new("t", 1), TopicPartition::new("t", 0)];
        let bytes = encode_subscription(&["t".into()], &owned, 7);
        let sub = decode_subscription("m", bytes).unwrap();
        assert_eq!(sub.owned, [TopicPartition::new("t", 0), TopicPartition::new("t", 1)]);
        assert_eq!(sub.generation, 7);
        let bytes = encode_assignment(&owned);
        assert_eq!(decode_assignment(bytes).unwrap(), [TopicPartition::new("t", 0), TopicPartition::new("t", 1)]);
        assert!(decode_subscription("m", Bytes::from_static(&[0, 0, 0])).is_err());
    }
}
