# Sourced by client.sh and produce-ab.sh: `start_broker PORT` runs one broker
# of $strata on 127.0.0.1:PORT with its data in $dir/data (log in
# $dir/broker.log), stopped when the script exits, and points STRATA_BROKERS
# at it.
start_broker() {
    $strata server --listen "127.0.0.1:$1" --data-dir "$dir/data" 2>"$dir/broker.log" &
    broker=$!
    trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null' EXIT  # waited for: the next run finds the port free
    sleep 0.5
    export STRATA_BROKERS="127.0.0.1:$1"
}
