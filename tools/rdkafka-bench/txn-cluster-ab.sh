#!/usr/bin/env bash
# Transactions of 100 records (20,000 records of 1 KiB through librdkafka) on a
# three-node release cluster (a topic of 3 partitions, replication factor 3, so
# most partitions are led by another broker than the transaction coordinator),
# with transaction.partition.verification.enable true and false alternated,
# ROUNDS times, each on fresh data directories under DIR: what the leaders'
# verification round trips to the coordinator cost (KIP-890).
# Usage, from the repository root: tools/rdkafka-bench/txn-cluster-ab.sh DIR [ROUNDS]
set -u
dir=${1:?usage: txn-cluster-ab.sh DIR [ROUNDS]}
rounds=${2:-3}
cargo build --release -q -p strata
(cd tools/rdkafka-bench && cargo build --release -q)
strata=target/release/strata
bench=tools/rdkafka-bench/target/release/rdkafka-bench
for round in $(seq "$rounds"); do
  for verify in true false; do
    rm -rf $dir; mkdir -p $dir
    pids=()
    voters=1@127.0.0.1:9701,2@127.0.0.1:9702,3@127.0.0.1:9703
    for n in 1 2 3; do
      $strata server --node-id $n --listen 127.0.0.1:969$n --controller-listen 127.0.0.1:970$n --voters $voters \
        --data-dir $dir/node-$n --set transaction.partition.verification.enable=$verify 2>$dir/node-$n.log &
      pids+=($!)
    done
    sleep 3
    cluster=127.0.0.1:9691,127.0.0.1:9692,127.0.0.1:9693
    $strata topic create t --brokers $cluster --partitions 3 --replication-factor 3 >/dev/null
    sleep 1
    r=$(timeout 300 $bench txn-produce --brokers $cluster --topic t --count 20000 --per-txn 100 2>&1 | grep -v '^%' | grep -o '[0-9.]* records/s' | head -1)
    echo "round $round verify=$verify: $r"
    kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null
  done
done
