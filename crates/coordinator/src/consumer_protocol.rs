//! The KIP-848 consumer protocol: ConsumerGroupHeartbeat and
//! ConsumerGroupDescribe, with server-side assignment.
//!
//! A heartbeat joins (member epoch 0), beats, or leaves (-1; -2 for a
//! static member that will come back). Each one: updates the member's
//! subscription; bumps the group epoch when members or the subscribed topics
//! changed; recomputes the target assignment when the group epoch is ahead
//! of it; and moves the member one step towards its target
//! ([`crate::reconcile`]). The resulting records are written first and then
//! applied, so memory never holds what the log does not.

use std::collections::{BTreeMap, BTreeSet};

use strata_protocol::generated::consumer_group_describe_response::{
    self as describe, DescribedGroup, Member as DescribedMember,
};
use strata_protocol::generated::consumer_group_heartbeat_request::ConsumerGroupHeartbeatRequest;
use strata_protocol::generated::consumer_group_heartbeat_response::{
    self as heartbeat, ConsumerGroupHeartbeatResponse,
};
use strata_protocol::internal::group::consumer_group_partition_metadata_value::TopicMetadata;
use strata_protocol::internal::group::{
    ConsumerGroupMemberMetadataValue, ConsumerGroupMetadataValue, ConsumerGroupPartitionMetadataValue,
    ConsumerGroupTargetAssignmentMetadataValue,
};
use strata_protocol::{ErrorCode, Uuid};

use crate::assignor::{self, Subscriber, ASSIGNORS};
use crate::consumer_group::{
    listed, target_record, to_assignment, Assignment, ConsumerGroup, ConsumerMember, Current, MemberState,
    STATIC_LEAVE_EPOCH,
};
use crate::coordinator::{Client, GroupCoordinator, Journal};
use crate::group::{Group, State};
use crate::reconcile::reconcile;
use crate::record::ConsumerRecord;

/// The epoch a member announces when it leaves for good.
const LEAVE_EPOCH: i32 = -1;

/// The topics of the cluster, as the coordinator needs them to assign.
pub trait Topics {
    /// A topic's id and partition count.
    fn get(&self, name: &str) -> Option<(Uuid, i32)>;
    /// Every topic's name (regular-expression subscriptions match against them).
    fn names(&self) -> Vec<String>;
}

/// An error for the client: its code and what went wrong.
#[derive(Debug)]
struct Failure {
    code: ErrorCode,
    message: String,
}

fn fail<T>(code: ErrorCode, message: impl Into<String>) -> Result<T, Failure> {
    Err(Failure { code, message: message.into() })
}

impl From<ErrorCode> for Failure {
    fn from(code: ErrorCode) -> Failure {
        Failure { code, message: code.message().to_string() }
    }
}

/// Kafka's checks of a heartbeat's fields (`throwIfConsumerGroupHeartbeatRequestIsInvalid`).
fn check_request(req: &ConsumerGroupHeartbeatRequest) -> Result<(), Failure> {
    let invalid = |m: &str| fail(ErrorCode::INVALID_REQUEST, m);
    if req.group_id.is_empty() {
        return invalid("GroupId can't be empty.");
    }
    if req.instance_id.as_deref() == Some("") {
        return invalid("InstanceId can't be empty.");
    }
    if req.rack_id.as_deref() == Some("") {
        return invalid("RackId can't be empty.");
    }
    match req.member_epoch {
        0 if req.rebalance_timeout_ms == -1 => invalid("RebalanceTimeoutMs must be provided in first request."),
        0 if req.topic_partitions.as_ref().is_none_or(|t| !t.is_empty()) => {
            invalid("TopicPartitions must be empty when (re-)joining.")
        }
        0 if req.subscribed_topic_names.as_ref().is_none_or(Vec::is_empty)
            && req.subscribed_topic_regex.as_deref().is_none_or(str::is_empty) =>
        {
            invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.")
        }
        0 => Ok(()),
        STATIC_LEAVE_EPOCH if req.instance_id.is_none() => invalid("InstanceId can't be null."),
        e if e < STATIC_LEAVE_EPOCH => invalid("MemberEpoch is invalid."),
        _ if req.member_id.is_empty() => invalid("MemberId can't be empty."),
        _ => Ok(()),
    }
}

/// The full-match pattern of a subscription regex.
fn compile(regex: &str) -> Result<regex::Regex, Failure> {
    regex::Regex::new(&format!("^(?:{regex})$"))
        .or_else(|e| fail(ErrorCode::INVALID_REQUEST, format!("Invalid SubscribedTopicRegex: {e}")))
}

