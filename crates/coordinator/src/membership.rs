//! The classic group protocol: JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
//! and the timers behind them (session timeouts, rebalance timeouts, the
//! initial rebalance delay), as Kafka's classic group coordinator runs them.

use bytes::Bytes;
use strata_protocol::generated::heartbeat_request::HeartbeatRequest;
use strata_protocol::generated::heartbeat_response::HeartbeatResponse;
use strata_protocol::generated::join_group_request::JoinGroupRequest;
use strata_protocol::generated::join_group_response::{JoinGroupResponse, JoinGroupResponseMember};
use strata_protocol::generated::leave_group_request::{LeaveGroupRequest, MemberIdentity};
use strata_protocol::generated::leave_group_response::{LeaveGroupResponse, MemberResponse};
use strata_protocol::generated::sync_group_request::SyncGroupRequest;
use strata_protocol::generated::sync_group_response::SyncGroupResponse;
use strata_protocol::ErrorCode;

use crate::coordinator::{Client, Completed, GroupCoordinator, Journal};
use crate::group::{Group, Member, Parked, State, Token};

/// A JoinGroup, as the coordinator reads it.
struct Join {
    member_id: String,
    instance_id: Option<String>,
    session_timeout_ms: i32,
    rebalance_timeout_ms: i32,
    protocol_type: String,
    protocols: Vec<(String, Bytes)>,
    parked: Parked,
}

fn join_error(version: i16, member_id: &str, code: ErrorCode) -> JoinGroupResponse {
    JoinGroupResponse {
        error_code: code.code(),
        member_id: member_id.to_string(),
        protocol_name: if version >= 7 { None } else { Some(String::new()) },
        ..Default::default()
    }
}

fn sync_reply(version: i16, group: &Group, code: ErrorCode, assignment: Bytes) -> SyncGroupResponse {
    let named = version >= 5 && code == ErrorCode::NONE;
    SyncGroupResponse {
        error_code: code.code(),
        protocol_type: if named { group.protocol_type.clone() } else { None },
        protocol_name: if named { group.protocol.clone() } else { None },
        assignment,
        ..Default::default()
    }
}

/// The JoinGroup answer for `member_id` in the group's current generation;
/// the leader gets every member's metadata.
fn join_reply(version: i16, group: &Group, member_id: &str, skip_assignment: bool) -> JoinGroupResponse {
    let protocol = group.protocol.clone().unwrap_or_default();
    let leader = group.leader.clone().unwrap_or_default();
    let members = if leader == member_id {
        group
            .ordered()
            .map(|m| JoinGroupResponseMember {
                member_id: m.id.clone(),
                group_instance_id: m.instance_id.clone(),
                metadata: m.metadata(&protocol),
                ..Default::default()
            })
            .collect()
    } else {
        Vec::new()
    };
    JoinGroupResponse {
        generation_id: group.generation,
        protocol_type: if version >= 7 { group.protocol_type.clone() } else { None },
        protocol_name: Some(protocol),
        leader,
        skip_assignment: skip_assignment && version >= 9,
        member_id: member_id.to_string(),
        members,
        ..Default::default()
    }
}

impl GroupCoordinator {
    /// Runs `f` on the group, taken out of the map for the duration; the group
    /// goes back unless `f` left it without members, offsets (committed or
    /// pending in a transaction) or generation.
    fn with_group<R>(&mut self, id: &str, f: impl FnOnce(&mut Self, &mut Group) -> R) -> Option<R> {
        let mut group = self.groups.remove(id)?;
        let r = f(self, &mut group);
        let vacant = group.state == State::Empty
            && group.generation == 0
            && group.offsets.is_empty()
            && group.pending_txn.is_empty()
            && group.consumer.is_none();
        if !vacant || !group.pending.is_empty() {
            self.groups.insert(id.to_string(), group);
        }
        Some(r)
    }

    /// Answers a member's parked join and sync with `code`.
    pub(crate) fn answer_parked(&mut self, member: &Member, code: ErrorCode) {
        if let Some(p) = member.awaiting_join {
            self.complete(p.token, Completed::Join(join_error(p.version, &member.id, code)));
        }
        if let Some(p) = member.awaiting_sync {
            let reply = SyncGroupResponse { error_code: code.code(), ..Default::default() };
            self.complete(p.token, Completed::Sync(reply));
        }
    }

