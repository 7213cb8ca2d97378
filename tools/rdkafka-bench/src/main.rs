//! Throughput and latency of a Kafka-compatible broker through librdkafka,
//! with a raw file-write reference measured in the same run.
//!
//! ```text
//! rdkafka-bench produce   --brokers B --topic T --count N --size 1024 --acks 1 [--idempotent]
//! rdkafka-bench txn-produce --brokers B --topic T --count N --size 1024 --per-txn K
//! rdkafka-bench consume   --brokers B --topic T --count N
//! rdkafka-bench latency   --brokers B --topic T --rate R --seconds S --size 1024 --acks all
//! rdkafka-bench raw-write --dir D --count N --size 1024
//! rdkafka-bench group-join --brokers B --topic T --members 10 [--protocol consumer]   (T has the partitions)
//! rdkafka-bench commits   --brokers B --topic T --threads 8 --seconds 5
//! rdkafka-bench raw-fsync --dir D --seconds 5
//! ```

use std::io::Write;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Produce N records as fast as librdkafka sends them.
    Produce {
        #[arg(long, default_value = "127.0.0.1:9092")]
        brokers: String,
        #[arg(long)]
        topic: String,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 1024)]
        size: usize,
        #[arg(long, default_value = "1")]
        acks: String,
        #[arg(long, default_value = "none")]
        compression: String,
        /// An idempotent producer (enable.idempotence=true; needs acks=all).
        #[arg(long)]
        idempotent: bool,
    },
    /// Produce N records in transactions of K records each (a transactional
    /// producer: idempotent, acks=all), committing each.
    TxnProduce {
        #[arg(long, default_value = "127.0.0.1:9092")]
        brokers: String,
        #[arg(long)]
        topic: String,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 1024)]
        size: usize,
        #[arg(long, default_value_t = 100)]
        per_txn: u64,
    },
    /// Consume N records from partition 0 from the beginning.
    Consume {
        #[arg(long, default_value = "127.0.0.1:9092")]
        brokers: String,
        #[arg(long)]
        topic: String,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
    /// Produce at a fixed rate; report acknowledgement and end-to-end latency.
    Latency {
        #[arg(long, default_value = "127.0.0.1:9092")]
        brokers: String,
        #[arg(long)]
        topic: String,
        #[arg(long, default_value_t = 10_000)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 1024)]
        size: usize,
        #[arg(long, default_value = "all")]
        acks: String,
    },
    /// Time from the first subscribe until M members of a new group hold
    /// every partition of T between them.
    GroupJoin {
        #[arg(long, default_value = "127.0.0.1:9092")]
        brokers: String,
        #[arg(long)]
        topic: String,
        #[arg(long, default_value_t = 10)]
        members: usize,
        #[arg(long, default_value_t = 100)]
        partitions: usize,
        /// `classic` (JoinGroup/SyncGroup) or `consumer` (KIP-848, assigned by the broker).
        #[arg(long, default_value = "classic")]
        protocol: String,
    },
    /// Synchronous offset commits from N threads (each its own standalone group) for S seconds.
    Commits {
        #[arg(long, default_value = "127.0.0.1:9092")]
        brokers: String,
        #[arg(long)]
        topic: String,
        #[arg(long, default_value_t = 8)]
        threads: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Reference: 100-byte writes, each followed by fdatasync, for S seconds.
    RawFsync {
        #[arg(long)]
        dir: std::path::PathBuf,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Reference: write N records' bytes to a file in 1 MiB writes, then fdatasync.
    RawWrite {
        #[arg(long)]
        dir: std::path::PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 1024)]
        size: usize,
    },
}

struct Acks {
    start: Instant,
}

impl ClientContext for Acks {}

