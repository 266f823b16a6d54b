#!/usr/bin/env python3
"""Prints the results of the last `cargo bench` run as Markdown tables, with the ratios the
issue asks for: reads criterion's `target/criterion/**/new/{benchmark,estimates}.json` and the
`*.dstream.txt` files the benches write beside them (record counts, allocations, paced batch
overhead).

    cargo bench --bench wordcount --bench orders --bench batch_overhead --bench windows --bench join --bench fusion
    cargo bench --bench windows --bench join --bench fusion
    python3 benches/summarize.py            # or: python3 benches/summarize.py path/to/criterion

Only the benches that have results are shown. All ratios are of throughputs within one run
(higher is faster): "a / b" = time of b / time of a.
"""

import json
import os
import sys


def criterion_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    return os.path.join(target, "criterion")


def load_results(root):
    """{(group, id within group): (mean ns, [low, high] ns, throughput bytes or None)}; the
    throughput in elements, for the benches that report it, in `ELEMENTS`."""
    results = {}
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        mean = est["mean"]
        ci = mean["confidence_interval"]
        group = bench["group_id"]
        name = bench["full_id"][len(group) + 1 :]
        thr = (bench.get("throughput") or {}).get("Bytes")
        results[(group, name)] = (mean["point_estimate"], (ci["lower_bound"], ci["upper_bound"]), thr)
        elements = (bench.get("throughput") or {}).get("Elements")
        if elements:
            ELEMENTS[(group, name)] = elements
    return results


ELEMENTS = {}


