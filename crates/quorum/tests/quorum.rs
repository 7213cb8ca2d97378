//! The quorum in one process: one node, and three nodes on loopback ports.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use strata_metadata::MetadataRecord;
use strata_protocol::internal::metadata::{ConfigRecord, ProducerIdsRecord};
use strata_quorum::{Quorum, QuorumConfig, QuorumError};
use strata_storage::OpenFiles;

/// A change of two records (an entry holds a whole change).
fn block(next: i64) -> Vec<MetadataRecord> {
    let config = ConfigRecord {
        resource_type: 4,
        resource_name: String::new(),
        name: "num.partitions".into(),
        value: Some(next.to_string()),
        ..Default::default()
    };
    vec![
        MetadataRecord::Config(config),
        MetadataRecord::ProducerIds(ProducerIdsRecord { next_producer_id: next, ..Default::default() }),
    ]
}

async fn start(node_id: u64, voters: &BTreeMap<u64, String>, dir: &std::path::Path) -> Quorum {
    let listen = (voters.len() > 1).then(|| voters[&node_id].clone());
    let config = QuorumConfig {
        node_id,
        voters: voters.clone(),
        listen,
        data_dir: dir.join(node_id.to_string()),
        election_timeout_ms: 300,
        snapshot_after_entries: 8,
    };
    Quorum::start(config, OpenFiles::new(64)).await.unwrap()
}

async fn leader_of(nodes: &[&Quorum]) -> u64 {
    for _ in 0..200 {
        if let Some(n) = nodes.iter().find(|n| n.is_leader()) {
            return n.leader().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen: Vec<_> = nodes.iter().map(|n| n.status()).collect();
    panic!("no leader elected within 10 s: {seen:?}");
}

async fn wait_for_next_id(q: &Quorum, want: i64) {
    let mut rx = q.subscribe();
    let seen = rx.wait_for(|a| a.image.next_producer_id() >= want);
    tokio::time::timeout(Duration::from_secs(10), seen).await.expect("the change reaches every node").unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_node_keeps_its_changes_and_snapshots_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let voters = BTreeMap::from([(1, String::new())]);
    let q = start(1, &voters, dir.path()).await;
    leader_of(&[&q]).await;
    for i in 1..=30 {
        q.write(|_| Ok::<_, ()>(block(i * 100))).await.unwrap().unwrap();
    }
    let refused = q.write(|_| Err::<Vec<MetadataRecord>, _>("no")).await.unwrap();
    assert_eq!(refused.unwrap_err(), "no");
    q.shutdown().await;
    drop(q);

    let q = start(1, &voters, dir.path()).await;
    let checkpoints = std::fs::read_dir(dir.path().join("1").join(strata_quorum::METADATA_DIR))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".checkpoint"))
        .count();
    assert_eq!(checkpoints, 1, "one snapshot is kept");
    assert_eq!(q.applied().image.next_producer_id(), 3000, "the snapshot and the log after it are applied at start");
    leader_of(&[&q]).await;
    q.write(|image| Ok::<_, ()>(block(image.next_producer_id() + 1000))).await.unwrap().unwrap();
    assert_eq!(q.applied().image.next_producer_id(), 4000);
    q.shutdown().await;
}

fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

/// Three voters on loopback ports in `dir`: their addresses, the nodes (by
/// id, from 1) and the leader they elected.
async fn start_three(dir: &std::path::Path) -> (BTreeMap<u64, String>, Vec<Arc<Quorum>>, u64) {
    // RUST_LOG=openraft=info shows the elections of a failing run.
    let filter = tracing_subscriber::EnvFilter::from_default_env();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    let ports = free_ports(3);
    let voters: BTreeMap<u64, String> = (1..=3).map(|i| (i, format!("127.0.0.1:{}", ports[i as usize - 1]))).collect();
    let mut nodes = Vec::new();
    for id in 1..=3 {
        nodes.push(Arc::new(start(id, &voters, dir).await));
    }
    let leader = leader_of(&nodes.iter().map(|n| n.as_ref()).collect::<Vec<_>>()).await;
    (voters, nodes, leader)
}

