"""Produce the standard test records with a real Kafka client.

usage: produce.py CLIENT CODEC BOOTSTRAP TOPIC COUNT
  CLIENT: confluent (confluent-kafka, current librdkafka) or kafka-python
  CODEC:  none, gzip, snappy, lz4 or zstd

Record i: key b"key-i" (null when i % 10 == 3), value b"value-i " repeated
(null when i % 10 == 5), headers ("h", b"i") and ("h", b"dup") when i % 5 == 0.
"""
import sys


def record(i):
    key = None if i % 10 == 3 else f"key-{i}".encode()
    value = None if i % 10 == 5 else (f"value-{i} " * (10 + i % 7)).encode()
    headers = [("h", str(i).encode()), ("h", b"dup")] if i % 5 == 0 else []
    return key, value, headers


def confluent(codec, bootstrap, topic, count):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 50,
                  "enable.idempotence": False, "acks": "all"})
    errors = []
    for i in range(count):
        key, value, headers = record(i)
        p.produce(topic, key=key, value=value, headers=headers,
                  on_delivery=lambda err, msg: err and errors.append(err))
    left = p.flush(30)
    if left or errors:
        sys.exit(f"undelivered: {left}, errors: {errors[:3]}")


def kafka_python(codec, bootstrap, topic, count):
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == "none" else codec,
                      linger_ms=50, acks="all", enable_idempotence=False)
    futures = []
    for i in range(count):
        key, value, headers = record(i)
        futures.append(p.send(topic, key=key, value=value, headers=headers))
    p.flush(30)
    for f in futures:
        f.get(timeout=30)
    p.close(timeout=10)


if __name__ == "__main__":
    client, codec, bootstrap, topic, count = sys.argv[1:]
    {"confluent": confluent, "kafka-python": kafka_python}[client](codec, bootstrap, topic, int(count))
