"""Scrapes a broker's GET /metrics and parses it with the Prometheus client's
own parser, as a Prometheus server would read it. Prints one line per metric
family, NAME TYPE SAMPLES; fails on text the parser refuses, and on a
histogram whose buckets are not cumulative or whose +Inf bucket is not its
count.

usage: prometheus_scrape.py BROKER HOST:PORT   (BROKER is unused)
"""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

with urllib.request.urlopen(f"http://{sys.argv[2]}/metrics", timeout=10) as answer:
    assert answer.status == 200, answer.status
    kind = answer.headers["Content-Type"]
    assert kind.startswith("text/plain; version=0.0.4"), kind
    text = answer.read().decode("utf-8")

for family in text_string_to_metric_families(text):
    if family.type == "histogram":
        series = {}
        for s in family.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": [], "count": None})
            if s.name.endswith("_bucket"):
                series[key]["buckets"].append((float(s.labels["le"]), s.value))
            elif s.name.endswith("_count"):
                series[key]["count"] = s.value
        for key, h in series.items():
            counts = [v for _, v in sorted(h["buckets"])]
            assert counts == sorted(counts), (family.name, key, counts)
            assert counts[-1] == h["count"], (family.name, key, counts, h["count"])
    print(family.name, family.type, len(family.samples))
