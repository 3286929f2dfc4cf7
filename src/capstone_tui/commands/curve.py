"""`capstone-tui curve --s S --c C [--pmax 64] [--json]`: S(p) and E(p) on both links.

Every p is shown up to 4,096 workers; beyond, a stated sample (core/chart/sample.py), so the JSON,
the table and the chart stay bounded in memory and time for any pmax up to 10,000,000.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from capstone_tui.commands._common import emit_json
from capstone_tui.core.report import justification_text
from capstone_tui.core.chart.sample import SAMPLE_RULE, curve_ps, is_sampled
from capstone_tui.core.scaling import GEO_FACTOR, Justification, curve_at, justify


def _marks(j: Justification) -> list[int]:
    """The worker counts a sample must keep: p* and the knee on both links."""
    return [j.fast.p_star, j.geo.p_star, j.knee.p, j.geo_knee.p]


def shown_ps(j: Justification) -> list[int]:
    """The p shown by every face of `curve`: all of 1..pmax, or the stated sample."""
    return curve_ps(j.pmax, _marks(j))


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--s", required=True, metavar="S", help="serial fraction, in [0, 1]")
    parser.add_argument("--c", required=True, metavar="C", help="per-worker communication cost, >= 0")
    parser.add_argument("--pmax", default="64", metavar="N", help="rows p = 1..N, N in 1..10,000,000 [64]")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--no-chart", action="store_true", help="the table only, no plotext chart")


def curve_json(j: Justification) -> dict[str, object]:
    ps = shown_ps(j)
    fast = curve_at(j.s, j.c, ps)
    geo = curve_at(j.s, j.geo.c, ps)
    return {
        "s": j.s,
        "c": j.c,
        "pmax": j.pmax,
        "p_star": j.fast.p_star,
        "speedup": j.fast.speedup,
        "verdict": j.fast.verdict,
        "amdahl_ceiling": j.amdahl_ceiling,
        "geo": {"c": j.geo.c, "p_star": j.geo.p_star, "speedup": j.geo.speedup, "verdict": j.geo.verdict},
        "sampled": is_sampled(j.pmax),
        "sample_rule": SAMPLE_RULE,
        "points_shown": len(ps),
        "points": [
            {"p": a.p, "speedup": a.speedup, "efficiency": a.efficiency,
             "geo_speedup": b.speedup, "geo_efficiency": b.efficiency}
            for a, b in zip(fast, geo)
        ],
    }


def curve_table(j: Justification) -> str:
    lines = [f"{'p':>8} {'S(p)':>9} {'E(p)':>7}  {'S_geo(p)':>9} {'E_geo(p)':>8}   (geo: c' = {GEO_FACTOR:g}c = " f"{j.geo.c:g})"]
    ps = shown_ps(j)
    if is_sampled(j.pmax):
        lines.insert(0, f"({len(ps):,} of {j.pmax:,} rows: {SAMPLE_RULE})")
    for a, b in zip(curve_at(j.s, j.c, ps), curve_at(j.s, j.geo.c, ps)):
        mark = " <- p*" if a.p == j.fast.p_star else ""
        mark += " <- p*(geo)" if b.p == j.geo.p_star else ""
        lines.append(f"{a.p:>8d} {a.speedup:>9.3f} {100 * a.efficiency:>6.1f}%  "
                     f"{b.speedup:>9.3f} {100 * b.efficiency:>7.1f}%{mark}")
    return "\n".join(lines) + "\n"


def curve_chart(j: Justification) -> str:
    import plotext as plt  # ~40 ms; only for the human chart

    width, height = shutil.get_terminal_size((100, 30))
    plt.clear_figure()
    plt.plotsize(min(width, 120), max(12, min(height - 4, 28)))
    plain = bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty()
    if plain:
        plt.theme("clear")
    ps = shown_ps(j)  # at most about 4,100 points, whatever pmax
    plt.plot(ps, [pt.speedup for pt in curve_at(j.s, j.c, ps)], label=f"S(p), c = {j.c:g}", marker="braille")
    plt.plot(ps, [pt.speedup for pt in curve_at(j.s, j.geo.c, ps)], label=f"S(p), geo c' = {j.geo.c:g}", marker="braille")
    plt.vline(j.fast.p_star)
    if j.amdahl_ceiling is not None and j.amdahl_ceiling <= 2 * j.fast.speedup + 1:
        plt.hline(j.amdahl_ceiling)
    plt.title(f"speedup S(p); p* = {j.fast.p_star} (S = {j.fast.speedup:.2f}x), geo p* = {j.geo.p_star}"
              + (f"; {len(ps):,} sampled p of {j.pmax:,}" if len(ps) < j.pmax else ""))
    plt.xlabel("workers p")
    chart = str(plt.build())
    return (plt.uncolorize(chart) if plain else chart) + "\n"


def run(args: argparse.Namespace) -> int:
    result = justify(args.s, args.c, args.pmax)
    if args.json:
        emit_json(curve_json(result))
        return 0
    sys.stdout.write(justification_text(result))
    sys.stdout.write(curve_table(result))
    if not args.no_chart:
        sys.stdout.write(curve_chart(result))
    return 0
