//! Three `strata server` processes forming one cluster on loopback: the Raft
//! metadata quorum, broker registration, forwarding to the active controller,
//! placement across brokers, and the loss and return of the controller.

mod support;

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use strata_client::consumer::OffsetReset;
use strata_client::{
    Acks, Admin, ClientConfig, Consumer, ConsumerConfig, Producer, ProducerConfig, ProducerRecord, TopicPartition,
};
use strata_protocol::generated::create_topics_request::CreatableTopic;
use strata_protocol::generated::{CreateTopicsRequest, DescribeQuorumRequest};
use strata_protocol::{RequestBody, ResponseBody};
use support::{wire, Broker};

/// Three nodes, each controller and broker, with short timeouts.
struct Cluster {
    nodes: Vec<Broker>,
    _tmp: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    fn start() -> Cluster {
        let tmp = tempfile::tempdir().unwrap();
        let controllers: Vec<String> = (0..3).map(|_| format!("127.0.0.1:{}", free_port())).collect();
        let voters: Vec<String> = controllers.iter().enumerate().map(|(i, c)| format!("{}@{c}", i + 1)).collect();
        let voters = voters.join(",");
        let nodes = (0..3)
            .map(|i| {
                let id = (i + 1).to_string();
                let args = [
                    "--node-id",
                    &id,
                    "--controller-listen",
                    &controllers[i],
                    "--voters",
                    &voters,
                    "--set",
                    "controller.quorum.election.timeout.ms=500",
                    "--set",
                    "broker.heartbeat.interval.ms=250",
                    "--set",
                    "broker.session.timeout.ms=2000",
                ];
                Broker::start_in(&tmp.path().join(format!("node-{id}")), &args)
            })
            .collect();
        Cluster { nodes, _tmp: tmp }
    }

    fn bootstrap(&self) -> String {
        self.nodes.iter().map(|n| n.addr()).collect::<Vec<_>>().join(",")
    }

    fn node(&mut self, id: i32) -> &mut Broker {
        &mut self.nodes[id as usize - 1]
    }
}

fn bounded<F: Future<Output = ()>>(secs: u64, work: F) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(secs), work).await.expect("the test finished in time");
    });
}

