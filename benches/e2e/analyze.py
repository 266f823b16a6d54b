#!/usr/bin/env python3
"""Reads the runs of benches/e2e/run.sh and writes one table.

Each run directory holds `meta.json` ({"engine", "batch_ms"}), the generator's report
`loadgen.json` and the engine's `batches.jsonl` and `markers.json` (the Spark peer's
format: dstream, the limit and Spark's Scala job all write it).

Per step of the rate schedule, after a warm-up: the rate offered and sent, words processed
per second, processing time (median, p90), end-to-end marker latency (median, p90) and
whether the engine kept up. Sustainable, as in ../shared/spark-peer/bench/common.py:
processing p90 < B, scheduling delay < 2 B, processed >= 90% of what was sent; and here
also: the generator sent >= 90% of the offered rate (it blocks when the receiver does not
read, so a shortfall means the engine held it back).

usage: analyze.py RUN_DIR... > table.md
"""
import json
import os
import sys


def pct(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def load(run):
    with open(os.path.join(run, "meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(run, "loadgen.json")) as f:
        lg = json.load(f)
    batches, markers = [], []
    p = os.path.join(run, "batches.jsonl")
    if os.path.exists(p):
        with open(p) as f:
            batches = [json.loads(x) for x in f if x.strip()]
    p = os.path.join(run, "markers.json")
    if os.path.exists(p):
        with open(p) as f:
            markers = json.load(f)
    return meta, lg, batches, markers


def steps(meta, lg, batches, markers):
    b_ms = meta["batch_ms"]
    out = []
    for st in lg["steps"]:
        if st["rate"] == 0:
            continue
        warm = min(5.0, st["planned_s"] / 3) * 1000
        a, b = st["start"] * 1000 + warm, st["end"] * 1000
        bs = [x for x in batches if a <= x["t_ms"] - b_ms and x["t_ms"] <= b]
        lat = [seen - sent for sent, seen in markers if a <= sent <= b]
        words = sum(x["words"] for x in bs)
        proc = [x["proc_ms"] for x in bs]
        sched = [x["sched_ms"] for x in bs if x.get("sched_ms", -1) >= 0]
        sent = st["achieved_words_per_s"]
        offered = None if st["rate"] == "max" else st["rate"]
        processed = words / (len(bs) * b_ms / 1000) if bs else 0
        ok = bool(bs) and pct(proc, 0.9) < b_ms and (not sched or max(sched) < 2 * b_ms) \
            and processed >= 0.9 * sent and (offered is None or sent >= 0.9 * offered)
        out.append({"offered": offered, "sent": sent, "processed": processed, "batches": len(bs),
                    "proc_p50": pct(proc, 0.5), "proc_p90": pct(proc, 0.9),
                    "sched_max": max(sched) if sched else None,
                    "e2e_p50": pct(lat, 0.5), "e2e_p90": pct(lat, 0.9), "markers": len(lat),
                    "sustainable": ok})
    return out


def mw(x):
    return "max" if x is None else (f"{x / 1e6:.1f} M" if x >= 1e5 else f"{x / 1e3:.0f} k")


def ms(x):
    return "—" if x is None else (f"{x:,.0f}" if x >= 10 else f"{x:.1f}")


def interval(b_ms):
    return f"{b_ms // 1000} s" if b_ms >= 1000 else f"{b_ms} ms"


def main():
    runs = [load(r) + (r,) for r in sys.argv[1:]]
    results = []
    for meta, lg, batches, markers, run in runs:
        results.append((meta, steps(meta, lg, batches, markers), run))
    print("## Highest sustainable rate\n")
    print("| engine | B | highest sustainable (words/s) | processing p90 ms | e2e median ms | e2e p90 ms | first rate not sustained |")
    print("|---|---|---:|---:|---:|---:|---|")
    for meta, st, run in results:
        good = [s for s in st if s["sustainable"]]
        best = max(good, key=lambda s: s["sent"]) if good else None
        bad = [s for s in st if not s["sustainable"] and (best is None or s["sent"] > best["sent"] or s["offered"] is None)]
        first_bad = mw(bad[0]["offered"]) if bad else "none offered"
        if best:
            print(f"| {meta['engine']} | {interval(meta['batch_ms'])} | {mw(best['offered'] or best['sent'])} "
                  f"| {ms(best['proc_p90'])} | {ms(best['e2e_p50'])} | {ms(best['e2e_p90'])} | {first_bad} |")
        else:
            print(f"| {meta['engine']} | {interval(meta['batch_ms'])} | none of the rates offered | — | — | — | {first_bad} |")
    print("\n## Every step\n")
    print("| engine | B | offered | sent | processed | proc p50 / p90 ms | max sched ms | e2e median / p90 ms (markers) | sustainable |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for meta, st, run in results:
        for s in st:
            print(f"| {meta['engine']} | {interval(meta['batch_ms'])} | {mw(s['offered'])} | {mw(s['sent'])} "
                  f"| {mw(s['processed'])} | {ms(s['proc_p50'])} / {ms(s['proc_p90'])} | {ms(s['sched_max'])} "
                  f"| {ms(s['e2e_p50'])} / {ms(s['e2e_p90'])} ({s['markers']}) | {'yes' if s['sustainable'] else 'no'} |")


if __name__ == "__main__":
    main()
