//! strata-client against the real broker: the producer (acks, codecs,
//! partitioning, batching, flush, retries across a broker SIGKILL), the
//! consumer (seek, pause/resume, commits, groups with each assignor,
//! cooperative rebalancing, broadcast, the Stream) and the admin client.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use strata_client::admin::{ConfigChange, ConfigResource, NewTopic};
use strata_client::assignor::Strategy;
use strata_client::consumer::OffsetReset;
use strata_client::partitioner::partition_for_key;
use strata_client::{
    Acks, Admin, ClientConfig, Compression, Consumer, ConsumerConfig, ConsumerRecord, Error, ErrorCode, Offset,
    Producer, ProducerConfig, ProducerRecord, TopicPartition,
};
use support::Broker;

/// Runs `work` on a fresh runtime, failing the test after `secs` seconds.
fn bounded<F: Future<Output = ()>>(secs: u64, work: F) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(secs), work).await.expect("the test finished in time");
    });
}

async fn create(broker: &Broker, name: &str, partitions: i32) {
    let admin = Admin::new(ClientConfig::new(&broker.addr())).unwrap();
    let topic = NewTopic { name: name.into(), partitions, replication_factor: 1, configs: vec![] };
    admin.create_topic(&topic).await.unwrap();
}

fn producer(broker: &Broker, acks: Acks, compression: Compression) -> Producer {
    let mut config = ProducerConfig::new(&broker.addr());
    config.acks = acks;
    config.compression = compression;
    Producer::new(config).unwrap()
}

fn consumer(broker: &Broker, group: Option<&str>) -> Consumer {
    let mut config = ConsumerConfig::new(&broker.addr());
    config.group_id = group.map(str::to_string);
    config.auto_offset_reset = OffsetReset::Earliest;
    config.fetch_max_wait = Duration::from_millis(100);
    Consumer::new(config).unwrap()
}

/// Reads `n` records (failing after 30 s without one).
async fn read(consumer: &mut Consumer, n: usize) -> Vec<ConsumerRecord> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let r = tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await.expect("a record in time");
        out.push(r.unwrap());
    }
    out
}

fn all_partitions(topic: &str, n: i32) -> Vec<TopicPartition> {
    (0..n).map(|p| TopicPartition::new(topic, p)).collect()
}

#[test]
fn every_acks_and_codec_round_trips_with_keys_headers_and_timestamps() {
    let broker = Broker::start(&[]);
    bounded(120, async {
        create(&broker, "rt", 4).await;
        let mut sent = BTreeMap::new();
        let base_ts = 1_700_000_000_000i64;
        for (i, acks) in [Acks::None, Acks::Leader, Acks::All].into_iter().enumerate() {
            for (j, codec) in Compression::ALL.into_iter().enumerate() {
                let p = producer(&broker, acks, codec);
                let mut deliveries = Vec::new();
                for k in 0..40 {
                    let key = format!("key-{i}-{j}-{k}");
                    let value = format!("value {k} with {} under acks {acks:?}", codec.name()).repeat(3);
                    let header_value = format!("h{k}");
                    let headers = [("trace", Some(header_value.as_bytes())), ("empty", None)];
                    let ts = base_ts + k;
                    let record =
                        ProducerRecord::new("rt", value.as_bytes()).key(key.as_bytes()).headers(&headers).timestamp(ts);
                    deliveries.push((key.clone(), p.send(record).await.unwrap()));
                    sent.insert(key, (value, header_value, ts));
                }
                p.flush().await;
                for (key, d) in deliveries {
                    let meta = d.await.unwrap();
                    assert_eq!(meta.partition, partition_for_key(key.as_bytes(), 4), "{key}");
                    assert_eq!(meta.timestamp, sent[&key].2);
                    if acks == Acks::None {
                        assert_eq!(meta.offset, -1);
                    } else {
                        assert!(meta.offset >= 0);
                    }
                }
                p.close().await;
            }
        }
        let mut c = consumer(&broker, None);
        c.assign(&all_partitions("rt", 4));
        for tp in all_partitions("rt", 4) {
            c.seek(&tp, Offset::Beginning).unwrap();
        }
        let records = read(&mut c, sent.len()).await;
        for r in &records {
            let key = String::from_utf8(r.key.clone().unwrap().to_vec()).unwrap();
            let (value, header, ts) = &sent[&key];
            assert_eq!(r.value.as_deref(), Some(value.as_bytes()), "{key}");
            assert_eq!(r.partition, partition_for_key(key.as_bytes(), 4));
            assert_eq!(r.timestamp, *ts);
            assert_eq!(r.headers.len(), 2);
            assert_eq!((r.headers[0].key.as_str(), r.headers[0].value.as_deref()), ("trace", Some(header.as_bytes())));
            assert_eq!((r.headers[1].key.as_str(), r.headers[1].value.as_deref()), ("empty", None));
        }
        let keys: BTreeSet<_> = records.iter().map(|r| r.key.clone().unwrap()).collect();
        assert_eq!(keys.len(), sent.len(), "each record exactly once");
    });
}

