#!/usr/bin/env python3
"""SVG plots of bench/results/runs.csv, with the issue's targets.

    python3 bench/plot.py [bench/results/runs.csv] [bench/plots]

Writes:
  deliveries.svg  deliveries/s against N: in process (bench_room) and
                  over TCP (loadgen flood), median of the runs with a bar
                  from the slowest to the fastest run, targets as rings;
  p99.svg         p99 latency against N for the paced TCP runs;
  memory.svg      the server's RSS against connected clients (idle, flood
                  peak, the 5,000-client run).

Run without arguments (the committed results), it also writes the same
files into book/src/perf/, for the book's performance chapter: mdBook
copies only what is under book/src into the built book, so an image
linked as ../../bench/plots/... would be missing from it. Keep both sets
committed together; run with arguments (an experiment), it leaves the
book alone.

Each plot draws its own white background, so it reads the same in a light
or a dark page. Standard library only (no matplotlib): the SVG is written
by hand, which also keeps the files small and diffable.
"""

import csv
import math
import os
import statistics
import sys
from xml.sax.saxutils import escape

W, H = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 80, 170, 46, 56
INK, GRID, MUTED = "#222222", "#dddddd", "#666666"
BLUE, ORANGE, GREEN = "#1f5fbf", "#d9480f", "#2b8a3e"


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def series(rows, suite, metric, scale=1.0):
    """[(N, median, lowest, highest)] over the passing runs of a suite."""
    by_n = {}
    for r in rows:
        if r["suite"] != suite or r["exit"] != "0":
            continue
        v = num(r.get(metric))
        if v is not None:
            by_n.setdefault(int(r["clients"]), []).append(v * scale)
    return [(n, statistics.median(v), min(v), max(v)) for n, v in sorted(by_n.items())]


def nice_max(v):
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * mag >= v:
            return step * mag
    return 10 * mag