    /// JoinGroup. The answer comes out of `take_completed` under `token`,
    /// at once for errors and MEMBER_ID_REQUIRED, later for a rebalance.
    pub fn join_group(
        &mut self,
        now: i64,
        client: Client<'_>,
        version: i16,
        req: JoinGroupRequest,
        token: Token,
        journal: &mut dyn Journal,
    ) {
        let parked = Parked { token, version };
        let join = Join {
            rebalance_timeout_ms: if version == 0 { req.session_timeout_ms } else { req.rebalance_timeout_ms },
            member_id: req.member_id,
            instance_id: req.group_instance_id,
            session_timeout_ms: req.session_timeout_ms,
            protocol_type: req.protocol_type,
            protocols: req.protocols.into_iter().map(|p| (p.name, p.metadata)).collect(),
            parked,
        };
        let fail = |this: &mut Self, code: ErrorCode| {
            this.complete(token, Completed::Join(join_error(version, &join.member_id, code)));
        };
        if req.group_id.is_empty() {
            return fail(self, ErrorCode::INVALID_GROUP_ID);
        }
        if let Err(code) = self.serving(&req.group_id) {
            return fail(self, code);
        }
        let (min, max) = (self.config.min_session_timeout_ms, self.config.max_session_timeout_ms);
        if join.session_timeout_ms < min || join.session_timeout_ms > max {
            return fail(self, ErrorCode::INVALID_SESSION_TIMEOUT);
        }
        let id = req.group_id;
        if !self.groups.contains_key(&id) {
            if !join.member_id.is_empty() {
                return fail(self, ErrorCode::UNKNOWN_MEMBER_ID);
            }
            self.groups.insert(id.clone(), Group::new(&id, now));
        }
        self.with_group(&id, |this, group| {
            if let Err(code) = this.convert_to_classic(group, journal) {
                return this.complete(token, Completed::Join(join_error(version, &join.member_id, code)));
            }
            if !group.accepts(&join.protocol_type, &join.protocols) {
                let code = ErrorCode::INCONSISTENT_GROUP_PROTOCOL;
                return this.complete(token, Completed::Join(join_error(version, &join.member_id, code)));
            }
            if join.member_id.is_empty() {
                this.join_new(now, client, group, join, journal);
            } else {
                this.join_known(now, client, group, join, journal);
            }
        });
    }

    fn join_new(&mut self, now: i64, client: Client<'_>, group: &mut Group, join: Join, journal: &mut dyn Journal) {
        let Parked { token, version } = join.parked;
        if let Some(old) = join.instance_id.as_ref().and_then(|i| group.statics.get(i)).cloned() {
            return self.replace_static(now, client, group, &old, join, journal);
        }
        if group.members.len() + group.pending.len() >= self.config.max_size {
            let reply = join_error(version, "", ErrorCode::GROUP_MAX_SIZE_REACHED);
            return self.complete(token, Completed::Join(reply));
        }
        let prefix = join.instance_id.as_deref().unwrap_or(client.client_id);
        let member_id = self.new_member_id(prefix);
        if join.instance_id.is_none() && version >= 4 {
            // KIP-394: hand out the id first; the member joins with it.
            group.pending.insert(member_id.clone(), now + i64::from(join.session_timeout_ms));
            let reply = join_error(version, &member_id, ErrorCode::MEMBER_ID_REQUIRED);
            return self.complete(token, Completed::Join(reply));
        }
        self.add_and_rebalance(now, client, group, member_id, join, journal);
    }