def load_meta(root, name):
    meta = {}
    try:
        with open(os.path.join(root, f"{name}.dstream.txt")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = v
    except OSError:
        pass
    return meta


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.1f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def throughput_table(results, group, meta, extra_unit):
    rows = {name: r for (g, name), r in results.items() if g == group}
    if not rows:
        return None, {}
    lines_n = int(meta.get("lines", 0))
    records = int(meta.get("records", 0))
    unit = meta.get("record_unit", "records")
    out = [
        f"| {group} variant | time / pass (mean, 95% CI) | MB/s (MiB) | M lines/s | M {unit}/s |",
        "|---|---|---|---|---|",
    ]
    speed = {}
    for name in sorted(rows, key=lambda n: rows[n][0]):
        ns, (lo, hi), thr = rows[name]
        secs = ns / 1e9
        speed[name] = 1 / secs
        mbs = thr / secs / 1048576 if thr else float("nan")
        out.append(
            f"| `{name}` | {fmt_time(ns)} [{fmt_time(lo)}, {fmt_time(hi)}] | {mbs:.0f} | "
            f"{lines_n / secs / 1e6:.2f} | {records / secs / 1e6:.2f} |"
        )
    return "\n".join(out), speed


def ratio(speed, a, b):
    if a in speed and b in speed:
        return speed[a] / speed[b]
    return None


def largest_p(speed, prefix):
    """The `prefix/pN` variant with the largest N, or None."""
    return max(
        (n for n in speed if n.startswith(prefix + "/p")), key=lambda n: int(n.split("/p")[1]), default=None
    )


def per_iteration_table(results, group, meta):
    """The benches whose iteration is one batch (windows, join, fusion): time per batch,
    records per second and, when the meta gives the batch's bytes, MiB/s."""
    rows = {name: r for (g, name), r in results.items() if g == group}
    if not rows:
        return None, {}
    unit = meta.get("record_unit", "records")
    has_bytes = "bytes" in meta
    head = f"| {group} variant | time / batch (mean, 95% CI) | M {unit}/s |" + (" MiB/s |" if has_bytes else "")
    out = [head, "|---|---|---|" + ("---|" if has_bytes else "")]
    speed = {}
    for name in sorted(rows, key=lambda n: rows[n][0]):
        ns, (lo, hi), _ = rows[name]
        secs = ns / 1e9
        speed[name] = 1 / secs
        records = ELEMENTS.get((group, name)) or float(meta.get("records", "nan"))
        line = f"| `{name}` | {fmt_time(ns)} [{fmt_time(lo)}, {fmt_time(hi)}] | {records / secs / 1e6:.2f} |"
        if has_bytes:
            line += f" {float(meta['bytes']) / secs / 1048576:.1f} |"
        out.append(line)
    return "\n".join(out), speed


def print_ratios(title, ratios):
    ratios = [(label, r) for label, r in ratios if r is not None]
    if not ratios:
        return
    print(f"| {title}: ratio (throughput) | value |\n|---|---|")
    for label, r in ratios:
        print(f"| {label} | {r:.2f}x |")
    print()


def pn_ratio(speed, prefix, label):
    """`label pN / label p1` for the largest N, if there is more than one partition count."""
    pn = largest_p(speed, prefix)
    if pn and pn != prefix + "/p1":
        return (f"{label} {pn.split('/')[1]} / {label} p1", ratio(speed, pn, prefix + "/p1"))
    return (f"{label} pN / {label} p1", None)


def summarize_windows(results, root):
    meta = load_meta(root, "windows")
    table, sp = per_iteration_table(results, "windows", meta)
    if not table:
        return
    if meta:
        print(
            f"Windowed word count: a window of {meta.get('window_batches', '?')} batches sliding every batch; "
            f"batches of {float(meta['bytes']) / 1024:.0f} KiB, {meta['lines']} lines, {meta['records']} words "
            f"({meta.get('distinct_per_batch', '?')} distinct); {meta.get('distinct_in_window', '?')} distinct "
            "words in a full window.\n"
        )
    print(table + "\n")
    print_ratios(
        "windows",
        [
            ("incremental p1 / naive p1", ratio(sp, "dstream_incremental/p1", "dstream_naive/p1")),
            ("incremental p1 / unfused p1", ratio(sp, "dstream_incremental/p1", "dstream_unfused/p1")),
            pn_ratio(sp, "dstream_incremental", "incremental"),
            pn_ratio(sp, "dstream_naive", "naive"),
            ("incremental p1 / hand-written ring", ratio(sp, "dstream_incremental/p1", "hand_written_ring")),
            ("naive p1 / hand-written ring", ratio(sp, "dstream_naive/p1", "hand_written_ring")),
            ("incremental p1 / iterator chain", ratio(sp, "dstream_incremental/p1", "iterator_chain")),
            ("iterator chain / hand-written ring", ratio(sp, "iterator_chain", "hand_written_ring")),
        ],
    )


def summarize_join(results, root):
    meta = load_meta(root, "join")
    table, sp = per_iteration_table(results, "join", meta)
    if not table:
        return
    if meta:
        print(
            f"Join: batches of {meta['orders']} orders and {meta['payments']} payments "
            f"({int(meta['bytes']) / 1048576:.1f} MiB of records), {meta['pairs']} joined pairs.\n"
        )
    print(table + "\n")
    print_ratios(
        "join",
        [
            ("fused p1 / unfused p1", ratio(sp, "dstream_fused/p1", "dstream_unfused/p1")),
            pn_ratio(sp, "dstream_fused", "fused"),
            ("fused p1 / hand-written hash join", ratio(sp, "dstream_fused/p1", "hash_join_loop")),
            ("fused p1 / iterator chain", ratio(sp, "dstream_fused/p1", "iterator_chain")),
            ("iterator chain / hand-written hash join", ratio(sp, "iterator_chain", "hash_join_loop")),
        ],
    )


def summarize_fusion(results, root):
    meta = load_meta(root, "fusion")
    table, sp = per_iteration_table(results, "fusion", meta)
    if not table:
        return
    if meta:
        print(
            f"Fusion: batches of {meta['records']} owned orders ({meta.get('record_bytes', '?')} bytes each "
            f"and a String), 7 narrow operators, {meta.get('reduced', '?')} records reach the reduce.\n"
        )
    print(table + "\n")
    unfused = ratio(sp, "dstream_unfused/p1", "dstream_fused/p1")
    print_ratios(
        "fusion",
        [
            ("fused p1 / unfused p1", ratio(sp, "dstream_fused/p1", "dstream_unfused/p1")),
            ("unfused p1 / fused p1", unfused),
            pn_ratio(sp, "dstream_fused", "fused"),
            ("fused p1 / hand-written loop", ratio(sp, "dstream_fused/p1", "hand_written_loop")),
            ("fused p1 / iterator chain", ratio(sp, "dstream_fused/p1", "iterator_chain")),
            ("iterator chain / hand-written loop", ratio(sp, "iterator_chain", "hand_written_loop")),
        ],
    )


def main():
    root = criterion_dir()
    results = load_results(root)
    if not results:
        sys.exit(f"no criterion results under {root}: run `cargo bench` first")

    wc_meta = load_meta(root, "wordcount")
    if wc_meta:
        print(
            f"Word-count corpus: {int(wc_meta['bytes']) / 1048576:.1f} MiB, {wc_meta['lines']} lines, "
            f"{wc_meta['records']} words, {wc_meta.get('distinct', '?')} distinct.\n"
        )
    table, wc = throughput_table(results, "wordcount", wc_meta, "words")
    if table:
        print(table + "\n")
    pn = max((n for n in wc if n.startswith("dstream_fused/p")), key=lambda n: int(n.split("/p")[1]), default=None)
    ratios = [
        ("fused p1 / hand-written limit (target >= 0.8)", ratio(wc, "dstream_fused/p1", "hand_written_limit")),
        ("fused p1 / FxHashMap loop", ratio(wc, "dstream_fused/p1", "fx_hashmap_loop")),
        ("fused p1 / iterator chain", ratio(wc, "dstream_fused/p1", "iterator_chain")),
        ("unfused p1 / fused p1", ratio(wc, "dstream_unfused/p1", "dstream_fused/p1")),
        ("hand-written limit / FxHashMap loop", ratio(wc, "hand_written_limit", "fx_hashmap_loop")),
    ]
    if pn and pn != "dstream_fused/p1":
        ratios.append((f"fused {pn.split('/')[1]} / fused p1 (target >= 1.7)", ratio(wc, pn, "dstream_fused/p1")))

    or_meta = load_meta(root, "orders")
    if or_meta:
        print(
            f"Orders corpus: {int(or_meta['bytes']) / 1048576:.1f} MiB, {or_meta['lines']} lines, "
            f"{or_meta['records']} valid events.\n"
        )
    table, od = throughput_table(results, "orders", or_meta, "events")
    if table:
        print(table + "\n")
    ratios += [
        (
            "orders: fused p1, limit's parser / hand-written limit (target >= 0.8)",
            ratio(od, "dstream_fused_schema/p1", "hand_written_limit"),
        ),
        ("orders: fused p1, idiomatic parser / hand-written limit", ratio(od, "dstream_fused/p1", "hand_written_limit")),
        ("orders: fused p1 / parse_event array loop", ratio(od, "dstream_fused/p1", "parse_event_array_loop")),
        ("orders: fused p1 / FxHashMap loop", ratio(od, "dstream_fused/p1", "fx_hashmap_loop")),
        ("orders: unfused p1 / fused p1", ratio(od, "dstream_unfused/p1", "dstream_fused/p1")),
    ]
    opn = max((n for n in od if n.startswith("dstream_fused/p")), key=lambda n: int(n.split("/p")[1]), default=None)
    if opn and opn != "dstream_fused/p1":
        ratios.append((f"orders: fused {opn.split('/')[1]} / fused p1", ratio(od, opn, "dstream_fused/p1")))

    if any(r is not None for _, r in ratios):
        print("| ratio (throughput) | value |\n|---|---|")
        for label, r in ratios:
            if r is not None:
                print(f"| {label} | {r:.2f}x |")
        print()

    allocs = {k: v for k, v in wc_meta.items() if k.startswith("allocs_")}
    if allocs:
        print("| allocations, fused word count, steady state | per batch | per line | breakdown (allocs per batch) |")
        print("|---|---|---|---|")
        keys = sorted({k.split(".", 1)[1] for k in allocs})
        for k in keys:
            print(
                f"| {k} | {allocs.get('allocs_per_batch.' + k, '?')} | {allocs.get('allocs_per_line.' + k, '?')} | "
                f"{allocs.get('allocs_breakdown.' + k, '')} |"
            )
        print()

    bo = {name: r for (g, name), r in results.items() if g == "batch_overhead"}
    bo_meta = load_meta(root, "batch_overhead")
    if bo or bo_meta:
        print("| per-batch overhead (B = 10 ms, 3 lines per batch) | time per batch |\n|---|---|")
        for name in sorted(bo):
            ns, (lo, hi), _ = bo[name]
            print(f"| back to back `{name}` (target < 50 µs) | {fmt_time(ns)} [{fmt_time(lo)}, {fmt_time(hi)}] |")
        for k in sorted(bo_meta):
            print(f"| paced every 10 ms, {k.replace('_us', '')} | {float(bo_meta[k]):.1f} µs |")
        print()

    summarize_windows(results, root)
    summarize_join(results, root)
    summarize_fusion(results, root)


if __name__ == "__main__":
    main()