/// The subscribed topics of these members that exist, sorted by name.
fn resolve<'a>(
    members: impl Iterator<Item = &'a ConsumerGroupMemberMetadataValue>,
    topics: &dyn Topics,
) -> Vec<TopicMetadata> {
    let mut names = BTreeSet::new();
    let mut all: Option<Vec<String>> = None;
    for m in members {
        names.extend(m.subscribed_topic_names.iter().cloned());
        if let Some(re) = m.subscribed_topic_regex.as_deref().and_then(|r| compile(r).ok()) {
            let all = all.get_or_insert_with(|| topics.names());
            names.extend(all.iter().filter(|t| !t.starts_with("__") && re.is_match(t)).cloned());
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let (id, partitions) = topics.get(&name)?;
            Some(TopicMetadata { topic_id: id, topic_name: name, num_partitions: partitions, ..Default::default() })
        })
        .collect()
}

/// Whether two members subscribe alike (names, regex and assignor).
fn same_subscription(a: &ConsumerGroupMemberMetadataValue, b: &ConsumerGroupMemberMetadataValue) -> bool {
    a.subscribed_topic_names == b.subscribed_topic_names
        && a.subscribed_topic_regex == b.subscribed_topic_regex
        && a.server_assignor == b.server_assignor
}

/// The group's assignor: the one most members ask for, else the default.
fn choose_assignor<'a>(members: impl Iterator<Item = &'a ConsumerGroupMemberMetadataValue>) -> &'static str {
    let mut votes = [0usize; ASSIGNORS.len()];
    for m in members {
        if let Some(i) = ASSIGNORS.iter().position(|a| m.server_assignor.as_deref() == Some(a)) {
            votes[i] += 1;
        }
    }
    let best = (0..ASSIGNORS.len()).max_by_key(|&i| (votes[i], usize::MAX - i)).unwrap_or(0);
    ASSIGNORS[best]
}

/// The records that remove a member.
fn removal(member_id: &str) -> [ConsumerRecord; 3] {
    [
        ConsumerRecord::Current(member_id.to_string(), None),
        ConsumerRecord::Target(member_id.to_string(), None),
        ConsumerRecord::Member(member_id.to_string(), None),
    ]
}

fn epoch_record(epoch: i32) -> ConsumerRecord {
    ConsumerRecord::Epoch(Some(ConsumerGroupMetadataValue { epoch, ..Default::default() }))
}

/// The records of a member leaving for good: its own go, and the group
/// epoch moves on so that the others are reassigned.
fn departure(member_id: &str, group_epoch: i32) -> Vec<ConsumerRecord> {
    let mut records = removal(member_id).to_vec();
    records.push(epoch_record(group_epoch + 1));
    records
}

/// What one heartbeat changes, worked out before anything is written.
struct Plan {
    member_id: String,
    records: Vec<ConsumerRecord>,
    next: Current,
    /// Whether the response carries the assignment.
    send_assignment: bool,
    /// Whether the member just started revoking (its rebalance timeout starts).
    revoke_started: bool,
}

/// A heartbeat's member: its id, the member it replaces (a static member
/// rejoining under a new id) and where it starts from.
struct Joiner<'a> {
    member_id: String,
    replaced: Option<&'a str>,
    base: Option<&'a ConsumerMember>,
    start: Current,
}

