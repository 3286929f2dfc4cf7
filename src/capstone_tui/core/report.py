"""Plain-text renderings of the justification test shared by the CLI commands, and the snapshot
Markdown's chart sections (the speedup curve, the time plot) with their links."""

from __future__ import annotations

import math
from typing import Any

from capstone_tui.core.scaling import GEO_FACTOR, MIN_SPEEDUP, Justification, LinkResult

CURVE_SUFFIX = "-curve.svg"  # the chart alone, written beside the snapshot
TIME_SUFFIX = "-time.svg"  # the time plot alone, written beside it when [scaling] t1_s is given

GEO_LINK = f"geo link (c' = {GEO_FACTOR:g}c)"


def ceiling_text(value: float | None) -> str:
    """1/s for people: fixed digits when small, 3 significant digits when large, never 'inf'."""
    if value is None:
        return "infinite (s = 0)"
    if not math.isfinite(value):
        return "beyond 1.8e308x (1/s overflows a float)"
    return f"{value:.2f}x" if value < 1e6 else f"{value:.3g}x"


def link_line(label: str, link: LinkResult) -> str:
    return (
        f"{label:<22} c = {link.c:<10.6g} p* = {link.p_star:<7d} S(p*) = {link.speedup:7.2f}x  "
        f"E(p*) = {100 * link.efficiency:5.1f} %  -> {link.verdict}"
    )


def justification_text(j: Justification) -> str:
    """A short human table: both links, the Amdahl ceiling, and what the verdict means."""
    lines = [
        f"Justification test for s = {j.s:g} (serial fraction), c = {j.c:g} per worker, p in 1..{j.pmax}",
        link_line("datacenter link", j.fast),
        link_line(GEO_LINK, j.geo),
        f"Amdahl ceiling 1/s (c = 0, p -> inf): "
        f"{ceiling_text(j.amdahl_ceiling) if j.amdahl_ceiling is not None or j.s == 0 else ceiling_text(math.inf)}",
    ]
    if j.continuous_optimum is not None and math.isfinite(j.continuous_optimum):
        lines.append(f"continuous optimum sqrt((1 - s)/c) = {j.continuous_optimum:.2f} workers")
    lines += knee_lines(j)
    lines.append(
        f"rule: distribute only when S(p*) > {MIN_SPEEDUP:g} and p* > 1 (double-precision floats, "
        "T(1) normalized to 1)"
    )
    return "\n".join(lines) + "\n"


def knee_lines(j: Justification) -> list[str]:
    """The knee of each link (the right number of machines) and, below 50 % efficiency, where
    the workers' time goes (the words of core/verdict_text.py)."""
    from capstone_tui.core.scaling import KNEE_FRACTION
    from capstone_tui.core.verdict_text import efficiency_note

    lines = []
    for label, k in (("datacenter link", j.knee), (GEO_LINK, j.geo_knee)):
        lines.append(f"knee, {label}: p = {k.p}, S = {k.speedup:.2f}x, E = {100 * k.efficiency:.1f} % "
                     f"(the smallest p with S(p) >= {KNEE_FRACTION:g} S(p*))")
    note = efficiency_note(j.s, j.c, j.p_star)
    if note:
        lines.append(note)
    return lines


# --- the curve as a table, for a report -------------------------------------------------------


def curve_ps(pmax: int, marks: dict[int, list[str]]) -> list[int]:
    """p = 1, 2, 4, ... up to pmax, pmax itself, and every marked p (p*, knee), in order."""
    ps = {2**k for k in range(pmax.bit_length()) if 2**k <= pmax} | {pmax} | set(marks)
    return sorted(p for p in ps if 1 <= p <= pmax)


def curve_table_markdown(s: float, c: float, pmax: int) -> list[str]:
    """S(p) and E(p) on both links at p = 1, 2, 4, ..., pmax plus p* and the knee of each link."""
    from capstone_tui.core.scaling import GEO_FACTOR, best_p, knee, speedup

    geo_c = GEO_FACTOR * c
    marks: dict[int, list[str]] = {}
    for label, cc in (("", c), ("geo ", geo_c)):
        marks.setdefault(best_p(s, cc, pmax)[0], []).append(f"{label}p*")
        marks.setdefault(knee(s, cc, pmax).p, []).append(f"{label}knee")
    lines = [f"| p | S(p), c = {c:g} | E(p) | S(p), geo c' = {geo_c:g} | E(p), geo | |",
             "| ---: | ---: | ---: | ---: | ---: | --- |"]
    for p in curve_ps(pmax, marks):
        fast, geo = speedup(s, p, c), speedup(s, p, geo_c)
        note = ", ".join(marks.get(p, []))
        bold = "**" if note else ""
        lines.append(f"| {bold}{p}{bold} | {fast:.2f}x | {100 * fast / p:.1f} % | {geo:.2f}x | "
                     f"{100 * geo / p:.1f} % | {note} |")
    return lines


