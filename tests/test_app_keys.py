"""The real App under Pilot: every key changes the model as documented; nothing raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capstone_tui.core.scaling import best_p
from capstone_tui.tui.panes.verdict import VerdictBar
from capstone_tui.tui.screens.help import HelpScreen
from capstone_tui.tui.screens.inputs import InputsScreen
from support.app_factory import make_app


async def test_tuning_keys_change_the_model(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        sc = lambda: app.model.candidate.scaling  # noqa: E731
        await pilot.press("S")
        assert sc().s == pytest.approx(0.06)
        await pilot.press("s", "s")
        assert sc().s == pytest.approx(0.04)
        await pilot.press("C")
        assert sc().c == pytest.approx(0.005)
        await pilot.press("c", "c")
        assert sc().c == pytest.approx(0.001)
        await pilot.press("P")
        assert sc().pmax == 8192
        await pilot.press("p", "p")
        assert sc().pmax == 2048
        expected = best_p(0.04, 0.001, 2048)
        assert (app.model.justification.p_star, app.model.justification.speedup) == expected
        await pilot.pause()
        bar = str(app.query_one(VerdictBar).render())
        assert f"datacenter p*={expected[0]}" in bar and "s=0.04" in bar


async def test_toggle_and_machine_keys(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        before = app.model
        await pilot.press("g", "l", "y")
        assert (app.model.show_geo, app.model.log_p, app.model.show_efficiency) == (
            not before.show_geo, not before.log_p, not before.show_efficiency)
        machine = app.model.candidate.machine
        await pilot.press("m")
        assert app.model.candidate.machine != machine
        assert app.model.machine is not None and app.model.machine.id == app.model.candidate.machine
        assert app.model.candidate.scaling == before.candidate.scaling


async def test_help_inputs_and_open_screens(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("i")
        assert isinstance(app.screen, InputsScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+o")
        assert app.screen.__class__.__name__ == "OpenScreen"
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]


async def test_export_key_writes_four_files(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("S", "e")
        await app.workers.wait_for_complete()
        await pilot.pause()
    files = sorted((tmp_path / "verdicts").iterdir())
    assert sorted(p.suffix for p in files) == [".json", ".md", ".svg", ".svg"]  # the screen, the chart alone
    assert len([p for p in files if p.name.endswith("-curve.svg")]) == 1
    snapshot = json.loads(next(p for p in files if p.suffix == ".json").read_text())
    assert snapshot["candidate"]["scaling"]["s"] == pytest.approx(0.06)
    assert snapshot["assessment"]["justification"]["p_star"] == best_p(0.06, 0.002, 4096)[0]
    assert "<svg" in next(p for p in files if p.suffix == ".svg").read_text()


async def test_export_failure_is_a_notification(tmp_path: Path):
    blocker = tmp_path / "verdicts"
    blocker.write_text("a file, not a folder")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
        assert any("Export failed" in n.message for n in app._notifications)
    assert blocker.read_text() == "a file, not a folder"


@pytest.mark.parametrize("size", [(40, 12), (80, 24), (250, 80), (60, 20)])
async def test_layout_survives_sizes(tmp_path: Path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.press("S", "l", "g")
        await pilot.pause()
        assert app.is_running
        assert app.model.candidate.scaling.s == pytest.approx(0.06)


async def test_quit_key_exits(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
    assert app.return_code == 0


async def test_inputs_screen_reroutes_the_tree_as_you_type(tmp_path: Path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.model.assessment.route.ceiling == "data"  # 4 TB on a DGX H100
        await pilot.press("i")
        field = app.screen.query_one("#f-data--bytes")
        field.value = "1e9"  # 1 GB: fits in memory
        await pilot.pause()
        assert app.model.candidate.data.bytes == 1e9
        assert app.model.assessment.route.ceiling is None  # re-routed at once
        field.value = "-5"  # invalid: the last valid state stays
        await pilot.pause()
        assert app.model.candidate.data.bytes == 1e9
        assert "data.bytes" in str(app.screen.query_one("#status").render())
        await pilot.press("escape")  # puts the original back
        await pilot.pause()
        assert app.model.candidate.data.bytes == 4.0e12


async def test_runs_csv_overlays_the_fit_and_f_uses_it(tmp_path: Path):
    runs = Path(__file__).parent / "data" / "specsdm91.csv"
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.load_candidate(runs)
        await app.workers.wait_for_complete()
        await pilot.pause()
        fit = app.model.fit
        assert fit is not None and fit.points
        legend = str(app.query_one("#curve-legend").render())
        assert "fit (" in legend and "measured" in legend
        await pilot.press("f")
        assert app.model.candidate.scaling.s == pytest.approx(fit.s)
        assert app.model.candidate.scaling.c == pytest.approx(fit.c)
        await pilot.press("k")
        assert app.screen.__class__.__name__ == "KarpFlattScreen"
        await pilot.press("escape")
        await pilot.press("e")
        await app.workers.wait_for_complete()
    snapshot = json.loads(next((tmp_path / "verdicts").glob("*.json")).read_text())
    assert snapshot["fit"]["method"] == fit.method and snapshot["fit"]["data"]


async def test_help_shows_its_words_as_written(tmp_path):
    """Help text naming TOML tables ("[model] from") is words, not markup: nothing is swallowed."""
    from textual.widgets import Static

    from support.app_factory import make_app

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert "[model] from" in shown