/// Polls `node`'s metadata until `ok` holds (failing after 20 s); returns
/// how long it took.
async fn until(node: &str, what: &str, ok: impl Fn(&strata_client::cluster::Metadata) -> bool) -> Duration {
    let start = Instant::now();
    let admin = Admin::new(ClientConfig::new(node)).unwrap();
    loop {
        if let Ok(meta) = admin.describe_cluster().await {
            if ok(&meta) {
                return start.elapsed();
            }
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{what} on {node} within 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `node` until topic `name` is there and `ok` holds for it.
async fn until_topic(node: &str, name: &str, ok: impl Fn(&strata_client::cluster::TopicInfo) -> bool) {
    let start = Instant::now();
    let admin = Admin::new(ClientConfig::new(node)).unwrap();
    loop {
        if admin.describe_topic(name).await.is_ok_and(|t| ok(&t)) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "topic {name} on {node} within 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// DescribeQuorum sent to `node`: (leader, epoch, high watermark, voter ids).
fn describe_quorum(node: &str) -> (i32, i32, i64, Vec<i32>) {
    use strata_protocol::generated::describe_quorum_request::{PartitionData, TopicData};
    let partition = PartitionData { partition_index: 0, ..Default::default() };
    let topic =
        TopicData { topic_name: "__cluster_metadata".into(), partitions: vec![partition], ..Default::default() };
    let request = DescribeQuorumRequest { topics: vec![topic], ..Default::default() };
    let mut s = wire::connect(node);
    let ResponseBody::DescribeQuorum(r) = wire::call(&mut s, 1, RequestBody::DescribeQuorum(request)) else { panic!() };
    let p = &r.topics[0].partitions[0];
    assert_eq!(p.error_code, 0);
    let voters = p.current_voters.iter().map(|v| v.replica_id).collect();
    (p.leader_id, p.leader_epoch, p.high_watermark, voters)
}

fn brokers(meta: &strata_client::cluster::Metadata) -> BTreeSet<i32> {
    meta.brokers.keys().copied().collect()
}

/// CreateTopics sent to one node, whatever its role.
fn create_topic_on(node: &Broker, name: &str, partitions: i32, replication_factor: i16) -> i16 {
    let topic =
        CreatableTopic { name: name.into(), num_partitions: partitions, replication_factor, ..Default::default() };
    let request = CreateTopicsRequest { topics: vec![topic], timeout_ms: 10_000, ..Default::default() };
    let mut s = wire::connect(&node.addr());
    let ResponseBody::CreateTopics(r) = wire::call(&mut s, 7, RequestBody::CreateTopics(request)) else { panic!() };
    r.topics[0].error_code
}

#[test]
fn three_nodes_form_one_cluster_and_survive_the_loss_of_the_controller() {
    let mut cluster = Cluster::start();
    let bootstrap = cluster.bootstrap();
    bounded(120, async {
        // Every node knows all three brokers and one controller.
        let all = BTreeSet::from([1, 2, 3]);
        for n in &cluster.nodes {
            until(&n.addr(), "three brokers and a controller", |m| brokers(m) == all && m.controller > 0).await;
        }
        let admin = Admin::new(ClientConfig::new(&bootstrap)).unwrap();
        let controller = admin.describe_cluster().await.unwrap().controller;

        // CreateTopics sent to a node that is not the controller is forwarded to it.
        let other = cluster.nodes.iter().find(|n| n.addr() != cluster.nodes[controller as usize - 1].addr()).unwrap();
        assert_eq!(create_topic_on(other, "orders", 3, 3), 0);
        assert_eq!(create_topic_on(other, "orders", 3, 3), 36, "TOPIC_ALREADY_EXISTS, from the controller");
        assert_eq!(create_topic_on(other, "too-wide", 1, 4), 38, "INVALID_REPLICATION_FACTOR: three brokers");
        for n in &cluster.nodes {
            until_topic(&n.addr(), "orders", |t| t.partitions.len() == 3).await;
        }
        // A real Kafka client sees the same cluster from any node.
        let listing = support::run_checked(
            std::path::Path::new("kcat"),
            &["-b".into(), other.addr(), "-L".into()],
            Duration::from_secs(30),
            other,
        );
        assert!(listing.contains(" 3 brokers:"), "kcat -L:\n{listing}");
        assert!(listing.contains(&format!("broker {controller} at")) && listing.contains("(controller)"), "{listing}");
        assert!(listing.contains("topic \"orders\" with 3 partitions"), "{listing}");
        let (leader, _, high_watermark, voters) = describe_quorum(&other.addr());
        assert_eq!((leader, voters), (controller, vec![1, 2, 3]), "DescribeQuorum, forwarded to the controller");
        assert!(high_watermark > 3, "registrations and the topic are committed");
        let topic = admin.describe_topic("orders").await.unwrap();
        let leaders: BTreeSet<i32> = topic.partitions.iter().map(|p| p.leader).collect();
        assert_eq!(leaders, all, "one leader per broker: {topic:?}");
        for p in &topic.partitions {
            assert_eq!(p.replicas.iter().copied().collect::<BTreeSet<_>>(), all);
        }

        // Records go to each partition's leader and come back.
        let producer = Producer::new({
            let mut c = ProducerConfig::new(&bootstrap);
            c.acks = Acks::Leader;
            c
        })
        .unwrap();
        for i in 0..30 {
            let value = format!("v{i}");
            producer.send(ProducerRecord::new("orders", value.as_bytes()).key(value.as_bytes())).await.unwrap();
        }
        producer.flush().await;
        let mut consumer = Consumer::new({
            let mut c = ConsumerConfig::new(&bootstrap);
            c.auto_offset_reset = OffsetReset::Earliest;
            c
        })
        .unwrap();
        consumer.assign(&(0..3).map(|p| TopicPartition { topic: "orders".into(), partition: p }).collect::<Vec<_>>());
        let mut seen = 0;
        while seen < 30 {
            let r = tokio::time::timeout(Duration::from_secs(20), consumer.recv()).await.expect("records in time");
            r.unwrap();
            seen += 1;
        }
        drop(consumer);
        producer.close().await;
    });

    // SIGKILL the active controller: another takes over, and fences it.
    let before = bounded_value(|| async {
        Admin::new(ClientConfig::new(&bootstrap)).unwrap().describe_cluster().await.unwrap().controller
    });
    let killed_at = Instant::now();
    cluster.node(before).kill();
    let survivors: Vec<String> = cluster.nodes.iter_mut().filter_map(|n| n.alive().then(|| n.addr())).collect();
    bounded(60, async {
        for n in &survivors {
            until(n, "a new controller", |m| m.controller > 0 && m.controller != before).await;
        }
        let elected = killed_at.elapsed();
        for n in &survivors {
            until(n, "the dead broker fenced", |m| !m.brokers.contains_key(&before)).await;
        }
        let fenced = killed_at.elapsed();
        let admin = Admin::new(ClientConfig::new(&survivors.join(","))).unwrap();
        let topic = admin.describe_topic("orders").await.unwrap();
        for p in &topic.partitions {
            assert_ne!(p.leader, before, "no partition is led by a fenced broker");
            assert!(!p.isr.contains(&before), "a fenced broker leaves the ISR");
        }
        // Metadata changes go on with two of three controllers.
        let new = cluster.nodes.iter().find(|n| n.addr() == survivors[0]).unwrap();
        assert_eq!(create_topic_on(new, "after", 2, 2), 0);
        let (leader, epoch, _, _) = describe_quorum(&survivors[0]);
        assert!(leader != before && epoch > 1, "a new leader in a later epoch");
        writeln!(std::io::stderr(), "controller elected after {elected:?}, broker fenced after {fenced:?}").unwrap();
    });

    // It comes back: registers again, is unfenced, and has every change.
    cluster.node(before).restart();
    let back = cluster.node(before).addr();
    bounded(60, async {
        let all = BTreeSet::from([1, 2, 3]);
        until(&back, "the returning node's view", |m| brokers(m) == all).await;
        until_topic(&back, "after", |t| t.partitions.len() == 2).await;
        until_topic(&back, "orders", |t| t.partitions.len() == 3).await;
        for n in &survivors {
            until(n, "the returning broker", |m| brokers(m) == all).await;
        }
    });
}

fn bounded_value<T, F: Future<Output = T>>(work: impl FnOnce() -> F) -> T {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async { tokio::time::timeout(Duration::from_secs(20), work()).await.expect("in time") })
}