    fn join_known(&mut self, now: i64, client: Client<'_>, group: &mut Group, join: Join, journal: &mut dyn Journal) {
        let Parked { token, version } = join.parked;
        let id = join.member_id.clone();
        if group.pending.contains_key(&id) {
            return self.add_and_rebalance(now, client, group, id, join, journal);
        }
        if let Err(code) = validate_member(group, &id, join.instance_id.as_deref()) {
            return self.complete(token, Completed::Join(join_error(version, &id, code)));
        }
        let changed = !group.members[&id].same_protocols(&join.protocols);
        match group.state {
            State::PreparingRebalance => {
                self.update_member(group, &id, join);
                self.try_complete_join(now, group, journal);
            }
            State::CompletingRebalance | State::Stable
                if !changed && (group.state == State::CompletingRebalance || group.leader.as_deref() != Some(&id)) =>
            {
                // A retry, or a follower rejoining with nothing new: the current generation stands.
                let reply = join_reply(version, group, &id, false);
                self.complete(token, Completed::Join(reply));
            }
            State::CompletingRebalance | State::Stable => {
                self.update_member(group, &id, join);
                self.prepare_rebalance(now, group);
                self.try_complete_join(now, group, journal);
            }
            State::Empty => {
                self.complete(token, Completed::Join(join_error(version, &id, ErrorCode::UNKNOWN_MEMBER_ID)))
            }
        }
    }

    /// Updates a member from its JoinGroup and parks the join.
    fn update_member(&mut self, group: &mut Group, id: &str, join: Join) {
        let member = group.members.get_mut(id).expect("the caller checked the member");
        let previous = member.awaiting_join.replace(join.parked);
        member.protocols = join.protocols;
        member.session_timeout_ms = join.session_timeout_ms;
        member.rebalance_timeout_ms = join.rebalance_timeout_ms;
        if let Some(p) = previous {
            let reply = join_error(p.version, id, ErrorCode::REBALANCE_IN_PROGRESS);
            self.complete(p.token, Completed::Join(reply));
        }
    }

    fn add_and_rebalance(
        &mut self,
        now: i64,
        client: Client<'_>,
        group: &mut Group,
        id: String,
        join: Join,
        journal: &mut dyn Journal,
    ) {
        group.pending.remove(&id);
        group.add(Member {
            id,
            instance_id: join.instance_id,
            client_id: client.client_id.to_string(),
            client_host: client.host.to_string(),
            session_timeout_ms: join.session_timeout_ms,
            rebalance_timeout_ms: join.rebalance_timeout_ms,
            protocol_type: join.protocol_type,
            protocols: join.protocols,
            assignment: Bytes::new(),
            awaiting_join: Some(join.parked),
            awaiting_sync: None,
            deadline: now + i64::from(join.session_timeout_ms),
        });
        match group.state {
            State::Empty => {
                let delay = self.config.initial_rebalance_delay_ms;
                group.transition(State::PreparingRebalance, now);
                group.rebalance_deadline = now + group.rebalance_timeout();
                group.initial_delay = Some((now + delay, now + group.rebalance_timeout().max(delay)));
            }
            State::PreparingRebalance => {
                if let Some((until, limit)) = group.initial_delay {
                    let extended = (now + self.config.initial_rebalance_delay_ms).min(limit);
                    group.initial_delay = Some((until.max(extended), limit));
                }
            }
            State::CompletingRebalance | State::Stable => self.prepare_rebalance(now, group),
        }
        self.try_complete_join(now, group, journal);
    }

    /// A static member restarted: it takes over the old member id's place.
    fn replace_static(
        &mut self,
        now: i64,
        client: Client<'_>,
        group: &mut Group,
        old_id: &str,
        join: Join,
        journal: &mut dyn Journal,
    ) {
        let Parked { token, version } = join.parked;
        let new_id = self.new_member_id(join.instance_id.as_deref().unwrap_or(client.client_id));
        let was_leader = group.leader.as_deref() == Some(old_id);
        let mut member = group.remove(old_id).expect("statics name members");
        self.answer_parked(&member, ErrorCode::FENCED_INSTANCE_ID);
        let changed = !member.same_protocols(&join.protocols);
        member.id = new_id.clone();
        member.client_id = client.client_id.to_string();
        member.client_host = client.host.to_string();
        member.session_timeout_ms = join.session_timeout_ms;
        member.rebalance_timeout_ms = join.rebalance_timeout_ms;
        member.protocols = join.protocols;
        member.awaiting_join = None;
        member.awaiting_sync = None;
        member.deadline = now + i64::from(join.session_timeout_ms);
        group.add(member);
        if was_leader {
            group.leader = Some(new_id.clone());
        }
        let unchanged = !changed || group.select_protocol() == group.protocol;
        if group.state == State::Stable && unchanged {
            // No rebalance: persist the new member id and hand back the current generation.
            let code = self.store_group(journal, group, now, false).err().unwrap_or(ErrorCode::NONE);
            let mut reply = join_reply(version, group, &new_id, was_leader);
            reply.error_code = code.code();
            return self.complete(token, Completed::Join(reply));
        }
        if let Some(m) = group.members.get_mut(&new_id) {
            m.awaiting_join = Some(join.parked);
        }
        if group.state != State::PreparingRebalance {
            self.prepare_rebalance(now, group);
        }
        self.try_complete_join(now, group, journal);
    }

