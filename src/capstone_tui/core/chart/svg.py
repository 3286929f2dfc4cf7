"""The speedup chart alone, as an SVG for a report: fixed size, exact axes, both links.

Pure text: S(p) for c and the geo link's c' = 4c, p* and the knee marked, the Amdahl ceiling
1/s, round y ticks and whole-number x ticks (powers of two on a log axis), chosen by the same
code as the dashboard's chart (core/chart/ticks.py). A printed report is white paper, so the
palette is the report's own, not the terminal theme's.
"""

from __future__ import annotations

import math
from html import escape

from capstone_tui.core.chart.speedup_chart import ceiling_in_view
from capstone_tui.core.chart.ticks import LINEAR_AXIS_MAX_P, x_axis, y_axis
from capstone_tui.core.safe_text import safe_text
from capstone_tui.core.scaling import GEO_FACTOR, best_p, knee, speedup

WIDTH, HEIGHT = 760, 440
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 44, 56
SAMPLES = 600
Y_ROWS, X_COLUMNS = 21, 80  # the tick chooser's grid: as a 21-row, 80-column dashboard chart
# the report's palette (white paper): ink, grid, the two links, the ceiling, the marks; the time
# plot's run time is drawn as S(p), its queue wait in the geo link's colour (as on screen)
REPORT_PALETTE = {"ink": "#1f2328", "grid": "#d0d7de", "fast": "#0969da", "geo": "#bc4c00",
                  "ceiling": "#cf222e", "mark": "#1f2328", "paper": "#ffffff"}


def svg_text(text: str) -> str:
    """Untrusted text (a candidate's name, Slurm's words) as SVG character data: control
    characters shown as escapes (XML forbids most of them), `<`, `>`, `&` and quotes escaped."""
    return escape(safe_text(text))


