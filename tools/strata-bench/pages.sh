# Sourced by client.sh and replication.sh: `prepare MIB` puts the machine's
# free memory in a known state before a writing run, after `sync`.
# This VM hands free memory back to its host about 2 s after it is freed
# (virtio-balloon free page reporting), and writing into such pages costs
# several times more than into pages freed a moment before (BENCHMARKS.md),
# so without this a run's speed depended on what the run before it freed.
#   PAGES=settled (default): wait SETTLE seconds (default 5), so that what
#     earlier runs freed has been handed back.
#   PAGES=warm: write, sync and delete a scratch file of MIB MiB in $dir, so
#     the run takes pages freed a moment before, as a server whose page cache
#     is full does (its new writes reuse reclaimed pages).
prepare() {
    sync
    if [ "${PAGES:-settled}" = warm ]; then
        dd if=/dev/zero of="$dir/warm.tmp" bs=1M count="$1" status=none && sync && rm "$dir/warm.tmp"
    else
        sleep "${SETTLE:-5}"
    fi
}
