//! Three `strata server` processes forming one cluster on loopback: the Raft
//! metadata quorum, broker registration, forwarding to the active controller,
//! placement across brokers, and the loss and return of the controller.

mod support;

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use strata_client::admin::ClusterDescription;
use strata_client::consumer::OffsetReset;
use strata_client::{
    Acks, Admin, ClientConfig, Consumer, ConsumerConfig, Producer, ProducerConfig, ProducerRecord, TopicPartition,
};
use strata_protocol::generated::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use strata_protocol::generated::{CreateTopicsRequest, DescribeQuorumRequest};
use strata_protocol::{RequestBody, ResponseBody};
use support::{wire, Broker};

/// Three nodes, each controller and broker, with short timeouts.
struct Cluster {
    nodes: Vec<Broker>,
    /// The nodes' namespaces, when they run in their own (after `nodes`: the
    /// processes go before their network).
    network: Option<support::Network>,
    /// controller.quorum.voters.
    voters: String,
    /// Each node's metrics listener (metrics.listen).
    metrics: Vec<String>,
    _tmp: tempfile::TempDir,
}

/// Every node's timeouts: short, for quick failovers.
const TIMEOUTS: &[&str] = &[
    "--set",
    "controller.quorum.election.timeout.ms=500",
    "--set",
    "broker.heartbeat.interval.ms=250",
    "--set",
    "broker.session.timeout.ms=2000",
];

impl Cluster {
    fn start() -> Cluster {
        Cluster::start_with(&[])
    }

    /// Three nodes on loopback with `extra` settings (`--set NAME=VALUE` pairs).
    fn start_with(extra: &[&str]) -> Cluster {
        Cluster::start_on(None, extra)
    }

    /// Three nodes, each in its own network namespace of `network` (or all
    /// on loopback), with `extra` settings.
    fn start_on(network: Option<support::Network>, extra: &[&str]) -> Cluster {
        Cluster::start_limited(network, extra, None)
    }

    /// [`Cluster::start_on`], with node `limit.0`'s files unable to grow past
    /// `limit.1` bytes (a full disk), if `limit` is given.
    fn start_limited(network: Option<support::Network>, extra: &[&str], limit: Option<(i32, u64)>) -> Cluster {
        let tmp = tempfile::tempdir().unwrap();
        let host = |i: usize| network.as_ref().map_or("127.0.0.1".to_string(), |n| n.address(i + 1));
        let controllers: Vec<String> = (0..3).map(|i| format!("{}:{}", host(i), support::free_port())).collect();
        let voters: Vec<String> = controllers.iter().enumerate().map(|(i, c)| format!("{}@{c}", i + 1)).collect();
        let voters = voters.join(",");
        let metrics: Vec<String> = (0..3).map(|i| format!("{}:{}", host(i), support::free_port())).collect();
        let nodes = (0..3)
            .map(|i| {
                let id = (i + 1).to_string();
                let mut args = vec!["--node-id", &id, "--controller-listen", &controllers[i], "--voters", &voters];
                args.extend_from_slice(&["--metrics-listen", &metrics[i]]);
                args.extend_from_slice(TIMEOUTS);
                args.extend_from_slice(extra);
                let dir = tmp.path().join(format!("node-{id}"));
                match (&network, limit) {
                    (Some(n), _) => Broker::start_in_netns(&dir, &n.namespace(i + 1), &host(i), &args),
                    (None, Some((node, bytes))) if node as usize == i + 1 => {
                        Broker::start_in_with_file_size_limit(&dir, &args, bytes)
                    }
                    (None, _) => Broker::start_in(&dir, &args),
                }
            })
            .collect();
        Cluster { nodes, network, voters, metrics, _tmp: tmp }
    }

    fn bootstrap(&self) -> String {
        self.nodes.iter().map(|n| n.addr()).collect::<Vec<_>>().join(",")
    }

    fn node(&mut self, id: i32) -> &mut Broker {
        &mut self.nodes[id as usize - 1]
    }
}

/// A failed test prints the end of each node's log; with STRATA_KEEP_FAILED
/// set, it keeps the nodes' directories too.
impl Drop for Cluster {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let log = n.log_text();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(120)..].join("\n");
            eprintln!("--- the end of node {}'s log ---\n{tail}", i + 1);
        }
        if std::env::var_os("STRATA_KEEP_FAILED").is_some() {
            eprintln!("kept {}", self._tmp.path().display());
            self._tmp.disable_cleanup(true);
        }
    }
}

fn bounded<F: Future<Output = ()>>(secs: u64, work: F) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(secs), work).await.expect("the test finished in time");
    });
}

/// Polls `node`'s DescribeCluster (brokers that are up) until `ok` holds
/// (failing after 20 s); returns how long it took.
async fn until(node: &str, what: &str, ok: impl Fn(&ClusterDescription) -> bool) -> Duration {
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
    let (leader, epoch, high_watermark, voters, _) = describe_quorum_with_observers(node);
    (leader, epoch, high_watermark, voters)
}

/// DescribeQuorum sent to `node`: as [`describe_quorum`], and the observers' ids.
fn describe_quorum_with_observers(node: &str) -> (i32, i32, i64, Vec<i32>, Vec<i32>) {
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
    let observers = p.observers.iter().map(|v| v.replica_id).collect();
    (p.leader_id, p.leader_epoch, p.high_watermark, voters, observers)
}

fn brokers(meta: &ClusterDescription) -> BTreeSet<i32> {
    meta.brokers.keys().copied().collect()
}

/// CreateTopics sent to one node, whatever its role.
fn create_topic_on(node: &Broker, name: &str, partitions: i32, replication_factor: i16) -> i16 {
    create_topic_with(node, name, partitions, replication_factor, &[])
}

/// CreateTopics with topic configs, sent to one node.
fn create_topic_with(
    node: &Broker,
    name: &str,
    partitions: i32,
    replication_factor: i16,
    configs: &[(&str, &str)],
) -> i16 {
    let topic = CreatableTopic {
        name: name.into(),
        num_partitions: partitions,
        replication_factor,
        configs: topic_configs(configs),
        ..Default::default()
    };
    create_topic(node, topic)
}

/// Topic configs as CreateTopics carries them.
fn topic_configs(configs: &[(&str, &str)]) -> Vec<CreatableTopicConfig> {
    configs
        .iter()
        .map(|(n, v)| CreatableTopicConfig { name: n.to_string(), value: Some(v.to_string()), ..Default::default() })
        .collect()
}

/// CreateTopics of `topic`, sent to one node; its error code.
fn create_topic(node: &Broker, topic: CreatableTopic) -> i16 {
    let request = CreateTopicsRequest { topics: vec![topic], timeout_ms: 10_000, ..Default::default() };
    let mut s = wire::connect(&node.addr());
    let ResponseBody::CreateTopics(r) = wire::call(&mut s, 7, RequestBody::CreateTopics(request)) else { panic!() };
    r.topics[0].error_code
}

/// A strata-client producer to `bootstrap` with `acks`.
fn producer(bootstrap: &str, acks: Acks) -> Producer {
    let mut c = ProducerConfig::new(bootstrap);
    c.acks = acks;
    Producer::new(c).unwrap()
}

/// What kcat (librdkafka) reads of partition 0 of `topic` from the
/// beginning, one `offset:value` line per record; `node` is the one whose
/// log a failure prints.
fn kcat_read(node: &Broker, bootstrap: &str, topic: &str) -> String {
    let args: Vec<String> = ["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o:%s\\n"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    support::run_checked(std::path::Path::new("kcat"), &args, Duration::from_secs(60), node)
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
        // Idempotent producers get ids from every node: the others ask the
        // controller for blocks (AllocateProducerIds), and no id repeats.
        let ids: BTreeSet<i64> = cluster
            .nodes
            .iter()
            .flat_map(|n| (0..2).map(|_| wire::new_producer_id(&mut wire::connect(&n.addr()))).collect::<Vec<_>>())
            .collect();
        assert_eq!(ids.len(), 6, "distinct producer ids from three nodes: {ids:?}");
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
        let producer = producer(&bootstrap, Acks::Leader);
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
        // Once in sync, it leads its partitions again when asked
        // (ElectLeaders, forwarded from any node to the controller).
        // confluent-kafka's AdminClient.elect_leaders, as a user runs it.
        until_topic(&back, "orders", |t| t.partitions.iter().all(|p| p.isr.len() == 3)).await;
        let returned = cluster.nodes.iter().find(|n| n.addr() == back).unwrap();
        let elected = support::run_script(returned, "admin.py", &["elect", "orders", "3"], Duration::from_secs(60));
        let results: Vec<&str> = elected.lines().collect();
        assert!(results.iter().all(|r| r.ends_with(":ok") || r.ends_with(":ELECTION_NOT_NEEDED")), "{elected}");
        assert!(
            results.len() == 3 && results.iter().any(|r| r.ends_with(":ok")),
            "one partition moves back: {elected}"
        );
        // Committed on the controller; every node's image follows.
        for n in cluster.nodes.iter().map(|n| n.addr()) {
            until_topic(&n, "orders", |t| t.partitions.iter().all(|p| p.leader == p.replicas[0])).await;
        }
        assert_eq!(elect_leaders(&back, 0, "orders", &[0, 1, 2]), vec![84; 3], "ELECTION_NOT_NEEDED");
        assert_eq!(elect_leaders(&back, 0, "orders", &[7]), vec![3], "UNKNOWN_TOPIC_OR_PARTITION");
        assert_eq!(elect_leaders(&back, 1, "orders", &[0]), vec![42], "unclean: INVALID_REQUEST");
    });
}

