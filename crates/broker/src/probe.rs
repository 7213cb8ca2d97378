//! The broker's metrics, by Kafka's MBean names, rendered in Prometheus'
//! text format for `GET /metrics` ([`crate::metrics_http`]).
//!
//! Counters are atomics bumped where the work happens: per partition
//! ([`Traffic`], summed by topic when scraped, so the hot path does no
//! lookup) and per broker ([`Probe`]: requests by API and the time from a
//! request read to its response written, transaction verifications (KIP-890)
//! and their time, ISR shrinks and expands). Gauges (partition counts, under-replicated partitions, the
//! controller's view) are computed from the replicas and the metadata image
//! when scraped. A partition's counters start at zero when this broker opens
//! it (at start, or when it gets a replica); Prometheus reads a drop as a
//! counter reset.
//!
//! | Prometheus name | Kafka MBean |
//! |---|---|
//! | `kafka_server_brokertopicmetrics_messages_in_total{topic}` | `kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=…` |
//! | `kafka_server_brokertopicmetrics_bytes_in_total{topic}` | `…,name=BytesInPerSec,topic=…` |
//! | `kafka_server_brokertopicmetrics_bytes_out_total{topic}` | `…,name=BytesOutPerSec,topic=…` |
//! | `kafka_server_brokertopicmetrics_replication_bytes_in_total{topic}` | `…,name=ReplicationBytesInPerSec,topic=…` |
//! | `kafka_server_brokertopicmetrics_replication_bytes_out_total{topic}` | `…,name=ReplicationBytesOutPerSec,topic=…` |
//! | `kafka_network_requestmetrics_requests_total{request}` | `kafka.network:type=RequestMetrics,name=RequestsPerSec,request=…` |
//! | `kafka_network_requestmetrics_total_time_ms{request}` (histogram) | `…,name=TotalTimeMs,request=…` |
//! | `kafka_log_log_size{topic,partition}` | `kafka.log:type=Log,name=Size,topic=…,partition=…` |
//! | `kafka_log_log_num_log_segments{topic,partition}` | `…,name=NumLogSegments,…` |
//! | `kafka_log_log_log_start_offset{topic,partition}` | `…,name=LogStartOffset,…` |
//! | `kafka_log_log_log_end_offset{topic,partition}` | `…,name=LogEndOffset,…` |
//! | `kafka_server_addpartitionstotxnmanager_verification_time_ms` (histogram) | `kafka.server:type=AddPartitionsToTxnManager,name=VerificationTimeMs` |
//! | `kafka_server_addpartitionstotxnmanager_verification_failures_total` | `…,name=VerificationFailureRate` |
//! | `kafka_server_replicamanager_isr_shrinks_total` | `kafka.server:type=ReplicaManager,name=IsrShrinksPerSec` |
//! | `kafka_server_replicamanager_isr_expands_total` | `…,name=IsrExpandsPerSec` |
//! | `kafka_server_replicamanager_partition_count` | `…,name=PartitionCount` |
//! | `kafka_server_replicamanager_leader_count` | `…,name=LeaderCount` |
//! | `kafka_server_replicamanager_under_replicated_partitions` | `…,name=UnderReplicatedPartitions` |
//! | `kafka_server_replicamanager_under_min_isr_partition_count` | `…,name=UnderMinIsrPartitionCount` |
//! | `kafka_server_replicamanager_offline_replica_count` | `…,name=OfflineReplicaCount` |
//! | `kafka_controller_kafkacontroller_active_controller_count` | `kafka.controller:type=KafkaController,name=ActiveControllerCount` |
//! | `kafka_controller_kafkacontroller_global_topic_count` | `…,name=GlobalTopicCount` |
//! | `kafka_controller_kafkacontroller_global_partition_count` | `…,name=GlobalPartitionCount` |
//! | `kafka_controller_kafkacontroller_offline_partitions_count` | `…,name=OfflinePartitionsCount` |
//!
//! As in Kafka, the controller's gauges are reported by the active
//! controller; every other node reports 0.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use strata_protocol::ApiKey;

use crate::broker::Broker;
use crate::replicas::Partition;