#[test]
fn each_delivery_has_its_records_offset_when_several_batches_of_a_partition_are_ready_at_once() {
    let broker = Broker::start(&[]);
    bounded(60, async {
        create(&broker, "batches", 1).await;
        let mut config = ProducerConfig::new(&broker.addr());
        config.batch_size = 16 * 1024;
        config.linger = Duration::from_millis(50);
        let p = Producer::new(config).unwrap();
        // 1 KiB records: about 16 per batch, several batches ready together.
        let value = vec![b'v'; 1000];
        let mut deliveries = Vec::new();
        for _ in 0..200 {
            deliveries.push(p.send(ProducerRecord::new("batches", &value).partition(0)).await.unwrap());
        }
        p.flush().await;
        for (i, d) in deliveries.into_iter().enumerate() {
            assert_eq!(d.offset().unwrap().unwrap(), i as i64, "record {i}, read without awaiting");
            assert_eq!(d.await.unwrap().offset, i as i64, "record {i}");
        }
        p.close().await;
    });
}

/// The producer keeps a topic's partition count between metadata
/// refreshes; partitions added meanwhile are found when a record names one
/// (one refresh, as Java's producer does), and a partition the topic still
/// lacks after it is a clear error.
#[test]
fn a_producer_finds_partitions_added_after_it_started() {
    let broker = Broker::start(&[]);
    bounded(60, async {
        create(&broker, "growing", 1).await;
        let p = producer(&broker, Acks::All, Compression::None);
        let first = p.send(ProducerRecord::new("growing", b"a").key(b"k")).await.unwrap().await.unwrap();
        assert_eq!(first.partition, 0);
        let admin = Admin::new(ClientConfig::new(&broker.addr())).unwrap();
        admin.create_partitions("growing", 3).await.unwrap();
        let added = p.send(ProducerRecord::new("growing", b"b").partition(2)).await.unwrap().await.unwrap();
        assert_eq!((added.partition, added.offset), (2, 0));
        // Keyed records now spread over the three partitions.
        let mut seen = BTreeSet::new();
        for i in 0..30 {
            let key = format!("key-{i}");
            let d = p.send(ProducerRecord::new("growing", b"c").key(key.as_bytes())).await.unwrap().await.unwrap();
            assert_eq!(d.partition, partition_for_key(key.as_bytes(), 3), "{key}");
            seen.insert(d.partition);
        }
        assert_eq!(seen, BTreeSet::from([0, 1, 2]));
        let missing = p.send(ProducerRecord::new("growing", b"d").partition(3)).await.unwrap_err();
        assert!(missing.to_string().contains("topic growing has no partition 3"), "{missing}");
        p.close().await;
    });
}

/// A producer whose batches wait 30 s (linger.ms) unless flushed, up to 1 MiB.
fn lingering_producer(broker: &Broker) -> Producer {
    let mut config = ProducerConfig::new(&broker.addr());
    config.linger = Duration::from_secs(30);
    config.batch_size = 1024 * 1024;
    Producer::new(config).unwrap()
}

