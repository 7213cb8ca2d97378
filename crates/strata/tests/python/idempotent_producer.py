"""Produces N records (values "0".."N-1") to partition 0 of TOPIC with an
idempotent producer (acks=all, retries on), appending each acknowledged value
to OUT as its delivery report arrives. Every record must be delivered: the
test kills and restarts the broker meanwhile, and the producer's retries must
neither lose nor duplicate anything. Exits non-zero if any delivery fails.

Usage: idempotent_producer.py HOST:PORT CLIENT TOPIC N OUT
CLIENT: confluent (librdkafka) or kafka-python
"""
import sys

broker, client, topic, n, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
acked = open(out, "w", buffering=1)
failed = []


def produce_confluent():
    from confluent_kafka import Producer

    def report(err, msg):
        if err is None:
            acked.write(msg.value().decode() + "\n")
        else:
            failed.append(str(err))

    p = Producer({"bootstrap.servers": broker, "enable.idempotence": True, "acks": "all",
                  "linger.ms": 2, "batch.num.messages": 200, "message.timeout.ms": 90000,
                  "retry.backoff.ms": 50, "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 200})
    for i in range(n):
        while True:
            try:
                p.produce(topic, value=str(i).encode(), partition=0, on_delivery=report)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    left = p.flush(90)
    if left:
        failed.append(f"{left} records not delivered")


def produce_kafka_python():
    from kafka import KafkaProducer

    p = KafkaProducer(bootstrap_servers=broker, enable_idempotence=True, acks="all", linger_ms=2,
                      batch_size=8192, delivery_timeout_ms=90000, request_timeout_ms=5000,
                      retry_backoff_ms=50, reconnect_backoff_ms=50, reconnect_backoff_max_ms=200)
    for i in range(n):
        value = str(i)
        future = p.send(topic, value=value.encode(), partition=0)
        future.add_callback(lambda _md, v=value: acked.write(v + "\n"))
        future.add_errback(lambda e: failed.append(repr(e)))
    p.flush(90)
    p.close(10)


{"confluent": produce_confluent, "kafka-python": produce_kafka_python}[client]()
acked.close()
if failed:
    raise SystemExit(f"{len(failed)} deliveries failed, first: {failed[:3]}")
