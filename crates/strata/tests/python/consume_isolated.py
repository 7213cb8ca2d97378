"""Prints the value of every record of partition 0 of TOPIC that a consumer
with isolation.level=ISOLATION sees, from the beginning to the end of the
partition (its last stable offset for read_committed), one per line.

Usage: consume_isolated.py HOST:PORT TOPIC read_committed|read_uncommitted
"""
import sys

from confluent_kafka import Consumer, KafkaError, TopicPartition

broker, topic, isolation = sys.argv[1], sys.argv[2], sys.argv[3]
c = Consumer({"bootstrap.servers": broker, "group.id": "isolated", "enable.auto.commit": False,
              "isolation.level": isolation, "enable.partition.eof": True})
c.assign([TopicPartition(topic, 0, 0)])
out = []
while True:
    m = c.poll(10)
    if m is None:
        raise SystemExit(f"no end of partition after {len(out)} records")
    if m.error():
        if m.error().code() == KafkaError._PARTITION_EOF:
            break
        raise SystemExit(f"error {m.error()}")
    out.append(m.value().decode())
c.close()
sys.stdout.write("".join(v + "\n" for v in out))