/// Finds the heartbeat's member and checks its epoch.
fn find_member<'a>(
    group: &'a ConsumerGroup,
    req: &ConsumerGroupHeartbeatRequest,
    member_id: String,
    owned: &Option<Assignment>,
    max_size: usize,
) -> Result<Joiner<'a>, Failure> {
    let old = group.members.get(&member_id);
    if req.member_epoch != 0 {
        let Some(m) = old else {
            return fail(ErrorCode::UNKNOWN_MEMBER_ID, format!("Member {member_id} is not a member of the group."));
        };
        let c = &m.current;
        let lost_response = req.member_epoch == c.previous_epoch
            && owned
                .as_ref()
                .is_some_and(|o| o.iter().all(|(t, ps)| c.assigned.get(t).is_some_and(|a| ps.is_subset(a))));
        if req.member_epoch > c.epoch || (req.member_epoch < c.epoch && !lost_response) {
            let message = format!(
                "The member's epoch {} does not match the group's {} for it; it must rejoin.",
                req.member_epoch, c.epoch
            );
            return fail(ErrorCode::FENCED_MEMBER_EPOCH, message);
        }
        return Ok(Joiner { member_id, replaced: None, base: Some(m), start: c.clone() });
    }
    let holder = req.instance_id.as_deref().and_then(|i| group.static_member(i)).filter(|h| *h != member_id);
    if let Some(h) = holder {
        let held = &group.members[h];
        if held.current.epoch != STATIC_LEAVE_EPOCH {
            let message = format!("Static member {h} with instance id {:?} is still in the group.", req.instance_id);
            return fail(ErrorCode::UNRELEASED_INSTANCE_ID, message);
        }
        // The static member comes back under a new id and takes over its place.
        let start = Current { epoch: held.current.previous_epoch, ..held.current.clone() };
        return Ok(Joiner { member_id, replaced: Some(h), base: Some(held), start });
    }
    if old.is_none() && group.members.len() >= max_size {
        return fail(ErrorCode::GROUP_MAX_SIZE_REACHED, format!("The group has reached its maximum size {max_size}."));
    }
    // A new member, or one rejoining after losing its partitions: it starts from nothing.
    Ok(Joiner { member_id, replaced: None, base: old, start: Current::default() })
}

/// The member's subscription after the heartbeat's changes.
fn updated_meta(
    base: Option<&ConsumerMember>,
    req: &ConsumerGroupHeartbeatRequest,
    client: Client<'_>,
) -> Result<ConsumerGroupMemberMetadataValue, Failure> {
    let mut meta = base.map(|m| m.meta.clone()).unwrap_or_default();
    meta.client_id = client.client_id.to_string();
    meta.client_host = client.host.to_string();
    if req.instance_id.is_some() {
        meta.instance_id.clone_from(&req.instance_id);
    }
    if req.rack_id.is_some() {
        meta.rack_id.clone_from(&req.rack_id);
    }
    if req.rebalance_timeout_ms != -1 {
        meta.rebalance_timeout_ms = req.rebalance_timeout_ms;
    }
    if let Some(names) = &req.subscribed_topic_names {
        let sorted: BTreeSet<&String> = names.iter().collect();
        meta.subscribed_topic_names = sorted.into_iter().cloned().collect();
    }
    if let Some(regex) = &req.subscribed_topic_regex {
        if !regex.is_empty() {
            compile(regex)?;
        }
        meta.subscribed_topic_regex = Some(regex.clone()).filter(|r| !r.is_empty());
    }
    if let Some(assignor) = &req.server_assignor {
        if !ASSIGNORS.contains(&assignor.as_str()) {
            return fail(ErrorCode::UNSUPPORTED_ASSIGNOR, format!("Assignor {assignor} is not one of {ASSIGNORS:?}."));
        }
        meta.server_assignor = Some(assignor.clone());
    }
    Ok(meta)
}

impl GroupCoordinator {
    /// ConsumerGroupHeartbeat: join, beat or leave a KIP-848 consumer group.
    pub fn consumer_heartbeat(
        &mut self,
        now: i64,
        client: Client<'_>,
        req: ConsumerGroupHeartbeatRequest,
        topics: &dyn Topics,
        journal: &mut dyn Journal,
    ) -> ConsumerGroupHeartbeatResponse {
        let outcome = check_request(&req).and_then(|()| match req.member_epoch {
            LEAVE_EPOCH | STATIC_LEAVE_EPOCH => self.consumer_leave(now, &req, journal),
            _ => self.consumer_beat(now, client, &req, topics, journal),
        });
        outcome.unwrap_or_else(|f| ConsumerGroupHeartbeatResponse {
            error_code: f.code.code(),
            error_message: Some(f.message),
            ..Default::default()
        })
    }

    /// The group's KIP-848 state; `None` for a group that does not exist or
    /// is an empty classic group (which a consumer member turns into a consumer group).
    fn consumer_group(&self, id: &str) -> Result<Option<&ConsumerGroup>, Failure> {
        match self.groups.get(id) {
            Some(Group { consumer: Some(c), .. }) => Ok(Some(c)),
            Some(g) if !g.members.is_empty() => fail(
                ErrorCode::GROUP_ID_NOT_FOUND,
                format!("Group {id} is a classic group with members, not a consumer group."),
            ),
            _ => Ok(None),
        }
    }