#[test]
fn linger_holds_a_batch_until_flush_and_offsets_follow_send_order() {
    let broker = Broker::start(&[]);
    bounded(60, async {
        create(&broker, "linger", 1).await;
        let p = lingering_producer(&broker);
        let mut deliveries = Vec::new();
        for i in 0..100 {
            deliveries.push(p.send(ProducerRecord::new("linger", format!("{i}").as_bytes())).await.unwrap());
        }
        let first = deliveries.remove(0);
        let waiting = tokio::time::timeout(Duration::from_millis(300), first).await;
        assert!(waiting.is_err(), "linger.ms holds the batch");
        assert!(deliveries.iter().all(|d| d.offset().is_none()), "no delivery has ended");
        p.flush().await;
        for (i, d) in deliveries.into_iter().enumerate() {
            assert_eq!(d.await.unwrap().offset, i as i64 + 1);
        }
        // The unsticky null-key records all went to the one partition, in one batch.
        let mut c = consumer(&broker, None);
        c.assign(&all_partitions("linger", 1));
        let records = read(&mut c, 100).await;
        let values: Vec<String> =
            records.iter().map(|r| String::from_utf8(r.value.clone().unwrap().to_vec()).unwrap()).collect();
        assert_eq!(values, (0..100).map(|i| i.to_string()).collect::<Vec<_>>());
        p.close().await;
    });
}

/// A producer dropped with records still lingering ends their deliveries
/// with `Closed`; none is left waiting for good.
#[test]
fn deliveries_of_a_dropped_producer_end_as_closed() {
    let broker = Broker::start(&[]);
    bounded(60, async {
        create(&broker, "dropped", 1).await;
        let p = lingering_producer(&broker);
        let delivery = p.send(ProducerRecord::new("dropped", b"lingering")).await.unwrap();
        let waiter = tokio::spawn(delivery);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiter.is_finished(), "linger.ms holds the batch");
        drop(p);
        let outcome = tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("woken").unwrap();
        assert!(matches!(outcome, Err(strata_client::Error::Closed)), "{outcome:?}");
    });
}

#[test]
fn producer_retries_through_a_broker_sigkill_and_restart() {
    let mut broker = Broker::start(&[]);
    let addr = broker.addr();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (p, first) = runtime.block_on(async {
        create(&broker, "retry", 2).await;
        let p = producer(&broker, Acks::All, Compression::Lz4);
        let mut first = Vec::new();
        for i in 0..200 {
            first.push(p.send(ProducerRecord::new("retry", format!("before-{i}").as_bytes())).await.unwrap());
        }
        p.flush().await;
        (p, first)
    });
    broker.kill();
    let restarted = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        broker.restart();
        broker
    });
    let broker_back = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(90), async {
            for d in first {
                d.await.unwrap();
            }
            let started = Instant::now();
            let mut after = Vec::new();
            for i in 0..200 {
                after.push(p.send(ProducerRecord::new("retry", format!("after-{i}").as_bytes())).await.unwrap());
            }
            for d in after {
                d.await.expect("delivered once the broker is back");
            }
            assert!(started.elapsed() >= Duration::from_millis(500), "the sends waited for the restart");
            p.close().await;
        })
        .await
        .expect("in time");
        restarted.join().unwrap()
    });
    runtime.block_on(async {
        let mut config = ConsumerConfig::new(&addr);
        config.auto_offset_reset = OffsetReset::Earliest;
        let mut c = Consumer::new(config).unwrap();
        c.assign(&all_partitions("retry", 2));
        let values: BTreeSet<String> = read(&mut c, 400)
            .await
            .into_iter()
            .map(|r| String::from_utf8(r.value.unwrap().to_vec()).unwrap())
            .collect();
        for i in 0..200 {
            assert!(values.contains(&format!("before-{i}")) && values.contains(&format!("after-{i}")), "{i}");
        }
    });
    drop(broker_back);
}

