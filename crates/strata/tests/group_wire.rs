//! Group coordinator requests that the client libraries in the other tests
//! do not send: FindCoordinator with batched keys (v4+) and in every version,
//! OffsetFetch for several groups at once (v8+), the errors of a
//! transaction key and an unknown member, and malformed KIP-848 heartbeats —
//! checked on the wire.

mod support;

use strata_protocol::generated::find_coordinator_request::FindCoordinatorRequest;
use strata_protocol::generated::offset_commit_request::{
    OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use strata_protocol::generated::offset_fetch_request::{OffsetFetchRequest, OffsetFetchRequestGroup};
use strata_protocol::generated::{CreateTopicsRequest, HeartbeatRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use support::wire::{call, connect};
use support::Broker;

/// (topic, partition, offset, metadata) as OffsetFetch returns them.
type Committed = (String, i32, i64, Option<String>);

fn find(s: &mut std::net::TcpStream, version: i16, key_type: i8, keys: &[&str]) -> Vec<(String, i32, i16)> {
    let req = FindCoordinatorRequest {
        key: if version < 4 { keys[0].to_string() } else { String::new() },
        key_type,
        coordinator_keys: if version >= 4 { keys.iter().map(|k| k.to_string()).collect() } else { Vec::new() },
        ..Default::default()
    };
    let ResponseBody::FindCoordinator(r) = call(s, version, RequestBody::FindCoordinator(req)) else { panic!() };
    if version >= 4 {
        r.coordinators.into_iter().map(|c| (c.key, c.node_id, c.error_code)).collect()
    } else {
        vec![(keys[0].to_string(), r.node_id, r.error_code)]
    }
}

#[test]
fn find_coordinator_in_every_version_and_with_batched_keys() {
    let broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    for version in 0..=6 {
        let got = find(&mut s, version, 0, &["a", "b", "c"]);
        let want = if version >= 4 { 3 } else { 1 };
        assert_eq!(got.len(), want, "v{version}");
        assert!(got.iter().all(|(_, node, err)| *node == 1 && *err == 0), "v{version}: {got:?}");
    }
    for version in 1..=6 {
        let txn = find(&mut s, version, 1, &["txn"]);
        assert_eq!((txn[0].1, txn[0].2), (1, 0), "v{version}: transactional ids are served here too");
    }
    let bad = find(&mut s, 4, 7, &["x"]);
    assert_eq!(bad[0].2, ErrorCode::INVALID_REQUEST.code());
}

#[test]
fn offset_fetch_for_several_groups_at_once() {
    let broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    find(&mut s, 4, 0, &["g1"]);
    let create = CreateTopicsRequest {
        topics: vec![strata_protocol::generated::create_topics_request::CreatableTopic {
            name: "t".into(),
            num_partitions: 2,
            replication_factor: 1,
            ..Default::default()
        }],
        timeout_ms: 5000,
        ..Default::default()
    };
    call(&mut s, 7, RequestBody::CreateTopics(create));
    for (group, offset) in [("g1", 11), ("g2", 22)] {
        let req = OffsetCommitRequest {
            group_id: group.into(),
            generation_id_or_member_epoch: -1,
            topics: vec![OffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: 1,
                    committed_offset: offset,
                    committed_metadata: Some(format!("from {group}")),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let ResponseBody::OffsetCommit(r) = call(&mut s, 9, RequestBody::OffsetCommit(req)) else { panic!() };
        assert_eq!(r.topics[0].partitions[0].error_code, 0);
    }
    let groups = ["g1", "g2", "g3"]
        .iter()
        .map(|g| OffsetFetchRequestGroup { group_id: g.to_string(), topics: None, ..Default::default() })
        .collect();
    let req = OffsetFetchRequest { groups, require_stable: true, ..Default::default() };
    let ResponseBody::OffsetFetch(r) = call(&mut s, 9, RequestBody::OffsetFetch(req)) else { panic!() };
    let got: Vec<(String, Vec<Committed>)> = r
        .groups
        .into_iter()
        .map(|g| {
            assert_eq!(g.error_code, 0);
            let offsets = g
                .topics
                .into_iter()
                .flat_map(|t| {
                    let name = t.name;
                    t.partitions
                        .into_iter()
                        .map(move |p| (name.clone(), p.partition_index, p.committed_offset, p.metadata))
                })
                .collect();
            (g.group_id, offsets)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("g1".into(), vec![("t".into(), 1, 11, Some("from g1".into()))]),
            ("g2".into(), vec![("t".into(), 1, 22, Some("from g2".into()))]),
            ("g3".into(), vec![]),
        ]
    );
    let hb =
        HeartbeatRequest { group_id: "g1".into(), generation_id: 1, member_id: "nobody".into(), ..Default::default() };
    let ResponseBody::Heartbeat(r) = call(&mut s, 4, RequestBody::Heartbeat(hb)) else { panic!() };
    assert_eq!(r.error_code, ErrorCode::UNKNOWN_MEMBER_ID.code());
}

/// KIP-848 requests no client library sends on purpose: the coordinator's
/// field checks come back as INVALID_REQUEST with Kafka's message, an unknown
/// member and an unknown assignor get their own errors, and ConsumerGroupDescribe
/// answers for a group that does not exist — each on a connection that stays usable.
#[test]
fn consumer_group_heartbeat_refuses_bad_requests_with_a_clear_error() {
    use strata_protocol::generated::consumer_group_heartbeat_request::ConsumerGroupHeartbeatRequest;
    use strata_protocol::generated::ConsumerGroupDescribeRequest;

    let broker = Broker::start(&[]);
    let mut s = connect(&broker.addr());
    find(&mut s, 4, 0, &["k"]);
    let mut beat = |req: ConsumerGroupHeartbeatRequest| {
        let ResponseBody::ConsumerGroupHeartbeat(r) = call(&mut s, 1, RequestBody::ConsumerGroupHeartbeat(req)) else {
            panic!()
        };
        (r.error_code, r.error_message.unwrap_or_default())
    };
    let join = ConsumerGroupHeartbeatRequest {
        group_id: "k".into(),
        member_id: "m-1".into(),
        member_epoch: 0,
        rebalance_timeout_ms: 30_000,
        subscribed_topic_names: Some(vec!["t".into()]),
        topic_partitions: Some(vec![]),
        ..Default::default()
    };
    let cases = [
        (
            ConsumerGroupHeartbeatRequest { rebalance_timeout_ms: -1, ..join.clone() },
            ErrorCode::INVALID_REQUEST,
            "RebalanceTimeoutMs",
        ),
        (
            ConsumerGroupHeartbeatRequest { topic_partitions: None, ..join.clone() },
            ErrorCode::INVALID_REQUEST,
            "TopicPartitions",
        ),
        (
            ConsumerGroupHeartbeatRequest { group_id: String::new(), ..join.clone() },
            ErrorCode::INVALID_REQUEST,
            "GroupId",
        ),
        (
            ConsumerGroupHeartbeatRequest {
                subscribed_topic_names: None,
                subscribed_topic_regex: Some("(".into()),
                ..join.clone()
            },
            ErrorCode::INVALID_REQUEST,
            "SubscribedTopicRegex",
        ),
        (
            ConsumerGroupHeartbeatRequest { server_assignor: Some("magic".into()), ..join.clone() },
            ErrorCode::UNSUPPORTED_ASSIGNOR,
            "magic",
        ),
        (ConsumerGroupHeartbeatRequest { member_epoch: 3, ..join.clone() }, ErrorCode::UNKNOWN_MEMBER_ID, "m-1"),
    ];
    for (req, code, says) in cases {
        let (got, message) = beat(req);
        assert_eq!(ErrorCode::from_code(got), Some(code), "{message}");
        assert!(message.contains(says), "{code:?}: {message}");
    }
    // The same connection then joins for real: epoch 1, the member id it chose.
    let (ok, _) = beat(join);
    assert_eq!(ok, 0);
    let describe = ConsumerGroupDescribeRequest { group_ids: vec!["k".into(), "nope".into()], ..Default::default() };
    let ResponseBody::ConsumerGroupDescribe(d) = call(&mut s, 0, RequestBody::ConsumerGroupDescribe(describe)) else {
        panic!()
    };
    assert_eq!((d.groups[0].error_code, d.groups[0].members.len()), (0, 1));
    assert_eq!(d.groups[0].members[0].member_id, "m-1");
    assert_eq!(d.groups[1].error_code, ErrorCode::GROUP_ID_NOT_FOUND.code());
}