/// A partition's traffic on this broker, in bytes as they travel (batches
/// as sent, compressed or not) and records.
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    /// Records appended as leader.
    messages_in: AtomicU64,
    /// Bytes appended as leader.
    bytes_in: AtomicU64,
    /// Bytes sent to consumers.
    bytes_out: AtomicU64,
    /// Bytes appended as follower.
    replication_bytes_in: AtomicU64,
    /// Bytes sent to followers.
    replication_bytes_out: AtomicU64,
}

impl Traffic {
    /// A produce appended `records` records in `bytes` bytes.
    pub(crate) fn produced(&self, records: u64, bytes: usize) {
        self.messages_in.fetch_add(records, Ordering::Relaxed);
        self.bytes_in.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// A follower's fetch appended `bytes` bytes here.
    pub(crate) fn replicated_in(&self, bytes: usize) {
        self.replication_bytes_in.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// A fetch answer carried `bytes` bytes of this partition, to a
    /// follower (`replica`) or a consumer.
    pub(crate) fn fetched(&self, replica: bool, bytes: usize) {
        let counter = if replica { &self.replication_bytes_out } else { &self.bytes_out };
        counter.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn values(&self) -> [u64; 5] {
        [&self.messages_in, &self.bytes_in, &self.bytes_out, &self.replication_bytes_in, &self.replication_bytes_out]
            .map(|c| c.load(Ordering::Relaxed))
    }
}

/// [`Traffic`]'s counters: name and help, in the order of `Traffic::values`.
const TRAFFIC: [(&str, &str); 5] = [
    ("kafka_server_brokertopicmetrics_messages_in_total", "Records appended as leader (MessagesInPerSec)."),
    ("kafka_server_brokertopicmetrics_bytes_in_total", "Bytes appended as leader (BytesInPerSec)."),
    ("kafka_server_brokertopicmetrics_bytes_out_total", "Bytes sent to consumers (BytesOutPerSec)."),
    (
        "kafka_server_brokertopicmetrics_replication_bytes_in_total",
        "Bytes appended as follower (ReplicationBytesInPerSec).",
    ),
    (
        "kafka_server_brokertopicmetrics_replication_bytes_out_total",
        "Bytes sent to followers (ReplicationBytesOutPerSec).",
    ),
];

/// Wire API keys counted, from 0 (keys beyond are not served anyway).
const API_KEYS: usize = 128;

/// The upper bounds, in ms, of the request time histogram's buckets.
const TIME_BUCKETS_MS: [u64; 14] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];

/// A histogram of times (one API's requests, or verifications): a count per
/// bucket, not cumulative (the last for times past every bound), and their
/// sum in µs. The count is the buckets' total, so a scrape never sees a
/// bucket ahead of it.
#[derive(Debug, Default)]
struct Times {
    buckets: [AtomicU64; TIME_BUCKETS_MS.len() + 1],
    sum_us: AtomicU64,
}

impl Times {
    fn record(&self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let bucket = TIME_BUCKETS_MS.iter().position(|ms| us <= ms * 1000).unwrap_or(TIME_BUCKETS_MS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }
}

/// The broker-wide counters.
#[derive(Debug)]
pub(crate) struct Probe {
    /// Requests by wire API key.
    requests: [AtomicU64; API_KEYS],
    /// Request times by wire API key.
    times: Box<[Times]>,
    /// Transaction verifications' times, and the partitions they refused.
    verification_times: Times,
    verification_failures: AtomicU64,
    isr_shrinks: AtomicU64,
    isr_expands: AtomicU64,
}

impl Default for Probe {
    fn default() -> Probe {
        Probe {
            requests: std::array::from_fn(|_| AtomicU64::new(0)),
            times: (0..API_KEYS).map(|_| Times::default()).collect(),
            verification_times: Times::default(),
            verification_failures: AtomicU64::new(0),
            isr_shrinks: AtomicU64::new(0),
            isr_expands: AtomicU64::new(0),
        }
    }
}

impl Probe {
    /// A request of API `key` arrived (its frame was read).
    pub(crate) fn request(&self, key: ApiKey) {
        if let Some(counter) = self.requests.get(key as usize) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A request of API `key` ended `took` after it was read: its response
    /// written (or, with none to send, such as acks=0, ready).
    pub(crate) fn request_done(&self, key: ApiKey, took: Duration) {
        if let Some(times) = self.times.get(key as usize) {
            times.record(took);
        }
    }

    /// The transaction coordinator answered a verification (or failed to)
    /// after `took`, refusing `failures` partitions.
    pub(crate) fn verified(&self, took: Duration, failures: usize) {
        self.verification_times.record(took);
        self.verification_failures.fetch_add(failures as u64, Ordering::Relaxed);
    }

    /// The controller accepted an ISR change from `old` to `new` that this
    /// broker asked for as leader. As in Kafka, the shrinks and expansions
    /// counted are the leader's: a fenced broker the controller drops from
    /// the ISR itself is not one.
    pub(crate) fn isr_changed(&self, old: &[i32], new: &[i32]) {
        if old.iter().any(|r| !new.contains(r)) {
            self.isr_shrinks.fetch_add(1, Ordering::Relaxed);
        }
        if new.iter().any(|r| !old.contains(r)) {
            self.isr_expands.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Every metric of `broker`, in Prometheus' text exposition format (0.0.4).
pub(crate) fn render(broker: &Broker) -> String {
    let mut out = String::new();
    let partitions = broker.replicas.all();
    traffic(&mut out, &partitions);
    requests(&mut out, &broker.probe);
    request_times(&mut out, &broker.probe);
    verifications(&mut out, &broker.probe);
    logs(&mut out, &partitions);
    replica_manager(&mut out, &broker.probe, &partitions);
    controller(&mut out, broker);
    out
}

/// Each topic's [`Traffic`], summed over its partitions here.
fn traffic(out: &mut String, partitions: &[(String, usize, Arc<Partition>)]) {
    let mut by_topic: BTreeMap<&str, [u64; 5]> = BTreeMap::new();
    for (topic, _, p) in partitions {
        let sum = by_topic.entry(topic.as_str()).or_default();
        for (s, v) in sum.iter_mut().zip(p.traffic.values()) {
            *s += v;
        }
    }
    for (i, (name, help)) in TRAFFIC.iter().enumerate() {
        family(out, name, "counter", help);
        for (topic, values) in &by_topic {
            let _ = writeln!(out, "{name}{{topic=\"{topic}\"}} {}", values[i]);
        }
    }
}

/// The requests received, of the APIs that had any.
fn requests(out: &mut String, probe: &Probe) {
    let name = "kafka_network_requestmetrics_requests_total";
    family(out, name, "counter", "Requests received, by API (RequestsPerSec).");
    for key in ApiKey::ALL {
        let n = probe.requests.get(*key as usize).map_or(0, load);
        if n > 0 {
            let _ = writeln!(out, "{name}{{request=\"{}\"}} {n}", key.name());
        }
    }
}

/// The replica manager's counters, and its gauges over the partitions here.
fn replica_manager(out: &mut String, probe: &Probe, partitions: &[(String, usize, Arc<Partition>)]) {
    let led: Vec<&Arc<Partition>> = partitions.iter().map(|(_, _, p)| p).filter(|p| p.is_leader()).collect();
    let under_replicated = led.iter().filter(|p| p.replication().is_under_replicated()).count();
    let under_min_isr = led.iter().filter(|p| p.insync_shortfall().is_some()).count();
    let offline = partitions.iter().filter(|(_, _, p)| p.log.is_offline()).count();
    let series: [(&str, &str, &str, u64); 7] = [
        (
            "isr_shrinks_total",
            "counter",
            "ISR shrinks asked as leader and accepted (IsrShrinksPerSec).",
            load(&probe.isr_shrinks),
        ),
        (
            "isr_expands_total",
            "counter",
            "ISR expansions asked as leader and accepted (IsrExpandsPerSec).",
            load(&probe.isr_expands),
        ),
        ("partition_count", "gauge", "Partitions with a replica here.", partitions.len() as u64),
        ("leader_count", "gauge", "Partitions led here.", led.len() as u64),
        ("under_replicated_partitions", "gauge", "Led partitions whose ISR lacks a replica.", under_replicated as u64),
        (
            "under_min_isr_partition_count",
            "gauge",
            "Led partitions whose ISR is below min.insync.replicas.",
            under_min_isr as u64,
        ),
        (
            "offline_replica_count",
            "gauge",
            "Replicas here whose log went offline after a storage error.",
            offline as u64,
        ),
    ];
    for (suffix, kind, help, value) in series {
        single(out, &format!("kafka_server_replicamanager_{suffix}"), kind, help, value);
    }
}

/// The controller's gauges: the cluster as the image has it, reported by the
/// active controller only (every other node reports 0), as in Kafka.
fn controller(out: &mut String, broker: &Broker) {
    let active = broker.quorum.is_leader();
    let (mut topics, mut partitions, mut leaderless) = (0, 0, 0);
    if active {
        for t in broker.image().topics() {
            topics += 1;
            partitions += t.partitions.len() as u64;
            leaderless += t.partitions.iter().filter(|p| p.leader < 0).count() as u64;
        }
    }
    let series = [
        ("active_controller_count", "Whether this node is the active controller.", u64::from(active)),
        ("global_topic_count", "Topics in the cluster.", topics),
        ("global_partition_count", "Partitions in the cluster.", partitions),
        ("offline_partitions_count", "Partitions without a leader.", leaderless),
    ];
    for (suffix, help, value) in series {
        single(out, &format!("kafka_controller_kafkacontroller_{suffix}"), "gauge", help, value);
    }
}

/// Each partition log's size, segments, and start and end offsets.
fn logs(out: &mut String, partitions: &[(String, usize, Arc<Partition>)]) {
    type Read = fn(&Partition) -> u64;
    let gauges: [(&str, &str, Read); 4] = [
        ("size", "Bytes of the partition's log on disk (Size).", |p| p.log.size_bytes()),
        ("num_log_segments", "Segments of the partition's log (NumLogSegments).", |p| p.log.segment_count() as u64),
        ("log_start_offset", "The log's first offset (LogStartOffset).", |p| p.log.log_start_offset().max(0) as u64),
        ("log_end_offset", "The offset the next record gets (LogEndOffset).", |p| p.log.log_end_offset().max(0) as u64),
    ];
    for (suffix, help, read) in gauges {
        let name = format!("kafka_log_log_{suffix}");
        family(out, &name, "gauge", help);
        for (topic, index, p) in partitions {
            let _ = writeln!(out, "{name}{{topic=\"{topic}\",partition=\"{index}\"}} {}", read(p));
        }
    }
}

/// The request time histograms, of the APIs that had requests.
fn request_times(out: &mut String, probe: &Probe) {
    let name = "kafka_network_requestmetrics_total_time_ms";
    family(out, name, "histogram", "Time from a request read to its response written, in ms (TotalTimeMs).");
    for key in ApiKey::ALL {
        if let Some(times) = probe.times.get(*key as usize) {
            histogram(out, name, &format!("request=\"{}\",", key.name()), times, false);
        }
    }
}

/// Transaction verifications: their times, and the partitions refused.
fn verifications(out: &mut String, probe: &Probe) {
    let name = "kafka_server_addpartitionstotxnmanager_verification_time_ms";
    let help =
        "Time a partition leader waited for the transaction coordinator's verification, in ms (VerificationTimeMs).";
    family(out, name, "histogram", help);
    histogram(out, name, "", &probe.verification_times, true);
    single(
        out,
        "kafka_server_addpartitionstotxnmanager_verification_failures_total",
        "counter",
        "Partitions whose verification refused a Produce (VerificationFailureRate).",
        load(&probe.verification_failures),
    );
}

/// One histogram's samples, `labels` (each followed by a comma) on every
/// one; none when it is empty unless `always`.
fn histogram(out: &mut String, name: &str, labels: &str, times: &Times, always: bool) {
    let counts = times.buckets.each_ref().map(load);
    let count: u64 = counts.iter().sum();
    if count == 0 && !always {
        return;
    }
    let mut cumulative = 0;
    for (le, n) in TIME_BUCKETS_MS.iter().zip(counts) {
        cumulative += n;
        let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{le}\"}} {cumulative}");
    }
    let sum_ms = load(&times.sum_us) as f64 / 1000.0;
    let _ = writeln!(out, "{name}_bucket{{{labels}le=\"+Inf\"}} {count}");
    let labels = labels.trim_end_matches(',');
    let labels = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
    let _ = writeln!(out, "{name}_sum{labels} {sum_ms}");
    let _ = writeln!(out, "{name}_count{labels} {count}");
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// A metric family's HELP and TYPE lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A family of one unlabelled sample.
fn single(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    family(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}