/// `strata topic create` the moment three nodes listen, before they have
/// elected a controller, through each node in turn: a node without a
/// controller waits for one (as Kafka's forwarding does) and the admin client
/// tries NOT_CONTROLLER again, so the command succeeds. Then confluent-kafka's
/// AdminClient creates one through the third node. (Not before the election:
/// librdkafka sends CreateTopics only once Metadata names a controller, and
/// did not ask again within the script's 15 s; Kafka too names none until a
/// broker has registered.)
#[test]
fn topics_created_the_moment_a_cluster_starts_are_created() {
    let cluster = Cluster::start();
    let strata = std::path::Path::new(env!("CARGO_BIN_EXE_strata"));
    for (i, node) in cluster.nodes.iter().enumerate() {
        let topic = format!("early-{i}");
        // Replication factor 1: a factor above the brokers registered so far
        // is refused at once with INVALID_REPLICATION_FACTOR, as in Kafka.
        let args: Vec<String> =
            ["topic", "create", &topic, "--brokers", &node.addr(), "--partitions", "2"].map(String::from).to_vec();
        support::run_checked(strata, &args, Duration::from_secs(60), node);
    }
    support::run_script(&cluster.nodes[2], "admin.py", &["create", "early-confluent", "2"], Duration::from_secs(90));
    bounded(60, async {
        for node in &cluster.nodes {
            for topic in ["early-0", "early-1", "early-2", "early-confluent"] {
                until_topic(&node.addr(), topic, |t| t.partitions.len() == 2).await;
            }
        }
    });
}

/// A voter alone (its two peers never start) has no controller: CreateTopics
/// through it is answered NOT_CONTROLLER after the node's 10 s wait, and the
/// admin client stops retrying once `default.api.timeout.ms` has passed.
#[test]
fn without_a_controller_topic_creation_fails_with_not_controller_in_bounded_time() {
    let tmp = tempfile::tempdir().unwrap();
    let controllers: Vec<String> = (0..3).map(|_| format!("127.0.0.1:{}", support::free_port())).collect();
    let voters: Vec<String> = controllers.iter().enumerate().map(|(i, c)| format!("{}@{c}", i + 1)).collect();
    let voters = voters.join(",");
    let mut args = vec!["--node-id", "1", "--controller-listen", &controllers[0], "--voters", &voters];
    args.extend_from_slice(TIMEOUTS);
    let lone = Broker::start_in(&tmp.path().join("node-1"), &args);
    bounded(60, async {
        let mut config = ClientConfig::new(&lone.addr());
        config.default_api_timeout = Duration::from_secs(3);
        let admin = Admin::new(config).unwrap();
        let started = Instant::now();
        let error = admin
            .create_topic(&strata_client::admin::NewTopic {
                name: "lonely".into(),
                partitions: 1,
                replication_factor: 1,
                configs: Vec::new(),
            })
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(error.code(), Some(strata_protocol::ErrorCode::NOT_CONTROLLER), "{error}");
        assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(30), "answered after {took:?}");
    });
    // A group's coordinator cannot be found either (`__consumer_offsets`
    // cannot be created): the answer is Kafka's retriable one, which
    // clients wait out, not an unknown error that a consumer gives up on.
    use strata_protocol::generated::FindCoordinatorRequest;
    let request = FindCoordinatorRequest { key: "g".into(), key_type: 0, ..Default::default() };
    let answer = wire::call(&mut wire::connect(&lone.addr()), 3, RequestBody::FindCoordinator(request));
    let ResponseBody::FindCoordinator(r) = answer else { panic!() };
    assert_eq!(r.error_code, strata_protocol::ErrorCode::COORDINATOR_NOT_AVAILABLE.code(), "{r:?}");
}

/// ElectLeaders of `election_type` (0 preferred, 1 unclean) for
/// `partitions` of `topic`, sent to `node`: each partition's error code.
fn elect_leaders(node: &str, election_type: i8, topic: &str, partitions: &[i32]) -> Vec<i16> {
    use strata_protocol::generated::elect_leaders_request::TopicPartitions;
    use strata_protocol::generated::ElectLeadersRequest;
    let asked = TopicPartitions { topic: topic.into(), partitions: partitions.to_vec(), ..Default::default() };
    let request = ElectLeadersRequest {
        election_type,
        topic_partitions: Some(vec![asked]),
        timeout_ms: 10_000,
        ..Default::default()
    };
    let mut s = wire::connect(node);
    let ResponseBody::ElectLeaders(r) = wire::call(&mut s, 2, RequestBody::ElectLeaders(request)) else { panic!() };
    assert_eq!(r.error_code, 0, "{r:?}");
    r.replica_election_results[0].partition_result.iter().map(|p| p.error_code).collect()
}

fn bounded_value<T, F: Future<Output = T>>(work: impl FnOnce() -> F) -> T {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async { tokio::time::timeout(Duration::from_secs(20), work()).await.expect("in time") })
}

/// Every (offset, value) in a partition directory's segment files, read from
/// the disk as they are.
fn on_disk(dir: &std::path::Path) -> Vec<(i64, String)> {
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "log")).collect())
        .unwrap_or_default();
    logs.sort();
    let mut out = Vec::new();
    for log in logs {
        let bytes = bytes::Bytes::from(std::fs::read(&log).unwrap());
        for batch in strata_records::Batches::new(bytes) {
            let Ok(batch) = batch else { break };
            let data = batch.records_data(1 << 26).unwrap();
            for r in batch.records(&data) {
                let r = r.unwrap();
                let offset = batch.header.base_offset + i64::from(r.offset_delta);
                out.push((offset, String::from_utf8_lossy(r.value.unwrap_or_default()).into_owned()));
            }
        }
    }
    out
}

/// The fault tests' clients give up on a request after 3 s
/// (`request.timeout.ms`; Kafka's default is 30 s): a request sent to a
/// leader cut off from the network gets no answer until then, with Kafka's
/// clients as with these.
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// Produces "0", "1", ... with acks=all to `topic` until `stop`, noting each
/// acknowledged value's offset and when it was acknowledged.
async fn produce_until(
    bootstrap: String,
    topic: &'static str,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<(u64, i64, Instant)> {
    let producer = Producer::new({
        let mut c = ProducerConfig::new(&bootstrap);
        c.acks = Acks::All;
        c.linger = Duration::from_millis(1);
        c.max_in_flight = 1;
        c.delivery_timeout = Duration::from_secs(60);
        c.client.request_timeout = CLIENT_REQUEST_TIMEOUT;
        c
    })
    .unwrap();
    let mut acked = Vec::new();
    let mut next = 0u64;
    while !*stop.borrow() {
        let value = next.to_string();
        let delivery = producer.send(ProducerRecord::new(topic, value.as_bytes()).partition(0)).await.unwrap();
        match delivery.await {
            Ok(meta) => acked.push((next, meta.offset, Instant::now())),
            Err(e) => eprintln!("record {next} not acknowledged: {e}"),
        }
        next += 1;
    }
    producer.close().await;
    acked
}

/// What a consumer of partition 0 of `topic` read until `stop`: (offset, value, when).
async fn consume_until(
    bootstrap: String,
    topic: &'static str,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<(i64, String, Instant)> {
    let mut consumer = Consumer::new({
        let mut c = ConsumerConfig::new(&bootstrap);
        c.auto_offset_reset = OffsetReset::Earliest;
        c.client.request_timeout = CLIENT_REQUEST_TIMEOUT;
        c
    })
    .unwrap();
    consumer.assign(&[TopicPartition { topic: topic.into(), partition: 0 }]);
    let mut seen = Vec::new();
    while !*stop.borrow() {
        if let Ok(Ok(r)) = tokio::time::timeout(Duration::from_millis(200), consumer.recv()).await {
            let value = String::from_utf8_lossy(&r.value.unwrap_or_default()).into_owned();
            seen.push((r.offset, value, Instant::now()));
        }
    }
    seen
}

/// The longest pause in `times` (sorted) within 20 s of `since`, counting
/// from `since`: how long progress stopped after a fault.
fn longest_pause(times: impl Iterator<Item = Instant>, since: Instant) -> Duration {
    let window = since + Duration::from_secs(20);
    let mut last = since;
    let mut longest = Duration::ZERO;
    for t in times.filter(|t| *t > since && *t < window) {
        longest = longest.max(t - last);
        last = t;
    }
    assert!(last > since, "progress after the fault");
    longest
}

/// A topic with replication factor 3 and min.insync.replicas=2 on three
/// nodes, an acks=all producer and a consumer running throughout `faults`
/// (which gets the cluster and returns when each fault happened). Then:
/// every replica holds the same records at the same offsets, every
/// acknowledged record is there, the consumer read only what the log holds,
/// records are in produce order, and producer and consumer moved again
/// after each fault (the delays are printed).
fn survives(name: &str, faults: impl FnOnce(&mut Cluster, &tokio::runtime::Runtime) -> Vec<Instant>) {
    survives_on(name, None, faults)
}

