"""The speedup (or efficiency) chart of a dashboard state, rasterized for a character grid, and
the rules it shares with the report's SVG (core/chart/svg.py): how far p is drawn, where the
curve peaks, and when the Amdahl ceiling 1/s is worth a line.

The dashboard's pane asks for it only when what it shows changed; the fit's bootstrap band is
passed in, so that a caller can keep it across keys (it moves with neither s nor c).
"""

from __future__ import annotations

import math
from typing import Callable

from capstone_tui.core.chart.canvas import Chart, draw_chart
from capstone_tui.core.chart.ticks import x_axis, y_axis
from capstone_tui.core.dashboard_state import DashboardState
from capstone_tui.core.scaling import speedup

CEILING_SHOW_FACTOR = 1.6  # draw 1/s when it is within this factor of the curve's top
BAND_MAX_P = 4096  # the bootstrap band is drawn up to this many workers


def plot_range(model: DashboardState) -> int:
    """The largest p drawn: pmax on both axes, so `p` and `P` always change the chart."""
    return max(2, model.candidate.scaling.pmax)


def peak(s: float, c: float, hi: int) -> float:
    """The largest S(p) for real p in [1, hi]: T is convex, its minimum at sqrt((1 - s)/c)."""
    p = float(hi) if c == 0 else min(float(hi), max(1.0, math.sqrt((1.0 - s) / c)))
    return max(speedup(s, p, c), 1.0)  # type: ignore[arg-type]


def ceiling_in_view(ceiling: float | None, top: float) -> bool:
    """1/s earns a line when it is within CEILING_SHOW_FACTOR of the curve's top (else it only
    flattens the curve)."""
    return ceiling is not None and ceiling <= CEILING_SHOW_FACTOR * top


def ceiling_drawn(model: DashboardState) -> bool:
    """Whether the dashboard's chart draws 1/s for this state (never on the efficiency view)."""
    j = model.justification
    if model.show_efficiency:
        return False
    return ceiling_in_view(j.amdahl_ceiling, peak(j.s, j.c, plot_range(model)))


def build_chart(model: DashboardState, width: int, height: int,
                band: tuple[list[float], list[float]] | None = None) -> Chart | None:
    """The curves rasterized for a width x height cell area (None when too small for a chart).
    `band`: the fit's bootstrap band at p = 1..plot_range (lows, highs), when a fit is shown."""
    rows = height - 2
    if rows < 2 or width < 12:
        return None
    j = model.justification
    s, eff, hi = j.s, model.show_efficiency, plot_range(model)

    def curve(c: float) -> Callable[[float], float]:
        if eff:
            return lambda p: 100.0 * speedup(s, p, c) / p  # type: ignore[arg-type]
        return lambda p: speedup(s, p, c)  # type: ignore[arg-type]

    curves = [("S", curve(j.c))]
    if model.show_geo:
        curves.append(("geo", curve(j.geo.c)))
    fit, points = model.fit, []
    upper: list[float] = []
    if fit is not None and not eff:
        lower, upper = band if band is not None and hi <= BAND_MAX_P else ([], [])
        curves.append(("fit", lambda p: speedup(fit.s, p, fit.c)))  # type: ignore[arg-type]
        if lower:
            curves += [("band", _stepwise(lower)), ("band", _stepwise(upper))]
        points = [("fit", float(p), float(v)) for p, v in fit.points if p <= hi]
    top = 100.0 if eff else peak(s, j.c, hi)  # the geo curve (4c) never rises above it
    if fit is not None and not eff:
        top = max([top, peak(fit.s, fit.c, hi)] + [v for _, _, v in points] + list(upper))
    hline = None
    if ceiling_drawn(model) and j.amdahl_ceiling is not None:
        top = max(top, j.amdahl_ceiling)
        hline = ("ceiling", j.amdahl_ceiling)
    y = y_axis(top, rows)
    gutter = max(len(y.label(v, eff)) for v in y.ticks) + 1
    x = x_axis(hi, width - gutter, model.log_p)
    rule = ("marker", j.p_star) if j.p_star <= hi else None
    return draw_chart(x, y, curves, hline=hline, points=points, rule=rule, percent=eff)


def _stepwise(values: list[float]) -> Callable[[float], float]:
    """A list indexed by p = 1..n as a function of a real p (nearest whole p)."""
    def at(p: float) -> float:
        return values[max(0, min(len(values) - 1, round(p) - 1))]
    return at
