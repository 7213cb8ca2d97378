#!/usr/bin/env bash
# The transactions benchmark of BENCHMARKS.md: a release strata broker on a
# fresh data directory; 1 KiB records to one partition through librdkafka
# (rdkafka-bench), as transactions of 100 and of 10,000 records, beside plain
# and idempotent acks=all producers measured in the same run (before and
# after, to show drift), and the bare fdatasync rate of the same disk (a
# transaction of 100 waits on several fsyncs in a row). Usage: tools/rdkafka-bench/transactions.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-/tmp/strata-bench-txn}
count=${COUNT:-200000}
. tools/rdkafka-bench/common.sh
single_broker
run raw-fsync --dir "$dir" --seconds 3
run produce --brokers 127.0.0.1:9192 --topic plain-1 --count "$count" --acks all
run produce --brokers 127.0.0.1:9192 --topic idem-1 --count "$count" --acks all --idempotent
run txn-produce --brokers 127.0.0.1:9192 --topic txn-100 --count "$count" --per-txn 100
run txn-produce --brokers 127.0.0.1:9192 --topic txn-10000 --count "$count" --per-txn 10000
run produce --brokers 127.0.0.1:9192 --topic plain-2 --count "$count" --acks all
