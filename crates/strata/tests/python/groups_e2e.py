"""Consumer groups against the real broker, with confluent-kafka or kafka-python.

Each group member runs in its own process (this script in `member` mode), so
that a member can be SIGKILLed; members print one JSON line per event
(assignment changes, consumed records, commits) and the driver checks them.

Usage:
  groups_e2e.py HOST:PORT CLIENT SCENARIO      (CLIENT: confluent | kafka-python | kip848)
  groups_e2e.py HOST:PORT CLIENT commit-fixed GROUP TOPIC
  groups_e2e.py HOST:PORT CLIENT check-fixed GROUP TOPIC
Scenarios: spread, broadcast, resume, cooperative, static, admin, expiry;
for kip848 also consumer_admin and regex
(expiry needs a broker with offsets.retention.minutes=1).
CLIENT kip848 is confluent-kafka with group.protocol=consumer (KIP-848): the
broker assigns, and session and heartbeat times are the broker's
(group.consumer.session.timeout.ms=6000 and group.consumer.heartbeat.interval.ms=500 in the tests).
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

BROKER, CLIENT, SCENARIO = sys.argv[1], sys.argv[2], sys.argv[3]
KIP848 = CLIENT == "kip848"
# Client-side group settings the KIP-848 protocol leaves to the broker.
BROKER_SIDE = ("session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy")
SESSION_MS = 6000
# Fixed offsets committed before a broker SIGKILL (commit-fixed / check-fixed).
FIXED = {0: 17, 1: 42, 2: 0}


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def admin_create(topic, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic

    a = AdminClient({"bootstrap.servers": BROKER})
    a.create_topics([NewTopic(topic, partitions, 1)])[topic].result(timeout=30)


def produce(topic, partitions, per_partition):
    from confluent_kafka import Producer

    p = Producer({"bootstrap.servers": BROKER, "linger.ms": 5})
    for part in range(partitions):
        for i in range(per_partition):
            p.produce(topic, value=f"{part}:{i}".encode(), partition=part)
    assert p.flush(30) == 0


# ---------------------------------------------------------------- members


class ConfluentMember:
    def __init__(self, group, topic, extra):
        from confluent_kafka import Consumer

        conf = {
            "bootstrap.servers": BROKER,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": SESSION_MS,
            "heartbeat.interval.ms": 500,
        }
        conf.update(extra)
        if KIP848:
            conf = {k: v for k, v in conf.items() if k not in BROKER_SIDE}
            conf["group.protocol"] = "consumer"
        self.c = Consumer(conf)
        self.c.subscribe([topic], on_assign=self.on_assign, on_revoke=self.on_revoke)

    def on_assign(self, c, parts):
        # confluent-kafka (un)assigns itself, eagerly or incrementally, after the callbacks.
        emit(event="assign", partitions=sorted(p.partition for p in parts))

    def on_revoke(self, c, parts):
        emit(event="revoke", partitions=sorted(p.partition for p in parts))

    def poll(self):
        m = self.c.poll(0.2)
        if m is None or m.error():
            return None
        return (m.partition(), m.offset())

    def assigned(self):
        return sorted(tp.partition for tp in self.c.assignment())

    def commit(self):
        done = self.c.commit(asynchronous=False)
        return {tp.partition: tp.offset for tp in done}


class KafkaPythonMember:
    def __init__(self, group, topic, extra):
        from kafka import KafkaConsumer

        self.c = KafkaConsumer(
            topic,
            bootstrap_servers=BROKER,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=SESSION_MS,
            heartbeat_interval_ms=500,
            **extra,
        )
        self.buffer = []

    def poll(self):
        if not self.buffer:
            for records in self.c.poll(timeout_ms=200).values():
                self.buffer.extend((r.partition, r.offset) for r in records)
        return self.buffer.pop(0) if self.buffer else None

    def assigned(self):
        return sorted(tp.partition for tp in self.c.assignment())

    def commit(self):
        # Commit exactly what was handed to the caller, not what is buffered.
        from kafka import TopicPartition
        from kafka.structs import OffsetAndMetadata

        positions = {}
        for tp in self.c.assignment():
            pos = self.c.position(tp)
            pending = [o for (p, o) in self.buffer if p == tp.partition]
            positions[tp] = min(pending) if pending else pos
        self.c.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in positions.items()})
        return {tp.partition: o for tp, o in positions.items()}


def member(group, topic, mode, extra):
    cls = KafkaPythonMember if CLIENT == "kafka-python" else ConfluentMember
    m = cls(group, topic, extra)

    def leave(*_):
        # SIGTERM: close the consumer, so that it leaves (or, static, announces it will be back).
        try:
            m.c.close()
        except BrokenPipeError:
            pass  # the driver is gone; nobody reads the revoke event
        sys.exit(0)

    signal.signal(signal.SIGTERM, leave)
    last = None
    consumed = 0
    crash_after = int(mode.split(":")[1]) if mode.startswith("crash:") else None
    while True:
        got = m.poll()
        now = m.assigned()
        if now != last:
            emit(event="assigned", partitions=now)
            last = now
        if got is None:
            continue
        consumed += 1
        if mode != "idle":
            emit(event="record", partition=got[0], offset=got[1])
        if crash_after is not None:
            if consumed % 50 == 0 and consumed <= crash_after:
                emit(event="committed", offsets=m.commit())
            if consumed == crash_after + 20:
                os.kill(os.getpid(), signal.SIGKILL)


# ---------------------------------------------------------------- driver


class Member:
    """A member process and the events it printed."""

    def __init__(self, name, group, topic, mode="idle", extra=None):
        self.name = name
        args = [sys.executable, __file__, BROKER, CLIENT, "member", group, topic, mode, json.dumps(extra or {})]
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        self.events = []
        self.lock = threading.Lock()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.p.stdout:
            with self.lock:
                self.events.append(json.loads(line))

    def of(self, kind):
        with self.lock:
            return [e for e in self.events if e["event"] == kind]

    def assigned(self):
        a = self.of("assigned")
        return set(a[-1]["partitions"]) if a else set()

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(what, cond, timeout=45):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def covers(members, partitions):
    """Every partition held by exactly one member, and every member holds one."""
    sets = [m.assigned() for m in members]
    held = [p for s in sets for p in s]
    return sorted(held) == list(range(partitions)) and all(sets)


def sizes(members):
    return sorted(len(m.assigned()) for m in members)


def scenario_spread():
    admin_create("spread", 6)
    ms = [Member(f"m{i}", "spread-group", "spread") for i in range(3)]
    wait_until("3 members with 2 partitions each", lambda: covers(ms, 6) and sizes(ms) == [2, 2, 2])
    ms.append(Member("m3", "spread-group", "spread"))
    wait_until("4 members sharing 6 partitions", lambda: covers(ms, 6) and sizes(ms) == [1, 1, 2, 2])
    victim = ms.pop(0)
    moved = victim.assigned()
    victim.kill()
    start = time.time()
    wait_until("the killed member's partitions to move", lambda: covers(ms, 6))
    elapsed = time.time() - start
    assert elapsed >= SESSION_MS / 1000 - 1.5, f"partitions moved after {elapsed:.1f}s, before the session timeout"
    for m in ms:
        m.stop()
    print(f"partitions {sorted(moved)} moved {elapsed:.1f}s after the SIGKILL (session.timeout.ms={SESSION_MS})")
    print("spread ok")


def scenario_broadcast():
    admin_create("broadcast", 3)
    produce("broadcast", 3, 100)
    groups = [Member(f"g{i}", f"broadcast-{i}", "broadcast", mode="records") for i in range(2)]
    want = {(p, o) for p in range(3) for o in range(100)}
    for g in groups:
        wait_until(f"{g.name} to receive every record", lambda g=g: {(e["partition"], e["offset"]) for e in g.of("record")} == want)
    for g in groups:
        got = [(e["partition"], e["offset"]) for e in g.of("record")]
        assert len(got) == len(want), f"{g.name}: {len(got)} records for {len(want)} distinct"
        g.stop()
    print("broadcast ok")


def scenario_resume():
    admin_create("resume", 3)
    produce("resume", 3, 300)
    first = Member("first", "resume-group", "resume", mode="crash:530")
    first.p.wait(60)
    assert first.p.returncode == -signal.SIGKILL, f"the member exited with {first.p.returncode}"
    time.sleep(0.5)
    committed = {}
    for e in first.of("committed"):
        committed.update({int(p): o for p, o in e["offsets"].items() if o >= 0})
    seen_first = {(e["partition"], e["offset"]) for e in first.of("record")}
    assert len(seen_first) == 550, len(seen_first)
    second = Member("second", "resume-group", "resume", mode="records")
    want = {(p, o) for p in range(3) for o in range(300)}
    wait_until(
        "the restarted member to reach the end",
        lambda: seen_first | {(e["partition"], e["offset"]) for e in second.of("record")} == want,
        timeout=60,
    )
    second.stop()
    seen_second = [(e["partition"], e["offset"]) for e in second.of("record")]
    for p in range(3):
        offsets = [o for (q, o) in seen_second if q == p]
        start = committed.get(p, 0)
        resumed = min(offsets, default=300)
        assert resumed == start, f"partition {p}: resumed at {resumed}, committed {start}"
    twice = seen_first & set(seen_second)
    expected_twice = {(p, o) for (p, o) in seen_first if o >= committed.get(p, 0)}
    assert twice == expected_twice, f"seen twice {len(twice)}, uncommitted {len(expected_twice)}"
    print(f"resumed at {committed}; {len(twice)} uncommitted records seen twice, none skipped")
    print("resume ok")


def scenario_cooperative():
    admin_create("coop", 6)
    extra = {"partition.assignment.strategy": "cooperative-sticky"}
    ms = [Member(f"m{i}", "coop-group", "coop", extra=extra) for i in range(3)]
    wait_until("3 members with 2 partitions each", lambda: covers(ms, 6) and sizes(ms) == [2, 2, 2])
    before = [m.assigned() for m in ms]
    revokes_before = [len(m.of("revoke")) for m in ms]
    ms.append(Member("m3", "coop-group", "coop", extra=extra))
    wait_until("4 members sharing 6 partitions", lambda: covers(ms, 6) and sizes(ms) == [1, 1, 2, 2])
    time.sleep(2)  # let any further rebalance show itself
    assert covers(ms, 6) and sizes(ms) == [1, 1, 2, 2]
    newcomer = ms[3].assigned()
    for m, old in zip(ms, before):
        assert m.assigned() <= old, f"{m.name} gained {m.assigned() - old} while a member joined"
    revoked = set()
    for m, n in zip(ms, revokes_before):
        for e in m.of("revoke")[n:]:
            revoked |= set(e["partitions"])
    assert revoked == newcomer, f"revoked {revoked}, the newcomer holds {newcomer}"
    for m in ms:
        m.stop()
    print(f"only {sorted(newcomer)} moved to the new member")
    print("cooperative ok")


def scenario_static():
    admin_create("static", 6)

    def start(i):
        extra = {"group.instance.id": f"instance-{i}", "session.timeout.ms": 20000}
        return Member(f"s{i}", "static-group", "static", extra=extra)

    ms = [start(i) for i in range(3)]
    wait_until("3 static members with 2 partitions each", lambda: covers(ms, 6) and sizes(ms) == [2, 2, 2])
    held = [m.assigned() for m in ms]
    assigns = [len(m.of("assign")) for m in ms]
    revokes = [len(m.of("revoke")) for m in ms]
    if KIP848:
        # KIP-848: a static member that crashed holds its instance id until its
        # session ends (a newcomer with it gets UNRELEASED_INSTANCE_ID, as from
        # Kafka); one that closes announces its return with member epoch -2.
        ms[0].stop()
    else:
        ms[0].kill()
    ms[0] = start(0)
    wait_until("the restarted static member to get its partitions back", lambda: ms[0].assigned() == held[0], timeout=30)
    time.sleep(3)
    for i in (1, 2):
        assert ms[i].assigned() == held[i], f"s{i} changed to {ms[i].assigned()}"
        assert len(ms[i].of("assign")) == assigns[i], f"s{i} went through a rebalance"
        assert len(ms[i].of("revoke")) == revokes[i], f"s{i} had partitions revoked"
    for m in ms:
        m.stop()
    print("static ok")


def scenario_admin():
    """The group admin APIs through both clients' admin classes."""
    from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, TopicPartition
    from confluent_kafka.admin import AdminClient
    from kafka import KafkaAdminClient
    from kafka.structs import TopicPartition as KafkaTopicPartition

    admin_create("adm", 2)
    live = Member("live", "adm-live", "adm")
    wait_until("the live group to be stable", lambda: covers([live], 2))
    a = AdminClient({"bootstrap.servers": BROKER})
    k = KafkaAdminClient(bootstrap_servers=BROKER)

    # Offsets of a group without members, set and read by an admin client.
    offsets = [TopicPartition("adm", 0, 5), TopicPartition("adm", 1, 7)]
    a.alter_consumer_group_offsets([ConsumerGroupTopicPartitions("adm-idle", offsets)])["adm-idle"].result(timeout=30)
    got = a.list_consumer_group_offsets([ConsumerGroupTopicPartitions("adm-idle")])["adm-idle"].result(timeout=30)
    assert {(tp.partition, tp.offset) for tp in got.topic_partitions} == {(0, 5), (1, 7)}, got

    stable = a.list_consumer_groups(states={ConsumerGroupState.STABLE}).result(timeout=30)
    assert [g.group_id for g in stable.valid] == ["adm-live"], stable.valid
    every = {g.group_id: g.state for g in a.list_consumer_groups().result(timeout=30).valid}
    assert every == {"adm-live": ConsumerGroupState.STABLE, "adm-idle": ConsumerGroupState.EMPTY}, every
    assert [g["group_id"] for g in k.list_groups(states_filter=["Empty"])] == ["adm-idle"]

    d = a.describe_consumer_groups(["adm-live"])["adm-live"].result(timeout=30)
    assert d.state == ConsumerGroupState.STABLE and d.partition_assignor == "range", d
    assert len(d.members) == 1 and sorted(tp.partition for tp in d.members[0].assignment.topic_partitions) == [0, 1]
    kd = k.describe_groups(["adm-live"])["adm-live"]
    assert kd["members"][0]["member_metadata"]["topics"] == ["adm"], kd

    # Offsets of a topic the live group consumes cannot be deleted; the idle group's can.
    r = k.delete_group_offsets("adm-live", [KafkaTopicPartition("adm", 0)])
    assert r[KafkaTopicPartition("adm", 0)].__name__ == "GroupSubscribedToTopicError", r
    k.delete_group_offsets("adm-idle", [KafkaTopicPartition("adm", 0)])
    got = a.list_consumer_group_offsets([ConsumerGroupTopicPartitions("adm-idle")])["adm-idle"].result(timeout=30)
    assert {(tp.partition, tp.offset) for tp in got.topic_partitions} == {(1, 7)}, got

    # Only an empty group can be deleted.
    assert k.delete_groups(["adm-live", "adm-none"]) == {"adm-live": "NonEmptyGroupError", "adm-none": "GroupIdNotFoundError"}
    a.delete_consumer_groups(["adm-idle"])["adm-idle"].result(timeout=30)
    assert [g.group_id for g in a.list_consumer_groups().result(timeout=30).valid] == ["adm-live"]
    live.stop()
    print("admin ok")


