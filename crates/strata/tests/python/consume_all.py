"""Prints the value of every record of partition 0 of TOPIC, one per line,
from the beginning to the end offset at the time of the call.

Usage: consume_all.py HOST:PORT TOPIC
"""
import sys

from confluent_kafka import Consumer, TopicPartition

broker, topic = sys.argv[1], sys.argv[2]
c = Consumer({"bootstrap.servers": broker, "group.id": "consume-all", "enable.auto.commit": False})
low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
c.assign([TopicPartition(topic, 0, low)])
out = []
next_offset = low
while next_offset < high:
    m = c.poll(10)
    if m is None:
        raise SystemExit(f"stalled at offset {next_offset} of {high}")
    if m.error():
        raise SystemExit(f"error {m.error()}")
    if m.offset() != next_offset:
        raise SystemExit(f"offset {m.offset()}, expected {next_offset}")
    out.append(m.value().decode())
    next_offset += 1
c.close()
sys.stdout.write("".join(v + "\n" for v in out))
