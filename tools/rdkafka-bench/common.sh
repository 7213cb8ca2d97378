# Sourced by the benchmark scripts here, from the repository root: builds the
# release strata and rdkafka-bench, empties the run's directory $dir, and
# defines `run` (one rdkafka-bench command, echoed, without librdkafka's log
# lines) and `single_broker` (one release broker on 127.0.0.1:9192 over
# $dir/data, stopped when the script exits).
cargo build --release -q -p strata
(cd tools/rdkafka-bench && cargo build --release -q)
bench=tools/rdkafka-bench/target/release/rdkafka-bench
rm -rf "$dir" && mkdir -p "$dir"
run() { echo "\$ rdkafka-bench $*"; "$bench" "$@" 2>&1 | grep -v '^%'; }
single_broker() {
    target/release/strata server --listen 127.0.0.1:9192 --data-dir "$dir/data" 2>"$dir/broker.log" &
    broker=$!
    trap 'kill $broker 2>/dev/null' EXIT
    sleep 0.5
}