#[test]
fn consumer_seeks_pauses_resumes_and_commits() {
    let broker = Broker::start(&[]);
    bounded(90, async {
        create(&broker, "seek", 1).await;
        let p = producer(&broker, Acks::All, Compression::None);
        let t0 = 1_800_000_000_000i64;
        for i in 0..100i64 {
            p.send(ProducerRecord::new("seek", format!("{i}").as_bytes()).timestamp(t0 + i * 10)).await.unwrap();
        }
        p.flush().await;
        let tp = TopicPartition::new("seek", 0);
        let mut c = consumer(&broker, Some("seekers"));
        c.assign(std::slice::from_ref(&tp));
        c.seek(&tp, Offset::At(10)).unwrap();
        assert_eq!(read(&mut c, 1).await[0].offset, 10);
        c.seek(&tp, Offset::Timestamp(t0 + 495)).unwrap();
        assert_eq!(read(&mut c, 1).await[0].offset, 50, "first record at or after the timestamp");
        c.seek(&tp, Offset::Timestamp(t0 + 10_000)).unwrap();
        c.seek(&tp, Offset::End).unwrap();
        // Seeks resolve on the next recv, which finds nothing at the end.
        assert!(tokio::time::timeout(Duration::from_millis(500), c.recv()).await.is_err());
        assert_eq!(c.position(&tp), Some(100));
        p.send(ProducerRecord::new("seek", b"late")).await.unwrap().await.unwrap();
        let late = read(&mut c, 1).await;
        assert_eq!((late[0].offset, late[0].value.as_deref()), (100, Some(&b"late"[..])));
        c.seek(&tp, Offset::Beginning).unwrap();
        assert_eq!(read(&mut c, 20).await.last().unwrap().offset, 19);
        c.pause(std::slice::from_ref(&tp));
        assert_eq!(c.paused(), vec![tp.clone()]);
        assert!(tokio::time::timeout(Duration::from_millis(700), c.recv()).await.is_err(), "paused: nothing comes");
        c.resume(std::slice::from_ref(&tp));
        assert_eq!(read(&mut c, 1).await[0].offset, 20, "resumes where it stopped");
        c.commit().await.unwrap();
        assert_eq!(c.committed(std::slice::from_ref(&tp)).await.unwrap(), vec![(tp.clone(), Some(21))]);
        c.commit_offsets(&[(tp.clone(), 42)]).await.unwrap();
        drop(c);
        // A new consumer of the group starts at the committed offset.
        let mut again = consumer(&broker, Some("seekers"));
        again.assign(std::slice::from_ref(&tp));
        assert_eq!(read(&mut again, 1).await[0].offset, 42);
        assert_eq!(again.position(&tp), Some(43));
        p.close().await;
    });
}