def curve_svg(s: float, c: float, pmax: int, *, title: str = "", log: bool | None = None,
              palette: dict[str, str] | None = None) -> str:
    """The chart as a standalone SVG document (WIDTH x HEIGHT pixels)."""
    colours = {**REPORT_PALETTE, **(palette or {})}
    log = pmax > LINEAR_AXIS_MAX_P if log is None else log
    hi = max(2, pmax)
    geo_c = GEO_FACTOR * c
    ps = sample_ps(hi, log)
    fast = [speedup(s, p, c) for p in ps]
    geo = [speedup(s, p, geo_c) for p in ps]
    top = max(fast + geo)
    ceiling = None if s == 0 else 1.0 / s
    if ceiling is not None and ceiling_in_view(ceiling, top):  # the rule the dashboard's chart follows
        top = max(top, ceiling)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y = y_axis(top, Y_ROWS)
    x = x_axis(hi, X_COLUMNS, log)
    y_top = y.ticks[-1] if y.ticks[-1] >= top else y.top

    def px(p: float) -> float:
        return LEFT + x.dot_of(p) / (x.dots - 1) * plot_w

    def py(v: float) -> float:
        return TOP + plot_h - min(v, y_top) / y_top * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{colours["paper"]}"/>']
    if title:
        out.append(f'<text x="{LEFT}" y="22" font-size="15" fill="{colours["ink"]}">{svg_text(title)}</text>')
    for v in y.ticks:
        if v <= y_top:
            out.append(line_el(LEFT, py(v), LEFT + plot_w, py(v), colours["grid"]))
            out.append(f'<text x="{LEFT - 6}" y="{py(v) + 4:.1f}" text-anchor="end" fill="{colours["ink"]}">'
                       f'{y.label(v)}</text>')
    for p in x.ticks:
        out.append(line_el(px(p), TOP, px(p), TOP + plot_h, colours["grid"]))
        out.append(f'<text x="{px(p):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" '
                   f'fill="{colours["ink"]}">{p}</text>')
    out.append(line_el(LEFT, TOP + plot_h, LEFT + plot_w, TOP + plot_h, colours["ink"]))
    out.append(line_el(LEFT, TOP, LEFT, TOP + plot_h, colours["ink"]))
    out.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 22}" text-anchor="middle" fill="{colours["ink"]}">'
               f'workers p{" (log scale)" if log else ""}</text>')
    out.append(f'<text x="16" y="{TOP + plot_h / 2:.0f}" transform="rotate(-90 16 {TOP + plot_h / 2:.0f})" '
               f'text-anchor="middle" fill="{colours["ink"]}">speedup S(p)</text>')
    if ceiling is not None and ceiling <= y_top:
        out.append(line_el(LEFT, py(ceiling), LEFT + plot_w, py(ceiling), colours["ceiling"], dash="6 4"))
    out.append(polyline_el([(px(p), py(v)) for p, v in zip(ps, geo)], colours["geo"], dash="8 4"))
    out.append(polyline_el([(px(p), py(v)) for p, v in zip(ps, fast)], colours["fast"]))
    legend: list[tuple[str, str, str | None]] = [
        (f"S(p), c = {c:g}", colours["fast"], ""),
        (f"geo link, c' = {GEO_FACTOR:g}c = {geo_c:g}", colours["geo"], "8 4")]
    if ceiling is not None:
        legend.append((f"Amdahl ceiling 1/s = {ceiling:.3g}x", colours["ceiling"], "6 4"))
    for cc, colour in ((c, colours["fast"]), (geo_c, colours["geo"])):
        p_star, best = best_p(s, cc, pmax)
        k = knee(s, cc, pmax)
        out.append(f'<circle cx="{px(p_star):.1f}" cy="{py(best):.1f}" r="4.5" fill="{colour}"/>')
        out.append(f'<rect x="{px(k.p) - 4:.1f}" y="{py(k.speedup) - 4:.1f}" width="8" height="8" '
                   f'fill="none" stroke="{colour}" stroke-width="1.5"/>')
    p_star, best = best_p(s, c, pmax)
    k = knee(s, c, pmax)
    legend.append((f"● p* = {p_star}: S = {best:.2f}x, E = {100 * best / p_star:.0f} %", colours["mark"], None))
    legend.append((f"□ knee p = {k.p}: S = {k.speedup:.2f}x, E = {100 * k.efficiency:.0f} %", colours["mark"], None))
    for i, (words, colour, dash) in enumerate(legend):
        lx, ly = LEFT + plot_w - 270, TOP + 14 + 17 * i
        if dash is not None:
            out.append(line_el(lx, ly - 4, lx + 22, ly - 4, colour, dash=dash or None, width=2))
        out.append(f'<text x="{lx + 28}" y="{ly}" fill="{colours["ink"]}">{escape(words)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def sample_ps(hi: int, log: bool) -> list[int]:
    """The worker counts a curve is drawn through: every p up to SAMPLES, else SAMPLES of them
    spread evenly on the axis (linear or log), always whole numbers, 1 and hi included."""
    if hi <= SAMPLES:
        return list(range(1, hi + 1))
    if log:
        return sorted({max(1, min(hi, round(math.exp(i * math.log(hi) / (SAMPLES - 1))))) for i in range(SAMPLES)})
    return sorted({1 + round(i * (hi - 1) / (SAMPLES - 1)) for i in range(SAMPLES)})


def line_el(x1: float, y1: float, x2: float, y2: float, colour: str, *, dash: str | None = None,
            width: float = 1, extra: str = "") -> str:
    """An SVG line; `extra` is more attributes, e.g. ' class="p-star"'."""
    extra = (f' stroke-dasharray="{dash}"' if dash else "") + extra
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{width}"{extra}/>')


def polyline_el(points: list[tuple[float, float]], colour: str, *, dash: str | None = None,
                extra: str = "") -> str:
    """An SVG polyline through `points` (pixels, one decimal); `extra` as for line_el."""
    extra = (f' stroke-dasharray="{dash}"' if dash else "") + extra
    coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in points)
    return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{extra}/>'
