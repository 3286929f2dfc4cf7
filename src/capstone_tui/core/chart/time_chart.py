"""The time plot as character cells: finish time against p, run time t1/S(p) as a curve at every
p, and at each worker count Slurm answered for a stacked bar: run (thin, from 0), then the
queue wait on top (full width, its own colour).

Same exact axes as the speedup chart (core/chart/ticks.py): round y ticks on the rows of their
values, whole-number worker ticks. The y axis reaches one worker's time t1 (or the latest
probed finish, if later); run times above it (more workers, slower than one) leave the top.
"""

from __future__ import annotations

from capstone_tui.core.chart.canvas import Chart, draw_chart
from capstone_tui.core.chart.ticks import x_axis, y_axis
from capstone_tui.core.chart.time_plot import TimeView, time_unit
from capstone_tui.core.time_to_solution import duration_text


def time_axis_unit(view: TimeView, hi: int) -> tuple[str, float, float]:
    """(unit name, seconds per unit, top in seconds) of the time plot's y axis."""
    top = max([view.run_s(1)] + [o.finish_s for o in view.probed if o.p <= hi])
    if view.t1_s is None:
        return "", 1.0, top  # in units of t1
    name, per = time_unit(top)
    return name, per, top


def build_time_chart(view: TimeView, hi: int, log: bool, width: int, height: int,
                     p_star: int) -> Chart | None:
    """Rasterize the time plot for this size (None when too small)."""
    rows = height - 2
    if rows < 2 or width < 12:
        return None
    unit, per, top = time_axis_unit(view, hi)
    y = y_axis(top / per, rows)
    gutter = max(len(y.label(v, unit=unit)) for v in y.ticks) + 1
    x = x_axis(hi, width - gutter, log)
    bars: list[tuple[str, int, float, float, int]] = []
    for o in view.probed:  # run: a thin bar from 0; the wait stacked on it, full width
        if o.p <= hi:
            bars += [("run", o.p, 0.0, o.run_s / per, 1), ("wait", o.p, o.run_s / per, o.finish_s / per, 2)]
    rule = ("marker", p_star) if p_star <= hi else None
    return draw_chart(x, y, [("run", lambda p: view.run_s(p) / per)], rule=rule, bars=bars, unit=unit)


def time_legend(view: TimeView, hi: int, p_star: int) -> list[tuple[str, str]]:
    """(text, style key) items under the time plot: what is known first, then the keys."""
    _, _, top = time_axis_unit(view, hi)
    if view.t1_s is None:
        out = [(view.queue_note, "ceiling"), ("━ run time T(p) = 1/S(p), in units of t1", "run")]
    elif not view.probed:
        out = [(view.queue_note, "ceiling"), (f"━ run t1/S(p), t1={duration_text(view.t1_s)}", "run")]
    else:
        out = [(f"━ run t1/S(p), t1={duration_text(view.t1_s)}", "run"),
               ("⣿ queue wait stacked (top = finish): " + view.queue_note, "wait")]
        if view.fastest is not None:
            out.append((f"fastest to finish p={view.fastest}", "marker"))
    out.append((f"┊ p*={p_star}", "marker"))
    if view.run_s(hi) > top:
        out.append(("(above the top: slower than 1 worker)", "label"))
    out.append(("(t: speedup)", "label"))
    return out
