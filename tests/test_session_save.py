"""ctrl+s and ctrl+o through the session layer, driven with Pilot on the App the launcher builds:
a save asks before replacing a file, keeps the file's comments and key order, replaces a planted
symlink instead of writing through it, offers save-as; ctrl+o of a file that is not a candidate
or a runs CSV never puts the file's contents on screen."""

from __future__ import annotations

import shutil
from pathlib import Path

from capstone_tui.cli import _dashboard_parser
from capstone_tui.core.candidate import parse_candidate
from capstone_tui.tui.launch import build_app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SECRET = "ghp_SECRETTOKEN0123456789"


def app_for(candidate: Path, tmp_path: Path):
    app = build_app(_dashboard_parser().parse_args([str(candidate), "--export-dir", str(tmp_path / "v")]))
    app.live_inventory = False
    return app


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


def notices(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_save_asks_then_keeps_comments_and_order(tmp_path: Path) -> None:
    path = tmp_path / "dedupe.toml"
    shutil.copy(EXAMPLES / "dedupe-4tb-crawl.toml", path)
    original = path.read_text()
    app = app_for(path, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("S")  # s 0.05 -> 0.06
        await pilot.press("ctrl+s")
        assert app.screen.__class__.__name__ == "SaveScreen"
        await pilot.press("enter")  # the prompt holds the opened file's path
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "ReplaceScreen"
        await pilot.press("n")  # keep it
        await settle(app, pilot)
        assert path.read_text() == original
        await pilot.press("ctrl+s", "enter")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
    saved = path.read_text()
    assert parse_candidate(saved).scaling.s == 0.06
    changed = [(a, b) for a, b in zip(original.splitlines(), saved.splitlines()) if a != b]
    assert len(saved.splitlines()) == len(original.splitlines())
    assert changed == [("s = 0.05       # the global duplicate-cluster merge",
                        "s = 0.06       # the global duplicate-cluster merge")]


async def test_save_as_a_new_file_needs_no_question(tmp_path: Path) -> None:
    path = tmp_path / "video.toml"
    shutil.copy(EXAMPLES / "video-inference-fleet.toml", path)
    app = app_for(path, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
        field = app.screen.query_one("#path")
        field.value = str(tmp_path / "copy.toml")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.candidate_path == tmp_path / "copy.toml"
    assert (tmp_path / "copy.toml").read_text() == path.read_text()  # nothing changed: the same bytes


async def test_a_planted_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    path = tmp_path / "robot.toml"
    shutil.copy(EXAMPLES / "robot-swarm.toml", path)
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH=/usr/bin\n")
    (tmp_path / "out.toml").symlink_to(victim)
    app = app_for(path, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
        app.screen.query_one("#path").value = str(tmp_path / "out.toml")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.__class__.__name__ == "ReplaceScreen"  # a link counts as an existing file
        await pilot.press("y")
        await settle(app, pilot)
    assert victim.read_text() == "export PATH=/usr/bin\n"
    assert not (tmp_path / "out.toml").is_symlink()
    assert parse_candidate((tmp_path / "out.toml").read_text()) == parse_candidate(path.read_text())


async def test_opening_a_secret_never_shows_its_contents(tmp_path: Path) -> None:
    path = tmp_path / "dedupe.toml"
    shutil.copy(EXAMPLES / "dedupe-4tb-crawl.toml", path)
    token = tmp_path / "token"
    token.write_text(f"{SECRET}\n")
    (tmp_path / "runs.csv").symlink_to(token)
    (tmp_path / "cand.toml").symlink_to(token)
    (tmp_path / "kv.toml").write_text(f'name = "x"\ntoken = "{SECRET}"\n')
    app = app_for(path, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        for name in ("runs.csv", "cand.toml", "kv.toml"):
            await pilot.press("ctrl+o")
            app.screen.query_one("#path").value = str(tmp_path / name)
            await pilot.press("enter")
            await settle(app, pilot)
        shown = notices(app)
        assert app.model.candidate.name == "Dedupe a 4 TB web-crawl slice"  # nothing was loaded
    assert shown.count("Cannot open") == 3, shown
    assert SECRET not in shown
    assert "runs.csv" in shown and "cand.toml" in shown


async def test_ctrl_o_loads_a_candidate_and_sizes_its_data(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "shards").mkdir()
    pq.write_table(pa.table({"x": list(range(1000))}), tmp_path / "shards" / "a.parquet")
    other = tmp_path / "other.toml"
    other.write_text('name = "Other"\n[data]\npath = "shards"\n[machine]\nreference = "dgx-h100"\n')
    path = tmp_path / "dedupe.toml"
    shutil.copy(EXAMPLES / "dedupe-4tb-crawl.toml", path)
    app = app_for(path, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+o")
        app.screen.query_one("#path").value = str(other)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.model.candidate.name == "Other"
        assert app.candidate_path == other
        assert app.model.measured_data is not None and app.model.measured_data.bytes > 0
        assert app.model.assessment.ceilings[0].assessed
        # the first candidate and the one opened now sit side by side in the compare view (v)
        assert app.compare_paths == (str(path), str(other))
        await pilot.press("v")
        await pilot.pause()
        from textual.widgets import DataTable

        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        rows = app.screen.query_one(DataTable)
        assert rows.row_count == 2
        assert [str(rows.get_row_at(i)[0]) for i in range(2)] == ["Dedupe a 4 TB web-crawl slice", "Other"]


async def test_a_served_session_does_not_size_data_outside_its_folder(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from capstone_tui.probes.confine import FileAccess

    (tmp_path / "private").mkdir()
    pq.write_table(pa.table({"x": list(range(1000))}), tmp_path / "private" / "a.parquet")
    root = tmp_path / "served"
    root.mkdir()
    (root / "peek.toml").write_text('name = "Peek"\n[data]\npath = "../private"\n[machine]\nreference = "dgx-h100"\n')
    path = root / "start.toml"
    shutil.copy(EXAMPLES / "dedupe-4tb-crawl.toml", path)
    app = app_for(path, tmp_path)
    app.file_access = FileAccess.served(str(root))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+o")
        app.screen.query_one("#path").value = "peek.toml"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.model.candidate.name == "Peek"
        assert app.model.measured_data is None  # the folder outside was not read
        assert "could not be sized" in (app.model.message or "")
        assert not app.model.assessment.ceilings[0].assessed
