#!/usr/bin/env bash
# The emission-heavy word count (every (word, count) pair of a batch to an output) without a
# socket: the limit (memchr and SWAR splits, inline-key table) against dstream on 1 and on
# all cores, in one run, rounds alternated; wall-clock ms per batch and the ratios.
#
#   benches/e2e/emit.sh                      # 3 rounds of 10 batches of 10 MB
#   benches/e2e/emit.sh --instructions       # callgrind instructions per word instead (IBATCHES=2 batches)
#                                            (IBATCHES batches, default 2)
#   MB=0.65 BATCHES=300 benches/e2e/emit.sh  # small batches: 100,000 words (10 M words/s at B = 10 ms)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MB="${MB:-10}"; BATCHES="${BATCHES:-10}"; ROUNDS="${ROUNDS:-3}"; IBATCHES="${IBATCHES:-2}"
(cd "$ROOT" && cargo build --release -q -p dstream-bench)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/wc-emit"
variants=("limit-swar 1" "limit 1" "dstream 1" "dstream $(nproc)")
echo "load: $(uptime)"
if [[ "${1:-}" == "--instructions" ]]; then
  tmp="$(mktemp -d)"
  count() { valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$tmp/out" "$BIN" "$@" 2>&1 \
              | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  base=$(count --engine limit --mb "$MB" --batches 0)
  words=$("$BIN" --engine limit --mb "$MB" --batches "$IBATCHES" 2>&1 | sed -n 's/.* \([0-9]*\) words.*/\1/p')
  echo "| variant | partitions | instructions per word ($IBATCHES batches of $MB MB, generation subtracted) |"
  echo "|---|---:|---:|"
  for v in "${variants[@]}"; do
    set -- $v
    n=$(count --engine "$1" --partitions "$2" --mb "$MB" --batches "$IBATCHES")
    echo "| $1 | $2 | $(( (n - base) / words )) |"
  done
  rm -rf "$tmp"
  exit 0
fi
declare -A total
for r in $(seq 1 "$ROUNDS"); do
  for v in "${variants[@]}"; do
    set -- $v
    line=$("$BIN" --engine "$1" --partitions "$2" --mb "$MB" --batches "$BATCHES" 2>&1)
    echo "round $r: p$2 $line"
    ms=$(echo "$line" | sed -n 's/.* in \([0-9.]*\)\([^ 0-9.]*s\) .*/\1 \2/p' \
           | awk '{ f = ($2 == "s") ? 1000 : ($2 == "ms") ? 1 : ($2 == "ns") ? 1e-6 : 1e-3; print $1 * f }')
    total["$v"]=$(awk -v a="${total[$v]:-0}" -v b="$ms" 'BEGIN { print a + b }')
  done
done
ref=$(awk -v t="${total[limit-swar 1]}" -v n="$((ROUNDS * BATCHES))" 'BEGIN { print t / n }')
echo; echo "| variant | partitions | ms per $MB MB batch (mean of $ROUNDS rounds, building the batch included) | × the SWAR limit (throughput) |"
echo "|---|---:|---:|---:|"
for v in "${variants[@]}"; do
  set -- $v
  awk -v t="${total[$v]}" -v n="$((ROUNDS * BATCHES))" -v ref="$ref" -v name="$1" -v p="$2" \
    'BEGIN { ms = t / n; printf "| %s | %s | %.3f | %.2fx |\n", name, p, ms, ref / ms }'
done
echo "load: $(uptime)"
