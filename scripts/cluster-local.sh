#!/usr/bin/env bash
# Runs an example as N cooperating local processes on 127.0.0.1 (docs/cluster.md): the way
# to try a cluster on one machine.
#
#     scripts/cluster-local.sh N [EXAMPLE [ARGS...]]
#
# EXAMPLE defaults to `cluster` (examples/cluster.rs: ARGS `wordcount` or `joins`). It is
# built with the `cluster` feature; process 0 (the driver) writes to this terminal, process i
# to target/cluster-local/process-i.log. Each process gets DSTREAM_PROCESSES, DSTREAM_PROCESS,
# DSTREAM_HOSTFILE (target/cluster-local/hosts, ports from $DSTREAM_BASE_PORT, default 2101)
# and DSTREAM_WORKERS ($DSTREAM_WORKERS, default 1). Ctrl-C stops them all.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 1 ] && [ "$1" -ge 1 ] 2>/dev/null || { echo "usage: scripts/cluster-local.sh N [EXAMPLE [ARGS...]]" >&2; exit 2; }
n="$1"; shift
example="${1:-cluster}"; [ $# -gt 0 ] && shift
base="${DSTREAM_BASE_PORT:-2101}"
dir="$root/target/cluster-local"
mkdir -p "$dir"
: > "$dir/hosts"
for ((i = 0; i < n; i++)); do echo "127.0.0.1:$((base + i))" >> "$dir/hosts"; done

cargo build --quiet --manifest-path "$root/Cargo.toml" --features cluster --example "$example"
target="${CARGO_TARGET_DIR:-$root/target}"
binary="$target/debug/examples/$example"

pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop INT TERM EXIT
export DSTREAM_PROCESSES="$n" DSTREAM_HOSTFILE="$dir/hosts" DSTREAM_WORKERS="${DSTREAM_WORKERS:-1}"
for ((i = n - 1; i >= 1; i--)); do
    DSTREAM_PROCESS="$i" "$binary" "$@" > "$dir/process-$i.log" 2>&1 &
    pids+=("$!")
done
DSTREAM_PROCESS=0 "$binary" "$@" &
pids+=("$!")
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
trap - EXIT
exit "$status"
