#!/usr/bin/env bash
# The broker benchmark of BENCHMARKS.md: a release strata broker on a fresh
# data directory, driven through librdkafka (rdkafka-bench), beside a raw
# file-write reference measured in the same run. Usage: tools/rdkafka-bench/run.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-/tmp/strata-bench}
count=${COUNT:-500000}
cargo build --release -q -p strata
(cd tools/rdkafka-bench && cargo build --release -q)
bench=tools/rdkafka-bench/target/release/rdkafka-bench
rm -rf "$dir" && mkdir -p "$dir"
target/release/strata server --listen 127.0.0.1:9192 --data-dir "$dir/data" 2>"$dir/broker.log" &
broker=$!
trap 'kill $broker 2>/dev/null' EXIT
sleep 0.5
run() { echo "\$ rdkafka-bench $*"; "$bench" "$@" 2>&1 | grep -v '^%'; }
run raw-write --dir "$dir" --count "$count"
run produce --brokers 127.0.0.1:9192 --topic acks1 --count "$count" --acks 1
run produce --brokers 127.0.0.1:9192 --topic acksall --count "$count" --acks all
run consume --brokers 127.0.0.1:9192 --topic acks1 --count "$count"
run raw-write --dir "$dir" --count "$count"
run latency --brokers 127.0.0.1:9192 --topic lat-all --rate 10000 --seconds 10 --acks all
run latency --brokers 127.0.0.1:9192 --topic lat-1 --rate 10000 --seconds 10 --acks 1
