"""Reads record batches that strata built with kafka-python's record classes.

stdin: a JSON list of {codec, hex, records: [{key, value, headers, timestamp}]}
(keys, values and header values hex or null). For each case kafka-python's
MemoryRecords parses the record set, checks each batch's CRC and codec, and
reads every record. stdout: a JSON list of {codec, ok, error}.
"""
import json
import sys

from kafka.record import MemoryRecords

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def unhex(v):
    return None if v is None else bytes.fromhex(v)


def check(case):
    records = MemoryRecords(bytes.fromhex(case["hex"]))
    got = []
    while records.has_next():
        batch = records.next_batch()
        if not batch.validate_crc():
            return "CRC does not validate"
        if batch.compression_type != CODECS[case["codec"]]:
            return f"codec {batch.compression_type}"
        for r in batch:
            got.append((r.key, r.value, [(k, v) for k, v in r.headers], r.timestamp))
    want = [(unhex(r["key"]), unhex(r["value"]), [(k, unhex(v)) for k, v in r["headers"]], r["timestamp"])
            for r in case["records"]]
    if got != want:
        return f"records differ: got {got[:2]}... want {want[:2]}..."
    return None


out = []
for case in json.load(sys.stdin):
    try:
        err = check(case)
    except Exception as e:  # reported, not raised: the Rust test decides
        err = f"{type(e).__name__}: {e}"
    out.append({"codec": case["codec"], "ok": err is None, "error": err})
json.dump(out, sys.stdout)
