//! The classic group protocol and committed offsets, driven as a broker
//! drives the coordinator: requests, `now`, and a journal that keeps what was
//! written so that a second coordinator can replay it.

mod support;

use bytes::Bytes;
use strata_coordinator::{partition_for, Client, Completed, Config, GroupCoordinator, GroupRecord};
use strata_protocol::generated::heartbeat_request::HeartbeatRequest;
use strata_protocol::generated::join_group_request::{JoinGroupRequest, JoinGroupRequestProtocol};
use strata_protocol::generated::join_group_response::JoinGroupResponse;
use strata_protocol::generated::leave_group_request::LeaveGroupRequest;
use strata_protocol::generated::list_groups_request::ListGroupsRequest;
use strata_protocol::generated::offset_commit_request::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use strata_protocol::generated::sync_group_request::{SyncGroupRequest, SyncGroupRequestAssignment};
use strata_protocol::generated::sync_group_response::SyncGroupResponse;
use strata_protocol::ErrorCode;
use support::Recorded;

const G: &str = "group";
const SESSION: i32 = 10_000;

struct Harness {
    c: GroupCoordinator,
    j: Recorded,
    now: i64,
    token: u64,
}

fn config() -> Config {
    Config { partitions: 4, initial_rebalance_delay_ms: 0, ..Config::default() }
}

impl Harness {
    fn new() -> Harness {
        let mut c = GroupCoordinator::new(config(), 7);
        for p in 0..4 {
            c.loaded(p, 0);
        }
        Harness { c, j: Recorded::default(), now: 1_000_000, token: 0 }
    }