/// Two members of one group read a 6-partition topic until they hold every
/// record between them; returns each member's final assignment.
async fn share_a_topic(broker: &Broker, topic: &str, group: &str, strategy: Strategy) -> [Vec<TopicPartition>; 2] {
    let members: Vec<_> = (0..2)
        .map(|_| {
            let mut config = ConsumerConfig::new(&broker.addr());
            config.group_id = Some(group.into());
            config.auto_offset_reset = OffsetReset::Earliest;
            config.strategies = vec![strategy];
            config.heartbeat_interval = Duration::from_millis(300);
            config.fetch_max_wait = Duration::from_millis(100);
            let mut c = Consumer::new(config).unwrap();
            c.subscribe(&[topic]).unwrap();
            c
        })
        .collect();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let tasks: Vec<_> = members
        .into_iter()
        .map(|mut c| {
            let seen = seen.clone();
            tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(60);
                // Read until every record was seen and the assignment settled for a while.
                let mut quiet_since = Instant::now();
                let mut last = c.assignment();
                while Instant::now() < deadline {
                    if let Ok(r) = tokio::time::timeout(Duration::from_millis(200), c.recv()).await {
                        let r = r.unwrap();
                        seen.lock().unwrap().insert((r.partition, r.offset));
                    }
                    if c.assignment() != last {
                        last = c.assignment();
                        quiet_since = Instant::now();
                    }
                    if seen.lock().unwrap().len() == 60
                        && quiet_since.elapsed() > Duration::from_secs(4)
                        && !last.is_empty()
                    {
                        break;
                    }
                }
                let assignment = c.assignment();
                c.close().await.unwrap();
                assignment
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    assert_eq!(seen.lock().unwrap().len(), 60, "{strategy:?}: every record was read");
    [out.remove(0), out.remove(0)]
}

#[test]
fn groups_split_partitions_with_each_assignor() {
    let broker = Broker::start(&["--set", "group.initial.rebalance.delay.ms=500"]);
    bounded(240, async {
        for strategy in [Strategy::Range, Strategy::RoundRobin, Strategy::CooperativeSticky] {
            let topic = format!("split-{}", strategy.name());
            create(&broker, &topic, 6).await;
            let p = producer(&broker, Acks::All, Compression::None);
            for i in 0..60 {
                let record = ProducerRecord::new(&topic, b"v").partition(i % 6);
                p.send(record).await.unwrap();
            }
            p.close().await;
            let [a, b] = share_a_topic(&broker, &topic, &format!("g-{}", strategy.name()), strategy).await;
            let union: BTreeSet<_> = a.iter().chain(&b).cloned().collect();
            assert_eq!(union.len(), 6, "{strategy:?}: all partitions assigned: {a:?} {b:?}");
            assert_eq!(a.len() + b.len(), 6, "{strategy:?}: no partition twice: {a:?} {b:?}");
            assert_eq!(a.len(), 3, "{strategy:?}: balanced: {a:?} {b:?}");
        }
    });
}

#[test]
fn cooperative_sticky_moves_only_what_it_must() {
    let broker = Broker::start(&["--set", "group.initial.rebalance.delay.ms=200"]);
    bounded(120, async {
        create(&broker, "coop", 4).await;
        let config = |broker: &Broker| {
            let mut config = ConsumerConfig::new(&broker.addr());
            config.group_id = Some("coop".into());
            config.strategies = vec![Strategy::CooperativeSticky];
            config.heartbeat_interval = Duration::from_millis(200);
            config.fetch_max_wait = Duration::from_millis(100);
            config
        };
        let mut first = Consumer::new(config(&broker)).unwrap();
        first.subscribe(&["coop"]).unwrap();
        while first.assignment().len() < 4 {
            let _ = tokio::time::timeout(Duration::from_millis(100), first.recv()).await;
        }
        let mut second = Consumer::new(config(&broker)).unwrap();
        second.subscribe(&["coop"]).unwrap();
        let mut history = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while second.assignment().len() < 2 || first.assignment().len() > 2 {
            assert!(Instant::now() < deadline, "no balance: {:?} / {:?}", first.assignment(), second.assignment());
            let _ = tokio::time::timeout(Duration::from_millis(50), first.recv()).await;
            let _ = tokio::time::timeout(Duration::from_millis(50), second.recv()).await;
            history.push(first.assignment());
        }
        let kept = first.assignment();
        assert_eq!(kept.len(), 2);
        assert!(
            history.iter().all(|a| kept.iter().all(|tp| a.contains(tp))),
            "the first member never gave up what it kept"
        );
        let moved: BTreeSet<_> = second.assignment().into_iter().collect();
        assert!(moved.iter().all(|tp| !kept.contains(tp)));
        first.close().await.unwrap();
        second.close().await.unwrap();
    });
}

#[test]
fn two_groups_each_read_every_record_through_the_stream() {
    let broker = Broker::start(&["--set", "group.initial.rebalance.delay.ms=100"]);
    bounded(90, async {
        create(&broker, "broadcast", 3).await;
        let p = producer(&broker, Acks::All, Compression::Zstd);
        for i in 0..30 {
            p.send(ProducerRecord::new("broadcast", format!("{i}").as_bytes()).key(format!("k{i}").as_bytes()))
                .await
                .unwrap();
        }
        p.close().await;
        for group in ["audit", "billing"] {
            let mut c = consumer(&broker, Some(group));
            c.subscribe(&["broadcast"]).unwrap();
            let values: BTreeSet<String> = c
                .stream()
                .take(30)
                .map(|r| String::from_utf8(r.unwrap().value.unwrap().to_vec()).unwrap())
                .collect()
                .await;
            assert_eq!(values.len(), 30, "{group}");
            c.close().await.unwrap();
        }
        let admin = Admin::new(ClientConfig::new(&broker.addr())).unwrap();
        for group in ["audit", "billing"] {
            let offsets = admin.group_offsets(group).await.unwrap();
            assert_eq!(offsets.iter().map(|o| o.committed).sum::<i64>(), 30, "{group} committed everything on close");
            assert!(offsets.iter().all(|o| o.lag() == 0));
        }
    });
}

#[test]
fn admin_manages_topics_configs_and_groups() {
    let broker = Broker::start(&[]);
    bounded(90, async {
        let admin = Admin::new(ClientConfig::new(&broker.addr())).unwrap();
        let topic = NewTopic {
            name: "managed".into(),
            partitions: 1,
            replication_factor: 1,
            configs: vec![("retention.ms".into(), "3600000".into())],
        };
        admin.create_topic(&topic).await.unwrap();
        let again = admin.create_topic(&topic).await.unwrap_err();
        assert_eq!(again.code(), Some(ErrorCode::TOPIC_ALREADY_EXISTS));
        assert!(admin.list_topics().await.unwrap().iter().any(|t| t.name == "managed"));
        admin.create_partitions("managed", 3).await.unwrap();
        assert_eq!(admin.describe_topic("managed").await.unwrap().partitions.len(), 3);
        let resource = ConfigResource::Topic("managed".into());
        let retention = |entries: Vec<strata_client::admin::ConfigEntry>| {
            entries.into_iter().find(|c| c.name == "retention.ms").map(|c| (c.value, c.source))
        };
        assert_eq!(
            retention(admin.describe_configs(&resource).await.unwrap()),
            Some((Some("3600000".into()), "DYNAMIC_TOPIC_CONFIG"))
        );
        admin
            .alter_configs(
                &resource,
                &[
                    ConfigChange::Set("cleanup.policy".into(), "compact".into()),
                    ConfigChange::Delete("retention.ms".into()),
                ],
            )
            .await
            .unwrap();
        let entries = admin.describe_configs(&resource).await.unwrap();
        assert!(entries.iter().any(|c| c.name == "cleanup.policy" && c.value.as_deref() == Some("compact")));
        assert_ne!(retention(entries).map(|r| r.1), Some("DYNAMIC_TOPIC_CONFIG"), "the override is gone");
        let bad = admin.alter_configs(&resource, &[ConfigChange::Set("retention.ms".into(), "soon".into())]).await;
        assert_eq!(bad.unwrap_err().code(), Some(ErrorCode::INVALID_CONFIG));

        // Groups: offsets committed by a standalone consumer, then reset, then deleted.
        let p = producer(&broker, Acks::All, Compression::None);
        for _ in 0..10 {
            p.send(ProducerRecord::new("managed", b"x").partition(0)).await.unwrap();
        }
        p.close().await;
        let tp = TopicPartition::new("managed", 0);
        let mut c = consumer(&broker, Some("ops"));
        c.assign(std::slice::from_ref(&tp));
        read(&mut c, 4).await;
        c.commit().await.unwrap();
        drop(c);
        assert!(admin.list_groups().await.unwrap().iter().any(|g| g.group_id == "ops"));
        assert_eq!(admin.describe_group("ops").await.unwrap().state, "Empty");
        let offsets = admin.group_offsets("ops").await.unwrap();
        assert_eq!((offsets[0].committed, offsets[0].end, offsets[0].lag()), (4, 10, 6));
        admin.alter_group_offsets("ops", &[(tp.clone(), 9)]).await.unwrap();
        assert_eq!(admin.group_offsets("ops").await.unwrap()[0].committed, 9);
        admin.delete_group("ops").await.unwrap();
        assert!(admin.group_offsets("ops").await.unwrap().is_empty());

        admin.delete_topic("managed").await.unwrap();
        assert!(matches!(admin.describe_topic("managed").await, Err(Error::UnknownTopic(_))));
        assert!(matches!(admin.delete_topic("managed").await, Err(Error::UnknownTopic(_))));
    });
}

#[test]
fn clear_errors_for_unknown_topics_and_unreachable_brokers() {
    let broker = Broker::start(&["--set", "auto.create.topics.enable=false"]);
    bounded(60, async {
        let mut config = ProducerConfig::new(&broker.addr());
        config.max_block = Duration::from_millis(500);
        let p = Producer::new(config).unwrap();
        let e = p.send(ProducerRecord::new("missing", b"x")).await.unwrap_err();
        assert!(matches!(e, Error::UnknownTopic(ref t) if &**t == "missing"), "{e}");
        create(&broker, "one", 1).await;
        let e = p.send(ProducerRecord::new("one", b"x").partition(5)).await.unwrap_err();
        assert!(e.to_string().contains("no partition 5"), "{e}");
        let admin = Admin::new(ClientConfig::new("127.0.0.1:1")).unwrap();
        let e = admin.list_topics().await.unwrap_err();
        assert!(matches!(e, Error::Unreachable { .. }), "{e}");
        assert!(Producer::new(ProducerConfig::new("")).is_err(), "empty bootstrap.servers");
    });
}

/// A topic deleted and created again under the same name gets fresh files:
/// records written to the new one survive a SIGKILL and restart, and none
/// of the old one's come back. (The broker once kept writing the new
/// topic's records through a cached handle of the deleted segment file.)
#[test]
fn a_topic_created_again_under_the_same_name_keeps_its_records() {
    let mut broker = Broker::start(&[]);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let admin = Admin::new(ClientConfig::new(&broker.addr())).unwrap();
        for (round, n) in [("old", 300), ("new", 200)] {
            create(&broker, "again", 1).await;
            let p = producer(&broker, Acks::All, Compression::None);
            for i in 0..n {
                p.send(ProducerRecord::new("again", format!("{round}-{i}").as_bytes())).await.unwrap();
            }
            p.close().await;
            if round == "old" {
                admin.delete_topic("again").await.unwrap();
            }
        }
    });
    broker.kill();
    broker.restart();
    runtime.block_on(async {
        let mut c = consumer(&broker, None);
        c.assign(&all_partitions("again", 1));
        let values: Vec<String> = read(&mut c, 200)
            .await
            .into_iter()
            .map(|r| String::from_utf8(r.value.unwrap().to_vec()).unwrap())
            .collect();
        assert_eq!(values, (0..200).map(|i| format!("new-{i}")).collect::<Vec<_>>());
        let end = Admin::new(ClientConfig::new(&broker.addr()))
            .unwrap()
            .list_offsets(&[(TopicPartition::new("again", 0), Offset::End)])
            .await
            .unwrap();
        assert_eq!(end[0].1, 200, "nothing of the deleted topic is left");
    });
}

/// A peer that answers with garbage gets a clear error, never a panic or a
/// huge allocation: an oversized frame, a frame for another request, bytes
/// that do not decode.
#[test]
fn a_hostile_broker_gets_errors_not_panics() {
    bounded(30, async {
        let cases = [
            // A 2 GiB frame announced.
            (i32::MAX.to_be_bytes().to_vec(), "exceeds the limit of 268435456"),
            // An answer to correlation id 99 where 0 is pending.
            ([8i32.to_be_bytes(), 99i32.to_be_bytes(), [0; 4]].concat(), "correlation id 99 where 0 was expected"),
            // A body that ends inside the ApiVersions response.
            ([6i32.to_be_bytes().to_vec(), vec![0, 0, 0, 0, 0xff, 0xff]].concat(), "needs 1 bytes"),
        ];
        for (reply, expected) in cases {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&reply).await;
                tokio::time::sleep(Duration::from_secs(5)).await;
            });
            let admin = Admin::new(ClientConfig::new(&addr)).unwrap();
            let e = admin.list_topics().await.unwrap_err();
            assert!(e.to_string().contains(expected), "{e}");
            assert!(matches!(e, Error::Disconnected { .. } | Error::Malformed(_)), "{e}");
        }
    });
}
