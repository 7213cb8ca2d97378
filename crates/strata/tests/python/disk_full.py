"""A broker whose files cannot grow past a limit (RLIMIT_FSIZE, set by the
test): produce until a partition's segment is full. The refused records get
KAFKA_STORAGE_ERROR, every acknowledged one can still be read, and other
partitions keep working.

With `commits`: offset commits (4 KiB of metadata each) until the group's
`__consumer_offsets` partition is full; the refused commit gets
KAFKA_STORAGE_ERROR and the last accepted one is what the group holds.
With `check-commit N`: the group holds offset N (after a restart).

Usage: disk_full.py HOST:PORT [commits | check-commit N]
"""
import sys

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

BROKER = sys.argv[1]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def commit_until_full():
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": BROKER})
    admin.create_topics([NewTopic("committed", 1, 1)])["committed"].result(30)
    c = Consumer({"bootstrap.servers": BROKER, "group.id": "full-commits", "enable.auto.commit": False})
    last, refused = None, None
    for offset in range(1, 2000):
        try:
            done = c.commit(offsets=[TopicPartition("committed", 0, offset, "m" * 4000)], asynchronous=False)
            err = done[0].error
        except KafkaException as e:
            err = e.args[0]
        if err is not None:
            refused = err
            break
        last = offset
    check(refused is not None and refused.code() == KafkaError.KAFKA_STORAGE_ERROR, f"refused with {refused}")
    check(last is not None and last > 100, f"{last} commits accepted before the limit")
    held = c.committed([TopicPartition("committed", 0)], timeout=10)[0].offset
    check(held == last, f"the group holds {held}, the last accepted commit was {last}")
    c.close()
    print(f"commits full ok: last accepted {last}")


def check_commit(expected):
    c = Consumer({"bootstrap.servers": BROKER, "group.id": "full-commits", "enable.auto.commit": False})
    held = c.committed([TopicPartition("committed", 0)], timeout=30)[0].offset
    check(held == expected, f"after the restart the group holds {held}, expected {expected}")
    c.close()
    print("commit kept ok")


if sys.argv[2:3] == ["commits"]:
    commit_until_full()
    sys.exit(0)
if sys.argv[2:3] == ["check-commit"]:
    check_commit(int(sys.argv[3]))
    sys.exit(0)

acked, errors = [], []


def report(err, msg):
    if err is None:
        acked.append(int(msg.value()[:8]))
    else:
        errors.append(err)


p = Producer({"bootstrap.servers": BROKER, "acks": "all", "retries": 0, "enable.idempotence": False, "linger.ms": 0})
for i in range(5000):
    p.produce("full", value=b"%08d" % i + b"x" * 1016, partition=0, on_delivery=report)
    if i % 50 == 49:
        p.flush(30)
        if errors:
            break
p.flush(30)
check(errors, "the partition filled up")
check(all(e.code() == KafkaError.KAFKA_STORAGE_ERROR for e in errors), f"errors: {set(str(e) for e in errors)}")
check(len(acked) > 500, f"{len(acked)} acknowledged before the limit")

c = Consumer({"bootstrap.servers": BROKER, "group.id": "disk-full", "enable.auto.commit": False})
low, high = c.get_watermark_offsets(TopicPartition("full", 0), timeout=10)
c.assign([TopicPartition("full", 0, 0)])
stored = []
while len(stored) < high:
    m = c.poll(10)
    check(m is not None and m.error() is None, f"read stopped at {len(stored)} of {high}: {m and m.error()}")
    stored.append(int(m.value()[:8]))
check(stored == sorted(stored) and set(acked) <= set(stored), "every acknowledged record is readable, in order")

delivered = []
p.produce("other", value=b"still fine", partition=0, on_delivery=lambda e, m: delivered.append(e))
p.flush(30)
check(delivered == [None], f"another partition still takes writes: {delivered}")
c.close()
print(f"disk full ok: {len(acked)} acknowledged, {len(errors)} refused with KAFKA_STORAGE_ERROR")