    fn join_request(&self, member: &str, instance: Option<&str>, protocols: &[(&str, &[u8])]) -> JoinGroupRequest {
        JoinGroupRequest {
            group_id: G.into(),
            session_timeout_ms: SESSION,
            rebalance_timeout_ms: 30_000,
            member_id: member.into(),
            group_instance_id: instance.map(str::to_string),
            protocol_type: "consumer".into(),
            protocols: protocols
                .iter()
                .map(|(n, m)| JoinGroupRequestProtocol {
                    name: n.to_string(),
                    metadata: Bytes::copy_from_slice(m),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Sends a JoinGroup (v7); returns its token.
    fn join_with(&mut self, req: JoinGroupRequest) -> u64 {
        self.token += 1;
        let client = Client { client_id: "client", host: "/127.0.0.1" };
        self.c.join_group(self.now, client, 7, req, self.token, &mut self.j);
        self.token
    }

    fn join(&mut self, member: &str) -> u64 {
        let req = self.join_request(member, None, &[("range", b"r")]);
        self.join_with(req)
    }

    fn sync(&mut self, member: &str, generation: i32, assignments: &[(&str, &[u8])]) -> u64 {
        self.token += 1;
        let req = SyncGroupRequest {
            group_id: G.into(),
            generation_id: generation,
            member_id: member.into(),
            assignments: assignments
                .iter()
                .map(|(m, a)| SyncGroupRequestAssignment {
                    member_id: m.to_string(),
                    assignment: Bytes::copy_from_slice(a),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        self.c.sync_group(self.now, 5, req, self.token, &mut self.j);
        self.token
    }

    fn heartbeat(&mut self, member: &str, generation: i32) -> i16 {
        let req = HeartbeatRequest {
            group_id: G.into(),
            generation_id: generation,
            member_id: member.into(),
            ..Default::default()
        };
        self.c.heartbeat(self.now, req).error_code
    }

    fn done(&mut self) -> Vec<(u64, Completed)> {
        self.c.take_completed()
    }

    fn joined(&mut self, token: u64) -> JoinGroupResponse {
        let done = self.done();
        match done.into_iter().find(|(t, _)| *t == token) {
            Some((_, Completed::Join(r))) => r,
            other => panic!("no join answer for {token}: {other:?}"),
        }
    }

    /// A new member: the KIP-394 round trip, then the join.
    fn new_member(&mut self) -> (String, u64) {
        let t = self.join("");
        let r = self.joined(t);
        assert_eq!(r.error_code, ErrorCode::MEMBER_ID_REQUIRED.code());
        assert!(r.member_id.starts_with("client-"), "{}", r.member_id);
        let id = r.member_id;
        let t = self.join(&id);
        (id, t)
    }

    fn commit(&mut self, generation: i32, member: &str, offsets: &[(i32, i64)]) -> Vec<i16> {
        let req = OffsetCommitRequest {
            group_id: G.into(),
            generation_id_or_member_epoch: generation,
            member_id: member.into(),
            topics: vec![OffsetCommitRequestTopic {
                name: "t".into(),
                partitions: offsets
                    .iter()
                    .map(|(p, o)| OffsetCommitRequestPartition {
                        partition_index: *p,
                        committed_offset: *o,
                        committed_metadata: Some("m".into()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let exists = |t: &str, p: i32| t == "t" && (0..6).contains(&p);
        let r = self.c.commit_offsets(self.now, 8, req, &exists, &mut self.j);
        r.topics[0].partitions.iter().map(|p| p.error_code).collect()
    }

    fn state(&self) -> String {
        self.c.describe_group(G).group_state
    }
}

fn synced(done: Vec<(u64, Completed)>, token: u64) -> SyncGroupResponse {
    match done.into_iter().find(|(t, _)| *t == token) {
        Some((_, Completed::Sync(r))) => r,
        other => panic!("no sync answer for {token}: {other:?}"),
    }
}

/// One member, stable in generation 1 with assignment "a".
fn stable_one(h: &mut Harness) -> String {
    let (a, t) = h.new_member();
    let r = h.joined(t);
    assert_eq!((r.error_code, r.generation_id, r.leader.as_str()), (0, 1, a.as_str()));
    assert_eq!(r.members.len(), 1);
    let s = h.sync(&a, 1, &[(&a, b"a")]);
    assert_eq!(synced(h.done(), s).assignment.as_ref(), b"a");
    a
}

#[test]
fn partition_for_uses_javas_string_hash() {
    assert_eq!(partition_for("hello", 50), 99_162_322 % 50);
    // "polygenelubricants".hashCode() == Integer.MIN_VALUE, which Utils.abs maps to 0.
    assert_eq!(partition_for("polygenelubricants", 50), 0);
    assert_eq!(partition_for("", 50), 0);
}

#[test]
fn one_member_joins_syncs_and_heartbeats() {
    let mut h = Harness::new();
    let a = stable_one(&mut h);
    assert_eq!(h.state(), "Stable");
    assert_eq!(h.heartbeat(&a, 1), 0);
    assert_eq!(h.heartbeat(&a, 0), ErrorCode::ILLEGAL_GENERATION.code());
    assert_eq!(h.heartbeat("stranger", 1), ErrorCode::UNKNOWN_MEMBER_ID.code());
    let t = h.join("stranger");
    assert_eq!(h.joined(t).error_code, ErrorCode::UNKNOWN_MEMBER_ID.code());
}

#[test]
fn a_second_member_rebalances_the_group() {
    let mut h = Harness::new();
    let a = stable_one(&mut h);
    let (b, tb) = h.new_member();
    assert!(h.done().is_empty(), "b waits for a to rejoin");
    assert_eq!(h.heartbeat(&a, 1), ErrorCode::REBALANCE_IN_PROGRESS.code());
    let ta = h.join(&a);
    let done = h.done();
    let (ra, rb) = (&done.iter().find(|d| d.0 == ta).unwrap().1, &done.iter().find(|d| d.0 == tb).unwrap().1);
    let (Completed::Join(ra), Completed::Join(rb)) = (ra, rb) else { panic!("{done:?}") };
    assert_eq!((ra.generation_id, rb.generation_id), (2, 2));
    assert_eq!((ra.members.len(), rb.members.len()), (2, 0), "only the leader gets the members");
    assert_eq!(ra.protocol_name.as_deref(), Some("range"));
    let sb = h.sync(&b, 2, &[]);
    assert!(h.done().is_empty(), "b's sync waits for the leader");
    assert_eq!(h.heartbeat(&a, 2), 0, "heartbeats are fine while the leader assigns");
    let sa = h.sync(&a, 2, &[(&a, b"p0"), (&b, b"p1")]);
    let done = h.done();
    assert_eq!(synced(done.clone(), sb).assignment.as_ref(), b"p1");
    assert_eq!(synced(done, sa).assignment.as_ref(), b"p0");
    assert_eq!(h.state(), "Stable");
}

#[test]
fn a_silent_member_expires_and_the_rest_rebalance() {
    let mut h = Harness::new();
    let a = stable_one(&mut h);
    let (b, _) = h.new_member();
    h.join(&a);
    h.done();
    h.sync(&a, 2, &[(&a, b"p0"), (&b, b"p1")]);
    h.done();
    h.now += i64::from(SESSION) / 2;
    assert_eq!(h.heartbeat(&a, 2), 0);
    h.now += i64::from(SESSION) / 2 + 1;
    h.c.tick(h.now, &mut h.j);
    assert_eq!(h.heartbeat(&b, 2), ErrorCode::UNKNOWN_MEMBER_ID.code(), "b expired");
    assert_eq!(h.heartbeat(&a, 2), ErrorCode::REBALANCE_IN_PROGRESS.code());
    let ta2 = h.join(&a);
    let r = h.joined(ta2);
    assert_eq!((r.generation_id, r.members.len()), (3, 1));
}

#[test]
fn leave_rebalances_and_the_last_leave_empties_the_group() {
    let mut h = Harness::new();
    let a = stable_one(&mut h);
    let req = LeaveGroupRequest {
        group_id: G.into(),
        members: vec![strata_protocol::generated::leave_group_request::MemberIdentity {
            member_id: a.clone(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = h.c.leave_group(h.now, 3, req, &mut h.j);
    assert_eq!((r.error_code, r.members[0].error_code), (0, 0));
    assert_eq!(h.state(), "Empty");
    let r = h.c.leave_group(
        h.now,
        0,
        LeaveGroupRequest { group_id: G.into(), member_id: a, ..Default::default() },
        &mut h.j,
    );
    assert_eq!(r.error_code, ErrorCode::UNKNOWN_MEMBER_ID.code());
}

#[test]
fn a_static_member_restarts_without_a_rebalance() {
    let mut h = Harness::new();
    let req = h.join_request("", Some("instance-1"), &[("range", b"r")]);
    let t = h.join_with(req);
    let r = h.joined(t);
    assert_eq!((r.error_code, r.generation_id), (0, 1), "static members skip MEMBER_ID_REQUIRED");
    let old = r.member_id;
    h.sync(&old, 1, &[(&old, b"mine")]);
    h.done();
    // The process restarts: a new join with no member id and the same instance id.
    let req = h.join_request("", Some("instance-1"), &[("range", b"r")]);
    let t = h.join_with(req);
    let r = h.joined(t);
    assert_eq!((r.error_code, r.generation_id), (0, 1), "same generation: no rebalance");
    assert_ne!(r.member_id, old);
    assert_eq!(h.state(), "Stable");
    let s = h.sync(&r.member_id, 1, &[]);
    assert_eq!(synced(h.done(), s).assignment.as_ref(), b"mine");
    assert_eq!(h.heartbeat(&old, 1), ErrorCode::UNKNOWN_MEMBER_ID.code());
    let hb = HeartbeatRequest {
        group_id: G.into(),
        generation_id: 1,
        member_id: old,
        group_instance_id: Some("instance-1".into()),
        ..Default::default()
    };
    assert_eq!(h.c.heartbeat(h.now, hb).error_code, ErrorCode::FENCED_INSTANCE_ID.code());
}

#[test]
fn members_must_share_a_protocol() {
    let mut h = Harness::new();
    stable_one(&mut h);
    let req = h.join_request("", None, &[("roundrobin", b"x")]);
    let t = h.join_with(req);
    assert_eq!(h.joined(t).error_code, ErrorCode::INCONSISTENT_GROUP_PROTOCOL.code());
    let mut req = h.join_request("", None, &[("range", b"x")]);
    req.session_timeout_ms = 10;
    let t = h.join_with(req);
    assert_eq!(h.joined(t).error_code, ErrorCode::INVALID_SESSION_TIMEOUT.code());
}

#[test]
fn commits_are_checked_and_replayed_with_the_group() {
    let mut h = Harness::new();
    assert_eq!(h.commit(-1, "", &[(0, 5)]), vec![0], "a standalone commit creates the group");
    let a = stable_one(&mut h);
    assert_eq!(h.commit(1, &a, &[(0, 10), (1, 20), (9, 1)]), vec![0, 0, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.code()]);
    assert_eq!(h.commit(0, &a, &[(0, 11)]), vec![ErrorCode::ILLEGAL_GENERATION.code()]);
    assert_eq!(h.commit(-1, "", &[(0, 11)]), vec![ErrorCode::UNKNOWN_MEMBER_ID.code()], "the group has members");
    h.j.fail = Some(ErrorCode::KAFKA_STORAGE_ERROR);
    assert_eq!(h.commit(1, &a, &[(0, 99)]), vec![ErrorCode::KAFKA_STORAGE_ERROR.code()]);
    h.j.fail = None;

    // A new coordinator replays what was written.
    let mut again = GroupCoordinator::new(config(), 8);
    for (_, _, (k, v)) in &h.j.records {
        if let Some(r) = GroupRecord::decode(k, v.as_deref()).unwrap() {
            again.replay(r, h.now);
        }
    }
    again.loaded(partition_for(G, 4), 0);
    let fetched = again.fetch_offsets(G, Some(vec![("t".into(), vec![0, 1, 2])])).unwrap();
    let got: Vec<Option<i64>> = fetched[0].1.iter().map(|(_, c)| c.as_ref().map(|c| c.offset)).collect();
    assert_eq!(got, vec![Some(10), Some(20), None], "the failed commit of 99 left nothing behind");
    let d = again.describe_group(G);
    assert_eq!((d.group_state.as_str(), d.members.len()), ("Stable", 1));
    assert_eq!(d.members[0].member_assignment.as_ref(), b"a");
    assert_eq!(d.members[0].member_id, a);
}

#[test]
fn empty_groups_can_be_deleted_and_their_offsets_expire() {
    let mut h = Harness::new();
    let a = stable_one(&mut h);
    h.commit(1, &a, &[(0, 10)]);
    assert_eq!(h.c.delete_group_request(G, &mut h.j).error_code, ErrorCode::NON_EMPTY_GROUP.code());
    h.now += i64::from(SESSION) + 1;
    h.c.tick(h.now, &mut h.j);
    assert_eq!(h.state(), "Empty");
    let listed = h.c.list_groups(&ListGroupsRequest { states_filter: vec!["empty".into()], ..Default::default() });
    assert_eq!(listed.groups.len(), 1);
    // Seven days of emptiness later, the retention pass expires the offsets and the group.
    h.now += Config::default().offsets_retention_ms;
    h.c.tick(h.now, &mut h.j);
    assert_eq!(h.state(), "Dead");
    assert_eq!(h.c.delete_group_request(G, &mut h.j).error_code, ErrorCode::GROUP_ID_NOT_FOUND.code());
    let last = &h.j.records.last().unwrap().2;
    let decoded = GroupRecord::decode(&last.0, last.1.as_deref()).unwrap();
    assert!(matches!(decoded, Some(GroupRecord::Group(_, None))), "a tombstone ends the group: {decoded:?}");
}

#[test]
fn groups_of_unloaded_partitions_are_not_served() {
    let mut c = GroupCoordinator::new(config(), 1);
    let r = c.heartbeat(0, HeartbeatRequest { group_id: G.into(), ..Default::default() });
    assert_eq!(r.error_code, ErrorCode::NOT_COORDINATOR.code());
    assert_eq!(c.describe_group(G).error_code, ErrorCode::NOT_COORDINATOR.code());
}
