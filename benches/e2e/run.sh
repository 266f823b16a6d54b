#!/usr/bin/env bash
# End-to-end socket word count, side by side in one run: the hand-written limit (wc-limit),
# dstream (wc-dstream) and real Spark (Scala DStream, ../shared/spark-peer), each fed by the
# same Rust load generator (loadgen) on 127.0.0.1, at B = 1 s, 100 ms and 10 ms, with a
# rising rate schedule per run; writes one table (benches/e2e/analyze.py).
#
#   benches/e2e/run.sh                 # everything: about 17 minutes
#   benches/e2e/run.sh --quick         # shorter steps, fewer rates: about 10 minutes
#   ENGINES="limit dstream" INTERVALS="1000 10" benches/e2e/run.sh --quick
#   PROBE=5 INTERVALS=10 benches/e2e/run.sh   # also sample the kernel's view every 5 ms
#                                             # (sysprobe; benches/e2e/stalls.py reads it)
#
# Spark: set SPARK_PEER to a set-up copy of ../shared/spark-peer (its README: venv with
# pyspark, scala/build.sh); without one, Spark is skipped ("SKIPPED" in the output).
# Results: target/e2e/<UTC time>/{RUN,...}/ and table.md (with uptime before and after).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
# dstream: on all cores (its default); dstream-p1: on one partition; dstream-whole: on all
# cores without pieces (its first stage at the cut, on the whole batch).
ENGINES="${ENGINES:-limit dstream dstream-p1 spark}"
INTERVALS="${INTERVALS:-1000 100 10}"
SPARK_PEER="${SPARK_PEER:-${TMPDIR:-/tmp}/spark-peer}"
OUT="${OUT:-$ROOT/target/e2e/$(date -u +%Y%m%d-%H%M%S)}"
if (( QUICK )); then STEP=6; PAUSE=3; else STEP=9; PAUSE=3; fi
mkdir -p "$OUT"

# Rates (words/s) per engine and interval: a ladder from well below to above each engine's
# ceiling on a 2-core machine; every step is followed by a pause that drains a backlog.
rates() {
  local engine=$1 b=$2
  case "$engine:$b:$QUICK" in
    spark:1000:0) echo "1M 2M 3M 4M 6M" ;;
    spark:1000:1) echo "2M 4M 6M" ;;
    spark:100:0) echo "250k 500k 1M 2M" ;;
    spark:100:1) echo "500k 1M 2M" ;;
    spark:10:*) echo "50k 200k 500k" ;;
    *:1000:0) echo "10M 20M 40M 60M 80M 100M max" ;;
    *:1000:1) echo "20M 30M 40M 50M 60M max" ;;
    *:100:0) echo "5M 10M 20M 40M 60M 80M max" ;;
    *:100:1) echo "10M 40M max" ;;
    *:10:0) echo "2M 5M 10M 20M 40M 60M 80M" ;;
    *:10:1) echo "5M 20M 60M" ;;
  esac
}

schedule() {
  local s="" r
  for r in $(rates "$1" "$2"); do s="$s${s:+,}$r:$STEP,0:$PAUSE"; done
  echo "$s"
}

seconds_of() { echo "$1" | tr ',' '\n' | awk -F: '{ s += $2 } END { print s }'; }

echo "building the tools (release)…"
(cd "$ROOT" && cargo build --release -q -p dstream-bench)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"

SPARK_HOME=""
if [[ " $ENGINES " == *" spark "* ]]; then
  SPARK_HOME="$(ls -d "$SPARK_PEER"/.venv/lib/python3*/site-packages/pyspark 2>/dev/null | head -1 || true)"
  if [[ -z "$SPARK_HOME" || ! -f "$SPARK_PEER/scala/build/sparkpeer.jar" ]]; then
    msg="SKIPPED spark: no set-up peer at $SPARK_PEER (see ../shared/spark-peer/README.md; SPARK_PEER=DIR)"
    if [[ "${CI:-}" == "true" ]]; then echo "$msg" >&2; exit 1; fi
    echo "$msg"
    ENGINES="${ENGINES//spark/}"
  fi
fi

{ echo "# End-to-end socket word count, $(date -u '+%Y-%m-%d %H:%M UTC')"; echo;
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo '+changes').";
  echo "Steps of ${STEP} s (the first $(( STEP / 3 < 5 ? STEP / 3 : 5 )) s of each left out), ${PAUSE} s pauses; markers every 100 ms at random phases.";
  echo; echo "Load before: \`$(uptime)\`"; echo; } > "$OUT/table.md"

port=19400
runs=()
for b in $INTERVALS; do
  for engine in $ENGINES; do
    port=$((port + 1))
    run="$OUT/$engine-${b}ms"
    mkdir -p "$run"
    sched="$(schedule "$engine" "$b")"
    total="$(seconds_of "$sched")"
    echo "{\"engine\": \"$engine\", \"batch_ms\": $b}" > "$run/meta.json"
    echo "== $engine, B = $b ms: $sched ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
    "$BIN/loadgen" --port "$port" --schedule "$sched" --marker-ms 100 --linger 2 --accept-timeout 120 \
      --report "$run/loadgen.json" 2> "$run/loadgen.log" &
    lg=$!
    until grep -q listening "$run/loadgen.log" 2>/dev/null; do
      kill -0 "$lg" 2>/dev/null || { echo "loadgen failed: $run/loadgen.log" >&2; exit 1; }
      sleep 0.2
    done
    limit=$(( ${total%.*} + 120 ))
    case "$engine" in
      limit) "$BIN/wc-limit" --port "$port" --batch-ms "$b" --out "$run" --seconds "$limit" --max-buffered-mb 2048 2> "$run/engine.log" & ;;
      dstream|dstream-p1|dstream-whole)
        partitions=$([[ $engine == dstream-p1 ]] && echo 1 || nproc)
        piece_kb=$([[ $engine == dstream-whole ]] && echo 0 || echo "${PIECE_KB:-8192}")
        "$BIN/wc-dstream" --port "$port" --batch-ms "$b" --out "$run" --seconds "$limit" \
          --partitions "$partitions" --max-buffered-mb 2048 --piece-kb "$piece_kb" 2> "$run/engine.log" & ;;
      spark) SPARK_HOME="$SPARK_HOME" SPARK_LOCAL_IP=127.0.0.1 "$SPARK_HOME/bin/spark-submit" --master 'local[2]' \
               --driver-memory "${SPARK_DRIVER_MEMORY:-2g}" --class sparkpeer.BenchDStream \
               "$SPARK_PEER/scala/build/sparkpeer.jar" "$port" "$b" "$run" "$limit" 'local[2]' > "$run/engine.log" 2>&1 & ;;
    esac
    eng=$!
    if [[ -n "${PROBE:-}" ]]; then "$BIN/sysprobe" --pids "$eng,$lg" --out "$run/probe.jsonl" --every-ms "$PROBE" & fi
    wait "$lg" || echo "loadgen exited with an error: $run/loadgen.log" >&2
    sleep 2
    touch "$run/STOP"
    for _ in $(seq 1 300); do kill -0 "$eng" 2>/dev/null || break; sleep 0.2; done
    kill "$eng" 2>/dev/null || true
    wait "$eng" 2>/dev/null || true
    runs+=("$run")
  done
done

echo "Load after: \`$(uptime)\`" >> "$OUT/table.md"; echo >> "$OUT/table.md"
python3 "$ROOT/benches/e2e/analyze.py" "${runs[@]}" >> "$OUT/table.md"
cat "$OUT/table.md"
echo "(written to $OUT/table.md)"
