"""`capstone-tui compare`: Exercise 41.1.1's three candidates side by side, one row each, the same
verdicts `assess` gives; bad input is one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from capstone_tui.core.scaling import knee

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
THREE = [str(EXAMPLES / name) for name in
         ("sentiment-classifier-8gb.toml", "code-completion-exam.toml", "dedupe-4tb-crawl.toml")]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "capstone_tui", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60)


def test_rows_agree_with_assess_for_each_candidate() -> None:
    done = cli("compare", *THREE, "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["candidates"]
    assert [row["source"] for row in rows] == THREE
    for row, path in zip(rows, THREE):
        a = json.loads(cli("assess", path, "--json").stdout)
        j = a["justification"]
        assert row["decision"] == a["decision"] and row["reason"] == a["reason"]
        assert (row["ceiling"], row["axis"]) == (a["route"]["ceiling"], a["route"]["axis"])
        assert (row["p_star"], row["speedup"], row["efficiency"]) == (j["p_star"], j["speedup"], j["efficiency"])
        assert row["knee"] == j["knee"] == knee(j["s"], j["c"], j["pmax"]).to_json()
    # the exercise's answers: (a) clears none, (b) throughput -> inference, (c) data -> data
    assert [(r["ceiling"], r["axis"]) for r in rows] == [(None, None), ("throughput", "inference"), ("data", "data")]


def test_text_is_one_row_per_candidate_then_the_reasons() -> None:
    done = cli("compare", *THREE)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:5] == ["candidate", "decision", "first", "ceiling", "cleared"]
    assert "knee" in lines[0] and "decision" in lines[0]
    body = lines[2:5]
    assert body[0].startswith("Sentiment") and "stay single-machine" in body[0]
    assert "throughput" in body[1] and "inference" in body[1] and "  distribute  " in body[1]
    assert "p=13 6.80x 52%" in body[2]
    assert lines[6].startswith("1. Sentiment") and "Stay single-machine" in lines[6]


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = cli("compare", THREE[0], str(tmp_path / "missing.toml"))
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "missing.toml" in done.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[scaling]\ns = 2\n", encoding="utf-8")
    done = cli("compare", str(bad))
    assert done.returncode == 2 and "s" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = cli("compare", *([THREE[0]] * 65))
    assert done.returncode == 2 and "1 to 64" in done.stderr
    assert cli("compare").returncode == 2  # at least one file


async def test_the_compare_view_shows_one_row_per_candidate(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from capstone_tui.core.comparison import comparison_row
    from capstone_tui.session import assess_opened, open_candidate
    from capstone_tui.tui.screens.compare import CompareScreen
    from support.app_factory import make_app

    rows = []
    for path in THREE:
        opened = open_candidate(path)
        rows.append(comparison_row(opened.candidate.name, assess_opened(opened), source=path))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(CompareScreen(rows))
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        assert [str(c) for c in table.get_row_at(2)][2:4] == ["data", "data"]
        assert str(app.screen.query_one("#compare-reason").render()).startswith("Sentiment")
        await pilot.press("down")
        await pilot.pause()
        assert str(app.screen.query_one("#compare-reason").render()).startswith("Code completion")
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)


async def test_several_candidate_files_open_the_compare_view(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from capstone_tui.tui.screens.compare import CompareScreen
    from support.app_factory import make_app

    app = make_app(tmp_path)
    app.compare_paths = tuple(THREE)  # as `capstone-tui a.toml b.toml c.toml` sets it
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        assert [str(c) for c in table.get_row_at(1)][2:4] == ["throughput", "inference"]
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)
        await pilot.press("v")  # and back, from the key
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