    /// Starts a rebalance: members must rejoin within the rebalance timeout.
    pub(crate) fn prepare_rebalance(&mut self, now: i64, group: &mut Group) {
        if group.state == State::CompletingRebalance {
            let parked: Vec<Parked> = group.members.values_mut().filter_map(|m| m.awaiting_sync.take()).collect();
            for p in parked {
                let reply = sync_reply(p.version, group, ErrorCode::REBALANCE_IN_PROGRESS, Bytes::new());
                self.complete(p.token, Completed::Sync(reply));
            }
        }
        group.transition(State::PreparingRebalance, now);
        group.rebalance_deadline = now + group.rebalance_timeout();
    }

    /// Completes the join if every member has rejoined, or time is up.
    pub(crate) fn try_complete_join(&mut self, now: i64, group: &mut Group, journal: &mut dyn Journal) {
        if group.state != State::PreparingRebalance {
            return;
        }
        if let Some((until, _)) = group.initial_delay {
            if now < until {
                return;
            }
            group.initial_delay = None;
        } else if !group.all_joined() && now < group.rebalance_deadline {
            return;
        }
        self.complete_join(now, group, journal);
    }

    /// Ends the join phase: members that did not rejoin are dropped, the
    /// generation advances, and every joined member gets its answer.
    fn complete_join(&mut self, now: i64, group: &mut Group, journal: &mut dyn Journal) {
        let gone: Vec<String> =
            group.members.values().filter(|m| m.awaiting_join.is_none()).map(|m| m.id.clone()).collect();
        for id in gone {
            if let Some(m) = group.remove(&id) {
                self.answer_parked(&m, ErrorCode::UNKNOWN_MEMBER_ID);
            }
        }
        group.generation += 1;
        if group.members.is_empty() {
            group.protocol = None;
            group.leader = None;
            group.transition(State::Empty, now);
            // Should this write fail, the group reloads with its previous
            // members after a restart, and they expire; nothing waits on it.
            let _ = self.store_group(journal, group, now, false);
            return;
        }
        group.protocol = group.select_protocol();
        group.transition(State::CompletingRebalance, now);
        group.rebalance_deadline = now + group.rebalance_timeout();
        let ids: Vec<String> = group.members.keys().cloned().collect();
        for id in ids {
            let member = group.members.get_mut(&id).expect("listed above");
            member.deadline = now + i64::from(member.session_timeout_ms);
            member.assignment = Bytes::new();
            let Some(p) = member.awaiting_join.take() else { continue };
            let reply = join_reply(p.version, group, &id, false);
            self.complete(p.token, Completed::Join(reply));
        }
    }

    /// SyncGroup. The answer comes out of `take_completed` under `token`.
    pub fn sync_group(
        &mut self,
        now: i64,
        version: i16,
        req: SyncGroupRequest,
        token: Token,
        journal: &mut dyn Journal,
    ) {
        let fail = |this: &mut Self, code: ErrorCode| {
            let reply = SyncGroupResponse { error_code: code.code(), ..Default::default() };
            this.complete(token, Completed::Sync(reply));
        };
        if let Err(code) = self.serving(&req.group_id) {
            return fail(self, code);
        }
        let id = req.group_id.clone();
        let done = self.with_group(&id, |this, group| {
            let checked = validate_member(group, &req.member_id, req.group_instance_id.as_deref())
                .and_then(|()| check_generation(group, req.generation_id))
                .and_then(|()| check_protocol(group, req.protocol_type.as_deref(), req.protocol_name.as_deref()));
            if let Err(code) = checked {
                return fail(this, code);
            }
            let parked = Parked { token, version };
            match group.state {
                State::Empty => fail(this, ErrorCode::UNKNOWN_MEMBER_ID),
                State::PreparingRebalance => fail(this, ErrorCode::REBALANCE_IN_PROGRESS),
                State::Stable => {
                    let assignment = group.members[&req.member_id].assignment.clone();
                    this.complete(token, Completed::Sync(sync_reply(version, group, ErrorCode::NONE, assignment)));
                }
                State::CompletingRebalance => {
                    group.members[&req.member_id].awaiting_sync = Some(parked);
                    if group.leader.as_deref() == Some(req.member_id.as_str()) {
                        this.assign(now, group, req, journal);
                    }
                }
            }
        });
        if done.is_none() {
            fail(self, ErrorCode::UNKNOWN_MEMBER_ID);
        }
    }