def scenario_consumer_admin():
    """A KIP-848 group through confluent-kafka's AdminClient (ConsumerGroupDescribe, ListGroups v5)."""
    from confluent_kafka import ConsumerGroupState, ConsumerGroupType
    from confluent_kafka.admin import AdminClient

    admin_create("kadm", 4)
    ms = [Member(f"k{i}", "kadm-group", "kadm") for i in range(2)]
    wait_until("2 members with 2 partitions each", lambda: covers(ms, 4) and sizes(ms) == [2, 2])
    a = AdminClient({"bootstrap.servers": BROKER})
    wait_until(
        "the group to be described as stable",
        lambda: a.describe_consumer_groups(["kadm-group"])["kadm-group"].result(timeout=30).state
        == ConsumerGroupState.STABLE,
    )
    d = a.describe_consumer_groups(["kadm-group"])["kadm-group"].result(timeout=30)
    assert d.type == ConsumerGroupType.CONSUMER and d.partition_assignor == "uniform", d
    held = sorted(sorted(tp.partition for tp in m.assignment.topic_partitions) for m in d.members)
    assert held == sorted(sorted(m.assigned()) for m in ms), (held, [m.assigned() for m in ms])
    assert all(tp.topic == "kadm" for m in d.members for tp in m.assignment.topic_partitions), d
    listed = a.list_consumer_groups(types={ConsumerGroupType.CONSUMER}).result(timeout=30).valid
    assert [(g.group_id, g.type) for g in listed] == [("kadm-group", ConsumerGroupType.CONSUMER)], listed
    classic = a.list_consumer_groups(types={ConsumerGroupType.CLASSIC}).result(timeout=30).valid
    assert [g.group_id for g in classic] == [], classic
    refused = a.delete_consumer_groups(["kadm-group"])["kadm-group"]
    try:
        refused.result(timeout=30)
        raise AssertionError("a group with members was deleted")
    except Exception as e:  # noqa: BLE001 - confluent raises KafkaException
        assert "NON_EMPTY_GROUP" in str(e), e
    for m in ms:
        m.stop()
    wait_until(
        "the group to be empty once its members closed",
        lambda: a.describe_consumer_groups(["kadm-group"])["kadm-group"].result(timeout=30).state
        == ConsumerGroupState.EMPTY,
    )
    a.delete_consumer_groups(["kadm-group"])["kadm-group"].result(timeout=30)
    assert a.list_consumer_groups().result(timeout=30).valid == []

    # A group whose members ask for the range assignor gets it: contiguous ranges in member-id order.
    ranged = [Member(f"r{i}", "kadm-range", "kadm", extra={"group.remote.assignor": "range"}) for i in range(2)]
    wait_until("2 range members with 2 partitions each", lambda: covers(ranged, 4) and sizes(ranged) == [2, 2])
    d = a.describe_consumer_groups(["kadm-range"])["kadm-range"].result(timeout=30)
    assert d.partition_assignor == "range", d
    by_id = sorted((m.member_id, sorted(tp.partition for tp in m.assignment.topic_partitions)) for m in d.members)
    assert [ps for _, ps in by_id] == [[0, 1], [2, 3]], by_id
    for m in ranged:
        m.stop()
    print("consumer_admin ok")


