#!/usr/bin/env bash
# Compile time of the word count: `stream!` (examples/wordcount.rs) against the same pipeline
# written by hand with iterators and rayon (examples/wordcount_handwritten.rs). Dependencies
# are built first; then each example is touched and rebuilt in release mode, RUNS times, and
# the median wall time is reported, with the ratio.
#
#     bash benches/compile_time.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"
cargo build --release --example wordcount --example wordcount_handwritten >/dev/null 2>&1

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

measure() {
    local example="$1"
    for _ in $(seq "$runs"); do
        touch "examples/${example}.rs"
        local start end
        start=$(date +%s.%N)
        cargo build --release --example "$example" >/dev/null 2>&1
        end=$(date +%s.%N)
        echo "$end - $start" | bc
    done | median
}

dsl=$(measure wordcount)
hand=$(measure wordcount_handwritten)
echo "release build of examples/wordcount.rs (stream!):            ${dsl} s"
echo "release build of examples/wordcount_handwritten.rs (by hand): ${hand} s"
echo "ratio: $(echo "scale=2; $dsl / $hand" | bc)"
