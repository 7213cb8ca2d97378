"""End-to-end checks of strata with kafka-python (its own protocol code).

Usage: kafka_python_e2e.py HOST:PORT SECTION...   (sections: admin, produce, consume)
"""
import sys
import time
import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import InvalidConfigurationError, InvalidPartitionsError, TopicAlreadyExistsError, UnknownTopicOrPartitionError

BROKER = sys.argv[1]
CODECS = [None, "gzip", "snappy", "lz4", "zstd"]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def admin():
    return KafkaAdminClient(bootstrap_servers=BROKER, request_timeout_ms=15000)


def expect(exc, fn, what):
    try:
        fn()
    except exc:
        return
    except Exception as e:  # kafka-python sometimes wraps errors in its result objects
        if exc.__name__ in repr(e):
            return
        raise AssertionError(f"{what}: expected {exc.__name__}, got {e!r}")
    raise AssertionError(f"{what}: expected {exc.__name__}, got success")


def section_admin():
    a = admin()
    name = "kp-admin-" + uuid.uuid4().hex[:8]
    a.create_topics([NewTopic(name, 2, 1, topic_configs={"retention.ms": "120000"})], validate_only=True)
    check(name not in a.list_topics(), "validate_only creates nothing")
    a.create_topics([NewTopic(name, 2, 1, topic_configs={"retention.ms": "120000"})])
    check(name in a.list_topics(), "topic listed")
    described = a.describe_topics([name])[0]
    check(len(described["partitions"]) == 2 and described["error_code"] == 0, f"describe_topics {described}")
    expect(TopicAlreadyExistsError, lambda: a.create_topics([NewTopic(name, 1, 1)]), "duplicate")
    expect(InvalidConfigurationError,
           lambda: a.create_topics([NewTopic(name + "z", 1, 1, topic_configs={"segment.bytes": "tiny"})]), "bad config")
    def topic_configs():  # kafka-python 3 lists the configs that are not defaults
        return a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])["topic"][name]
    entries = topic_configs()
    check(entries["retention.ms"]["value"] == "120000", f"retention.ms {entries}")
    check(entries["retention.ms"]["config_source"] == "DYNAMIC_TOPIC_CONFIG", f"source {entries}")
    # legacy AlterConfigs (kafka-python re-sends the other set configs, since the request replaces the set)
    a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs={"cleanup.policy": "compact"})], incremental=False)
    entries = topic_configs()
    check(entries["cleanup.policy"]["value"] == "compact", f"cleanup.policy set {entries}")
    check(entries["retention.ms"]["value"] == "120000", f"retention.ms kept: {entries}")
    # a dynamic broker config (clients refuse the cluster-default resource ""; a unit test covers it)
    a.alter_configs([ConfigResource(ConfigResourceType.BROKER, "1", configs={"log.retention.ms": "7200000"})])
    entries = a.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")])["broker"]["1"]
    check(entries["log.retention.ms"]["value"] == "7200000", f"broker config set {entries}")
    check(entries["log.retention.ms"]["config_source"] == "DYNAMIC_BROKER_CONFIG", f"source {entries}")
    a.create_partitions({name: NewPartitions(4)})
    check(len(a.describe_topics([name])[0]["partitions"]) == 4, "4 partitions")
    expect(InvalidPartitionsError, lambda: a.create_partitions({name: NewPartitions(1)}), "shrink")
    p = KafkaProducer(bootstrap_servers=BROKER)
    p.send(name, value=b"x" * 1000, partition=3).get(timeout=30)
    p.close()
    dirs = a.describe_log_dirs(topic_partitions={name: [3]})[0]["log_dirs"][0]
    sizes = {(t["name"], q["partition_index"]): q["partition_size"] for t in dirs["topics"] for q in t["partitions"]}
    check(sizes.get((name, 3), 0) > 1000 and dirs["usable_bytes"] > 0 and dirs["error_code"] == 0, f"describe_log_dirs {dirs}")
    cluster = a.describe_cluster()
    check(len(cluster["brokers"]) == 1 and cluster["controller_id"] == 1, f"describe_cluster {cluster}")
    a.delete_topics([name])
    check(name not in a.list_topics(), "deleted")
    expect(UnknownTopicOrPartitionError, lambda: a.delete_topics([name]), "delete twice")
    a.close()
    print("admin ok")


