#!/usr/bin/env python3
"""The performance issue's targets against the measured medians, as markdown.

    python3 bench/table.py bench/results/runs.csv

Reads the rows that bench/run.sh writes (one per run) and prints one table
row per target: the median over the runs that passed, whether it meets the
target, and how it was measured. A run that failed (non-zero exit) is
counted and shown, never folded into a median. Standard library only.
MB here is MiB (1024 kB), the unit /proc reports in.
"""

import csv
import statistics
import sys

# (suite, clients, messages, rate) -> what to read, the target, how.
# kind: "min" (measured >= target), "max" (measured <= target), "info".
TARGETS = [
    ("inproc", 10, 50000, 0, "deliveries_per_sec", "min", 12e6, "bench_room 10 50000"),
    ("inproc", 100, 500, 0, "deliveries_per_sec", "min", 12e6, "bench_room 100 500"),
    ("inproc", 1000, 5, 0, "deliveries_per_sec", "min", 10e6, "bench_room 1000 5"),
    ("flood", 10, 50000, 0, "deliveries_per_sec", "min", 5e6, "loadgen N=10 M=50000"),
    ("flood", 100, 500, 0, "deliveries_per_sec", "min", 8e6, "loadgen N=100 M=500"),
    ("flood", 500, 20, 0, "deliveries_per_sec", "min", 3e6, "loadgen N=500 M=20"),
    ("paced", 10, 3000, 10000, "p99_ms", "max", 1.0, "loadgen N=10 M=3000 --rate 10000"),
    ("paced", 100, 30, 1000, "p99_ms", "max", 2.5, "loadgen N=100 M=30 --rate 1000"),
    ("paced", 500, 2, 200, "p99_ms", "max", 15.0, "loadgen N=500 M=2 --rate 200"),
    ("idle", 500, 0, 0, "idle_rss_kb", "max", 16 * 1024, "scale.py 500 joined, silent: VmRSS"),
    ("flood", 500, 20, 0, "peak_rss_kb", "max", 128 * 1024, "VmHWM after loadgen N=500 M=20"),
    ("idle", 500, 0, 0, "idle_threads", "info", None, "Threads, 500 idle clients"),
    ("scale", 5000, 0, 0, "idle_rss_kb", "info", None, "scale.py 5000 joined: VmRSS"),
    ("scale", 5000, 0, 0, "idle_threads", "info", None, "Threads, 5000 clients"),
    ("scale", 5000, 0, 0, "broadcast_ms", "info", None, "one post until all 5000 have it"),
    ("scale", 5000, 0, 0, "join_s", "info", None, "5000 joins, each announced to all"),
    ("limit", 12000, 0, 0, "connected", "info", None, "connect-only until the server refuses or fails"),
]

LABELS = {
    "deliveries_per_sec": "deliveries/s",
    "p99_ms": "p99",
    "idle_rss_kb": "RSS",
    "peak_rss_kb": "peak RSS",
    "idle_threads": "threads",
    "broadcast_ms": "broadcast",
    "join_s": "join time",
    "connected": "connections",
}


def fmt(metric, value):
    if value is None:
        return "-"
    if metric == "deliveries_per_sec":
        return f"{value / 1e6:.2f} M/s"
    if metric.endswith("_ms"):
        return f"{value:.2f} ms"
    if metric.endswith("_kb"):
        return f"{value / 1024:.1f} MB"
    if metric == "join_s":
        return f"{value:.1f} s"
    return f"{value:.0f}"


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def value_of(row, metric):
    if metric == "connected":
        for part in row.get("note", "").split():
            if part.startswith("connected="):
                return number(part.split("=", 1)[1])
        return None
    return number(row.get(metric))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "bench/results/runs.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out = [
        "| target | measured (median) | meets | runs | how |",
        "|---|---|---|---|---|",
    ]
    for suite, n, m, rate, metric, kind, goal, how in TARGETS:
        runs = [
            r
            for r in rows
            if r["suite"] == suite
            and int(r["clients"]) == n
            and int(r["messages"]) == m
            and int(float(r["rate"])) == rate
        ]
        if not runs:
            continue
        # The limit run fails by design: it goes until the server refuses.
        passed = runs if suite == "limit" else [r for r in runs if r["exit"] == "0"]
        values = [v for v in (value_of(r, metric) for r in passed) if v is not None]
        median = statistics.median(values) if values else None
        label = f"{suite} N={n}: {LABELS.get(metric, metric)}"
        if kind == "min":
            target = f"{label} ≥ {fmt(metric, goal)}"
            meets = "yes" if median is not None and median >= goal else "**no**"
        elif kind == "max":
            target = f"{label} ≤ {fmt(metric, goal)}"
            meets = "yes" if median is not None and median <= goal else "**no**"
        else:
            target = f"{label} (report)"
            meets = ""
        failed = len(runs) - len(passed)
        count = f"{len(passed)}" + (f" (+{failed} failed)" if failed else "")
        out.append(f"| {target} | {fmt(metric, median)} | {meets} | {count} | {how} |")
    out += peer_table(rows)
    out += load_note(rows)
    print("\n".join(out))


PEER_LOADS = [
    ("flood", 10, 50000, 0, "deliveries_per_sec"),
    ("flood", 100, 500, 0, "deliveries_per_sec"),
    ("flood", 500, 20, 0, "deliveries_per_sec"),
    ("paced", 10, 3000, 10000, "p99_ms"),
    ("paced", 100, 30, 1000, "p99_ms"),
    ("paced", 500, 2, 200, "p99_ms"),
]


def median_of(rows, suite, n, m, rate, metric):
    values = [
        number(r.get(metric))
        for r in rows
        if r["suite"] == suite
        and int(r["clients"]) == n
        and int(r["messages"]) == m
        and int(float(r["rate"])) == rate
        and r["exit"] == "0"
    ]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def peer_table(rows):
    """chatroom beside tokio's chat example, same loads, same run."""
    if not any(r["suite"].endswith("_tokio") for r in rows):
        return []
    out = [
        "",
        "Beside tokio's `examples/chat.rs` (`bench/run.sh --peer tokio`), each load run",
        "against both in turn. tokio's chat does not echo a line to its sender, so",
        "it delivers N-1 copies of each line where chatroom delivers N.",
        "",
        "| load | chatroom | tokio chat | chatroom / tokio |",
        "|---|---|---|---|",
    ]
    for suite, n, m, rate, metric in PEER_LOADS:
        ours = median_of(rows, suite, n, m, rate, metric)
        theirs = median_of(rows, suite + "_tokio", n, m, rate, metric)
        if ours is None and theirs is None:
            continue
        ratio = f"{ours / theirs:.2f}" if ours and theirs else "-"
        load = f"{suite} N={n} M={m}" + (f" --rate {rate}" if rate else "")
        label = LABELS.get(metric, metric)
        out.append(f"| {load}: {label} | {fmt(metric, ours)} | {fmt(metric, theirs)} | {ratio} |")
    return out


def load_note(rows):
    """How busy the machine was with other work during the TCP runs."""
    others = []
    for r in rows:
        for part in r.get("note", "").split():
            if part.startswith("others_during="):
                v = number(part.split("=", 1)[1].rstrip("%"))
                if v is not None:
                    others.append(v)
    if not others:
        return []
    return [
        "",
        f"Other processes used {statistics.median(others):.0f} % of the cores during the",
        f"median TCP run and {max(others):.0f} % during the busiest (`others_during` in runs.csv).",
    ]


if __name__ == "__main__":
    main()
