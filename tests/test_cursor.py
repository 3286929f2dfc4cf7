"""The chart's cursor: Left/Right, Home/End and a click move it over p; the readout line gives
S and E there exactly; a move never re-rasterizes the curves; p/P visibly change the range."""

from __future__ import annotations

import re
from pathlib import Path

from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.core.scaling import knee, speedup
from capstone_tui.tui.panes.curve import ChartView
from support.app_factory import make_app

S, C = 0.05, 0.002
READOUT = re.compile(r"^p=(\d+)  S=(\d+\.\d\d)x  E=(\d+)%  geo S=(\d+\.\d\d)x E=(\d+)%")


def candidate(pmax: int = 64) -> Candidate:
    return Candidate(name="cursor", scaling=ScalingInputs(s=S, c=C, pmax=pmax), data=DataInputs(bytes=4e12),
                     machine="dgx-h100")


def readout(app) -> tuple[int, str]:
    text = str(app.query_one("#curve-readout").render())
    m = READOUT.match(text)
    assert m, text
    p = int(m.group(1))
    s_p = speedup(S, p, C)
    g_p = speedup(S, p, 4 * C)
    assert m.group(2) == f"{s_p:.2f}" and m.group(3) == f"{100 * s_p / p:.0f}"
    assert m.group(4) == f"{g_p:.2f}" and m.group(5) == f"{100 * g_p / p:.0f}"
    return p, text


async def test_keys_move_the_cursor_and_the_readout_is_exact(tmp_path: Path) -> None:
    app = make_app(tmp_path, candidate=candidate())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(ChartView)
        p_star = app.model.justification.p_star
        p, text = readout(app)
        assert p == p_star and "(p*)" in text  # the cursor starts on p*
        builds = view.builds
        seen = [p]
        for _ in range(5):
            await pilot.press("right")
            seen.append(readout(app)[0])
        assert seen == sorted(seen) and len(set(seen)) == 6  # every press moves it to a larger p
        await pilot.press("left")
        assert readout(app)[0] == seen[-2]
        await pilot.press("home")
        assert readout(app)[0] == 1 and "S=1.00x  E=100%" in readout(app)[1]
        await pilot.press("end")
        assert readout(app)[0] == p_star
        k = knee(S, C, 64).p
        while readout(app)[0] > k:
            await pilot.press("left")
        assert readout(app)[0] == k  # at pmax=64 one chart column is one p: the cursor stops on the knee
        assert "knee" in readout(app)[1]
        await pilot.pause()
        # the cursor is drawn where it says, and moving it rebuilt no curve
        chart = view.chart
        assert chart is not None
        assert view.builds == builds, "a cursor move must not re-rasterize the chart"
        p_now = readout(app)[0]
        col = chart.gutter + chart.x.column_of(p_now)
        rendered = [str(line) for line in view.render().split("\n")]
        assert rendered[chart.rows][col] == "┴"  # the cursor's foot on the x axis


async def test_a_click_on_the_plot_puts_the_cursor_there(tmp_path: Path) -> None:
    app = make_app(tmp_path, candidate=candidate())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(ChartView)
        chart = view.chart
        assert chart is not None
        column = chart.x.dots // 2 - 3  # right of the middle
        await pilot.click(ChartView, offset=(chart.gutter + column, 2))
        p, _ = readout(app)
        assert p == chart.x.p_of_column(column) and p > app.model.justification.p_star


async def test_pmax_keys_change_the_plotted_range(tmp_path: Path) -> None:
    app = make_app(tmp_path, candidate=candidate(256))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.query_one(ChartView)
        highs = []
        for key in ("p", "p", "P"):
            await pilot.press(key)
            await pilot.pause()
            view.render()
            assert view.chart is not None
            highs.append(view.chart.x.hi)
        assert highs == [128, 64, 128]
        labels = str(view.render()).split("\n")[view.chart.rows + 1]
        assert labels.split()[-1] in ("120", "128", "100")  # the last tick is within the new range
