"""Small admin operations with confluent-kafka, for tests of broker state.

Usage: admin.py HOST:PORT create TOPIC PARTITIONS [NAME=VALUE...]
       admin.py HOST:PORT describe TOPIC      (prints JSON: partitions and non-default configs)
       admin.py HOST:PORT delete TOPIC
       admin.py HOST:PORT elect TOPIC PARTITIONS  (preferred election; prints PARTITION:ok or PARTITION:ERROR lines)
       admin.py HOST:PORT delete-records TOPIC PARTITION OFFSET  (prints the new low watermark)
"""
import json
import sys

from confluent_kafka import ElectionType, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic

broker, op, topic = sys.argv[1], sys.argv[2], sys.argv[3]
a = AdminClient({"bootstrap.servers": broker})
if op == "create":
    configs = dict(kv.split("=", 1) for kv in sys.argv[5:])
    # Generous: a cluster under test load may take a while to name a controller.
    a.create_topics([NewTopic(topic, int(sys.argv[4]), 1, config=configs)])[topic].result(timeout=60)
elif op == "elect":
    asked = [TopicPartition(topic, p) for p in range(int(sys.argv[4]))]
    try:
        results = a.elect_leaders(ElectionType.PREFERRED, asked).result(timeout=15)
    except KafkaException as e:
        sys.exit(f"elect_leaders failed: {e}")
    for tp, error in sorted(results.items(), key=lambda r: r[0].partition):
        print(f"{tp.partition}:{'ok' if error is None else error.name()}")
elif op == "delete-records":
    asked = TopicPartition(topic, int(sys.argv[4]), int(sys.argv[5]))
    print(list(a.delete_records([asked]).values())[0].result(timeout=30).low_watermark)
elif op == "delete":
    a.delete_topics([topic])[topic].result(timeout=15)
elif op == "describe":
    md = a.list_topics(timeout=10)
    if topic not in md.topics or md.topics[topic].error is not None:
        print(json.dumps({"exists": False}))
    else:
        res = ConfigResource(ConfigResource.Type.TOPIC, topic)
        configs = a.describe_configs([res])[res].result(timeout=15)
        overrides = {k: v.value for k, v in configs.items() if v.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}
        print(json.dumps({"exists": True, "partitions": len(md.topics[topic].partitions), "configs": overrides}))
