#!/usr/bin/env bash
# The emission-heavy word count (every (word, count) pair of a batch to an output) without a
# socket: the limit (SWAR, SSE2 and memchr splits, inline-key table) against dstream, in one run,
# variants alternated round by round; every variant prints the same digest when it did the
# same work. The batches are built from the generated lines inside the timing.
#
#   benches/e2e/emit.sh                      # 1 core: ms per 10 MB batch, × the SWAR limit
#   benches/e2e/emit.sh --scaling            # 1 and 2 partitions/threads: wall and CPU
#                                            # seconds, 2p/1p ratios, digests (ROUNDS=5); with
#                                            # limit-par, the limit with its tables kept and, on
#                                            # 2 threads, nothing after the split serial
#   benches/e2e/emit.sh --instructions       # callgrind instructions per word (IBATCHES=2)
#   benches/e2e/emit.sh --cache              # cachegrind D1 and L2 (simulated, 1 MiB) misses per word
#   benches/e2e/emit.sh --timeline           # a batch's phases (start, ms) on 1 partition, on 2, and
#                                            # on 2 run by one pool thread (RAYON_NUM_THREADS=1)
#   MB=0.65 BATCHES=300 benches/e2e/emit.sh  # small batches: 100,000 words (10 M words/s at B = 10 ms)
#   BUILD=lines benches/e2e/emit.sh          # dstream's batch built one push_line per line
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODE="${1:-}"
MB="${MB:-10}"; IBATCHES="${IBATCHES:-2}"; BUILD="${BUILD:-text}"
# --scaling: 30 batches, so that CPU time (read in 10 ms ticks) is exact to about 1 %.
BATCHES="${BATCHES:-$([[ "$MODE" == "--scaling" || "$MODE" == "--timeline" ]] && echo 30 || echo 10)}"
# BIN=path/to/wc-emit measures another build (say, main's copy) without building this one.
if [[ -z "${BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --release -q -p dstream-bench)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/wc-emit"
fi
echo "load: $(uptime)"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"

if [[ "$MODE" == "--instructions" ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  count() { valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$tmp/out" "$BIN" "$@" 2>&1 \
              | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  base=$(count --engine limit --mb "$MB" --batches 0)
  words=$("$BIN" --engine limit --mb "$MB" --batches "$IBATCHES" 2>/dev/null | sed -n 's/.* words=\([0-9]*\).*/\1/p')
  echo "| variant | partitions | instructions per word ($IBATCHES batches of $MB MB, generation subtracted) |"
  echo "|---|---:|---:|"
  for v in "limit-swar 1" "limit-sse2 1" "limit 1" "dstream 1" "dstream 2"; do
    set -- $v
    n=$(count --engine "$1" --partitions "$2" --mb "$MB" --batches "$IBATCHES" --build "$BUILD")
    echo "| $1 | $2 | $(( (n - base) / words )) |"
  done
  exit 0
fi

if [[ "$MODE" == "--timeline" ]]; then
  # The third run has the same work as the second without two threads at once: the map side's
  # cost of two half-batch tables, apart from two cores sharing the cache and memory.
  for v in "1 2" "2 2" "2 1"; do
    set -- $v
    echo; echo "dstream, $1 partition(s), $2 pool thread(s), $BATCHES batches of $MB MB:"
    RAYON_NUM_THREADS="$2" "$BIN" --engine dstream --partitions "$1" --mb "$MB" --batches "$BATCHES" \
      --build "$BUILD" --timeline 2>&1 >/dev/null | grep -v '^dstream:'
  done
  echo; echo "load: $(uptime)"
  exit 0
fi

if [[ "$MODE" == "--cache" ]]; then
  # This machine's L1d (48 KiB) and, as cachegrind's last level, one core's L2 (1 MiB): a miss
  # there goes to the shared L3 or memory, which is where the probes' stalls are.
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  misses() { valgrind --tool=cachegrind --cache-sim=yes --LL=1048576,16,64 --cachegrind-out-file="$tmp/out" "$BIN" "$@" 2>&1 \
               | sed -n 's/.*\(D1\|LLd\)  *misses: *\([0-9,]*\).*/\2/p' | tr -d , | paste -sd ' '; }
  read -r d1 l2 <<< "$(misses --engine limit --mb "$MB" --batches 0)"
  words=$("$BIN" --engine limit --mb "$MB" --batches "$IBATCHES" 2>/dev/null | sed -n 's/.* words=\([0-9]*\).*/\1/p')
  echo "| variant | partitions | D1 misses per word | L2 (1 MiB) misses per word ($IBATCHES batches of $MB MB, generation subtracted) |"
  echo "|---|---:|---:|---:|"
  for v in "limit-sse2 1" "limit-par 1" "limit-par 2" "dstream 1" "dstream 2"; do
    set -- $v
    read -r n1 n2 <<< "$(misses --engine "$1" --partitions "$2" --mb "$MB" --batches "$IBATCHES" --build "$BUILD")"
    awk -v v="$1" -v p="$2" -v a="$((n1 - d1))" -v b="$((n2 - l2))" -v w="$words" \
      'BEGIN { printf "| %s | %s | %.3f | %.3f |\n", v, p, a / w, b / w }'
  done
  exit 0
fi

if [[ "$MODE" == "--scaling" ]]; then
  variants=("limit-swar 1" "limit-sse2 1" "limit-sse2 2" "limit-par 1" "limit-par 2" "dstream 1" "dstream 2")
  ROUNDS="${ROUNDS:-5}"
else
  variants=("limit-swar 1" "limit-sse2 1" "limit 1" "dstream 1" "dstream $(nproc)")
  ROUNDS="${ROUNDS:-3}"
fi
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for r in $(seq 1 "$ROUNDS"); do
  for v in "${variants[@]}"; do
    set -- $v
    line=$("$BIN" --engine "$1" --partitions "$2" --mb "$MB" --batches "$BATCHES" --build "$BUILD" 2>/tmp/wc-emit.$$.err)
    echo "round $r: $(cat /tmp/wc-emit.$$.err)"
    echo "$line" >> "$results"
  done
done
rm -f /tmp/wc-emit.$$.err
echo "load: $(uptime)"
# Per variant: mean and best wall and CPU ms per batch over the rounds, and its digests.
awk -v batches="$BATCHES" -v mb="$MB" -v scaling="$MODE" '
  {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    v = f["engine"] " " f["partitions"]
    if (!(v in n)) order[++count] = v
    n[v]++; wall[v] += f["wall_ms"] / batches; cpu[v] += f["cpu_ms"] / batches
    w = f["wall_ms"] / batches; if (!(v in best) || w < best[v]) best[v] = w
    c = f["cpu_ms"] / batches; if (!(v in bestcpu) || c < bestcpu[v]) bestcpu[v] = c
    digests[v] = digests[v] (index(digests[v], f["digest"]) ? "" : " " f["digest"])
    all[f["digest"]] = 1
  }
  END {
    for (i = 1; i <= count; i++) { v = order[i]; wall[v] /= n[v]; cpu[v] /= n[v] }
    printf "\n| variant | partitions | wall ms per %s MB batch (mean / best) | CPU ms per batch (mean / best) | × the SWAR limit per CPU-second | × the SSE2 limit per CPU-second | digest |\n", mb
    print "|---|---:|---:|---:|---:|---:|---|"
    ref = cpu["limit-swar 1"]; sse = cpu["limit-sse2 1"]
    for (i = 1; i <= count; i++) {
      v = order[i]; split(v, p, " ")
      printf "| %s | %s | %.2f / %.2f | %.2f / %.2f | %.2fx | %.2fx |%s |\n", p[1], p[2], wall[v], best[v], cpu[v], bestcpu[v], ref / cpu[v], sse / cpu[v], digests[v]
    }
    d = 0; for (k in all) d++
    print (d == 1 ? "\nall variants printed the same digest" : "\nDIGESTS DIFFER: the variants did not do the same work")
    if (scaling == "--scaling") {
      printf "\n| ratio | mean | best |\n|---|---:|---:|\n"
      printf "| dstream fused 1p per CPU-second, × the SWAR limit | %.2fx | %.2fx |\n", ref / cpu["dstream 1"], bestcpu["limit-swar 1"] / bestcpu["dstream 1"]
      printf "| dstream fused 1p per CPU-second, × the SSE2 limit | %.2fx | %.2fx |\n", sse / cpu["dstream 1"], bestcpu["limit-sse2 1"] / bestcpu["dstream 1"]
      printf "| dstream 2p wall, × 1p (speed-up; target >= 1.7) | %.2fx | %.2fx |\n", wall["dstream 1"] / wall["dstream 2"], best["dstream 1"] / best["dstream 2"]
      printf "| dstream 2p CPU / 1p CPU (work inflation) | %.2fx | %.2fx |\n", cpu["dstream 2"] / cpu["dstream 1"], bestcpu["dstream 2"] / bestcpu["dstream 1"]
      printf "| SSE2 limit 2 threads wall, × 1 thread | %.2fx | %.2fx |\n", wall["limit-sse2 1"] / wall["limit-sse2 2"], best["limit-sse2 1"] / best["limit-sse2 2"]
      printf "| SSE2 limit 2 threads CPU / 1 thread CPU | %.2fx | %.2fx |\n", cpu["limit-sse2 2"] / cpu["limit-sse2 1"], bestcpu["limit-sse2 2"] / bestcpu["limit-sse2 1"]
      printf "| dstream 2p wall, × the SSE2 limit on 2 threads | %.2fx | %.2fx |\n", wall["limit-sse2 2"] / wall["dstream 2"], best["limit-sse2 2"] / best["dstream 2"]
      printf "| partitioned limit 2 threads wall, × 1 thread (nothing after the split serial) | %.2fx | %.2fx |\n", wall["limit-par 1"] / wall["limit-par 2"], best["limit-par 1"] / best["limit-par 2"]
      printf "| partitioned limit 2 threads CPU / 1 thread CPU | %.2fx | %.2fx |\n", cpu["limit-par 2"] / cpu["limit-par 1"], bestcpu["limit-par 2"] / bestcpu["limit-par 1"]
      printf "| dstream 2p wall, × the partitioned limit on 2 threads | %.2fx | %.2fx |\n", wall["limit-par 2"] / wall["dstream 2"], best["limit-par 2"] / best["dstream 2"]
    }
  }' "$results"
