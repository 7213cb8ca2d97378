"""A broker whose files cannot grow past a limit (RLIMIT_FSIZE, set by the
test): produce until a partition's segment is full. The refused records get
KAFKA_STORAGE_ERROR, every acknowledged one can still be read, and other
partitions keep working.

Usage: disk_full.py HOST:PORT
"""
import sys

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

BROKER = sys.argv[1]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


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
