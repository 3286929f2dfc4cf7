"""A key's frames: the verdict bar carries the new s in the key's own frame; the tree and the chart
follow a frame later (tui/after_frame.py), and a burst of keys leaves every pane on the last state.

The split is what keeps key `S` to the new s on screen near a bare Textual app (BENCHMARKS.md): the
first frame repaints only the bar, not a region spanning the tree and every pane between them.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static, Tree

from support.app_factory import make_app

from capstone_tui.core.candidate import Candidate, ScalingInputs
from capstone_tui.tui.panes.curve import ChartView
from capstone_tui.tui.panes.verdict import VerdictBar

CAND = Candidate(name="keys", scaling=ScalingInputs(s=0.05, c=0.002, pmax=64), machine="dgx-h100")


async def settled(pilot, condition, timeout: float = 3.0) -> bool:
    """Pause frame by frame until `condition()` holds (a loaded machine may take a few frames)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def first_chart_drawn(pilot, chart) -> int:
    """Wait for the start-up chart (built, and no build pending for 0.2 s); its build count."""
    assert await settled(pilot, lambda: chart.builds >= 1 and chart.pane.drawn is chart.app.model)
    while True:
        seen = chart.builds
        await pilot.pause(0.2)
        if chart.builds == seen:
            return seen


def bar_text(app) -> str:
    return " ".join(str(app.query_one(VerdictBar).render()).split())


def gate2_label(app) -> str:
    tree = app.query_one(Tree)
    return str(next(node.label for node in tree.root.children if node.data == "gate2"))


async def test_the_bar_shows_the_new_s_and_the_tree_and_chart_follow_once(tmp_path: Path) -> None:
    app = make_app(tmp_path, CAND)
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(ChartView)
        builds = await first_chart_drawn(pilot, chart)
        before = gate2_label(app)
        await pilot.press("S")
        j = app.model.justification
        assert j.s == 0.06
        assert "s=0.06 (serial share)" in bar_text(app)  # written by the key's handler itself
        # a frame later: the tree and the chart say the same state
        assert await settled(pilot, lambda: gate2_label(app) != before and chart.builds > builds)
        await pilot.pause(0.1)  # nothing more is drawn for this one key
        after = gate2_label(app)
        assert after != before
        assert f"S(p*)={j.speedup:.2f}x at p*={j.p_star}" in after
        assert chart.builds == builds + 1
        legend = str(app.query_one("#curve-legend", Static).render())
        assert f"p*={j.p_star} (best p: S={j.speedup:.2f}x" in legend


async def test_a_burst_of_keys_leaves_every_pane_on_the_last_state(tmp_path: Path) -> None:
    app = make_app(tmp_path, CAND)
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(ChartView)
        builds = await first_chart_drawn(pilot, chart)
        await pilot.press(*("S" * 12))
        assert await settled(pilot, lambda: app.query_one(ChartView).pane.drawn is app.model)
        await pilot.pause(0.1)
        j = app.model.justification
        assert round(j.s, 9) == 0.17
        assert "s=0.17 (serial share)" in bar_text(app)
        assert f"S(p*)={j.speedup:.2f}x at p*={j.p_star}" in gate2_label(app)
        assert 1 <= chart.builds - builds <= 12  # never more than one build per key
        assert app.query_one(ChartView).pane.drawn is app.model  # the chart shows the last state


async def test_a_key_with_measured_runs_shown_reuses_the_fit_band(tmp_path: Path) -> None:
    """The bootstrap band depends on the fit and pmax only: keys that tune s rebuild the chart but
    not the band (300 replicates x pmax points, about 60 ms per key at pmax 4096 before)."""
    from capstone_tui.session import open_runs

    fit = open_runs(Path(__file__).parent / "data" / "specsdm91.csv", field="--runs")
    app = make_app(tmp_path, CAND, fit=fit)
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(ChartView)
        builds = await first_chart_drawn(pilot, chart)
        assert chart._band is not None and chart._band[0] is fit
        band = chart._band[2]
        await pilot.press("S", "S")
        assert await settled(pilot, lambda: chart.pane.drawn is app.model and chart.builds > builds)
        await pilot.pause(0.1)
        assert chart._band[2] is band  # the same lists: not computed again
        await pilot.press("P")  # pmax doubles: the band covers more workers, so it is computed anew
        assert await settled(pilot, lambda: chart._band is not None and chart._band[1] == 128)
        assert len(chart._band[2][0]) == 128
