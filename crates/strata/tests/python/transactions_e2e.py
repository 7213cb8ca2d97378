"""Transactional producers against a broker, with confluent-kafka or kafka-python.

Usage: transactions_e2e.py HOST:PORT SCENARIO CLIENT ARGS...

CLIENT is confluent or kafka-python. Scenarios print one JSON object:

  commit_abort TOPIC      three transactions of 30 records over the topic's 3
                          partitions: commit "c", abort "a", commit "d";
                          prints what read_committed and read_uncommitted
                          consumers see, per partition in order.
  offsets IN OUT GROUP    consume-transform-produce: reads IN (20 records)
                          as GROUP, writes to OUT and sends the offsets in the
                          transaction; the first 10 commit, the next 10
                          abort. Prints the group's committed offset and
                          OUT as read_committed.
  fence TOPIC             instance A opens a transaction and writes "zombie";
                          instance B with the same transactional id starts
                          (aborting A's transaction); A then commits, which
                          must fail. B commits "b". Prints A's error and
                          TOPIC as read_committed.
  open TOPIC N READY GO   opens a transaction, writes N records "open-i" to
                          partition 0, flushes, creates the file READY, waits
                          for the file GO, then commits (the test restarts
                          the broker meanwhile). Prints {"committed": true}.
  hang TOPIC              opens a transaction with transaction.timeout.ms=3000,
                          writes "hung" to partition 0, flushes and SIGKILLs
                          itself, leaving the transaction open.
  through_faults TOPIC N PROGRESS STOP [GROUP]
                          transactions over the topic's N partitions, one
                          record each ("tI-pQ"), every fourth aborted, until
                          the file STOP exists; after each, the count goes
                          into the file PROGRESS (the test kills brokers
                          meanwhile). With GROUP (confluent only), each
                          transaction also sends the offset I+1 of the
                          topic's partition 0 for GROUP, as a
                          consume-transform-produce loop does
                          (send_offsets_to_transaction). A call that fails
                          retriably is tried again; a transaction that needs
                          an abort is aborted. Prints the committed and
                          aborted values, what each isolation level reads,
                          and with GROUP the group's committed offset and
                          the offset the last committed transaction sent.
  reuse TOPIC ARMED LOST  (confluent, through a proxy that loses responses)
                          commits "first" to partition 0; creates the file
                          ARMED (the test then loses the next Produce
                          response); writes "lost-response" in a second
                          transaction and, once the file LOST exists (the
                          response was lost, the record possibly written),
                          aborts it: librdkafka purges the message and gives
                          its sequence number back. Then "reusing" and
                          "after", each in a transaction of its own. Prints
                          whether each transaction committed and what each
                          isolation level reads.
  commit_one TOPIC VALUE  one committed transaction writing VALUE to partition
                          0, then reads partition 0 as read_committed until
                          VALUE shows; prints the values and the seconds
                          that took.
"""
import json
import os
import signal
import sys
import time

broker, scenario, client = sys.argv[1], sys.argv[2], sys.argv[3]
args = sys.argv[4:]


class Confluent:
    def __init__(self, txn_id, timeout_ms=60000, config=None):
        from confluent_kafka import Producer

        self.p = Producer({"bootstrap.servers": broker, "transactional.id": txn_id,
                           "transaction.timeout.ms": timeout_ms, "linger.ms": 5, **(config or {})})
        self.p.init_transactions(30)

    def begin(self):
        self.p.begin_transaction()

    def send(self, topic, partition, value):
        self.p.produce(topic, value=value.encode(), partition=partition)

    def flush(self):
        assert self.p.flush(30) == 0

    def commit(self):
        self.p.commit_transaction(30)

    def abort(self):
        self.p.abort_transaction(30)

    def send_offsets(self, consumer, group):
        self.p.send_offsets_to_transaction(consumer.positions(), consumer.c.consumer_group_metadata(), 30)


class KafkaPython:
    def __init__(self, txn_id, timeout_ms=60000):
        from kafka import KafkaProducer

        self.p = KafkaProducer(bootstrap_servers=broker, transactional_id=txn_id,
                               transaction_timeout_ms=timeout_ms, linger_ms=5)
        self.p.init_transactions()

    def begin(self):
        self.p.begin_transaction()

    def send(self, topic, partition, value):
        self.p.send(topic, value=value.encode(), partition=partition)

    def flush(self):
        self.p.flush(30)

    def commit(self):
        self.p.commit_transaction()

    def abort(self):
        self.p.abort_transaction()

    def send_offsets(self, consumer, group):
        from kafka.structs import OffsetAndMetadata

        offsets = {tp: OffsetAndMetadata(off, "", -1) for tp, off in consumer.positions().items()}
        self.p.send_offsets_to_transaction(offsets, group)