impl ProducerContext for Acks {
    type DeliveryOpaque = Box<u64>;
    fn delivery(&self, result: &DeliveryResult<'_>, sent_ns: Box<u64>) {
        if let Err((e, _)) = result {
            eprintln!("delivery failed: {e}");
            std::process::exit(1);
        }
        let now = self.start.elapsed().as_nanos() as u64;
        ack_latency().lock().unwrap().record((now - *sent_ns) / 1000).unwrap();
        DELIVERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

static DELIVERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// Acknowledgement latencies in µs, recorded on librdkafka's delivery thread.
fn ack_latency() -> &'static std::sync::Mutex<Histogram<u64>> {
    static H: std::sync::OnceLock<std::sync::Mutex<Histogram<u64>>> = std::sync::OnceLock::new();
    H.get_or_init(|| std::sync::Mutex::new(Histogram::new(3).unwrap()))
}

fn producer(
    brokers: &str,
    acks: &str,
    compression: &str,
    extra: &[(&str, &str)],
    start: Instant,
) -> ThreadedProducer<Acks> {
    producer_config(brokers, acks, compression, extra).create_with_context(Acks { start }).expect("producer")
}

fn producer_config(brokers: &str, acks: &str, compression: &str, extra: &[(&str, &str)]) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("acks", acks)
        .set("compression.type", compression)
        .set("linger.ms", "5")
        .set("batch.size", "1000000")
        .set("queue.buffering.max.messages", "1000000")
        .set("queue.buffering.max.kbytes", "1048576")
        .set("enable.idempotence", "false");
    for (k, v) in extra {
        config.set(*k, *v);
    }
    if let Ok(contexts) = std::env::var("RDKAFKA_DEBUG") {
        config.set("debug", contexts);
    }
    config
}

