#!/usr/bin/env bash
# Before/after pairs for the broker's latency under a long acks=1 run: each
# given strata build in turn serves (as the broker) and drives (`strata
# bench produce`) COUNT records of 1 KiB to one partition with acks=1 (3 GB
# by default: past a 1 GiB segment roll, twice), recovery-point checkpoints
# every CHECKPOINT_MS (default 5000, so that several fall in a run), ROUNDS
# times, on a fresh data directory after `sync` and a 3 s pause. Prints each
# run's MB/s and latency percentiles: a sync on the append path shows as the
# max and p99.9.
# Usage, from the repository root: tools/strata-bench/stall-ab.sh DIR ROUNDS BIN... 
set -euo pipefail
dir=${1:?usage: stall-ab.sh DIR ROUNDS BIN...}
rounds=${2:?usage: stall-ab.sh DIR ROUNDS BIN...}
shift 2
count=${COUNT:-3000000}
rm -rf "$dir" && mkdir -p "$dir"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null' EXIT
for round in $(seq "$rounds"); do
    for bin in "$@"; do
        rm -rf "$dir/data"
        sync
        sleep 3
        "$bin" server --listen 127.0.0.1:9590 --data-dir "$dir/data" \
            --set "log.flush.offset.checkpoint.interval.ms=${CHECKPOINT_MS:-5000}" 2>"$dir/broker.log" &
        pid=$!
        sleep 1
        "$bin" topic create stall --brokers 127.0.0.1:9590 --partitions 1 >/dev/null
        "$bin" bench produce --brokers 127.0.0.1:9590 --topic stall --count "$count" --record-size 1024 \
            --partitions 1 --producers 1 --acks 1 --json 2>/dev/null | tail -1 |
            python3 -c 'import json, sys; d = json.load(sys.stdin); print(sys.argv[1], sys.argv[2],
                "%.0f MB/s, p50 %.1f p99 %.1f p99.9 %.1f max %.1f ms" % tuple(d[k] for k in
                ("mb_per_sec", "p50_ms", "p99_ms", "p999_ms", "max_ms")))' "$round" "$bin"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        pid=
    done
done
