#!/usr/bin/env bash
# A/B of transactional produce: transactions of 100 records (50,000 records of
# 1 KiB through librdkafka), with an idempotent acks=all producer on the same
# broker as the reference, for another strata binary (OLD, e.g. one built
# from an earlier commit) and this tree's release build, interleaved, ROUNDS
# times, each on a fresh data directory under DIR.
# Usage: tools/rdkafka-bench/txn-ab.sh OLD [ROUNDS] [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
old=$1
rounds=${2:-3}
dir=${3:-/tmp/strata-bench-txn-ab}
. tools/rdkafka-bench/common.sh
rate() { grep -v '^%' | grep -o '[0-9.]* records/s' | head -1; }
for round in $(seq "$rounds"); do
    for which in old new; do
        bin=target/release/strata
        [ "$which" = old ] && bin=$old
        rm -rf "$dir/data"
        "$bin" server --listen 127.0.0.1:9192 --data-dir "$dir/data" 2>"$dir/broker-$which.log" &
        pid=$!
        sleep 0.7
        idem=$("$bench" produce --brokers 127.0.0.1:9192 --topic idem --count 50000 --acks all --idempotent 2>&1 | rate)
        txn=$("$bench" txn-produce --brokers 127.0.0.1:9192 --topic txn --count 50000 --per-txn 100 2>&1 | rate)
        echo "round $round $which: idempotent $idem; transactions of 100: $txn"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    done
done
