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
            # kafka-python 3 turns idempotence on by default with acks=all; InitProducerId comes with issue 8.
            p = KafkaProducer(bootstrap_servers=BROKER, acks=acks, compression_type=codec, linger_ms=5, enable_idempotence=False)
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
    p = KafkaProducer(bootstrap_servers=BROKER, acks="all", compression_type="gzip", enable_idempotence=False)
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


for section in sys.argv[2:]:
    globals()["section_" + section]()
