"""End-to-end checks of strata with aiokafka (asyncio, its own protocol code),
transactions included.

Usage: aiokafka_e2e.py HOST:PORT
"""
import asyncio
import sys
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

BROKER = sys.argv[1]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


async def main():
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER)
    await admin.start()
    topic = "aio-" + uuid.uuid4().hex[:6]
    await admin.create_topics([NewTopic(topic, 2, 1)])
    check(topic in await admin.list_topics(), "created")
    base = int(time.time() * 1000) - 10000
    for acks, codec in [(0, None), (1, "gzip"), ("all", "lz4"), ("all", "zstd"), (1, "snappy")]:
        p = AIOKafkaProducer(bootstrap_servers=BROKER, acks=acks, compression_type=codec, enable_idempotence=False)
        await p.start()
        for i in range(200):
            await p.send(topic, key=b"k%d" % i, value=b"%s-%d" % (str(codec).encode(), i), partition=0, timestamp_ms=base + i,
                         headers=[("h", b"x")])
        await p.flush()
        await p.stop()
    c = AIOKafkaConsumer(bootstrap_servers=BROKER, enable_auto_commit=False)
    await c.start()
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    c.seek(tp, 0)
    got = []
    while len(got) < 1000:
        batch = await c.getmany(tp, timeout_ms=5000)
        check(batch, f"records stopped at {len(got)}")
        got.extend(batch[tp])
    check([m.offset for m in got] == list(range(1000)), "offsets")
    check(got[0].value == b"None-0" and got[999].value == b"snappy-199", "values")
    check(got[5].headers == (("h", b"x"),) or list(got[5].headers) == [("h", b"x")], f"headers {got[5].headers}")
    found = await c.offsets_for_times({tp: base + 150})
    check(found[tp].offset == 150, f"offsets_for_times {found[tp]}")
    end = await c.end_offsets([tp])
    check(end[tp] == 1000, f"end offset {end}")
    await c.stop()
    await transactions(topic)
    await admin.delete_topics([topic])
    await admin.close()
    print("aiokafka ok")


async def transactions(topic):
    """Commits and an abort across both partitions: a read_committed
    consumer sees exactly the committed records (the leader verifies each
    transaction's first batch per partition with the coordinator)."""
    p = AIOKafkaProducer(bootstrap_servers=BROKER, transactional_id="aio-" + topic)
    await p.start()
    committed = []
    for name, commit in [("first", True), ("aborted", False), ("last", True)]:
        await p.begin_transaction()
        values = [f"{name}-{i}".encode() for i in range(10)]
        for i, v in enumerate(values):
            await p.send_and_wait(topic, value=v, partition=i % 2)
        if commit:
            await p.commit_transaction()
            committed += values
        else:
            await p.abort_transaction()
    await p.stop()
    c = AIOKafkaConsumer(topic, bootstrap_servers=BROKER, isolation_level="read_committed",
                         auto_offset_reset="earliest", enable_auto_commit=False)
    await c.start()
    tps = [TopicPartition(topic, 1)]
    c.unsubscribe()
    c.assign(tps)
    await c.seek_to_beginning(*tps)
    got = []
    deadline = time.time() + 30
    while len(got) < len(committed) // 2 and time.time() < deadline:
        batch = await c.getmany(*tps, timeout_ms=1000)
        got += [m.value for m in batch.get(tps[0], [])]
    await c.stop()
    check(got == committed[1::2], f"read_committed of partition 1: {got}")


asyncio.run(main())
