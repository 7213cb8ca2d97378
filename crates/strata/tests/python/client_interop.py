"""confluent-kafka (a current librdkafka) on the other side of strata-client.

Usage: client_interop.py HOST:PORT read TOPIC COUNT
       client_interop.py HOST:PORT write TOPIC COUNT

read:  assigns every partition of TOPIC from the beginning, reads COUNT
       records and prints each as a JSON line (partition, offset, key,
       value, headers, timestamp; bytes as latin-1 strings, None as null).
write: produces COUNT keyed records with headers and CreateTime timestamps
       with partitioner=murmur2_random (the Java client's partitioner) and
       prints each delivery as a JSON line with the same fields.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

BROKER, MODE, TOPIC, COUNT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def text(b):
    return None if b is None else b.decode("latin-1")


def line(msg, headers=None):
    """Prints a record; a delivery report carries no headers, so the producer passes what it sent."""
    headers = [[k, text(v)] for k, v in (headers if headers is not None else msg.headers() or [])]
    print(json.dumps({
        "partition": msg.partition(), "offset": msg.offset(), "key": text(msg.key()),
        "value": text(msg.value()), "headers": headers, "timestamp": msg.timestamp()[1],
    }), flush=True)


def read():
    consumer = Consumer({"bootstrap.servers": BROKER, "group.id": "interop-reader", "enable.auto.commit": False})
    meta = consumer.list_topics(TOPIC, timeout=10).topics[TOPIC]
    consumer.assign([TopicPartition(TOPIC, p, -2) for p in meta.partitions])  # -2: OFFSET_BEGINNING
    seen, deadline = 0, time.time() + 60
    while seen < COUNT and time.time() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            raise SystemExit(f"consume error: {msg.error()}")
        line(msg)
        seen += 1
    consumer.close()
    if seen < COUNT:
        raise SystemExit(f"read {seen} of {COUNT} records")


def write():
    producer = Producer({"bootstrap.servers": BROKER, "partitioner": "murmur2_random", "linger.ms": 5})
    failures = []

    def delivered(headers):
        def report(err, msg):
            if err is not None:
                failures.append(str(err))
            else:
                line(msg, headers)
        return report

    for i in range(COUNT):
        key = f"confluent-key-{i}".encode()
        headers = [("n", str(i).encode()), ("null", None)]
        producer.produce(TOPIC, key=key, value=f"value {i} ÿ".encode("latin-1"), headers=headers,
                         timestamp=1_750_000_000_000 + i, on_delivery=delivered(headers))
    if producer.flush(30) != 0 or failures:
        raise SystemExit(f"undelivered: {failures}")


{"read": read, "write": write}[MODE]()
