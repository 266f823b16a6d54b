#!/usr/bin/env python3
"""Where did a slow batch's time go? Matches each slow batch of an end-to-end run
(batches.jsonl) with the kernel's view sampled meanwhile (probe.jsonl, written by sysprobe when
run.sh is started with PROBE=ms), and prints, per slow batch, the CPU time each thread group got
during its processing, the machine's CPU time left to others, steal, interrupts, pressure stalls,
compaction and page faults; then the same figures for the run's typical batch.

    benches/e2e/stalls.py target/e2e/<time>/dstream-10ms [--min-ms 20]

A batch is slow when its processing took --min-ms or more (default: 2 B).
"""
import bisect
import json
import os
import statistics
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def group(name):
    """Thread names, folded into the groups the table shows."""
    if name.startswith("rayon") or name.startswith("dstream-part") or name.startswith("dstream-pool"):
        return "pool"
    return name


def window(samples, times, start, end):
    """The samples just before start and just after end."""
    i = max(0, bisect.bisect_right(times, start) - 1)
    j = min(len(samples) - 1, bisect.bisect_left(times, end))
    return samples[i], samples[j]


def delta(a, b, engine_pid):
    ms = b["t"] - a["t"]
    ticks = lambda s, k: sum(c[k] for c in s["cpu"])  # noqa: E731
    busy_a = sum(sum(c[i] for i in (0, 1, 4, 5)) for c in a["cpu"])
    busy_b = sum(sum(c[i] for i in (0, 1, 4, 5)) for c in b["cpu"])
    threads = {}
    before = {(t[0], t[1]): t for t in a["th"]}
    ours = 0.0
    for t in b["th"]:
        old = before.get((t[0], t[1]))
        run = t[3] - (old[3] if old else 0.0)
        key = ("" if t[0] == engine_pid else "loadgen:") + group(t[2])
        d = threads.setdefault(key, [0.0, 0, 0])
        d[0] += run
        d[1] += t[4] - (old[4] if old else 0)
        d[2] += t[5] - (old[5] if old else 0)
        ours += run
    return {
        "ms": ms,
        "busy": (busy_b - busy_a) * 10.0,  # ticks of 10 ms
        "others": (busy_b - busy_a) * 10.0 - ours,
        "steal": (ticks(b, 6) - ticks(a, 6)) * 10.0,
        "irq": (ticks(b, 4) + ticks(b, 5) - ticks(a, 4) - ticks(a, 5)) * 10.0,
        "psi_cpu": (b["psi"][0] - a["psi"][0]) / 1e3,
        "psi_mem": (b["psi"][1] - a["psi"][1]) / 1e3,
        "compact": b["vm"][0] - a["vm"][0],
        "allocstall": b["vm"][1] - a["vm"][1],
        "majflt": b["vm"][2] - a["vm"][2],
        "threads": threads,
    }


def show(label, batch, d):
    th = " ".join(
        f"{k} {v[0]:.1f}ms/{v[1]}inv/{v[2]}flt" for k, v in sorted(d["threads"].items()) if v[0] >= 0.05 or v[2]
    )
    print(
        f"{label}: proc {batch['proc_ms']} ms (sched {batch['sched_ms']}), {batch['words']} words; "
        f"probe window {d['ms']:.1f} ms: busy {d['busy']:.0f} ms (others {d['others']:.0f}), "
        f"steal {d['steal']:.0f}, irq {d['irq']:.0f}, psi cpu {d['psi_cpu']:.1f} mem {d['psi_mem']:.1f} ms, "
        f"compact {d['compact']} allocstall {d['allocstall']} majflt {d['majflt']}\n    {th}"
    )


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    run = args[0]
    meta = json.load(open(os.path.join(run, "meta.json")))
    min_ms = float(args[args.index("--min-ms") + 1]) if "--min-ms" in args else 2 * meta["batch_ms"]
    batches = load(os.path.join(run, "batches.jsonl"))
    samples = load(os.path.join(run, "probe.jsonl"))
    times = [s["t"] for s in samples]
    engine_pid = samples[0]["th"][0][0] if samples and samples[0]["th"] else None
    # The engine is the first pid given to sysprobe; its threads come first in each sample.
    slow = [b for b in batches if b["proc_ms"] >= min_ms and times and times[0] <= b["t_ms"] <= times[-1]]
    print(f"{run}: {len(batches)} batches, {len(slow)} with processing >= {min_ms:g} ms")
    for b in slow:
        start = b["t_ms"] + b["sched_ms"]
        a, z = window(samples, times, start, start + b["proc_ms"])
        show(f"t={b['t_ms']}", b, delta(a, z, engine_pid))
    typical = [b for b in batches if b["words"] and times and times[0] <= b["t_ms"] <= times[-1]]
    if typical:
        med = statistics.median(b["proc_ms"] for b in typical)
        print(f"median processing {med} ms over {len(typical)} batches with words")


if __name__ == "__main__":
    main()