fn send(p: &ThreadedProducer<Acks>, topic: &str, payload: &[u8], sent_ns: u64) {
    let mut record: BaseRecord<(), [u8], Box<u64>> =
        BaseRecord::with_opaque_to(topic, Box::new(sent_ns)).payload(payload).partition(0);
    loop {
        match p.send(record) {
            Ok(()) => return,
            Err((_, r)) => {
                record = r;
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
}

fn report(what: &str, count: u64, bytes: u64, elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    println!(
        "{what}: {count} records, {:.0} records/s, {:.1} MB/s, {:.2} s",
        count as f64 / secs,
        bytes as f64 / secs / 1e6,
        secs
    );
}

fn main() {
    match Cli::parse().command {
        Cmd::Produce { brokers, topic, count, size, acks, compression, idempotent } => {
            let start = Instant::now();
            let extra: &[(&str, &str)] = if idempotent { &[("enable.idempotence", "true")] } else { &[] };
            let p = producer(&brokers, &acks, &compression, extra, start);
            let payload = vec![b'x'; size];
            for _ in 0..count {
                send(&p, &topic, &payload, start.elapsed().as_nanos() as u64);
            }
            p.flush(Duration::from_secs(120)).expect("flush");
            while DELIVERED.load(std::sync::atomic::Ordering::Relaxed) < count {
                std::thread::sleep(Duration::from_millis(1));
            }
            let what = if idempotent { "idempotent" } else { "plain" };
            report(&format!("produce acks={acks} {what}"), count, count * size as u64, start.elapsed());
        }
        Cmd::TxnProduce { brokers, topic, count, size, per_txn } => txn_produce(&brokers, &topic, count, size, per_txn),
        Cmd::Consume { brokers, topic, count } => {
            let fetch = [("fetch.max.bytes", "52428800"), ("max.partition.fetch.bytes", "10485760")];
            let c = partition_zero_consumer(&brokers, "rdkafka-bench", &topic, &fetch);
            let start = Instant::now();
            let (mut n, mut bytes) = (0u64, 0u64);
            while n < count {
                match c.poll(Duration::from_secs(10)) {
                    Some(Ok(m)) => {
                        n += 1;
                        bytes += m.payload_len() as u64;
                    }
                    Some(Err(e)) => panic!("consume: {e}"),
                    None => panic!("no record within 10 s after {n}"),
                }
            }
            report("consume", n, bytes, start.elapsed());
        }
        Cmd::Latency { brokers, topic, rate, seconds, size, acks } => {
            latency(&brokers, &topic, rate, seconds, size, &acks)
        }
        Cmd::GroupJoin { brokers, topic, members, partitions, protocol } => {
            group_join(&brokers, &topic, members, partitions, &protocol)
        }
        Cmd::Commits { brokers, topic, threads, seconds } => commits(&brokers, &topic, threads, seconds),
        Cmd::RawFsync { dir, seconds } => {
            let path = dir.join("raw-fsync-reference");
            let mut f = std::fs::File::create(&path).unwrap();
            let (start, mut n) = (Instant::now(), 0u64);
            while start.elapsed() < Duration::from_secs(seconds) {
                f.write_all(&[b'x'; 100]).unwrap();
                f.sync_data().unwrap();
                n += 1;
            }
            println!("raw 100-byte write + fdatasync: {:.0} per second", n as f64 / start.elapsed().as_secs_f64());
            std::fs::remove_file(path).unwrap();
        }
        Cmd::RawWrite { dir, count, size } => {
            let path = dir.join("raw-write-reference");
            let chunk = vec![b'x'; 1 << 20];
            let total = count * size as u64;
            let start = Instant::now();
            let mut f = std::fs::File::create(&path).unwrap();
            let mut left = total;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                f.write_all(&chunk[..n]).unwrap();
                left -= n as u64;
            }
            f.sync_data().unwrap();
            report("raw write + fdatasync", count, total, start.elapsed());
            std::fs::remove_file(path).unwrap();
        }
    }
}

/// A transactional producer that serves its own delivery reports (no
/// polling thread), committing every `per_txn` records. linger.ms is 0: a
/// commit sends what is queued at once (librdkafka's own commit flush does
/// the same), so no transaction waits out a linger.
fn txn_produce(brokers: &str, topic: &str, count: u64, size: usize, per_txn: u64) {
    let start = Instant::now();
    let id = format!("rdkafka-bench-{}", std::process::id());
    let extra = [("enable.idempotence", "true"), ("transactional.id", id.as_str()), ("linger.ms", "0")];
    let p: BaseProducer<Acks> =
        producer_config(brokers, "all", "none", &extra).create_with_context(Acks { start }).expect("producer");
    let timeout = Duration::from_secs(60);
    p.init_transactions(timeout).expect("init_transactions");
    let payload = vec![b'x'; size];
    let mut sent = 0;
    while sent < count {
        p.begin_transaction().expect("begin_transaction");
        let n = per_txn.min(count - sent);
        for _ in 0..n {
            let sent_ns = Box::new(start.elapsed().as_nanos() as u64);
            let mut record: BaseRecord<(), [u8], Box<u64>> =
                BaseRecord::with_opaque_to(topic, sent_ns).payload(payload.as_slice()).partition(0);
            while let Err((_, r)) = p.send(record) {
                record = r;
                p.poll(Duration::from_millis(1));
            }
        }
        // Serve the delivery reports here: the crate's flush inside
        // commit_transaction polls in slices of 100 ms that run to their end,
        // adding ~100 ms per transaction (measured) that are the client's.
        while p.in_flight_count() > 0 {
            p.poll(Duration::from_millis(1));
        }
        p.commit_transaction(timeout).expect("commit_transaction");
        sent += n;
    }
    let txns = count.div_ceil(per_txn);
    report(&format!("produce in {txns} transactions of {per_txn}"), count, count * size as u64, start.elapsed());
}

fn latency(brokers: &str, topic: &str, rate: u64, seconds: u64, size: usize, acks: &str) {
    let start = Instant::now();
    let consumer_start = start;
    let (brokers_c, topic_c) = (brokers.to_string(), topic.to_string());
    let total = rate * seconds;
    let p = producer(brokers, acks, "none", &[("linger.ms", "0")], start);
    let mut payload = vec![0u8; size.max(8)];
    // One record first (sent at "0"), so the topic exists before the consumer starts.
    send(&p, topic, &payload, 0);
    p.flush(Duration::from_secs(30)).expect("flush");
    ack_latency().lock().unwrap().reset();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let consumer = std::thread::spawn(move || {
        let c = partition_zero_consumer(&brokers_c, "rdkafka-bench-latency", &topic_c, &[("fetch.wait.max.ms", "100")]);
        match c.poll(Duration::from_secs(30)) {
            Some(Ok(_)) => ready_tx.send(()).unwrap(), // the warm-up record: the consumer is fetching
            other => panic!("no warm-up record: {:?}", other.map(|r| r.map(|m| m.offset()))),
        }
        let mut h = Histogram::<u64>::new(3).unwrap();
        while h.len() < total {
            match c.poll(Duration::from_secs(10)) {
                Some(Ok(m)) => {
                    let sent = u64::from_le_bytes(m.payload().unwrap()[..8].try_into().unwrap());
                    let now = consumer_start.elapsed().as_nanos() as u64;
                    h.record((now - sent) / 1000).unwrap();
                }
                Some(Err(e)) => panic!("consume: {e}"),
                None => panic!("no record within 10 s"),
            }
        }
        h
    });
    ready_rx.recv().unwrap();
    let interval = Duration::from_nanos(1_000_000_000 / rate);
    let begin = Instant::now();
    for i in 0..total {
        let due = begin + interval * i as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait); // not a spin: the broker shares the machine's two cores
        }
        let now = start.elapsed().as_nanos() as u64;
        payload[..8].copy_from_slice(&now.to_le_bytes());
        send(&p, topic, &payload, now);
    }
    p.flush(Duration::from_secs(60)).expect("flush");
    let e2e = consumer.join().unwrap();
    let ack = ack_latency().lock().unwrap().clone();
    let q = |h: &Histogram<u64>, p: f64| h.value_at_quantile(p) as f64 / 1000.0;
    println!("latency at {rate} records/s of {size} B for {seconds} s, acks={acks}:");
    for (name, h) in [("ack (produce → acknowledgement)", &ack), ("end to end (produce → consumer)", &e2e)] {
        println!(
            "  {name}: p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms ({} samples)",
            q(h, 0.5),
            q(h, 0.99),
            q(h, 0.999),
            h.max() as f64 / 1000.0,
            h.len()
        );
    }
}

