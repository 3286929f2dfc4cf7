"""The time plot alone, as an SVG for a report: finish time against the worker count p.

Pure text, the same fixed size and white-paper palette as the speedup chart's SVG (svg.py), and
the same numbers as the dashboard's time plot (key t): the facts come from
`time_plot.time_view` (run time t1/S(p), Slurm's answers), the axis unit from
`time_chart.time_axis_unit`, the round ticks from `ticks.py`. Run time is a curve at every p
drawn; the queue wait and the finish (wait + run) only at the worker counts Slurm answered for,
never interpolated; p* and the fastest-to-finish count are marked; one caption line says how the
wait is known.

The axis mapping (pixels in the SVG's own coordinates, `time_frame` below):
  x = LEFT + plot_w * t(p),  t(p) = (p - 1) / (hi - 1), or ln p / ln hi on a log axis;
  y = TOP + plot_h * (1 - v / y_top),  v = seconds / (seconds per unit of the axis), and
  y_top is the top tick's value (the highest label, drawn at y = TOP) or the axis's top.
Tick labels read "<number> <unit>" (s, min, h or d) on y and whole worker counts on x.
Run times above the top (more workers, slower than one) leave the plot through a clip path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from capstone_tui.core.chart.svg import (HEIGHT, LEFT, REPORT_PALETTE, RIGHT, TOP, BOTTOM, WIDTH, X_COLUMNS,
                                         Y_ROWS, line_el, polyline_el, sample_ps, svg_text)
from capstone_tui.core.chart.ticks import LINEAR_AXIS_MAX_P, XAxis, YAxis, x_axis, y_axis
from capstone_tui.core.chart.time_chart import time_axis_unit
from capstone_tui.core.chart.time_plot import TimeView
from capstone_tui.core.time_to_solution import duration_text

PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
UNIT_WORDS = {"s": "seconds", "min": "minutes", "h": "hours", "d": "days", "": "units of t1"}
LEGEND_CHAR_PX = 6.6  # a generous average width of a 12 px sans-serif character
CAPTION_MAX = 118  # characters on the caption line at 11 px before it is cut with an ellipsis
NO_QUEUE = "no queue answer: run time only"
HOW_ASKED = "Slurm sbatch --test-only"


@dataclass(frozen=True)
class TimeFrame:
    """The time plot's axes and their mapping to pixels (see the module docstring)."""

    x: XAxis
    y: YAxis
    unit: str  # "s", "min", "h", "d", or "" (run time in units of t1)
    per: float  # seconds per unit
    y_top: float  # the value, in units, at y = TOP

    def px(self, p: float) -> float:
        return LEFT + self.x.dot_of(p) / (self.x.dots - 1) * PLOT_W

    def py(self, seconds: float) -> float:
        return TOP + PLOT_H * (1.0 - seconds / self.per / self.y_top)


def time_frame(view: TimeView, hi: int, log: bool) -> TimeFrame:
    """The axes for p = 1..hi: the pane's unit and top (t1, or the latest finish), round ticks."""
    unit, per, top = time_axis_unit(view, hi)
    y = y_axis(top / per, Y_ROWS)
    y_top = y.ticks[-1] if y.ticks[-1] >= top / per else y.top
    return TimeFrame(x_axis(hi, X_COLUMNS, log), y, unit, per, y_top)


def asked_at(view: TimeView) -> str | None:
    """When Slurm was asked, HH:MM in Slurm's own clock: its start estimate less the wait it
    implies (exact wherever a wait is > 0; a job that starts at once starts when asked)."""
    times = []
    for o in view.probed:
        try:
            times.append(datetime.fromisoformat(o.start) - timedelta(seconds=o.wait_s))
        except (ValueError, OverflowError):
            continue
    return max(times).strftime("%H:%M") if times else None


