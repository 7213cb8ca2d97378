//! The KIP-848 consumer protocol driven as clients drive it: members that
//! heartbeat with their epoch and owned partitions and adopt the assignment
//! the coordinator sends. After every heartbeat no partition may be owned by
//! two members; the journal replays into an identical coordinator.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use strata_coordinator::{Client, Config, GroupCoordinator, GroupRecord, Topics};
use strata_protocol::generated::consumer_group_describe_response::DescribedGroup;
use strata_protocol::generated::consumer_group_heartbeat_request::{ConsumerGroupHeartbeatRequest, TopicPartitions};
use strata_protocol::generated::consumer_group_heartbeat_response::ConsumerGroupHeartbeatResponse;
use strata_protocol::generated::join_group_request::{JoinGroupRequest, JoinGroupRequestProtocol};
use strata_protocol::generated::offset_commit_request::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use strata_protocol::{ErrorCode, Uuid};
use support::Recorded;

const G: &str = "kip848";
const TOPIC: Uuid = Uuid([7; 16]);

struct Cluster(BTreeMap<String, (Uuid, i32)>);

impl Topics for Cluster {
    fn get(&self, name: &str) -> Option<(Uuid, i32)> {
        self.0.get(name).copied()
    }

    fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

/// A client's view of its membership.
#[derive(Debug, Clone, Default)]
struct Sim {
    id: String,
    epoch: i32,
    owned: BTreeSet<i32>,
}

struct Harness {
    c: GroupCoordinator,
    j: Recorded,
    topics: Cluster,
    now: i64,
}

fn config() -> Config {
    Config { partitions: 1, consumer_session_timeout_ms: 10_000, ..Config::default() }
}

impl Harness {
    fn new() -> Harness {
        let mut c = GroupCoordinator::new(config(), 3);
        c.loaded(0, 0);
        let topics = Cluster(BTreeMap::from([("t".to_string(), (TOPIC, 6))]));
        Harness { c, j: Recorded::default(), topics, now: 1_000_000 }
    }

    fn send(&mut self, req: ConsumerGroupHeartbeatRequest) -> ConsumerGroupHeartbeatResponse {
        let client = Client { client_id: "sim", host: "/127.0.0.1" };
        let r = self.c.consumer_heartbeat(self.now, client, req, &self.topics, &mut self.j);
        self.check_exclusive();
        r
    }

    fn join(&mut self, id: &str) -> Sim {
        let req = ConsumerGroupHeartbeatRequest {
            group_id: G.into(),
            member_id: id.into(),
            member_epoch: 0,
            rebalance_timeout_ms: 30_000,
            subscribed_topic_names: Some(vec!["t".into()]),
            topic_partitions: Some(vec![]),
            ..Default::default()
        };
        let r = self.send(req);
        assert_eq!(r.error_code, 0, "{r:?}");
        let mut sim = Sim { id: id.into(), ..Default::default() };
        adopt(&mut sim, &r);
        sim
    }

    fn beat(&mut self, sim: &mut Sim) -> ConsumerGroupHeartbeatResponse {
        let owned =
            TopicPartitions { topic_id: TOPIC, partitions: sim.owned.iter().copied().collect(), ..Default::default() };
        let req = ConsumerGroupHeartbeatRequest {
            group_id: G.into(),
            member_id: sim.id.clone(),
            member_epoch: sim.epoch,
            topic_partitions: Some(vec![owned]),
            ..Default::default()
        };
        let r = self.send(req);
        if r.error_code == 0 {
            adopt(sim, &r);
        }
        r
    }

    /// Heartbeats every member until nothing changes.
    fn settle(&mut self, sims: &mut [Sim]) {
        for _ in 0..10 {
            let before: Vec<(i32, BTreeSet<i32>)> = sims.iter().map(|s| (s.epoch, s.owned.clone())).collect();
            for s in sims.iter_mut() {
                let r = self.beat(s);
                assert_eq!(r.error_code, 0, "{r:?}");
            }
            if sims.iter().map(|s| (s.epoch, s.owned.clone())).collect::<Vec<_>>() == before {
                return;
            }
        }
        panic!("the group did not settle");
    }

    fn describe(&self) -> DescribedGroup {
        self.c.describe_consumer_group(G)
    }

