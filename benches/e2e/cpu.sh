#!/usr/bin/env bash
# CPU per word, per thread, of one engine fed a fixed rate: a figure that moves much less
# with the machine's load than wall-clock processing times do. Runs loadgen at RATE for
# SECONDS and the engine (limit, dstream, dstream-p1) at B = BATCH_MS, samples every
# thread's CPU time and minor page faults (/proc/PID/task/*/stat) over the middle of the
# step, and prints them with the words the engine processed meanwhile. dstream-whole is
# dstream without pieces (its first stage at the cut).
#
#   benches/e2e/cpu.sh dstream 20M            # B = 1 s, 12 s step
#   BIN=/tmp/old BATCH_MS=100 benches/e2e/cpu.sh limit 40M 12
#   PERF=1 benches/e2e/cpu.sh dstream 40M     # also perf record -e cpu-clock -g (perf.data)
#
# BIN: a directory with loadgen, wc-limit and wc-dstream (default: the release build,
# made first). Output under target/e2e-cpu/<engine>-<rate>/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ENGINE=${1:?usage: cpu.sh ENGINE RATE [SECONDS]}
RATE=${2:?usage: cpu.sh ENGINE RATE [SECONDS]}
SECONDS_STEP=${3:-12}
B=${BATCH_MS:-1000}
if [[ -z "${BIN:-}" ]]; then
  (cd "$ROOT" && cargo build --release -q -p dstream-bench)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
fi
OUT="${CARGO_TARGET_DIR:-$ROOT/target}/e2e-cpu/$ENGINE-$RATE"
rm -rf "$OUT"; mkdir -p "$OUT"
PORT=$((19600 + RANDOM % 200))
"$BIN/loadgen" --port "$PORT" --schedule "$RATE:$SECONDS_STEP" --marker-ms 100 --linger 2 \
  --accept-timeout 60 --report "$OUT/loadgen.json" 2> "$OUT/loadgen.log" &
LG=$!
until grep -q listening "$OUT/loadgen.log" 2>/dev/null; do sleep 0.1; done
case "$ENGINE" in
  limit) "$BIN/wc-limit" --port "$PORT" --batch-ms "$B" --out "$OUT" --seconds $((SECONDS_STEP + 30)) \
           --max-buffered-mb 2048 2> "$OUT/engine.log" & ;;
  dstream|dstream-p1|dstream-whole)
    parts=$([[ $ENGINE == dstream-p1 ]] && echo 1 || nproc)
    piece_kb=$([[ $ENGINE == dstream-whole ]] && echo 0 || echo 8192)
    "$BIN/wc-dstream" --port "$PORT" --batch-ms "$B" --out "$OUT" --seconds $((SECONDS_STEP + 30)) \
      --partitions "$parts" --max-buffered-mb 2048 --piece-kb "$piece_kb" 2> "$OUT/engine.log" & ;;
  *) echo "unknown engine $ENGINE" >&2; kill "$LG"; exit 2 ;;
esac
EN=$!
# Every thread: "tid_name cpu_ticks minor_faults", and the whole process (which includes
# threads that came and went between the two samples, like the limit's counting thread).
threads() {
  echo "process $(awk '{print $14 + $15, $10}' "/proc/$EN/stat")"
  for t in /proc/"$EN"/task/*; do
    echo "$(basename "$t")_$(tr ' ' _ < "$t/comm") $(awk '{print $14 + $15, $10}' "$t/stat")"; done 2>/dev/null; }
WINDOW=$((SECONDS_STEP / 2))
sleep $(( (SECONDS_STEP - WINDOW) / 2 + 1 ))
threads | sort > "$OUT/threads0"; T0=$(date +%s%N)
if [[ -n "${PERF:-}" ]]; then
  perf record -e cpu-clock -F 999 -g -p "$EN" -o "$OUT/perf.data" -- sleep "$WINDOW" > /dev/null 2>&1
else
  sleep "$WINDOW"
fi
threads | sort > "$OUT/threads1"; T1=$(date +%s%N)
wait "$LG" || true
sleep 2; touch "$OUT/STOP"; wait "$EN" || true
echo "$ENGINE at $RATE words/s, B = $B ms ($(cut -d' ' -f1-3 /proc/loadavg) load)"
python3 - "$OUT" "$T0" "$T1" "$B" <<'PY'
import json, os, sys
out, t0, t1, b = sys.argv[1], int(sys.argv[2]) / 1e9, int(sys.argv[3]) / 1e9, int(sys.argv[4])
hz = os.sysconf("SC_CLK_TCK")
def read(p):
    rows = [l.split() for l in open(p)]
    return {r[0]: (int(r[1]), int(r[2])) for r in rows if len(r) == 3}
a, z = read(out + "/threads0"), read(out + "/threads1")
dt = t1 - t0
batches = [json.loads(l) for l in open(out + "/batches.jsonl") if l.strip()]
# The rate taken in: the words of the batches whose interval lies in the window.
inside = [x for x in batches if t0 * 1000 <= x["t_ms"] - b and x["t_ms"] <= t1 * 1000]
words = sum(x["words"] + x.get("markers", 0) for x in inside)
per_s = words / (len(inside) * b / 1000) if inside else 0
def rates(k):
    return (z[k][0] - a[k][0]) / hz / dt, (z[k][1] - a[k][1]) / dt
for k in sorted(z):
    if k in a and k != "process":
        cpu, f = rates(k)
        if cpu > 0.005 or f > 100:
            print(f"  {k:28} {cpu * 100:5.1f} % of a core {f:9.0f} page faults/s")
total, faults = rates("process")
ns = total / per_s * 1e9 if per_s else float("nan")
print(f"  the process {total * 100:5.1f} % of a core, {faults:,.0f} page faults/s, "
      f"{per_s / 1e6:.1f} M words/s processed in the window: {ns:.1f} ns of CPU per word")
PY