def scenario_regex():
    """A KIP-848 member subscribed by regular expression gets the matching topics, including one created later."""
    admin_create("re-a", 2)
    admin_create("other", 2)
    m = Member("re", "re-group", "^re-.*", mode="records")
    wait_until("the member to hold re-a", lambda: m.assigned() == {0, 1})
    admin_create("re-b", 1)
    produce("re-b", 1, 5)
    wait_until("records of re-b, created after the subscription", lambda: len(m.of("record")) == 5, timeout=60)
    m.stop()
    print("regex ok")


def scenario_survive():
    """Members of a KIP-848 group keep their ids and partitions across a broker SIGKILL.

    The test kills and restarts the broker between two files in $SYNC_DIR:
    this script writes `ready`, the test writes `restarted`."""
    from confluent_kafka.admin import AdminClient

    sync = os.environ["SYNC_DIR"]
    admin_create("surv", 4)
    ms = [Member(f"k{i}", "surv-group", "surv", mode="records") for i in range(2)]
    wait_until("2 members with 2 partitions each", lambda: covers(ms, 4) and sizes(ms) == [2, 2])

    def described():
        a = AdminClient({"bootstrap.servers": BROKER})
        d = a.describe_consumer_groups(["surv-group"])["surv-group"].result(timeout=30)
        return d.state, sorted((m.member_id, sorted(tp.partition for tp in m.assignment.topic_partitions)) for m in d.members)

    before = described()
    held = [m.assigned() for m in ms]
    assigns = [len(m.of("assign")) for m in ms]
    open(os.path.join(sync, "ready"), "w").close()
    wait_until("the broker to be restarted", lambda: os.path.exists(os.path.join(sync, "restarted")), timeout=60)
    produce("surv", 4, 10)
    wait_until("the records produced after the restart", lambda: sum(len(m.of("record")) for m in ms) == 40, timeout=60)
    after = described()
    assert after == before, f"before the SIGKILL {before}, after {after}"
    assert [m.assigned() for m in ms] == held and [len(m.of("assign")) for m in ms] == assigns, "a rebalance happened"
    for m in ms:
        m.stop()
    print(f"members and assignment unchanged across the broker SIGKILL: {after}")
    print("survive ok")