#[tokio::test(flavor = "multi_thread")]
async fn three_voters_agree_and_survive_the_loss_of_the_leader() {
    let dir = tempfile::tempdir().unwrap();
    let (voters, nodes, leader) = start_three(dir.path()).await;
    // Garbage on a controller listener: an oversized frame and an undecodable
    // one each close their connection; the quorum goes on.
    for junk in [&[0xff, 0xff, 0xff, 0xff][..], &[0, 0, 0, 3, 0xee, 0xee, 0xee][..]] {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(&voters[&1]).await.unwrap();
        s.write_all(junk).await.unwrap();
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await.expect("closed in time");
        assert!(matches!(read, Ok(0) | Err(_)), "the connection is closed without an answer");
    }
    let follower = nodes.iter().find(|n| !n.is_leader()).unwrap();
    match follower.write(|_| Ok::<_, ()>(block(1))).await {
        Err(QuorumError::NotLeader(Some(l))) => assert_eq!(l, leader),
        other => panic!("a follower must refuse to write: {other:?}"),
    }
    let l = &nodes[leader as usize - 1];
    l.write(|_| Ok::<_, ()>(block(1000))).await.unwrap().unwrap();
    for n in &nodes {
        wait_for_next_id(n, 1000).await;
    }

    l.shutdown().await;
    let rest: Vec<&Quorum> = nodes.iter().filter(|n| !Arc::ptr_eq(n, l)).map(|n| n.as_ref()).collect();
    let next = leader_of(&rest).await;
    assert_ne!(next, leader);
    let nl = &nodes[next as usize - 1];
    for _ in 0..20 {
        nl.write(|image| Ok::<_, ()>(block(image.next_producer_id() + 50))).await.unwrap().unwrap();
    }
    for n in &rest {
        wait_for_next_id(n, 2000).await;
    }

    // The old leader comes back and catches up from a snapshot: the entries
    // it missed are purged from the others' logs.
    let back = start(leader, &voters, dir.path()).await;
    wait_for_next_id(&back, 2000).await;
    let status = nl.status();
    assert_eq!(status.leader, Some(next));
    assert_eq!(status.voters.len(), 3);
    back.shutdown().await;
    for n in rest {
        n.shutdown().await;
    }
}

/// The end of `q`'s own log, as its status tells.
fn own_end(q: &Quorum, id: u64) -> i64 {
    q.status().voters.iter().find(|(v, _)| *v == id).map_or(-1, |(_, end)| *end)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leader_restored_at_restart_decides_on_the_entries_it_had_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (voters, nodes, leader) = start_three(dir.path()).await;
    let l = nodes[leader as usize - 1].clone();
    l.write(|_| Ok::<_, ()>(block(1000))).await.unwrap().unwrap();
    for n in &nodes {
        wait_for_next_id(n, 1000).await;
    }
    // The leader decides a change, the followers stop before it is
    // proposed, and it stays in the leader's log uncommitted.
    let followers: Vec<u64> = (1..=3).filter(|id| *id != leader).collect();
    let stopping: Vec<Arc<Quorum>> = followers.iter().map(|id| nodes[*id as usize - 1].clone()).collect();
    let end = own_end(&l, leader);
    let pending = tokio::spawn({
        let l = l.clone();
        async move {
            l.write(|image| {
                let stop = async {
                    for f in &stopping {
                        f.shutdown().await;
                    }
                };
                tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(stop));
                Ok::<_, ()>(block(image.next_producer_id() + 1000))
            })
            .await
        }
    });
    for _ in 0..500 {
        if own_end(&l, leader) > end {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(own_end(&l, leader), end + 1, "the change is in the leader's log");
    l.shutdown().await;
    pending.abort();
    drop((l, nodes));

    // Back in the same order: the leader leads again at once (its vote was
    // committed), with the change still uncommitted. A new change must see it.
    let l = start(leader, &voters, dir.path()).await;
    let mut rest = Vec::new();
    for id in &followers {
        rest.push(start(*id, &voters, dir.path()).await);
    }
    let mut seen = -1;
    let write = l.write(|image| {
        seen = image.next_producer_id();
        Ok::<_, ()>(block(image.next_producer_id() + 1000))
    });
    tokio::time::timeout(Duration::from_secs(20), write).await.expect("written in time").unwrap().unwrap();
    assert_eq!(seen, 2000, "the decision saw the change of the leader's earlier run");
    for n in rest.iter().chain([&l]) {
        wait_for_next_id(n, 3000).await;
        assert_eq!(n.applied().image.next_producer_id(), 3000);
    }
    for n in rest.iter().chain([&l]) {
        n.shutdown().await;
    }
}