class ConfluentConsumer:
    def __init__(self, topic, partitions, isolation, group=None):
        from confluent_kafka import Consumer, TopicPartition

        self.c = Consumer({"bootstrap.servers": broker, "group.id": group or f"reader-{time.time()}",
                           "enable.auto.commit": False, "auto.offset.reset": "earliest",
                           "isolation.level": isolation, "enable.partition.eof": True})
        if group:
            self.c.subscribe([topic])
        else:
            self.c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        self.partitions = partitions

    def read(self, limit=None, seconds=30):
        """Values by partition until every partition is at its end (or `limit` records)."""
        from confluent_kafka import KafkaError

        out, at_end, deadline = {}, set(), time.time() + seconds
        while time.time() < deadline:
            m = self.c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(m.partition())
                    if len(at_end) == self.partitions and limit is None:
                        break
                    continue
                raise SystemExit(f"consumer error {m.error()}")
            out.setdefault(m.partition(), []).append(m.value().decode())
            if limit is not None and sum(map(len, out.values())) == limit:
                break
        return out

    def positions(self):
        return self.c.position(self.c.assignment())

    def committed(self, topic):
        from confluent_kafka import TopicPartition

        return [tp.offset for tp in self.c.committed([TopicPartition(topic, 0)], 30)]


class KafkaPythonConsumer:
    def __init__(self, topic, partitions, isolation, group=None):
        from kafka import KafkaConsumer, TopicPartition

        self.c = KafkaConsumer(bootstrap_servers=broker, group_id=group, enable_auto_commit=False,
                               auto_offset_reset="earliest", isolation_level=isolation,
                               max_poll_records=10)
        self.tps = [TopicPartition(topic, p) for p in range(partitions)]
        self.c.assign(self.tps)
        if group is None:
            self.c.seek_to_beginning()
        self.partitions = partitions

    def read(self, limit=None, seconds=30):
        out, deadline = {}, time.time() + seconds
        ends = self.c.end_offsets(self.tps)
        while time.time() < deadline:
            for tp, records in self.c.poll(500).items():
                for r in records:
                    out.setdefault(tp.partition, []).append(r.value.decode())
            count = sum(map(len, out.values()))
            if limit is not None and count >= limit:  # polls return at most 10: `limit` exactly
                break
            if limit is None and all(self.c.position(tp) >= ends[tp] for tp in self.tps):
                break
        return out

    def positions(self):
        return {tp: self.c.position(tp) for tp in self.tps}

    def committed(self, topic):
        return [self.c.committed(self.tps[0])]


Producer = {"confluent": Confluent, "kafka-python": KafkaPython}[client]
Reader = {"confluent": ConfluentConsumer, "kafka-python": KafkaPythonConsumer}[client]


def read(topic, partitions, isolation):
    r = Reader(topic, partitions, isolation)
    out = r.read()
    r.c.close()
    return {str(p): v for p, v in sorted(out.items())}