def wait_caption(view: TimeView) -> str:
    """How the wait is known, in one line: Slurm's answer and when, or why there is none."""
    if not view.probed:
        why = view.queue_note
        if why.startswith("Slurm ("):  # Slurm answered, with a start for no worker count
            why = f"Slurm on partition {view.partition} gave a start for no worker count" + \
                "".join(f"; {rest}" for rest in why.split("; ", 1)[1:])
        why = re.sub(r"^queue unknown(?: \(([^)]*)\))?: ", lambda m: f"{m[1]}: " if m[1] else "", why)
        return f"{NO_QUEUE} ({why.split(' (m: ')[0]})"  # the pane's key hint is no use on paper
    when = asked_at(view)
    where = ", ".join(str(o.p) for o in view.probed)
    text = f"wait: {HOW_ASKED} at {when}" if when else f"wait: {HOW_ASKED} (time asked not recorded)"
    text += f" on partition {view.partition}, known at p = {where} only" if view.partition else \
        f", known at p = {where} only"
    return text


def time_svg(view: TimeView, pmax: int, p_star: int, *, title: str = "", log: bool | None = None,
             palette: dict[str, str] | None = None) -> str:
    """The time plot as a standalone SVG document (WIDTH x HEIGHT pixels)."""
    colours = {**REPORT_PALETTE, **(palette or {})}
    run_c, wait_c, ink = colours["fast"], colours["geo"], colours["ink"]
    hi = max(2, pmax)
    log = pmax > LINEAR_AXIS_MAX_P if log is None else log
    f = time_frame(view, hi, log)
    bottom = TOP + PLOT_H
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<defs><clipPath id="plot-area"><rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}"/>'
           '</clipPath></defs>',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{colours["paper"]}"/>']
    if title:
        out.append(f'<text x="{LEFT}" y="22" font-size="15" fill="{ink}">{svg_text(title)}</text>')
    for v in f.y.ticks:
        if v <= f.y_top:
            y = f.py(v * f.per)
            out.append(line_el(LEFT, y, LEFT + PLOT_W, y, colours["grid"]))
            out.append(f'<text class="y-tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{ink}">'
                       f'{f.y.label(v)} {f.unit or "t1"}</text>')
    for p in f.x.ticks:
        out.append(line_el(f.px(p), TOP, f.px(p), bottom, colours["grid"]))
        out.append(f'<text class="x-tick" x="{f.px(p):.1f}" y="{bottom + 16}" text-anchor="middle" '
                   f'fill="{ink}">{p}</text>')
    out.append(line_el(LEFT, bottom, LEFT + PLOT_W, bottom, ink))
    out.append(line_el(LEFT, TOP, LEFT, bottom, ink))
    out.append(f'<text x="{LEFT + PLOT_W / 2:.0f}" y="{HEIGHT - 24}" text-anchor="middle" fill="{ink}">'
               f'workers p{" (log scale)" if log else ""}</text>')
    out.append(f'<text x="14" y="{TOP + PLOT_H / 2:.0f}" transform="rotate(-90 14 {TOP + PLOT_H / 2:.0f})" '
               f'text-anchor="middle" fill="{ink}">time to finish ({UNIT_WORDS.get(f.unit, f.unit)})</text>')
    out += _run_curve(view, f, hi, log, run_c)
    star_p = min(max(1, p_star), hi)
    out.append(line_el(f.px(star_p), TOP, f.px(star_p), bottom, colours["mark"], dash="3 3",
                       extra=' class="p-star"'))
    out.append(f'<text x="{f.px(star_p):.1f}" y="{TOP - 4}" text-anchor="middle" font-size="11" '
               f'fill="{colours["mark"]}">p*</text>')
    out.append(f'<circle class="p-star" data-p="{star_p}" cx="{f.px(star_p):.1f}" '
               f'cy="{f.py(view.run_s(star_p)):.1f}" r="4.5" fill="{colours["mark"]}"/>')
    for o in view.probed:  # the queue wait stacked on the run time, and the finish on top
        if not 1 <= o.p <= hi:
            continue
        x, y_run, y_fin = f.px(o.p), f.py(o.run_s), f.py(o.finish_s)
        out.append(f'<rect class="wait" data-p="{o.p}" x="{x - 4:.1f}" y="{y_fin:.1f}" width="8" '
                   f'height="{max(0.0, y_run - y_fin):.1f}" fill="{wait_c}" fill-opacity="0.75"/>')
        out.append(f'<circle class="finish" data-p="{o.p}" cx="{x:.1f}" cy="{y_fin:.1f}" r="4" '
                   f'fill="{colours["paper"]}" stroke="{wait_c}" stroke-width="2"/>')
        if o.p == view.fastest:
            out.append(f'<circle class="fastest" data-p="{o.p}" cx="{x:.1f}" cy="{y_fin:.1f}" r="8" '
                       f'fill="none" stroke="{ink}" stroke-width="1.5"/>')
    out += _legend(view, star_p, colours)
    caption = wait_caption(view)
    if len(caption) > CAPTION_MAX:
        caption = caption[:CAPTION_MAX - 1] + "…"
    out.append(f'<text class="caption" x="14" y="{HEIGHT - 6}" font-size="11" fill="{ink}">{svg_text(caption)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _run_curve(view: TimeView, f: TimeFrame, hi: int, log: bool, colour: str) -> list[str]:
    """t1/S(p) through the sampled p until it leaves the top (T is convex: it does not come back)."""
    points = []
    for p in sample_ps(hi, log):
        seconds = view.run_s(p)
        points.append((f.px(p), f.py(seconds)))
        if seconds / f.per > f.y_top:
            break
    return [polyline_el(points, colour, extra=' class="run" clip-path="url(#plot-area)"')]


def _legend(view: TimeView, p_star: int, colours: dict[str, str]) -> list[str]:
    """What each mark is, top right, on a paper backing so the curves under it stay readable."""
    if view.t1_s is None:
        rows: list[tuple[str, str, str]] = [("run T(p) = 1/S(p), in units of t1", "line", colours["fast"])]
    else:
        rows = [(f"run t1/S(p): t1 = {duration_text(view.t1_s)}, s = {view.s:g}, c = {view.c:g}", "line",
                 colours["fast"])]
    if view.probed:
        rows.append(("queue wait (Slurm), stacked on the run", "bar", colours["geo"]))
        rows.append(("finish = wait + run, at p = " + ", ".join(str(o.p) for o in view.probed), "ring",
                     colours["geo"]))
    run_star = view.run_s(p_star)
    rows.append((f"● p* = {p_star}: run {duration_text(run_star) if view.t1_s else f'{run_star:.3g} t1'} "
                 "(the shortest run)", "", colours["mark"]))
    fastest = view.at(view.fastest) if view.fastest is not None else None
    if fastest is not None:
        rows.append((f"◯ fastest to finish: p = {fastest.p}, {duration_text(fastest.finish_s)} "
                     f"(wait {duration_text(fastest.wait_s)})", "", colours["mark"]))
    width = min(PLOT_W - 40, max(28 * bool(key) + LEGEND_CHAR_PX * len(words) for words, key, _ in rows) + 12)
    lx = LEFT + PLOT_W - width
    out = [f'<rect x="{lx - 6:.0f}" y="{TOP + 2}" width="{width + 6:.0f}" height="{17 * len(rows) + 6}" '
           f'fill="{colours["paper"]}" fill-opacity="0.85"/>']
    for i, (words, key, colour) in enumerate(rows):
        ly = TOP + 16 + 17 * i
        if key == "line":
            out.append(line_el(lx, ly - 4, lx + 22, ly - 4, colour, width=2))
        elif key == "bar":
            out.append(f'<rect x="{lx + 7}" y="{ly - 11}" width="8" height="12" fill="{colour}" fill-opacity="0.75"/>')
        elif key == "ring":
            out.append(f'<circle cx="{lx + 11}" cy="{ly - 4}" r="4" fill="{colours["paper"]}" stroke="{colour}" '
                       'stroke-width="2"/>')
        x_text = lx + 28 if key else lx
        out.append(f'<text x="{x_text}" y="{ly}" fill="{colours["ink"]}">{svg_text(words)}</text>')
    return out