    /// The leader's assignment: stored, then handed to every member that synced.
    fn assign(&mut self, now: i64, group: &mut Group, req: SyncGroupRequest, journal: &mut dyn Journal) {
        for m in group.members.values_mut() {
            m.assignment = Bytes::new();
        }
        for a in req.assignments {
            if let Some(m) = group.members.get_mut(&a.member_id) {
                m.assignment = a.assignment;
            }
        }
        if let Err(code) = self.store_group(journal, group, now, false) {
            for m in group.members.values_mut() {
                m.assignment = Bytes::new();
            }
            let parked: Vec<Parked> = group.members.values_mut().filter_map(|m| m.awaiting_sync.take()).collect();
            for p in parked {
                self.complete(p.token, Completed::Sync(sync_reply(p.version, group, code, Bytes::new())));
            }
            self.prepare_rebalance(now, group);
            return;
        }
        group.transition(State::Stable, now);
        let parked: Vec<(Parked, Bytes)> = group
            .members
            .values_mut()
            .filter_map(|m| m.awaiting_sync.take().map(|p| (p, m.assignment.clone())))
            .collect();
        for (p, assignment) in parked {
            self.complete(p.token, Completed::Sync(sync_reply(p.version, group, ErrorCode::NONE, assignment)));
        }
    }

    /// Heartbeat.
    pub fn heartbeat(&mut self, now: i64, req: HeartbeatRequest) -> HeartbeatResponse {
        let code = match self.serving(&req.group_id) {
            Err(code) => code,
            Ok(_) => self
                .with_group(&req.group_id, |_, group| heartbeat_group(now, group, &req))
                .unwrap_or(ErrorCode::UNKNOWN_MEMBER_ID),
        };
        HeartbeatResponse { error_code: code.code(), ..Default::default() }
    }

    /// LeaveGroup: one member (v0–2) or several, by member or instance id (v3+).
    pub fn leave_group(
        &mut self,
        now: i64,
        version: i16,
        req: LeaveGroupRequest,
        journal: &mut dyn Journal,
    ) -> LeaveGroupResponse {
        let leaving = if version < 3 {
            vec![MemberIdentity { member_id: req.member_id.clone(), ..Default::default() }]
        } else {
            req.members
        };
        let top = self
            .serving(&req.group_id)
            .err()
            .or_else(|| (!self.groups.contains_key(&req.group_id)).then_some(ErrorCode::UNKNOWN_MEMBER_ID));
        let members: Vec<MemberResponse> = match top {
            Some(_) => Vec::new(),
            None => self
                .with_group(&req.group_id, |this, group| {
                    leaving.iter().map(|who| this.leave_one(now, group, who, journal)).collect()
                })
                .unwrap_or_default(),
        };
        let single = members.first().map_or(ErrorCode::NONE.code(), |m| m.error_code);
        LeaveGroupResponse {
            error_code: top.map_or(if version < 3 { single } else { 0 }, |c| c.code()),
            members: if version >= 3 { members } else { Vec::new() },
            ..Default::default()
        }
    }