def section_produce():
    a = admin()
    n = 1000
    for acks in [0, 1, "all"]:
        for codec in CODECS:
            topic = f"kp-{acks}-{codec}-" + uuid.uuid4().hex[:6]
            a.create_topics([NewTopic(topic, 1, 1)])
            # kafka-python 3 is idempotent by default with acks=all (and drops idempotence for acks 0 and 1).
            p = KafkaProducer(bootstrap_servers=BROKER, acks=acks, compression_type=codec, linger_ms=5)
            base = int(time.time() * 1000) - 10000
            futures = [p.send(topic, key=b"k%d" % i, value=b"v%d" % i, headers=[("h", b"%d" % i)], timestamp_ms=base + i,
                              partition=0) for i in range(n)]
            p.flush(30)
            metas = [f.get(timeout=30) for f in futures]
            if acks != 0:
                check([m.offset for m in metas] == list(range(n)), f"offsets for acks={acks} {codec}")
            p.close()
            c = KafkaConsumer(bootstrap_servers=BROKER, enable_auto_commit=False, consumer_timeout_ms=10000)
            c.assign([TopicPartition(topic, 0)])
            c.seek_to_beginning()
            got = []
            for m in c:
                got.append(m)
                if len(got) == n:
                    break
            c.close()
            check(len(got) == n, f"consumed {len(got)} of {n} for acks={acks} {codec}")
            for i, m in enumerate(got):
                check((m.offset, m.key, m.value, m.timestamp) == (i, b"k%d" % i, b"v%d" % i, base + i), f"record {i}: {m}")
                check(m.headers == [("h", b"%d" % i)], f"headers {m.headers}")
    a.close()
    print("produce ok")


def section_consume():
    a = admin()
    topic = "kp-c-" + uuid.uuid4().hex[:6]
    a.create_topics([NewTopic(topic, 1, 1)])
    p = KafkaProducer(bootstrap_servers=BROKER, acks="all", compression_type="gzip")
    base = int(time.time() * 1000) - 10000
    for i in range(500):
        p.send(topic, value=b"v%d" % i, timestamp_ms=base + i)
    p.flush(30)
    p.close()
    tp = TopicPartition(topic, 0)
    c = KafkaConsumer(bootstrap_servers=BROKER, enable_auto_commit=False, consumer_timeout_ms=5000)
    check(c.beginning_offsets([tp])[tp] == 0 and c.end_offsets([tp])[tp] == 500, "beginning and end offsets")
    found = c.offsets_for_times({tp: base + 250})[tp]
    check(found.offset == 250 and found.timestamp == base + 250, f"offsets_for_times {found}")
    check(c.offsets_for_times({tp: base + 10 ** 9})[tp] is None, "no offset after the last record")
    c.assign([tp])
    c.seek(tp, 490)
    values = [m.value for m in c]
    check(values == [b"v%d" % i for i in range(490, 500)], f"seek 490: {values}")
    c.seek(tp, 5)
    m = next(c)
    check(m.offset == 5, "seek back")
    a.delete_records({tp: 100})
    check(c.beginning_offsets([tp])[tp] == 100, "beginning after delete_records")
    c.close()
    a.close()
    print("consume ok")


def wait_for(cond, what, seconds=20):
    deadline = time.time() + seconds
    while not cond():
        check(time.time() < deadline, what)
        time.sleep(0.1)


def section_background():
    """Retention and compaction run by the broker's own schedule (the broker runs with
    log.retention.check.interval.ms and log.cleaner.backoff.ms of 200)."""
    a = admin()
    old = int(time.time() * 1000) - 3600 * 1000
    expiring, compacted = "kp-ret-" + uuid.uuid4().hex[:6], "kp-cmp-" + uuid.uuid4().hex[:6]
    a.create_topics([NewTopic(expiring, 1, 1, topic_configs={"retention.ms": "60000", "segment.ms": "100"}),
                     NewTopic(compacted, 1, 1, topic_configs={"cleanup.policy": "compact", "segment.ms": "100",
                                                              "min.cleanable.dirty.ratio": "0.01"})])
    p = KafkaProducer(bootstrap_servers=BROKER, linger_ms=0)
    for round in range(3):  # three segments: segment.ms rolls between the rounds
        for i in range(10):
            p.send(expiring, value=b"old", timestamp_ms=old, partition=0)
            p.send(compacted, key=b"k%d" % (i % 2), value=b"%d-%d" % (round, i), partition=0)
        p.flush()
        time.sleep(0.3)
    p.send(expiring, value=b"new", partition=0)
    p.flush()
    p.close()
    tp_e, tp_c = TopicPartition(expiring, 0), TopicPartition(compacted, 0)
    c = KafkaConsumer(bootstrap_servers=BROKER, enable_auto_commit=False, consumer_timeout_ms=3000)
    wait_for(lambda: c.beginning_offsets([tp_e])[tp_e] >= 20, "retention removed the expired segments")
    c.assign([tp_c])
    c.seek_to_beginning()

    def compacted_values():
        c.seek_to_beginning()
        return [(m.key, m.value) for m in c]
    wait_for(lambda: len(compacted_values()) < 30, "compaction removed superseded records")
    latest = dict(compacted_values())
    check(latest == {b"k0": b"2-8", b"k1": b"2-9"}, f"the latest value per key survives: {latest}")
    c.close()
    a.close()
    print("background ok")


for section in sys.argv[2:]:
    globals()["section_" + section]()