    /// No partition is assigned to two members at once.
    fn check_exclusive(&self) {
        let d = self.describe();
        let mut seen = BTreeSet::new();
        for m in &d.members {
            for tp in &m.assignment.topic_partitions {
                for p in &tp.partitions {
                    assert!(seen.insert(*p), "partition {p} assigned twice: {d:?}");
                }
            }
        }
    }
}

fn adopt(sim: &mut Sim, r: &ConsumerGroupHeartbeatResponse) {
    sim.epoch = r.member_epoch;
    if let Some(id) = &r.member_id {
        sim.id.clone_from(id);
    }
    if let Some(a) = &r.assignment {
        sim.owned = a.topic_partitions.iter().flat_map(|t| t.partitions.iter().copied()).collect();
    }
}

fn sizes(sims: &[Sim]) -> Vec<usize> {
    let mut s: Vec<usize> = sims.iter().map(|s| s.owned.len()).collect();
    s.sort_unstable();
    s
}

fn three() -> (Harness, Vec<Sim>) {
    let mut h = Harness::new();
    let mut sims: Vec<Sim> = ["a", "b", "c"].iter().map(|id| h.join(id)).collect();
    h.settle(&mut sims);
    (h, sims)
}

#[test]
fn members_share_the_partitions_and_a_newcomer_gets_them_only_once_released() {
    let (mut h, mut sims) = three();
    assert_eq!(sizes(&sims), vec![2, 2, 2]);
    let epoch = h.describe().group_epoch;
    assert!(sims.iter().all(|s| s.epoch == epoch), "{sims:?}");
    assert_eq!(h.describe().group_state, "Stable");
    let before: Vec<BTreeSet<i32>> = sims.iter().map(|s| s.owned.clone()).collect();

    let d = h.join("d");
    assert!(d.owned.is_empty(), "the newcomer got partitions others still own: {d:?}");
    sims.push(d);
    h.settle(&mut sims);
    assert_eq!(sizes(&sims), vec![1, 1, 2, 2]);
    for (s, old) in sims.iter().zip(&before) {
        assert!(s.owned.is_subset(old), "{} gained partitions", s.id);
    }
    let all: BTreeSet<i32> = sims.iter().flat_map(|s| s.owned.iter().copied()).collect();
    assert_eq!(all, (0..6).collect());
}

#[test]
fn a_member_that_leaves_or_goes_silent_hands_its_partitions_on() {
    let (mut h, mut sims) = three();
    let leaving = sims.remove(0);
    let r = h.send(ConsumerGroupHeartbeatRequest {
        group_id: G.into(),
        member_id: leaving.id.clone(),
        member_epoch: -1,
        ..Default::default()
    });
    assert_eq!((r.error_code, r.member_epoch), (0, -1));
    h.settle(&mut sims);
    assert_eq!(sizes(&sims), vec![3, 3]);

    // One goes silent: after its session it is removed and the other takes all.
    h.now += 5_000;
    h.beat(&mut sims[0]);
    h.now += 6_000;
    h.c.tick(h.now, &mut h.j);
    let silent = sims.remove(1);
    assert!(h.describe().members.iter().all(|m| m.member_id != silent.id));
    h.settle(&mut sims);
    assert_eq!(sizes(&sims), vec![6]);
}

#[test]
fn heartbeats_with_a_wrong_epoch_or_member_are_refused() {
    let (mut h, mut sims) = three();
    let mut ahead = sims[0].clone();
    ahead.epoch += 5;
    assert_eq!(h.beat(&mut ahead).error_code, ErrorCode::FENCED_MEMBER_EPOCH.code());
    let mut stranger = Sim { id: "nobody".into(), epoch: 1, owned: BTreeSet::new() };
    assert_eq!(h.beat(&mut stranger).error_code, ErrorCode::UNKNOWN_MEMBER_ID.code());
    let bad = h.send(ConsumerGroupHeartbeatRequest {
        group_id: G.into(),
        member_id: "x".into(),
        member_epoch: 0,
        subscribed_topic_names: Some(vec!["t".into()]),
        topic_partitions: Some(vec![]),
        ..Default::default()
    });
    assert_eq!(bad.error_code, ErrorCode::INVALID_REQUEST.code());
    assert!(bad.error_message.unwrap_or_default().contains("RebalanceTimeoutMs"));
    let assignor = h.send(ConsumerGroupHeartbeatRequest {
        group_id: G.into(),
        member_id: "y".into(),
        member_epoch: 0,
        rebalance_timeout_ms: 1000,
        server_assignor: Some("magic".into()),
        subscribed_topic_names: Some(vec!["t".into()]),
        topic_partitions: Some(vec![]),
        ..Default::default()
    });
    assert_eq!(assignor.error_code, ErrorCode::UNSUPPORTED_ASSIGNOR.code());
    // Nothing of the refused requests stuck.
    assert_eq!(h.describe().members.len(), 3);
    h.settle(&mut sims);
}

#[test]
fn offset_commits_carry_the_member_epoch() {
    let (mut h, sims) = three();
    let commit = |h: &mut Harness, version: i16, member: &str, epoch: i32| {
        let req = OffsetCommitRequest {
            group_id: G.into(),
            generation_id_or_member_epoch: epoch,
            member_id: member.into(),
            topics: vec![OffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: 0,
                    committed_offset: 5,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let r = h.c.commit_offsets(h.now, version, req, &|_, _| true, &mut h.j);
        r.topics[0].partitions[0].error_code
    };
    let s = &sims[0];
    assert_eq!(commit(&mut h, 9, &s.id, s.epoch), 0);
    assert_eq!(commit(&mut h, 9, &s.id, s.epoch - 1), ErrorCode::STALE_MEMBER_EPOCH.code());
    assert_eq!(commit(&mut h, 8, &s.id, s.epoch), ErrorCode::UNSUPPORTED_VERSION.code());
    assert_eq!(commit(&mut h, 9, "nobody", s.epoch), ErrorCode::UNKNOWN_MEMBER_ID.code());
    assert_eq!(commit(&mut h, 9, "", -1), ErrorCode::UNKNOWN_MEMBER_ID.code());
    // OffsetFetch v9 checks a named member the same way.
    assert_eq!(h.c.validate_offset_fetch(G, Some(&s.id), s.epoch), Ok(()));
    assert_eq!(h.c.validate_offset_fetch(G, Some(&s.id), s.epoch - 1), Err(ErrorCode::STALE_MEMBER_EPOCH));
    assert_eq!(h.c.validate_offset_fetch(G, Some("nobody"), 1), Err(ErrorCode::UNKNOWN_MEMBER_ID));
    assert_eq!(h.c.validate_offset_fetch(G, None, -1), Ok(()));
}

#[test]
fn a_classic_member_cannot_join_a_consumer_group_with_members() {
    let (mut h, _) = three();
    let req = JoinGroupRequest {
        group_id: G.into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 10_000,
        protocol_type: "consumer".into(),
        protocols: vec![JoinGroupRequestProtocol { name: "range".into(), ..Default::default() }],
        ..Default::default()
    };
    let client = Client { client_id: "classic", host: "/127.0.0.1" };
    h.c.join_group(h.now, client, 5, req, 1, &mut h.j);
    let done = h.c.take_completed();
    assert!(format!("{done:?}").contains(&format!("error_code: {}", ErrorCode::INCONSISTENT_GROUP_PROTOCOL.code())));
}

#[test]
fn a_failed_write_changes_nothing() {
    let (mut h, mut sims) = three();
    let before = h.describe();
    h.j.fail = Some(ErrorCode::KAFKA_STORAGE_ERROR);
    let r = h.send(ConsumerGroupHeartbeatRequest {
        group_id: G.into(),
        member_id: "late".into(),
        member_epoch: 0,
        rebalance_timeout_ms: 1000,
        subscribed_topic_names: Some(vec!["t".into()]),
        topic_partitions: Some(vec![]),
        ..Default::default()
    });
    assert_eq!(r.error_code, ErrorCode::KAFKA_STORAGE_ERROR.code());
    assert_eq!(h.describe(), before);
    h.j.fail = None;
    h.settle(&mut sims);
}

#[test]
fn the_journal_replays_into_the_same_group() {
    let (mut h, mut sims) = three();
    sims.push(h.join("d"));
    h.settle(&mut sims);
    let mut replayed = GroupCoordinator::new(config(), 9);
    for (_, _, (key, value)) in &h.j.records {
        if let Some(record) = GroupRecord::decode(key, value.as_deref()).expect("strata's own records decode") {
            replayed.replay(record, h.now);
        }
    }
    replayed.loaded(0, 0);
    assert_eq!(replayed.describe_consumer_group(G), h.describe());
    // The replayed coordinator serves the members on.
    let mut h2 = Harness { c: replayed, j: Recorded::default(), topics: h.topics, now: h.now };
    h2.settle(&mut sims);
    assert_eq!(sizes(&sims), vec![1, 1, 2, 2]);
}

#[test]
fn a_partition_remembers_the_leader_epoch_it_was_loaded_in() {
    let (mut h, _sims) = three();
    assert_eq!(h.c.loaded_epoch(0), Some(0));
    assert_eq!(h.c.loaded_epoch(1), None, "never loaded");
    h.c.unload(0);
    assert_eq!(h.c.loaded_epoch(0), None);
    assert_eq!(h.describe().error_code, ErrorCode::NOT_COORDINATOR.code(), "not served once unloaded");
    h.c.loaded(0, 7);
    assert_eq!(h.c.loaded_epoch(0), Some(7));
    assert_eq!(h.describe().error_code, ErrorCode::GROUP_ID_NOT_FOUND.code(), "served again, its groups dropped");
}