/// The settings of the fault tests: a follower leaves the ISR after 2 s
/// behind, and leaders go back to preferred replicas within a second.
const FAULT_SETTINGS: &[&str] =
    &["--set", "replica.lag.time.max.ms=2000", "--set", "leader.imbalance.check.interval.seconds=1"];

/// [`survives`], with each node in its own namespace of `network` (if any).
fn survives_on(
    name: &str,
    network: Option<support::Network>,
    faults: impl FnOnce(&mut Cluster, &tokio::runtime::Runtime) -> Vec<Instant>,
) {
    let mut cluster = Cluster::start_on(network, FAULT_SETTINGS);
    let bootstrap = cluster.bootstrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), async {
            replicated_topic(&cluster, "replicated", 1, &[("min.insync.replicas", "2")]).await;
        })
        .await
        .expect("the cluster starts in time");
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let producing = runtime.spawn(produce_until(bootstrap.clone(), "replicated", stopped.clone()));
    let consuming = runtime.spawn(consume_until(bootstrap.clone(), "replicated", stopped));
    std::thread::sleep(Duration::from_secs(2));
    let fault_times = faults(&mut cluster, &runtime);
    std::thread::sleep(Duration::from_secs(6));
    let _ = stop.send(true);
    let (acked, consumed) = runtime.block_on(async {
        let acked = tokio::time::timeout(Duration::from_secs(90), producing).await.unwrap().unwrap();
        let consumed = tokio::time::timeout(Duration::from_secs(30), consuming).await.unwrap().unwrap();
        (acked, consumed)
    });
    for (i, at) in fault_times.iter().enumerate() {
        let produced = longest_pause(acked.iter().map(|a| a.2), *at);
        let read = longest_pause(consumed.iter().map(|c| c.2), *at);
        eprintln!("{name}, fault {}: acks=all paused at most {produced:?}, the consumer {read:?}", i + 1);
    }
    // Every node back in the ISR, then every replica identical.
    for n in cluster.nodes.iter_mut() {
        if !n.alive() {
            n.restart();
        }
    }
    until_in_sync(&cluster, &runtime);
    let dirs: Vec<std::path::PathBuf> =
        (1..=3).map(|i| cluster._tmp.path().join(format!("node-{i}")).join("replicated-0")).collect();
    let start = Instant::now();
    let logs = loop {
        let logs: Vec<Vec<(i64, String)>> = dirs.iter().map(|d| on_disk(d)).collect();
        if logs.windows(2).all(|w| w[0] == w[1]) || start.elapsed() > Duration::from_secs(20) {
            break logs;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    for (i, log) in logs.iter().enumerate() {
        assert_eq!(log, &logs[0], "node {} holds the same records at the same offsets as node 1", i + 1);
    }
    let log: std::collections::BTreeMap<i64, &str> = logs[0].iter().map(|(o, v)| (*o, v.as_str())).collect();
    assert!(acked.len() > 50, "{} records acknowledged", acked.len());
    for (value, offset, _) in &acked {
        assert_eq!(
            log.get(offset).copied(),
            Some(value.to_string().as_str()),
            "acknowledged record {value} at {offset}"
        );
    }
    for (offset, value, _) in &consumed {
        assert_eq!(log.get(offset).copied(), Some(value.as_str()), "the consumer read at {offset} what the log holds");
    }
    // A retry after a failover may repeat a record; first copies keep produce order.
    let mut seen = BTreeSet::new();
    let firsts: Vec<u64> = log.values().map(|v| v.parse::<u64>().unwrap()).filter(|v| seen.insert(*v)).collect();
    assert!(firsts.windows(2).all(|w| w[0] < w[1]), "records in produce order");
    // librdkafka (kcat) reads the whole partition from whichever node leads it now.
    let read = kcat_read(&cluster.nodes[0], &bootstrap, "replicated");
    let expected: String = log.iter().map(|(o, v)| format!("{o}:{v}\n")).collect();
    assert_eq!(read, expected, "kcat reads exactly the replicated log");
}

/// Waits (up to 30 s) until every node sees all three replicas in sync
/// again (one that has not applied the latest change yet may see an old ISR).
fn until_in_sync(cluster: &Cluster, runtime: &tokio::runtime::Runtime) {
    runtime.block_on(async {
        let rejoined = async {
            for n in &cluster.nodes {
                until_topic(&n.addr(), "replicated", |t| t.partitions[0].isr.len() == 3).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), rejoined).await.expect("the ISR is whole again");
    });
}

/// How many times `node` has registered with the controller (its log spans its restarts).
fn registrations(node: &Broker) -> usize {
    node.log_text().matches("registered with the controller").count()
}

/// Waits (up to 20 s) until `node` has registered more than `before` times:
/// from then on, the ISR the controller holds shows that it restarted.
fn until_registered(node: &Broker, before: usize) {
    let start = Instant::now();
    while registrations(node) == before {
        assert!(start.elapsed() < Duration::from_secs(20), "{} registers again within 20 s", node.addr());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until every node sees all three brokers, then creates `topic` with
/// `partitions`, replication factor 3 and `configs`, and waits until the ISR
/// of each of its partitions is whole.
/// A topic of one partition on replicas [1, 2, 3] with min.insync.replicas
/// 2, once node 1 leads it with all three in sync.
async fn topic_led_by_node_1(cluster: &Cluster, name: &str) {
    topic_led_by(cluster, name, 1).await;
}

/// [`topic_led_by_node_1`], led by node `leader` (its preferred replica).
async fn topic_led_by(cluster: &Cluster, name: &str, leader: i32) {
    let all = BTreeSet::from([1, 2, 3]);
    for n in &cluster.nodes {
        until(&n.addr(), "three brokers", |m| brokers(m) == all).await;
    }
    let topic = CreatableTopic {
        name: name.into(),
        num_partitions: -1,
        replication_factor: -1,
        assignments: vec![CreatableReplicaAssignment {
            partition_index: 0,
            broker_ids: [leader].into_iter().chain((1..=3).filter(|&n| n != leader)).collect(),
            ..Default::default()
        }],
        configs: topic_configs(&[("min.insync.replicas", "2")]),
        ..Default::default()
    };
    assert_eq!(create_topic(&cluster.nodes[0], topic), 0);
    let in_sync = |t: &strata_client::cluster::TopicInfo| t.partitions[0].isr.len() == 3;
    until_topic(&cluster.bootstrap(), name, |t| in_sync(t) && t.partitions[0].leader == leader).await;
}

async fn replicated_topic(cluster: &Cluster, topic: &str, partitions: i32, configs: &[(&str, &str)]) {
    let all = BTreeSet::from([1, 2, 3]);
    for n in &cluster.nodes {
        until(&n.addr(), "three brokers", |m| brokers(m) == all).await;
    }
    assert_eq!(create_topic_with(&cluster.nodes[0], topic, partitions, 3, configs), 0);
    until_topic(&cluster.bootstrap(), topic, |t| t.partitions.iter().all(|p| p.isr.len() == 3)).await;
}

/// SIGKILL and restart of `id`, until it has registered again.
fn kill_and_restart(cluster: &mut Cluster, id: i32) {
    let before = registrations(cluster.node(id));
    cluster.node(id).restart();
    until_registered(cluster.node(id), before);
}

/// Waits (up to 30 s) until `id` leads partition 0 of "replicated" again;
/// how long that took.
fn until_leading(cluster: &Cluster, runtime: &tokio::runtime::Runtime, id: i32) -> Duration {
    let start = Instant::now();
    let bootstrap = cluster.bootstrap();
    runtime.block_on(async {
        while leader_of(&bootstrap, "replicated").await != id {
            assert!(start.elapsed() < Duration::from_secs(30), "{id} leads again, as the preferred replica");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    start.elapsed()
}

#[test]
fn acks_all_records_survive_the_leaders_sigkill_and_restart() {
    survives("leader SIGKILL", |cluster, runtime| {
        let leader = runtime.block_on(leader_of(&cluster.bootstrap(), "replicated"));
        let at = Instant::now();
        cluster.node(leader).kill();
        std::thread::sleep(Duration::from_secs(6));
        cluster.node(leader).restart();
        until_in_sync(cluster, runtime);
        // The preferred replica leads again once in sync (auto.leader.rebalance.enable).
        let back = until_leading(cluster, runtime, leader);
        eprintln!("leader SIGKILL: the preferred replica {leader} leads again {back:?} after the ISR was whole");
        vec![at, Instant::now() - back]
    });
}

#[test]
fn acks_all_records_survive_the_sigkill_of_two_brokers_one_after_the_other() {
    survives("two SIGKILLs", |cluster, runtime| {
        let bootstrap = cluster.bootstrap();
        let first = runtime.block_on(leader_of(&bootstrap, "replicated"));
        let first_at = Instant::now();
        cluster.node(first).kill();
        // A new leader from the ISR, then it goes too: one node of three is
        // left, without a metadata quorum; nothing is acknowledged.
        let second = runtime.block_on(async {
            let start = Instant::now();
            loop {
                let leader = leader_of(&bootstrap, "replicated").await;
                if leader > 0 && leader != first {
                    return leader;
                }
                assert!(start.elapsed() < Duration::from_secs(20), "a new leader after the first SIGKILL");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        std::thread::sleep(Duration::from_secs(2));
        let second_at = Instant::now();
        cluster.node(second).kill();
        std::thread::sleep(Duration::from_secs(3));
        // The first comes back: a quorum again; the last in-sync replica leads.
        let back_at = Instant::now();
        cluster.node(first).restart();
        std::thread::sleep(Duration::from_secs(3));
        cluster.node(second).restart();
        until_in_sync(cluster, runtime);
        vec![first_at, second_at, back_at]
    });
}

#[test]
fn acks_all_records_survive_the_leaders_controlled_shutdown() {
    survives("controlled shutdown", |cluster, runtime| {
        let leader = runtime.block_on(leader_of(&cluster.bootstrap(), "replicated"));
        let at = Instant::now();
        let status = cluster.node(leader).terminate(Duration::from_secs(40));
        let exited = at.elapsed();
        assert!(status.success(), "SIGTERM: a clean exit, {status}");
        let log = cluster.node(leader).log_text();
        assert!(log.contains("this broker leads no partition now"), "the controller moved its leadership:\n{log}");
        eprintln!("controlled shutdown: the leader exited {exited:?} after SIGTERM");
        if exited > Duration::from_secs(5) {
            eprintln!("a slow controlled shutdown; the broker's log:\n{log}");
        }
        cluster.node(leader).restart();
        until_in_sync(cluster, runtime);
        until_leading(cluster, runtime, leader);
        vec![at]
    });
}

#[test]
fn acks_all_records_survive_the_leaders_isolation_from_the_network() {
    let network = support::Network::new(3);
    survives_on("leader isolated", Some(network), |cluster, runtime| {
        let leader = runtime.block_on(leader_of(&cluster.bootstrap(), "replicated"));
        let net = cluster.network.as_ref().expect("a network");
        let at = Instant::now();
        net.cut(leader as usize);
        // The others fence it and elect a new leader; it still believes it leads.
        std::thread::sleep(Duration::from_secs(12));
        let healed_at = Instant::now();
        net.heal(leader as usize);
        until_in_sync(cluster, runtime);
        vec![at, healed_at]
    });
}

#[test]
fn acks_all_records_survive_a_rolling_restart_of_all_three() {
    survives("rolling restart", |cluster, runtime| {
        let mut times = Vec::new();
        for id in 1..=3 {
            times.push(Instant::now());
            kill_and_restart(cluster, id);
            until_in_sync(cluster, runtime);
        }
        times
    });
}

#[test]
fn acks_all_records_survive_the_sigkill_of_all_three_at_once() {
    survives("all three SIGKILLed", |cluster, runtime| {
        let before: Vec<usize> = cluster.nodes.iter().map(registrations).collect();
        let at = Instant::now();
        for n in cluster.nodes.iter_mut() {
            n.kill();
        }
        for n in cluster.nodes.iter_mut() {
            n.restart();
        }
        for (n, before) in cluster.nodes.iter().zip(before) {
            until_registered(n, before);
        }
        until_in_sync(cluster, runtime);
        vec![at]
    });
}

/// FindCoordinator for `key` (a group, or with `key_type` 1 a
/// transactional id), sent to `node`: the coordinator's id.
fn coordinator_of(node: &str, key: &str, key_type: i8) -> i32 {
    use strata_protocol::generated::FindCoordinatorRequest;
    let request = FindCoordinatorRequest { key: key.into(), key_type, ..Default::default() };
    let mut s = wire::connect(node);
    let ResponseBody::FindCoordinator(r) = wire::call(&mut s, 3, RequestBody::FindCoordinator(request)) else {
        panic!()
    };
    assert_eq!(r.error_code, 0, "{r:?}");
    r.node_id
}

/// KIP-890 across brokers: the partition leader asks the transaction
/// coordinator, another broker, with AddPartitionsToTxn v4 (verify_only)
/// before it appends a batch that opens a transaction; a batch for a
/// partition never added, and a late retry after an abort, are refused
/// (the scenario of `transactions.rs`, in `support::txn`); so is a late
/// TxnOffsetCommit, sent to a group coordinator on yet another broker.
#[test]
fn a_leader_verifies_a_transaction_with_a_coordinator_on_another_broker() {
    let cluster = Cluster::start();
    let all = BTreeSet::from([1, 2, 3]);
    bounded(60, async {
        for n in &cluster.nodes {
            until(&n.addr(), "three brokers", |m| brokers(m) == all).await;
        }
    });
    let coordinator = coordinator_of(&cluster.nodes[0].addr(), "l1", 1);
    let leader = coordinator % 3 + 1;
    bounded(60, async {
        topic_led_by(&cluster, "late", leader).await;
        topic_led_by(&cluster, "other", leader).await;
    });
    let addr = |id: i32| cluster.nodes[id as usize - 1].addr();
    support::txn::late_retry(&addr(coordinator), &addr(leader), "l1", true);
    // And a TxnOffsetCommit, verified by a group coordinator on another
    // broker than the transaction's.
    let group = (0..100)
        .map(|i| format!("g{i}"))
        .find(|g| coordinator_of(&addr(1), g, 0) != coordinator)
        .expect("a group whose coordinator is another broker");
    let group_coordinator = coordinator_of(&addr(1), &group, 0);
    support::txn::late_offsets(&addr(coordinator), &addr(group_coordinator), "l1", &group, true);
}

#[test]
fn committed_offsets_survive_the_sigkill_of_the_group_coordinator() {
    let mut cluster = Cluster::start();
    let bootstrap = cluster.bootstrap();
    let group_consumer = |bootstrap: &str| {
        let mut c = ConsumerConfig::new(bootstrap);
        c.group_id = Some("survivors".into());
        c.enable_auto_commit = false;
        c.auto_offset_reset = OffsetReset::Earliest;
        let mut consumer = Consumer::new(c).unwrap();
        consumer.subscribe(&["events"]).unwrap();
        consumer
    };
    let coordinator = bounded_value(|| async {
        replicated_topic(&cluster, "events", 1, &[]).await;
        let producer = Producer::new(ProducerConfig::new(&bootstrap)).unwrap();
        for i in 0..20 {
            let value = i.to_string();
            producer.send(ProducerRecord::new("events", value.as_bytes())).await.unwrap().await.unwrap();
        }
        producer.close().await;
        // Through a node that is not the controller: it has the controller
        // create __consumer_offsets for it.
        let controller =
            Admin::new(ClientConfig::new(&bootstrap)).unwrap().describe_cluster().await.unwrap().controller;
        let other = cluster.nodes.iter().find(|n| n.addr() != cluster.nodes[controller as usize - 1].addr()).unwrap();
        let mut consumer = group_consumer(&other.addr());
        for expected in 0..10 {
            let r = tokio::time::timeout(Duration::from_secs(15), consumer.recv()).await.expect("in time").unwrap();
            assert_eq!((r.offset, r.value.as_deref()), (expected, Some(expected.to_string().as_bytes())));
        }
        consumer.commit().await.unwrap();
        consumer.close().await.unwrap();
        coordinator_of(&cluster.nodes[0].addr(), "survivors", 0)
    });
    // Every node names the same coordinator: the leader of the group's partition.
    for n in &cluster.nodes {
        assert_eq!(coordinator_of(&n.addr(), "survivors", 0), coordinator);
    }
    let killed_at = Instant::now();
    cluster.node(coordinator).kill();
    let survivors: Vec<String> = cluster.nodes.iter_mut().filter_map(|n| n.alive().then(|| n.addr())).collect();
    let bootstrap = survivors.join(",");
    bounded(60, async {
        let mut consumer = group_consumer(&bootstrap);
        let r = tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await.expect("in time").unwrap();
        assert_eq!(r.offset, 10, "the new coordinator has the committed offset");
        eprintln!(
            "the group resumed at its committed offset {:?} after its coordinator's SIGKILL",
            killed_at.elapsed()
        );
        let moved = coordinator_of(&survivors[0], "survivors", 0);
        assert!(moved != coordinator && moved > 0, "the coordinator moved with the partition's leadership");
    });
}

#[test]
fn acks_all_is_refused_with_not_enough_replicas_while_the_isr_is_below_min_insync() {
    let mut cluster = Cluster::start_with(&["--set", "replica.lag.time.max.ms=2000"]);
    let bootstrap = cluster.bootstrap();
    let leader = bounded_value(|| async {
        replicated_topic(&cluster, "strict", 1, &[("min.insync.replicas", "3")]).await;
        leader_of(&bootstrap, "strict").await
    });
    let batch = || {
        let mut b = strata_records::BatchBuilder::new(strata_records::Compression::None);
        b.push(0, None, Some(b"v"), &[]);
        b.build()
    };
    let leader_addr = cluster.node(leader).addr();
    let produce = || wire::produce(&mut wire::connect(&leader_addr), "strict", batch());
    assert_eq!(produce(), (0, 0), "acks=all with the whole ISR");
    let follower = (1..=3).find(|id| *id != leader).unwrap();
    cluster.node(follower).kill();
    let start = Instant::now();
    let refused = loop {
        let (code, _) = produce();
        // REQUEST_TIMED_OUT or NOT_ENOUGH_REPLICAS_AFTER_APPEND while the follower is still in the ISR.
        assert!(matches!(code, 0 | 7 | 19 | 20), "error {code}");
        if code == 19 {
            break start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "NOT_ENOUGH_REPLICAS within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!("NOT_ENOUGH_REPLICAS {refused:?} after a follower's SIGKILL");
    // The leader's metrics say so, by Kafka's names.
    let all_metrics = cluster.metrics.clone();
    let metrics = |id: i32| all_metrics[id as usize - 1].clone();
    let replica_manager = |name: &str| format!("kafka_server_replicamanager_{name}");
    // (The follower leaves the ISR by the leader's AlterPartition or by the
    // controller fencing it, whichever comes first; Kafka, like strata,
    // counts only the first as the leader's ISR shrink.)
    let body = support::until_sample(&metrics(leader), &replica_manager("under_replicated_partitions"), |n| n == 1);
    assert_eq!(support::sample(&body, &replica_manager("under_min_isr_partition_count")), Some(1), "{body}");
    let traffic = |name: &str| format!("kafka_server_brokertopicmetrics_{name}{{topic=\"strict\"}}");
    let bytes_in = support::sample(&body, &traffic("bytes_in_total")).unwrap();
    assert!(support::sample(&body, &traffic("replication_bytes_out_total")).is_some_and(|n| n >= bytes_in));
    // The follower still in the ISR took, in bytes, what the leader took.
    let other = (1..=3).find(|id| *id != leader && *id != follower).unwrap();
    support::until_sample(&metrics(other), &traffic("replication_bytes_in_total"), |n| n == bytes_in);
    cluster.node(follower).restart();
    bounded(60, async { until_topic(&bootstrap, "strict", |t| t.partitions[0].isr.len() == 3).await });
    assert_eq!(produce().0, 0, "acks=all again once the ISR is whole");
    support::until_sample(&metrics(leader), &replica_manager("isr_expands_total"), |n| n >= 1);
    support::until_sample(&metrics(leader), &replica_manager("under_min_isr_partition_count"), |n| n == 0);
}

/// The log start offset a replica's partition directory records.
fn log_start_on_disk(dir: &std::path::Path) -> Option<i64> {
    let state = std::fs::read_to_string(dir.join("partition.state")).ok()?;
    state.lines().find_map(|l| l.strip_prefix("log-start-offset ")).and_then(|v| v.parse().ok())
}

#[test]
fn records_deleted_on_the_leader_stay_deleted_after_a_failover() {
    let mut cluster = Cluster::start();
    let bootstrap = cluster.bootstrap();
    bounded(60, async {
        replicated_topic(&cluster, "trimmed", 1, &[]).await;
        let producer = producer(&bootstrap, Acks::All);
        for i in 0..100 {
            let value = format!("t{i}");
            producer.send(ProducerRecord::new("trimmed", value.as_bytes()).partition(0)).await.unwrap().await.unwrap();
        }
        producer.close().await;
    });
    // confluent-kafka's delete_records, sent to whichever node, reaches the leader.
    let low = support::run_script(
        &cluster.nodes[0],
        "admin.py",
        &["delete-records", "trimmed", "0", "40"],
        Duration::from_secs(60),
    );
    assert_eq!(low.trim(), "40");
    // Every replica takes the new log start from its fetches.
    let start = Instant::now();
    for i in 1..=3 {
        let dir = cluster._tmp.path().join(format!("node-{i}")).join("trimmed-0");
        while log_start_on_disk(&dir) != Some(40) {
            assert!(start.elapsed() < Duration::from_secs(20), "node {i} starts the log at 40 within 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let leader = bounded_value(|| leader_of(&bootstrap, "trimmed"));
    cluster.node(leader).kill();
    let survivor = &cluster.nodes[if leader == 1 { 1 } else { 0 }];
    bounded(60, async {
        while leader_of(&survivor.addr(), "trimmed").await == leader {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    // librdkafka (kcat) reads the partition from its new leader: from 40 on.
    let read = kcat_read(survivor, &survivor.addr(), "trimmed");
    let expected: String = (40..100).map(|i| format!("{i}:t{i}\n")).collect();
    assert_eq!(read, expected, "the new leader's log starts where the old one's did");
}

/// Sends `signal` to a node's process (SIGSTOP freezes it: it neither
/// fetches nor heartbeats, yet stays in the ISR while the timeouts allow).
fn signal(node: &Broker, signal: i32) {
    // SAFETY: a signal to our own child process.
    assert_eq!(unsafe { libc::kill(node.pid(), signal) }, 0);
}

/// KIP-207. Node 3 is frozen in the ISR; 10 records written with acks=1
/// reach node 2 but cannot be committed. Node 1's controlled shutdown makes
/// node 2 the leader with a high watermark (50, learned from node 1) below
/// its log end (60). Until its high watermark reaches 60, a consumer asking
/// for `latest` (confluent-kafka's watermark query, as
/// `auto.offset.reset=latest` does) gets the retriable OFFSET_NOT_AVAILABLE,
/// not 50: node 2 cannot tell whether node 1 had already answered higher.
/// Once node 3 thaws and catches up, the answer is 60.
#[test]
fn a_new_leader_answers_latest_only_once_its_high_watermark_reaches_its_log_end() {
    let long = ["--set", "broker.session.timeout.ms=60000", "--set", "replica.lag.time.max.ms=60000"];
    let mut cluster = Cluster::start_with(&long);
    let bootstrap = cluster.bootstrap();
    bounded(60, async {
        topic_led_by_node_1(&cluster, "lagging").await;
        let all = producer(&bootstrap, Acks::All);
        for i in 0..50 {
            let value = format!("l{i}");
            all.send(ProducerRecord::new("lagging", value.as_bytes()).partition(0)).await.unwrap().await.unwrap();
        }
        all.close().await;
    });
    signal(&cluster.nodes[2], libc::SIGSTOP);
    bounded(60, async {
        let leader_only = producer(&bootstrap, Acks::Leader);
        for i in 50..60 {
            let value = format!("l{i}");
            leader_only
                .send(ProducerRecord::new("lagging", value.as_bytes()).partition(0))
                .await
                .unwrap()
                .await
                .unwrap();
        }
        leader_only.close().await;
    });
    let on_node_2 = cluster._tmp.path().join("node-2/lagging-0");
    let start = Instant::now();
    while on_disk(&on_node_2).len() < 60 {
        assert!(start.elapsed() < Duration::from_secs(20), "node 2 holds all 60 records within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(cluster.node(1).terminate(Duration::from_secs(30)).success(), "node 1 shuts down cleanly");
    let node_2 = cluster.nodes[1].addr();
    bounded(60, async {
        while leader_of(&node_2, "lagging").await != 2 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let watermarks = |seconds: &str| {
        let answers = support::run_script(
            &cluster.nodes[1],
            "watermarks.py",
            &["lagging", "0", seconds],
            Duration::from_secs(60),
        );
        eprintln!("watermarks from node 2:\n{answers}");
        answers
    };
    // While node 3 is frozen: never an answer, and OFFSET_NOT_AVAILABLE
    // among the errors (others are the client's own timeouts under load).
    let start = Instant::now();
    loop {
        let answers = watermarks("2");
        assert!(!answers.lines().any(|l| l.starts_with("ok ")), "no answer while lagging:\n{answers}");
        if answers.lines().any(|l| l == "error OFFSET_NOT_AVAILABLE") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "OFFSET_NOT_AVAILABLE within 20 s");
    }
    signal(&cluster.nodes[2], libc::SIGCONT);
    let start = Instant::now();
    loop {
        let answers = watermarks("1");
        let highs: Vec<&str> = answers.lines().filter(|l| l.starts_with("ok ")).collect();
        assert!(highs.iter().all(|l| *l == "ok 0 60"), "{answers}");
        if !highs.is_empty() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "latest is 60 within 20 s of node 3 thawing");
    }
}

/// Node 3 is frozen in the ISR of four partitions node 1 leads. One acks=all
/// Produce naming all four, with a 1 s timeout, is answered once that
/// timeout has passed, REQUEST_TIMED_OUT for each partition: the partitions
/// wait together, not one after another (four times as long). Once node 3
/// thaws, the same request is acknowledged.
#[test]
fn an_acks_all_produce_to_many_partitions_waits_for_them_together() {
    let long = ["--set", "broker.session.timeout.ms=60000", "--set", "replica.lag.time.max.ms=60000"];
    let cluster = Cluster::start_with(&long);
    let partitions = [0, 1, 2, 3];
    bounded(60, async {
        let all = BTreeSet::from([1, 2, 3]);
        for n in &cluster.nodes {
            until(&n.addr(), "three brokers", |m| brokers(m) == all).await;
        }
        let assignment = |partition_index| CreatableReplicaAssignment {
            partition_index,
            broker_ids: vec![1, 2, 3],
            ..Default::default()
        };
        let topic = CreatableTopic {
            name: "wide".into(),
            num_partitions: -1,
            replication_factor: -1,
            assignments: partitions.iter().copied().map(assignment).collect(),
            ..Default::default()
        };
        assert_eq!(create_topic(&cluster.nodes[0], topic), 0);
        let whole =
            |t: &strata_client::cluster::TopicInfo| t.partitions.iter().all(|p| p.isr.len() == 3 && p.leader == 1);
        until_topic(&cluster.bootstrap(), "wide", whole).await;
    });
    let batch = || {
        let mut b = strata_records::BatchBuilder::new(strata_records::Compression::None);
        b.push(0, None, Some(b"v"), &[]);
        b.build()
    };
    let leader = cluster.nodes[0].addr();
    let produce =
        |timeout_ms| wire::produce_to(&mut wire::connect(&leader), None, "wide", &partitions, batch(), timeout_ms);
    assert!(produce(5000).iter().all(|(code, _)| *code == 0), "acks=all with the whole ISR");
    signal(&cluster.nodes[2], libc::SIGSTOP);
    let start = Instant::now();
    let answers = produce(1000);
    let waited = start.elapsed();
    eprintln!("an acks=all produce to 4 partitions with a frozen follower was answered after {waited:?}");
    assert_eq!(answers.iter().map(|(code, _)| *code).collect::<Vec<_>>(), [7; 4], "REQUEST_TIMED_OUT each");
    assert!(waited >= Duration::from_secs(1), "not before the timeout: {waited:?}");
    assert!(waited < Duration::from_secs(3), "the partitions waited together: {waited:?}");
    signal(&cluster.nodes[2], libc::SIGCONT);
    let answers = produce(10_000);
    assert_eq!(
        answers.iter().map(|(code, offset)| (*code, *offset)).collect::<Vec<_>>(),
        [(0, 2); 4],
        "acknowledged once node 3 thaws"
    );
}

#[test]
fn a_follower_whose_disk_fills_leaves_the_isr_and_no_acknowledged_record_is_lost() {
    disk_fills(3);
}

#[test]
fn a_leader_whose_disk_fills_hands_its_leadership_over_and_no_acknowledged_record_is_lost() {
    disk_fills(1);
}

/// Node `full`'s files cannot grow past 1 MiB, as if its disk were full,
/// while 3 MiB of acks=all records go to a partition on nodes 1, 2 and 3
/// (node 1 leading). Every record is acknowledged; node `full` logs the
/// storage error, retires (fenced, out of the ISR, leading nothing) and stops
/// fetching, but keeps running; the other two hold every acknowledged
/// record. Restarted with room, it recovers, rejoins and holds the whole log.
fn disk_fills(full: i32) {
    let mut cluster = Cluster::start_limited(None, FAULT_SETTINGS, Some((full, 1 << 20)));
    let bootstrap = cluster.bootstrap();
    let others: BTreeSet<i32> = [1, 2, 3].into_iter().filter(|n| *n != full).collect();
    let acked = bounded_value(|| async {
        topic_led_by_node_1(&cluster, "filled").await;
        let producer = producer(&bootstrap, Acks::All);
        let value = vec![b'v'; 1000];
        let mut deliveries = Vec::new();
        for i in 0..3000 {
            let mut v = format!("{i:05}").into_bytes();
            v.extend_from_slice(&value);
            deliveries.push(producer.send(ProducerRecord::new("filled", &v).partition(0)).await.unwrap());
        }
        let mut acked = Vec::new();
        for d in deliveries {
            acked.push(d.await.expect("acks=all goes on with the other two nodes").offset);
        }
        producer.close().await;
        let isr =
            |t: &strata_client::cluster::TopicInfo| t.partitions[0].isr.iter().copied().collect::<BTreeSet<i32>>();
        until_topic(&bootstrap, "filled", |t| isr(t) == others && others.contains(&t.partitions[0].leader)).await;
        acked
    });
    assert_eq!(acked.len(), 3000);
    let log = cluster.node(full).log_text();
    assert!(cluster.node(full).alive(), "the node whose disk filled keeps running");
    assert!(log.contains("asks the controller to fence it"), "it retires:\n{log}");
    // Its metrics say so, as an operator's dashboard reads them.
    let (metrics, offline) =
        (cluster.metrics[full as usize - 1].clone(), "kafka_server_replicamanager_offline_replica_count");
    support::until_sample(&metrics, offline, |n| n == 1);
    // It stopped fetching the partition, whose log is offline until the node
    // restarts (a follower used to retry, and log, five times a second).
    assert!(log.matches("a follower's append failed").count() <= 1, "at most one failed append:\n{log}");
    // The other two hold every acknowledged record, at the same offsets.
    let root = cluster._tmp.path().to_path_buf();
    let dir = |i: i32| root.join(format!("node-{i}")).join("filled-0");
    let held: Vec<Vec<(i64, String)>> = others.iter().map(|i| on_disk(&dir(*i))).collect();
    assert_eq!(held[0], held[1], "the other two hold the same records at the same offsets");
    let offsets: BTreeSet<i64> = held[0].iter().map(|(o, _)| *o).collect();
    assert!(acked.iter().all(|o| offsets.contains(o)), "every acknowledged record is on the other two");
    // Room again: restarted, it recovers its log, catches up and rejoins.
    cluster.node(full).restart_unlimited();
    bounded(60, async {
        until_topic(&bootstrap, "filled", |t| t.partitions[0].isr.len() == 3).await;
    });
    let start = Instant::now();
    while on_disk(&dir(full)) != on_disk(&dir(*others.first().unwrap())) {
        assert!(start.elapsed() < Duration::from_secs(20), "node {full} holds the whole log again within 20 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    support::until_sample(&metrics, offline, |n| n == 0);
    // librdkafka (kcat) reads every acknowledged record, in produce order, at its offset.
    let read = kcat_read(cluster.node(full), &bootstrap, "filled");
    let values: std::collections::BTreeMap<i64, &str> =
        read.lines().map(|l| l.split_once(':').map(|(o, v)| (o.parse().unwrap(), v)).unwrap()).collect();
    for (i, offset) in acked.iter().enumerate() {
        let value = values.get(offset).unwrap_or_else(|| panic!("kcat reads acknowledged offset {offset}"));
        assert!(value.starts_with(&format!("{i:05}")), "record {i} at offset {offset}");
    }
}

/// The node leading partition 0 of `topic`, as `bootstrap` sees it.
async fn leader_of(bootstrap: &str, topic: &str) -> i32 {
    let admin = Admin::new(ClientConfig::new(bootstrap)).unwrap();
    admin.describe_topic(topic).await.unwrap().partitions[0].leader
}

#[test]
fn a_broker_only_node_joins_follows_the_metadata_and_serves_its_partitions() {
    let cluster = Cluster::start();
    let dir = cluster._tmp.path().join("node-4");
    let controller_listen = format!("127.0.0.1:{}", support::free_port());
    let mut args = vec!["--node-id", "4", "--controller-listen", &controller_listen, "--voters", &cluster.voters];
    args.extend_from_slice(TIMEOUTS);
    args.extend_from_slice(&["--set", "process.roles=broker"]);
    let mut four = Broker::start_in(&dir, &args);
    let all = BTreeSet::from([1, 2, 3, 4]);
    let mut addrs: Vec<String> = cluster.nodes.iter().map(|n| n.addr()).collect();
    addrs.push(four.addr());
    bounded(90, async {
        for n in &addrs {
            until(n, "four brokers", |m| brokers(m) == all).await;
        }
        // A learner of the metadata log, not a voter.
        let (_, _, _, voters, observers) = describe_quorum_with_observers(&four.addr());
        assert_eq!((voters, observers), (vec![1, 2, 3], vec![4]));
        // librdkafka (kcat) sees the four brokers through it.
        let args = ["-b".to_string(), four.addr(), "-L".to_string()];
        let listing = support::run_checked(std::path::Path::new("kcat"), &args, Duration::from_secs(30), &four);
        assert!(listing.contains(" 4 brokers:") && listing.contains("broker 4 at"), "kcat -L:\n{listing}");
        // Topic changes sent to it reach the controller; it gets replicas and leads some.
        assert_eq!(create_topic_on(&four, "wide", 4, 3), 0);
        until_topic(&four.addr(), "wide", |t| t.partitions.iter().all(|p| p.isr.len() == 3)).await;
        let topic = Admin::new(ClientConfig::new(&four.addr())).unwrap().describe_topic("wide").await.unwrap();
        assert!(topic.partitions.iter().any(|p| p.leader == 4), "the broker-only node leads a partition: {topic:?}");
        let producer = producer(&four.addr(), Acks::All);
        for i in 0..40 {
            let value = format!("w{i}");
            producer.send(ProducerRecord::new("wide", value.as_bytes()).partition(i % 4)).await.unwrap().await.unwrap();
        }
        producer.close().await;
    });
    // Down while the metadata changes; back, it catches up from the controllers.
    four.kill();
    assert_eq!(create_topic_on(&cluster.nodes[0], "later", 2, 3), 0);
    four.restart();
    bounded(60, async {
        until_topic(&four.addr(), "later", |t| t.partitions.len() == 2).await;
        until_topic(&four.addr(), "wide", |t| t.partitions.iter().all(|p| p.isr.len() == 3)).await;
        let mut consumer = Consumer::new({
            let mut c = ConsumerConfig::new(&four.addr());
            c.auto_offset_reset = OffsetReset::Earliest;
            c
        })
        .unwrap();
        consumer.assign(&(0..4).map(|p| TopicPartition { topic: "wide".into(), partition: p }).collect::<Vec<_>>());
        let mut seen = BTreeSet::new();
        while seen.len() < 40 {
            let r = tokio::time::timeout(Duration::from_secs(20), consumer.recv()).await.expect("records in time");
            seen.insert(String::from_utf8(r.unwrap().value.unwrap_or_default().to_vec()).unwrap());
        }
        assert_eq!(seen, (0..40).map(|i| format!("w{i}")).collect::<BTreeSet<_>>());
    });
    // Back at a new controller address (a new host or port, as a rescheduled
    // pod gets): the leader pushes the metadata log there, not to the old one.
    four.kill();
    assert_eq!(create_topic_on(&cluster.nodes[0], "moved", 3, 3), 0);
    let moved_listen = format!("127.0.0.1:{}", support::free_port());
    args[3] = moved_listen.as_str();
    four.restart_with(&args);
    bounded(60, async {
        until_topic(&four.addr(), "moved", |t| t.partitions.len() == 3).await;
        let (_, _, _, voters, observers) = describe_quorum_with_observers(&four.addr());
        assert_eq!((voters, observers), (vec![1, 2, 3], vec![4]));
        assert_eq!(create_topic_on(&cluster.nodes[0], "after-move", 1, 3), 0);
        until_topic(&four.addr(), "after-move", |t| t.partitions.len() == 1).await;
    });
}

/// How many transactions `through_faults` has ended so far.
fn ended(progress: &std::path::Path) -> u64 {
    std::fs::read_to_string(progress).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// How many transactions `through_faults` has ended, once at least `past`
/// (failing after 90 s, or if the script has died).
fn until_ended(
    progress: &std::path::Path,
    past: u64,
    script: &mut std::process::Child,
    stderr: &std::path::Path,
) -> u64 {
    let start = Instant::now();
    loop {
        let ended = ended(progress);
        if ended >= past {
            return ended;
        }
        if let Some(status) = script.try_wait().unwrap() {
            panic!("the producer died ({status}): {}", std::fs::read_to_string(stderr).unwrap_or_default());
        }
        let errors = || std::fs::read_to_string(stderr).unwrap_or_default();
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{past} transactions ended within 90 s (at {ended}): {}",
            errors()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The leader of each partition of `topic`, as `node` itself sees it (a
/// node just restarted may still be applying the metadata log).
fn leaders_on(node: &str, topic: &str) -> Vec<i32> {
    use strata_protocol::generated::metadata_request::MetadataRequestTopic;
    use strata_protocol::generated::MetadataRequest;
    let topics = Some(vec![MetadataRequestTopic { name: Some(topic.into()), ..Default::default() }]);
    let request = MetadataRequest { topics, ..Default::default() };
    let ResponseBody::Metadata(r) = wire::call(&mut wire::connect(node), 9, RequestBody::Metadata(request)) else {
        panic!()
    };
    let mut partitions = r.topics[0].partitions.clone();
    partitions.sort_by_key(|p| p.partition_index);
    partitions.iter().map(|p| p.leader_id).collect()
}

/// The values of `all` that went to partition `q` ("tI-pQ"), in order.
fn of_partition(all: &serde_json::Value, q: usize) -> Vec<String> {
    let suffix = format!("-p{q}");
    let values = all.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string());
    values.filter(|v| v.ends_with(&suffix)).collect()
}

/// confluent-kafka's transactional producer runs transactions over three
/// partitions (RF 3, min.insync.replicas 2) while the broker that
/// coordinates its transactional id is SIGKILLed and restarted, and then a
/// partition leader is; transactions go on while each is down. The markers
/// of each transaction go to partition leaders on other brokers
/// (WriteTxnMarkers), and the coordinator that takes over finishes what its
/// predecessor left half-ended. Afterwards a read_committed consumer sees
/// every committed transaction's records exactly once, in order, and nothing
/// of the aborted ones.
#[test]
fn transactions_commit_exactly_once_through_the_sigkill_of_their_coordinator_and_of_a_partition_leader() {
    transactions_through_faults(false);
}

/// The same with a consume-transform-produce loop: each transaction also
/// sends a group's offset (send_offsets_to_transaction), and the group's
/// coordinator is on the broker coordinating the transactions. The killed
/// brokers come back after 5 s, as a supervisor restarts them: librdkafka
/// sends a group's offsets only to the coordinator it knew until that one
/// answers again (confluentinc/librdkafka#5456 and #5511), with Kafka as
/// here. Afterwards the group's offset is the one the last committed
/// transaction sent.
#[test]
fn transactions_with_group_offsets_commit_exactly_once_through_the_sigkill_of_their_coordinators() {
    transactions_through_faults(true);
}

/// The scenario of the two tests above; with `with_group`, each transaction
/// sends the offsets of a group coordinated by the transactions' coordinator.
fn transactions_through_faults(with_group: bool) {
    let small = ["transaction.state.log.num.partitions=3", "offsets.topic.num.partitions=3"];
    let mut cluster = Cluster::start_with(&["--set", small[0], "--set", small[1]]);
    let bootstrap = cluster.bootstrap();
    let whole = |t: &strata_client::cluster::TopicInfo| t.partitions.iter().all(|p| p.isr.len() == 3);
    bounded(60, async {
        replicated_topic(&cluster, "txn", 3, &[("min.insync.replicas", "2")]).await;
    });
    let coordinator = coordinator_of(&cluster.nodes[0].addr(), "confluent-faults", 1);
    // A group whose coordinator is that broker too: both fail over at once.
    let group = with_group.then(|| {
        let mut names = (0..100).map(|i| format!("faults-{i}"));
        names.find(|g| coordinator_of(&cluster.nodes[0].addr(), g, 0) == coordinator).expect("such a group")
    });
    let dir = cluster._tmp.path().to_path_buf();
    let (progress, stop, out, err) = (dir.join("progress"), dir.join("stop"), dir.join("out"), dir.join("err"));
    let mut script = std::process::Command::new(strata_interop::python())
        .arg(support::script("transactions_e2e.py"))
        .args([&bootstrap, "through_faults", "confluent", "txn", "3"])
        .args([&progress, &stop])
        .args(&group)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    until_ended(&progress, 5, &mut script, &err);
    // SIGKILLs `id`; brings it back once 5 more transactions have ended
    // (with a group: after 5 s), and waits until the ISRs are whole again.
    let mut outage = |cluster: &mut Cluster, id: i32, what: &str| {
        let (killed_at, before) = (Instant::now(), ended(&progress));
        cluster.node(id).kill();
        if group.is_some() {
            std::thread::sleep(Duration::from_secs(5));
            cluster.node(id).restart();
        }
        until_ended(&progress, before + 5, &mut script, &err);
        eprintln!("5 more transactions ended {:?} after the SIGKILL of {what} {id}", killed_at.elapsed());
        if group.is_none() {
            cluster.node(id).restart();
        }
        bounded(60, async { until_topic(&bootstrap, "txn", whole).await });
    };

    outage(&mut cluster, coordinator, "the coordinator");

    let survivor = cluster.nodes.iter().find(|n| n.addr() != cluster.nodes[coordinator as usize - 1].addr()).unwrap();
    let coordinator = coordinator_of(&survivor.addr(), "confluent-faults", 1);
    let leaders = leaders_on(&survivor.addr(), "txn");
    let leader = leaders.iter().copied().find(|l| *l != coordinator).unwrap_or(leaders[0]);
    eprintln!("the coordinator is {coordinator}; the partitions' leaders are {leaders:?}");
    outage(&mut cluster, leader, "partition leader");
    until_ended(&progress, ended(&progress) + 3, &mut script, &err);

    std::fs::write(&stop, "").unwrap();
    let start = Instant::now();
    while script.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(120), "the producer script finished in time");
        std::thread::sleep(Duration::from_millis(100));
    }
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(script.wait().unwrap().success(), "the producer script failed: {stderr}");
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap())
        .unwrap_or_else(|e| panic!("the script's output: {e}; {stderr}"));
    let (committed, aborted) = (&result["committed"], &result["aborted"]);
    eprintln!(
        "{} records committed, {} aborted",
        committed.as_array().unwrap().len(),
        aborted.as_array().unwrap().len()
    );
    assert!(!of_partition(aborted, 0).is_empty(), "some transactions were aborted");
    if group.is_some() {
        assert!(result["last_committed_offset"].as_i64().is_some(), "{result}");
        assert_eq!(
            result["group_offset"], result["last_committed_offset"],
            "the group's offset is the one the last committed transaction sent"
        );
    }
    for q in 0..3 {
        let expected = of_partition(committed, q);
        // At least 18 transactions ended; every fourth is aborted.
        assert!(expected.len() >= 12, "partition {q}: {expected:?}");
        let read = of_partition(&result["read_committed"][q.to_string()], q);
        assert_eq!(read, expected, "read_committed sees partition {q}'s committed records once each, in order");
        let uncommitted = of_partition(&result["read_uncommitted"][q.to_string()], q);
        let mut kept = uncommitted.clone();
        kept.retain(|v| expected.contains(v));
        assert_eq!(kept, expected, "read_uncommitted also sees each committed record once, in order");
        let known = of_partition(aborted, q);
        assert!(uncommitted.iter().all(|v| expected.contains(v) || known.contains(v)), "{uncommitted:?}");
    }
}

/// A transactional producer (confluent-kafka) SIGKILLs itself with a
/// transaction open on a partition (RF 3); then the broker coordinating its
/// transactional id is SIGKILLed too. The coordinator that takes over aborts
/// the transaction after its 3 s timeout, and the abort marker reaches the
/// partition's leader, wherever it is: the last stable offset moves past
/// the abandoned record.
#[test]
fn a_transaction_left_open_is_aborted_by_the_next_coordinator_after_its_timeout() {
    let cleanup = "transaction.abort.timed.out.transaction.cleanup.interval.ms=200";
    let small = "transaction.state.log.num.partitions=3";
    let mut cluster = Cluster::start_with(&["--set", cleanup, "--set", small]);
    let bootstrap = cluster.bootstrap();
    bounded(60, async {
        replicated_topic(&cluster, "hung", 1, &[]).await;
    });
    let mut producer = std::process::Command::new(strata_interop::python())
        .arg(support::script("transactions_e2e.py"))
        .args([&bootstrap, "hang", "confluent", "hung"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while producer.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(60), "the producer killed itself in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    let coordinator = coordinator_of(&cluster.nodes[0].addr(), "confluent-hang", 1);
    cluster.node(coordinator).kill();
    let survivor = cluster.nodes.iter_mut().find_map(|n| n.alive().then(|| n.addr())).unwrap();
    let killed_at = Instant::now();
    let stable = loop {
        let leader = leaders_on(&survivor, "hung")[0];
        let offsets = (leader > 0 && leader != coordinator).then(|| {
            let mut s = wire::connect(&cluster.nodes[leader as usize - 1].addr());
            (wire::list_offsets(&mut s, "hung", 0, -1), wire::list_offsets(&mut s, "hung", 1, -1))
        });
        // The record at 0, the abort marker at 1.
        if let Some((2, 2)) = offsets {
            break killed_at.elapsed();
        }
        assert!(killed_at.elapsed() < Duration::from_secs(40), "aborted within 40 s: {offsets:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!("the next coordinator aborted the open transaction {stable:?} after the first one's SIGKILL");
    let next = coordinator_of(&survivor, "confluent-hang", 1);
    assert!(next != coordinator && next > 0, "another broker coordinates the id");
}

/// The single-broker transaction scenarios of `transactions.rs`, for both
/// Python clients, against the cluster: the transaction coordinator, the
/// group coordinator and the partitions are spread over the three brokers,
/// so markers (including those that settle offsets sent in a transaction
/// into `__consumer_offsets`) cross brokers.
#[test]
fn commits_aborts_transactional_offsets_and_fencing_work_across_the_cluster() {
    let small = ["transaction.state.log.num.partitions=3", "offsets.topic.num.partitions=3"];
    let cluster = Cluster::start_with(&["--set", small[0], "--set", small[1]]);
    let bootstrap = cluster.bootstrap();
    let all = BTreeSet::from([1, 2, 3]);
    bounded(60, async {
        for n in &cluster.nodes {
            until(&n.addr(), "three brokers", |m| brokers(m) == all).await;
        }
    });
    let scenario = |name: &str, client: &str, args: &[&str]| -> serde_json::Value {
        let mut all = vec![support::script("transactions_e2e.py").display().to_string(), bootstrap.clone()];
        all.extend([name, client].iter().chain(args).map(|s| s.to_string()));
        let out = support::run_checked(&strata_interop::python(), &all, Duration::from_secs(120), &cluster.nodes[0]);
        serde_json::from_str(out.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{name}: {e}: {out}"))
    };
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map_or(Vec::new(), |a| a.iter().map(|s| s.as_str().unwrap_or_default().to_string()).collect())
    };
    for client in ["confluent", "kafka-python"] {
        let topic = format!("ca-{client}");
        let r = scenario("commit_abort", client, &[&topic]);
        for p in 0..3 {
            let of = |prefix: &str| (0..30).filter(|i| i % 3 == p).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>();
            let committed = strings(&r["read_committed"][p.to_string()]);
            assert_eq!(committed, [of("c"), of("d")].concat(), "{client} read_committed {p}");
            let everything = strings(&r["read_uncommitted"][p.to_string()]);
            assert_eq!(everything, [of("c"), of("a"), of("d")].concat(), "{client} read_uncommitted {p}");
        }

        let (input, output, group) = (format!("in-{client}"), format!("out-{client}"), format!("g-{client}"));
        let r = scenario("offsets", client, &[&input, &output, &group]);
        assert_eq!(r["committed"], serde_json::json!([10]), "{client}: only the committed transaction's offsets");
        let out: Vec<String> = (0..10).map(|i| format!("out{i}")).collect();
        assert_eq!(strings(&r["out"]["0"]), out, "{client}");

        let topic = format!("fence-{client}");
        let r = scenario("fence", client, &[&topic]);
        let error = r["a_error"].as_str().unwrap_or_else(|| panic!("{client}: the zombie's commit succeeded"));
        assert!(error.contains("ence"), "{client}: not a fencing error: {error}");
        assert_eq!(strings(&r["read_committed"]["0"]), ["b"], "{client}: the zombie's records are aborted");
    }
}

/// Idempotent producers of both Python clients write 20,000 records each
/// with acks=all to a partition (RF 3, min.insync.replicas 2) whose leader is
/// SIGKILLed halfway: they retry on the new leader, and every record is
/// stored exactly once, in order.
#[test]
fn idempotent_producers_store_each_record_once_through_the_sigkill_of_the_leader() {
    const N: usize = 20_000;
    let mut cluster = Cluster::start();
    let bootstrap = cluster.bootstrap();
    let all = BTreeSet::from([1, 2, 3]);
    for client in ["confluent", "kafka-python"] {
        let topic = format!("idem-{client}");
        let whole = |t: &strata_client::cluster::TopicInfo| t.partitions[0].isr.len() == 3;
        bounded(60, async {
            // The broker killed for the last client may still be fenced.
            for n in &cluster.nodes {
                until(&n.addr(), "three brokers", |m| brokers(m) == all).await;
            }
            assert_eq!(create_topic_with(&cluster.nodes[0], &topic, 1, 3, &[("min.insync.replicas", "2")]), 0);
            until_topic(&bootstrap, &topic, whole).await;
        });
        let acked_path = cluster._tmp.path().join(format!("{client}.acked"));
        let mut producer = std::process::Command::new(strata_interop::python())
            .arg(support::script("acked_producer.py"))
            .args([&bootstrap, &topic, &N.to_string()])
            .arg(&acked_path)
            .arg(format!("{client}-idempotent"))
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(acked_path.with_extension("err")).unwrap())
            .spawn()
            .unwrap();
        let acked = || std::fs::read_to_string(&acked_path).map(|s| s.lines().count()).unwrap_or(0);
        let start = Instant::now();
        while acked() < N / 2 {
            assert!(start.elapsed() < Duration::from_secs(90), "{client}: stuck at {}", acked());
            std::thread::sleep(Duration::from_millis(2));
        }
        let leader = leaders_on(&cluster.nodes[0].addr(), &topic)[0];
        cluster.node(leader).kill();
        let killed_at = acked();
        let status = loop {
            if let Some(status) = producer.try_wait().unwrap() {
                break status;
            }
            assert!(start.elapsed() < Duration::from_secs(180), "{client}: the producer finished in time");
            std::thread::sleep(Duration::from_millis(20));
        };
        let errors = std::fs::read_to_string(acked_path.with_extension("err")).unwrap_or_default();
        assert!(status.success(), "{client}: {errors}");
        assert!(killed_at < N, "{client}: the kill came after the last acknowledgement");
        let args: Vec<String> =
            [support::script("consume_all.py").display().to_string(), bootstrap.clone(), topic.clone()].into();
        let live = cluster.nodes.iter().find(|n| n.addr() != cluster.nodes[leader as usize - 1].addr()).unwrap();
        let stored: Vec<usize> = support::run_checked(&strata_interop::python(), &args, Duration::from_secs(60), live)
            .lines()
            .map(|l| l.parse().unwrap())
            .collect();
        let dups = stored.len() - stored.iter().collect::<BTreeSet<_>>().len();
        assert!(stored == (0..N).collect::<Vec<_>>(), "{client}: {} stored, {dups} duplicates", stored.len());
        eprintln!("{client}: leader {leader} SIGKILLed at {killed_at} of {N} acknowledged; all stored once, in order");
        // After the read: its return moves leadership back (preferred
        // replica), which a read's ListOffsets could meet as NOT_LEADER.
        cluster.node(leader).restart();
    }
}
