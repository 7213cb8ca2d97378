#!/usr/bin/env bash
# The broker benchmark of BENCHMARKS.md: a release strata broker on a fresh
# data directory, driven through librdkafka (rdkafka-bench), beside a raw
# file-write reference measured in the same run. Usage: tools/rdkafka-bench/run.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-/tmp/strata-bench}
count=${COUNT:-500000}
. tools/rdkafka-bench/common.sh
single_broker
run raw-write --dir "$dir" --count "$count"
run produce --brokers 127.0.0.1:9192 --topic acks1 --count "$count" --acks 1
run produce --brokers 127.0.0.1:9192 --topic acksall --count "$count" --acks all
run consume --brokers 127.0.0.1:9192 --topic acks1 --count "$count"
run raw-write --dir "$dir" --count "$count"
run latency --brokers 127.0.0.1:9192 --topic lat-all --rate 10000 --seconds 10 --acks all
run latency --brokers 127.0.0.1:9192 --topic lat-1 --rate 10000 --seconds 10 --acks 1