    fn leave_one(
        &mut self,
        now: i64,
        group: &mut Group,
        who: &MemberIdentity,
        journal: &mut dyn Journal,
    ) -> MemberResponse {
        let instance = who.group_instance_id.as_deref();
        let id = match instance.and_then(|i| group.statics.get(i)) {
            Some(known) if who.member_id.is_empty() || *known == who.member_id => Ok(known.clone()),
            Some(_) => Err(ErrorCode::FENCED_INSTANCE_ID),
            None if instance.is_some() => Err(ErrorCode::UNKNOWN_MEMBER_ID),
            None if group.pending.remove(&who.member_id).is_some() => Err(ErrorCode::NONE),
            None if group.members.contains_key(&who.member_id) => Ok(who.member_id.clone()),
            None => Err(ErrorCode::UNKNOWN_MEMBER_ID),
        };
        let code = match id {
            Ok(id) => {
                self.remove_member(now, group, &id, journal);
                ErrorCode::NONE
            }
            Err(code) => code,
        };
        MemberResponse {
            member_id: who.member_id.clone(),
            group_instance_id: who.group_instance_id.clone(),
            error_code: code.code(),
            ..Default::default()
        }
    }

    /// Removes a member that left or expired, and rebalances the rest.
    fn remove_member(&mut self, now: i64, group: &mut Group, id: &str, journal: &mut dyn Journal) {
        let Some(member) = group.remove(id) else { return };
        self.answer_parked(&member, ErrorCode::UNKNOWN_MEMBER_ID);
        match group.state {
            State::Stable | State::CompletingRebalance => self.prepare_rebalance(now, group),
            State::PreparingRebalance | State::Empty => {}
        }
        self.try_complete_join(now, group, journal);
    }

    /// One group's timers.
    pub(crate) fn tick_group(&mut self, id: &str, now: i64, journal: &mut dyn Journal) {
        self.with_group(id, |this, group| {
            group.pending.retain(|_, deadline| *deadline > now);
            let expired: Vec<String> = group
                .members
                .values()
                .filter(|m| m.awaiting_join.is_none() && m.awaiting_sync.is_none() && m.deadline <= now)
                .map(|m| m.id.clone())
                .collect();
            for member in expired {
                this.remove_member(now, group, &member, journal);
            }
            if group.state == State::CompletingRebalance && now >= group.rebalance_deadline {
                let unsynced: Vec<String> =
                    group.members.values().filter(|m| m.awaiting_sync.is_none()).map(|m| m.id.clone()).collect();
                for member in unsynced {
                    if let Some(m) = group.remove(&member) {
                        this.answer_parked(&m, ErrorCode::UNKNOWN_MEMBER_ID);
                    }
                }
                this.prepare_rebalance(now, group);
            }
            this.try_complete_join(now, group, journal);
        });
    }
}

/// Checks that `member_id` belongs to the group and, for a static member,
/// that its instance id still maps to it.
pub(crate) fn validate_member(group: &Group, member_id: &str, instance: Option<&str>) -> Result<(), ErrorCode> {
    if let Some(instance) = instance {
        if let Some(known) = group.statics.get(instance) {
            return if known == member_id { Ok(()) } else { Err(ErrorCode::FENCED_INSTANCE_ID) };
        }
    }
    if group.members.contains_key(member_id) {
        Ok(())
    } else {
        Err(ErrorCode::UNKNOWN_MEMBER_ID)
    }
}

fn check_generation(group: &Group, generation: i32) -> Result<(), ErrorCode> {
    if generation == group.generation {
        Ok(())
    } else {
        Err(ErrorCode::ILLEGAL_GENERATION)
    }
}

fn check_protocol(group: &Group, protocol_type: Option<&str>, name: Option<&str>) -> Result<(), ErrorCode> {
    let type_differs = protocol_type.is_some_and(|t| Some(t) != group.protocol_type.as_deref());
    let name_differs = name.is_some_and(|n| Some(n) != group.protocol.as_deref());
    if type_differs || name_differs {
        Err(ErrorCode::INCONSISTENT_GROUP_PROTOCOL)
    } else {
        Ok(())
    }
}

fn heartbeat_group(now: i64, group: &mut Group, req: &HeartbeatRequest) -> ErrorCode {
    if let Err(code) = validate_member(group, &req.member_id, req.group_instance_id.as_deref())
        .and_then(|()| check_generation(group, req.generation_id))
    {
        return code;
    }
    let member = group.members.get_mut(&req.member_id).expect("validated");
    member.deadline = now + i64::from(member.session_timeout_ms);
    match group.state {
        State::Empty => ErrorCode::UNKNOWN_MEMBER_ID,
        State::PreparingRebalance => ErrorCode::REBALANCE_IN_PROGRESS,
        State::CompletingRebalance | State::Stable => ErrorCode::NONE,
    }
}