def create(topic, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": broker})
    for f in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        f.result(30)


def commit_abort(topic):
    create(topic, 3)
    p = Producer(f"{client}-commit-abort")
    for prefix, commit in (("c", True), ("a", False), ("d", True)):
        p.begin()
        for i in range(30):
            p.send(topic, i % 3, f"{prefix}{i}")
        p.flush()
        p.commit() if commit else p.abort()
    return {"read_committed": read(topic, 3, "read_committed"),
            "read_uncommitted": read(topic, 3, "read_uncommitted")}


def offsets(topic_in, topic_out, group):
    from confluent_kafka import Producer as Plain

    create(topic_in, 1)
    create(topic_out, 1)
    plain = Plain({"bootstrap.servers": broker})
    for i in range(20):
        plain.produce(topic_in, value=f"in{i}".encode(), partition=0)
    assert plain.flush(30) == 0
    p = Producer(f"{client}-offsets")
    consumer = Reader(topic_in, 1, "read_committed", group)
    for commit in (True, False):
        batch = consumer.read(limit=10)
        p.begin()
        for value in batch.get(0, []):
            p.send(topic_out, 0, value.replace("in", "out"))
        p.send_offsets(consumer, group)
        p.flush()
        p.commit() if commit else p.abort()
    consumer.c.close()
    fresh = Reader(topic_in, 1, "read_committed", group)
    committed = fresh.committed(topic_in)
    fresh.c.close()
    return {"committed": committed, "out": read(topic_out, 1, "read_committed")}


def fence(topic):
    create(topic, 1)
    a = Producer(f"{client}-fence")
    a.begin()
    a.send(topic, 0, "zombie")
    a.flush()
    b = Producer(f"{client}-fence")
    error = None
    try:
        a.commit()
    except Exception as e:  # the fencing error, as each client reports it
        error = f"{type(e).__name__}: {e}"
    b.begin()
    b.send(topic, 0, "b")
    b.flush()
    b.commit()
    return {"a_error": error, "read_committed": read(topic, 1, "read_committed")}


def open_txn(topic, n, ready, go):
    p = Producer(f"{client}-open")
    p.begin()
    for i in range(int(n)):
        p.send(topic, 0, f"open-{i}")
    p.flush()
    open(ready, "w").close()
    deadline = time.time() + 60
    while not os.path.exists(go):
        if time.time() > deadline:
            raise SystemExit("no go file")
        time.sleep(0.05)
    p.commit()
    return {"committed": True}


def hang(topic):
    p = Producer(f"{client}-hang", timeout_ms=3000)
    p.begin()
    p.send(topic, 0, "hung")
    p.flush()
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def end(p, commit):
    """Ends the open transaction as librdkafka's docs prescribe; whether it committed."""
    from confluent_kafka import KafkaException

    deadline = time.time() + 120
    while True:
        try:
            p.commit() if commit else p.abort()
            return commit
        except KafkaException as e:
            error = e.args[0]
            if error.txn_requires_abort():
                commit = False
            elif not error.retriable() or time.time() > deadline:
                raise
            print(f"retrying the end of a transaction: {error}", file=sys.stderr)


def send_offsets(p, offsets, meta):
    """Sends offsets in the open transaction; False if it must be aborted."""
    from confluent_kafka import KafkaException

    deadline = time.time() + 120
    while True:
        try:
            p.p.send_offsets_to_transaction(offsets, meta, 30)
            return True
        except KafkaException as e:
            error = e.args[0]
            if error.txn_requires_abort():
                return False
            if not error.retriable() or time.time() > deadline:
                raise
            print(f"retrying sending offsets: {error}", file=sys.stderr)


def committed_offset(consumer, partition):
    """The group's committed offset of `partition`, asked until the group's
    coordinator answers (it may have just moved)."""
    from confluent_kafka import KafkaError, KafkaException

    deadline = time.time() + 60
    while True:
        try:
            return consumer.committed([partition], 30)[0].offset
        except KafkaException as e:
            error = e.args[0]
            if not (error.retriable() or error.code() == KafkaError.NOT_COORDINATOR) or time.time() > deadline:
                raise
            time.sleep(0.2)


def through_faults(topic, n, progress, stop, group=None):
    n = int(n)
    p = Producer(f"{client}-faults")
    consumer = None
    if group:
        from confluent_kafka import Consumer, TopicPartition

        consumer = Consumer({"bootstrap.servers": broker, "group.id": group, "enable.auto.commit": False})
    committed, aborted, count, last_offset = [], [], 0, None
    while not os.path.exists(stop):
        values = [f"t{count}-p{q}" for q in range(n)]
        p.begin()
        for q, value in enumerate(values):
            p.send(topic, q, value)
        commit = count % 4 != 3
        if consumer:
            # The "input" position a consume-transform-produce loop would send.
            offsets = [TopicPartition(topic, 0, count + 1)]
            commit = send_offsets(p, offsets, consumer.consumer_group_metadata()) and commit
        if end(p, commit):
            committed.extend(values)
            last_offset = count + 1
        else:
            aborted.extend(values)
        count += 1
        with open(progress + ".new", "w") as f:
            f.write(str(count))
        os.replace(progress + ".new", progress)
    result = {"committed": committed, "aborted": aborted,
              "read_committed": read(topic, n, "read_committed"),
              "read_uncommitted": read(topic, n, "read_uncommitted")}
    if consumer:
        result["group_offset"] = committed_offset(consumer, TopicPartition(topic, 0))
        result["last_committed_offset"] = last_offset
        consumer.close()
    return result


def reuse(topic, armed, lost):
    # Retries wait 2 s, so the abort comes before the lost message's retry.
    p = Confluent(f"{client}-reuse", config={"retry.backoff.ms": 2000, "retry.backoff.max.ms": 2000})

    def transaction(value, commit=True):
        p.begin()
        p.send(topic, 0, value)
        return end(p, commit)

    committed = {"first": transaction("first")}
    open(armed, "w").close()
    p.begin()
    p.send(topic, 0, "lost-response")
    deadline = time.time() + 30
    while not os.path.exists(lost):
        assert time.time() < deadline, "the response was not lost"
        p.p.poll(0.01)
    committed["lost-response"] = end(p, False)
    committed["reusing"] = transaction("reusing")
    committed["after"] = transaction("after")
    return {"committed": committed, "read_committed": read(topic, 1, "read_committed"),
            "read_uncommitted": read(topic, 1, "read_uncommitted")}


def commit_one(topic, value):
    p = Producer(f"{client}-one")
    p.begin()
    p.send(topic, 0, value)
    p.flush()
    p.commit()
    start = time.time()
    while True:
        seen = read(topic, 1, "read_committed").get("0", [])
        if value in seen or time.time() - start > 40:
            return {"values": seen, "seconds": time.time() - start}
        time.sleep(0.2)


result = {
    "commit_abort": commit_abort,
    "offsets": offsets,
    "fence": fence,
    "open": open_txn,
    "hang": hang,
    "commit_one": commit_one,
    "reuse": reuse,
    "through_faults": through_faults,
}[scenario](*args)
print(json.dumps(result))