    fn consumer_beat(
        &mut self,
        now: i64,
        client: Client<'_>,
        req: &ConsumerGroupHeartbeatRequest,
        topics: &dyn Topics,
        journal: &mut dyn Journal,
    ) -> Result<ConsumerGroupHeartbeatResponse, Failure> {
        let partition = self.serving(&req.group_id)?;
        let member_id = if req.member_id.is_empty() {
            self.new_member_id(req.instance_id.as_deref().unwrap_or(client.client_id))
        } else {
            req.member_id.clone()
        };
        let empty = ConsumerGroup::default();
        let group = self.consumer_group(&req.group_id)?.unwrap_or(&empty);
        let plan = plan_heartbeat(group, &self.config, req, member_id, client, topics)?;
        let Plan { member_id, records, next, send_assignment, revoke_started } = plan;
        self.write_consumer(&req.group_id, partition, records, now, journal)?;
        let session = i64::from(self.config.consumer_session_timeout_ms);
        let member = self.consumer_member_mut(&req.group_id, &member_id).ok_or(ErrorCode::UNKNOWN_MEMBER_ID)?;
        member.deadline = now + session;
        if next.state != MemberState::UnrevokedPartitions {
            member.revoke_deadline = None;
        } else if revoke_started {
            member.revoke_deadline = Some(now + i64::from(member.meta.rebalance_timeout_ms.max(0)));
        }
        let assignment = send_assignment.then(|| heartbeat::Assignment {
            topic_partitions: listed(&next.assigned)
                .into_iter()
                .map(|(topic_id, partitions)| heartbeat::TopicPartitions { topic_id, partitions, ..Default::default() })
                .collect(),
            ..Default::default()
        });
        Ok(ConsumerGroupHeartbeatResponse {
            member_id: Some(member_id),
            member_epoch: next.epoch,
            heartbeat_interval_ms: self.config.consumer_heartbeat_interval_ms,
            assignment,
            ..Default::default()
        })
    }

    fn consumer_leave(
        &mut self,
        now: i64,
        req: &ConsumerGroupHeartbeatRequest,
        journal: &mut dyn Journal,
    ) -> Result<ConsumerGroupHeartbeatResponse, Failure> {
        let partition = self.serving(&req.group_id)?;
        let unknown = || Failure::from(ErrorCode::UNKNOWN_MEMBER_ID);
        let group = self.consumer_group(&req.group_id)?.ok_or_else(unknown)?;
        let by_instance = req.instance_id.as_deref().and_then(|i| group.static_member(i));
        let member_id = match group.members.get_key_value(&req.member_id) {
            Some((id, _)) => id.clone(),
            None => by_instance.ok_or_else(unknown)?.to_string(),
        };
        let records = if req.member_epoch == STATIC_LEAVE_EPOCH {
            let c = &group.members[&member_id].current;
            let left = Current { epoch: STATIC_LEAVE_EPOCH, previous_epoch: c.epoch, ..c.clone() };
            vec![ConsumerRecord::Current(member_id.clone(), Some(left.to_record()))]
        } else {
            departure(&member_id, group.epoch)
        };
        self.write_consumer(&req.group_id, partition, records, now, journal)?;
        Ok(ConsumerGroupHeartbeatResponse {
            member_id: Some(member_id),
            member_epoch: req.member_epoch,
            ..Default::default()
        })
    }

    fn consumer_member_mut(&mut self, group: &str, member: &str) -> Option<&mut ConsumerMember> {
        self.groups.get_mut(group)?.consumer.as_mut()?.members.get_mut(member)
    }

    /// Writes a consumer group's records, then applies them.
    fn write_consumer(
        &mut self,
        group_id: &str,
        partition: i32,
        records: Vec<ConsumerRecord>,
        now: i64,
        journal: &mut dyn Journal,
    ) -> Result<(), ErrorCode> {
        if records.is_empty() {
            return Ok(());
        }
        let encoded = records.iter().map(|r| r.encode(group_id)).collect();
        journal.append(partition, encoded)?;
        let session = now + i64::from(self.config.consumer_session_timeout_ms);
        for r in records {
            self.apply_consumer(group_id, r, session, now);
        }
        Ok(())
    }

    /// Applies one consumer-group record (live or at replay). A group-epoch
    /// tombstone ends the group's life as a consumer group.
    pub(crate) fn apply_consumer(&mut self, group_id: &str, record: ConsumerRecord, session: i64, now: i64) {
        let group = self.groups.entry(group_id.to_string()).or_insert_with(|| Group::new(group_id, now));
        if record == ConsumerRecord::Epoch(None) {
            group.consumer = None;
            group.protocol_type = None;
            return;
        }
        group.protocol_type = Some("consumer".to_string());
        let consumer = group.consumer.get_or_insert_with(ConsumerGroup::default);
        consumer.apply(record, session);
        let state = if consumer.members.is_empty() { State::Empty } else { State::Stable };
        if group.state != state {
            group.transition(state, now);
        }
    }

