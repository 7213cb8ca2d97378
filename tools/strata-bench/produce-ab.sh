#!/usr/bin/env bash
# Before/after pairs for the producer: `strata bench produce` (1 GB of 1 KiB
# records, one partition, acks=1, 1 MiB batches, linger.ms 5) run by each
# given build in turn, ROUNDS times, against one release broker of this
# tree, each run after `prepare` (pages.sh; PAGES=warm by default here, the
# state in which the client's CPU is the limit). Per run it prints MB/s,
# latency, the client's CPU seconds (user+system, /usr/bin/time) and the
# machine's idle ticks; then each build's medians.
# Usage, from the repository root: tools/strata-bench/produce-ab.sh DIR ROUNDS BIN... [-- EXTRA BENCH ARGS]
set -euo pipefail
dir=${1:?usage: produce-ab.sh DIR ROUNDS BIN... [-- ARGS]}
rounds=${2:?usage: produce-ab.sh DIR ROUNDS BIN... [-- ARGS]}
shift 2
bins=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do bins+=("$1"); shift; done
[ $# -gt 0 ] && shift
export PAGES=${PAGES:-warm}
cargo build --release -q -p strata
strata=target/release/strata
rm -rf "$dir" && mkdir -p "$dir"
. "$(dirname "$0")/broker.sh"
start_broker 9194
. "$(dirname "$0")/pages.sh"  # prepare: the page state before a writing run
idle() { awk '/^cpu /{print $5+$6}' /proc/stat; }
for round in $(seq "$rounds"); do
    for bin in "${bins[@]}"; do
        $strata topic delete produce-ab >/dev/null 2>&1 || true
        prepare 1300
        i0=$(idle)
        /usr/bin/time -o "$dir/time" -f "%U %S" "$bin" bench produce --topic produce-ab --count 1000000 \
            --record-size 1024 --partitions 1 --producers 1 --acks 1 --batch-size 1048576 --linger-ms 5 "$@" \
            --json >"$dir/run.json"
        i1=$(idle)
        python3 - "$bin" "$dir/run.json" "$dir/time" "$((i1 - i0))" <<'PY' | tee -a "$dir/runs.txt"
import json, sys
r = json.load(open(sys.argv[2])); user, system = map(float, open(sys.argv[3]).read().split())
print(f"{sys.argv[1]} {r['mb_per_sec']:.0f} MB/s p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms client CPU {user + system:.2f} s idle ticks {sys.argv[4]}")
PY
    done
done
python3 - "$dir/runs.txt" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    runs[f[0]].append((float(f[1]), float(f[11])))
for bin, rs in runs.items():
    print(f"{bin}: MB/s {[round(m) for m, _ in rs]} median {statistics.median(m for m, _ in rs):.0f}, "
          f"client CPU median {statistics.median(c for _, c in rs):.2f} s")
PY
