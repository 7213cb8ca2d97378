#!/usr/bin/env bash
# `strata bench` against a release strata broker, beside the references of
# issue 6, measured in the same run and interleaved (this machine is shared
# and noisy: ratios hold, absolute figures do not):
#   produce (acks=1, 1 KiB records, one partition, one producer)  vs  tcp-to-file
#   consume (one consumer, the same 1 GiB)                         vs  sendfile
# Each pair runs ROUNDS times (default 3); the medians and their ratio are printed.
# Every run starts with no dirty pages (`sync` first, untimed), so the broker's
# kept segment files and the reference's deleted scratch file pay the same
# writeback: without it the reference ran 10x faster or slower depending on
# what the run before it left dirty. The two writing runs (tcp-to-file and
# produce) then wait SETTLE seconds (default 5): this VM hands free memory
# back to its host about 2 s after it is freed, and writing into such pages
# costs several times more than into pages freed a moment before
# (BENCHMARKS.md, issue 7), so without the pause a writing run's speed
# depended on what the run before it had just deleted.
# Usage, from the repository root: [STRATA_BIN=PATH] tools/strata-bench/client.sh DIR [ROUNDS] [COUNT]
set -euo pipefail
dir=${1:?usage: client.sh DIR [ROUNDS] [COUNT]}
rounds=${2:-3}
count=${3:-1000000}
# STRATA_BIN runs another build (for before/after pairs) instead of this tree's.
strata=${STRATA_BIN:-target/release/strata}
[ -n "${STRATA_BIN:-}" ] || cargo build --release -q -p strata
rm -rf "$dir" && mkdir -p "$dir"
. "$(dirname "$0")/broker.sh"
start_broker 9193
# The fraction of FILES' pages in the page cache.
resident() { fincore -b -n -o RES,SIZE "$@" | awk '{r+=$1; s+=$2} END {printf "%.2f", s ? r/s : 0}'; }
. "$(dirname "$0")/pages.sh"  # prepare: the page state before a writing run
run() { sync; echo "\$ strata bench $*" >&2; $strata bench "$@" --json | tee -a "$dir/results.jsonl"; }
writes() { prepare $(( count * 1024 * 12 / 10 / 1048576 )); run "$@"; }
for round in $(seq "$rounds"); do
    writes tcp-to-file --count "$count" --record-size 1024 --dir "$dir" >/dev/null
    $strata topic delete produce-bench >/dev/null 2>&1 || true
    writes produce --topic produce-bench --count "$count" --record-size 1024 --partitions 1 --producers 1 --acks 1 \
        --batch-size 1048576 --linger-ms 5 >/dev/null
    run sendfile --count "$count" --record-size 1024 --dir "$dir" >/dev/null
    echo "topic resident before consume: $(resident "$dir"/data/produce-bench-0/*.log)" >&2
    run consume --topic produce-bench >/dev/null
done
python3 - "$dir/results.jsonl" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs.setdefault(r["benchmark"], []).append(r)
def med(name, key):
    return statistics.median(r[key] for r in runs[name])
for name in ["tcp-to-file", "produce", "sendfile", "consume"]:
    rs = runs[name]
    print(f"{name:12} MB/s {[round(r['mb_per_sec']) for r in rs]} median {med(name, 'mb_per_sec'):.0f}"
          f"  p99 ms {[round(r['p99_ms'], 2) for r in rs]}")
print(f"produce / tcp-to-file: {med('produce', 'mb_per_sec') / med('tcp-to-file', 'mb_per_sec'):.2f}x")
print(f"consume / sendfile:    {med('consume', 'mb_per_sec') / med('sendfile', 'mb_per_sec'):.2f}x")
PY
