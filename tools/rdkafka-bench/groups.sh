#!/usr/bin/env bash
# The consumer-group benchmark of BENCHMARKS.md: release strata brokers on
# fresh data directories, driven through librdkafka (rdkafka-bench), beside a
# raw write+fdatasync reference measured in the same run.
# Usage: tools/rdkafka-bench/groups.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-/tmp/strata-group-bench}
. tools/rdkafka-bench/common.sh
start() {
    port=$1
    shift
    target/release/strata server --listen "127.0.0.1:$port" --data-dir "$dir/data-$port" --set num.partitions=100 "$@" \
        2>"$dir/broker-$port.log" &
}
start 9193 --set group.initial.rebalance.delay.ms=0
no_delay=$!
start 9194
default_delay=$!
trap 'kill $no_delay $default_delay 2>/dev/null' EXIT
sleep 0.5
for port in 9193 9194; do echo x | kcat -b "127.0.0.1:$port" -P -t join100; done
run raw-fsync --dir "$dir" --seconds 5
for threads in 1 8 32; do
    run commits --brokers 127.0.0.1:9193 --topic join100 --threads "$threads" --seconds 5
done
echo "# group.initial.rebalance.delay.ms=0"
run group-join --brokers 127.0.0.1:9193 --topic join100 --members 1
run group-join --brokers 127.0.0.1:9193 --topic join100 --members 10
echo "# KIP-848 (group.protocol=consumer; no initial delay in this protocol)"
run group-join --brokers 127.0.0.1:9193 --topic join100 --members 1 --protocol consumer
run group-join --brokers 127.0.0.1:9193 --topic join100 --members 10 --protocol consumer
echo "# group.initial.rebalance.delay.ms=3000 (Kafka's default)"
run group-join --brokers 127.0.0.1:9194 --topic join100 --members 10
