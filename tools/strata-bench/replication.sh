#!/usr/bin/env bash
# Issue 7's replication benchmark: `strata bench produce` with acks=all against
# three local release processes and a topic with replication factor 3 and
# min.insync.replicas=2, beside the same run against a single node, measured
# in the same run and interleaved (this machine is shared and noisy: ratios
# hold, absolute figures do not). Each pair runs ROUNDS times (default 3);
# the medians and their ratio are printed, and the CPU time each broker process
# and the benchmark client used during each run (from /proc: utime+stime).
# Before each run: `sync`, then SETTLE seconds idle (default 5). This VM hands
# free memory back to its host (virtio-balloon free page reporting, about 2 s
# after pages are freed), and writing into such pages costs several times more
# than into pages freed a moment before; without the pause a run inherits
# whatever the run before it freed, and the single node and the cluster would
# not start from the same state.
# Target: at least 0.5x.
# Usage, from the repository root: [STRATA_BIN=PATH] tools/strata-bench/replication.sh DIR [ROUNDS] [COUNT]
set -euo pipefail
dir=${1:?usage: replication.sh DIR [ROUNDS] [COUNT]}
rounds=${2:-3}
count=${3:-300000}
# STRATA_BIN runs another build (for before/after pairs) instead of this tree's.
strata=${STRATA_BIN:-target/release/strata}
[ -n "${STRATA_BIN:-}" ] || cargo build --release -q -p strata
rm -rf "$dir" && mkdir -p "$dir"
pids=()
# On exit the brokers are stopped and waited for, so that a run started right after finds the ports free.
trap 'kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null' EXIT
$strata server --listen 127.0.0.1:9390 --data-dir "$dir/single" 2>"$dir/single.log" &
pids+=($!)
voters=1@127.0.0.1:9401,2@127.0.0.1:9402,3@127.0.0.1:9403
for n in 1 2 3; do
    $strata server --node-id $n --listen 127.0.0.1:939$n --controller-listen 127.0.0.1:940$n \
        --voters $voters --data-dir "$dir/node-$n" ${CLUSTER_SETTINGS:-} 2>"$dir/node-$n.log" &
    pids+=($!)
done
sleep 3
cluster=127.0.0.1:9391,127.0.0.1:9392,127.0.0.1:9393
. "$(dirname "$0")/pages.sh"  # prepare: the page state before a writing run
run() { echo "\$ strata bench $*" >&2; $strata bench "$@" --json | tee -a "$dir/results.jsonl"; }
tick=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }  # a process's utime+stime
client_ticks() { awk '{print $16+$17}' "/proc/$$/stat"; }  # waited-for children's: the bench runs
bench() { # BROKERS TOPIC PID...
    local brokers=$1 topic=$2 before=() after=() c0 c1
    shift 2
    prepare $(( count * 1024 * 36 / 10 / 1048576 ))  # before the CPU counts: dd's time is not the client's
    for p in "$@"; do before+=("$(ticks "$p")"); done
    c0=$(client_ticks)
    run produce --brokers "$brokers" --topic "$topic" --count "$count" --record-size 1024 --partitions 1 --producers 1 \
        --acks all --batch-size 1048576 --linger-ms 5 >/dev/null
    c1=$(client_ticks)
    for p in "$@"; do after+=("$(ticks "$p")"); done
    local cpu="" i
    for i in "${!before[@]}"; do cpu+="$(( after[i] - before[i] )),"; done
    echo "{\"brokers\": [${cpu%,}], \"client\": $(( c1 - c0 )), \"tick\": $tick}" >> "$dir/cpu.jsonl"
}
for round in $(seq "$rounds"); do
    $strata topic create single-$round --brokers 127.0.0.1:9390 --partitions 1 >/dev/null
    bench 127.0.0.1:9390 single-$round "${pids[0]}"
    $strata topic create rf3-$round --brokers $cluster --partitions 1 --replication-factor 3 \
        --config min.insync.replicas=2 >/dev/null
    bench $cluster rf3-$round "${pids[1]}" "${pids[2]}" "${pids[3]}"
done
python3 - "$dir/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
single, rf3 = rows[0::2], rows[1::2]
med = lambda rs, k: statistics.median(r[k] for r in rs)
for name, rs in (("single node, acks=all", single), ("RF3 three nodes, acks=all", rf3)):
    print(f"{name:28} {med(rs,'records_per_sec'):>10.0f} records/s {med(rs,'mb_per_sec'):>7.1f} MB/s  p99 {med(rs,'p99_ms'):.1f} ms")
print(f"ratio RF3 / single: {med(rf3,'records_per_sec') / med(single,'records_per_sec'):.2f}x")
PY
python3 - "$dir/results.jsonl" "$dir/cpu.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
cpu = [json.loads(l) for l in open(sys.argv[2])]
for name, offset in (("single node", 0), ("RF3 three nodes", 1)):
    rows = list(zip(runs[offset::2], cpu[offset::2]))
    def per_gb(f):
        return statistics.median(f(c) / c["tick"] / (r["bytes"] / 1e9) for r, c in rows)
    brokers = [per_gb(lambda c, i=i: c["brokers"][i]) for i in range(len(rows[0][1]["brokers"]))]
    client = per_gb(lambda c: c["client"])
    shown = ", ".join(f"{b:.2f}" for b in brokers)
    print(f"{name:16} CPU seconds per GB produced: broker processes [{shown}], client {client:.2f}")
PY
