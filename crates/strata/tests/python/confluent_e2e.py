"""End-to-end checks of strata with confluent-kafka (a current librdkafka).

Usage: confluent_e2e.py HOST:PORT SECTION...
Sections: admin, produce, consume. Exits non-zero on the first failed check.
"""
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource,
                                   NewPartitions, NewTopic, OffsetSpec)

BROKER = sys.argv[1]
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def check(cond, what):
    if "-v" in sys.argv: print(f"{time.time():.3f} {what}", flush=True)
    if not cond:
        raise AssertionError(what)


_ADMIN = []


def admin():
    if not _ADMIN:
        _ADMIN.append(AdminClient({"bootstrap.servers": BROKER}))
    return _ADMIN[0]


def wait(futures):
    return {k: f.result(timeout=15) for k, f in futures.items()}


def expect_error(future, code, what):
    try:
        future.result(timeout=15)
    except KafkaException as e:
        check(e.args[0].code() == code, f"{what}: expected {code}, got {e.args[0]}")
        return
    raise AssertionError(f"{what}: expected error {code}, got success")


def section_admin():
    a = admin()
    name = "admin-" + uuid.uuid4().hex[:8]
    # validate_only creates nothing
    wait(a.create_topics([NewTopic(name, 3, 1)], validate_only=True))
    check(name not in a.list_topics(timeout=10).topics, "validate_only must not create the topic")
    wait(a.create_topics([NewTopic(name, 3, 1, config={"retention.ms": "3600000", "cleanup.policy": "compact"})]))
    md = a.list_topics(timeout=10)
    check(name in md.topics and len(md.topics[name].partitions) == 3, f"topic with 3 partitions: {md.topics.get(name)}")
    # defaults of -1 (num.partitions, default.replication.factor)
    dflt = name + "-default"
    wait(a.create_topics([NewTopic(dflt)]))
    check(len(a.list_topics(timeout=10).topics[dflt].partitions) == 1, "num.partitions default is 1")
    # errors
    expect_error(a.create_topics([NewTopic(name, 1, 1)])[name], KafkaError.TOPIC_ALREADY_EXISTS, "duplicate create")
    expect_error(a.create_topics([NewTopic("bad/name", 1, 1)])["bad/name"], KafkaError.TOPIC_EXCEPTION, "bad name")
    expect_error(a.create_topics([NewTopic(name + "x", 1, 3)])[name + "x"], KafkaError.INVALID_REPLICATION_FACTOR, "rf 3")
    expect_error(a.create_topics([NewTopic(name + "y", 1, 1, config={"retention.ms": "soon"})])[name + "y"],
                 KafkaError.INVALID_CONFIG, "bad config value")
    # describe configs: values and sources
    res = ConfigResource(ConfigResource.Type.TOPIC, name)
    configs = wait(a.describe_configs([res]))[res]
    check(configs["retention.ms"].value == "3600000", f"retention.ms {configs['retention.ms'].value}")
    check(configs["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value, "retention.ms source is the topic")
    check(configs["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value, "segment.bytes is a default")
    check(configs["segment.bytes"].value == "1073741824", "segment.bytes default")
    # incremental alter: set, append, delete
    res = ConfigResource(ConfigResource.Type.TOPIC, name, incremental_configs=[
        ConfigEntry("retention.ms", "1000", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.APPEND),
        ConfigEntry("max.message.bytes", None, incremental_operation=AlterConfigOpType.DELETE)])
    wait(a.incremental_alter_configs([res]))
    configs = wait(a.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, name)]))
    configs = list(configs.values())[0]
    check(configs["retention.ms"].value == "1000", "retention.ms altered")
    check(configs["cleanup.policy"].value == "compact,delete", f"cleanup.policy appended: {configs['cleanup.policy'].value}")
    # broker configs: a dynamic one set cluster-wide, a static one refused
    broker = ConfigResource(ConfigResource.Type.BROKER, "1")
    bconf = wait(a.describe_configs([broker]))[broker]
    check(bconf["num.partitions"].value == "1" and bconf["num.partitions"].is_read_only, "num.partitions read-only default")
    check(bconf["log.retention.ms"].value == "604800000", "log.retention.ms default")
    default = ConfigResource(ConfigResource.Type.BROKER, "1", incremental_configs=[
        ConfigEntry("log.retention.ms", "86400000", incremental_operation=AlterConfigOpType.SET)])
    wait(a.incremental_alter_configs([default]))
    bconf = wait(a.describe_configs([broker]))[broker]
    check(bconf["log.retention.ms"].value == "86400000", "broker config applied")
    check(bconf["log.retention.ms"].source == ConfigSource.DYNAMIC_BROKER_CONFIG.value, "source is the dynamic broker config")
    tconf = list(wait(a.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, dflt)])).values())[0]
    check(tconf["retention.ms"].value == "86400000", "a topic without an override follows the broker default")
    static = ConfigResource(ConfigResource.Type.BROKER, "1", incremental_configs=[
        ConfigEntry("num.partitions", "4", incremental_operation=AlterConfigOpType.SET)])
    expect_error(a.incremental_alter_configs([static])[static], KafkaError.INVALID_REQUEST, "static broker config")
    # partitions
    wait(a.create_partitions([NewPartitions(name, 5)]))
    check(len(a.list_topics(timeout=10).topics[name].partitions) == 5, "grown to 5 partitions")
    expect_error(a.create_partitions([NewPartitions(name, 2)])[name], KafkaError.INVALID_PARTITIONS, "shrink")
    # cluster
    cluster = a.describe_cluster().result(timeout=15)
    check(len(cluster.nodes) == 1 and cluster.controller.id == 1, f"describe_cluster: {cluster}")
    # delete
    wait(a.delete_topics([name, dflt]))
    topics = a.list_topics(timeout=10).topics
    check(name not in topics and dflt not in topics, "deleted topics are gone")
    expect_error(a.delete_topics([name])[name], KafkaError.UNKNOWN_TOPIC_OR_PART, "delete twice")
    print("admin ok")