def scenario_expiry():
    """Offsets of a group that stays empty expire after offsets.retention.minutes (1 here)."""
    from confluent_kafka import Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient

    admin_create("expiry", 1)
    produce("expiry", 1, 10)
    conf = {"bootstrap.servers": BROKER, "group.id": "expiry-group", "auto.offset.reset": "earliest"}
    c = Consumer(dict(conf, **{"enable.auto.commit": False}))
    c.subscribe(["expiry"])
    seen = 0
    deadline = time.time() + 30
    while seen < 10 and time.time() < deadline:
        m = c.poll(0.5)
        if m and not m.error():
            seen += 1
    c.commit(asynchronous=False)
    c.close()  # leaves the group: it is Empty from now on
    emptied = time.time()
    probe = Consumer(dict(conf, **{"enable.auto.commit": False}))

    def committed():
        return probe.committed([TopicPartition("expiry", 0)], timeout=10)[0].offset

    assert committed() == 10, committed()
    wait_until("the offsets to expire", lambda: committed() < 0, timeout=100)
    waited = time.time() - emptied
    assert waited >= 55, f"offsets expired {waited:.0f}s after the group emptied, before offsets.retention.minutes=1"
    groups = [g.group_id for g in AdminClient({"bootstrap.servers": BROKER}).list_consumer_groups().result(30).valid]
    assert "expiry-group" not in groups, groups
    probe.close()
    print(f"offsets expired {waited:.0f}s after the group emptied; the group is gone")
    print("expiry ok")


def commit_fixed(group, topic):
    admin_create(topic, 3)
    produce(topic, 3, 50)
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": BROKER, "group.id": group, "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(topic, p, o) for p, o in FIXED.items()], asynchronous=False)
    c.close()
    print("committed")


def check_fixed(group, topic):
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": BROKER, "group.id": group, "enable.auto.commit": False})
    got = {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in FIXED], timeout=30)}
    assert got == FIXED, f"committed offsets after the restart: {got}"
    c.subscribe([topic])
    first = {}
    deadline = time.time() + 30
    while len(first) < len(FIXED) and time.time() < deadline:
        m = c.poll(0.5)
        if m and not m.error():
            first.setdefault(m.partition(), m.offset())
    c.close()
    assert first == FIXED, f"resumed at {first}, committed {FIXED}"
    print("offsets survived")


if SCENARIO == "member":
    member(sys.argv[4], sys.argv[5], sys.argv[6], json.loads(sys.argv[7]))
elif SCENARIO == "commit-fixed":
    commit_fixed(sys.argv[4], sys.argv[5])
elif SCENARIO == "check-fixed":
    check_fixed(sys.argv[4], sys.argv[5])
else:
    globals()["scenario_" + SCENARIO]()
