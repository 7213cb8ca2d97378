"""End-to-end checks of strata with aiokafka (asyncio, its own protocol code).

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
    await admin.delete_topics([topic])
    await admin.close()
    print("aiokafka ok")


asyncio.run(main())