fn group_consumer(brokers: &str, group: &str, protocol: &str) -> BaseConsumer {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers).set("group.id", group).set("enable.auto.commit", "false");
    if protocol == "consumer" {
        // KIP-848: the broker sets session and heartbeat times.
        config.set("group.protocol", "consumer");
    } else {
        config.set("session.timeout.ms", "10000").set("heartbeat.interval.ms", "500");
    }
    config.create().expect("consumer")
}

fn group_join(brokers: &str, topic: &str, members: usize, partitions: usize, protocol: &str) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let group = format!("join-{}-{}", members, std::process::id());
    let held: Arc<Vec<AtomicUsize>> = Arc::new((0..members).map(|_| AtomicUsize::new(0)).collect());
    let done = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let threads: Vec<_> = (0..members)
        .map(|i| {
            let (held, done, brokers, group, topic, protocol) = (
                held.clone(),
                done.clone(),
                brokers.to_string(),
                group.clone(),
                topic.to_string(),
                protocol.to_string(),
            );
            std::thread::spawn(move || {
                let c = group_consumer(&brokers, &group, &protocol);
                c.subscribe(&[&topic]).unwrap();
                while !done.load(Ordering::Relaxed) {
                    let _ = c.poll(Duration::from_millis(5));
                    held[i].store(c.assignment().map(|a| a.count()).unwrap_or(0), Ordering::Relaxed);
                }
            })
        })
        .collect();
    let deadline = start + Duration::from_secs(60);
    loop {
        let counts: Vec<usize> = held.iter().map(|h| h.load(Ordering::Relaxed)).collect();
        if counts.iter().sum::<usize>() == partitions && counts.iter().all(|&c| c > 0) {
            break;
        }
        assert!(Instant::now() < deadline, "members hold {counts:?} after 60 s");
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    println!(
        "group join ({protocol}): {members} members hold all {partitions} partitions {:.0} ms after the first subscribe",
        elapsed.as_secs_f64() * 1000.0
    );
}

fn commits(brokers: &str, topic: &str, threads: usize, seconds: u64) {
    use rdkafka::consumer::CommitMode;
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (brokers, topic) = (brokers.to_string(), topic.to_string());
            std::thread::spawn(move || {
                let c = group_consumer(&brokers, &format!("commits-{i}-{}", std::process::id()), "classic");
                let mut n = 0u64;
                let mut lat = Histogram::<u64>::new(3).unwrap();
                while start.elapsed() < Duration::from_secs(seconds) {
                    let mut tpl = TopicPartitionList::new();
                    tpl.add_partition_offset(&topic, 0, Offset::Offset(n as i64)).unwrap();
                    let t = Instant::now();
                    c.commit(&tpl, CommitMode::Sync).expect("commit");
                    lat.record(t.elapsed().as_micros() as u64).unwrap();
                    n += 1;
                }
                (n, lat)
            })
        })
        .collect();
    let mut total = 0;
    let mut lat = Histogram::<u64>::new(3).unwrap();
    for h in handles {
        let (n, l) = h.join().unwrap();
        total += n;
        lat.add(l).unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "offset commits, {threads} threads: {:.0} per second (p50 {:.2} ms, p99 {:.2} ms)",
        total as f64 / secs,
        lat.value_at_quantile(0.5) as f64 / 1000.0,
        lat.value_at_quantile(0.99) as f64 / 1000.0
    );
}

/// A consumer assigned partition 0 of `topic` from the beginning, without
/// auto-commit, with `extra` settings.
fn partition_zero_consumer(brokers: &str, group: &str, topic: &str, extra: &[(&str, &str)]) -> BaseConsumer {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers).set("group.id", group).set("enable.auto.commit", "false");
    for (k, v) in extra {
        config.set(*k, *v);
    }
    let c: BaseConsumer = config.create().expect("consumer");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning).unwrap();
    c.assign(&tpl).unwrap();
    c
}