def curve_section(snapshot: dict[str, Any], curve_suffix: str, basename: str | None = None) -> list[str]:
    """The snapshot Markdown's curve section: the chart file beside it (linked), the knee of each
    link, and S(p), E(p) at p = 1, 2, 4, ..., pmax plus p* and the knees.

    `basename` is the name the export's files were given (`<slug>-<timestamp>-2` when the first
    was taken); unset, it is the snapshot's own `<slug>-<timestamp>`."""
    j = (snapshot.get("assessment") or {}).get("justification")
    if not isinstance(j, dict) or not all(isinstance(j.get(k), (int, float)) for k in ("s", "c", "pmax")):
        return []
    lines = ["### Speedup curve", ""]
    base = basename or basename_of(snapshot)
    if base:
        lines += [f"![S(p) for both links, p* and the knee marked]({base}{curve_suffix})", ""]
    knees = [(label, link.get("knee")) for label, link in (("", j), ("on the geo link ", j.get("geo") or {}))]
    words = [f"{label}p = {k['p']}, S = {k['speedup']:.2f}x, E = {100 * k['efficiency']:.0f} %"
             for label, k in knees if isinstance(k, dict) and {"p", "speedup", "efficiency"} <= set(k)]
    if words:
        lines += ["The right number of machines, the knee (the smallest p with S(p) >= 0.9 S(p*)): "
                  + "; ".join(words) + ".", ""]
    return lines + curve_table_markdown(float(j["s"]), float(j["c"]), int(j["pmax"])) + [""]


def time_chart_view(snapshot: dict[str, Any]) -> Any:
    """The time plot's facts (a core.chart.time_plot.TimeView) for this snapshot: its candidate
    and the queue answer it carries; None without [scaling] t1_s (no time to solution to draw)."""
    from capstone_tui.core.candidate import candidate_from_dict
    from capstone_tui.core.chart.time_plot import time_view
    from capstone_tui.core.errors import ValidationError

    j = (snapshot.get("assessment") or {}).get("justification")
    if not isinstance(j, dict) or not all(isinstance(j.get(k), (int, float)) for k in ("s", "c", "pmax")):
        return None  # no curve either: nothing to draw from
    doc = snapshot.get("candidate")
    scaling = doc.get("scaling") if isinstance(doc, dict) else None
    if not isinstance(scaling, dict) or scaling.get("t1_s") is None:
        return None
    try:
        candidate = candidate_from_dict(doc)  # type: ignore[arg-type]
    except ValidationError:
        return None
    queue = snapshot.get("time_to_solution")
    return time_view(candidate, queue if isinstance(queue, dict) else None)


def time_section(snapshot: dict[str, Any], time_suffix: str, basename: str | None = None) -> list[str]:
    """The snapshot Markdown's time plot: the chart file beside it (linked) and how the wait is
    known, in the chart's own caption words; [] when no time chart is written (no t1_s)."""
    from capstone_tui.core.chart.time_svg import wait_caption

    view = time_chart_view(snapshot)
    if view is None:
        return []
    lines = ["### Time to finish", ""]
    base = basename or basename_of(snapshot)
    if base:
        lines += [f"![Finish time against p: run time t1/S(p), Slurm's queue wait where it answered]"
                  f"({base}{time_suffix})", ""]
    caption = " ".join(wait_caption(view).split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return lines + [f"Run time t1/S(p) at every p; {caption}.", ""]


def basename_of(snapshot: dict[str, Any]) -> str | None:
    """The export's `<slug>-<timestamp>`, from the snapshot's own name and time."""
    from datetime import datetime

    from capstone_tui.core.snapshot import snapshot_basename

    try:
        created = datetime.fromisoformat(str(snapshot.get("created")))
    except ValueError:
        return None
    return snapshot_basename(str((snapshot.get("candidate") or {}).get("name", "")), created)
