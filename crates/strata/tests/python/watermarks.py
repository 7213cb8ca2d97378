"""Asks for a partition's watermarks over and over, as a consumer starting
at `latest` does (librdkafka's ListOffsets through confluent-kafka).

Usage: watermarks.py HOST:PORT TOPIC PARTITION SECONDS
Prints one line per answer: `ok LOW HIGH`, or `error NAME` for a failed query.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

broker, topic, partition, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
c = Consumer({"bootstrap.servers": broker, "group.id": "watermarks"})
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        low, high = c.get_watermark_offsets(TopicPartition(topic, partition), timeout=5, cached=False)
        print(f"ok {low} {high}", flush=True)
    except KafkaException as e:
        print(f"error {e.args[0].name()}", flush=True)
    time.sleep(0.05)
c.close()
