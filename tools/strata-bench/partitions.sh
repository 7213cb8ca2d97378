#!/usr/bin/env bash
# acks=all to many partitions: `strata bench produce` with Kafka's default
# batch.size (16 KiB) and linger.ms 5, two producers, against one release
# broker, for topics of 1, 16 and 128 partitions; each beside acks=1 on the
# same topic and a reference measured in the same run: fsync_files.py, which
# writes the same bytes in 16 KiB pieces to as many files as the topic has
# partitions, fdatasyncing each round's files in parallel (64 threads). Every
# acks=all batch goes to one partition's file and is fdatasynced before its
# answer, so the reference is what that many fsyncs cost without a broker.
# Each step runs ROUNDS times (default 3); medians are printed.
# Usage, from the repository root: [STRATA_BIN=PATH] tools/strata-bench/partitions.sh DIR [ROUNDS] [COUNT]
set -euo pipefail
dir=${1:?usage: partitions.sh DIR [ROUNDS] [COUNT]}
rounds=${2:-3}
count=${3:-500000}
strata=${STRATA_BIN:-target/release/strata}
[ -n "${STRATA_BIN:-}" ] || cargo build --release -q -p strata
rm -rf "$dir" && mkdir -p "$dir"
. "$(dirname "$0")/broker.sh"
start_broker 9290
results=$dir/results.txt
for round in $(seq "$rounds"); do
    for p in 1 16 128; do
        [ "$round" = 1 ] && $strata topic create "p$p" --partitions "$p" >/dev/null
        for acks in all 1; do
            sync
            mb=$($strata bench produce --topic "p$p" --count "$count" --record-size 1024 --partitions "$p" --producers 2 \
                --acks $acks --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["mb_per_sec"])')
            echo "$p acks=$acks $mb" | tee -a "$results"
        done
        sync
        mb=$(python3 "$(dirname "$0")/fsync_files.py" "$dir/reference" "$p" $(( count * 1024 / 1000000 )))
        echo "$p reference $mb" | tee -a "$results"
    done
done
python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p, what, mb = line.split()
    runs[(int(p), what)].append(float(mb))
print(f"{'partitions':>10} {'acks=all':>9} {'acks=1':>9} {'reference':>10} {'acks=all/reference':>19}")
for p in sorted({p for p, _ in runs}):
    m = {w: statistics.median(runs[(p, w)]) for w in ("acks=all", "acks=1", "reference")}
    print(f"{p:>10} {m['acks=all']:>9.1f} {m['acks=1']:>9.1f} {m['reference']:>10.1f} {m['acks=all'] / m['reference']:>18.2f}x")
PY