def chart(title, xlabel, ylabel, lines, targets, xs, ymax, unit_fmt, ymin=None):
    """lines: [(label, color, [(x, y, lo, hi)])]; targets: [(x, y, text)].

    With `ymin`, the y axis is logarithmic from ymin to ymax, gridded at
    1, 2 and 5 of each decade: figures a hundred times apart (in process
    and over TCP) then both stay readable.
    """
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    lo_x, hi_x = math.log10(min(xs)) - 0.15, math.log10(max(xs)) + 0.15

    def px(x):
        return LEFT + (math.log10(x) - lo_x) / (hi_x - lo_x) * pw

    def py(y):
        if ymin is not None:
            y = max(y, ymin)
            return TOP + ph - (math.log10(y) - math.log10(ymin)) / (
                math.log10(ymax) - math.log10(ymin)) * ph
        return TOP + ph - y / ymax * ph

    if ymin is not None:
        ticks = []
        decade = 10 ** math.floor(math.log10(ymin))
        while decade <= ymax:
            ticks += [decade * k for k in (1, 2, 5) if ymin <= decade * k <= ymax]
            decade *= 10
    else:
        ticks = [ymax * i / 5 for i in range(6)]

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
        f'<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="24" font-size="15" font-weight="bold" fill="{INK}">'
        f"{escape(title)}</text>",
    ]
    for y in ticks:
        out.append(
            f'<line x1="{LEFT}" y1="{py(y):.1f}" x2="{LEFT + pw}" y2="{py(y):.1f}" '
            f'stroke="{GRID}"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(unit_fmt(y))}</text>"
        )
    for x in xs:
        out.append(
            f'<line x1="{px(x):.1f}" y1="{TOP}" x2="{px(x):.1f}" y2="{TOP + ph}" '
            f'stroke="{GRID}"/>'
        )
        out.append(
            f'<text x="{px(x):.1f}" y="{TOP + ph + 18}" text-anchor="middle" '
            f'fill="{INK}">{x}</text>'
        )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="{INK}"/>'
    )
    out.append(
        f'<text x="{LEFT + pw / 2}" y="{H - 14}" text-anchor="middle" fill="{INK}">'
        f"{escape(xlabel)}</text>"
    )
    out.append(
        f'<text transform="translate(18 {TOP + ph / 2}) rotate(-90)" text-anchor="middle" '
        f'fill="{INK}">{escape(ylabel)}</text>'
    )
    legend_y = TOP + 8
    for number, (label, color, pts) in enumerate(lines):
        # Value labels above the dots for the first series, below for the
        # others, so series that run close do not print over each other.
        dy = -7 if number == 0 else 15
        if not pts:
            continue
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for i, (x, y, _, _) in enumerate(pts)
        )
        out.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y, lo, hi in pts:
            out.append(
                f'<line x1="{px(x):.1f}" y1="{py(lo):.1f}" x2="{px(x):.1f}" y2="{py(hi):.1f}" '
                f'stroke="{color}" stroke-width="1.5"/>'
            )
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{color}"/>')
            out.append(
                f'<text x="{px(x) + 7:.1f}" y="{py(y) + dy:.1f}" fill="{color}" font-size="11">'
                f"{escape(unit_fmt(y))}</text>"
            )
        out.append(
            f'<line x1="{LEFT + pw + 14}" y1="{legend_y}" x2="{LEFT + pw + 34}" '
            f'y2="{legend_y}" stroke="{color}" stroke-width="2"/>'
        )
        out.append(
            f'<text x="{LEFT + pw + 40}" y="{legend_y + 4}" fill="{INK}">{escape(label)}</text>'
        )
        legend_y += 20
    if targets:
        for x, y, color in targets:
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="7" fill="none" stroke="{color}" '
                f'stroke-width="1.5" stroke-dasharray="3 2"/>'
            )
        out.append(
            f'<circle cx="{LEFT + pw + 24}" cy="{legend_y}" r="6" fill="none" stroke="{MUTED}" '
            f'stroke-width="1.5" stroke-dasharray="3 2"/>'
        )
        out.append(f'<text x="{LEFT + pw + 40}" y="{legend_y + 4}" fill="{INK}">target</text>')
        legend_y += 20
    out.append(
        f'<text x="{LEFT + pw + 14}" y="{legend_y + 4}" fill="{MUTED}" font-size="11">'
        "dot: median; bar: range</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def mega(v):
    if not v:
        return "0"
    if v >= 1e7:
        return f"{v / 1e6:.0f} M"
    return f"{v / 1e6:.1f} M" if v >= 1e6 else f"{v / 1e3:.0f} k"


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "bench/results/runs.csv"
    dst = sys.argv[2] if len(sys.argv) > 2 else "bench/plots"
    rows = load(src)
    os.makedirs(dst, exist_ok=True)
    written = []

    inproc = series(rows, "inproc", "deliveries_per_sec")
    flood = series(rows, "flood", "deliveries_per_sec")
    flood_tokio = series(rows, "flood_tokio", "deliveries_per_sec")
    if inproc or flood:
        targets = [(10, 12e6, BLUE), (100, 12e6, BLUE), (1000, 10e6, BLUE)]
        targets += [(10, 5e6, ORANGE), (100, 8e6, ORANGE), (500, 3e6, ORANGE)]
        every = inproc + flood + flood_tokio
        top = max([hi for *_, hi in every] + [t[1] for t in targets])
        bottom = min([lo for *_, lo, _ in every] + [t[1] for t in targets])
        ymax = 10 ** math.ceil(math.log10(top * 1.2))
        ymin = 10 ** math.floor(math.log10(bottom / 1.2))
        xs = sorted({p[0] for p in every} | {t[0] for t in targets})
        lines = [("in process", BLUE, inproc), ("TCP flood", ORANGE, flood)]
        if flood_tokio:
            lines.append(("TCP, tokio chat", MUTED, flood_tokio))
        svg = chart(
            "Deliveries per second against N (2 cores)",
            "N clients in one room (log scale)",
            "deliveries per second (log scale)",
            lines,
            targets,
            xs,
            ymax,
            mega,
            ymin=ymin,
        )
        written.append(("deliveries.svg", svg))

    paced = series(rows, "paced", "p99_ms")
    paced_tokio = series(rows, "paced_tokio", "p99_ms")
    if paced:
        targets = [(10, 1.0, ORANGE), (100, 2.5, ORANGE), (500, 15.0, ORANGE)]
        ymax = nice_max(max([hi for *_, hi in paced + paced_tokio] + [t[1] for t in targets]) * 1.1)
        xs = sorted({p[0] for p in paced + paced_tokio} | {t[0] for t in targets})
        lines = [("TCP paced", ORANGE, paced)]
        if paced_tokio:
            lines.append(("tokio chat", MUTED, paced_tokio))
        svg = chart(
            "p99 latency, paced TCP (100 k deliveries/s)",
            "N clients in one room (log scale)",
            "p99, ms",
            lines,
            targets,
            xs,
            ymax,
            lambda v: f"{v:.1f}",
        )
        written.append(("p99.svg", svg))

    mb = 1 / 1024
    idle = series(rows, "idle", "idle_rss_kb", mb) + series(rows, "scale", "idle_rss_kb", mb)
    peak = series(rows, "flood", "peak_rss_kb", mb)
    if idle or peak:
        targets = [(500, 16.0, GREEN), (500, 128.0, ORANGE)]
        ymax = nice_max(max([hi for *_, hi in idle + peak] + [128.0]) * 1.1)
        xs = sorted({p[0] for p in idle + peak} | {500})
        svg = chart(
            "Server RSS against connected clients",
            "N clients (log scale)",
            "RSS, MB",
            [("joined, idle", GREEN, idle), ("peak in flood", ORANGE, peak)],
            targets,
            xs,
            ymax,
            lambda v: f"{v:.0f}",
        )
        written.append(("memory.svg", svg))

    dirs = [dst]
    if len(sys.argv) == 1:
        # The book's copies (see the docstring): only for the committed results.
        book = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "book", "src", "perf")
        dirs.append(os.path.normpath(book))
    for d in dirs:
        os.makedirs(d, exist_ok=True)
        for name, svg in written:
            with open(os.path.join(d, name), "w") as f:
                f.write(svg)
            print(os.path.join(d, name))


if __name__ == "__main__":
    main()
