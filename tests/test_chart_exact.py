"""The speedup chart is exact: decoded from the real widget's rendered lines (tick labels and
braille dots, via Pilot at 80x24 and 120x40), every plotted point lies within half a row of its
value, the ticks are round and on the rows of their values, x ticks are whole numbers (powers of
two on the log axis), the 1/s rule is on its row and the p* rule in p*'s column."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from textual.geometry import Region

from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.core.chart.ticks import x_axis, y_axis
from capstone_tui.core.scaling import GEO_FACTOR, speedup
from capstone_tui.tui.themes import plot_rgb
from support.app_factory import make_app

BRAILLE = 0x2800
# dot bit -> (dx, dy from the top)
_DOTS = {0x01: (0, 0), 0x02: (0, 1), 0x04: (0, 2), 0x40: (0, 3), 0x08: (1, 0), 0x10: (1, 1), 0x20: (1, 2), 0x80: (1, 3)}
CASES = [  # s, c, pmax, log axis, efficiency
    (0.05, 0.002, 64, False, False),
    (0.1, 0.002, 4096, True, False),
    (0.3, 0.01, 64, False, False),
    (0.05, 0.002, 200, False, True),
    (0.6, 0.0, 16, False, False),
]


def cells(strip) -> list[tuple[str, tuple[int, int, int] | None]]:
    out = []
    for seg in strip:
        colour = seg.style.color.get_truecolor() if seg.style and seg.style.color else None
        rgb = (colour.red, colour.green, colour.blue) if colour is not None else None
        out += [(ch, rgb) for ch in seg.text]
    return out


def is_round(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    return any(abs(mantissa - m) < 1e-6 for m in (1, 2, 2.5, 5, 10))


def value_range(fn, lo: float, hi: float, s: float, c: float) -> tuple[float, float]:
    ps = [lo, hi] + ([math.sqrt((1 - s) / c)] if c > 0 and lo < math.sqrt((1 - s) / c) < hi else [])
    values = [fn(p) for p in ps]
    return min(values), max(values)


def decode(lines, gutter_hint: str = "┤"):
    """(rows of cells, axis row index, gutter, y ticks {row: value}, x ticks {col: p})."""
    text = ["".join(ch for ch, _ in line) for line in lines]
    axis_row = next(i for i, t in enumerate(text) if "└" in t)
    gutter = text[axis_row].index("└") + 1
    yticks = {}
    for r in range(axis_row):
        if text[r][gutter - 1] == gutter_hint:
            yticks[r] = float(text[r][:gutter - 1].strip().rstrip("%"))
    xticks = {}
    labels = text[axis_row + 1]
    for col, ch in enumerate(text[axis_row]):
        if ch in "┬┴" and col >= gutter:
            # the label centred under this column
            start = col
            while start > 0 and labels[start - 1].isdigit():
                start -= 1
            end = col
            while end < len(labels) and labels[end].isdigit():
                end += 1
            if labels[start:end].isdigit():
                xticks[col - gutter] = int(labels[start:end])
    return text, axis_row, gutter, yticks, xticks


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("case", CASES)
async def test_every_dot_and_tick_is_where_its_value_is(tmp_path: Path, size, case) -> None:
    s, c, pmax, log, eff = case
    candidate = Candidate(name="chart", scaling=ScalingInputs(s=s, c=c, pmax=pmax), data=DataInputs(bytes=4e12),
                          machine="dgx-h100")
    app = make_app(tmp_path, candidate=candidate, log_p=log, show_efficiency=eff)
    async with app.run_test(size=size) as pilot:
        await pilot.press("3", "home")  # the cursor off p*, whose rule is checked below
        await pilot.pause()
        plot = app.query_one("#speedup-plot")
        lines = [cells(strip) for strip in plot.render_lines(Region(0, 0, plot.size.width, plot.size.height))]
        colours = {key: plot_rgb(app, var) for key, var in (("S", "curve-fast"), ("geo", "curve-geo"))}
        text, axis_row, gutter, yticks, xticks = decode(lines)
        rows = axis_row

        # y ticks: round, evenly spaced, 0 on the bottom row, each on the row of its value
        assert len(yticks) >= 2, text
        tick_rows = sorted(yticks, reverse=True)  # bottom first
        assert yticks[rows - 1] == 0.0
        per_row = yticks[tick_rows[1]] / (tick_rows[0] - tick_rows[1])
        step = yticks[tick_rows[1]]
        assert is_round(step), (step, text)
        for r, v in yticks.items():
            assert v == pytest.approx((rows - 1 - r) * per_row, abs=1e-9), (r, v)

        # x ticks: whole numbers, powers of two on the log axis; the column mapping they define
        assert len(xticks) >= 2 and all(isinstance(p, int) for p in xticks.values())
        if log:
            assert all(p & (p - 1) == 0 for p in xticks.values()), xticks
        (c0, p0), (c1, p1) = sorted(xticks.items())[0], sorted(xticks.items())[-1]
        f = (math.log if log else float)
        g = (math.exp if log else float)

        def p_at(col: float) -> float:
            return g(f(p0) + (col - c0) * (f(p1) - f(p0)) / (c1 - c0))

        def series(key: str):
            cc = c if key == "S" else GEO_FACTOR * c
            return (lambda p: 100 * speedup(s, p, cc) / p) if eff else (lambda p: speedup(s, p, cc))

        checked = 0
        for r in range(rows):
            for col, (ch, rgb) in enumerate(lines[r][gutter:]):
                code = ord(ch) - BRAILLE
                if not 0 < code < 256:
                    continue
                keys = [k for k, v in colours.items() if v == rgb] or ["S", "geo"]  # both / marker / cursor
                lo, hi = max(1.0, p_at(col - 1.0)), min(float(pmax), p_at(col + 1.0))
                for bit, (_, dy) in _DOTS.items():
                    if not code & bit:
                        continue
                    row_from_bottom = rows - 1 - r
                    value = (row_from_bottom - 0.5 + (3 - dy + 0.5) / 4) * per_row
                    ok = False
                    for key in keys:
                        vmin, vmax = value_range(series(key), lo, hi, s, c if key == "S" else GEO_FACTOR * c)
                        ok |= vmin - per_row / 2 <= value <= vmax + per_row / 2
                    assert ok, (r, col, ch, value, keys, lo, hi)
                    checked += 1
        assert checked > 40

        # the 1/s rule sits on the row of 1/s; the p* rule in the column of p*
        ceiling_rows = [r for r in range(rows) if "─" in text[r][gutter:]]
        if not eff and ceiling_rows:
            (r,) = ceiling_rows
            assert abs((rows - 1 - r) * per_row - 1 / s) <= per_row / 2
        if s == 0.3:
            assert ceiling_rows, "1/s = 3.33 is within the chart and must be drawn"
        marker_cols = {col for r in range(rows) for col, ch in enumerate(text[r][gutter:]) if ch == "┊"}
        p_star = app.model.justification.p_star
        assert len(marker_cols) == 1
        (mc,) = marker_cols
        assert p_at(mc - 1) <= p_star <= p_at(mc + 1)


def test_axes_choose_round_steps_and_rows() -> None:
    for top in (0.37, 1.0, 1.6, 3.33, 7.4, 8.3, 19.9, 100.0, 4096.0, 1e7):
        for rows in (2, 3, 5, 10, 16, 30, 60):
            y = y_axis(top, rows)
            assert is_round(y.step)
            assert y.row_of(top) <= rows - 1 + 1e-9  # the data's top is inside the top row
            assert len(y.ticks) <= 8
            assert [y.row_of(v) for v in y.ticks] == pytest.approx([i * y.rows_per_tick for i in range(len(y.ticks))])
    for hi in (2, 7, 64, 100, 4096, 10_000_000):
        for columns in (10, 40, 100):
            for log in (False, True):
                x = x_axis(hi, columns, log)
                assert all(1 <= p <= hi for p in x.ticks) and len(x.ticks) >= 1
                if log:
                    assert all(p & (p - 1) == 0 for p in x.ticks)
                cols = [x.column_of(p) for p in x.ticks]
                assert cols == sorted(cols)


def test_random_charts_decode_exactly() -> None:
    """The same decoding on the pure chart for many (s, c, pmax, axis, size): no dot off its row."""
    import random

    from capstone_tui.core.dashboard_state import DashboardState
    from capstone_tui.core.chart.speedup_chart import build_chart

    rng = random.Random(41)
    for _ in range(100):
        s = rng.choice([0.0, 1.0, rng.random(), rng.random() / 20])
        c = rng.choice([0.0, rng.random() * 1e-2, rng.random() * 1e-5, rng.random()])
        pmax = rng.choice([1, 2, 3, 16, 64, 200, 4096, 10_000_000])
        log, eff, geo = rng.random() < 0.5, rng.random() < 0.3, rng.random() < 0.7
        width, height = rng.randint(12, 200), rng.randint(4, 60)
        state = DashboardState(candidate=Candidate(scaling=ScalingInputs(s=s, c=c, pmax=pmax)), log_p=log,
                               show_efficiency=eff, show_geo=geo)
        chart = build_chart(state, width, height)
        if chart is None:
            continue
        lines = [[(ch, None) for ch in line] for line in chart.text_lines()]
        text, axis_row, gutter, yticks, xticks = decode(lines)
        rows = axis_row
        tick_rows = sorted(yticks, reverse=True)
        per_row = yticks[tick_rows[1]] / (tick_rows[0] - tick_rows[1])
        assert is_round(yticks[tick_rows[1]])
        hi = max(2, pmax)

        def p_at(col: float) -> float:
            return chart.x.p_at(col * 2 + 0.5)

        def fn(cc: float):
            return (lambda p: 100 * speedup(s, p, cc) / p) if eff else (lambda p: speedup(s, p, cc))

        for r in range(rows):
            for col, (ch, _) in enumerate(lines[r][gutter:]):
                code = ord(ch) - BRAILLE
                if not 0 < code < 256:
                    continue
                lo, up = max(1.0, p_at(col - 1.0)), min(float(hi), p_at(col + 1.0))
                for bit, (_, dy) in _DOTS.items():
                    if code & bit:
                        value = (rows - 1 - r - 0.5 + (3 - dy + 0.5) / 4) * per_row
                        ok = any(vmin - per_row / 2 <= value <= vmax + per_row / 2
                                 for cc in ((c, GEO_FACTOR * c) if geo else (c,))
                                 for vmin, vmax in [value_range(fn(cc), lo, up, s, cc)])
                        assert ok, (s, c, pmax, log, eff, width, height, r, col, value)
