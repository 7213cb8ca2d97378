"""Produces N records (values "0".."N-1") to partition 0 of TOPIC with acks=all,
appending the value of each acknowledged record to OUT as soon as its
delivery report arrives.

MODE (default plain):
  plain                    confluent-kafka, no retries, no idempotence. The
                           test kills the broker meanwhile: delivery failures
                           are expected and counted; exits 0 once every record
                           is reported.
  confluent-idempotent     idempotent producers with retries: the test loses
  kafka-python-idempotent  responses and restarts the broker meanwhile, and
                           every record must be delivered (exit 1 otherwise).

Usage: acked_producer.py HOST:PORT TOPIC N OUT [MODE]
"""
import sys

broker, topic, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
mode = sys.argv[5] if len(sys.argv) > 5 else "plain"
acked = open(out, "w", buffering=1)
failed = []

CONFLUENT = {
    "plain": {"enable.idempotence": False, "retries": 0, "batch.num.messages": 500, "message.timeout.ms": 5000},
    "confluent-idempotent": {"enable.idempotence": True, "batch.num.messages": 200, "message.timeout.ms": 90000,
                             "retry.backoff.ms": 50, "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 200},
}


def produce_confluent(config):
    from confluent_kafka import Producer

    def report(err, msg):
        if err is None:
            acked.write(msg.value().decode() + "\n")
        else:
            failed.append(str(err))

    p = Producer({"bootstrap.servers": broker, "acks": "all", "linger.ms": 2, **config})
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


if mode == "kafka-python-idempotent":
    produce_kafka_python()
else:
    produce_confluent(CONFLUENT[mode])
acked.close()
if mode == "plain":
    print(f"failed {len(failed)}")
elif failed:
    raise SystemExit(f"{len(failed)} deliveries failed, first: {failed[:3]}")