    /// Removes a member (session expired, revocation too slow): its records
    /// go and the group epoch moves on, so the others are reassigned.
    fn remove_consumer_member(&mut self, group_id: &str, member_id: &str, now: i64, journal: &mut dyn Journal) {
        let Ok(partition) = self.serving(group_id) else { return };
        let Some(epoch) = self.groups.get(group_id).and_then(|g| g.consumer.as_ref()).map(|c| c.epoch) else { return };
        let records = departure(member_id, epoch);
        // A failed write leaves the member in place; the next tick tries again.
        let _ = self.write_consumer(group_id, partition, records, now, journal);
    }

    /// Expires consumer members whose session or revocation time is up.
    pub(crate) fn tick_consumer(&mut self, group_id: &str, now: i64, journal: &mut dyn Journal) {
        let Some(consumer) = self.groups.get(group_id).and_then(|g| g.consumer.as_ref()) else { return };
        let expired: Vec<String> = consumer
            .members
            .iter()
            .filter(|(_, m)| m.deadline <= now || m.revoke_deadline.is_some_and(|d| d <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for member in expired {
            self.remove_consumer_member(group_id, &member, now, journal);
        }
    }

    /// Drops the KIP-848 state of an empty consumer group a classic member
    /// joins (the group becomes classic, keeping its offsets).
    pub(crate) fn convert_to_classic(&mut self, group: &mut Group, journal: &mut dyn Journal) -> Result<(), ErrorCode> {
        let Some(consumer) = &group.consumer else { return Ok(()) };
        if !consumer.members.is_empty() {
            return Err(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
        }
        let partition = self.serving(&group.id)?;
        journal.append(partition, ConsumerRecord::group_tombstones().iter().map(|r| r.encode(&group.id)).collect())?;
        group.consumer = None;
        group.protocol_type = None;
        Ok(())
    }

    /// ConsumerGroupDescribe, one group.
    pub fn describe_consumer_group(&self, group_id: &str) -> DescribedGroup {
        let error = |f: Failure| DescribedGroup {
            error_code: f.code.code(),
            error_message: Some(f.message),
            group_id: group_id.to_string(),
            authorized_operations: i32::MIN,
            ..Default::default()
        };
        if let Err(code) = self.serving(group_id) {
            return error(code.into());
        }
        match self.consumer_group(group_id) {
            Err(f) => error(f),
            Ok(None) => error(Failure {
                code: ErrorCode::GROUP_ID_NOT_FOUND,
                message: format!("Group {group_id} is not a consumer group."),
            }),
            Ok(Some(group)) => describe_group(group_id, group),
        }
    }
}

fn describe_group(group_id: &str, group: &ConsumerGroup) -> DescribedGroup {
    let assignment = |a: &Assignment| describe::Assignment {
        topic_partitions: listed(a)
            .into_iter()
            .map(|(topic_id, partitions)| describe::TopicPartitions {
                topic_id,
                topic_name: group.topic_name(&topic_id),
                partitions,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let members = group
        .members
        .iter()
        .map(|(id, m)| DescribedMember {
            member_id: id.clone(),
            instance_id: m.meta.instance_id.clone(),
            rack_id: m.meta.rack_id.clone(),
            member_epoch: m.current.epoch,
            client_id: m.meta.client_id.clone(),
            client_host: m.meta.client_host.clone(),
            subscribed_topic_names: m.meta.subscribed_topic_names.clone(),
            subscribed_topic_regex: m.meta.subscribed_topic_regex.clone(),
            assignment: assignment(&m.current.assigned),
            target_assignment: assignment(&group.targets.get(id).cloned().unwrap_or_default()),
            ..Default::default()
        })
        .collect();
    DescribedGroup {
        group_id: group_id.to_string(),
        group_state: group.state_name().to_string(),
        group_epoch: group.epoch,
        assignment_epoch: group.assignment_epoch,
        assignor_name: choose_assignor(group.members.values().map(|m| &m.meta)).to_string(),
        members,
        authorized_operations: i32::MIN,
        ..Default::default()
    }
}

/// Works out a heartbeat's records and the member's next state.
fn plan_heartbeat(
    group: &ConsumerGroup,
    config: &crate::coordinator::Config,
    req: &ConsumerGroupHeartbeatRequest,
    member_id: String,
    client: Client<'_>,
    topics: &dyn Topics,
) -> Result<Plan, Failure> {
    let owned =
        req.topic_partitions.as_ref().map(|tps| to_assignment(tps.iter().map(|t| (t.topic_id, t.partitions.clone()))));
    let Joiner { member_id, replaced, base, start } =
        find_member(group, req, member_id, &owned, config.consumer_max_size)?;
    let meta = updated_meta(base, req, client)?;
    let mut records = Vec::new();
    if let Some(h) = replaced {
        records.extend(removal(h));
    }
    let old = group.members.get(&member_id);
    if old.is_none_or(|m| m.meta != meta) {
        records.push(ConsumerRecord::Member(member_id.clone(), Some(meta.clone())));
    }
    let others = || group.members.iter().filter(|(id, _)| **id != member_id && Some(id.as_str()) != replaced);
    let subscribed = resolve(others().map(|(_, m)| &m.meta).chain([&meta]), topics);
    let topics_changed = subscribed != group.topics;
    if topics_changed {
        let value = ConsumerGroupPartitionMetadataValue { topics: subscribed.clone(), ..Default::default() };
        records.push(ConsumerRecord::Topics(Some(value)));
    }
    let mut epoch = group.epoch;
    if topics_changed || base.is_none_or(|m| !same_subscription(&m.meta, &meta)) {
        epoch += 1;
        records.push(epoch_record(epoch));
    }
    let mut targets = group.targets.clone();
    if let Some(h) = replaced {
        let inherited = targets.remove(h).unwrap_or_default();
        records.push(ConsumerRecord::Target(member_id.clone(), Some(target_record(&inherited))));
        targets.insert(member_id.clone(), inherited);
    }
    let mut target_epoch = group.assignment_epoch;
    if epoch > group.assignment_epoch {
        let metas: Vec<(&str, &ConsumerGroupMemberMetadataValue)> =
            others().map(|(id, m)| (id.as_str(), &m.meta)).chain([(member_id.as_str(), &meta)]).collect();
        let computed = compute_targets(&metas, &targets, &subscribed, topics);
        for (id, a) in &computed {
            if targets.get(id) != Some(a) {
                records.push(ConsumerRecord::Target(id.clone(), Some(target_record(a))));
            }
        }
        let value = ConsumerGroupTargetAssignmentMetadataValue { assignment_epoch: epoch, ..Default::default() };
        records.push(ConsumerRecord::TargetEpoch(Some(value)));
        targets = computed;
        target_epoch = epoch;
    }
    let owned_by_other = |t: &Uuid, p: i32| others().any(|(_, m)| m.current.owns(t, p));
    let target = targets.get(&member_id).cloned().unwrap_or_default();
    let next = reconcile(&start, &target, target_epoch, &owned, &owned_by_other);
    if old.is_none_or(|m| m.current != next) || replaced.is_some() {
        records.push(ConsumerRecord::Current(member_id.clone(), Some(next.to_record())));
    }
    let full = req.member_epoch == 0
        || (req.rebalance_timeout_ms != -1 && req.subscribed_topic_names.is_some() && req.topic_partitions.is_some());
    let send_assignment = full || old.is_none_or(|m| m.current.assigned != next.assigned);
    let revoke_started = next.state == MemberState::UnrevokedPartitions
        && old.is_none_or(|m| m.current.state != MemberState::UnrevokedPartitions);
    Ok(Plan { member_id, records, next, send_assignment, revoke_started })
}

/// Every member's target assignment over the subscribed topics.
fn compute_targets(
    members: &[(&str, &ConsumerGroupMemberMetadataValue)],
    previous: &std::collections::HashMap<String, Assignment>,
    subscribed: &[TopicMetadata],
    topics: &dyn Topics,
) -> std::collections::HashMap<String, Assignment> {
    let partitions: BTreeMap<Uuid, i32> = subscribed.iter().map(|t| (t.topic_id, t.num_partitions)).collect();
    let subscribers: Vec<Subscriber<'_>> = members
        .iter()
        .map(|(id, meta)| Subscriber {
            id,
            topics: resolve(std::iter::once(*meta), topics).into_iter().map(|t| t.topic_id).collect(),
            previous: previous.get(*id),
        })
        .collect();
    assignor::assign(choose_assignor(members.iter().map(|(_, m)| *m)), &subscribers, &partitions)
}
