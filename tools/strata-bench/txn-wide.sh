#!/usr/bin/env bash
# Transactions across many partitions: confluent-kafka's transactional
# producer (from the test venv, target/venv: run scripts/test.sh once) runs
# for SECONDS, each transaction one 100-byte record to each of PARTITIONS
# partitions, then commit, against a release broker on a fresh data
# directory; beside the reference of the same run: rounds per second of
# PARTITIONS files fdatasynced in parallel (fsync_files.py), since a commit
# waits on several such rounds one after another (the transaction log's
# records, the produce and the markers). Prints transactions/s, rounds/s and
# their ratio.
# Usage, from the repository root: [STRATA_BIN=PATH] tools/strata-bench/txn-wide.sh DIR [PARTITIONS] [SECONDS]
set -euo pipefail
dir=${1:?usage: txn-wide.sh DIR [PARTITIONS] [SECONDS]}
partitions=${2:-16}
seconds=${3:-8}
strata=${STRATA_BIN:-target/release/strata}
[ -n "${STRATA_BIN:-}" ] || cargo build --release -q -p strata
rm -rf "$dir" && mkdir -p "$dir"
. "$(dirname "$0")/broker.sh"
start_broker 9291
$strata topic create wide --partitions "$partitions" >/dev/null
rate=$(target/venv/bin/python - "$STRATA_BROKERS" "$partitions" "$seconds" <<'PY'
import sys, time
import confluent_kafka
brokers, partitions, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
p = confluent_kafka.Producer({"bootstrap.servers": brokers, "transactional.id": "txn-wide", "linger.ms": 0})
p.init_transactions(30)
n, start = 0, time.monotonic()
while time.monotonic() - start < seconds:
    p.begin_transaction()
    for q in range(partitions):
        p.produce("wide", value=b"x" * 100, partition=q)
    p.commit_transaction(30)
    n += 1
print(f"{n / (time.monotonic() - start):.1f}")
PY
)
mb=$(python3 "$(dirname "$0")/fsync_files.py" "$dir/reference" "$partitions" 100)
python3 -c "
rate, mb, p = $rate, $mb, $partitions
rounds = mb * 1e6 / (16384 * p)
print(f'{p} partitions: {rate:.1f} transactions/s; reference {rounds:.0f} rounds/s of {p} parallel fdatasyncs; ratio {rate / rounds:.2f}x')"