def produce_all(topic, acks, codec, n):
    p = Producer({"bootstrap.servers": BROKER, "acks": acks, "compression.type": codec, "linger.ms": 5,
                  "enable.idempotence": False})
    delivered = []

    def report(err, msg):
        check(err is None, f"delivery failed: {err}")
        delivered.append(msg.offset())

    base = int(time.time() * 1000) - 10000
    for i in range(n):
        p.produce(topic, key=b"k%d" % i, value=b"value-%d-" % i + b"x" * (i % 50),
                  headers=[("h", b"%d" % i), ("h", b"again")], timestamp=base + i, partition=0, on_delivery=report)
        if i % 1000 == 0:
            p.poll(0)
    check(p.flush(30) == 0, "flush")
    check(len(delivered) == n, f"{len(delivered)} of {n} delivered")
    if acks != "0":
        check(sorted(delivered) == list(range(n)), f"offsets 0..{n}")
    return base


def consume_exact(topic, n, base):
    c = Consumer({"bootstrap.servers": BROKER, "group.id": "e2e-" + topic, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    deadline = time.time() + 30
    while len(got) < n and time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        check(m.error() is None, f"consume error {m.error()}")
        got.append(m)
    c.close()
    check(len(got) == n, f"consumed {len(got)} of {n}")
    for i, m in enumerate(got):
        check(m.offset() == i, f"offset {m.offset()} at {i}")
        check(m.key() == b"k%d" % i, "key")
        check(m.value() == b"value-%d-" % i + b"x" * (i % 50), "value")
        check(m.headers() == [("h", b"%d" % i), ("h", b"again")], f"headers {m.headers()}")
        check(m.timestamp() == (1, base + i), f"timestamp {m.timestamp()}")


def section_produce():
    n = 2000
    for acks in ["0", "1", "all"]:
        for codec in CODECS:
            topic = f"p-{acks}-{codec}-" + uuid.uuid4().hex[:6]
            wait(admin().create_topics([NewTopic(topic, 1, 1)]))
            base = produce_all(topic, acks, codec, n)
            consume_exact(topic, n, base)
    # a batch over max.message.bytes is refused per partition
    topic = "small-" + uuid.uuid4().hex[:6]
    wait(admin().create_topics([NewTopic(topic, 1, 1, config={"max.message.bytes": "2000"})]))
    p = Producer({"bootstrap.servers": BROKER, "enable.idempotence": False, "message.max.bytes": 100000})
    errors = []
    p.produce(topic, value=b"x" * 5000, on_delivery=lambda e, m: errors.append(e))
    p.flush(15)
    check(errors and errors[0] is not None and errors[0].code() == KafkaError.MSG_SIZE_TOO_LARGE,
          f"oversized batch refused: {errors}")
    print("produce ok")


def section_consume():
    a = admin()
    topic = "c-" + uuid.uuid4().hex[:6]
    wait(a.create_topics([NewTopic(topic, 2, 1)]))
    base = produce_all(topic, "all", "lz4", 1000)
    c = Consumer({"bootstrap.servers": BROKER, "group.id": "e2e-c", "enable.auto.commit": False})
    low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    check((low, high) == (0, 1000), f"watermarks {low} {high}")
    # offsets_for_times: the first offset at or after a timestamp
    found = c.offsets_for_times([TopicPartition(topic, 0, base + 500), TopicPartition(topic, 1, base)], timeout=10)
    check(found[0].offset == 500, f"offsets_for_times {found[0].offset}")
    check(found[1].offset == -1, f"offsets_for_times on an empty partition {found[1].offset}")
    found = c.offsets_for_times([TopicPartition(topic, 0, base + 99999)], timeout=10)
    check(found[0].offset == -1, f"offsets_for_times past the last record {found[0].offset}")
    # assign, then seek
    c.assign([TopicPartition(topic, 0, 990)])
    m = c.poll(10)
    check(m is not None and m.offset() == 990, "assign at 990")
    c.seek(TopicPartition(topic, 0, 10))
    m = c.poll(10)
    while m is not None and m.offset() > 10:  # records fetched before the seek
        m = c.poll(10)
    check(m is not None and m.offset() == 10 and m.value().startswith(b"value-10-"), f"seek to 10: {m and m.offset()}")
    # an empty partition: long poll returns nothing, then a new record arrives
    c.assign([TopicPartition(topic, 1, 0)])
    check(c.poll(1.0) is None, "empty partition")
    p = Producer({"bootstrap.servers": BROKER})
    p.produce(topic, value=b"late", partition=1)
    p.flush(10)
    m = c.poll(10)
    check(m is not None and m.value() == b"late", "record produced while polling")
    # an offset past the end: auto.offset.reset
    c2 = Consumer({"bootstrap.servers": BROKER, "group.id": "e2e-c2", "auto.offset.reset": "earliest",
                    "enable.auto.commit": False})
    c2.assign([TopicPartition(topic, 0, 5000)])
    m = c2.poll(10)
    check(m is not None and m.offset() == 0, "out of range resets to earliest")
    c2.close()
    check(True, "c2 closed")
    c.close()
    check(True, "c closed")
    # list_offsets, including max timestamp, and delete_records
    tp = TopicPartition(topic, 0)
    latest = a.list_offsets({tp: OffsetSpec.latest()})[tp].result(timeout=10)
    check(latest.offset == 1000, f"latest {latest.offset}")
    mx = a.list_offsets({tp: OffsetSpec.max_timestamp()})[tp].result(timeout=10)
    check(mx.offset == 999 and mx.timestamp == base + 999, f"max timestamp {mx.offset} {mx.timestamp}")
    deleted = a.delete_records([TopicPartition(topic, 0, 400)])
    low = list(deleted.values())[0].result(timeout=10)
    check(low.low_watermark == 400, f"low watermark {low.low_watermark}")
    earliest = a.list_offsets({tp: OffsetSpec.earliest()})[tp].result(timeout=10)
    check(earliest.offset == 400, f"earliest after delete_records {earliest.offset}")
    # LogAppendTime topics report the broker's time
    lat = "lat-" + uuid.uuid4().hex[:6]
    wait(a.create_topics([NewTopic(lat, 1, 1, config={"message.timestamp.type": "LogAppendTime"})]))
    p.produce(lat, value=b"v", timestamp=1)
    p.flush(10)
    c3 = Consumer({"bootstrap.servers": BROKER, "group.id": "e2e-c3", "enable.auto.commit": False})
    c3.assign([TopicPartition(lat, 0, 0)])
    m = c3.poll(10)
    check(m is not None and m.timestamp()[0] == 2 and m.timestamp()[1] > 1_600_000_000_000, f"LogAppendTime {m and m.timestamp()}")
    c3.close()
    print("consume ok")


for section in [a for a in sys.argv[2:] if not a.startswith("-")]:
    globals()["section_" + section]()
