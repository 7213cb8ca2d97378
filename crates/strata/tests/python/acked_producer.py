"""Produces N records (values "0".."N-1") with acks=all and no retries to one
partition, appending the value of each acknowledged record to OUT as soon as
its delivery report arrives. Delivery failures (the broker was killed) are
expected and counted; the script exits 0 once every record is reported.

Usage: acked_producer.py HOST:PORT TOPIC N OUT
"""
import sys

from confluent_kafka import Producer

broker, topic, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
acked = open(out, "w", buffering=1)
failed = [0]


def report(err, msg):
    if err is None:
        acked.write(msg.value().decode() + "\n")
    else:
        failed[0] += 1


p = Producer({"bootstrap.servers": broker, "acks": "all", "enable.idempotence": False, "retries": 0,
              "linger.ms": 2, "batch.num.messages": 500, "message.timeout.ms": 5000})
for i in range(n):
    while True:
        try:
            p.produce(topic, value=str(i).encode(), partition=0, on_delivery=report)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
p.flush(60)
acked.close()
print(f"failed {failed[0]}")
